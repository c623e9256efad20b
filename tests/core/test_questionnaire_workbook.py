"""Questionnaires as workbooks (assessment/questionnaire/workbook.py) and the two commands
``assessment questions export`` and ``assessment questions import``.

Lossless both ways over every shipped and valid test questionnaire; workbooks saved by
LibreOffice read the same; every kind of bad workbook refused with its sheet and cell, in
English and Chinese, and nothing written.
"""

from __future__ import annotations

import datetime
import io
import tomllib
import zipfile
from pathlib import Path

import openpyxl
import pytest

from assessment.questionnaire import Questionnaire, load_questionnaire
from assessment.questionnaire.workbook import (
    SHEETS,
    WorkbookError,
    describe,
    read_workbook,
    toml_text,
    workbook_bytes,
)
from assessment.vocab import translations

ROOT = Path(__file__).resolve().parent.parent.parent
DATA = Path(__file__).resolve().parent.parent / "data"
ROUND_TRIP_FILES = sorted((ROOT / "questions").glob("*.toml")) + sorted(
    [*(DATA / "valid").glob("*.toml"), *(DATA / "scoring").glob("*.toml")]
)
EDGE = DATA / "valid" / "spreadsheet-edge.toml"
LIBREOFFICE = DATA / "workbooks" / "spreadsheet-edge.libreoffice.xlsx"
ZH = translations("zh-CN").gettext


def _reload(text: str) -> Questionnaire:
    return Questionnaire.model_validate(tomllib.loads(text), context={"file": True})


def _problems(data: bytes, **limits) -> list[str]:
    with pytest.raises(WorkbookError) as caught:
        read_workbook(data, **limits)
    return [describe(problem) for problem in caught.value.problems]


