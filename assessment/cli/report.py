"""``assessment report`` and ``assessment pack``: the PDF reports from the command line.

No web layer and no HTTP request: the commands read the store and render with
`assessment.report` inside the app context the Flask CLI provides.
"""

from __future__ import annotations

import os
import sys
import time

import click
from flask.cli import with_appcontext

from ..db import get_db
from ..report.pdf import LANGUAGES, normalize_lang
from ..sqlite import transaction
from .options import Output, find_round, output_options, round_options


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


def _info(message: str) -> None:
    click.echo(message, err=True)


def _size(data: bytes) -> str:
    return f"{len(data) / 1024:.0f} KB"


def _pages(data: bytes) -> int:
    from ..report.tagged import page_count

    return page_count(data)


@click.command("report")
@round_options
@click.option("--lang", help="Language of the report.", **LANGUAGE_OPTION)
@output_options(default="CLIENT-PERIOD-KIND-LANG.pdf in the current folder")
@with_appcontext
def report_command(
    round_id: int | None,
    client: str | None,
    period: str | None,
    lang: str,
    output: str | None,
    force: bool,
) -> None:
    """Write the PDF report of one review round.

    Name the round by its id, or by its client's name and period:

    \b
        assessment report --round 12 -o -
        assessment report --client "Apex Retail Group" --period 2026-Q4 \\
            --lang zh-CN -o apex.pdf
    """
    from ..report.cache import cached_pdf
    from ..report.data import round_report
    from ..store import audit

    db = get_db()
    chosen = find_round(db, round_id, client, period)
    name = chosen.client_name
    out = Output(output or f"{_slug(name)}-{_slug(chosen.period)}-{chosen.kind}-{lang}.pdf", force)
    out.check()
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
        raise click.ClickException(f"{name}, {chosen.period}: the round {why}.")
    data = cached_pdf(report, lang)
    with transaction(db, write=True):
        audit.record_command(db, "results.viewed", "round", chosen.id, page="pdf", language=lang)
    written = out.write(data)
    _info(
        f"Wrote {written}: {name}, {chosen.period}, {lang}, {_pages(data)} pages,"
        f" {_size(data)}, in {time.perf_counter() - started:.1f} s."
    )


@click.command("pack")
@click.option("--period", required=True, metavar="PERIOD", help="The review period, e.g. 2026-Q4.")
@click.option("--lang", help="Language of the pack.", **LANGUAGE_OPTION)
@output_options(default="leadership-pack-PERIOD-LANG.pdf in the current folder")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes rendering the reports (default: one per CPU core).",
)
@click.option(
    "--include-open",
    is_flag=True,
    help="Take a client's open round of the period too (its results provisional); by default"
    " each client's latest closed round, as on the portfolio.",
)
@with_appcontext
def pack_command(
    period: str, lang: str, output: str | None, force: bool, jobs: int | None, include_open: bool
) -> None:
    """Write the leadership pack of a period as one PDF.

    A portfolio page with every client reviewed in PERIOD, riskiest first (worst band,
    then lowest fairness index), followed by each client's report: each client's latest
    closed round of PERIOD (with --include-open, an open one too, marked provisional).
    Reports are rendered in parallel worker processes. An anonymous round that is still
    open (with --include-open), or has fewer answers than its floor, is listed with its
    results withheld.
    """
    from ..report.pack import period_reports, render_pack
    from ..store import audit

    db = get_db()
    reports = period_reports(db, period, include_open=include_open)
    if not reports:
        known = sorted(
            {row[0] for row in db.execute("SELECT DISTINCT period FROM rounds").fetchall()},
            reverse=True,
        )
        raise click.ClickException(
            f"No client was reviewed in {period!r}."
            f" Periods with rounds: {', '.join(known) or 'none yet'}."
        )
    out = Output(output or f"leadership-pack-{_slug(period)}-{lang}.pdf", force)
    out.check()
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
    written = out.write(data)
    _info(
        f"Wrote {written}: {len(reports)} clients, {_pages(data)} pages, {_size(data)},"
        f" in {time.perf_counter() - started:.1f} s."
    )
