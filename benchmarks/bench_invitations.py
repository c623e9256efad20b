"""Time the requests that queue mail for a whole round: how long the lead waits.

    .venv/bin/python benchmarks/bench_invitations.py            # 500 people, 7 runs each
    .venv/bin/python benchmarks/bench_invitations.py --people 1000 --check

Each run builds a fresh round on a file database in /tmp (WAL, as in production) and
times, through Flask's test client as a logged-in lead (CSRF off, template rendering and
the redirect's page not included):

- importing a CSV of N people with an email (the respondents, their audit entries and
  N invitations written in one transaction, then one task queued for the worker);
- *Send invitations* for N people added without one;
- *Remind now* for N people who have not submitted.

Nothing is sent inside these requests: the worker writes and sends each message later
(``jobs.mail``). ``--check`` exits 1 if a median is 0.3 s or more (issue 16's target).
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assessment import create_app  # noqa: E402
from assessment.db import get_db  # noqa: E402
from assessment.jobs.queue import queue_for  # noqa: E402
from assessment.questionnaire import load_directory  # noqa: E402
from assessment.store import clients, respondents, rounds, user_sessions, users  # noqa: E402

TARGET_S = 0.3


def setup(folder: Path):
    app = create_app(
        {
            "SECRET_KEY": "bench-secret-key-not-for-production",
            "DATABASE": str(folder / "bench.sqlite3"),
            "WTF_CSRF_ENABLED": False,
        },
        instance_path=str(folder / "instance"),
    )
    with app.app_context():
        db = get_db()
        lead = users.create_user(
            db, email="lead@bench.example", password="a bench lead's password", role="lead"
        )
        login = user_sessions.start(db, lead.id, remember=False, lifetime=timedelta(hours=1))
        client_row = clients.create_client(db, name="Bench Co")
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = login
        session["_fresh"] = True
    return app, client, client_row.id


def new_round(app, client_id: int, n: int):
    with app.app_context():
        q = load_directory(app.config["QUESTIONS_DIR"])["six-signs"]
        return rounds.create_round(
            get_db(), client_id=client_id, kind="adhoc", period=f"run-{n}", questionnaire=q
        )


def csv_of(people: int, run: int) -> bytes:
    lines = ["name,email,role"]
    lines += [f"Person {run}-{i},p{run}-{i}@bench.example,delivery" for i in range(people)]
    return ("\n".join(lines) + "\n").encode()


def outbox_count(app, round_id: int) -> int:
    with app.app_context():
        return (
            get_db()
            .execute("SELECT COUNT(*) FROM outbox WHERE round_id = ?", [round_id])
            .fetchone()[0]
        )


def timed(fn) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one request (the test client runs it in this
    process, so its CPU time is the request's, whatever else the machine is doing)."""
    start, cpu = time.perf_counter(), time.process_time()
    response = fn()
    elapsed = time.perf_counter() - start, time.process_time() - cpu
    assert response.status_code in (302, 303), response.status_code
    return elapsed


def bench(people: int, runs: int) -> dict[str, list[tuple[float, float]]]:
    folder = Path(tempfile.mkdtemp(prefix="partnership-bench-mail-"))
    try:
        app, client, client_id = setup(folder)
        found = {"import": [], "invitations": [], "remind": []}
        for run in range(runs + 1):  # run 0 warms up
            current = new_round(app, client_id, run)
            data = {"file": (io.BytesIO(csv_of(people, run)), "people.csv")}
            took = timed(
                lambda current=current, data=data: client.post(
                    f"/rounds/{current.id}/respondents/import",
                    data=data,
                    content_type="multipart/form-data",
                )
            )
            assert outbox_count(app, current.id) == people
            if run:
                found["import"].append(took)
            # The same people added without invitations (before mail existed, say).
            bare = new_round(app, client_id, 1000 + run)
            with app.app_context():
                db = get_db()
                for i in range(people):
                    respondents.add_respondent(
                        db, bare.id, name=f"P{i}", email=f"b{run}-{i}@x.example"
                    )
            took = timed(lambda bare=bare: client.post(f"/rounds/{bare.id}/invitations"))
            assert outbox_count(app, bare.id) == people
            if run:
                found["invitations"].append(took)
            took = timed(lambda bare=bare: client.post(f"/rounds/{bare.id}/remind"))
            assert outbox_count(app, bare.id) == 2 * people
            if run:
                found["remind"].append(took)
        pending = queue_for(app).pending()
        assert pending == 3 * (runs + 1), pending  # one task per request, nothing sent inline
        return found
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--check", action="store_true", help="exit 1 if a median misses 0.3 s")
    parser.add_argument(
        "--smoke", action="store_true", help="5 people, one run (a check that it still runs)"
    )
    args = parser.parse_args()
    if args.smoke:
        args.people, args.runs = 5, 1
    found = bench(args.people, args.runs)
    missed = False
    print(f"{args.people} people, {args.runs} runs (seconds per request; wall-clock, CPU):")
    for name, samples in found.items():
        wall = [w for w, _c in samples]
        cpu = [c for _w, c in samples]
        median = statistics.median(wall)
        missed |= median >= TARGET_S
        print(
            f"  {name:<12} wall median {median:.3f} (min {min(wall):.3f}, max {max(wall):.3f})"
            f"   CPU median {statistics.median(cpu):.3f}"
        )
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
