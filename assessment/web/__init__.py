"""The web layer: extensions, the login gate and the blueprints."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_login import LoginManager, current_user
from flask_wtf import CSRFProtect

from ..figures import template_helpers
from ..report.environment import init_rendering
from . import (
    account,
    alerts,
    answer_form,
    api,
    audit_page,
    auth,
    branding,
    client_access,
    clients,
    draft_transfer,
    errors,
    evidence,
    i18n,
    labels,
    library,
    limits,
    main,
    outbox,
    packs,
    password_reset,
    portfolio,
    respond,
    results,
    resume,
    round_mail,
    rounds,
    scheduled,
    security,
    sso,
    team,
    users,
)
from .access import is_public
from .fastpath import slots

csrf = CSRFProtect()
babel = Babel()
bootstrap = Bootstrap5()
login_manager = LoginManager()


#: Every blueprint of the app, registered in this order by ``init_web`` (and nowhere else).
BLUEPRINTS = (
    auth.bp,
    sso.bp,
    main.bp,
    i18n.bp,
    portfolio.bp,
    packs.bp,
    clients.bp,
    rounds.bp,
    scheduled.bp,
    results.bp,
    respond.bp,
    draft_transfer.bp,
    team.bp,
    users.bp,
    library.bp,
    account.bp,
    password_reset.bp,
    resume.bp,
    audit_page.bp,
    outbox.bp,
    round_mail.bp,
    alerts.bp,
    errors.bp,
    branding.bp,
    evidence.bp,
    api.bp,  # the read-only API: by token, never by cookie
)


def init_web(app: Flask) -> None:
    security.init_app(app)  # first: its after_request functions run last
    app.url_map.converters["int"] = limits.SQLiteIntConverter  # before any route is added
    app.before_request(limits.refuse_oversized_stream)  # before the CSRF check reads forms
    csrf.init_app(app)
    bootstrap.init_app(app)
    init_rendering(app, babel, locale_selector=i18n.babel_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = i18n.LOGIN_REQUIRED_MESSAGE
    login_manager.login_message_category = "info"
    login_manager.user_loader(auth.load_user)

    sso.init_client(app)  # single sign-on's provider, when configured (issue 29)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.context_processor(outbox.template_context)  # the mail names pages show
    app.context_processor(i18n.template_context)
    app.context_processor(labels.template_context)
    app.jinja_env.globals.update(slot=slots.live_slot, flash_messages=slots.flash_messages)
    app.jinja_env.globals.update(template_helpers())
    app.jinja_env.globals["logo_url"] = branding.logo_url
    app.jinja_env.filters["number_text"] = answer_form.number_text
    app.before_request(_require_login)
    app.before_request(client_access.refuse_client_links)  # by side: see client_access


def _require_login():
    """Deny by default: every endpoint needs a login unless it is marked public."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    if request.endpoint.startswith("bootstrap."):
        return None
    view = request.url_rule and request.url_rule.endpoint
    if is_public(view):
        return None
    if not current_user.is_authenticated:
        return resume.before_login() or login_manager.unauthorized()
    return None
