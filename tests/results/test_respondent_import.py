"""The respondents import: CSV files of people → invitations (assessment.respondent_import)."""

from __future__ import annotations

import pytest

from assessment import respondent_import
from assessment.cli.data import import_respondents_command
from assessment.db import get_db
from assessment.store import clients, respondents, rounds


def _invoke(app, command, args, **kwargs):
    return app.test_cli_runner().invoke(command, args, **kwargs)


def _respondents(app, round_id):
    with app.app_context():
        return respondents.list_respondents(get_db(), round_id)


def test_import_adds_everyone_in_one_go(app, make_round):
    current, _ = make_round(respondents=0)
    text = (
        "\ufeffName,Email,Role\r\n"
        "Ann Lee,ann@example.com,delivery\r\n"
        "Bo Chen,,Finance\r\n"
        "王芳,wang@example.com,客户经理\r\n"
        '"Doe, Jo",jo@example.com,\r\n'
        ",,\r\n"
    )
    with app.app_context():
        added = respondent_import.import_respondents(get_db(), current.id, text.encode("utf-8"))
    stored = _respondents(app, current.id)
    assert [(r.name, r.email, r.role) for r in stored] == [
        ("Ann Lee", "ann@example.com", "delivery"),
        ("Bo Chen", None, "finance"),
        ("王芳", "wang@example.com", "account"),
        ("Doe, Jo", "jo@example.com", "other"),
    ]
    assert [r.id for r in added] == [r.id for r in stored]
    assert len({r.token for r in stored}) == 4


def test_import_reads_semicolons_and_only_a_name_column(app, make_round):
    current, _ = make_round(respondents=0)
    with app.app_context():
        respondent_import.import_respondents(get_db(), current.id, "name;role\nAnn;account\n")
        respondent_import.import_respondents(get_db(), current.id, "name\nBo\n")
    assert [(r.name, r.role) for r in _respondents(app, current.id)] == [
        ("Ann", "account"),
        ("Bo", "other"),
    ]


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (
            "name,email,role\nAnn,ann@example.com,delivery\n,bo@example.com,\n",
            [(3, "name", "a name is required")],
        ),
        ("name,email\nAnn,not-an-email\n", [(2, "email", "not an email address")]),
        ("name,role\nAnn,king\n", [(2, "role", "unknown role 'king'")]),
        ("name\n" + "x" * 201 + "\n", [(2, "name", "at most 200 characters")]),
        (
            "name,email\nAnn,ann@example.com\nBo,ANN@example.com\n",
            [(3, "email", "the same email as row 2")],
        ),
        ("name\nAnn\nann\n", [(3, "name", "the same name as row 2")]),
        ("name,e-mail\nAnn,ann@example.com\n", [(1, "e-mail", "unknown column")]),
        ("email\nann@example.com\n", [(1, "name", "no name column")]),
        ("name,email\nAnn,a@example.com,extra\n", [(2, "", "3 cells, but the header has 2")]),
        ("name,,role\nAnn,x,other\n", [(2, "2", "a value in a column with no name")]),
        ("name\n", [(2, "", "no respondents")]),
        ("", [(1, "", "the file is empty")]),
        ("name\n" + "x\n" * 1001, [(0, "", "at most 1000 in one file")]),
        (
            "name,email,role\nAnn,bad,boss\n,,finance\n",
            [
                (2, "email", "not an email address"),
                (2, "role", "unknown role 'boss'"),
                (3, "name", "a name is required"),
            ],
        ),
    ],
)
def test_import_refuses_bad_files_and_stores_nothing(app, make_round, text, problems):
    current, _ = make_round(respondents=1)
    with app.app_context(), pytest.raises(respondent_import.ImportRefused) as refused:
        respondent_import.import_respondents(get_db(), current.id, text)
    found = refused.value.problems
    assert [(row, column) for row, column, _ in found] == [(r, c) for r, c, _ in problems]
    for (_, _, message), (_, _, expected) in zip(found, problems, strict=True):
        assert expected in message
    assert len(_respondents(app, current.id)) == 1
    assert f"row {problems[0][0]}" in str(refused.value) or problems[0][0] == 0


def test_import_refuses_people_already_invited(app, make_round):
    current, _ = make_round(respondents=0)
    with app.app_context():
        db = get_db()
        respondents.add_respondent(db, current.id, name="Ann", email="ann@example.com")
        respondents.add_respondent(db, current.id, name="Bo")
        with pytest.raises(respondent_import.ImportRefused) as refused:
            respondent_import.import_respondents(
                db, current.id, "name,email\nNew,new@example.com\nAnn L,Ann@Example.com\nbo,\n"
            )
    assert [(r, c) for r, c, _ in refused.value.problems] == [(3, "email"), (4, "name")]
    assert all("already invited" in m for _, _, m in refused.value.problems)
    assert [r.name for r in _respondents(app, current.id)] == ["Ann", "Bo"]


def test_import_refuses_non_utf8_and_closed_rounds(app, make_round):
    current, _ = make_round(respondents=0)
    with app.app_context():
        db = get_db()
        with pytest.raises(respondent_import.ImportRefused) as refused:
            respondent_import.import_respondents(db, current.id, "name\nJosé\n".encode("latin-1"))
        assert "not UTF-8" in refused.value.problems[0][2]
        rounds.set_status(db, current.id, "closed")
        with pytest.raises(rounds.RoundClosed):
            respondent_import.import_respondents(db, current.id, "name\nAnn\n")
        with pytest.raises(clients.NotFound):
            respondent_import.import_respondents(db, 9999, "name\nAnn\n")
    assert _respondents(app, current.id) == []


