"""The bare Flask app the form page is compared with: one route, a constant string.

Served by ``run_load.py`` with the same gunicorn settings as ``assessment serve``.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
