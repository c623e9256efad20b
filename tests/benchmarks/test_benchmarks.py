"""Every benchmark still runs: each script's ``--smoke`` mode (tiny sizes, seconds).

The figures themselves are not asserted (benchmarks/README.md holds them); what fails
here is a benchmark that no longer runs against today's code, schema or pages, which
would otherwise rot unseen until someone needs the figure.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
BENCHMARKS = ROOT / "benchmarks"

#: Each script under benchmarks/ that is run (not imported) and what its smoke run prints
#: when it got to the end.
SCRIPTS = {
    "bench_scoring.py": "score_round, 200 respondents",
    "bench_dashboard.py": "client history page",
    "bench_invitations.py": "remind",
    "bench_pack.py": "second pack, nothing changed",
    "bench_report.py": "portfolio 2026-Q4, 2 clients",
    "bench_round_read.py": "round read: done",
    "load/run_load.py": "0 of them missing",
}
#: Modules the scripts import, not run on their own.
LIBRARIES = {
    "__init__.py",
    "generate.py",
    "load/hello.py",
    "load/locustfile.py",
    "load/variants.py",
}


def test_every_script_has_a_smoke_run():
    found = {str(p.relative_to(BENCHMARKS)) for p in BENCHMARKS.rglob("*.py")}
    assert found == set(SCRIPTS) | LIBRARIES, "a new benchmark needs a smoke run here"
    for name in SCRIPTS:
        assert "--smoke" in (BENCHMARKS / name).read_text(encoding="utf-8"), name


@pytest.mark.benchmark
@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_benchmark_runs_in_smoke_mode(script, tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert SCRIPTS[script] in done.stdout, done.stdout[-3000:]
