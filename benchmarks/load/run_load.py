"""Load test on loopback: 200 respondents against ``assessment serve``, then hello world.

    .venv/bin/python benchmarks/load/run_load.py              # 120 s per run
    .venv/bin/python benchmarks/load/run_load.py --run-time 20s

Needs the ``load`` extra (``pip install -e '.[load]'``: locust). In a temporary folder it
makes an instance and database with one open round of ``--users`` respondents, writes
their tokens (and the form data of a draft and of a full submission) to a JSON file, starts
``assessment serve --workers N`` (N = cores) on 127.0.0.1, and beside it the bare Flask app
of hello.py with the same gunicorn settings (sync workers, same count, access log to
stdout), idle until its turn. It runs locust headless against the app (``Respondent`` in
locustfile.py: open the form, save a draft, submit, then keep opening the form), then
against hello world with the same users, spawn rate and run time (``Hello``: GET / only).
A page a respondent opens after submitting counts as failed unless it shows their saved
answers. Afterwards it checks the database: every submission that was answered with a
redirect must be stored whole. It prints p50/p95 latency, throughput and errors per
request type, and the form page's throughput as a share of hello world's. The exit status
is 1 if a submission is missing, a request failed or the server answered 5xx or logged an
error.

``--slices N`` alternates the two N times (app, hello world, app, ...), each locust run
``--run-time`` long, both servers up throughout, and compares the summed requests over
the summed time: on a machine shared with other jobs, whose speed drifts from one minute
to the next, a drift then weighs on both sides alike instead of on one. After the first
slice the respondents have submitted; each later one starts with the answer-key cookie of
the browser that submitted (``LOAD_KEYS``) and only re-opens their form
(``LOAD_SUBMITTED``). Counts and throughput are over all slices; p50 and p95 the median
of the slices' own.

It then states whether the load floor holds (``FLOOR_*``: the form page at least 0.4 ×
hello world's throughput with a p95 of at most 250 ms, 200 respondents): a figure for
benchmarks/README.md, never a test.

``--compare csrf_tokens,unchanged+languages`` (pieces of the fast path, ``variants.PIECES``) also
serves the app without those pieces, one gunicorn server per comma-separated entry, on the
same database (variants.py, a benchmark-only factory read through ``LOAD_WITHOUT``). In
every slice after the first each of them serves the same re-opened forms as the app, the
order turning by one place a slice, and the runner prints each one's form-page throughput
as a share of the app's (summed, and the median of the slices' shares) with its server CPU
a request: what each piece is worth.
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import platform
import re
import resource
import shlex
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the live-server helpers the fault test uses too
sys.path.insert(0, str(HERE))

import variants  # noqa: E402
from live_server_helpers import (  # noqa: E402
    HOST,
    LiveServer,
    complete_answers,
    draft_answers,
    group_members,
    make_instance,
    prepare_round,
    serve_command,
)

#: The load floor (issue 26): the form page serves at least this share of hello world's
#: throughput, with a p95 of at most this, for this many respondents on 2 cores.
FLOOR_RATIO = 0.4
FLOOR_P95_MS = 250
FLOOR_USERS = 200

ACCESS_RE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3}) ')
FORM_GET = "GET /r/[token]"
HELLO_GET = "GET / (hello world)"


def _seconds(run_time: str) -> int:
    """Locust's --run-time ("120", "120s", "2m", "1h30m") in seconds."""
    if run_time.isdigit():
        return int(run_time)
    parts = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", run_time)
    if not parts or not any(parts.groups()):
        raise argparse.ArgumentTypeError(f"not a run time: {run_time!r}")
    hours, minutes, seconds = (int(part or 0) for part in parts.groups())
    return hours * 3600 + minutes * 60 + seconds


def hello_command(workers: int) -> list[str]:
    """gunicorn for hello.py with the settings of assessment/server.py's run_gunicorn."""
    from gunicorn.config import KNOWN_SETTINGS

    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        *("--bind", f"{HOST}:0", "--workers", str(workers), "--worker-class", "sync"),
        *("--access-logfile", "-", "--error-logfile", "-", "--timeout", "60"),
        *("--chdir", str(HERE)),
    ]
    if any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS):
        command.append("--no-control-socket")
    return [*command, "hello:app"]


