"""The leadership pack: every client reviewed in a period, riskiest first, in one PDF.

A portfolio page (clients sorted by risk: worst band first, then lowest index) followed by
each client's report. The reports are rendered in parallel processes: WeasyPrint is
single-threaded and threads only slow it down, processes scale. Each worker builds what
rendering needs once (`environment.report_app`, not the web app) and one FontConfiguration
(`_init_worker`), then renders the reports it is given; the parent renders the portfolio
page last, once it knows on which page each report starts, and joins everything with
pikepdf (``tagged``), adding a bookmark per client.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask
from flask_babel import force_locale, gettext
from sqlite_utils import Database

from .. import branding
from ..portfolio import risk_order
from ..store import clients, rounds
from . import cache, pdf, tagged
from .context import common_context
from .data import RoundReport, round_report
from .environment import report_app

__all__ = ["PackError", "period_reports", "period_rounds", "render_pack", "risk_key"]

SUMMARY_TEMPLATE = "report/pack_summary.html"


class PackError(LookupError):
    """Nothing to put in the pack (no client was reviewed in that period)."""


def period_rounds(db: Database, period: str, *, include_open: bool = False) -> list[rounds.Round]:
    """Each active client's round for `period`, by the portfolio's rule: the latest closed
    one (a kickoff and a quarterly review of one period: the later); with `include_open`,
    the latest round, open or closed (an open one's results are provisional, and its page
    says so)."""
    found: dict[int, rounds.Round] = {}
    for client in clients.list_clients(db):
        for current in rounds.list_rounds(db, client.id):  # newest first
            if current.period == period.strip() and (include_open or not current.is_open):
                found.setdefault(client.id, current)
    return list(found.values())


def risk_key(report: RoundReport) -> tuple:
    """Riskiest first, by the same rule as the portfolio (`portfolio.risk_order`)."""
    result = report.result
    return risk_order(report.questionnaire, result.band_id, result.index, report.client.name)


def period_reports(
    db: Database, period: str, *, now: datetime | None = None, include_open: bool = False
) -> list[RoundReport]:
    """The reports of every client reviewed in `period` (``period_rounds``), riskiest
    first."""
    now = now or datetime.now(UTC)
    chosen = period_rounds(db, period, include_open=include_open)
    reports = [round_report(db, current, now=now) for current in chosen]
    return sorted(reports, key=risk_key)


# --- worker processes ---------------------------------------------------------------------

_worker_app: Flask | None = None


def _picklable_config(app: Flask) -> dict:
    config = {}
    for key, value in app.config.items():
        try:
            pickle.dumps(value)
        except Exception:  # whatever cannot cross to a worker stays behind
            continue
        config[key] = value
    return config


def _init_worker(config: dict) -> None:
    """Once per worker process: what rendering needs (``environment.report_app``: the
    settings, translations and templates; not the web app, so no migrations and no write
    lock), one FontConfiguration (a new one: nothing font-related is shared with the
    parent) and the parsed stylesheet."""
    global _worker_app
    _worker_app = report_app(config)
    pdf.reset_process_resources()
    pdf.font_config()
    pdf.stylesheet()


def _render_in_worker(index: int, report: RoundReport, lang: str, pack_title: str):
    return index, pdf.render_pdf(report, lang, app=_worker_app, pack_title=pack_title)


def _render_task(args: tuple) -> tuple[int, bytes]:
    return _render_in_worker(*args)


#: Reports a worker renders before it is replaced (WeasyPrint's memory grows with each).
WORKER_TASKS = 25


def _context(max_tasks_per_child: int | None = None) -> multiprocessing.context.BaseContext:
    """fork: workers start at once with everything imported. Workers that are replaced
    (``max_tasks_per_child``) are started while the pool's threads run, and forking a
    process with threads is unsafe, so they come from a fork server that has imported the
    pack once (each new one starts as quickly); spawn where neither is available.

    The pool is ``multiprocessing.Pool``, whose ``maxtasksperchild`` replaces workers
    reliably: ``concurrent.futures.ProcessPoolExecutor(max_tasks_per_child=...)`` stops
    replacing them and hangs once a worker reaches its limit while tasks are queued, on
    Python 3.11 to 3.13 (CPython gh-115634)."""
    methods = multiprocessing.get_all_start_methods()
    if max_tasks_per_child and "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


# --- the pack -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PackRow:
    """One client on the portfolio page."""

    rank: int
    report: RoundReport
    page: int


def _summary_html(
    app: Flask, rows: list[PackRow], lang: str, period: str, generated_at: datetime
) -> str:
    with force_locale(pdf.BABEL_LOCALES[lang]):
        questionnaires = [row.report.questionnaire for row in rows]
        context = {
            **common_context(lang, questionnaires, generated_at),
            "rows": rows,
            "period": period,
            "generated_at": generated_at,
            "counts": _band_counts(rows, lang),
        }
        return app.jinja_env.get_template(SUMMARY_TEMPLATE).render(context)


def _band_counts(rows: list[PackRow], lang: str) -> list[tuple[object, int]]:
    """(band, number of clients) from worst to best, plus ("withheld", n) for results
    withheld to protect anonymity and (None, n) for no score."""
    counts: dict[tuple, list] = {}
    missing = withheld = 0
    for row in rows:
        r, q = row.report.result, row.report.questionnaire
        if r.band_id is None and row.report.index_withheld:
            withheld += 1
            continue
        if r.band_id is None:
            missing += 1
            continue
        band = q.band(r.band_id)
        key = (-q.band_index(band.id) / max(len(q.bands) - 1, 1), band.label.get(lang))
        counts.setdefault(key, [band, 0])[1] += 1
    found = [(band, n) for _, (band, n) in sorted(counts.items())]
    if withheld:
        found.append(("withheld", withheld))
    if missing:
        found.append((None, missing))
    return found


def pack_title(period: str, lang: str) -> str:
    """The pack's title in `lang` (inside an app context)."""
    with force_locale(pdf.BABEL_LOCALES[lang]):
        return gettext("Leadership pack %(period)s", period=period)


