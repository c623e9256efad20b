"""The read-only JSON API (``/api/v1/``), for the firm's CRM and BI tools.

**Who.** A request names its user by a personal access token (``store.api_tokens``,
made on the account page) in the ``Authorization: Bearer`` header, and by nothing else:
the session cookie is ignored here (a page open in a browser is no key to the API), and
a token in the address is refused (400) before anything is looked up, because addresses
end up in logs and browser histories (the server's access log records paths without
their query strings: ``server.py``). Client contacts and respondent links have no
account, so they never have a token.

**What.** Exactly what the same user sees on the pages, from the same functions:

- leads and admins: every client, its rounds and actions, the portfolio, and each
  round's results under ``results.policy`` (an anonymous round shows nothing while open
  and nothing below its floor: ``state`` says ``open`` or ``withheld`` with the floor);
  the aggregates are those of the portfolio's stored summary (index, bands, scores of
  signs, trend, escalations, perception gap): nothing of any one person, ever.
- members: the rounds they take part in, and a round's results only as the team summary
  their lead shares (``team.summary``, as on ``/team/<id>``); clients, actions and the
  portfolio are refused (403), as their pages are.

**How.** Lists are paged (``page``, ``per_page`` up to 100); every answer has an ETag
(``If-None-Match`` gives 304); errors are JSON with a message; each token may make
``API_RATE_LIMIT`` requests a minute (a fixed window kept in memory, per server process:
with N gunicorn workers a token may make up to N times as many), then 429 with
``Retry-After``. The description is served at ``/api/v1/openapi.json`` (``api_spec``).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, g, request, url_for
from werkzeug.exceptions import HTTPException

from .. import portfolio as portfolio_model
from .. import results
from ..db import get_db
from ..sqlite import transaction
from ..store import actions, api_tokens, audit, clients, respondents, rounds
from ..store.users import User
from ..vocab import LEAD_ROLES
from . import api_spec, team
from .access import public

PREFIX = "/api/v1"
bp = Blueprint("api", __name__, url_prefix=PREFIX)

PER_PAGE = 50
MAX_PER_PAGE = 100
#: Query parameters that look like a credential: refused, whatever their value.
CREDENTIAL_PARAMS = frozenset({"access_token", "token", "api_token", "api_key", "key", "bearer"})
WINDOW_SECONDS = 60

TOKEN_IN_URL = (
    "Send the token in the Authorization header (Authorization: Bearer pc_...), never in"
    " the address: addresses are kept in logs and browser histories. If a real token was"
    " in this address, revoke it on your account page and make a new one."
)
NO_TOKEN = "This API needs a personal access token in the Authorization: Bearer header."
BAD_TOKEN = (
    "The token is unknown, expired or revoked (tokens end with a new password, a password"
    " reset or when the account may no longer log in)."
)
MEMBERS_REFUSED = "Members see only the rounds they take part in (/api/v1/rounds)."
MESSAGES = {
    400: "Bad request.",
    401: NO_TOKEN,
    403: "Your role may not see this.",
    404: "Not found.",
    405: "This API is read-only: only GET is accepted.",
    413: "The request is too large.",
    429: "Too many requests.",
    500: "Something went wrong on our side.",
}


class ApiError(HTTPException):
    """An error answered as JSON, with its message."""

    def __init__(self, code: int, message: str | None = None, headers: dict | None = None):
        super().__init__(message or MESSAGES.get(code, MESSAGES[500]))
        self.code = code
        self.extra_headers = headers or {}


def json_error(code: int, message: str | None = None, headers: dict | None = None) -> Response:
    body = json.dumps({"error": {"status": code, "message": message or MESSAGES.get(code, "")}})
    response = Response(body, status=code, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def is_api_request() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def error_response(error: HTTPException) -> Response:
    """Any HTTP error of an API address as JSON (``errors.http_error`` calls this)."""
    code = error.code or 500
    if isinstance(error, ApiError):
        return json_error(code, error.description, error.extra_headers)
    headers = {"WWW-Authenticate": "Bearer"} if code == 401 else None
    return json_error(code, MESSAGES.get(code, error.description), headers)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return error_response(error)


# -- Who is asking -------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    token: api_tokens.ApiToken
    user: User

    @property
    def is_lead(self) -> bool:
        return self.user.role in LEAD_ROLES


def _caller() -> Caller:
    return g.api_caller


@bp.before_request
def _authenticate():
    if request.endpoint == "api.openapi":
        return None
    _refuse_token_in_url()
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, NO_TOKEN, {"WWW-Authenticate": "Bearer"})
    found = api_tokens.authenticate(get_db(), secret.strip())
    if found is None:
        raise ApiError(401, BAD_TOKEN, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
    g.api_caller = Caller(*found)
    _count_request(found[0].id)
    return None


def _refuse_token_in_url() -> None:
    for name, value in request.args.items(multi=True):
        if name.lower() in CREDENTIAL_PARAMS or value.startswith(api_tokens.PREFIX):
            raise ApiError(400, TOKEN_IN_URL)


class RateWindows:
    """Requests per token in the current fixed window, for this process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.windows: dict[int, tuple[int, int]] = {}

    def hit(self, token_id: int, limit: int, now: float) -> tuple[int, int]:
        """Count a request; returns (requests in the window, seconds until it ends)."""
        window = int(now // WINDOW_SECONDS)
        with self.lock:
            start, count = self.windows.get(token_id, (window, 0))
            if start != window:
                count = 0
                if len(self.windows) > 10_000:
                    self.windows.clear()
            count += 1
            self.windows[token_id] = (window, count)
        reset = (window + 1) * WINDOW_SECONDS - now
        return count, max(int(reset + 0.999), 1)


def _count_request(token_id: int) -> None:
    limit = current_app.config["API_RATE_LIMIT"]
    windows = current_app.extensions.setdefault("api_rate_windows", RateWindows())
    count, reset = windows.hit(token_id, limit, time.time())
    g.api_rate = (limit, max(limit - count, 0), reset)
    if count > limit:
        raise ApiError(
            429,
            f"Too many requests: this token may make {limit} requests a minute."
            f" Try again in {reset} seconds.",
            {"Retry-After": str(reset), **_rate_headers()},
        )


def _rate_headers() -> dict:
    rate = g.get("api_rate")
    if rate is None:
        return {}
    limit, remaining, reset = rate
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(reset),
    }


