"""Configuration: defaults, the instance config file and the generated secret key.

Kept apart from the factory so the rules (what is read, in which order, and how a
broken file is reported) can be read and tested on their own.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import tomllib
from pathlib import Path

from . import branding, sso_settings
from .anonymity import (
    DEFAULT_CLIENT_FLOOR,
    DEFAULT_FLOOR,
    DEFAULT_TEXT_FLOOR,
    check_client_floor,
    check_floors,
)
from .jobs import settings as jobs_settings
from .paths import QUESTIONS_FOLDER
from .vocab import LANGUAGES

CONFIG_FILENAME = "config.toml"
SECRET_KEY_FILENAME = "secret_key"


class ConfigError(RuntimeError):
    """The instance configuration cannot be used; the message names the file."""


def defaults(instance_path: str) -> dict:
    """The settings every app starts from, before the instance config file."""
    return {
        "DATABASE": os.path.join(instance_path, "assessment.sqlite3"),
        "QUESTIONS_DIR": str(QUESTIONS_FOLDER),
        "LANGUAGES": LANGUAGES,
        "DEFAULT_LANGUAGE": "en",
        "BOOTSTRAP_SERVE_LOCAL": True,
        "BOOTSTRAP_BOOTSWATCH_THEME": None,
        # CSRF tokens live as long as the session: a respondent may take an afternoon over
        # a form, and a token that expired meanwhile would refuse all their answers.
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # How many reverse proxies in front of the app set X-Forwarded-For, -Proto and
        # -Host (web/security.py); 0 trusts none of these headers.
        "TRUSTED_PROXIES": 0,
        # Copied into each round when it is created: see docs/anonymity.md.
        "ANONYMITY_FLOOR": DEFAULT_FLOOR,
        "ANONYMITY_TEXT_FLOOR": DEFAULT_TEXT_FLOOR,
        # Copied into each round too: the fewest client answers a combined client view is
        # shown from (docs/anonymity.md, "The client's side").
        "CLIENT_FLOOR": DEFAULT_CLIENT_FLOOR,
        # Background work, mail, reminders and due dates (issue 16).
        **jobs_settings.defaults(instance_path),
        # Single sign-on with OpenID Connect (sso_settings.py, web/sso.py; issue 29).
        **sso_settings.defaults(),
        # Megabytes of rendered PDFs kept in instance/report-cache/ (report/cache.py); 0: none.
        "REPORT_CACHE_MB": 200,
        # Where the portfolio page offers to mail the leadership pack (web/packs.py).
        "LEADERSHIP_ADDRESSES": [],
        # The firm's name (English, Chinese) and logo on what clients see (branding.py);
        # empty: the product's name, as before.
        "FIRM_NAME": "",
        "FIRM_NAME_ZH": "",
        "FIRM_LOGO": "",
        # Questionnaire workbooks (and TOML files) read by `assessment questions import`
        # and the questionnaire library: the largest file, and the most rows of a sheet.
        "QUESTIONNAIRE_UPLOAD_MAX_BYTES": 1_000_000,
        "QUESTIONNAIRE_MAX_ROWS": 2_000,
        # Requests a minute each API token may make (web/api.py), per server process.
        "API_RATE_LIMIT": 60,
    }


def load_config_file(path: Path) -> dict:
    """Read the instance's TOML config; upper-case keys only, errors name the file."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from exc
    bad = [key for key in data if not key.isupper()]
    if bad:
        raise ConfigError(
            f"{path}: setting names must be upper case (found {', '.join(sorted(bad))})"
        )
    for key in ("DATABASE", "QUESTIONS_DIR", "SECRET_KEY", "JOBS_DATABASE"):
        if key in data and not (isinstance(data[key], str) and data[key].strip()):
            raise ConfigError(f"{path}: {key} must be a non-empty string")
    proxies = data.get("TRUSTED_PROXIES", 0)
    if isinstance(proxies, bool) or not isinstance(proxies, int) or not 0 <= proxies <= 10:
        raise ConfigError(f"{path}: TRUSTED_PROXIES must be a whole number from 0 to 10")
    leaders = data.get("LEADERSHIP_ADDRESSES", [])
    if not isinstance(leaders, list) or not all(_is_address(a) for a in leaders):
        raise ConfigError(
            f"{path}: LEADERSHIP_ADDRESSES must be a list of email addresses,"
            ' such as ["ceo@example.com"]'
        )
    for key in ("QUESTIONNAIRE_UPLOAD_MAX_BYTES", "QUESTIONNAIRE_MAX_ROWS", "API_RATE_LIMIT"):
        value = data.get(key, 1)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{path}: {key} must be a whole number, 1 or more")
    cache_mb = data.get("REPORT_CACHE_MB", 0)
    if isinstance(cache_mb, bool) or not isinstance(cache_mb, int | float) or cache_mb < 0:
        raise ConfigError(f"{path}: REPORT_CACHE_MB must be a number of megabytes, 0 or more")
    if "ANONYMITY_FLOOR" in data or "ANONYMITY_TEXT_FLOOR" in data:
        floors = {"ANONYMITY_FLOOR": DEFAULT_FLOOR, "ANONYMITY_TEXT_FLOOR": DEFAULT_TEXT_FLOOR}
        check_anonymity({**floors, **data}, source=str(path))
    if "CLIENT_FLOOR" in data and (problems := check_client_floor(data["CLIENT_FLOOR"])):
        raise ConfigError(f"{path}: " + "; ".join(problems))
    check_jobs(data, source=str(path))
    check_sso(data, source=str(path))
    problems = branding.check_names(data)
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems))
    return data


