"""Time the scoring engine on one round: 20 respondents × 30 items, and 200 respondents.

    .venv/bin/python benchmarks/bench_scoring.py [--file questions/six-signs.toml] [--repeat 15]
                                                 [--decimal-weights] [--check]

Without --file, a synthetic questionnaire of 6 signs × 5 scored items (3 likert, 1 number,
1 choice) plus one text item per sign is built in code, so the figures do not move when the
real questionnaire is edited. Answers are random but seeded; one answer in ten is N/A, number
answers are arbitrary decimals (the slow case for exact arithmetic). `--decimal-weights` gives
items and signs weights such as 0.1, 1.2 and 0.333 instead of whole ones.

Each figure is the median of `--repeat` timed calls after one warm-up call, as wall-clock time
(time.perf_counter) and as this process's CPU time (time.process_time): on a shared machine
the CPU time is the steadier of the two. `--check` exits with status 1 when a round's CPU time
misses its target (20 × 30 under 10 ms, 200 × 30 under 100 ms).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assessment.playbook import ActionRecord, recommend
from assessment.questionnaire import Questionnaire, load_questionnaire
from assessment.scoring import Response, RoundResult, score_round

ROLES = ("account", "delivery", "finance", "leadership", "other")


def _text(label: str) -> dict:
    return {"en": label, "zh-CN": f"{label}（中文）"}


#: The time budget of one `score_round` call (issue 14), by number of respondents.
TARGETS_MS = {20: 10.0, 200: 100.0}
DECIMAL_WEIGHTS = (0.1, 0.2, 1.2, 0.333, 2.5)


def synthetic_questionnaire(signs: int = 6, *, decimal_weights: bool = False) -> Questionnaire:
    """6 signs × (3 likert + 1 number + 1 choice + 1 text) items, 4 bands."""

    def weight(n: int, whole: float) -> float:
        return DECIMAL_WEIGHTS[n % len(DECIMAL_WEIGHTS)] if decimal_weights else whole

    band_ids = ("healthy", "watch", "at-risk", "critical")
    bands = [
        {"id": b, "min": m, "colour": "#336699", "label": _text(b), "verdict": _text(b)}
        for b, m in zip(band_ids, (75, 55, 35, 0), strict=True)
    ]
    rec = {"text": _text("Do something."), "owner": "account"}
    signs_data = []
    for s in range(signs):
        items = [
            {
                "id": f"s{s}_l{i}",
                "type": "likert",
                "direction": "warning" if i % 2 else "healthy",
                "text": _text(f"Statement {s}.{i}"),
                "weight": weight(s + i, 1.0),
            }
            for i in range(3)
        ]
        items.append(
            {
                "id": f"s{s}_n",
                "type": "number",
                "unit": _text("days"),
                "min": 0,
                "max": 365,
                "text": _text("Days late"),
                "breakpoints": [
                    {"value": 0, "score": 100},
                    {"value": 30, "score": 50},
                    {"value": 90, "score": 0},
                ],
            }
        )
        items.append(
            {
                "id": f"s{s}_c",
                "type": "choice",
                "text": _text("How often?"),
                "options": [
                    {"id": o, "label": _text(o), "score": v}
                    for o, v in (("always", 100), ("sometimes", 50), ("never", 0))
                ],
            }
        )
        items.append({"id": f"s{s}_t", "type": "text", "text": _text("Anything else?")})
        signs_data.append(
            {
                "id": f"sign{s}",
                "title": _text(f"Sign {s}"),
                "description": _text(f"Sign {s}"),
                "weight": weight(s, 1 + s % 2),
                "items": items,
                "recommendations": {b: rec for b in band_ids[1:]},
                "persisting": rec,
            }
        )
    return Questionnaire.model_validate(
        {
            "id": "bench",
            "version": 1,
            "title": _text("Benchmark"),
            "description": _text("Synthetic questionnaire"),
            "scale": {"likert": [_text(str(n)) for n in range(1, 6)], "na": _text("N/A")},
            "settings": {
                "min_respondents": 3,
                "escalate_from": "at-risk",
                "recommend_from": "watch",
            },
            "bands": bands,
            "signs": signs_data,
        }
    )


def random_responses(q: Questionnaire, n: int, seed: int = 1) -> list[Response]:
    rng = random.Random(seed)
    responses = []
    for r in range(n):
        answers: dict[str, object] = {}
        for item in q.items():
            if rng.random() < 0.1:
                answers[item.id] = None
            elif item.type == "likert":
                answers[item.id] = rng.randint(1, 5)
            elif item.type == "number":
                low, high = item.min, min(item.max, item.breakpoints[-1].value * 1.5)
                value = rng.uniform(low, high)
                answers[item.id] = round(value) if item.integer else value
            elif item.type == "choice":
                answers[item.id] = rng.choice(item.options).id
            else:
                answers[item.id] = "Some words about this sign."
        responses.append(Response(f"r{r}", rng.choice(ROLES), answers))
    return responses


def median_ms(call, repeat: int) -> tuple[float, float]:
    """(wall-clock, CPU) milliseconds of one call, medians of `repeat` calls."""
    call()  # warm-up
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        call()
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, help="a questionnaire TOML instead of the synthetic")
    parser.add_argument("--repeat", type=int, default=15, help="timed calls per figure")
    parser.add_argument(
        "--decimal-weights", action="store_true", help="synthetic weights 0.1, 0.2, 1.2, 0.333…"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="one timed call per figure (a check that it still runs)",
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.repeat = 1

    if args.file:
        q = load_questionnaire(args.file)
    else:
        q = synthetic_questionnaire(decimal_weights=args.decimal_weights)
    items = sum(len(s.scored_items("quarterly")) for s in q.signs)
    print(f"questionnaire {q.id} v{q.version}: {len(q.signs)} signs, {items} scored items")
    print(f"python {platform.python_version()} on {platform.machine()}")

    previous = score_round(q, random_responses(q, 20, seed=2), kind="quarterly")
    actions = [ActionRecord(s.id, "done", "2024-04-02", "action") for s in q.signs]
    rows = []
    missed = []
    for n in (20, 200):
        responses = random_responses(q, n)

        def score(responses=responses):
            return score_round(q, responses, kind="quarterly", previous=previous)

        result = score()
        stored = json.dumps(result.to_dict())
        figures = median_ms(score, args.repeat)
        rows.append((f"score_round, {n} respondents × {items} items", figures))
        if figures[1] >= TARGETS_MS[n]:
            missed.append(f"{n} respondents: {figures[1]:.1f} ms CPU, target {TARGETS_MS[n]:g} ms")
        if n == 20:
            rows.append(
                (
                    "recommend (with previous round and actions)",
                    median_ms(
                        lambda result=result: recommend(
                            q,
                            result,
                            previous=previous,
                            actions=actions,
                            previous_closed_at="2024-03-31",
                        ),
                        args.repeat,
                    ),
                )
            )
            rows.append(
                (
                    "to_dict + json dumps/loads + from_dict",
                    median_ms(
                        lambda result=result: RoundResult.from_dict(
                            json.loads(json.dumps(result.to_dict()))
                        ),
                        args.repeat,
                    ),
                )
            )
            assert RoundResult.from_dict(json.loads(stored)) == result
    width = max(len(label) for label, _ in rows)
    print(f"{'':<{width}}  {'wall':>11}  {'CPU':>11}   (medians of {args.repeat})")
    for label, (wall, cpu) in rows:
        print(f"{label:<{width}}  {wall:8.3f} ms  {cpu:8.3f} ms")
    if args.check and missed:
        print("missed:", "; ".join(missed))
        raise SystemExit(1)


if __name__ == "__main__":
    main()
