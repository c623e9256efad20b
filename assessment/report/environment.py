"""What rendering a report needs, without the web app: ``report_app(config)``.

Report templates are rendered by Flask's Jinja environment and translated by Flask-Babel
(``force_locale``, ``gettext`` and the templates' ``_()``), and both need a Flask app with
an app context. The web app is one. The leadership pack's worker processes need no more
than the settings, Flask-Babel with the app's translations and the templates, so
``report_app`` builds a bare Flask app with exactly that: no blueprints, logins, CSRF,
sessions or database, and no migrations, so a worker never takes the database's write
lock (it reads nothing either: reports are built in the parent and sent whole).

``init_rendering`` is the one place that sets up what the report templates use; the web
app calls it too, so both render the same bytes (``tests/report/test_report_environment.py``).
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask
from flask_babel import Babel, gettext

from .. import branding, vocab
from ..paths import TEMPLATE_FOLDER
from .fetcher import BRANDING_URL

__all__ = ["init_rendering", "report_app"]

#: The app's import name: Flask-Babel finds the translations under its root path
#: (``assessment/translations``), as it does for the web app.
PACKAGE = __name__.split(".")[0]


def init_rendering(app: Flask, babel: Babel, **babel_options) -> None:
    """Set up ``app`` to render reports: Flask-Babel (its translations, and ``_`` and
    ``gettext`` in the templates). ``babel_options`` go to ``Babel.init_app`` (the web
    app passes its locale selector; reports always name their language)."""
    babel.init_app(app, **babel_options)
    # Labels the web pages and the PDFs both show, named once (vocab), in the language
    # being rendered: templates/_labels.html.
    app.jinja_env.globals.update(
        trend_arrows=vocab.TREND_ARROWS,
        trend_word=lambda direction: gettext(vocab.TREND_LABELS[direction].msgid),
        not_asked_text=_not_asked_text,
    )
    # The firm's name and logo (settings, checked at start), for pages, mail and PDFs.
    app.jinja_env.globals["branding"] = branding.of(app.config)
    app.jinja_env.globals["branding_logo_url"] = BRANDING_URL


def _not_asked_text(kind: str | None) -> str:
    """What a sign shows when its round's kind asks none of its items ("Not asked in a
    kickoff"), or "Not asked" when the kind is not known."""
    label = vocab.NOT_ASKED_LABELS.get(kind or "")
    return gettext(label.msgid) if label else gettext("Not asked")


def report_app(config: Mapping) -> Flask:
    """A Flask app that can render reports and nothing else, with ``config`` as its
    settings (the web app's, as far as they can be pickled to a worker)."""
    app = Flask(PACKAGE, template_folder=str(TEMPLATE_FOLDER), static_folder=None)
    app.config.from_mapping(config)
    init_rendering(app, Babel())
    return app