def variant_command(instance: Path, workers: int) -> list[str]:
    """gunicorn, as ``assessment serve`` runs it (``server.run_gunicorn``), for the app of
    variants.py: the app without the pieces its ``LOAD_WITHOUT`` names."""
    uri = f"variants:create_app(instance_path={str(instance)!r})"
    code = (
        "import sys; from assessment.server import run_gunicorn;"
        " run_gunicorn(sys.argv[1], host=sys.argv[2], port=0, workers=int(sys.argv[3]))"
    )
    return [sys.executable, "-c", code, uri, HOST, str(workers)]


def variant_name(pieces: list[str]) -> str:
    return "without " + " + ".join(pieces)


def load_average() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def run_locust(user_class: str, port: int, args, folder: Path, env: dict) -> tuple[Path, str]:
    """locust headless against 127.0.0.1:port; returns its CSV prefix and its command line."""
    prefix = folder / user_class.lower()
    command = [
        str(Path(sys.executable).with_name("locust")),
        *("-f", str(HERE / "locustfile.py"), "--headless"),
        *("-u", str(args.users), "-r", str(args.spawn_rate), "--run-time", args.run_time),
        *("--host", f"http://{HOST}:{port}", "--csv", str(prefix)),
        *("--only-summary", "--stop-timeout", "30", "--loglevel", "WARNING"),
        user_class,
    ]
    log = folder / f"locust-{user_class.lower()}.log"
    print(f"$ {shlex.join(command)}", flush=True)
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            process.wait(timeout=_seconds(args.run_time) + 120)  # run, stop-timeout, slack
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            raise SystemExit(f"locust did not finish in time; see {log}") from None
    text = log.read_text(encoding="utf-8", errors="replace")
    if process.returncode not in (0, 1):  # 1: some requests failed, reported below
        raise SystemExit(f"locust exited with {process.returncode}:\n{text}")
    for line in text.splitlines():
        if "CPU usage" in line:
            print(f"  locust: {line.strip()}")
    return prefix, shlex.join(command)


def group_cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) used so far by the live processes of a process group:
    the server's master and workers."""
    total = 0
    for pid in group_members(pgid):
        try:
            text = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = text[text.rfind(")") + 2 :].split()  # from field 3, "state"
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured_locust(server: LiveServer, *args) -> tuple[Path, dict[str, float]]:
    """``run_locust`` against ``server``, with the CPU seconds the server and locust used
    during the run (locust's from the finished child's rusage)."""
    server_before, locust_before = group_cpu_seconds(server.pgid), children_cpu_seconds()
    prefix, _command = run_locust(*args)
    cpu = {
        "server": group_cpu_seconds(server.pgid) - server_before,
        "locust": children_cpu_seconds() - locust_before,
    }
    return prefix, cpu


def print_cpu(label: str, cpu: dict[str, float], requests: int) -> None:
    per = {who: 1000 * seconds / requests if requests else 0.0 for who, seconds in cpu.items()}
    print(
        f"  CPU, {label}: server {cpu['server']:.1f} s ({per['server']:.2f} ms a request),"
        f" locust {cpu['locust']:.1f} s ({per['locust']:.2f} ms a request)"
    )


def read_stats(prefix: Path) -> dict[str, dict]:
    """Locust's per-request-type figures, by name (and "Aggregated")."""
    with open(f"{prefix}_stats.csv", newline="", encoding="utf-8") as handle:
        return {row["Name"]: row for row in csv.DictReader(handle)}


def combine_stats(slices: list[dict[str, dict]], seconds: float) -> dict[str, dict]:
    """Several locust runs' figures as one: counts summed, throughput over the runs'
    total time, p50 and p95 the median of the runs' own."""
    if len(slices) == 1:
        return slices[0]
    combined: dict[str, dict] = {}
    for name in dict.fromkeys(name for stats in slices for name in stats):
        rows = [stats[name] for stats in slices if name in stats]
        count = sum(int(row["Request Count"]) for row in rows)
        combined[name] = {
            "Request Count": str(count),
            "Failure Count": str(sum(int(row["Failure Count"]) for row in rows)),
            "50%": f"{statistics.median(float(row['50%']) for row in rows):g}",
            "95%": f"{statistics.median(float(row['95%']) for row in rows):g}",
            "Requests/s": str(count / seconds),
        }
    return combined


def print_stats(title: str, stats: dict[str, dict]) -> None:
    print(f"\n{title}")
    header = f"{'request':<30} {'count':>7} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} {'req/s':>8}"
    print(header)
    print("-" * len(header))
    for name, row in stats.items():
        print(
            f"{name:<30} {row['Request Count']:>7} {row['Failure Count']:>6}"
            f" {row['50%']:>7} {row['95%']:>7} {float(row['Requests/s']):>8.1f}"
        )


