"""``assessment report`` and ``assessment pack`` on the demo data."""

from __future__ import annotations

import io
import itertools
import re
from datetime import UTC, datetime
from pathlib import Path

import pdfplumber
import pypdf
import pytest
from flask_babel import force_locale, gettext

from assessment.cli.report import pack_command, report_command
from assessment.db import get_db
from assessment.report.pack import period_reports, risk_key

REPO_ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def run(demo_app):
    runner = demo_app.test_cli_runner()

    def invoke(*args):
        return runner.invoke(args=list(args))

    return invoke


def _text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


def test_commands_are_registered_with_help(run):
    for name, command in (("report", report_command), ("pack", pack_command)):
        assert command.help
        result = run(name, "--help")
        assert result.exit_code == 0, result.output
        assert "--lang [en|zh-CN]" in result.output
    assert "--jobs" in run("pack", "--help").output
    help_text = run("report", "--help").output
    assert "--round ID" in help_text and "--client NAME" in help_text
    assert "--period PERIOD" in help_text and "--force" in help_text


def test_report_in_chinese(run, tmp_path):
    out = tmp_path / "apex.pdf"
    result = run(
        "report",
        "--client",
        "apex retail group",
        "--period",
        "2026-Q4",
        "--lang",
        "zh-CN",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}: Apex Retail Group, 2026-Q4, zh-CN" in result.stderr
    data = out.read_bytes()
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"
    text = re.sub(r"\s+", "", _text(data))
    assert "Apex Retail Group" in _text(data) and "按时付款" in text
    assert not list(tmp_path.glob(".*.part"))