def _is_address(value) -> bool:
    from email_validator import EmailNotValidError, validate_email

    if not isinstance(value, str):
        return False
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def check_anonymity(config, *, source: str) -> None:
    """Refuse floors that would not protect anyone; the message names ``source``."""
    problems = check_floors(config.get("ANONYMITY_FLOOR"), config.get("ANONYMITY_TEXT_FLOOR"))
    problems += check_client_floor(config.get("CLIENT_FLOOR", DEFAULT_CLIENT_FLOOR))
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems))


def check_jobs(config, *, source: str) -> None:
    """Refuse mail, reminder and time zone settings that cannot work (see jobs.settings)."""
    problems = jobs_settings.check(config, source=source)
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems))


def check_sso(config, *, source: str) -> None:
    """Refuse single sign-on settings that cannot work (see sso_settings); a config file
    is checked with the environment's client secret, as the app will run with it."""
    problems = sso_settings.check(config, from_file=source.endswith(".toml"))
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems))


def load_branding(config, instance_path: str, *, source: str) -> branding.Branding:
    """The firm's name and checked logo (``branding.load``); a logo that cannot be used
    stops the app with a message naming ``source``, the file and the problem."""
    try:
        return branding.load(config, instance_path)
    except branding.BrandingError as exc:
        raise ConfigError(f"{source}: {exc}") from exc


