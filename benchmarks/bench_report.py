"""Time the PDF report: WeasyPrint warm and cold, Chromium's print of the same HTML, and the
leadership pack in one process against several.

    .venv/bin/python benchmarks/bench_report.py [--repeat 5] [--pack-clients 12] [--no-chromium]

Everything runs on a throw-away database loaded with the demo data (`load_demo`: three
clients, three rounds each, with comments and actions); the reports are each client's
latest round, in English and in Chinese.

- warm: `render_pdf()` again and again in one process (the web app's case), after one
  untimed render; median and best of `--repeat`; and the same render untagged (no PDF/UA
  structure tree), taking turns with it, to show what tagging costs.
- cold: a new Python process per report that imports everything, builds the app and renders
  once; shown as the whole process and as the first render alone.
- Chromium: the same HTML (`render_html()`, stylesheet inlined, same fonts) written to a temp
  file and printed by `chromium --headless --print-to-pdf` (a new browser each time, as the
  CLI does), and by a warm Playwright page (`page.set_content` + `page.pdf`).
- pack: `render_pack()` of the demo's 2026-Q4 (3 clients) and of a portfolio of
  `--pack-clients` clients (the demo stories repeated under new names), with one process
  and with `--jobs` processes.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pypdf import PdfReader

from assessment import create_app
from assessment.db import get_db
from assessment.demo import DEMO_FILE, load_demo
from assessment.questionnaire import load_directory
from assessment.report import pdf
from assessment.report.data import round_report
from assessment.report.pack import period_reports, render_pack
from assessment.store import clients, rounds

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-pdf-header-footer",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
LANGS = ("en", "zh-CN")

COLD_SCRIPT = """
import sys, time
started = time.perf_counter()
from assessment import create_app
from assessment.db import get_db
from assessment.report.data import round_report
from assessment.report.pdf import render_pdf
from assessment.store import rounds
app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE": sys.argv[1]},
                 instance_path=sys.argv[2])
with app.app_context():
    report = round_report(get_db(), rounds.get_round(get_db(), int(sys.argv[3])))
    ready = time.perf_counter()
    render_pdf(report, sys.argv[4])
    done = time.perf_counter()
