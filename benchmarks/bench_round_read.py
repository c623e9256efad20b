"""Count the SQL statements of a round's results page and report, and time ``round_report``.

    .venv/bin/python benchmarks/bench_round_read.py [--repeat 60] [--smoke]

On a throw-away database with the demo data (three clients, three rounds each, both sides
answered, actions, incidents, invoices and comments), for each closed round:

- report: the statements of ``round_report`` (``results.load`` and the pure functions
  after it; rendering the HTML or PDF from it reads nothing), BEGIN and COMMIT included;
- page: the statements of the whole ``GET /rounds/<id>/results`` of a logged-in lead
  (its session, the round's 404 check, the round's read, the audit entry, share links);
- ``round_report``'s wall time, best and median of ``--repeat`` in one warm process.

Statements are counted with ``sqlite3.Connection.set_trace_callback``, as
tests/web/test_results_page.py and tests/report/test_report_data.py count them.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assessment import create_app
from assessment.db import ConnectionKeeper, get_db
from assessment.demo import load_demo
from assessment.questionnaire import load_directory
from assessment.report.data import round_report
from assessment.store import rounds, users

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=60, help="timed runs per round")
    parser.add_argument("--smoke", action="store_true", help="one round, one timed run")
    args = parser.parse_args()
    repeat = 1 if args.smoke else args.repeat

    seen: list[str] = []
    acquire = ConnectionKeeper.acquire

    def traced(keeper):
        database = acquire(keeper)
        database.conn.set_trace_callback(seen.append)
        return database

    ConnectionKeeper.acquire = traced  # every connection the app borrows is counted
    folder = Path(tempfile.mkdtemp())
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "bench", "DATABASE": str(folder / "bench.sqlite3")},
        instance_path=str(folder / "instance"),
    )
    with app.app_context():
        db = get_db()
        load_demo(db, load_directory(app.config["QUESTIONS_DIR"]))
        users.create_user(db, email="lead@example.com", password=PASSWORD, role="lead", name="L")
        ids = [
            row[0]
            for row in db.execute("SELECT id FROM rounds WHERE status = 'closed' ORDER BY id")
        ]
    if args.smoke:
        ids = ids[-1:]
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = CSRF.search(login).group(1)
    client.post(
        "/login", data={"email": "lead@example.com", "password": PASSWORD, "csrf_token": token}
    )
    print(f"{'round':<40} {'report':>6} {'page':>5} {'best':>8} {'median':>8}")
    for round_id in ids:
        with app.app_context():
            db = get_db()
            current = rounds.get_round(db, round_id)
            round_report(db, current)  # warm
            seen.clear()
            round_report(db, current)
            report_statements = len(seen)
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                round_report(db, current)
                times.append(time.perf_counter() - started)
        client.get(f"/rounds/{round_id}/results")  # warm
        seen.clear()
        status = client.get(f"/rounds/{round_id}/results").status_code
        assert status == 200, status
        name = f"{current.client_name} {current.period} {current.kind}"
        print(
            f"{name:<40} {report_statements:>6} {len(seen):>5}"
            f" {min(times) * 1000:>6.2f}ms {statistics.median(times) * 1000:>6.2f}ms"
        )
    print("round read: done")


if __name__ == "__main__":
    main()