def _edit(data: bytes, change) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    change(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(book, sheet: str, row: int, column: str):
    """The cell of ``column`` (a header) in ``row`` of ``sheet``."""
    ws = book[sheet]
    header = [cell.value for cell in ws[1]]
    return ws.cell(row, header.index(column) + 1)


@pytest.fixture(scope="module")
def edge_workbook() -> bytes:
    return workbook_bytes(load_questionnaire(EDGE))


# --- lossless ----------------------------------------------------------------------------------


def test_the_round_trip_covers_every_shipped_and_test_questionnaire():
    names = {path.name for path in ROUND_TRIP_FILES}
    assert {"six-signs.toml", "six-signs-client.toml", "pulse.toml", "minimal.toml"} <= names
    assert "spreadsheet-edge.toml" in names


@pytest.mark.parametrize("path", ROUND_TRIP_FILES, ids=lambda path: path.name)
def test_export_then_import_gives_the_same_questionnaire(path):
    original = load_questionnaire(path)
    document, imported = read_workbook(workbook_bytes(original))
    assert imported == original
    assert imported.snapshot() == original.snapshot()
    # and the TOML file written from the workbook loads as the same questionnaire again
    again = _reload(toml_text(document, source="x.xlsx"))
    assert again.snapshot() == original.snapshot()


def test_a_workbook_saved_by_libreoffice_reads_the_same():
    """Made once with LibreOffice Calc (tests/data/workbooks/README.md): its booleans are
    formulas (=TRUE()), its cells carry LibreOffice's own styles."""
    with zipfile.ZipFile(LIBREOFFICE) as archive:
        assert "LibreOffice" in archive.read("docProps/app.xml").decode()
    _, imported = read_workbook(LIBREOFFICE.read_bytes())
    assert imported.snapshot() == load_questionnaire(EDGE).snapshot()


def test_exact_numbers_come_back_as_written(edge_workbook):
    document, imported = read_workbook(edge_workbook)
    text = toml_text(document)
    assert "weight = 0.1\n" in text and "min = 62.5\n" in text and "min = 33.3\n" in text
    assert "gap_threshold = 12.5\n" in text and "score = 66.7 }" in text
    assert "0.1000000" not in text and "62.49" not in text
    assert imported.sign("tone").exact_weight.as_integer_ratio() == (1, 10)
    assert imported.bands[0].exact_min.as_integer_ratio() == (125, 2)


def test_numbers_typed_as_text_are_read_exactly(edge_workbook):
    def as_text(book):
        _cell(book, "signs", 2, "weight").value = "0.1"
        _cell(book, "bands", 2, "min").value = " 62.5 "

    document, imported = read_workbook(_edit(edge_workbook, as_text))
    assert document["signs"][0]["weight"] == 0.1 and document["bands"][0]["min"] == 62.5
    assert imported.snapshot() == load_questionnaire(EDGE).snapshot()


def test_texts_keep_line_breaks_chinese_punctuation_and_emoji(edge_workbook):
    book = openpyxl.load_workbook(io.BytesIO(edge_workbook))
    assert _cell(book, "settings", 2, "title::en").value == "=Edge cases 🧪"
    assert (
        "第二行：“引号”、（括号）、省略号……"
        in _cell(book, "settings", 2, "description::zh-CN").value
    )
    assert _cell(book, "items", 2, "help::en").value == "@Think of meetings.\nAnd mail."
    _, imported = read_workbook(edge_workbook)
    assert imported.item("polite").help.zh_CN == "想想会议，\n还有邮件。"
    assert imported.item("notes").text.en == "Anything else? 💬"


def test_texts_that_look_like_formulas_are_written_as_text(edge_workbook):
    """A text starting with = + - @ is a string cell marked as text (Excel's leading
    apostrophe), never a formula; no cell of an export is a formula."""
    with zipfile.ZipFile(io.BytesIO(edge_workbook)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in archive.read(name) for name in sheets)
    book = openpyxl.load_workbook(io.BytesIO(edge_workbook))
    for sheet, row, column in [
        ("settings", 2, "title::en"),
        ("scale", 2, "label::en"),
        ("scale", 3, "label::en"),
        ("scale", 4, "label::en"),
        ("items", 2, "text::en"),
        ("choices", 3, "label::en"),
        ("next_steps", 5, "text::en"),
    ]:
        cell = _cell(book, sheet, row, column)
        assert cell.value[0] in "=+-@", (sheet, column)
        assert cell.data_type == "s" and cell.quotePrefix, (sheet, column, cell.value)


def test_every_sheet_has_its_columns_in_the_first_row(edge_workbook):
    book = openpyxl.load_workbook(io.BytesIO(edge_workbook))
    assert book.sheetnames == list(SHEETS)
    header = [cell.value for cell in book["items"][1]]
    assert header[:4] == ["sign", "id", "type", "direction"]
    assert "text::en" in header and "text::zh-CN" in header


def test_xlsform_style_language_headers_are_read(edge_workbook):
    def rename(book):
        for cell in book["items"][1]:
            if cell.value == "text::en":
                cell.value = "Text::English (en)"
            if cell.value == "text::zh-CN":
                cell.value = "text::简体中文 (zh-CN)"

    _, imported = read_workbook(_edit(edge_workbook, rename))
    assert imported.item("polite").text.en == "=The client was polite."


def test_rows_may_be_reordered_within_a_sign_and_blank_rows_are_skipped(edge_workbook):
    def edit(book):
        book["items"].insert_rows(3)  # a blank row between two items

    _, imported = read_workbook(_edit(edge_workbook, edit))
    assert imported.snapshot() == load_questionnaire(EDGE).snapshot()


# --- problems, each at its cell ------------------------------------------------------------------


def test_a_word_where_a_number_belongs_names_the_cell(edge_workbook):
    def edit(book):
        _cell(book, "items", 3, "weight").value = "high"
        _cell(book, "bands", 3, "min").value = "a lot"

    problems = _problems(_edit(edge_workbook, edit))
    assert problems == [
        "bands!B3: must be a number, found 'a lot'",
        "items!E3: must be a number, found 'high'",
    ]


def test_every_problem_is_reported_at_once_and_in_chinese(edge_workbook):
    def edit(book):
        _cell(book, "items", 3, "weight").value = "high"
        _cell(book, "items", 2, "required").value = "perhaps"
        book["items"]["Z1"] = "colour"

    data = _edit(edge_workbook, edit)
    with pytest.raises(WorkbookError) as caught:
        read_workbook(data)
    problems = caught.value.problems
    assert len(problems) == 3
    chinese = [describe(problem, ZH) for problem in problems]
    assert "items!F2：必须是TRUE 或 FALSE，实际为 'perhaps'" in chinese
    assert "items!E3：必须是数字，实际为 'high'" in chinese
    assert any(line.startswith("items!Z1：未知的列 'colour'") for line in chinese)


def test_the_models_rules_are_reported_at_the_cells(edge_workbook):
    def edit(book):
        _cell(book, "items", 2, "direction").value = "sideways"
        _cell(book, "bands", 2, "colour").value = "green"
        _cell(book, "signs", 3, "title::zh-CN").value = None  # a missing translation

    problems = _problems(_edit(edge_workbook, edit))
    assert problems == [
        "bands!C2: bands[0].colour: 'green' is not a colour: use #rrggbb, for example '#2e7d32'",
        "items!D2: signs[0].items[0].direction: 'sideways' is not allowed;"
        " expected 'healthy' or 'warning'",
        "signs!D3: signs[1].title.zh-CN: missing translation: every text needs en and zh-CN",
    ]

    chinese = _problems_zh(_edit(edge_workbook, edit))
    assert (
        "signs!D3：signs[1].title.zh-CN：缺少翻译：每段文字都需要 en 和 zh-CN 两种语言" in chinese
    )

    def duplicate(book):
        _cell(book, "items", 6, "id").value = "polite"

    (problem,) = _problems(_edit(edge_workbook, duplicate))
    assert problem.startswith("items!B6: signs[1].items[0].id: duplicate item id 'polite'")


def test_rows_that_name_an_unknown_sign_or_item_are_refused(edge_workbook):
    def edit(book):
        _cell(book, "items", 6, "sign").value = "nowhere"
        _cell(book, "choices", 2, "item").value = "polite"  # not a choice item
        _cell(book, "breakpoints", 2, "item").value = "missing"
        _cell(book, "next_steps", 2, "when").value = "sometimes"

    problems = _problems(_edit(edge_workbook, edit))
    assert "items!A6: no sign 'nowhere'; known: tone, money" in problems
    assert "choices!A2: no choice item 'polite'; known: channel" in problems
    assert "breakpoints!A2: no number item 'missing'; known: days-late" in problems
    assert "next_steps!B2: must be one of band, persisting, gap" in problems


def test_missing_and_unknown_sheets_and_columns_are_named(edge_workbook):
    def edit(book):
        del book["bands"]
        book.create_sheet("notes")
        book["signs"].delete_cols(1)  # the id column

    problems = _problems(_edit(edge_workbook, edit))
    assert "bands: the sheet is missing" in problems
    assert any(
        p.startswith("notes: unknown sheet; the sheets of a questionnaire are") for p in problems
    )
    assert "signs: the column id is missing" in problems


# --- bad workbooks -------------------------------------------------------------------------------


def test_a_renamed_csv_is_not_a_workbook():
    csv = b"sign,id,type\nboundaries,after-hours,likert\n"
    assert _problems(csv) == [
        "this is not an .xlsx workbook (a CSV or another file renamed?): save it from Excel,"
        " WPS Office or LibreOffice as .xlsx"
    ]


def test_a_damaged_workbook_is_refused(edge_workbook):
    damaged = "the workbook is damaged and cannot be read: save it again as .xlsx"
    assert _problems(edge_workbook[: len(edge_workbook) // 2]) == [damaged]
    # a sheet's bytes changed inside the zip: the checksum no longer matches
    with zipfile.ZipFile(io.BytesIO(edge_workbook)) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    flipped = bytearray(edge_workbook)
    flipped[start + 10] ^= 0xFF
    assert _problems(bytes(flipped)) == [damaged]
    # a zip, but not a workbook
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("hello.txt", "hello")
    assert _problems(other.getvalue()) == [damaged]


def test_an_encrypted_workbook_is_refused():
    """Made once with msoffcrypto-tool (tests/data/workbooks/README.md): a password-protected
    workbook is an OLE compound file, as Excel, WPS Office and LibreOffice save one."""
    encrypted = (DATA / "workbooks" / "minimal.encrypted.xlsx").read_bytes()
    expected = (
        "this is an encrypted (password-protected) workbook or an old .xls file: save it as an"
        " .xlsx workbook without a password"
    )
    assert _problems(encrypted) == [expected]
    assert _problems_zh(encrypted) == [
        "这是加密（设了密码）的工作簿或旧版 .xls 文件：请另存为不设密码的 .xlsx 工作簿"
    ]


def test_a_file_over_the_size_limit_is_refused_unread():
    huge = b"PK\x03\x04" + bytes(2_000_000)
    assert _problems(huge, max_bytes=1_000_000) == [
        "the file has 2,000,004 bytes; at most 1,000,000 are allowed"
    ]


def test_a_sheet_of_100000_rows_is_refused(edge_workbook):
    book = openpyxl.Workbook(write_only=True)
    for name in SHEETS:
        ws = book.create_sheet(name)
        ws.append(["id"])
        if name == "items":
            for i in range(100_000):
                ws.append([f"item-{i}"])
    out = io.BytesIO()
    book.save(out)
    assert _problems(out.getvalue(), max_bytes=10_000_000) == [
        "items: more than 2,000 rows; a questionnaire has far fewer"
    ]


def test_merged_cells_formulas_hidden_sheets_and_dates_are_refused(edge_workbook):
    def edit(book):
        book["items"].merge_cells("I2:J2")
        _cell(book, "signs", 2, "weight").value = "=1/10"
        book["breakpoints"].sheet_state = "hidden"
        _cell(book, "bands", 2, "min").value = datetime.datetime(2026, 6, 2)

    problems = _problems(_edit(edge_workbook, edit))
    assert "items!I2:J2: merged cells: unmerge them, one value per cell" in problems
    assert "signs!B2: a formula: type the value itself, not a formula" in problems
    assert "breakpoints: the sheet is hidden: show it, or delete it" in problems
    assert any(p.startswith("bands!B2: a date or time where a number belongs") for p in problems)
    chinese = _problems_zh(_edit(edge_workbook, edit))
    assert "signs!B2：这是公式：请直接填写数值，不要用公式" in chinese


def _problems_zh(data: bytes) -> list[str]:
    with pytest.raises(WorkbookError) as caught:
        read_workbook(data)
    return [describe(problem, ZH) for problem in caught.value.problems]


# --- the commands --------------------------------------------------------------------------------


def test_export_and_import_commands_round_trip(runner, tmp_path):
    workbook, back = tmp_path / "edge.xlsx", tmp_path / "edge.toml"
    result = runner.invoke(args=["questions", "export", str(EDGE), "-o", str(workbook)])
    assert result.exit_code == 0, result.output
    assert f"Wrote {workbook}: spreadsheet-edge, version 3, 5 items." in result.output
    result = runner.invoke(args=["questions", "import", str(workbook), "-o", str(back)])
    assert result.exit_code == 0, result.output
    assert load_questionnaire(back).snapshot() == load_questionnaire(EDGE).snapshot()
    # an existing file is replaced only with --force
    result = runner.invoke(args=["questions", "import", str(workbook), "-o", str(back)])
    assert result.exit_code == 1 and "exists; use --force" in result.output
    result = runner.invoke(args=["questions", "import", str(workbook), "-o", str(back), "--force"])
    assert result.exit_code == 0, result.output


def test_export_to_standard_output(runner):
    result = runner.invoke(args=["questions", "export", str(EDGE), "-o", "-"])
    assert result.exit_code == 0
    _, imported = read_workbook(result.stdout_bytes)
    assert imported.id == "spreadsheet-edge"


def test_import_of_a_bad_workbook_writes_nothing_and_says_why(runner, tmp_path, edge_workbook):
    def edit(book):
        _cell(book, "items", 3, "weight").value = "high"

    folder = tmp_path / "work"
    folder.mkdir()
    source, target = folder / "bad.xlsx", folder / "new.toml"
    source.write_bytes(_edit(edge_workbook, edit))
    result = runner.invoke(args=["questions", "import", str(source), "-o", str(target)])
    assert result.exit_code == 1
    assert f"{source}: items!E3: must be a number, found 'high'" in result.output
    assert "1 problem(s); nothing written." in result.output
    assert list(folder.iterdir()) == [source]
    result = runner.invoke(
        args=["questions", "import", str(source), "-o", str(target), "--lang", "zh-CN"]
    )
    assert "items!E3：必须是数字，实际为 'high'" in result.output


def test_import_limits_are_settings(app, runner, tmp_path, edge_workbook):
    source = tmp_path / "edge.xlsx"
    source.write_bytes(edge_workbook)
    app.config["QUESTIONNAIRE_UPLOAD_MAX_BYTES"] = 1000
    result = runner.invoke(args=["questions", "import", str(source), "-o", "-"])
    assert result.exit_code == 1 and "at most 1,000 are allowed" in result.output
    app.config["QUESTIONNAIRE_UPLOAD_MAX_BYTES"] = 1_000_000
    app.config["QUESTIONNAIRE_MAX_ROWS"] = 3
    result = runner.invoke(args=["questions", "import", str(source), "-o", "-"])
    assert result.exit_code == 1 and "items: more than 3 rows" in result.output


def test_the_commands_have_help(runner):
    result = runner.invoke(args=["questions", "--help"])
    assert "assessment questions export questions/six-signs.toml -o six-signs.xlsx" in (
        result.output
    )
    for name in ("export", "import"):
        result = runner.invoke(args=["questions", name, "--help"])
        assert result.exit_code == 0 and "-o, --output FILE" in result.output


@pytest.mark.parametrize("value", ["0", "-5", "true", '"big"', "1.5"])
def test_the_limits_must_be_whole_numbers_from_one(tmp_path, value):
    from assessment.settings import ConfigError, load_config_file

    path = tmp_path / "config.toml"
    for key in ("QUESTIONNAIRE_UPLOAD_MAX_BYTES", "QUESTIONNAIRE_MAX_ROWS"):
        path.write_text(f"{key} = {value}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=f"{key} must be a whole number, 1 or more"):
            load_config_file(path)
    path.write_text("QUESTIONNAIRE_MAX_ROWS = 500\n", encoding="utf-8")
    assert load_config_file(path)["QUESTIONNAIRE_MAX_ROWS"] == 500


def test_the_worked_example_in_the_docs_is_what_export_writes(tmp_path):
    """docs/questionnaire-format.md shows the complete example's workbook: its choices and
    items rows are the export's."""
    doc = (ROOT / "docs" / "questionnaire-format.md").read_text(encoding="utf-8")
    example = doc.split("## A complete example", 1)[1].split("```toml\n", 1)[1].split("```")[0]
    path = tmp_path / "example.toml"
    path.write_text(example, encoding="utf-8")
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(load_questionnaire(path))))
    worked = doc.split("### A worked example", 1)[1].split("### Bad input", 1)[0]

    def shown(value) -> str:
        return (
            "" if value is None else str(value).upper() if isinstance(value, bool) else str(value)
        )

    for sheet in ("items", "choices"):
        table = worked.split(f"`{sheet}`\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
        columns = [c.strip() for c in table[0].strip("|").split("|")]
        header = [cell.value for cell in book[sheet][1]]
        for line, row in zip(table[2:], book[sheet].iter_rows(min_row=2), strict=True):
            cells = [c.strip() for c in line.strip("|").split("|")]
            assert cells == [shown(row[header.index(c)].value) for c in columns], sheet


def test_a_source_name_cannot_add_lines_to_the_file(edge_workbook):
    document, _ = read_workbook(edge_workbook)
    text = toml_text(document, source='x.xlsx\nversion = 99\n# "')
    assert "\nversion = 99" not in text
    assert _reload(text).version == 3


def test_import_reads_standard_input_and_writes_standard_output(runner, edge_workbook):
    result = runner.invoke(args=["questions", "import", "-", "-o", "-"], input=edge_workbook)
    assert result.exit_code == 0, result.output
    assert _reload(result.stdout).snapshot() == load_questionnaire(EDGE).snapshot()
