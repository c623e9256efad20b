"""The background queue: tasks in immediate mode, and a real ``assessment worker``."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import time

import pytest
from flask import current_app, g
from live_server_helpers import LiveServer, group_members, make_instance, serve_command

from assessment import create_app
from assessment.jobs import queue, tasks
from assessment.jobs.process import WorkerProcess, worker_command

runs: list[tuple[str, bool]] = []


@queue.task()
def record_app(label: str) -> None:
    """A test task: which app it ran in, and whether it had a fresh ``g``."""
    runs.append((current_app.config["DATABASE"], "marker" not in g))
    runs.append((label, True))


@pytest.fixture
def immediate_app(tmp_path, template_database):
    import shutil

    database = tmp_path / "jobs-test.sqlite3"
    shutil.copyfile(template_database, database)
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-only-secret",
            "DATABASE": str(database),
            "JOBS_IMMEDIATE": True,
        },
        instance_path=str(tmp_path / "instance"),
    )


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return bool(predicate())


def test_immediate_mode_runs_a_task_at_once_in_a_fresh_app_context(immediate_app):
    runs.clear()
    with immediate_app.test_request_context("/"):
        g.marker = "the request's g"
        queue.enqueue(record_app, "hello")
    assert runs == [(immediate_app.config["DATABASE"], True), ("hello", True)]
    # Immediate mode keeps its queue in memory: no file is made.
    assert not os.path.exists(immediate_app.config["JOBS_DATABASE"])


def test_calling_a_task_runs_it_here_and_only_declared_functions_queue(immediate_app):
    runs.clear()
    with immediate_app.app_context():
        record_app("direct")  # a plain function call, in the caller's context
        with pytest.raises(LookupError, match="not declared"):
            queue.enqueue(wait_for, lambda: True, 1)
    assert runs[-1] == ("direct", True)


def test_a_task_declared_after_the_queue_was_built_is_registered_when_queued(immediate_app):
    """The queue does not import the tasks (they import it): a module that declares a
    task after an app built its queue still gets it run."""
    runs.clear()
    with immediate_app.app_context():
        built = queue.queue_for(immediate_app)

        @queue.task()
        def late(label: str) -> None:
            runs.append((label, current_app._get_current_object() is immediate_app))

        assert f"{late.__module__}.{late.__qualname__}" not in built.tasks
        queue.enqueue(late, "declared late")
    assert runs == [("declared late", True)]


def test_the_worker_knows_every_task_periodic_ones_included(app):
    from assessment.cli import worker  # noqa: F401  (what `assessment worker` imports)

    built = queue.Queue(app)
    for func in (tasks.heartbeat, tasks.deliver_mail_every_minute, tasks.close_rounds_past_due):
        wrapper = built.tasks[f"{func.__module__}.{func.__qualname__}"]
        assert hasattr(wrapper.task_class, "validate_datetime")  # Huey's periodic tasks
    assert f"{tasks.send_reminders.__module__}.send_reminders" in built.tasks


def test_each_app_has_its_own_queue_file_made_only_when_used_and_private(app):
    path = app.config["JOBS_DATABASE"]
    assert path == os.path.join(app.instance_path, "jobs.sqlite3")
    assert not os.path.exists(path)  # an app that never queues makes no file
    with app.app_context():
        queue.enqueue(tasks.ping)
        assert queue.queue_for(app).pending() == 1  # not run: no worker here
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_the_worker_refuses_to_start_in_immediate_mode(immediate_app):
    result = immediate_app.test_cli_runner().invoke(args=["worker"])
    assert result.exit_code == 1
    assert "JOBS_IMMEDIATE" in result.output


def test_worker_check_fails_without_a_worker(app, monkeypatch):
    monkeypatch.setattr(time, "monotonic", _fast_clock())
    result = app.test_cli_runner().invoke(args=["worker", "--check"])
    assert result.exit_code == 1
    assert "no worker took the test task" in result.output
    assert "never seen" in result.output


def _fast_clock():
    """A monotonic clock that jumps 5 s per call, so a 15 s wait ends at once."""
    ticks = iter(range(0, 10_000, 5))
    return lambda: float(next(ticks))


@pytest.fixture
def instance(tmp_path):
    """An instance folder on a file database, as `assessment worker` reads it."""
    folder = tmp_path / "instance"
    app = make_instance(folder, tmp_path / "db.sqlite3")
    return folder, app


def test_a_real_worker_process_takes_tasks_queued_by_another_process(instance, tmp_path):
    folder, app = instance
    env = {**os.environ, "ASSESSMENT_INSTANCE_PATH": str(folder)}
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(worker_command(), env=env, stdout=log, stderr=log)
    try:
        with app.app_context():
            q = queue.queue_for(app)
            assert wait_for(lambda: q.last_beat() is not None, 20), "the worker never started"
            before = q.last_beat()
            queue.enqueue(tasks.ping)
            assert wait_for(lambda: q.last_beat() != before, 10)
            # Taken: the ping, and the periodic tasks the worker's scheduler queues at a
            # minute's turn (which can come between the two checks), all run.
            assert wait_for(lambda: q.pending() == 0, 10), q.pending()
        # `assessment worker --check` says so too, from a third process.
        check = subprocess.run(
            worker_command("--check"), env=env, capture_output=True, text=True, timeout=30
        )
        assert check.returncode == 0, check.stderr
        assert "A worker took the test task" in check.stdout
    finally:
        worker.send_signal(signal.SIGINT)  # Ctrl+C: finish the task in hand, then exit
        code = worker.wait(timeout=20)
        log.close()
    assert code == 0, (tmp_path / "worker.log").read_text()


def test_worker_process_is_started_again_when_it_dies_and_stopped_for_good(instance):
    folder, app = instance
    worker = WorkerProcess(str(folder), grace=10).start()
    try:
        first = worker.process.pid
        with app.app_context():
            q = queue.queue_for(app)
            assert wait_for(lambda: q.last_beat() is not None, 20)
        os.kill(first, signal.SIGKILL)
        assert wait_for(lambda: worker.process.pid != first and worker.alive(), 25)
        assert worker.restarts == 1
    finally:
        worker.stop()
    assert not worker.alive()
    time.sleep(1.5)  # the watcher does not start it again after stop()
    assert not worker.alive() and worker.restarts == 1


def test_serve_runs_the_worker_beside_gunicorn_and_stops_it_with_the_server(instance, tmp_path):
    folder, app = instance
    server = LiveServer(
        serve_command(1, with_worker=True),
        tmp_path,
        workers=1,
        env={"ASSESSMENT_INSTANCE_PATH": str(folder)},
    ).start()
    try:
        with app.app_context():
            q = queue.queue_for(app)
            assert wait_for(lambda: q.last_beat() is not None, 20), server.text()
            before = q.last_beat()
            queue.enqueue(tasks.ping)
            assert wait_for(lambda: q.last_beat() != before, 10), server.text()
        assert "Background worker started" in server.text()
        assert len(group_members(server.pgid)) == 3  # master, one web worker, the worker
        server.process.send_signal(signal.SIGINT)  # Ctrl+C in `make run`
        server.process.wait(timeout=30)
        # Nothing is left running: the master stopped the background worker itself.
        assert wait_for(lambda: not group_members(server.pgid), 10), group_members(server.pgid)
        assert "Background worker stopped" in server.text()
    finally:
        server.stop()


@pytest.mark.parametrize(("flag", "expected"), [([], True), (["--without-worker"], False)])
def test_serve_runs_the_worker_unless_told_not_to(runner, monkeypatch, flag, expected):
    calls = {}
    monkeypatch.setattr("assessment.server.run_gunicorn", lambda _path, **kw: calls.update(kw))
    result = runner.invoke(args=["serve", "--port", "9000", *flag])
    assert result.exit_code == 0, result.output
    assert (calls["worker_instance"] is not None) is expected
    assert ("background worker" in result.output) is expected
