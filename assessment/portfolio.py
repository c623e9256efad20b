"""The leadership portfolio: one row per active client, built from stored summaries.

Closing a round stores a small summary of its result (index, band, trend, escalations,
each sign's band and score: see ``results.summary``), so the portfolio reads a few hundred
bytes per client instead of scoring answers or parsing whole results on each view.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlite_utils import Database

from .questionnaire import Questionnaire
from .review_calendar import REVIEW_KINDS, next_review, quarter_of_round
from .scoring import Trend, trend_between
from .sqlite import query_rows
from .store.snapshots import questionnaire_of, snapshot_text


def risk_order(
    questionnaire: Questionnaire | None, band_id: str | None, index: float | None, name: str
) -> tuple:
    """The portfolio's and the leadership pack's sort key: riskiest first.

    Worst band first (as a share of the questionnaire's band scale, so files with different
    numbers of bands compare), then lowest index; clients without a score last, then by name.
    """
    if questionnaire is None or band_id is None or index is None:
        return (1, 0.0, 0.0, name.casefold())
    worst = max(len(questionnaire.bands) - 1, 1)
    return (0, -questionnaire.band_index(band_id) / worst, index, name.casefold())


@dataclass(frozen=True)
class ClientRow:
    client_id: int
    name: str
    industry: str
    lead_id: int | None
    lead_name: str | None
    questionnaire: Questionnaire | None
    round_id: int | None
    period: str | None
    index: float | None
    band_id: str | None
    trend: Trend | None
    open_round_id: int | None
    next_review_due: date | None
    overdue_actions: int
    escalations: int
    worst_sign_id: str | None = None
    sign_bands: dict = field(default_factory=dict)
    kind: str | None = None
    not_asked: frozenset[str] = frozenset()  # signs the latest round's kind does not ask
    withheld: bool = False  # no index: withheld to protect anonymity
    withheld_signs: frozenset[str] = frozenset()  # signs withheld to protect anonymity
    review_cadence: str = "quarterly"  # review_calendar.CADENCES
    next_review_period: str | None = None  # e.g. "2027-Q1", with next_review_due
    review_overdue: bool = False  # due before the portfolio's day, and no round open
    #: The two sides (docs/scoring.md, "The perception gap"): the widest gap in points
    #: (client minus team), the signs whose gap is flagged, and "compared", "not_enough"
    #: (too few client answers) or None (no client side in the latest review).
    gap: float | None = None
    gap_signs: tuple[str, ...] = ()
    client_side: str | None = None
    #: The latest round's questionnaire version scores these signs differently from the
    #: round before (``questionnaire.diff``): no trend, and the page says why.
    incomparable: tuple[str, ...] = ()

    @property
    def questionnaire_key(self) -> str | None:
        q = self.questionnaire
        return f"{q.id}@{q.version}" if q else None

    def risk_key(self) -> tuple:
        return risk_order(self.questionnaire, self.band_id, self.index, self.name)


_REVIEW_KINDS = ", ".join(f"'{kind}'" for kind in REVIEW_KINDS)
_SQL = f"""
WITH latest AS (
    SELECT clients.id AS client_id,
           (SELECT id FROM rounds WHERE rounds.client_id = clients.id AND status = 'closed'
                ORDER BY created_at DESC, id DESC LIMIT 1) AS closed_id,
           (SELECT MAX(created_at) FROM rounds WHERE rounds.client_id = clients.id)
               AS last_round_at,
           (SELECT MAX(id) FROM rounds WHERE rounds.client_id = clients.id
                AND status = 'open') AS open_round_id,
           (SELECT id FROM rounds WHERE rounds.client_id = clients.id AND kind IN ({_REVIEW_KINDS})
                ORDER BY created_at DESC, id DESC LIMIT 1) AS review_id
    FROM clients WHERE clients.archived_at IS NULL
),
overdue AS (
    SELECT rounds.client_id, COUNT(*) AS overdue_actions
    FROM actions JOIN rounds ON rounds.id = actions.round_id
    WHERE actions.status = 'open' AND actions.due_date < :today
    GROUP BY rounds.client_id
)
SELECT clients.id, clients.name, clients.industry, clients.lead_id,
       COALESCE(NULLIF(users.name, ''), users.email) AS lead_name,
       closed.id AS round_id, closed.period, closed.kind, closed.questionnaire_digest,
       round_summaries.summary AS result_summary,
       json_extract(round_summaries.summary, '$.index') AS summary_index,
       json_extract(round_summaries.summary, '$.band') AS summary_band,
       json_array_length(round_summaries.summary, '$.gap_signs') AS summary_gap_signs,
       json_extract(round_summaries.summary, '$.client_side') AS summary_client_side,
       latest.last_round_at, latest.open_round_id, clients.review_cadence,
       review.period AS review_period, review.created_at AS review_created_at,
       COALESCE(overdue.overdue_actions, 0) AS overdue_actions