print(f"{done - started:.3f} {done - ready:.3f}")
"""


def pages(data: bytes) -> int:
    return len(PdfReader(BytesIO(data)).pages)


def fmt(seconds: float) -> str:
    return f"{seconds:.2f} s"


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def make_app(folder: Path, demo_file: Path = DEMO_FILE):
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "bench", "DATABASE": str(folder / "bench.sqlite3")},
        instance_path=str(folder / "instance"),
    )
    with app.app_context():
        load_demo(get_db(), load_directory(app.config["QUESTIONS_DIR"]), demo_file)
    return app


def bigger_demo(folder: Path, count: int) -> Path:
    """The demo stories repeated under new names until there are `count` clients."""
    text = DEMO_FILE.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    names = [spec["name"] for spec in data["clients"]]
    head, _, body = text.partition("[[clients]]")
    blocks = ["[[clients]]" + block for block in body.split("[[clients]]")]
    out = [head]
    for n in range(count):
        block = blocks[n % len(blocks)]
        name = names[n % len(names)]
        out.append(block.replace(f'name = "{name}"', f'name = "{name} {n // len(names) + 1}"', 1))
    path = folder / "demo-big.toml"
    path.write_text("".join(out), encoding="utf-8")
    return path


def untagged(report, lang: str) -> bytes:
    """The report as an untagged PDF (no structure tree): what tagging costs is the
    difference with ``render_pdf``."""
    variant, pdf.PDF_VARIANT = pdf.PDF_VARIANT, None
    try:
        return pdf.render_pdf(report, lang)
    finally:
        pdf.PDF_VARIANT = variant


def warm(app, reports, repeat: int) -> dict:
    """Per report and language: (tagged times, untagged times, pages), the two kinds of
    render taking turns so that a busy moment weighs on both alike."""
    results = {}
    with app.app_context():
        for report in reports:
            for lang in LANGS:
                data = pdf.render_pdf(report, lang)  # untimed warm-up
                untagged(report, lang)
                tagged_times, plain_times = [], []
                for _ in range(repeat):
                    tagged_times += timed(lambda r=report, lang=lang: pdf.render_pdf(r, lang), 1)
                    plain_times += timed(lambda r=report, lang=lang: untagged(r, lang), 1)
                results[(report.client.name, lang)] = (tagged_times, plain_times, pages(data))
    return results


def cold(app, reports, folder: Path) -> dict:
    results = {}
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    for report in reports:
        for lang in LANGS:
            start = time.perf_counter()
            out = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    COLD_SCRIPT,
                    app.config["DATABASE"],
                    str(folder / "instance-cold"),
                    str(report.round.id),
                    lang,
                ],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            )
            wall = time.perf_counter() - start
            _inside, first = (float(x) for x in out.stdout.split())
            results[(report.client.name, lang)] = (wall, first)
    return results


def chromium(app, reports, folder: Path, repeat: int) -> dict:
    results = {}
    with app.app_context():
        html = {
            (r.client.name, lang): pdf.render_html(r, lang, inline_css=True)
            for r in reports
            for lang in LANGS
        }
    for (name, lang), text in html.items():
        source = folder / f"chromium-{len(results)}.html"
        source.write_text(text, encoding="utf-8")
        target = folder / "chromium.pdf"
        times = []
        for _ in range(max(1, repeat // 2)):
            start = time.perf_counter()
            subprocess.run(
                [CHROMIUM, *CHROMIUM_ARGS, f"--print-to-pdf={target}", source.as_uri()],
                check=True,
                capture_output=True,
            )
            times.append(time.perf_counter() - start)
        results[(name, lang)] = {"cli": times, "cli_pages": pages(target.read_bytes())}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return results
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page()
        for key, text in html.items():

            def once(text=text):
                page.set_content(text, wait_until="load")
                return page.pdf(prefer_css_page_size=True, print_background=True)

            once()
            times = timed(once, repeat)
            results[key]["warm"] = times
            results[key]["warm_pages"] = pages(once())
        browser.close()
    return results


def pack_times(app, period: str, jobs: int, repeat: int) -> tuple[int, float, float]:
    """Best times of the pack in one process and with `jobs` worker processes."""
    with app.app_context():
        reports = period_reports(get_db(), period)

        def run(jobs: int) -> float:
            start = time.perf_counter()
            render_pack(reports, "en", period=period, jobs=jobs, use_cache=False)
            return time.perf_counter() - start

        one, many = [], []
        for _ in range(repeat):  # interleaved, so that a busy moment hits both
            one.append(run(1))
            many.append(run(jobs))
    return len(reports), min(one), min(many)


def print_pack(label: str, figures: tuple[int, float, float], jobs: int) -> None:
    n, one, many = figures
    print(
        f"{label}, {n} clients: 1 process {fmt(one)}, {jobs} processes {fmt(many)},"
        f" speed-up {one / many:.2f}×"
    )


def single_reports(app, reports, folder: Path, args) -> None:
    print("\nOne report (each client's latest round); median and best of the warm renders")
    warm_results = warm(app, reports, args.repeat)
    cold_results = cold(app, reports, folder)
    chrome = {} if args.no_chromium else chromium(app, reports, folder, args.repeat)
    header = (
        f"{'client':22} {'lang':5} {'pages':>5} {'warm median':>12} {'warm best':>10}"
        f" {'untagged':>9} {'tagging':>8} {'cold process':>13} {'cold render':>12}"
    )
    if chrome:
        header += f" {'chromium cli':>13} {'chromium warm':>14} {'pages':>5}"
    print(header)
    for key, (times, plain, npages) in warm_results.items():
        wall, first = cold_results[key]
        cost = statistics.median(times) / statistics.median(plain) - 1
        line = (
            f"{key[0][:22]:22} {key[1]:5} {npages:>5} {fmt(statistics.median(times)):>12}"
            f" {fmt(min(times)):>10} {fmt(statistics.median(plain)):>9} {cost:>+8.0%}"
            f" {fmt(wall):>13} {fmt(first):>12}"
        )
        if chrome:
            c = chrome[key]
            warm_c = fmt(statistics.median(c["warm"])) if "warm" in c else "–"
            line += (
                f" {fmt(statistics.median(c['cli'])):>13} {warm_c:>14}"
                f" {c.get('warm_pages', c['cli_pages']):>5}"
            )
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed renders per case")
    parser.add_argument("--pack-clients", type=int, default=12, help="clients in the big pack")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="pack processes")
    parser.add_argument("--no-chromium", action="store_true", help="skip the Chromium figures")
    parser.add_argument("--pack-only", action="store_true", help="only the pack figures")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="one client's report, a pack of 2 clients, no Chromium (a check that it still runs)",
    )
    args = parser.parse_args()
    if args.smoke:
        args.repeat, args.pack_clients, args.no_chromium = 1, 2, True

    print(
        f"Python {platform.python_version()}, {os.cpu_count()} cores,"
        f" load average {os.getloadavg()[0]:.2f} at start"
    )
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        app = make_app(folder)
        with app.app_context():
            db = get_db()
            reports = [
                round_report(db, rounds.list_rounds(db, c.id)[0]) for c in clients.list_clients(db)
            ]
        if args.smoke:
            reports = reports[:1]

        if not args.pack_only:
            single_reports(app, reports, folder, args)
        print(f"\nLeadership pack, English, 1 process against {args.jobs}")
        repeat = max(1, args.repeat // 2)
        if not args.smoke:  # the smoke run packs only the small portfolio below
            print_pack("demo 2026-Q4", pack_times(app, "2026-Q4", args.jobs, repeat), args.jobs)
        (folder / "big").mkdir()
        big = make_app(folder / "big", bigger_demo(folder, args.pack_clients))
        print_pack("portfolio 2026-Q4", pack_times(big, "2026-Q4", args.jobs, repeat), args.jobs)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