def ensure_secret_key(instance_path: str) -> str:
    """Return the instance's secret key, generating it (mode 0600) on first run.

    Several processes may start at once on a new instance (gunicorn's workers, a CLI
    command beside the server), so the file must appear whole or not at all: the key is
    written to a private temporary file, which is then hard-linked to its final name.
    ``link`` never replaces an existing file, so exactly one process's key wins; every
    other process finds the file already complete and reads that key instead.
    """
    path = Path(instance_path) / SECRET_KEY_FILENAME
    if path.exists():
        return _read_secret_key(path)
    key = secrets.token_hex(32)
    fd, temporary = tempfile.mkstemp(prefix=f".{SECRET_KEY_FILENAME}.", dir=instance_path)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:  # mkstemp makes it mode 0600
            fh.write(key + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:  # another process was first: its key is the key
            return _read_secret_key(path)
    finally:
        os.unlink(temporary)
    return key


def _read_secret_key(path: Path) -> str:
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise ConfigError(f"{path}: the secret key is too short; delete the file to renew it")
    return key


EXAMPLE_CONFIG = """\
# Partnership Check instance configuration (TOML). Every setting is optional;
# uncomment a line to change the default. See README.md, "Configuration".

# Where the SQLite database lives (default: assessment.sqlite3 in this folder).
# DATABASE = "/var/lib/partnership-check/assessment.sqlite3"

# The folder of questionnaire files (default: questions/ in the checkout).
# QUESTIONS_DIR = "/srv/partnership-check/questions"

# The language used when the browser asks for neither English nor Chinese.
# DEFAULT_LANGUAGE = "en"

# Set to true when the app is served over HTTPS only: every cookie is then secure.
# SESSION_COOKIE_SECURE = true

# Behind a reverse proxy (see docs/operations.md): how many proxies set
# X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host. 0 trusts none of them.
# TRUSTED_PROXIES = 1

# Anonymous rounds show results only when at least this many people submitted, and
# comments and text answers only from ANONYMITY_TEXT_FLOOR. Each round keeps the values
# it was created with. Neither may be below 3. See docs/anonymity.md.
# ANONYMITY_FLOOR = 3
# ANONYMITY_TEXT_FLOOR = 5

# A round whose client answers are combined shows the client's view only from this many
# client answers (at least 2; each round keeps its own). See docs/anonymity.md.
# CLIENT_FLOOR = 2

# The background worker's queue, a SQLite file of its own (default: jobs.sqlite3 in
# this folder). `assessment worker` runs the tasks; `assessment serve` starts one.
# JOBS_DATABASE = "/var/lib/partnership-check/jobs.sqlite3"

# Mail (invitations, reminders, notices). Without MAIL_SERVER, messages stay in the
# outbox that admins read in the app. The password comes from the environment variable
# ASSESSMENT_MAIL_PASSWORD, never from this file. See docs/operations.md, "Mail".
# MAIL_SERVER = "smtp.example.com"
# MAIL_PORT = 587
# MAIL_USE_TLS = true
# MAIL_USE_SSL = false
# MAIL_USERNAME = "partnership-check@example.com"
# MAIL_DEFAULT_SENDER = "Partnership Check <partnership-check@example.com>"
# MAIL_TIMEOUT = 30

# The address people reach the app at: links in mail are made from it.
# PUBLIC_URL = "https://check.example.com"

# The time zone of due dates and reminders, the automatic reminder's days before the
# due date (0: none) and its earliest hour.
# TIMEZONE = "Asia/Shanghai"
# REMINDER_DAYS = 3
# REMINDER_HOUR = 9
# Rendered PDF reports are kept by content in the instance folder (report-cache/) and
# served again while nothing they show has changed; at most this many megabytes (the
# least recently used go first). 0 turns the cache off.
# REPORT_CACHE_MB = 200

# The addresses the portfolio page offers to mail the leadership pack to.
# LEADERSHIP_ADDRESSES = ["ceo@example.com", "cfo@example.com"]

# The firm's name, in English and in Chinese, and its logo (a PNG or SVG file in this
# folder, at most 256 KB and 2048 pixels a side): shown to clients on their answer page,
# in their invitations and reminders and on the client summary, and in the app's header
# and the leadership report. See docs/operations.md, "Branding".
# FIRM_NAME = "Acme Consulting"
# FIRM_NAME_ZH = "艾克米咨询"
# FIRM_LOGO = "logo.svg"

# Single sign-on with OpenID Connect (Google, Entra ID, Okta, Keycloak, Authing...). The
# client secret comes from the environment variable ASSESSMENT_OIDC_CLIENT_SECRET, never
# from this file. Register <PUBLIC_URL>/login/sso/callback as the redirect URI. See
# docs/operations.md, "Single sign-on".
# OIDC_ISSUER = "https://accounts.google.com"
# OIDC_CLIENT_ID = "1234.apps.googleusercontent.com"
# OIDC_SCOPES = "openid email profile"
# OIDC_PROVIDER_NAME = "Google"
# OIDC_DOMAIN_ROLES = { "example.com" = "member" }
# OIDC_GROUPS_CLAIM = "groups"
# OIDC_GROUP_ROLES = { "partnership-leads" = "lead", "partnership-admins" = "admin" }
# OIDC_PASSWORD_LOGIN = true
# OIDC_BREAK_GLASS = ["admin@example.com"]
"""


def write_example_config(instance_path: str) -> Path | None:
    """Create a commented config file in the instance folder unless one exists."""
    path = Path(instance_path) / CONFIG_FILENAME
    if path.exists():
        return None
    path.write_text(EXAMPLE_CONFIG, encoding="utf-8")
    return path
