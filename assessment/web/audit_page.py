"""The audit log page (admins): every recorded action, newest first, in the instance's time
zone, with names rather than ids, filtered by client, person, action and date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from .. import clock, vocab
from ..db import get_db
from ..store import audit
from .access import role_required
from .audit import ACTION_NAMES
from .limits import int_arg, page_number

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE_SIZE = 50


@dataclass(frozen=True)
class Row:
    """An entry as the page shows it: the moment in the instance's time zone, names
    rather than ids, lists as words."""

    at: str
    actor: str
    action: str
    subject: str | None
    details: list[tuple[str, str]]


def _day_arg(name: str) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(404)


def _filters() -> tuple[audit.Filters, dict]:
    """The page's filters from the query string, and the same as the form shows them."""
    config = current_app.config
    action = request.args.get("action") or None
    if action is not None and action not in ACTION_NAMES:
        abort(404)
    since, until = _day_arg("from"), _day_arg("to")

    def utc(day: date) -> str:
        start = datetime.combine(day, time(), tzinfo=clock.zone(config))
        return start.astimezone(UTC).isoformat(timespec="seconds")

    filters = audit.Filters(
        client_id=int_arg("client"),
        user_id=int_arg("person"),
        action=action,
        since=utc(since) if since else None,
        until=utc(until + timedelta(days=1)) if until else None,
    )
    shown = {
        "client": filters.client_id,
        "person": filters.user_id,
        "action": action,
        "from": since.isoformat() if since else "",
        "to": until.isoformat() if until else "",
    }
    return filters, shown


def _names(db, table: str, ids: set[int], column: str) -> dict[int, str]:
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    rows = db.execute(f"SELECT id, {column} FROM {table} WHERE id IN ({marks})", sorted(ids))
    return {row[0]: row[1] for row in rows}


#: Details that hold the id of something with a name, shown by that name.
_ID_DETAILS = ("client", "user", "round")


def _rows(db, found: list[audit.Entry]) -> list[Row]:
    config = current_app.config
    wanted: dict[str, set[int]] = {"client": set(), "round": set(), "action": set(), "user": set()}
    for entry in found:
        if entry.object_type in wanted and entry.object_id is not None:
            wanted[entry.object_type].add(entry.object_id)
        for key in _ID_DETAILS:
            if isinstance(entry.details.get(key), int):
                wanted[key].add(entry.details[key])
    names = {
        "client": _names(db, "clients", wanted["client"], "name"),
        "user": _names(db, "users", wanted["user"], "COALESCE(NULLIF(name, ''), email)"),
        "action": _names(db, "actions", wanted["action"], "title"),
    }
    round_names = {}
    if wanted["round"]:
        marks = ", ".join("?" * len(wanted["round"]))
        for row in db.execute(
            "SELECT rounds.id, clients.name, rounds.period, rounds.kind FROM rounds"
            f" JOIN clients ON clients.id = rounds.client_id WHERE rounds.id IN ({marks})",
            sorted(wanted["round"]),
        ):
            round_names[row[0]] = f"{row[1]} · " + vocab.round_name(row[2], row[3]).localize(
                gettext
            )
    names["round"] = round_names
    rows = []
    for entry in found:
        subject = None
        if entry.object_id is not None:
            label = OBJECT_NAMES.get(entry.object_type, entry.object_type)
            name = names.get(entry.object_type, {}).get(entry.object_id)
            subject = f"{label}: {name}" if name else f"{label} {entry.object_id}"
        details = []
        for key, value in sorted(entry.details.items()):
            if key in _ID_DETAILS and isinstance(value, int):
                value = names[key].get(value, value)
            elif key in ("respondent", "link") and isinstance(value, int):
                continue  # the name or email beside it says who; an id says nothing
            if isinstance(value, list | tuple):
                value = vocab.Joined(value).localize(gettext) if value else "–"
            elif isinstance(value, bool):
                value = gettext("yes") if value else gettext("no")
            elif isinstance(value, dict):
                value = ", ".join(f"{k}: {v}" for k, v in value.items())
            details.append((DETAIL_NAMES.get(key, key), str(value)))
        moment = datetime.fromisoformat(entry.at).astimezone(clock.zone(config))
        rows.append(
            Row(
                at=moment.strftime("%Y-%m-%d %H:%M"),
                actor=entry.actor,
                action=str(ACTION_NAMES.get(entry.action, entry.action)),
                subject=subject,
                details=details,
            )
        )
    return rows


OBJECT_NAMES = {
    "client": _l("Client"),
    "round": _l("Round"),
    "action": _l("Action"),
    "user": _l("User"),
}
DETAIL_NAMES = {
    "client": _l("Client"),
    "period": _l("Period"),
    "name": _l("Name"),
    "email": _l("Email"),
    "title": _l("Title"),
    "owner": _l("Owner"),
    "count": _l("Count"),
    "role": _l("Role"),
    "language": _l("Language"),
}


@bp.get("/")
@role_required("admin")
def index():
    db = get_db()
    filters, shown = _filters()
    page, pages = page_number(audit.count(db, filters), PAGE_SIZE)
    found = audit.entries(db, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, filters=filters)
    people = db.execute(
        "SELECT id, COALESCE(NULLIF(name, ''), email) FROM users ORDER BY 2"
    ).fetchall()
    return render_template(
        "audit/index.html",
        rows=_rows(db, found),
        page=page,
        pages=pages,
        action_names=ACTION_NAMES,
        shown=shown,
        clients=db.execute("SELECT id, name FROM clients ORDER BY name").fetchall(),
        people=people,
        zone=current_app.config["TIMEZONE"],
    )