class _Binder:
    """Collects the rendered reports, which arrive in any order, and their page counts;
    ``finish`` joins them after the portfolio page, keeping every part's tags (``tagged``)."""

    def __init__(self, reports: Sequence[RoundReport]):
        self.reports = reports
        self.pages: dict[int, int] = {}  # report index → its number of pages
        self._data: dict[int, bytes] = {}

    def add(self, n: int, data: bytes) -> None:
        self.pages[n] = tagged.page_count(data)
        self._data[n] = data

    def starts(self, guess: int | None = None) -> list[int]:
        """Where each report starts, counting from the first report's page (0); a report
        not rendered yet is taken to have `guess` pages."""
        starts, page = [], 0
        for n in range(len(self.reports)):
            starts.append(page)
            page += self.pages.get(n, guess)
        return starts

    def finish(self, summary: bytes, summary_pages: int, lang: str, title: str) -> bytes:
        with force_locale(pdf.BABEL_LOCALES[lang]):
            portfolio = gettext("Portfolio summary")
            product = gettext("Partnership Check")
        parts = [tagged.Part(summary, portfolio)]
        parts.extend(
            tagged.Part(self._data[n], report.client.name) for n, report in enumerate(self.reports)
        )
        return tagged.join(parts, lang=lang, title=title, author=product)


@dataclass
class _Portfolio:
    """The portfolio page, rendered for given report start pages."""

    app: Flask
    reports: Sequence[RoundReport]
    lang: str
    period: str
    generated_at: datetime
    data: bytes = b""
    pages: int = 1
    starts: tuple[int, ...] = ()

    def render(self, starts: list[int]) -> None:
        for _attempt in range(3):  # until its own page count is the one assumed
            rows = [
                PackRow(n + 1, report, self.pages + start + 1)
                for n, (report, start) in enumerate(zip(self.reports, starts, strict=True))
            ]
            html = _summary_html(self.app, rows, self.lang, self.period, self.generated_at)
            self.data = pdf.html_to_pdf(html, logo=branding.of(self.app.config).logo)
            pages = tagged.page_count(self.data)
            if pages == self.pages:
                break
            self.pages = pages
        self.starts = tuple(starts)


