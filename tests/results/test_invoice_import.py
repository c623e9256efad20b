"""The invoices import (assessment/invoice_import.py) and ``assessment invoices import``:
each kind of bad file is refused by line with nothing stored; re-imports update by number;
the column mapping is remembered per client."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from assessment.db import get_db
from assessment.invoice_import import (
    InvoiceImportRefused,
    describe_problem,
    import_invoices,
    parse_invoices,
    remembered_columns,
)
from assessment.store import clients

HEADER = "number,issued,due,paid,amount,currency\n"
GOOD = HEADER + (
    "INV-1,2026-01-05,2026-02-04,2026-02-20,1200.50,EUR\n"
    "INV-2,2026/01/10,2026/02/09,,300,cny\n"
    'INV-3,2026年1月15日,2026年2月14日,2026年2月14日,"1,000.10",人民币\n'
)


def problems_of(data: bytes, **kwargs) -> list[str]:
    with pytest.raises(InvoiceImportRefused) as caught:
        parse_invoices(data, "f.csv", **kwargs)
    return [describe_problem(p) for p in caught.value.problems]


def test_a_good_file_in_three_accepted_date_forms():
    parsed = parse_invoices(GOOD.encode(), "f.csv")
    first, second, third = parsed.invoices
    assert first.number == "INV-1" and first.amount == Decimal("1200.50")
    assert first.paid == date(2026, 2, 20) and first.currency == "EUR"
    assert second.paid is None and second.currency == "CNY" and second.issued == date(2026, 1, 10)
    assert third.amount == Decimal("1000.10") and third.currency == "CNY"
    assert parsed.columns["number"] == "number"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_chinese_headers_in_utf8_with_and_without_bom_and_gbk(encoding):
    text = (
        "发票号码,开票日期,到期日,付款日期,金额,币种\n"
        "甲-001,2026-01-05,2026-02-04,2026-03-01,88.80,人民币\n"
    )
    parsed = parse_invoices(text.encode(encoding), "发票.csv")
    (invoice,) = parsed.invoices
    assert invoice.number == "甲-001" and invoice.amount == Decimal("88.80")
    assert parsed.columns == {
        "number": "发票号码",
        "issued": "开票日期",
        "due": "到期日",
        "paid": "付款日期",
        "amount": "金额",
        "currency": "币种",
    }


def test_duplicate_numbers_are_reported_with_both_lines():
    found = problems_of(
        (HEADER + "A,2026-01-01,2026-02-01,,1,EUR\nA,2026-01-02,2026-02-01,,2,EUR\n").encode()
    )
    assert found == ["line 3: invoice number A is already on line 2"]


def test_paid_before_issued_negative_amount_unknown_currency_each_by_line():
    data = HEADER + (
        "A,2026-03-01,2026-04-01,2026-02-01,10,EUR\n"
        "B,2026-03-01,2026-04-01,,-5.00,EUR\n"
        "C,2026-03-01,2026-04-01,,5,EUX\n"
        "D,2026-03-01,2026-04-01,,5,EUR\n"
    )
    found = problems_of(data.encode())
    assert found == [
        "line 2: paid on 2026-02-01, before it was issued (2026-03-01)",
        "line 3: amount: -5.00 is negative; a credit note is not an invoice",
        "line 4: currency: EUX is not an ISO 4217 currency code (EUR, CNY, USD…)",
    ]


def test_dates_in_an_ambiguous_form_are_refused_by_line():
    data = HEADER + (
        "A,2026-03-01,2026-04-01,,10,EUR\n"
        "B,2026/03/01,2026/04/01,,10,EUR\n"
        "C,01/03/2026,2026-04-01,,10,EUR\n"
        "D,2026-02-30,2026-04-01,,10,EUR\n"
    )
    found = problems_of(data.encode())
    assert len(found) == 2
    assert found[0].startswith("line 4: issue date: 01/03/2026 could be read day-first")
    assert found[1] == "line 5: issue date: 2026-02-30 is not a day of the calendar"


def test_csv_formula_cells_are_refused():
    data = HEADER + '=HYPERLINK("x"),2026-03-01,2026-04-01,,=1+1,EUR\n'
    found = problems_of(data.encode())
    assert len(found) == 2 and all(p.startswith("line 2: ") for p in found)
    assert "formula" in found[0] and "formula" in found[1]


def test_not_text_and_missing_columns():
    assert problems_of(b"\xff\xfe\x00abc\x80\x81")[0].startswith("line 1: the file is not UTF-8")
    found = problems_of(b"Rechnung,Datum\nA,2026-01-01\n")
    assert len(found) == 1 and "no column for the invoice number" in found[0]


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_with_date_cells_and_numbers():
    data = xlsx(
        [
            ["Invoice No", "Invoice date", "Due date", "Payment date", "Amount", "Currency"],
            ["X1", datetime(2026, 1, 5), datetime(2026, 2, 4), None, 1999.99, "USD"],
            [1002, date(2026, 1, 6), "2026-02-05", datetime(2026, 2, 5), 50, "usd"],
        ]
    )
    parsed = parse_invoices(data, "book.xlsx")
    assert [i.number for i in parsed.invoices] == ["X1", "1002"]
    assert parsed.invoices[0].amount == Decimal("1999.99")
    assert parsed.invoices[1].paid == date(2026, 2, 5)


def test_xlsx_formula_cells_are_refused_by_row():
    data = xlsx(
        [
            ["number", "issued", "due", "paid", "amount", "currency"],
            ["X1", date(2026, 1, 5), date(2026, 2, 4), None, "=SUM(1,2)", "USD"],
        ]
    )
    with pytest.raises(InvoiceImportRefused) as caught:
        parse_invoices(data, "book.xlsx")
    (problem,) = caught.value.problems
    assert problem[0] == 2 and "formula" in str(problem[1])


def test_a_broken_xlsx_is_refused():
    with pytest.raises(InvoiceImportRefused) as caught:
        parse_invoices(b"PK\x03\x04 not really", "book.xlsx")
    assert "not a readable xlsx" in str(caught.value)


def test_problems_in_chinese():
    from assessment.vocab import translations

    data = (HEADER + "A,2026-03-01,2026-04-01,2026-02-01,10,EUR\n").encode()
    with pytest.raises(InvoiceImportRefused) as caught:
        parse_invoices(data, "f.csv")
    text = describe_problem(caught.value.problems[0], translations("zh-CN").gettext)
    assert text.startswith("第 2 行：") and "开具" in text


# --- storing ------------------------------------------------------------------------------------


@pytest.fixture
def acme(app):
    with app.app_context():
        return clients.create_client(get_db(), name="Acme").id


def stored(app, client_id):
    with app.app_context():
        return (
            get_db()
            .execute(
                "SELECT number, paid, amount, currency FROM invoices WHERE client_id = ?"
                " ORDER BY number",
                [client_id],
            )
            .fetchall()
        )


def test_reimport_updates_by_number_and_never_counts_twice(app, acme):
    with app.app_context():
        first = import_invoices(get_db(), acme, GOOD.encode(), "f.csv")
        assert (first.created, first.updated, first.unchanged) == (3, 0, 0)
        again = GOOD.replace(
            "INV-2,2026/01/10,2026/02/09,,300", "INV-2,2026/01/10,2026/02/09,2026-03-03,300"
        )
        second = import_invoices(get_db(), acme, again.encode(), "f.csv")
        assert (second.created, second.updated, second.unchanged) == (0, 1, 2)
    rows = stored(app, acme)
    assert [tuple(r) for r in rows] == [
        ("INV-1", "2026-02-20", "1200.50", "EUR"),
        ("INV-2", "2026-03-03", "300", "CNY"),
        ("INV-3", "2026-02-14", "1000.10", "CNY"),
    ]


def test_a_bad_file_stores_nothing(app, acme):
    bad = GOOD + "INV-9,2026-01-01,2026-02-01,,-1,EUR\n"
    with app.app_context(), pytest.raises(InvoiceImportRefused):
        import_invoices(get_db(), acme, bad.encode(), "f.csv")
    assert stored(app, acme) == []


def test_the_column_mapping_is_remembered_per_client(app, acme):
    odd = "Rechnung,Datum,Fällig,Bezahlt,Betrag,Währung\nR1,2026-01-01,2026-02-01,,10,EUR\n"
    mapping = {
        "number": "Rechnung",
        "issued": "Datum",
        "due": "Fällig",
        "paid": "Bezahlt",
        "amount": "Betrag",
        "currency": "Währung",
    }
    with app.app_context():
        db = get_db()
        with pytest.raises(InvoiceImportRefused) as caught:
            import_invoices(db, acme, odd.encode(), "f.csv")
        assert caught.value.headers == tuple(mapping.values())
        import_invoices(db, acme, odd.encode(), "f.csv", mapping=mapping)
        assert remembered_columns(db, acme) == mapping
        result = import_invoices(db, acme, odd.replace("R1", "R2").encode(), "f.csv")
        assert result.created == 1
        other = clients.create_client(db, name="Other").id
        with pytest.raises(InvoiceImportRefused):
            import_invoices(db, other, odd.encode(), "f.csv")


# --- the command --------------------------------------------------------------------------------


def test_cli_imports_and_reports_bad_lines(app, acme, runner, tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(GOOD.encode("utf-8-sig"))
    result = runner.invoke(args=["invoices", "import", "acme", str(good)])
    assert result.exit_code == 0, result.output
    assert "3 new, 0 updated, 0 unchanged" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes((HEADER + "Z,2026-03-01,2026-04-01,2026-02-01,10,EUR\n").encode("gbk"))
    result = runner.invoke(args=["invoices", "import", "Acme", str(bad)])
    assert result.exit_code == 1
    assert "line 2: paid on 2026-02-01" in result.output
    assert "nothing was imported: 1 problem" in result.output
    assert len(stored(app, acme)) == 3
    with app.app_context():
        actions = [r[0] for r in get_db().execute("SELECT action FROM audit_log")]
    assert actions.count("invoices.imported") == 1


def test_cli_column_option_and_unknown_client(app, acme, runner, tmp_path):
    odd = tmp_path / "odd.csv"
    odd.write_text("No,D,F,B,Sum,Cur\nR1,2026-01-01,2026-02-01,,10,EUR\n", encoding="utf-8")
    args = ["invoices", "import", "Acme", str(odd)]
    for pair in ("number=No", "issued=D", "due=F", "paid=B", "amount=Sum", "currency=Cur"):
        args += ["--column", pair]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["invoices", "import", "Nobody", str(odd)])
    assert result.exit_code == 1 and "there is no client 'Nobody'" in result.output
    result = runner.invoke(args=["invoices", "import", "Acme", str(odd), "--column", "x=No"])
    assert result.exit_code == 2
