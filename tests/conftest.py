"""Shared fixtures in the style of the Flask tutorial: app, client, runner, auth."""

from __future__ import annotations

import contextlib
import inspect
import re
import shutil
from functools import cache
from pathlib import Path

import pytest
from hypothesis import settings
from jinja2 import BytecodeCache
from live_server_helpers import CSRF_RE  # one pattern for the tests and the live servers
from werkzeug.security import generate_password_hash

from assessment import create_app
from assessment.db import get_db
from assessment.store import users

# Property tests assert what holds, never how fast: Hypothesis's per-example deadline is a
# timing test, and it failed on a busy machine (289 ms against 200 ms). Speed belongs to
# benchmarks/.
settings.register_profile("no-deadline", deadline=None)
settings.load_profile("no-deadline")

REPO_ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
#: The fixture users' password hash: scrypt, checked by the app's own code, but with a cost
#: of 2**10 instead of werkzeug's 2**15, which took 0.1-0.3 s per login (hundreds of tests
#: log in). Users the app creates, in tests too, get the app's full-cost hash
#: (tests/web/test_auth.py checks it).
FIXTURE_HASH_METHOD = "scrypt:1024:8:1"


class SharedTemplateCode(BytecodeCache):
    """Compiled templates shared by every app of a test process.

    Each test has an app of its own, and each app its own Jinja environment, which compiled
    every template it rendered again (a third of an app's first request). The compiled code
    depends only on the template's source (the checksum Jinja compares), its file and the
    environment's compiler options, so it is kept under those; the app, its database and its
    globals stay the test's own.
    """

    def __init__(self):
        self._code = {}

    @staticmethod
    def _options(environment) -> tuple:
        return (
            environment.block_start_string,
            environment.variable_start_string,
            environment.comment_start_string,
            environment.line_statement_prefix,
            environment.trim_blocks,
            environment.lstrip_blocks,
            environment.optimized,
            # Flask's is a method of the app: the same function for every app.
            getattr(environment.autoescape, "__func__", environment.autoescape),
            getattr(environment, "newstyle_gettext", None),
            tuple(sorted(environment.extensions)),
        )

    def load_bytecode(self, bucket) -> None:
        key = (bucket.key, bucket.checksum, self._options(bucket.environment))
        bucket.code = self._code.get(key)

    def dump_bytecode(self, bucket) -> None:
        key = (bucket.key, bucket.checksum, self._options(bucket.environment))
        self._code[key] = bucket.code


TEMPLATE_CODE = SharedTemplateCode()


def make_app(config: dict, instance_path: str):
    """An app for a test, built by the app factory, with its templates' code shared."""
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "test-only-secret", **config}, instance_path=instance_path
    )
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    return app


@pytest.fixture(scope="session")
def template_database(tmp_path_factory):
    """A migrated database with one user per role, made once and copied per test.

    Password hashing is slow by design; doing it once keeps the suite fast.
    """
    from assessment.sqlite import connect
    from assessment.upgrade import upgrade

    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    db = connect(str(path))
    upgrade(db)
    for role in users.USER_ROLES:
        users.create_user(
            db, email=f"{role}@example.com", password=PASSWORD, role=role, name=role.title()
        )
    db.execute(
        "UPDATE users SET password_hash = ?",
        [generate_password_hash(PASSWORD, method=FIXTURE_HASH_METHOD)],
    )
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


@pytest.fixture(scope="session")
def demo_database(template_database, tmp_path_factory):
    """The template database with the demo data loaded (``load_demo``), made once and
    copied for each test that asks for ``demo``: loading it took 0.3-0.8 s a test."""
    from assessment.demo import load_demo
    from assessment.questionnaire import load_directory

    base = tmp_path_factory.mktemp("demo-template")
    path = base / "demo.sqlite3"
    shutil.copyfile(template_database, path)
    app = make_app(
        {"DATABASE": str(path), "QUESTIONS_DIR": str(REPO_ROOT / "questions")},
        instance_path=str(base / "instance"),
    )
    with app.app_context():
        db = get_db()
        load_demo(db, load_directory(app.config["QUESTIONS_DIR"]))
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def demo(app):
    """The demo data (``assessment demo``) in the test's own database: the ``app`` fixture
    starts that database as a copy of ``demo_database`` when a test asks for this."""
    from assessment.demo import DEMO_USERS

    with app.app_context():
        assert users.find_by_email(get_db(), DEMO_USERS[0].email), "an app without the demo"