@pytest.mark.parametrize(
    ("written", "role"),
    [
        ("account", "account"),
        ("Account lead", "account"),
        ("客户负责人", "account"),
        ("ACCOUNT LEAD", "account"),
        ("  Delivery   lead ", "delivery"),
        ("交付负责人", "delivery"),
        ("财务", "finance"),
        ("ＦＩＮＡＮＣＥ", "finance"),  # full-width letters, as Chinese input methods type them
        ("管理层", "leadership"),
        ("其他", "other"),
        ("Account", "account"),  # names earlier versions showed
        ("客户经理", "account"),
        ("项目交付", "delivery"),
        ("公司管理层", "leadership"),
    ],
)
def test_import_reads_roles_by_id_and_by_name_in_both_languages(written, role):
    (person,) = respondent_import.parse_respondents(f"name,role\nAnn,{written}\n")
    assert person.role == role


ROWS = "name,email,role\n王芳,wang@example.com,财务\nZoë Müller,,Delivery lead\n"
CHINESE_ROWS = "姓名,邮箱,角色\n王芳,wang@example.com,财务\n李雷,,交付负责人\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (ROWS.encode("utf-8"), ["王芳", "Zoë Müller"]),
        (ROWS.encode("utf-8-sig"), ["王芳", "Zoë Müller"]),
        (ROWS.replace(",", "\t").encode("utf-16"), ["王芳", "Zoë Müller"]),  # "Unicode text"
        (CHINESE_ROWS.encode("gbk"), ["王芳", "李雷"]),  # "CSV" from a Chinese Excel
        (CHINESE_ROWS.encode("gb18030"), ["王芳", "李雷"]),
        (CHINESE_ROWS.replace("李雷", "张喆").encode("gbk"), ["王芳", "张喆"]),  # GBK, not GB2312
        (CHINESE_ROWS.replace("\n", "\r\n").encode("gbk"), ["王芳", "李雷"]),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16", "gbk", "gb18030", "gbk-only-name", "gbk-crlf"],
)
def test_import_reads_the_encodings_spreadsheets_save(data, expected):
    people = respondent_import.parse_respondents(data)
    assert [p.name for p in people] == expected
    assert [p.role for p in people] == ["finance", "delivery"]


@pytest.mark.parametrize(
    "data",
    [
        "name\nZoë Müller\n".encode("cp1252"),  # a Western Excel's "CSV": not read as Chinese
        "name\nFrançois\n".encode("cp1252"),
        "name\nJosé\n".encode("latin-1"),
        b"\xff\xfe\x00\xd8",  # UTF-16 with a broken surrogate
    ],
)
def test_import_refuses_text_it_cannot_tell_the_encoding_of(data):
    with pytest.raises(respondent_import.ImportRefused) as refused:
        respondent_import.parse_respondents(data)
    (problem,) = refused.value.problems
    assert "not UTF-8 text, nor Chinese text as Excel saves it (GBK)" in problem[2]
    assert "CSV UTF-8" in problem[2]


def test_import_problems_can_be_read_in_chinese(app):
    from assessment.vocab import translations

    gettext = translations("zh-CN").gettext
    with pytest.raises(respondent_import.ImportRefused) as refused:
        respondent_import.parse_respondents("name,role\nAnn,king\n,财务\n")
    english = [respondent_import.describe_problem(p) for p in refused.value.problems]
    chinese = [respondent_import.describe_problem(p, gettext) for p in refused.value.problems]
    assert english == [
        "row 2, column role: unknown role 'king'; the roles are"
        " Account lead, Delivery lead, Finance, Leadership, Other",
        "row 3, column name: a name is required",
    ]
    assert chinese == [
        "第 2 行，role 列：未知的角色“king”；可用的角色为"
        " 客户负责人、交付负责人、财务、管理层、其他",
        "第 3 行，name 列：必须填写姓名",
    ]


def test_import_respondents_cli(app, make_round, tmp_path):
    current, _ = make_round(respondents=0)
    bad = tmp_path / "bad.csv"
    bad.write_text("name,email,role\nAnn,ann@example.com,delivery\nBo,bo@,\n", encoding="utf-8")
    result = _invoke(app, import_respondents_command, ["--round", str(current.id), str(bad)])
    assert result.exit_code == 1
    assert "row 3, column email: not an email address" in result.output
    assert "nobody was added: 1 problem" in result.output
    assert _respondents(app, current.id) == []

    good = tmp_path / "good.csv"
    good.write_bytes("name,email,role\nAnn,ann@example.com,delivery\n".encode("utf-8-sig"))
    result = _invoke(app, import_respondents_command, ["--round", str(current.id), str(good)])
    assert result.exit_code == 0, result.output
    assert "Invited 1 people" in result.output
    result = _invoke(
        app, import_respondents_command, ["--round", str(current.id), "-"], input="name\nBo\n"
    )
    assert result.exit_code == 0, result.output
    assert [r.name for r in _respondents(app, current.id)] == ["Ann", "Bo"]
    result = _invoke(app, import_respondents_command, ["--round", "9999", str(good)])
    assert result.exit_code == 1 and "no round 9999" in result.output