def form_requests(stats: dict[str, dict]) -> int:
    return int(stats[FORM_GET]["Request Count"]) if FORM_GET in stats else 0


def print_comparison(
    slices: dict[str, list[dict]], cpu: dict[str, float], seconds: float
) -> dict[str, dict]:
    """Each variant's form page against the app's (the first entry of ``slices``), over the
    slices where all ran the same requests: summed throughput, its share of the app's,
    the median of each slice's share, the server's CPU time a request, and each slice's
    share."""
    base = next(iter(slices.values()))
    base_total = sum(map(form_requests, base))
    title = f"Form page, slices 2 to {len(base) + 1} ({seconds:g} s each variant)"
    header = f"{'server':<40} {'req/s':>7} {'× app':>6} {'median':>6} {'CPU/req':>8}  each slice"
    print(f"\n{title}\n{header}\n{'-' * len(header)}")
    compared: dict[str, dict] = {}
    for name, runs in slices.items():
        total = sum(map(form_requests, runs))
        share = total / base_total if base_total else 0.0
        each = [
            form_requests(mine) / form_requests(app) if form_requests(app) else 0.0
            for mine, app in zip(runs, base, strict=True)
        ]
        per = 1000 * cpu[name] / total if total else 0.0
        median = statistics.median(each) if each else 0.0
        print(
            f"{name:<40} {total / seconds if seconds else 0.0:>7.1f} {share:>6.3f}"
            f" {median:>6.3f} {per:>5.2f} ms  {', '.join(f'{x:.2f}' for x in each)}"
        )
        compared[name] = {
            "form_requests": total,
            "share_of_app": share,
            "median_share": median,
            "each_slice": each,
            "server_cpu_ms": per,
        }
    return compared


def status_counts(server: LiveServer) -> collections.Counter:
    """Responses per (method, path kind, status) from gunicorn's access log."""
    counts: collections.Counter = collections.Counter()
    for line in server.access_lines():
        found = ACCESS_RE.search(line)
        if found:
            path = re.sub(r"^/r/[^/?]+", "/r/[token]", found["path"])
            counts[(found["method"], path, int(found["status"]))] += 1
    return counts


def server_errors(server: LiveServer) -> list[str]:
    words = ("Traceback", "[ERROR]", "[CRITICAL]", "database is locked", "WORKER TIMEOUT")
    return [line for line in server.text().splitlines() if any(w in line for w in words)]


