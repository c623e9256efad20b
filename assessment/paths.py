"""Where the checkout's own folders are: a leaf that imports nothing of the app, so that
reports, mail and the demo can name the templates without importing the settings."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_FOLDER = PROJECT_ROOT / "templates"  # beside the package: see README
QUESTIONS_FOLDER = PROJECT_ROOT / "questions"
