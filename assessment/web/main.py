"""The home page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

bp = Blueprint("main", __name__)

ROLE_NAMES = {"admin": _l("administrator"), "lead": _l("lead"), "member": _l("member")}


@bp.get("/")
def index():
    return render_template("main/index.html", role_label=ROLE_NAMES[current_user.role])