def render_pack(
    reports: Sequence[RoundReport],
    lang: str,
    *,
    period: str,
    jobs: int | None = None,
    app: Flask | None = None,
    progress: Callable[[RoundReport], None] | None = None,
    generated_at: datetime | None = None,
    use_cache: bool = True,
    max_tasks_per_child: int | None = WORKER_TASKS,
) -> bytes:
    """The leadership pack as PDF bytes: a portfolio page, then each report in the order
    given (use `period_reports`, which sorts by risk).

    `jobs` worker processes render the reports (default: one per CPU core, no more than
    there are reports); with one job everything runs in this process. Each worker is
    replaced by a fresh one after `max_tasks_per_child` reports (WeasyPrint's processes
    grow as they render; None keeps them to the end). `progress` is called with each
    report as it is done. Needs the app (`app=` or an active app context).

    With `use_cache` (and the app's `REPORT_CACHE_MB` above 0), reports whose content has
    not changed come from the report cache (`cache.py`) and only the others are rendered;
    a pack whose every report and day are unchanged is read back whole.

    The portfolio page lists the page each report starts on, so it is rendered once the
    page counts are known. With workers, it is rendered while the last report is still
    being drawn (a core is free by then), taking that report to be as long as the others
    usually are, and again in the rare case that guess was wrong.
    """
    if not reports:
        raise PackError(f"no client was reviewed in {period!r}")
    lang = pdf.normalize_lang(lang)
    generated_at = generated_at or datetime.now(UTC)
    with pdf.using_app(app) as flask_app:
        title = pack_title(period, lang)
        store = cache.app_cache(flask_app) if use_cache else None
        firm = branding.of(flask_app.config).digest
        keys = (
            [cache.report_key(r, lang, pack_title=title, firm=firm) for r in reports]
            if store
            else []
        )
        on = generated_at.date()
        whole = cache.pack_key(keys, lang, period=period, generated_on=on) if store else None
        if whole and (found := store.get(whole)) is not None:
            for report in reports:
                if progress:
                    progress(report)
            return found
        binder = _Binder(reports)
        portfolio = _Portfolio(flask_app, reports, lang, period, generated_at)
        missing = []
        for n, report in enumerate(reports):
            data = store.get(keys[n]) if store else None
            if data is None:
                missing.append(n)
                continue
            binder.add(n, data)
            if progress:
                progress(report)

        def done(n: int, data: bytes) -> None:
            if store:
                store.put(keys[n], data)
            binder.add(n, data)
            if progress:
                progress(reports[n])

        jobs = max(1, min(jobs or os.cpu_count() or 1, len(missing)))
        if multiprocessing.current_process().daemon:  # e.g. a worker process of Huey's
            jobs = 1  # may not start processes of its own
        if jobs == 1:
            for n in missing:
                done(n, pdf.render_pdf(reports[n], lang, app=flask_app, pack_title=title))
        else:
            context = _context(max_tasks_per_child)
            with context.Pool(
                processes=jobs,
                initializer=_init_worker,
                initargs=(_picklable_config(flask_app),),
                maxtasksperchild=max_tasks_per_child,
            ) as pool:
                work = [(n, reports[n], lang, title) for n in missing]
                for n, data in pool.imap_unordered(_render_task, work):
                    done(n, data)
                    if len(binder.pages) == len(reports) - 1:
                        guess = statistics.median_low(binder.pages.values())
                        portfolio.render(binder.starts(guess))
        starts = binder.starts()
        if tuple(starts) != portfolio.starts:
            portfolio.render(starts)
        data = binder.finish(portfolio.data, portfolio.pages, lang, title)
        if whole:
            store.put(whole, data)
        return data
