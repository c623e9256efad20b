"""Time the portfolio dashboard and a client's history at several database sizes.

    .venv/bin/python benchmarks/bench_dashboard.py --sizes 50 500 5000

Each size is generated once into /tmp (benchmarks/generate.py: N clients × 8 rounds ×
8 respondents × every item) and reused on later runs. Figures are medians over repeated
requests through Flask's test client, as a logged-in lead, template rendering included.
"""

from __future__ import annotations

import argparse
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
from assessment.portfolio import portfolio  # noqa: E402
from assessment.store import user_sessions  # noqa: E402
from benchmarks.generate import generate  # noqa: E402


def _median_ms(fn, repeat: int) -> float:
    fn()  # warm up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def bench(size: int, repeat: int, folder: Path = Path("/tmp")) -> dict:
    path = folder / f"partnership-bench-{size}.sqlite3"
    if not path.exists():
        generate(path, size)
    # CSRF stays on, as in production: the portfolio page renders the pack form's token.
    app = create_app(
        {"SECRET_KEY": "bench", "DATABASE": str(path)},
        instance_path=str(folder / f"partnership-bench-instance-{size}"),
    )
    client = app.test_client()
    with app.app_context():
        login = user_sessions.start(get_db(), 1, remember=False, lifetime=timedelta(hours=1))
    with client.session_transaction() as session:
        session["_user_id"] = login  # a login of user 1, as logging in would record it
        session["_fresh"] = True
    with app.app_context():
        answers = get_db().execute("SELECT COUNT(*) FROM answers").fetchone()[0]
        model_ms = _median_ms(lambda: portfolio(get_db()), repeat)

    def page(url):
        def get():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return get

    return {
        "clients": size,
        "answers": answers,
        "portfolio model": model_ms,
        "dashboard page": _median_ms(page("/portfolio/"), repeat),
        "filtered dashboard": _median_ms(page("/portfolio/?band=at-risk"), repeat),
        "client history page": _median_ms(page(f"/clients/{size // 2 + 1}"), repeat),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 500, 5000])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument(
        "--smoke", action="store_true", help="3 clients, one request each, in a temporary folder"
    )
    args = parser.parse_args()
    if args.smoke:
        with tempfile.TemporaryDirectory() as folder:
            rows = [bench(3, 1, Path(folder))]
    else:
        rows = [bench(size, args.repeat) for size in args.sizes]
    keys = list(rows[0])
    print(" | ".join(f"{k:>20}" for k in keys))
    for row in rows:
        print(
            " | ".join(
                f"{row[k]:>20,}" if isinstance(row[k], int) else f"{row[k]:>17.1f} ms" for k in keys
            )
        )


if __name__ == "__main__":
    main()