def test_report_to_standard_output_with_the_latest_round(run):
    result = run("report", "--client", "Harbor & Pine Foods", "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes.startswith(b"%PDF-")
    assert "2026-Q4, en" in result.stderr


def test_report_default_file_name(run, demo_app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("report", "--client", "Meridian Tech", "--period", "2026-Q3", "--lang", "zh")
    assert result.exit_code == 0, result.output
    assert (
        (tmp_path / "meridian-tech-2026-q3-quarterly-zh-CN.pdf").read_bytes().startswith(b"%PDF-")
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--client", "Nobody Ltd"), "No client named 'Nobody Ltd'. Clients: Apex Retail Group,"),
        (
            ("--client", "Apex Retail Group", "--period", "1999-Q1"),
            "Apex Retail Group has no round for period '1999-Q1'."
            " Periods: 2026-Q4, 2026-Q3, 2026-Q2.",
        ),
        (("--client", "Apex Retail Group", "--lang", "fr"), "'fr': choose en or zh-CN"),
        (("--round", "9999"), "there is no round 9999"),
        ((), "name the round: --round ID, or --client NAME"),
        (("--period", "2026-Q4"), "--period needs --client NAME"),
        (("--round", "1", "--client", "Apex Retail Group"), "--round names the round by itself"),
    ],
)
def test_report_errors_are_clear(run, tmp_path, args, message):
    result = run("report", *args, "-o", str(tmp_path / "x.pdf"))
    assert result.exit_code != 0
    assert message in result.output
    assert not (tmp_path / "x.pdf").exists()


def test_report_of_an_open_anonymous_round_is_refused_and_reports_are_audited(
    run, demo_app, tmp_path
):
    out = tmp_path / "meridian.pdf"
    result = run("report", "--client", "Meridian Tech", "-o", str(out))  # the latest is open
    assert result.exit_code == 1 and not out.exists()
    assert "Meridian Tech, 2026-Q4: the round is anonymous and still open" in result.output
    args = ("report", "--client", "Meridian Tech", "--period", "2026-Q3", "-o", str(out))
    assert run(*args).exit_code == 0
    from assessment.store import audit

    with demo_app.app_context():
        [entry] = [e for e in audit.entries(get_db()) if e.action == "results.viewed"][:1]
    assert entry.actor.startswith("command line (") and entry.details["page"] == "pdf"


def test_report_refuses_a_missing_folder(run, tmp_path):
    result = run("report", "--client", "Apex Retail Group", "-o", str(tmp_path / "nope" / "x.pdf"))
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_pack_is_sorted_by_risk(demo_app):
    with demo_app.app_context():
        reports = period_reports(
            get_db(), "2026-Q4", now=datetime(2026, 11, 22, tzinfo=UTC), include_open=True
        )
        closed_only = period_reports(get_db(), "2026-Q4")
    # By default, as on the portfolio, each client's latest closed round: not Meridian's.
    assert [r.client.name for r in closed_only] == ["Apex Retail Group", "Harbor & Pine Foods"]
    names = [r.client.name for r in reports]
    # Meridian's round is anonymous and still open: withheld, so it has no score and is last.
    assert names == ["Apex Retail Group", "Harbor & Pine Foods", "Meridian Tech"]
    assert [r.results_visible for r in reports] == [True, True, False]
    keys = [risk_key(r) for r in reports]
    assert keys == sorted(keys)


def test_pack_in_parallel_processes(run, demo_app, tmp_path):
    out = tmp_path / "pack.pdf"
    args = ("--period", "2026-Q4", "--jobs", "2", "--lang", "zh-CN", "--include-open")
    result = run("pack", *args, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "Rendering 3 reports in 2 processes" in result.stderr
    reader = pypdf.PdfReader(out)
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"
    assert "2026-Q4" in reader.metadata.title
    outline = [(item.title, reader.get_destination_page_number(item)) for item in reader.outline]
    assert [title for title, _ in outline][1:] == [
        "Apex Retail Group",
        "Harbor & Pine Foods",
        "Meridian Tech",
    ]
    assert outline[0][1] == 0 and outline[1][1] == 1
    # The portfolio page lists each client with the page its report starts on.
    first = reader.pages[0].extract_text()
    for title, page in outline[1:]:
        assert re.search(re.escape(title) + r".*?\b" + str(page + 1) + r"\b", first, re.S), title
    # Every report is complete: the last page of each section says "page y of y".
    with demo_app.app_context(), force_locale("zh_Hans_CN"):
        page_of = gettext("Page %(page)s of %(pages)s")
    starts = [page for _, page in outline[1:]] + [len(reader.pages)]
    for start, end in itertools.pairwise(starts):
        total = end - start
        assert page_of % {"page": total, "pages": total} in reader.pages[end - 1].extract_text()


def test_pack_in_one_process_matches(demo_app):
    from assessment.report.pack import render_pack

    with demo_app.app_context():
        reports = period_reports(get_db(), "2026-Q4", include_open=True)
        data = render_pack(reports[::2], "en", period="2026-Q4", jobs=1)
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert [item.title for item in reader.outline] == [
        "Portfolio summary",
        "Apex Retail Group",
        "Meridian Tech",
    ]
    assert reader.metadata.author == "Partnership Check"
    # Meridian's round is anonymous and still open: listed, its results withheld.
    assert "withheld for anonymity" in reader.pages[0].extract_text()
    start = reader.get_destination_page_number(reader.outline[2])
    meridian = " ".join(page.extract_text() for page in reader.pages[start:])
    assert "this round is anonymous and still open" in " ".join(meridian.split())
    assert "Raters disagree" not in meridian and "What the raters said: “" not in meridian
    # Its summary names every sign withheld; no page of signs repeats it six times.
    assert "The signs one by one" not in meridian
    assert meridian.count("Withheld") >= 6 and "Agreed actions" in meridian


def test_pack_for_an_unknown_period(run, tmp_path):
    result = run("pack", "--period", "1999-Q1", "-o", str(tmp_path / "p.pdf"))
    assert result.exit_code == 1
    assert "No client was reviewed in '1999-Q1'. Periods with rounds: 2026-Q4" in result.output


def test_the_kickoff_pack_says_which_signs_were_not_asked(demo_app, tmp_path):
    from assessment.report.pack import render_pack

    with demo_app.app_context():
        reports = period_reports(get_db(), "2026-Q2")
        data = render_pack(reports[:1], "en", period="2026-Q2", jobs=1)
    (tmp_path / "pack.pdf").write_bytes(data)
    reader = pypdf.PdfReader(io.BytesIO(data))
    summary = " ".join(reader.pages[0].extract_text().split())
    assert "Not asked in a kickoff: Paying on time" in summary
    body = " ".join(" ".join(p.extract_text() for p in reader.pages[1:]).split())
    assert "Not asked in a kickoff" in body and "Collect more answers" not in body
