"""Evidence between rounds: figures from a client's invoices and the team's incident log,
and whether they disagree with what the team scored.

Pure: dates, exact decimals and fractions; no Flask, no database. docs/scoring.md
("Evidence") defines every figure; in short, for a period from ``start`` to ``end``
(both days included), looked at on ``as_of`` (the period's end, or today while the
period is running):

- an invoice is **due in the period** when its due date is in the period and not after
  ``as_of`` (an invoice not yet due cannot be late);
- it is **late** when it was paid more than ``grace_days`` after its due date, or is still
  unpaid more than ``grace_days`` after it on ``as_of``;
- its **days late** count from the due date (the grace only decides whether it is late):
  the payment date, or ``as_of`` while unpaid, minus the due date;
- the **late share** is late invoices / invoices due in the period; the **average days
  late** is the mean of the late invoices' days late;
- **DSO** (days sales outstanding, per currency) is what was still unpaid at the end of
  the period (issued on or before ``as_of``, not paid by then) divided by what was
  invoiced in the period (issued from ``start`` to ``as_of``), times the days from
  ``start`` to ``as_of`` (both included);
- the **overdue amount** (per currency, on a day) is the sum of the invoices still unpaid
  more than ``grace_days`` after their due date.

Amounts of different currencies are never added up: every amount is per currency.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Literal

__all__ = [
    "DEFAULT_EVIDENCE_INCIDENTS",
    "DEFAULT_EVIDENCE_LATE_SHARE",
    "DEFAULT_EVIDENCE_MIN_INVOICES",
    "DEFAULT_LATE_GRACE_DAYS",
    "MOVES",
    "Disagreement",
    "Incident",
    "Invoice",
    "InvoiceFacts",
    "SignIncidents",
    "days_late",
    "disagreement",
    "dso",
    "incident_counts",
    "incidents_by_month",
    "invoice_facts",
    "is_late",
    "overdue_amounts",
    "texts_visible",
]

#: An invoice paid up to this many days after its due date is not late (``late_grace_days``).
DEFAULT_LATE_GRACE_DAYS = 0
#: From this share of invoices paid late, invoices contradict a healthy payment score.
DEFAULT_EVIDENCE_LATE_SHARE = Fraction(1, 2)
#: From this many incidents of a sign in a period, the log contradicts a healthy score.
DEFAULT_EVIDENCE_INCIDENTS = 3
#: Fewest invoices due in a period for invoices to count as evidence at all.
DEFAULT_EVIDENCE_MIN_INVOICES = 3

#: The three moves of the seeds' advice with which a team speaks up.
MOVES = ("boundary", "process", "term")


@dataclass(frozen=True)
class Invoice:
    """One invoice of a client, as imported (``paid`` None while unpaid)."""

    number: str
    issued: date
    due: date
    paid: date | None
    amount: Decimal
    currency: str


def days_late(invoice: Invoice, as_of: date) -> int:
    """Days from the due date to the payment (or to ``as_of`` while unpaid); 0 when on time."""
    settled = invoice.paid if invoice.paid is not None and invoice.paid <= as_of else as_of
    return max(0, (settled - invoice.due).days)


def is_late(invoice: Invoice, as_of: date, grace_days: int = DEFAULT_LATE_GRACE_DAYS) -> bool:
    """Paid more than ``grace_days`` after the due date, or unpaid that long on ``as_of``."""
    return days_late(invoice, as_of) > grace_days


@dataclass(frozen=True)
class InvoiceFacts:
    """The invoice figures of one client and period (see the module's docstring)."""

    due: int  # invoices due in the period (by as_of)
    late: int
    average_days_late: Fraction | None  # None when none is late
    dso: Mapping[str, Fraction | None]  # per currency; None: nothing invoiced in the period
    overdue: Mapping[str, Decimal]  # per currency, on as_of; only currencies with some

    @property
    def late_share(self) -> Fraction | None:
        return Fraction(self.late, self.due) if self.due else None


def _period(start: date, end: date, as_of: date) -> date:
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    return min(end, as_of)


def dso(invoices: Iterable[Invoice], start: date, end: date) -> dict[str, Fraction | None]:
    """Days sales outstanding per currency for the period ``start``–``end``: unpaid at
    ``end`` / invoiced in the period × days in the period. Currencies that had neither
    sales nor anything outstanding are left out; None where nothing was invoiced."""
    days = (end - start).days + 1
    outstanding: dict[str, Decimal] = {}
    sales: dict[str, Decimal] = {}
    for invoice in invoices:
        if invoice.issued > end:
            continue
        if invoice.paid is None or invoice.paid > end:
            outstanding[invoice.currency] = (
                outstanding.get(invoice.currency, Decimal(0)) + invoice.amount
            )
        if invoice.issued >= start:
            sales[invoice.currency] = sales.get(invoice.currency, Decimal(0)) + invoice.amount
    found: dict[str, Fraction | None] = {}
    for currency in sorted(set(outstanding) | set(sales)):
        sold = sales.get(currency, Decimal(0))
        owed = outstanding.get(currency, Decimal(0))
        found[currency] = Fraction(owed) / Fraction(sold) * days if sold else None
    return found


def overdue_amounts(
    invoices: Iterable[Invoice], today: date, grace_days: int = DEFAULT_LATE_GRACE_DAYS
) -> dict[str, Decimal]:
    """Per currency, the amount of invoices unpaid on ``today`` more than ``grace_days``
    after their due date (exact; currencies are never added together)."""
    found: dict[str, Decimal] = {}
    for invoice in invoices:
        unpaid = invoice.paid is None or invoice.paid > today
        if unpaid and invoice.issued <= today and (today - invoice.due).days > grace_days:
            found[invoice.currency] = found.get(invoice.currency, Decimal(0)) + invoice.amount
    return dict(sorted(found.items()))


def invoice_facts(
    invoices: Iterable[Invoice],
    start: date,
    end: date,
    *,
    as_of: date,
    grace_days: int = DEFAULT_LATE_GRACE_DAYS,
) -> InvoiceFacts:
    """The period's invoice figures, looked at on ``as_of`` (see the module's docstring)."""
    if grace_days < 0:
        raise ValueError("grace_days must not be negative")
    invoices = list(invoices)
    last = _period(start, end, as_of)
    due = [i for i in invoices if start <= i.due <= last]
    late = [days_late(i, last) for i in due if is_late(i, last, grace_days)]
    return InvoiceFacts(
        due=len(due),
        late=len(late),
        average_days_late=Fraction(sum(late), len(late)) if late else None,
        dso=dso(invoices, start, last) if last >= start else {},
        overdue=overdue_amounts(invoices, last, grace_days),
    )


# --- incidents ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Incident:
    """One logged incident: the sign, the day it happened, and the moves with which the
    team spoke up (empty: it did not)."""

    sign: str
    happened: date
    moves: frozenset[str] = field(default_factory=frozenset)

    @property
    def spoke_up(self) -> bool:
        return bool(self.moves)


@dataclass(frozen=True)
class SignIncidents:
    """A sign's incidents in a period: how many, how many times the team spoke up, and
    the days it did (in order)."""

    count: int = 0
    spoke_up: int = 0
    speak_up_days: tuple[date, ...] = ()


def incident_counts(
    incidents: Iterable[Incident], start: date, end: date
) -> dict[str, SignIncidents]:
    """Per sign, the incidents that happened from ``start`` to ``end`` (both included)."""
    counts: Counter[str] = Counter()
    days: dict[str, list[date]] = {}
    for incident in incidents:
        if start <= incident.happened <= end:
            counts[incident.sign] += 1
            if incident.spoke_up:
                days.setdefault(incident.sign, []).append(incident.happened)
    return {
        sign: SignIncidents(
            count=counts[sign],
            spoke_up=len(days.get(sign, ())),
            speak_up_days=tuple(sorted(days.get(sign, ()))),
        )
        for sign in sorted(counts)
    }


def incidents_by_month(incidents: Iterable[Incident]) -> dict[tuple[str, str], int]:
    """Incidents per (sign, month as ``YYYY-MM``), in order."""
    counts = Counter((i.sign, f"{i.happened:%Y-%m}") for i in incidents)
    return dict(sorted(counts.items()))


def texts_visible(authors: int, text_floor: int) -> bool:
    """Whether the texts of unsigned incidents may be shown (without names): only once at
    least ``text_floor`` different people logged them, the floor of comments in an
    anonymous round (docs/anonymity.md)."""
    return authors >= text_floor


# --- perception against evidence ----------------------------------------------------------------

Direction = Literal["evidence_worse", "evidence_better"]


@dataclass(frozen=True)
class Disagreement:
    """The team's score of a sign and the evidence point different ways.

    ``evidence_worse``: the team scores the sign healthy (a band without recommendations)
    while the incidents or the invoices reach their thresholds. ``evidence_better``: the
    team scores the payment sign at risk or worse while enough invoices were all paid on
    time and no incident of it was logged."""

    direction: Direction
    incidents: bool  # the incidents reached the threshold
    invoices: bool  # the invoices reached (or, evidence_better, clearly missed) theirs


def disagreement(
    *,
    band_index: int,
    recommend_from: int,
    escalate_from: int,
    incidents: SignIncidents | None = None,
    invoices: InvoiceFacts | None = None,
    incident_threshold: int = DEFAULT_EVIDENCE_INCIDENTS,
    late_share_threshold: Fraction = DEFAULT_EVIDENCE_LATE_SHARE,
    min_invoices: int = DEFAULT_EVIDENCE_MIN_INVOICES,
) -> Disagreement | None:
    """Whether a sign's band (0 the healthiest) and its evidence disagree; None if not.

    ``recommend_from`` and ``escalate_from`` are band indexes (the questionnaire's
    settings). ``invoices`` only for the sign the invoices speak to (payment)."""
    count = incidents.count if incidents else 0
    judged = invoices is not None and invoices.due >= min_invoices
    share = invoices.late_share if judged and invoices else None
    many_incidents = count >= incident_threshold
    mostly_late = share is not None and share >= late_share_threshold
    if band_index < recommend_from and (many_incidents or mostly_late):
        return Disagreement("evidence_worse", many_incidents, mostly_late)
    if band_index >= escalate_from and share == 0 and count == 0:
        return Disagreement("evidence_better", False, True)
    return None
