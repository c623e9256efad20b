"""The evidence figures (assessment/evidence.py): pure functions, checked by example and
by property (Hypothesis), and their settings in the questionnaire file."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment.evidence import (
    Incident,
    Invoice,
    SignIncidents,
    days_late,
    disagreement,
    dso,
    incident_counts,
    incidents_by_month,
    invoice_facts,
    is_late,
    overdue_amounts,
)
from assessment.questionnaire import QuestionnaireError, load_questionnaire

START, END = date(2026, 1, 1), date(2026, 3, 31)
DAY0 = date(2025, 10, 1)


def inv(number, issued, due, paid, amount="100.00", currency="EUR") -> Invoice:
    return Invoice(number, issued, due, paid, Decimal(amount), currency)


# --- examples ----------------------------------------------------------------------------------


def test_the_issue_example_six_of_eight_late_31_days_on_average():
    due = date(2026, 2, 1)
    late = [
        inv(f"L{n}", date(2026, 1, 1), due, due + timedelta(days=d))
        for n, d in enumerate([10, 20, 30, 40, 31, 55])
    ]
    on_time = [inv(f"T{n}", date(2026, 1, 1), due, due) for n in range(2)]
    facts = invoice_facts(late + on_time, START, END, as_of=date(2026, 6, 1))
    assert (facts.due, facts.late) == (8, 6)
    assert facts.late_share == Fraction(3, 4)
    assert facts.average_days_late == Fraction(186, 6) == 31


def test_grace_days_decide_lateness_but_days_late_count_from_the_due_date():
    invoice = inv("A", date(2026, 1, 1), date(2026, 1, 31), date(2026, 2, 5))
    assert days_late(invoice, END) == 5
    assert is_late(invoice, END, 0) and is_late(invoice, END, 4)
    assert not is_late(invoice, END, 5)
    facts = invoice_facts([invoice], START, END, as_of=END, grace_days=4)
    assert facts.average_days_late == 5


def test_an_unpaid_invoice_is_late_on_as_of_and_one_not_yet_due_does_not_count():
    unpaid = inv("U", date(2026, 1, 1), date(2026, 2, 1), None)
    not_due = inv("N", date(2026, 3, 1), date(2026, 3, 30), None)
    facts = invoice_facts([unpaid, not_due], START, END, as_of=date(2026, 2, 11))
    assert (facts.due, facts.late, facts.average_days_late) == (1, 1, 10)
    assert facts.overdue == {"EUR": Decimal("100.00")}


def test_dso_is_outstanding_over_sales_times_days_per_currency():
    invoices = [
        inv("1", date(2026, 1, 10), date(2026, 2, 10), date(2026, 2, 1), "900.00"),
        inv("2", date(2026, 3, 1), date(2026, 4, 1), None, "100.00"),
        inv("3", date(2026, 2, 1), date(2026, 3, 1), None, "5000", "CNY"),
        inv("4", date(2025, 12, 1), date(2026, 1, 1), None, "70", "USD"),  # before the period
    ]
    found = dso(invoices, START, END)
    assert found == {"CNY": Fraction(90), "EUR": Fraction(9), "USD": None}


def test_overdue_amounts_are_exact_and_never_summed_across_currencies():
    invoices = [
        inv("1", DAY0, date(2026, 1, 1), None, "0.10"),
        inv("2", DAY0, date(2026, 1, 1), None, "0.20"),
        inv("3", DAY0, date(2026, 1, 1), None, "1.05", "CNY"),
        inv("4", DAY0, date(2026, 1, 1), date(2026, 1, 5), "999"),
    ]
    assert overdue_amounts(invoices, date(2026, 2, 1)) == {
        "CNY": Decimal("1.05"),
        "EUR": Decimal("0.30"),
    }


def test_incidents_per_sign_with_speak_ups_and_per_month():
    incidents = [
        Incident("payment", date(2026, 3, 3), frozenset({"term"})),
        Incident("payment", date(2026, 5, 2), frozenset({"boundary", "process"})),
        Incident("payment", date(2026, 2, 1)),
        Incident("power", date(2026, 4, 9)),
        Incident("power", date(2025, 12, 31)),  # before the period
    ]
    counts = incident_counts(incidents, START, date(2026, 6, 30))
    assert counts == {
        "payment": SignIncidents(3, 2, (date(2026, 3, 3), date(2026, 5, 2))),
        "power": SignIncidents(1, 0, ()),
    }
    assert incidents_by_month(incidents) == {
        ("payment", "2026-02"): 1,
        ("payment", "2026-03"): 1,
        ("payment", "2026-05"): 1,
        ("power", "2025-12"): 1,
        ("power", "2026-04"): 1,
    }


def test_disagreement_both_ways_and_not_without_enough_evidence():
    bad = invoice_facts(
        [inv(str(n), DAY0, date(2026, 1, 2), date(2026, 2, 2)) for n in range(4)],
        START,
        END,
        as_of=END,
    )
    good = invoice_facts(
        [inv(str(n), DAY0, date(2026, 1, 2), date(2026, 1, 2)) for n in range(4)],
        START,
        END,
        as_of=END,
    )
    bands = {"recommend_from": 1, "escalate_from": 2}
    found = disagreement(band_index=0, invoices=bad, **bands)
    assert found is not None and found.direction == "evidence_worse" and found.invoices
    assert disagreement(band_index=1, invoices=bad, **bands) is None  # already "watch"
    assert disagreement(band_index=2, invoices=good, **bands).direction == "evidence_better"
    few = invoice_facts([inv("1", DAY0, date(2026, 1, 2), None)], START, END, as_of=END)
    assert disagreement(band_index=0, invoices=few, **bands) is None  # one invoice: no case
    many = SignIncidents(3, 1, (date(2026, 3, 3),))
    found = disagreement(band_index=0, incidents=many, **bands)
    assert found.direction == "evidence_worse" and found.incidents and not found.invoices
    assert disagreement(band_index=0, incidents=SignIncidents(2), **bands) is None
    assert disagreement(band_index=3, incidents=SignIncidents(0), **bands) is None  # no invoices


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError):
        invoice_facts([], END, START, as_of=END)


# --- properties --------------------------------------------------------------------------------

days = st.integers(min_value=0, max_value=400)
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2)
currencies = st.sampled_from(["EUR", "CNY", "USD"])


@st.composite
def invoices(draw):
    issued = DAY0 + timedelta(days=draw(days))
    due = issued + timedelta(days=draw(st.integers(min_value=0, max_value=90)))
    paid_after = draw(st.none() | st.integers(min_value=0, max_value=200))
    paid = None if paid_after is None else issued + timedelta(days=paid_after)
    return Invoice(
        f"N{draw(st.integers(0, 10**6))}", issued, due, paid, draw(amounts), draw(currencies)
    )


lists = st.lists(invoices(), max_size=30)
graces = st.integers(min_value=0, max_value=30)
as_ofs = st.builds(lambda n: DAY0 + timedelta(days=n), days)


@given(lists, graces, as_ofs)
def test_late_share_is_a_share_and_average_days_late_is_above_the_grace(found, grace, as_of):
    facts = invoice_facts(found, START, END, as_of=max(as_of, START), grace_days=grace)
    assert 0 <= facts.late <= facts.due <= len(found)
    if facts.due:
        assert 0 <= facts.late_share <= 1
    else:
        assert facts.late_share is None
    if facts.late:
        assert facts.average_days_late > grace
    else:
        assert facts.average_days_late is None


@given(lists, graces, graces, as_ofs)
def test_more_grace_never_makes_more_invoices_late(found, grace, more, as_of):
    low, high = sorted([grace, more])
    as_of = max(as_of, START)
    assert (
        invoice_facts(found, START, END, as_of=as_of, grace_days=high).late
        <= invoice_facts(found, START, END, as_of=as_of, grace_days=low).late
    )


@given(lists, as_ofs, graces)
def test_overdue_is_exact_per_currency_and_independent_of_order(found, today, grace):
    result = overdue_amounts(found, today, grace)
    assert result == overdue_amounts(list(reversed(found)), today, grace)
    for currency, total in result.items():
        parts = [
            i.amount
            for i in found
            if i.currency == currency
            and (i.paid is None or i.paid > today)
            and i.issued <= today
            and (today - i.due).days > grace
        ]
        assert total == sum(parts, Decimal(0)) and total > 0
    # adding an invoice in another currency never changes the others' totals
    extra = Invoice("X", DAY0, DAY0, None, Decimal("5"), "JPY")
    with_extra = overdue_amounts([*found, extra], today, grace)
    assert {c: v for c, v in with_extra.items() if c != "JPY"} == result


@given(lists)
def test_dso_is_never_negative_and_at_most_the_period_when_all_is_unpaid(found):
    result = dso(found, START, END)
    period_days = (END - START).days + 1
    for currency, value in result.items():
        assert value is None or value >= 0
        older = [i for i in found if i.currency == currency and i.issued < START]
        if value is not None and not older:
            assert value <= period_days  # outstanding from the period cannot exceed its sales


@given(lists, as_ofs)
def test_paying_an_invoice_late_never_lowers_its_days_late(found, as_of):
    for invoice in found:
        later = Invoice(
            invoice.number,
            invoice.issued,
            invoice.due,
            None,
            invoice.amount,
            invoice.currency,
        )
        assert days_late(later, as_of) >= days_late(invoice, as_of)


incident_lists = st.lists(
    st.builds(
        Incident,
        st.sampled_from(["payment", "power", "boundaries"]),
        as_ofs,
        st.frozensets(st.sampled_from(["boundary", "process", "term"])),
    ),
    max_size=40,
)


@given(incident_lists)
def test_incident_counts_add_up(found):
    counts = incident_counts(found, DAY0, DAY0 + timedelta(days=400))
    assert sum(c.count for c in counts.values()) == len(found)
    assert sum(c.spoke_up for c in counts.values()) == sum(1 for i in found if i.moves)
    for c in counts.values():
        assert c.spoke_up == len(c.speak_up_days) <= c.count
        assert list(c.speak_up_days) == sorted(c.speak_up_days)
    assert sum(incidents_by_month(found).values()) == len(found)


@given(
    st.integers(0, 3),
    st.integers(0, 10),
    lists,
)
def test_disagreement_is_never_both_ways_and_a_middle_band_never_disagrees(band, count, found):
    facts = invoice_facts(found, START, END, as_of=END)
    result = disagreement(
        band_index=band,
        recommend_from=1,
        escalate_from=2,
        incidents=SignIncidents(count),
        invoices=facts,
    )
    if band == 1:
        assert result is None
    if result is not None and result.direction == "evidence_worse":
        assert band == 0 and (count >= 3 or facts.late_share >= Fraction(1, 2))
    if result is not None and result.direction == "evidence_better":
        assert band >= 2 and count == 0 and facts.late == 0 and facts.due >= 3


# --- the settings in the questionnaire file ----------------------------------------------------


def test_shipped_questionnaire_names_the_payment_sign_for_invoices():
    from pathlib import Path

    q = load_questionnaire(Path(__file__).parent.parent.parent / "questions" / "six-signs.toml")
    assert q.settings.invoice_sign == "payment"
    assert q.settings.late_grace_days == 0
    assert q.settings.exact_evidence_late_share == Fraction(1, 2)


def test_evidence_settings_have_defaults(tmp_path):
    from pathlib import Path

    text = (Path(__file__).parent.parent.parent / "questions" / "six-signs.toml").read_text("utf-8")
    for line in (
        'invoice_sign = "payment"\n',
        "late_grace_days = 0\n",
        "evidence_late_share = 0.5\n",
        "evidence_min_invoices = 3\n",
        "evidence_incidents = 3\n",
    ):
        text = text.replace(line, "")
    path = tmp_path / "q.toml"
    path.write_text(text, encoding="utf-8")
    q = load_questionnaire(path)
    assert q.settings.invoice_sign is None
    assert (q.settings.late_grace_days, q.settings.evidence_min_invoices) == (0, 3)
    assert (q.settings.evidence_incidents, q.settings.evidence_late_share) == (3, 0.5)


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ('invoice_sign = "billing"', "settings.invoice_sign", "unknown sign 'billing'"),
        ("late_grace_days = -1", "settings.late_grace_days", "greater than or equal to 0"),
        ("late_grace_days = 1.5", "settings.late_grace_days", "integer"),
        ("evidence_late_share = 1.5", "settings.evidence_late_share", "less than or equal"),
        ("evidence_incidents = 0", "settings.evidence_incidents", "greater than or equal to 1"),
    ],
)
def test_a_bad_evidence_setting_names_file_and_field(tmp_path, line, field, message):
    from pathlib import Path

    text = (Path(__file__).parent.parent.parent / "questions" / "six-signs.toml").read_text("utf-8")
    name = line.split(" =")[0]
    lines = [x for x in text.splitlines() if not x.startswith(f"{name} =")]
    at = lines.index("[settings]")
    lines.insert(at + 1, line)
    path = tmp_path / "bad.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    error = str(caught.value)
    assert str(path) in error and field in error and message in error, error
