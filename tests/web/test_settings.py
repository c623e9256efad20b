"""The instance settings: the secret key file, made once even when processes race."""

from __future__ import annotations

import multiprocessing
import os
import stat
from pathlib import Path

import pytest

from assessment.settings import SECRET_KEY_FILENAME, ConfigError, ensure_secret_key

PROCESSES = 8
ROUNDS = 15


def _key_when_released(instance: str, barrier, results) -> None:
    barrier.wait()  # every process asks for the key at the same moment
    try:
        results.put(("ok", ensure_secret_key(instance)))
    except Exception as exc:  # reported to the test, which names it
        results.put(("error", f"{type(exc).__name__}: {exc}"))


def _race(instance: Path, target, processes: int = PROCESSES) -> list[tuple[str, str]]:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(processes)
    results = context.Queue()
    workers = [
        context.Process(target=target, args=(str(instance), barrier, results))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    found = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    return found


def test_processes_starting_together_all_get_the_same_valid_key(tmp_path):
    for n in range(ROUNDS):  # a race that is lost only now and then must still never be lost
        instance = tmp_path / f"instance-{n}"
        instance.mkdir()
        found = _race(instance, _key_when_released)
        errors = [text for status, text in found if status == "error"]
        assert not errors, f"round {n}: {errors}"
        keys = {key for _status, key in found}
        assert len(keys) == 1, f"round {n}: {len(keys)} different keys"
        (key,) = keys
        assert len(key) == 64
        key_file = instance / SECRET_KEY_FILENAME
        assert key_file.read_text(encoding="ascii") == key + "\n"
        assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
        assert sorted(p.name for p in instance.iterdir()) == [SECRET_KEY_FILENAME]  # no leftovers


def _app_when_released(instance: str, barrier, results) -> None:
    from assessment import create_app

    barrier.wait()
    try:
        app = create_app(instance_path=instance)
        results.put(("ok", app.config["SECRET_KEY"]))
    except Exception as exc:
        results.put(("error", f"{type(exc).__name__}: {exc}"))


def test_servers_starting_together_on_a_new_instance_share_one_key(tmp_path):
    instance = tmp_path / "instance"
    found = _race(instance, _app_when_released, processes=4)
    assert [status for status, _key in found] == ["ok"] * 4, found
    assert len({key for _status, key in found}) == 1


def test_an_existing_key_is_read_back(tmp_path):
    (tmp_path / SECRET_KEY_FILENAME).write_text("k" * 64 + "\n", encoding="ascii")
    assert ensure_secret_key(str(tmp_path)) == "k" * 64


def test_an_empty_key_file_is_refused_with_its_name(tmp_path):
    (tmp_path / SECRET_KEY_FILENAME).write_text("", encoding="ascii")
    with pytest.raises(ConfigError, match=SECRET_KEY_FILENAME):
        ensure_secret_key(str(tmp_path))