FROM latest
JOIN clients ON clients.id = latest.client_id
LEFT JOIN users ON users.id = clients.lead_id
LEFT JOIN rounds closed ON closed.id = latest.closed_id
LEFT JOIN rounds review ON review.id = latest.review_id
LEFT JOIN round_summaries ON round_summaries.round_id = latest.closed_id
LEFT JOIN overdue ON overdue.client_id = clients.id
"""


def _not_asked(q: Questionnaire, kind: str, seen: dict) -> frozenset[str]:
    """The signs of `q` with no scored item asked in rounds of `kind` (looked up once per
    questionnaire and kind: the dashboard has a row per client)."""
    key = (id(q), kind)
    if key not in seen:
        seen[key] = (q, frozenset(s.id for s in q.signs if not s.scored_items(kind)))
    return seen[key][1]


def _row(db: Database, row: dict, seen: dict, today: date) -> ClientRow:
    q = index = band_id = trend = worst = None
    escalations = 0
    not_asked: frozenset[str] = frozenset()
    withheld = False
    withheld_signs: frozenset[str] = frozenset()
    incomparable: tuple[str, ...] = ()
    sign_bands: dict[str, tuple[str | None, float | None]] = {}
    gap, gap_signs, client_side = None, (), None
    if row["result_summary"]:
        q = questionnaire_of(snapshot_text(db, row["questionnaire_digest"]))  # both cached
        summary = json.loads(row["result_summary"])
        index, band_id, escalations = summary["index"], summary["band"], summary["escalations"]
        withheld = summary.get("withheld", False)
        withheld_signs = frozenset(summary.get("withheld_signs", ()))
        incomparable = tuple(summary.get("incomparable", ()))
        gap, client_side = summary.get("gap"), summary.get("client_side")
        gap_signs = tuple(summary.get("gap_signs", ()))
        if index is not None and summary["trend"] is not None:
            delta = summary["trend"]
            if summary.get("trend_direction"):  # decided exactly when the round closed
                trend = Trend(index - delta, delta, summary["trend_direction"])
            else:
                trend = trend_between(index, index - delta, q.settings.trend_threshold)
        sign_bands = {sign: tuple(value) for sign, value in summary["signs"].items()}
        # Lowest score first; equal scores in the questionnaire's order (the summary's).
        scored = [
            (value[1], n, sign)
            for n, (sign, value) in enumerate(sign_bands.items())
            if value[1] is not None
        ]
        worst = min(scored)[2] if scored else None
        not_asked = _not_asked(q, row["kind"], seen)
    last = row["review_period"]
    review = next_review(
        row["review_cadence"],
        archived=False,  # the portfolio lists active clients only
        last_review=quarter_of_round(last, row["review_created_at"]) if last else None,
        today=today,
    )
    return ClientRow(
        client_id=row["id"],
        name=row["name"],
        industry=row["industry"],
        lead_id=row["lead_id"],
        lead_name=row["lead_name"],
        questionnaire=q,
        round_id=row["round_id"],
        period=row["period"],
        index=index,
        band_id=band_id,
        trend=trend,
        open_round_id=row["open_round_id"],
        next_review_due=review.due if review else None,
        next_review_period=review.period if review else None,
        review_cadence=row["review_cadence"],
        review_overdue=(review is not None and review.due < today and row["open_round_id"] is None),
        overdue_actions=row["overdue_actions"],
        escalations=escalations,
        worst_sign_id=worst,
        sign_bands=sign_bands,
        kind=row["kind"],
        not_asked=not_asked,
        withheld=withheld,
        withheld_signs=withheld_signs,
        incomparable=incomparable,
        gap=gap,
        gap_signs=gap_signs,
        client_side=client_side,
    )


@dataclass(frozen=True)
class Portfolio:
    rows: list[ClientRow]  # the page's rows: every matching client when not paged
    questionnaire: Questionnaire | None  # the most used one: its signs are the heat map columns
    industries: list[str]
    leads: list[tuple[int, str]]
    total: int = 0  # clients matching the filters, on every page
    page: int = 1
    per_page: int | None = None  # None: one page with every matching client

    @property
    def pages(self) -> int:
        if not self.per_page:
            return 1
        return max((self.total + self.per_page - 1) // self.per_page, 1)


class PageNotFound(LookupError):
    """A page number past the last page of the portfolio."""


def portfolio(
    db: Database,
    *,
    lead_id: int | None = None,
    band_id: str | None = None,
    industry: str | None = None,
    today: date | None = None,
    gap: str | None = None,
    page: int = 1,
    per_page: int | None = None,
) -> Portfolio:
    """Every active client with its latest closed result, sorted by risk, then filtered.
    ``gap``: "wide", only clients whose latest review has a flagged perception gap;
    "compared", only those whose latest review compared both sides at all.

    With ``per_page``, only the rows of ``page`` (1-based) are built: the risk order and the
    filters need a few fields of each stored summary, which SQLite reads out of the JSON
    (``json_extract``); the whole row (the summary parsed, the trend, the next review) is
    made for the clients shown. Riskiest first, so the first page is the one leaders read.
    """
    today = today or date.today()
    questionnaires: dict[str, Questionnaire] = {}

    def questionnaire(digest: str) -> Questionnaire:
        if digest not in questionnaires:  # snapshot_text and questionnaire_of cache too
            questionnaires[digest] = questionnaire_of(snapshot_text(db, digest))
        return questionnaires[digest]

    found = []
    for row in query_rows(db, _SQL, {"today": today.isoformat()}):
        scored = row["result_summary"] is not None
        q = questionnaire(row["questionnaire_digest"]) if scored else None
        found.append((row, q))
    industries = sorted({row["industry"] for row, _q in found if row["industry"]}, key=str.lower)
    leads = sorted(
        {(row["lead_id"], row["lead_name"]) for row, _q in found if row["lead_id"]},
        key=lambda x: x[1],
    )
    used = Counter(row["questionnaire_digest"] for row, q in found if q is not None)
    main = questionnaire(used.most_common(1)[0][0]) if used else None
    if lead_id:
        found = [(row, q) for row, q in found if row["lead_id"] == lead_id]
    if band_id:
        found = [(row, q) for row, q in found if q and row["summary_band"] == band_id]
    if industry:
        found = [(row, q) for row, q in found if row["industry"] == industry]
    if gap == "wide":
        found = [(row, q) for row, q in found if q and row["summary_gap_signs"]]
    elif gap == "compared":
        found = [(row, q) for row, q in found if q and row["summary_client_side"] == "compared"]
    found.sort(
        key=lambda pair: risk_order(
            pair[1], pair[0]["summary_band"], pair[0]["summary_index"], pair[0]["name"]
        )
    )
    total = len(found)
    if per_page:
        if page < 1 or (page - 1) * per_page >= max(total, 1):
            raise PageNotFound(page)
        found = found[(page - 1) * per_page : page * per_page]
    seen: dict = {}
    rows = [_row(db, row, seen, today) for row, _q in found]
    return Portfolio(
        rows=rows,
        questionnaire=main,
        industries=industries,
        leads=leads,
        total=total,
        page=page,
        per_page=per_page,
    )
