"""``assessment report`` and ``assessment pack``: the PDF reports from the command line.

No web layer and no HTTP request: the commands read the store and render with
`assessment.report` inside the app context the Flask CLI provides.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..db import get_db
from ..report.pdf import LANGUAGES, normalize_lang
from ..sqlite import transaction


def _language(_ctx, _param, value: str) -> str:
    try:
        return normalize_lang(value)
    except ValueError:
        raise click.BadParameter(f"{value!r}: choose {' or '.join(LANGUAGES)}") from None


LANGUAGE_OPTION = {
    "default": "en",
    "show_default": True,
    "metavar": "[" + "|".join(LANGUAGES) + "]",
    "callback": _language,
}


def _slug(text: str) -> str:
    kept = "".join(c if c.isalnum() else "-" for c in text.casefold())
    return "-".join(part for part in kept.split("-") if part) or "report"


def _check_output(path: str) -> None:
    """Refuse an output path that cannot be written, before any rendering."""
    if path == "-":
        return
    target = Path(path)
    if target.is_dir():
        raise click.BadParameter(f"{path} is a directory", param_hint="'-o' / '--output'")
    if not (target.parent if str(target.parent) else Path(".")).is_dir():
        raise click.BadParameter(
            f"the folder {target.parent} does not exist", param_hint="'-o' / '--output'"
        )


def _write(path: str, data: bytes) -> str:
    """Write `data` to `path` ("-" for standard output) without leaving half a file."""
    if path == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return "standard output"
    target = Path(path)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return str(target)


def _info(message: str) -> None:
    click.echo(message, err=True)


def _size(data: bytes) -> str:
    return f"{len(data) / 1024:.0f} KB"


def _pages(data: bytes) -> int:
    from io import BytesIO

    from pypdf import PdfReader

    return len(PdfReader(BytesIO(data)).pages)


@click.command("report")
@click.argument("client")
@click.option(
    "--round",
    "period",
    metavar="PERIOD",
    help="The review period, e.g. 2026-Q4 (default: the client's latest round).",
)
@click.option("--lang", help="Language of the report.", **LANGUAGE_OPTION)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    help="Where to write the PDF; '-' for standard output"
    " (default: CLIENT-PERIOD-LANG.pdf in the current folder).",
)
@with_appcontext
def report_command(client: str, period: str | None, lang: str, output: str | None) -> None:
    """Write the PDF report of one client's review round.

    CLIENT is the client's name (not case-sensitive); quote it when it has spaces:

        assessment report "Apex Retail Group" --round 2026-Q4 --lang zh-CN -o apex.pdf
    """
    from ..report.data import round_report
    from ..report.pdf import render_pdf
    from ..store import audit, clients, rounds

    db = get_db()
    found = clients.find_by_name(db, client)
    if found is None:
        names = ", ".join(c.name for c in clients.list_clients(db)) or "none yet"
        raise click.ClickException(f"No client named {client!r}. Clients: {names}.")
    history = rounds.list_rounds(db, found.id)  # newest first
    if not history:
        raise click.ClickException(f"{found.name} has no review rounds yet.")
    if period is None:
        chosen = history[0]
    else:
        matching = [r for r in history if r.period == period.strip()]
        if not matching:
            periods = ", ".join(dict.fromkeys(r.period for r in history))
            raise click.ClickException(
                f"{found.name} has no round for period {period!r}. Periods: {periods}."
            )
        chosen = matching[0]
        if len(matching) > 1:
            _info(f"{len(matching)} rounds in {chosen.period}; using the latest ({chosen.kind}).")
    path = output or f"{_slug(found.name)}-{_slug(chosen.period)}-{lang}.pdf"
    _check_output(path)
    started = time.perf_counter()
    report = round_report(db, chosen)
    if not report.results_visible:
        policy = report.policy
        why = (
            "is anonymous and still open: its report comes when it closes"
            if policy.state == "open"
            else f"is anonymous and fewer than {policy.floor} people submitted:"
            " its results are withheld to protect anonymity"
        )
        raise click.ClickException(f"{found.name}, {chosen.period}: the round {why}.")
    data = render_pdf(report, lang)
    with transaction(db, write=True):
        audit.record_command(db, "results.viewed", "round", chosen.id, page="pdf", language=lang)
    written = _write(path, data)
    _info(
        f"Wrote {written}: {found.name}, {chosen.period}, {lang}, {_pages(data)} pages,"
        f" {_size(data)}, in {time.perf_counter() - started:.1f} s."
    )


@click.command("pack")
@click.option("--period", required=True, metavar="PERIOD", help="The review period, e.g. 2026-Q4.")
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    help="Where to write the PDF; '-' for standard output"
    " (default: leadership-pack-PERIOD-LANG.pdf in the current folder).",
)
@click.option("--lang", help="Language of the pack.", **LANGUAGE_OPTION)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes rendering the reports (default: one per CPU core).",
)
@with_appcontext
def pack_command(period: str, output: str | None, lang: str, jobs: int | None) -> None:
    """Write the leadership pack of a period as one PDF.

    A portfolio page with every client reviewed in PERIOD, riskiest first (worst band,
    then lowest fairness index), followed by each client's report. Reports are rendered in
    parallel worker processes. An anonymous round that is still open, or has fewer answers
    than its floor, is listed with its results withheld.
    """
    from ..report.pack import period_reports, render_pack
    from ..store import audit

    db = get_db()
    reports = period_reports(db, period)
    if not reports:
        known = sorted(
            {row[0] for row in db.execute("SELECT DISTINCT period FROM rounds").fetchall()},
            reverse=True,
        )
        raise click.ClickException(
            f"No client was reviewed in {period!r}."
            f" Periods with rounds: {', '.join(known) or 'none yet'}."
        )
    path = output or f"leadership-pack-{_slug(period)}-{lang}.pdf"
    _check_output(path)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(reports)))
    started = time.perf_counter()
    label = f"Rendering {len(reports)} reports in {jobs} process{'es' if jobs > 1 else ''}"
    with click.progressbar(length=len(reports), label=label, file=sys.stderr) as bar:
        data = render_pack(
            reports, lang, period=period.strip(), jobs=jobs, progress=lambda _r: bar.update(1)
        )
    with transaction(db, write=True):
        for report in reports:
            audit.record_command(
                db, "results.viewed", "round", report.round.id, page="pack", language=lang
            )
    written = _write(path, data)
    _info(
        f"Wrote {written}: {len(reports)} clients, {_pages(data)} pages, {_size(data)},"
        f" in {time.perf_counter() - started:.1f} s."
    )