@pytest.fixture
def app(request, tmp_path, template_database):
    database = tmp_path / "test.sqlite3"
    if "demo" in request.fixturenames:
        shutil.copyfile(request.getfixturevalue("demo_database"), database)
    else:
        shutil.copyfile(template_database, database)
    yield make_app(
        {"DATABASE": str(database), "QUESTIONS_DIR": str(REPO_ROOT / "questions")},
        instance_path=str(tmp_path / "instance"),
    )


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client, url: str = "/login") -> str:
    """The CSRF token from a page's form, as a browser would send it back."""
    page = client.get(url, follow_redirects=True).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, role: str = "lead", password: str = PASSWORD):
        return self._client.post(
            "/login",
            data={
                "email": f"{role}@example.com",
                "password": password,
                "csrf_token": csrf_token(self._client),
            },
        )

    def logout(self):
        token = csrf_token(self._client, "/")
        return self._client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    return AuthActions(client)


ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
# Flags for a sandboxed, offline machine: no GPU, no background calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a free loopback port, in a thread."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (browser downloads are not possible here)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under tests/artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, base: str, email: str, password: str = PASSWORD) -> None:
    """Log in through the login form of the server at ``base`` in a real browser, and wait
    for the home page."""
    page.goto(f"{base}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("#submit").click()
    page.wait_for_url(f"{base}/")


_LOADED_QUESTIONNAIRES: dict[tuple, dict] = {}


@pytest.fixture
def questionnaires(app):
    """The app's questionnaires, read once per test process for each state of the folder.

    A questionnaire is immutable (frozen, its lists tuples), so tests can share the objects;
    each test gets a dict of its own, and a changed or new ``*.toml`` file is read again.
    """
    from assessment.questionnaire import load_directory

    folder = Path(app.config["QUESTIONS_DIR"])
    state = tuple(
        (file.name, file.stat().st_mtime_ns, file.stat().st_size)
        for file in sorted(folder.glob("*.toml"))
    )
    key = (str(folder.resolve()), state)
    if key not in _LOADED_QUESTIONNAIRES:
        _LOADED_QUESTIONNAIRES[key] = load_directory(folder)
    return dict(_LOADED_QUESTIONNAIRES[key])


@pytest.fixture
def make_round(app, questionnaires):
    """Create a client and a round with ``respondents`` invitations; returns ids and tokens."""
    from assessment.store import clients, rounds
    from assessment.store.respondents import add_respondent

    def make(
        *,
        kind="quarterly",
        period="2026-Q4",
        respondents=3,
        questionnaire="six-signs",
        client="Acme",
        anonymous=True,
        contacts=0,
        client_display="combined",
        client_floor=2,
    ):
        """``contacts``: client contacts, answering the questionnaire's mirror (pinned
        with the round whenever the questionnaire has one, as the New round page does);
        returned after the team's people."""
        with app.app_context():
            db = get_db()
            found = clients.find_by_name(db, client)
            client_row = found or clients.create_client(db, name=client, industry="Retail")
            created = rounds.create_round(
                db,
                client_id=client_row.id,
                kind=kind,
                period=period,
                questionnaire=questionnaires[questionnaire],
                anonymous=anonymous,
                mirror=questionnaires.get(questionnaires[questionnaire].mirror or ""),
                client_display=client_display,
                client_floor=client_floor,
            )
            people = [
                add_respondent(db, created.id, name=f"Person {n}", role="delivery")
                for n in range(respondents)
            ]
            people += [
                add_respondent(
                    db, created.id, name=f"Client {n}", side="client", client_role="owner"
                )
                for n in range(contacts)
            ]
        return created, people

    return make


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """An app on its own database with the demo data, shared by one test module."""
    from assessment.demo import load_demo
    from assessment.questionnaire import load_directory

    base = tmp_path_factory.mktemp("demo")
    app = make_app(
        {"DATABASE": str(base / "demo.sqlite3"), "QUESTIONS_DIR": str(REPO_ROOT / "questions")},
        instance_path=str(base / "instance"),
    )
    with app.app_context():
        load_demo(get_db(), load_directory(app.config["QUESTIONS_DIR"]))
    return app


@pytest.fixture
def smtp():
    """A real SMTP server on 127.0.0.1 (aiosmtpd), for the tests of mail: its ``config()``
    points an app at it, its ``messages`` are what it received (smtp_helpers.py)."""
    from smtp_helpers import SmtpServer

    server = SmtpServer().start()
    yield server
    server.stop()


class StatementLog:
    """The SQL statements the app's database connections run while ``counting()``, as
    SQLite hands them to ``sqlite3.Connection.set_trace_callback``: every statement,
    BEGIN and COMMIT included, with its parameters filled in."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self._on = False

    def seen(self, sql: str) -> None:
        if self._on:
            self.statements.append(" ".join(sql.split()))

    @contextlib.contextmanager
    def counting(self):
        self.statements.clear()
        self._on = True
        try:
            yield self.statements
        finally:
            self._on = False


@pytest.fixture
def sql_statements(monkeypatch):
    """A ``StatementLog`` of every connection an app context borrows from now on
    (``db.ConnectionKeeper.acquire``): ``with sql_statements.counting() as seen: ...``."""
    from assessment.db import ConnectionKeeper

    log = StatementLog()
    acquire = ConnectionKeeper.acquire

    def traced(keeper):
        database = acquire(keeper)
        database.conn.set_trace_callback(log.seen)
        return database

    monkeypatch.setattr(ConnectionKeeper, "acquire", traced)
    yield log
    log._on = False


# --- the fast tier ----------------------------------------------------------------------------

#: Modules whose tests render PDFs, start servers (gunicorn, the worker, several processes)
#: or time things: ``make test`` runs them, ``make test-fast`` (``-m "not slow"``) does not.
SLOW_MODULES = frozenset(
    {
        "test_concurrency",  # gunicorn and concurrent writers
        "test_curious_lead",  # a real server, every page of every round
        "test_demo",  # the whole demo, with its reports
        "test_faults",  # processes killed mid-write
        "test_jobs",  # a real worker process
        "test_jobs_mail",  # a real worker and SMTP server
        "test_jobs_reports",  # renders reports
        "test_limits",  # gunicorn and oversized bodies
        "test_live_security",  # a real server
        "test_packs",  # leadership packs (PDFs)
        "test_report_fonts",
        "test_report_pdf",
        "test_report_tagged",
        "test_sqlite",  # processes contending for the write lock
    }
)
#: Single tests (``file::name``, or ``file::name[parameters]`` for one case) that are slow
#: wherever they are: they race several processes (forked or spawned, each importing the
#: app), as test_sqlite and test_faults do, or visit every page, a round's PDF report among
#: them, or make a report or pack. ``_fast_tier_guard`` below fails a fast test that renders
#: a PDF or starts a server.
SLOW_TESTS = frozenset(
    {
        "test_settings.py::test_processes_starting_together_all_get_the_same_valid_key",
        "test_settings.py::test_servers_starting_together_on_a_new_instance_share_one_key",
        "test_upgrade.py::test_processes_starting_together_migrate_once",
        "test_access_matrix.py::test_access_matrix",
        "test_security.py::test_every_page_is_no_store_and_static_files_keep_their_own",
        "test_client_access.py::test_a_client_link_reaches_its_own_form_and_nothing_else"
        "[client summary shared]",
        "test_evidence_web.py::test_every_page_against_every_kind_of_visitor[share_link]",
        "test_branding.py::test_both_pdfs_show_the_firms_name_and_embed_its_logo",
        "test_report_cache.py::test_the_pack_renders_only_what_changed",
        "test_report_cli.py::test_report_to_standard_output_with_the_latest_round",
        "test_report_environment.py::test_pack_workers_build_no_web_app_and_touch_no_database",
    }
)
#: Tests whose code names a PDF but renders none (a member refused the report, paths
#: refused before any work, a cache's name): fast, whatever ``PDF_WORDS`` guesses.
NO_PDF_TESTS = frozenset(
    {
        "test_cli_options.py::test_every_writer_refuses_the_same_paths_before_working",
        "test_fastpath.py::test_the_sites_are_found",
        "test_results.py::test_members_cannot_see_results",
    }
)
#: Folders all of whose tests are slow, and fixtures that make a test slow wherever it is.
SLOW_FOLDERS = frozenset({"browser", "benchmarks"})
SLOW_FIXTURES = frozenset(
    {"smtp", "live_server", "page", "browser", "live_app", "receivers"}  # receivers: HTTP
)
#: A test whose own code asks for a PDF (a download, a render, reading one back) renders one.
PDF_WORDS = re.compile(r"\.pdf\b|render_pdf|html_to_pdf|cached_pdf|_pdf_text|pdfplumber|pypdf")


@cache
def _asks_for_a_pdf(function) -> bool:
    try:
        return bool(PDF_WORDS.search(inspect.getsource(function)))
    except (OSError, TypeError):
        return False


def pytest_collection_modifyitems(config, items):
    """Mark the slow tier (see ``SLOW_MODULES``): what ``make test-fast`` leaves out."""
    for item in items:
        path = Path(str(item.fspath))
        test = f"{path.name}::{getattr(item, 'originalname', item.name)}"
        if (
            path.parent.name in SLOW_FOLDERS
            or path.stem in SLOW_MODULES
            or test in SLOW_TESTS
            or f"{path.name}::{item.name}" in SLOW_TESTS
            or SLOW_FIXTURES & set(getattr(item, "fixturenames", ()))
            or (
                getattr(item, "function", None)
                and test not in NO_PDF_TESTS
                and _asks_for_a_pdf(item.function)
            )
            or any(item.get_closest_marker(name) for name in ("browser", "benchmark", "server"))
        ):
            item.add_marker(pytest.mark.slow)


# --- the fast tier's guard ----------------------------------------------------------------

#: What the running fast-tier test did that the fast tier leaves out ("a PDF render",
#: "a server"); None while a slow test runs.
_FAST_TIER_BREACHES: list[str] | None = None


def _watched(function, what: str):
    def watched(*args, **kwargs):
        if _FAST_TIER_BREACHES is not None:
            _FAST_TIER_BREACHES.append(what)
        return function(*args, **kwargs)

    watched.__wrapped__ = function
    return watched


def _watch_the_fast_tier() -> None:
    """Note every PDF render (WeasyPrint's ``write_pdf``) and every socket that listens
    (a server: HTTP, SMTP, anything), whoever starts them."""
    import socket

    from weasyprint import HTML

    HTML.write_pdf = _watched(HTML.write_pdf, "a PDF render")
    socket.socket.listen = _watched(socket.socket.listen, "a server (a socket that listens)")


_watch_the_fast_tier()


@pytest.fixture(autouse=True)
def _fast_tier_guard(request):
    """A test of the fast tier that renders a PDF or starts a server fails, naming what it
    did, so that the tier stays fast as tests are added: mark it (``SLOW_TESTS`` above)."""
    global _FAST_TIER_BREACHES
    if request.node.get_closest_marker("slow"):
        yield
        return
    _FAST_TIER_BREACHES = breaches = []
    try:
        yield
    finally:
        _FAST_TIER_BREACHES = None
    if breaches:
        pytest.fail(
            f"{request.node.nodeid} is in the fast tier but ran {', '.join(sorted(set(breaches)))}:"
            " add it to SLOW_TESTS in tests/conftest.py",
            pytrace=False,
        )