def check_database(database: Path, round_id: int, tokens: list[str], acks: set[str], items: int):
    """(missing acknowledged submissions, counts by state) after the run."""
    with sqlite3.connect(database) as db:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        rows = db.execute(
            "SELECT respondents.token, responses.status, responses.submitted_at,"
            " (SELECT COUNT(*) FROM answers WHERE answers.response_id = responses.id)"
            " FROM respondents LEFT JOIN responses ON responses.respondent_id = respondents.id"
            " WHERE respondents.round_id = ?",
            [round_id],
        ).fetchall()
    state = {token: (status, at, count) for token, status, at, count in rows}
    assert set(state) == set(tokens)
    whole = {
        token
        for token, (status, at, count) in state.items()
        if status == "submitted" and at and count == items
    }
    counts = collections.Counter(status or "none" for status, _at, _count in state.values())
    counts["submitted whole"] = len(whole)
    return sorted(acks - whole), integrity, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run-time", default="120s", help="per locust run (default 120s)")
    parser.add_argument("--users", type=int, default=200, help="respondents (default 200)")
    parser.add_argument("--spawn-rate", type=int, default=20, help="users started per second")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="default: cores")
    parser.add_argument("--out", type=Path, help="folder for logs and CSVs (default: a temp one)")
    parser.add_argument(
        "--slices", type=int, default=1, help="alternate app and hello world N times (default 1)"
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="4 respondents for 3 s, one worker, two slices, the second also against the app"
        " without every fast-path piece (a check that it still runs)",
    )
    parser.add_argument(
        "--compare",
        metavar="PIECES",
        help="also serve the app without fast-path pieces (variants.py), one server per"
        " comma-separated entry (pieces joined by '+' go together), and run each in every"
        " slice after the first, in turn with the app and hello world; needs --slices 2+",
    )
    args = parser.parse_args(argv)
    if args.smoke:  # and the app without every piece at once, so that no switch rots
        args.users, args.spawn_rate, args.run_time, args.workers = 4, 4, "3s", 1
        args.compare = args.compare or "+".join(variants.PIECES)
        args.slices = max(args.slices, 2)
    _seconds(args.run_time)  # refuse a bad run time before doing anything
    if args.slices < 1:
        parser.error("--slices takes 1 or more")
    compare = [entry.split("+") for entry in (args.compare or "").split(",") if entry]
    for pieces in compare:
        unknown = set(pieces) - set(variants.PIECES)
        if unknown:
            parser.error(
                f"--compare: no piece {', '.join(sorted(unknown))}"
                f" (known: {', '.join(variants.PIECES)})"
            )
    if compare and args.slices < 2:
        parser.error("--compare needs --slices 2 or more (the first slice submits)")

    folder = args.out or Path(tempfile.mkdtemp(prefix="partnership-load-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"Output in {folder}")
    print(
        f"Machine: {os.cpu_count()} cores, {platform.machine()}, Python"
        f" {platform.python_version()}, SQLite {sqlite3.sqlite_version}; locust runs here too."
    )
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    print(f"Started {started}, load average {load_average()}", flush=True)

    database = folder / "load.sqlite3"
    app = make_instance(folder / "instance", database)
    current, tokens = prepare_round(app, args.users)
    questionnaire, kind = current.questionnaire, current.kind
    items = sum(1 for item in questionnaire.items() if item.applies(kind))
    respondents = [
        {
            "token": token,
            "draft": draft_answers(questionnaire, kind, n),
            "submit": complete_answers(questionnaire, kind, n),
        }
        for n, token in enumerate(tokens)
    ]
    respondents_file = folder / "respondents.json"
    respondents_file.write_text(json.dumps({"respondents": respondents}), encoding="utf-8")
    acks_file = folder / "acks.txt"
    acks_file.write_text("", encoding="utf-8")
    keys_file = folder / "answer-keys.jsonl"
    keys_file.write_text("", encoding="utf-8")

    # The app (respondents open, save and submit, then keep opening their form) and the
    # bare hello world, same gunicorn and locust settings, GET only: --slices times each,
    # alternately, both servers up throughout.
    server = LiveServer(
        serve_command(args.workers),
        folder,
        workers=args.workers,
        env={"ASSESSMENT_INSTANCE_PATH": str(folder / "instance")},
        name="assessment",
    )
    hello = LiveServer(
        hello_command(args.workers), folder, workers=args.workers, ready_path="/", name="hello"
    )
    # With --compare, the app without some pieces (variants.py), one server each, on the
    # same database; they run only in the slices after the first, when every respondent
    # has submitted and each server gets the same requests.
    others = {
        variant_name(pieces): LiveServer(
            variant_command(folder / "instance", args.workers),
            folder,
            workers=args.workers,
            env={
                "LOAD_WITHOUT": ",".join(pieces),
                "PYTHONPATH": os.pathsep.join(
                    filter(None, [str(HERE), os.environ.get("PYTHONPATH")])
                ),
            },
            name="without-" + "-".join(pieces),
        )
        for pieces in compare
    }
    app_slices: list[dict] = []
    hello_slices: list[dict] = []
    app_cpu = {"server": 0.0, "locust": 0.0}
    hello_cpu = {"server": 0.0, "locust": 0.0}
    compared: dict[str, list[dict]] = {"app (every piece)": [], **{n: [] for n in others}}
    compared_cpu = dict.fromkeys(compared, 0.0)
    load_averages: list[str] = []
    try:
        for live in (server, hello, *others.values()):
            live.start()
            print(f"$ {shlex.join(live.command)}  (port {live.port})", flush=True)
        for number in range(args.slices):
            env = {
                "LOAD_RESPONDENTS": str(respondents_file),
                "LOAD_ACKS": str(acks_file),
                "LOAD_KEYS": str(keys_file),
            }
            if number:
                env["LOAD_SUBMITTED"] = "1"  # everybody submitted in the first slice
            runs = [
                ("app", server, "Respondent", app_slices, app_cpu, env),
                ("hello", hello, "Hello", hello_slices, hello_cpu, {}),
            ]
            if number:
                runs += [
                    (name, live, "Respondent", compared[name], None, env)
                    for name, live in others.items()
                ]
                turn = (number - 1) % len(runs)  # each in every position in turn
                runs = runs[turn:] + runs[:turn]
            load_averages.append(load_average())
            for label, live, user, stats, cpu, user_env in runs:
                into = folder
                if args.slices > 1:
                    into = folder / f"slice{number + 1}" / label.replace(" ", "-")
                    into.mkdir(parents=True, exist_ok=True)
                    print(
                        f"slice {number + 1} of {args.slices}: {label}"
                        f" (load average {load_average()})",
                        flush=True,
                    )
                prefix, used = measured_locust(live, user, live.port, args, into, user_env)
                stats.append(read_stats(prefix))
                if cpu is not None:
                    for who, seconds in used.items():
                        cpu[who] += seconds
                if number and label in ("app", *others):
                    name = "app (every piece)" if label == "app" else label
                    if label == "app":
                        compared[name].append(stats[-1])
                    compared_cpu[name] += used["server"]
    finally:
        server.stop()
        hello.stop()
        for live in others.values():
            live.stop()
    app_statuses = status_counts(server)
    app_errors = server_errors(server)
    for live in others.values():
        app_statuses.update(status_counts(live))
        app_errors += server_errors(live)
    acks = set(acks_file.read_text(encoding="utf-8").split())
    missing, integrity, states = check_database(database, current.id, tokens, acks, items)
    hello_errors = server_errors(hello)
    seconds = _seconds(args.run_time) * args.slices
    app_stats = combine_stats(app_slices, seconds)
    hello_stats = combine_stats(hello_slices, seconds)
    sliced = f", {args.slices} slices of {args.run_time}" if args.slices > 1 else ""
    print_stats(
        f"assessment serve, {args.workers} workers, {args.users} respondents{sliced}", app_stats
    )
    print_stats(f"hello world, same gunicorn settings, {args.users} users", hello_stats)
    form_rate = float(app_stats[FORM_GET]["Requests/s"]) if FORM_GET in app_stats else 0.0
    hello_rate = float(hello_stats[HELLO_GET]["Requests/s"]) if HELLO_GET in hello_stats else 0.0
    ratio = form_rate / hello_rate if hello_rate else 0.0
    p95 = float(app_stats[FORM_GET]["95%"]) if FORM_GET in app_stats else 0.0
    meets = ratio >= FLOOR_RATIO and p95 <= FLOOR_P95_MS
    print(
        f"\nForm page throughput: {form_rate:.1f} req/s = {ratio:.2f} × hello world's"
        f" {hello_rate:.1f} req/s; p95 {p95:.0f} ms"
    )
    floor = f"≥ {FLOOR_RATIO} × hello world and p95 ≤ {FLOOR_P95_MS} ms"
    if args.smoke or args.users != FLOOR_USERS:
        print(f"Load floor ({floor} with {FLOOR_USERS} respondents): not judged by this run")
    else:
        verdict = "MET" if meets else "NOT MET"
        print(f"Load floor ({floor} with {FLOOR_USERS} respondents): {verdict}")
    print(f"Load average at each slice's start: {'; '.join(load_averages)}; now {load_average()}")
    comparison = {}
    if others:
        seconds_each = _seconds(args.run_time) * (args.slices - 1)
        comparison = print_comparison(compared, compared_cpu, seconds_each)
    runs = (("assessment", app_cpu, app_stats), ("hello", hello_cpu, hello_stats))
    for label, cpu, stats in runs:
        print_cpu(f"{label} run", cpu, int(stats.get("Aggregated", {}).get("Request Count", 0)))
    print("\nServer responses by status (access log):")
    for (method, path, status), count in sorted(app_statuses.items()):
        print(f"  {method} {path} {status}: {count}")
    server_5xx = sum(c for (_m, _p, status), c in app_statuses.items() if status >= 500)
    print(
        f"\nDatabase: integrity {integrity}; responses {dict(states)};"
        f" {len(acks)} submissions acknowledged, {len(missing)} of them missing"
    )
    if missing:
        print(f"  missing: {missing}")
    for line in app_errors + hello_errors:
        print(f"  server log: {line}")

    failures = sum(
        int(stats.get("Aggregated", {}).get("Failure Count", 0))
        for stats in (app_stats, hello_stats)
    )
    summary = {
        "run_time": args.run_time,
        "slices": args.slices,
        "users": args.users,
        "spawn_rate": args.spawn_rate,
        "workers": args.workers,
        "cores": os.cpu_count(),
        "app": app_stats,
        "hello": hello_stats,
        "ratio": ratio,
        "form_p95_ms": p95,
        "floor_met": meets,
        "compared": comparison,
        "load_averages": load_averages,
        "started": started,
        "cpu_seconds": {"app": app_cpu, "hello": hello_cpu},
        "acknowledged": len(acks),
        "missing": missing,
        "states": dict(states),
        "integrity": integrity,
        "server_5xx": server_5xx,
        "server_errors": app_errors + hello_errors,
        "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    bad = missing or integrity != "ok" or server_5xx or app_errors or hello_errors or failures
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