def _leads_only() -> None:
    if not _caller().is_lead:
        raise ApiError(403, MEMBERS_REFUSED)


# -- Answers -------------------------------------------------------------------------


def _json(data) -> Response:
    """``data`` as JSON with an ETag of its bytes; 304 when the caller has it already."""
    body = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    response = Response(body, mimetype="application/json")
    response.set_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    # Like every page (web/security.py): no browser or proxy keeps a copy of the scores;
    # a script that keeps the body and its ETag itself asks with If-None-Match.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Vary"] = "Authorization"
    for name, value in _rate_headers().items():
        response.headers[name] = value
    return response.make_conditional(request)


def _paging() -> tuple[int, int]:
    try:
        page = int(request.args.get("page", "1"))
        per_page = int(request.args.get("per_page", str(PER_PAGE)))
    except ValueError:
        raise ApiError(400, "page and per_page must be whole numbers.") from None
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ApiError(400, f"page must be 1 or more, per_page from 1 to {MAX_PER_PAGE}.")
    return page, per_page


def _page_of(items: list, serialise, **view_args) -> Response:
    page, per_page = _paging()
    total = len(items)
    pages = max((total + per_page - 1) // per_page, 1)
    if page > pages:
        raise ApiError(404, f"There is no page {page}: there are {pages}.")
    shown = items[(page - 1) * per_page : page * per_page]
    return _json(_envelope([serialise(x) for x in shown], page, per_page, total, view_args))


def _envelope(data: list, page: int, per_page: int, total: int, view_args: dict) -> dict:
    pages = max((total + per_page - 1) // per_page, 1)
    following = None
    if page < pages:
        following = url_for(request.endpoint, page=page + 1, per_page=per_page, **view_args)
    return {
        "data": data,
        "page": page,
        "per_page": per_page,
        "total": total,
        "pages": pages,
        "next": following,
    }


def _client(client: clients.Client) -> dict:
    return {
        "id": client.id,
        "name": client.name,
        "industry": client.industry,
        "lead": {"id": client.lead_id, "name": client.lead_name} if client.lead_id else None,
        "archived": client.archived,
        "rounds": client.rounds,
        "review_cadence": client.review_cadence,
    }


def _round(current: rounds.Round) -> dict:
    return {
        "id": current.id,
        "client": {"id": current.client_id, "name": current.client_name},
        "kind": current.kind,
        "period": current.period,
        "questionnaire": {
            "id": current.questionnaire_id,
            "version": current.questionnaire_version,
        },
        "status": current.status,
        "anonymous": current.anonymous,
        "anonymity_floor": current.anonymity_floor if current.anonymous else None,
        "due_date": current.due_date,
        "closed_at": current.closed_at,
        "created_at": current.created_at,
        "results_url": url_for("api.round_results", round_id=current.id),
    }


def _action(action: actions.Action) -> dict:
    return {
        "id": action.id,
        "round_id": action.round_id,
        "round_period": action.round_period,
        "sign_id": action.sign_id,
        "title": action.title,
        "owner": action.owner_name,
        "due_date": action.due_date,
        "status": action.status,
        "completed_at": action.completed_at,
        "created_at": action.created_at,
    }


def _trend(trend) -> dict | None:
    return None if trend is None else trend.to_dict()


def _scores(result, next_steps=()) -> dict:
    """A round's aggregates, as the portfolio's summary and the team view show them."""
    return {
        "index": result.index,
        "band": result.band_id,
        "trend": _trend(result.trend),
        "escalations": sum(1 for step in next_steps if step.escalation),
        "signs": [
            {"id": s.sign_id, "status": s.status, "score": s.score, "band": s.band_id}
            for s in result.signs
        ],
        "incomparable": list(result.incomparable),
    }


def _withheld(current: rounds.Round, policy) -> dict:
    if policy.state == "open":
        message = (
            "This round is anonymous and still open: its results come when it closes, so"
            " that nobody can watch the scores move with each answer."
        )
    else:
        message = (
            f"Fewer than {policy.floor} people submitted answers in this anonymous round,"
            " so its results are withheld to protect anonymity."
        )
    return {
        "round": _round(current),
        "state": "withheld",
        "reason": policy.state,  # "open" or "withheld"
        "floor": policy.floor,
        "message": message,
        "results": None,
    }


def _record_view(current: rounds.Round) -> None:
    caller = _caller()
    db = get_db()
    with transaction(db, write=True):
        audit.record(
            db,
            user_id=caller.user.id,
            actor=caller.user.email,
            action="results.viewed",
            object_type="round",
            object_id=current.id,
            details={"page": "api", "token": caller.token.id},
        )


def _round_or_404(round_id: int) -> rounds.Round:
    try:
        return rounds.get_round(get_db(), round_id)
    except clients.NotFound:
        raise ApiError(404, f"There is no round {round_id}.") from None


def _client_or_404(client_id: int) -> clients.Client:
    try:
        return clients.get_client(get_db(), client_id)
    except clients.NotFound:
        raise ApiError(404, f"There is no client {client_id}.") from None


# -- Endpoints -----------------------------------------------------------------------


@bp.get("/openapi.json")
@public
def openapi():
    """The API's description (OpenAPI 3.1): public, it holds no data."""
    return _json(api_spec.spec())


@bp.get("/clients")
@public  # not by the login cookie: by the token (``_authenticate``)
def client_list():
    _leads_only()
    archived = request.args.get("archived") == "true"
    found = clients.list_clients(get_db(), archived=archived)
    return _page_of(found, _client)


@bp.get("/clients/<int:client_id>")
@public
def client_detail(client_id: int):
    _leads_only()
    return _json(_client(_client_or_404(client_id)))


@bp.get("/clients/<int:client_id>/rounds")
@public
def client_rounds(client_id: int):
    _leads_only()
    _client_or_404(client_id)
    return _page_of(rounds.list_rounds(get_db(), client_id), _round, client_id=client_id)


@bp.get("/clients/<int:client_id>/actions")
@public
def client_actions(client_id: int):
    _leads_only()
    _client_or_404(client_id)
    found = actions.client_actions(get_db(), client_id)
    return _page_of(found, _action, client_id=client_id)


@bp.get("/rounds")
@public
def my_rounds():
    """The rounds the caller takes part in (a member's home page lists the same)."""
    found = [r for r, _p in respondents.rounds_for_user(get_db(), _caller().user.id)]
    return _page_of(found, _round)


@bp.get("/rounds/<int:round_id>")
@public
def round_detail(round_id: int):
    current = _round_or_404(round_id)
    if not _caller().is_lead and not _takes_part(current):
        raise ApiError(404, f"There is no round {round_id}.")
    return _json(_round(current))


def _takes_part(current: rounds.Round) -> bool:
    mine = respondents.rounds_for_user(get_db(), _caller().user.id)
    return any(r.id == current.id for r, _p in mine)


@bp.get("/rounds/<int:round_id>/results")
@public
def round_results(round_id: int):
    db = get_db()
    current = _round_or_404(round_id)
    if not _caller().is_lead:
        return _team_results(current)
    record = results.load(db, current)
    policy = results.policy(record)
    if not policy.results_visible:
        return _json(_withheld(current, policy))
    outcome = results.outcome(record)
    _record_view(current)
    data = {
        "round": _round(current),
        "state": "shown",
        "reason": policy.state,  # "live" (a named round) or "shown"
        "floor": policy.floor if current.anonymous else None,
        "message": None,
        "results": {
            **_scores(outcome.result, outcome.next_steps),
            "perception": _perception(outcome),
        },
    }
    return _json(data)


def _perception(outcome) -> dict:
    summary = results.summary(outcome)
    return {
        "gap": summary["gap"],
        "gap_signs": summary["gap_signs"],
        "client_side": summary["client_side"],
    }


def _team_results(current: rounds.Round) -> Response:
    """A member's view: the team summary their lead shares, for a round they take part
    in; anything else is not found, as ``/team/<id>`` is."""
    if not _takes_part(current):
        raise ApiError(404, f"There is no round {current.id}.")
    found = team.summary(get_db(), current)
    if found is None:
        raise ApiError(404, "The lead has not shared this round's summary with the team.")
    policy = found["policy"]
    if not policy.results_visible:
        return _json(_withheld(current, policy))
    data = {
        "round": _round(current),
        "state": "shown",
        "reason": policy.state,
        "floor": policy.floor if current.anonymous else None,
        "message": None,
        "results": {**_scores(found["result"], found["steps"]), "perception": None},
    }
    return _json(data)


@bp.get("/portfolio")
@public
def portfolio():
    """The portfolio page's rows, riskiest first, paged the same way."""
    _leads_only()
    page, per_page = _paging()
    try:
        found = portfolio_model.portfolio(get_db(), page=page, per_page=per_page)
    except portfolio_model.PageNotFound:
        raise ApiError(404, f"There is no page {page}.") from None
    rows = [_portfolio_row(row) for row in found.rows]
    return _json(_envelope(rows, page, per_page, found.total, {}))


def _portfolio_row(row: portfolio_model.ClientRow) -> dict:
    return {
        "client": {"id": row.client_id, "name": row.name, "industry": row.industry},
        "lead": {"id": row.lead_id, "name": row.lead_name} if row.lead_id else None,
        "round_id": row.round_id,
        "period": row.period,
        "kind": row.kind,
        "index": row.index,
        "band": row.band_id,
        "trend": _trend(row.trend),
        "withheld": row.withheld,
        "withheld_signs": sorted(row.withheld_signs),
        "signs": [
            {"id": sign_id, "band": band, "score": score}
            for sign_id, (band, score) in row.sign_bands.items()
        ],
        "escalations": row.escalations,
        "overdue_actions": row.overdue_actions,
        "open_round_id": row.open_round_id,
        "next_review_due": row.next_review_due.isoformat() if row.next_review_due else None,
        "review_overdue": row.review_overdue,
        "gap": row.gap,
        "gap_signs": list(row.gap_signs),
        "client_side": row.client_side,
    }
