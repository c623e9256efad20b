"""A round's evidence: the incidents and invoice facts of its period beside its scores,
read from the store and figured by ``assessment.evidence`` (docs/scoring.md, "Evidence
between rounds"). Used by the results page, the PDF and the portfolio; no Flask.

Only counts and figures leave this module: never an incident's text or author.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlite_utils import Database

from . import evidence
from .questionnaire import Questionnaire
from .review_calendar import quarter_of_round
from .scoring import RoundResult
from .store import evidence as store
from .store.rounds import Round

__all__ = [
    "RoundEvidence",
    "SignEvidence",
    "figure_evidence",
    "incidents_since_last_round",
    "round_evidence",
]


@dataclass(frozen=True)
class SignEvidence:
    sign_id: str
    incidents: evidence.SignIncidents
    invoices: evidence.InvoiceFacts | None = None  # the invoice sign's, when there are any
    disagreement: evidence.Disagreement | None = None
    #: Days the team spoke up on a sign that is still at escalate_from or worse.
    persisted_after: tuple[date, ...] = ()


@dataclass(frozen=True)
class RoundEvidence:
    """The period (its quarter), the day it was looked at, and each sign's evidence."""

    start: date
    end: date
    as_of: date
    signs: Mapping[str, SignEvidence] = field(default_factory=dict)
    invoice_sign: str | None = None
    invoices: evidence.InvoiceFacts | None = None
    has_invoices: bool = False
    #: The lead includes the invoice facts (never the incidents) in the client summary.
    client_summary_invoices: bool = False

    @property
    def client_invoice_facts(self) -> evidence.InvoiceFacts | None:
        """The invoice facts the client summary may show, or None."""
        return self.invoices if self.client_summary_invoices else None

    @property
    def any(self) -> bool:
        """Anything to show: an incident in the period, or invoices."""
        return self.has_invoices or any(s.incidents.count for s in self.signs.values())

    def sign(self, sign_id: str) -> SignEvidence | None:
        return self.signs.get(sign_id)

    @property
    def disagreements(self) -> tuple[SignEvidence, ...]:
        return tuple(s for s in self.signs.values() if s.disagreement is not None)


def period_of(current: Round) -> tuple[date, date]:
    quarter = quarter_of_round(current.period, current.created_at)
    return quarter.starts, quarter.plus(1).starts - timedelta(days=1)


def round_evidence(
    db: Database, current: Round, result: RoundResult | Mapping[str, str | None] | None, today: date
) -> RoundEvidence:
    """The evidence of ``current``'s period as of ``today`` (or the period's end);
    ``result`` gives each sign's band (a result, or sign id → band id as the portfolio's
    stored summaries have them). Reads the client's incidents and invoices; a round's
    pages and reports take them from its record instead (``figure_evidence``)."""
    return figure_evidence(
        current,
        result,
        today,
        incidents=store.incidents_since(db, current.client_id, None),
        invoices=store.client_invoices(db, current.client_id),
        client_summary_invoices=client_summary_includes_invoices(db, current.id),
    )


def figure_evidence(
    current: Round,
    result: RoundResult | Mapping[str, str | None] | None,
    today: date,
    *,
    incidents: Iterable[evidence.Incident],
    invoices: Sequence[evidence.Invoice],
    client_summary_invoices: bool,
) -> RoundEvidence:
    """``round_evidence`` from the client's incidents and invoices (by number) as read
    already: pure."""
    q: Questionnaire = current.questionnaire
    start, end = period_of(current)
    as_of = max(min(end, today), start)
    counts = evidence.incident_counts(list(incidents), start, as_of)
    invoices = list(invoices)
    settings = q.settings
    facts = (
        evidence.invoice_facts(
            invoices, start, end, as_of=as_of, grace_days=settings.late_grace_days
        )
        if invoices
        else None
    )
    recommend_from = q.band_index(settings.recommend_from)
    escalate_from = q.band_index(settings.escalate_from)
    signs = {}
    for sign in q.signs:
        found = counts.get(sign.id, evidence.SignIncidents())
        sign_facts = facts if sign.id == settings.invoice_sign else None
        band_id = _band_of(result, sign.id)
        band = q.band_index(band_id) if band_id in [b.id for b in q.bands] else None
        disagreement = None
        persisted: tuple[date, ...] = ()
        if band is not None:
            disagreement = evidence.disagreement(
                band_index=band,
                recommend_from=recommend_from,
                escalate_from=escalate_from,
                incidents=found,
                invoices=sign_facts,
                incident_threshold=settings.evidence_incidents,
                late_share_threshold=settings.exact_evidence_late_share,
                min_invoices=settings.evidence_min_invoices,
            )
            if band >= escalate_from:
                persisted = found.speak_up_days
        signs[sign.id] = SignEvidence(sign.id, found, sign_facts, disagreement, persisted)
    return RoundEvidence(
        start=start,
        end=end,
        as_of=as_of,
        signs=signs,
        invoice_sign=settings.invoice_sign,
        invoices=facts,
        has_invoices=bool(invoices),
        client_summary_invoices=client_summary_invoices,
    )


def client_summary_includes_invoices(db: Database, round_id: int) -> bool:
    row = db.execute(
        "SELECT client_summary_invoices FROM rounds WHERE id = ?", [round_id]
    ).fetchone()
    return bool(row and row[0])


def set_client_summary_invoices(db: Database, round_id: int, include: bool) -> None:
    db.execute(
        "UPDATE rounds SET client_summary_invoices = ? WHERE id = ?", [int(include), round_id]
    )


def _band_of(result, sign_id: str) -> str | None:
    if result is None:
        return None
    if isinstance(result, RoundResult):
        scored = result.get(sign_id)
        return scored.band_id if scored is not None else None
    return result.get(sign_id)


def incidents_since_last_round(db: Database, current: Round) -> dict[str, int]:
    """Per sign, the incidents logged for the client since its previous round was created
    (all of them before its first): the count a quarterly round's form shows."""
    previous = db.execute(
        "SELECT created_at FROM rounds WHERE client_id = ? AND id != ?"
        " AND created_at <= ? ORDER BY created_at DESC, id DESC LIMIT 1",
        [current.client_id, current.id, current.created_at],
    ).fetchone()
    found = store.incidents_since(db, current.client_id, previous[0] if previous else None)
    counts: dict[str, int] = {}
    for incident in found:
        counts[incident.sign] = counts.get(incident.sign, 0) + 1
    return counts
