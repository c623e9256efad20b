"""Fill a database with N clients × 8 rounds × 8 respondents × every item (six-signs).

    .venv/bin/python benchmarks/generate.py --clients 500 -o /tmp/bench-500.sqlite3

Rows go in through bulk SQL (the store's one-save-at-a-time path would take hours for a
million answers) but follow the app's schema exactly: rounds name the questionnaire
snapshot (stored once, as the store does), closed rounds carry their stored result,
computed by the real scoring engine.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assessment.anonymity import DEFAULT_FLOOR as FLOOR  # noqa: E402
from assessment.answers import NA, to_columns  # noqa: E402
from assessment.playbook import recommend  # noqa: E402
from assessment.questionnaire import load_questionnaire  # noqa: E402
from assessment.results import FLOOR_KEY, RoundOutcome, summary  # noqa: E402
from assessment.scoring import Response, score_round  # noqa: E402
from assessment.sqlite import connect  # noqa: E402
from assessment.store.snapshots import store_snapshot  # noqa: E402
from assessment.upgrade import upgrade  # noqa: E402

ROUNDS = 8
RESPONDENTS = 8
ROLES = ("account", "delivery", "finance", "leadership", "other")
INDUSTRIES = ("Retail", "Software", "Food", "Finance", "Health", "Logistics", "Media")


def _answer(item, health, rng):
    if item.type == "likert":
        a = 1 + health / 25 if item.direction == "healthy" else 5 - health / 25
        return max(1, min(5, round(a + rng.uniform(-0.7, 0.7))))
    if item.type == "number":
        return float(rng.randint(int(item.min), int(min(item.max, 60))))
    if item.type == "choice":
        return rng.choice(item.options).id
    return "Generated comment."


def generate(path: Path, clients: int, seed: int = 7) -> None:
    if path.exists():
        path.unlink()
    db = connect(str(path))
    upgrade(db)
    q = load_questionnaire(ROOT / "questions" / "six-signs.toml")
    digest = store_snapshot(db, q)
    rng = random.Random(seed)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    stamp = now.isoformat(timespec="seconds")
    db.execute(
        "INSERT INTO users (email, name, password_hash, role, created_at, updated_at)"
        " VALUES ('bench@example.com', 'Bench Lead', 'x', 'lead', ?, ?)",
        [stamp, stamp],
    )
    conn = db.conn
    started = time.perf_counter()
    for c in range(clients):
        conn.execute("BEGIN")
        cur = conn.execute(
            "INSERT INTO clients (name, industry, lead_id, notes, created_at, updated_at)"
            " VALUES (?, ?, 1, '', ?, ?)",
            [f"Client {c:05d}", rng.choice(INDUSTRIES), stamp, stamp],
        )
        client_id = cur.lastrowid
        base = rng.uniform(30, 90)
        previous = None
        for n in range(ROUNDS):
            kind = "kickoff" if n == 0 else "quarterly"
            opened = now - timedelta(days=92 * (ROUNDS - n))
            last = n == ROUNDS - 1 and c % 5 == 0  # every fifth client has an open round
            cur = conn.execute(
                "INSERT INTO rounds (client_id, kind, period, questionnaire_id,"
                " questionnaire_version, questionnaire_digest, anonymous, status,"
                " closed_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
                [
                    client_id,
                    kind,
                    f"{opened.year}-Q{(opened.month - 1) // 3 + 1}-{n}",
                    q.id,
                    q.version,
                    digest,
                    "open" if last else "closed",
                    None if last else (opened + timedelta(days=10)).isoformat(),
                    opened.isoformat(),
                    stamp,
                ],
            )
            round_id = cur.lastrowid
            health = max(0, min(100, base + rng.uniform(-15, 15)))
            scored = []
            for r in range(RESPONDENTS):
                role = ROLES[r % len(ROLES)]
                cur = conn.execute(
                    "INSERT INTO respondents (round_id, name, role, token, token_issued_at,"
                    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        round_id,
                        f"R{r}",
                        role,
                        f"t{round_id}-{r}-{rng.random()}",
                        stamp,
                        stamp,
                        stamp,
                    ],
                )
                cur = conn.execute(
                    "INSERT INTO responses (respondent_id, status, submitted_at, created_at,"
                    " updated_at) VALUES (?, 'submitted', ?, ?, ?)",
                    [cur.lastrowid, stamp, stamp, stamp],
                )
                response_id = cur.lastrowid
                answers = {}
                for item in q.items():
                    if not item.applies(kind):
                        continue
                    value = (
                        NA if rng.random() < 0.05 and item.scored else _answer(item, health, rng)
                    )
                    answers[item.id] = value
                conn.executemany(
                    "INSERT INTO answers (response_id, item_id, value_number, value_text,"
                    " not_applicable, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(response_id, k, *to_columns(v), stamp, stamp) for k, v in answers.items()],
                )
                scored.append(
                    Response(
                        respondent_id=str(r),
                        role=role,
                        answers={k: (None if v is NA else v) for k, v in answers.items()},
                    )
                )
            if not last:
                result = score_round(q, scored, kind=kind, previous=previous, floor=FLOOR)
                before = previous if kind != "kickoff" else None
                steps = recommend(q, result, previous=before)
                closing = RoundOutcome(result, before, None, steps)
                conn.execute(
                    "UPDATE rounds SET results = ? WHERE id = ?",
                    [json.dumps({**result.to_dict(), FLOOR_KEY: FLOOR}), round_id],
                )
                conn.execute(
                    "INSERT INTO round_summaries (round_id, summary, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?)",
                    [round_id, json.dumps(summary(closing)), stamp, stamp],
                )
                previous = result
        conn.execute("COMMIT")
        if (c + 1) % max(clients // 10, 1) == 0:
            elapsed = time.perf_counter() - started
            print(f"  {c + 1}/{clients} clients ({elapsed:.0f} s)", file=sys.stderr)
    answers = conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    conn.execute("ANALYZE")
    db.close()
    print(f"{path}: {clients} clients, {answers:,} answer rows", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, required=True)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    generate(args.output, args.clients)


if __name__ == "__main__":
    main()
