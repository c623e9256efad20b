"""Time the leadership pack of a large portfolio, and a report opened a second time.

    .venv/bin/python benchmarks/bench_pack.py [--clients 200] [--jobs 2] [--repeat 31]

A throw-away instance gets the demo stories repeated under new names until there are
``--clients`` clients (three rounds each); the pack is the period 2026-Q4 (every client
has a round in it), in English. In this order:

1. **one process**: ``render_pack(jobs=1)``, the report cache off;
2. **workers, cache cold**: ``render_pack(jobs=--jobs)`` with workers replaced every
   ``pack.WORKER_TASKS`` reports, on an empty report cache (so it fills it);
3. **second pack**: the same again with nothing changed (read from the cache);
4. **workers, never replaced**: as 2 with ``max_tasks_per_child=None`` and the cache off,
   to show what recycling the workers does to their memory.

While 2 and 4 run, the resident memory (VmRSS) of every process below this one (the
workers, and the fork server that starts them) is sampled every 0.2 s; the figures are
the largest worker's memory in each tenth of the run (by reports done).

Then **opening a closed round's PDF**: ``GET /rounds/N/report.pdf`` as a logged-in lead
through Flask's test client, once (rendered and stored), then ``--repeat`` times (from
the cache; median and 90th percentile of the wall-clock time, and the median CPU time
of this process, which a busy machine does not inflate), against a warm Chromium (Playwright
``set_content`` + ``page.pdf`` on a running browser) printing the same HTML, and a warm
WeasyPrint render of it without the cache, all in the same run.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_report import CHROMIUM, bigger_demo, make_app  # noqa: E402

from assessment.db import get_db  # noqa: E402
from assessment.jobs.reports import render_closed_round  # noqa: E402
from assessment.report import cache, pack, pdf  # noqa: E402
from assessment.report.data import round_report  # noqa: E402
from assessment.store import rounds  # noqa: E402

PERIOD = "2026-Q4"
PASSWORD = "partnership-demo"


# --- memory of the worker processes -------------------------------------------------------


def _descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        children = [child for child, parent in parents.items() if parent == pid]
        found += children
        frontier += children
    return found


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            match = re.search(r"VmRSS:\s+(\d+) kB", fh.read())
    except OSError:
        return 0.0
    return int(match[1]) / 1024 if match else 0.0


class MemorySampler:
    """The largest descendant process's RSS, sampled with the number of reports done."""

    def __init__(self) -> None:
        self.done = 0
        self.samples: list[tuple[int, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def progress(self, _report) -> None:
        self.done += 1

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.2):
            sizes = [_rss_mb(pid) for pid in _descendants(me)]
            if sizes:
                self.samples.append((self.done, max(sizes)))

    def by_tenth(self, total: int) -> list[float]:
        """The largest RSS seen in each tenth of the run (by reports done)."""
        tenths = [0.0] * 10
        for done, size in self.samples:
            n = min(9, done * 10 // max(total, 1))
            tenths[n] = max(tenths[n], size)
        return tenths


# --- the pack -----------------------------------------------------------------------------


def run_pack(app, reports, *, jobs: int, use_cache: bool, recycle: bool, sampler=None):
    start = time.perf_counter()
    with app.app_context():
        data = pack.render_pack(
            reports,
            "en",
            period=PERIOD,
            jobs=jobs,
            use_cache=use_cache,
            max_tasks_per_child=pack.WORKER_TASKS if recycle else None,
            progress=sampler.progress if sampler else None,
        )
    return time.perf_counter() - start, data


def packs(app, jobs: int) -> None:
    with app.app_context():
        reports = pack.period_reports(get_db(), PERIOD)
    n = len(reports)
    print(f"\nLeadership pack {PERIOD}: {n} clients, {jobs} worker processes", flush=True)
    one, data = run_pack(app, reports, jobs=1, use_cache=False, recycle=False)
    pages = len(pdf_pages(data))
    print(f"  1 process, no cache:                {one:7.1f} s  ({pages} pages)", flush=True)
    with MemorySampler() as recycled:
        cold, _ = run_pack(app, reports, jobs=jobs, use_cache=True, recycle=True, sampler=recycled)
    print(
        f"  {jobs} workers (replaced every {pack.WORKER_TASKS}), cache cold: {cold:7.1f} s"
        f"  speed-up {one / cold:.2f}×",
        flush=True,
    )
    second, again = run_pack(app, reports, jobs=jobs, use_cache=True, recycle=True)
    print(
        f"  second pack, nothing changed:       {second:7.2f} s"
        f"  = {100 * second / cold:.1f} % of the first (same bytes: {again == data or 'n/a'})",
        flush=True,
    )
    with MemorySampler() as kept:
        never, _ = run_pack(app, reports, jobs=jobs, use_cache=False, recycle=False, sampler=kept)
    print(f"  {jobs} workers never replaced, no cache:  {never:7.1f} s", flush=True)
    print("  largest worker RSS (MB) in each tenth of the run:")
    print("    replaced:     " + " ".join(f"{mb:5.0f}" for mb in recycled.by_tenth(n)))
    print("    not replaced: " + " ".join(f"{mb:5.0f}" for mb in kept.by_tenth(n)))


def pdf_pages(data: bytes):
    from io import BytesIO

    from pypdf import PdfReader

    return PdfReader(BytesIO(data)).pages


# --- a report opened again ----------------------------------------------------------------


def _login(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', page)
    client.post(
        "/login",
        data={"email": "lead@demo.example", "password": PASSWORD, "csrf_token": token[1]},
    )


def reopen(app, repeat: int) -> None:
    with app.app_context():
        db = get_db()
        closed = next(
            r for r in rounds.list_rounds(db, rounds.get_round(db, 1).client_id) if not r.is_open
        )
        report = round_report(db, closed)
        html = pdf.render_html(report, "en", inline_css=True)
    client = app.test_client()
    _login(client)
    url = f"/rounds/{closed.id}/report.pdf?lang=en"
    with app.app_context():  # what the worker does when a round closes (jobs/reports.py)
        start = time.perf_counter()
        rendered = render_closed_round(app, get_db(), closed.id)
        worker_time = time.perf_counter() - start
    assert rendered == ["en", "zh-CN"], rendered
    start = time.perf_counter()
    first = client.get(url)
    first_time = time.perf_counter() - start
    assert first.status_code == 200 and first.data.startswith(b"%PDF"), first.status_code
    again, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        again.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        assert response.data == first.data
    with app.app_context():
        warm = []
        pdf.render_pdf(report, "en")
        for _ in range(max(3, repeat // 5)):
            start = time.perf_counter()
            pdf.render_pdf(report, "en")
            warm.append(time.perf_counter() - start)
    chrome = chromium_warm(html, repeat)
    print(f"\nOpening {closed.client_name} {closed.period} (closed) as PDF, {repeat} times")
    print(f"  the worker, at closing (en, zh-CN): {1000 * worker_time:8.1f} ms")
    print(f"  first open (the worker's PDF):     {1000 * first_time:8.1f} ms")
    print(
        f"  second and later (cache):          {1000 * statistics.median(again):8.1f} ms median,"
        f" {1000 * _p90(again):.1f} ms p90 (CPU time {1000 * statistics.median(cpu):.1f} ms)"
    )
    print(f"  WeasyPrint warm, no cache:         {1000 * statistics.median(warm):8.1f} ms median")
    if chrome:
        print(
            f"  Chromium warm print, same HTML:    {1000 * statistics.median(chrome):8.1f} ms"
            f" median, {1000 * _p90(chrome):.1f} ms p90"
        )


def _p90(times: list[float]) -> float:
    return sorted(times)[int(0.9 * (len(times) - 1))]


def chromium_warm(html: str, repeat: int) -> list[float]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return []
    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page()
        for n in range(repeat + 1):
            start = time.perf_counter()
            page.set_content(html, wait_until="load")
            page.pdf(prefer_css_page_size=True, print_background=True)
            if n:  # the first print warms the browser up
                times.append(time.perf_counter() - start)
        browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200, help="clients in the portfolio")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="pack processes")
    parser.add_argument("--repeat", type=int, default=31, help="times a report is opened")
    parser.add_argument("--skip-pack", action="store_true", help="only the report opening")
    parser.add_argument(
        "--smoke", action="store_true", help="2 clients, 2 openings (a check that it still runs)"
    )
    args = parser.parse_args()
    if args.smoke:
        args.clients, args.repeat = 2, 2
    print(f"load average at start: {os.getloadavg()[0]:.1f}; {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-pack-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        app = make_app(folder, bigger_demo(folder, args.clients))
        print(f"{args.clients} clients loaded in {time.perf_counter() - start:.0f} s", flush=True)
        reopen(app, args.repeat)
        if not args.skip_pack:
            for leftover in cache.app_cache(app).entries():
                leftover[2].unlink()
            packs(app, args.jobs)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
