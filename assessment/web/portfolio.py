"""The portfolio dashboard for leaders: every active client at a glance, worst first."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from .. import exports
from .. import portfolio as portfolio_model
from ..db import get_db
from ..sqlite import transaction
from ..store import packs as pack_store
from ..vocab import LEAD_ROLES
from . import packs
from .access import role_required
from .audit import log
from .downloads import download, file_name
from .i18n import current_language
from .limits import int_arg

bp = Blueprint("portfolio", __name__, url_prefix="/portfolio")


#: The perception gap filter's values (``portfolio.portfolio``'s ``gap``).
GAP_FILTERS = ("wide", "compared")

#: Clients on a page of the dashboard, riskiest first: a firm with thousands of clients
#: gets the ones that need a look on the first page, and a page that renders in
#: milliseconds (benchmarks/README.md).
PER_PAGE = 50


@bp.get("/")
@role_required(*LEAD_ROLES)
def index():
    filters = _filters()
    db = get_db()
    page = request.args.get("page", 1, type=int)
    try:
        found = portfolio_model.portfolio(db, **filters, page=page, per_page=PER_PAGE)
    except portfolio_model.PageNotFound:
        abort(404)
    return render_template(
        "portfolio/index.html",
        portfolio=found,
        labels=_labels(found, current_language()),
        filters={
            "lead": filters["lead_id"],
            "band": filters["band_id"],
            "industry": filters["industry"],
            "gap": filters["gap"],
        },
        pack_form=packs.pack_form(db),
        pack_jobs=[packs.status(job) for job in pack_store.recent_jobs(db)],
    )


def _filters() -> dict:
    """The page's filters from the query string, as ``portfolio.portfolio`` takes them."""
    return {
        "lead_id": int_arg("lead"),
        "band_id": request.args.get("band") or None,
        "industry": request.args.get("industry") or None,
        "gap": request.args.get("gap") if request.args.get("gap") in GAP_FILTERS else None,
    }


def _labels(found: portfolio_model.Portfolio, lang: str) -> dict:
    """Band colours and labels and sign titles per questionnaire, looked up once: the
    page shows hundreds of rows and thousands of heat map cells."""
    labels = {}
    for row in found.rows:
        key = row.questionnaire_key
        if key and key not in labels:
            q = row.questionnaire
            labels[key] = {
                "bands": {b.id: (b.colour, b.label.get(lang)) for b in q.bands},
                "signs": {s.id: s.title.get(lang) for s in q.signs},
            }
    return labels


@bp.get("/results.<fmt>")
@role_required(*LEAD_ROLES)
def export_results(fmt: str):
    """Every closed round's results, one row per sign, for analysis elsewhere; with the
    page's filters (lead, band, industry), the rounds of the clients the page lists."""
    if fmt not in exports.FORMATS:
        abort(404)
    db = get_db()
    filters = _filters()
    with transaction(db, write=True):  # the export and its audit entry, or neither
        client_ids = None
        if any(value is not None for value in filters.values()):
            found = portfolio_model.portfolio(db, **filters)
            client_ids = {row.client_id for row in found.rows}
        text = exports.export_results(db, fmt, client_ids=client_ids)
        shown = {key: value for key, value in filters.items() if value is not None}
        log("results.exported", "results", None, format=fmt, **shown)
    return download(text, fmt, file_name("partnership-check-results", ext=fmt))
