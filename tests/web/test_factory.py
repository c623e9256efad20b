import os
import stat

import pytest

from assessment import ConfigError, create_app


def test_test_config_is_used(app):
    assert app.testing
    assert app.config["SECRET_KEY"] == "test-only-secret"


def test_without_test_config_not_testing(tmp_path):
    app = create_app(instance_path=str(tmp_path / "inst"))
    assert not app.testing


def test_missing_instance_folder_is_created(tmp_path):
    instance = tmp_path / "does" / "not" / "exist"
    create_app(instance_path=str(instance))
    assert instance.is_dir()
    assert (instance / "assessment.sqlite3").exists()


@pytest.fixture
def usual_umask():
    """The umask most systems have (files readable by everybody unless made otherwise)."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_database_its_wal_files_and_the_instance_folder_are_private(tmp_path, usual_umask):
    instance = tmp_path / "inst"
    app = create_app(instance_path=str(instance))
    with app.app_context():
        from assessment.db import get_db

        get_db().execute("CREATE TABLE scratch (x)")  # a write: the WAL files exist now
        database = instance / "assessment.sqlite3"
        for path in (database, f"{database}-wal", f"{database}-shm"):
            assert os.path.exists(path), path
            assert _mode(path) == 0o600, (path, oct(_mode(path)))
    assert _mode(instance) == 0o700


def test_a_database_elsewhere_is_private_too_and_existing_ones_are_left_alone(
    tmp_path, usual_umask
):
    kept = tmp_path / "kept.sqlite3"
    kept.touch(mode=0o640)
    for database, mode in ((tmp_path / "new.sqlite3", 0o600), (kept, 0o640)):
        (tmp_path / "inst").mkdir(exist_ok=True)
        (tmp_path / "inst" / "config.toml").write_text(f'DATABASE = "{database}"\n')
        create_app(instance_path=str(tmp_path / "inst"))
        assert _mode(database) == mode


def test_secret_key_generated_once_with_mode_0600(tmp_path):
    instance = tmp_path / "inst"
    first = create_app(instance_path=str(instance))
    key_file = instance / "secret_key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert len(first.config["SECRET_KEY"]) >= 64
    second = create_app(instance_path=str(instance))
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]
    other = create_app(instance_path=str(tmp_path / "other"))
    assert other.config["SECRET_KEY"] != first.config["SECRET_KEY"]


def test_instance_config_file_is_read(tmp_path):
    instance = tmp_path / "inst"
    instance.mkdir()
    database = tmp_path / "elsewhere.sqlite3"
    (instance / "config.toml").write_text(
        f'DATABASE = "{database}"\nDEFAULT_LANGUAGE = "zh-CN"\n', encoding="utf-8"
    )
    app = create_app(instance_path=str(instance))
    assert app.config["DATABASE"] == str(database)
    assert app.config["DEFAULT_LANGUAGE"] == "zh-CN"
    assert database.exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("DATABASE = \n", "not valid TOML"),
        ("database = 'x.db'\n", "upper case"),
        ("DATABASE = ''\n", "DATABASE must be a non-empty string"),
    ],
)
def test_broken_instance_config_refuses_to_start(tmp_path, content, expected):
    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "config.toml").write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as excinfo:
        create_app(instance_path=str(instance))
    message = str(excinfo.value)
    assert str(instance / "config.toml") in message
    assert expected in message


def test_short_secret_key_file_is_refused(tmp_path):
    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "secret_key").write_text("short\n")
    with pytest.raises(ConfigError, match="secret_key"):
        create_app(instance_path=str(instance))


def test_every_page_has_a_favicon(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert b"<svg" in icon.data


# conftest.py shares Jinja's compiled templates between the tests' apps, for speed, through
# Jinja's own extension point (a ``BytecodeCache``): the code must be what Jinja makes itself.
# (No visitor: these are the app's templates, not a page.)


def test_the_shared_templates_are_jinjas_own_and_each_app_keeps_its_globals(app, tmp_path):
    from conftest import REPO_ROOT, TEMPLATE_CODE, make_app

    other = make_app(
        {
            "DATABASE": str(tmp_path / "other.sqlite3"),
            "QUESTIONS_DIR": str(REPO_ROOT / "questions"),
        },
        instance_path=str(tmp_path / "other"),
    )
    other.jinja_env.globals["site_marker"] = "only in the other app"
    for each in (app, other):
        assert each.jinja_env.bytecode_cache is TEMPLATE_CODE
        assert each.test_client().get("/login").status_code == 200
    environment = app.jinja_env
    source, filename, _ = environment.loader.get_source(environment, "auth/login.html")
    bucket = TEMPLATE_CODE.get_bucket(environment, "auth/login.html", filename, source)
    assert bucket.code == environment.compile(source, "auth/login.html", filename)
    assert "site_marker" not in app.jinja_env.globals
