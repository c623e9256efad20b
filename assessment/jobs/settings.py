"""The settings of background work, mail, reminders and due dates: defaults and checks.

Read with the rest of the configuration (``assessment.settings``); kept here because
they belong together and to nothing else. The mail server's password is never written
in the config file: it comes from the environment (``MAIL_PASSWORD_ENV``).
"""

from __future__ import annotations

import os
from email.utils import parseaddr
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: The environment variable holding the mail server's password.
MAIL_PASSWORD_ENV = "ASSESSMENT_MAIL_PASSWORD"


def defaults(instance_path: str) -> dict:
    return {
        # The background worker's queue (Huey's SQLite storage), apart from the app's data.
        "JOBS_DATABASE": os.path.join(instance_path, "jobs.sqlite3"),
        # Run every background task at once inside the request that queues it (tests).
        "JOBS_IMMEDIATE": False,
        # No mail server: messages stay in the outbox, which admins read in the app.
        "MAIL_SERVER": "",
        "MAIL_PORT": 25,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_USERNAME": "",
        "MAIL_PASSWORD": os.environ.get(MAIL_PASSWORD_ENV, ""),
        "MAIL_DEFAULT_SENDER": "Partnership Check <partnership-check@localhost>",
        "MAIL_TIMEOUT": 30,  # seconds for each exchange with the mail server
        # Where people reach the app: links in mail are made from it (no request there).
        "PUBLIC_URL": "http://127.0.0.1:5000",
        # Due dates end at midnight here; reminders go out from REMINDER_HOUR here.
        "TIMEZONE": "UTC",
        "REMINDER_DAYS": 3,
        "REMINDER_HOUR": 9,
        # Alerts in chat (jobs/alerts.py): seconds to wait for a chat's answer, and the
        # hosts an admin allows although they are private or loopback (none: every
        # channel's address must be public, against server-side request forgery).
        "ALERT_TIMEOUT": 10,
        "ALERT_ALLOWED_HOSTS": [],
    }


def check(config, *, source: str) -> list[str]:
    """What is wrong with these settings (each problem names its setting)."""
    problems = []
    if "MAIL_PASSWORD" in config and source.endswith(".toml"):
        problems.append(
            f"MAIL_PASSWORD must not be written in the config file: set the environment"
            f" variable {MAIL_PASSWORD_ENV} instead"
        )
    for key in ("MAIL_USE_TLS", "MAIL_USE_SSL", "JOBS_IMMEDIATE"):
        if key in config and not isinstance(config[key], bool):
            problems.append(f"{key} must be true or false")
    if config.get("MAIL_USE_TLS") is True and config.get("MAIL_USE_SSL") is True:
        problems.append("MAIL_USE_TLS and MAIL_USE_SSL cannot both be true (587: TLS, 465: SSL)")
    for key, low, high in (
        ("MAIL_PORT", 1, 65535),
        ("MAIL_TIMEOUT", 1, 600),
        ("REMINDER_DAYS", 0, 60),
        ("REMINDER_HOUR", 0, 23),
        ("ALERT_TIMEOUT", 1, 120),
    ):
        if key in config:
            value = config[key]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                problems.append(f"{key} must be a whole number from {low} to {high}")
    for key in ("MAIL_SERVER", "MAIL_USERNAME"):
        if key in config and not isinstance(config[key], str):
            problems.append(f"{key} must be a string")
    if "MAIL_DEFAULT_SENDER" in config:
        sender = config["MAIL_DEFAULT_SENDER"]
        if not isinstance(sender, str) or "@" not in parseaddr(sender)[1] or _has_break(sender):
            problems.append(
                'MAIL_DEFAULT_SENDER must be an address such as "Partnership Check'
                ' <check@example.com>"'
            )
    if "PUBLIC_URL" in config:
        url = config["PUBLIC_URL"]
        parts = urlsplit(url) if isinstance(url, str) else None
        if not parts or parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            problems.append(
                'PUBLIC_URL must be the address of the app, such as "https://check.example.com"'
            )
    hosts = config.get("ALERT_ALLOWED_HOSTS", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h.strip() for h in hosts):
        problems.append(
            'ALERT_ALLOWED_HOSTS must be a list of host names, such as ["chat.internal"]'
        )
    if "TIMEZONE" in config:
        try:
            ZoneInfo(config["TIMEZONE"])
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            problems.append(
                f"TIMEZONE: {config['TIMEZONE']!r} is not a time zone name such as"
                ' "Asia/Shanghai" or "UTC"'
            )
    return problems


def _has_break(text: str) -> bool:
    return any(char in text for char in "\r\n")
