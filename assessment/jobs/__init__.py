"""Background work: everything that must happen without a request.

``queue`` builds each app's Huey queue (SQLite storage in its own file, ``JOBS_DATABASE``)
and declares tasks; ``tasks`` holds them; ``process`` runs the worker (``assessment
worker``, in ``cli/worker.py``) beside a web server. Nothing here imports
the web layer or the app factory: tasks get their app context from the app that built
their queue (see ``queue``).
"""
