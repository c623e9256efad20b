"""Users: people who log in (admins, leads and members)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database
from werkzeug.security import check_password_hash, generate_password_hash

from .. import passwords
from ..sqlite import query_rows, transaction, utc_stamp
from ..vocab import LEAD_ROLES, USER_ROLES

# A hash of a random password, checked when the email is unknown so that a wrong
# email costs as much time as a wrong password and the two cannot be told apart.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0f3c9")


class UserError(ValueError):
    """A user cannot be created or changed as asked."""


@dataclass(frozen=True, slots=True)
class User:
    id: int
    email: str
    name: str
    role: str
    language: str | None
    active: bool

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_lead(self) -> bool:
        """Leads manage clients and rounds; admins can do everything a lead can."""
        return self.role in LEAD_ROLES


def user_from_row(row: dict) -> User:
    return User(
        id=row["id"],
        email=row["email"],
        name=row["name"],
        role=row["role"],
        language=row["language"],
        active=bool(row["active"]),
    )


def create_user(db: Database, *, email: str, password: str, role: str, name: str = "") -> User:
    email = email.strip()
    if "@" not in email or len(email) > 254:
        raise UserError(f"{email!r} is not an email address")
    if role not in USER_ROLES:
        raise UserError(f"role must be one of {', '.join(USER_ROLES)}")
    _check_password(password, email, name)
    # Hashing takes a second or more by design: done before the write lock is taken, so
    # nobody's save waits for it.
    password_hash = generate_password_hash(password)
    with transaction(db, write=True):
        if find_by_email(db, email) is not None:
            raise UserError(f"a user with the email {email} already exists")
        now = utc_stamp()
        cursor = db.execute(
            "INSERT INTO users (email, name, password_hash, role, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [email, name.strip(), password_hash, role, now, now],
        )
        return get_user(db, cursor.lastrowid)


def check_password_policy(password: str, email: str, name: str) -> None:
    """``UserError`` for a password the policy refuses (``passwords.weakness``)."""
    _check_password(password, email, name)


def _check_password(password: str, email: str, name: str) -> None:
    reason = passwords.weakness(password, passwords.context_words(email, name))
    if reason is not None:
        raise UserError(passwords.REASONS[reason])


def set_password(db: Database, user_id: int, password: str, *, keep: str | None = None) -> User:
    """Give a user a new password and end their logins (all but the login ``keep``, the
    one of a user changing their own password)."""
    user = get_user(db, user_id)
    if user is None:
        raise UserError(f"no user with id {user_id}")
    _check_password(password, user.email, user.name)
    with transaction(db, write=True):
        db.execute(
            "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?",
            [generate_password_hash(password), utc_stamp(), user_id],
        )
        end_logins(db, user_id, keep=keep)
    return user


def login_token_hash(token: str) -> str:
    """How a login's token is stored (store.user_sessions): its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def end_logins(db: Database, user_id: int, *, keep: str | None = None) -> int:
    """End every login of a user but the one named by ``keep``; returns how many ended.

    Every API token of the user is revoked too (``store.api_tokens``): a token is a login
    for scripts, and a new password, a reset or deactivation ends it with the others."""
    now = utc_stamp()
    db.execute(
        "UPDATE api_tokens SET revoked_at = ?, updated_at = ?"
        " WHERE user_id = ? AND revoked_at IS NULL",
        [now, now, user_id],
    )
    if keep is None:
        cursor = db.execute("DELETE FROM user_sessions WHERE user_id = ?", [user_id])
    else:
        cursor = db.execute(
            "DELETE FROM user_sessions WHERE user_id = ? AND token_hash != ?",
            [user_id, login_token_hash(keep)],
        )
    return cursor.rowcount


def get_user(db: Database, user_id: int) -> User | None:
    rows = list(query_rows(db, "SELECT * FROM users WHERE id = ?", [user_id]))
    return user_from_row(rows[0]) if rows else None


def find_by_email(db: Database, email: str) -> User | None:
    rows = list(query_rows(db, "SELECT * FROM users WHERE email = ?", [email.strip()]))
    return user_from_row(rows[0]) if rows else None


def authenticate(db: Database, email: str, password: str) -> User | None:
    """The active user with this email and password, or None (never says which was wrong)."""
    rows = list(query_rows(db, "SELECT * FROM users WHERE email = ?", [email.strip()]))
    if not rows:
        check_password_hash(_DUMMY_HASH, password)
        return None
    row = rows[0]
    if not check_password_hash(row["password_hash"], password) or not row["active"]:
        return None
    db.execute("UPDATE users SET last_login_at = ? WHERE id = ?", [utc_stamp(), row["id"]])
    return user_from_row(row)


def password_matches(db: Database, user_id: int, password: str) -> bool:
    """Whether ``password`` is this user's (asked again before a change; not a login)."""
    rows = list(query_rows(db, "SELECT password_hash FROM users WHERE id = ?", [user_id]))
    return bool(rows) and check_password_hash(rows[0]["password_hash"], password)


MAX_FAILURES = 5  # per email, or 4 times that per address, within the window
FAILURE_WINDOW = timedelta(minutes=15)


def _window_start(now: datetime | None) -> str:
    return ((now or datetime.now(UTC)) - FAILURE_WINDOW).isoformat(timespec="seconds")


def login_locked(db: Database, email: str, ip: str, now: datetime | None = None) -> bool:
    """Too many recent failures for this email (or from this address): refuse to check."""
    since = _window_start(now)
    by_email = db.execute(
        "SELECT COUNT(*) FROM login_failures WHERE email = ? AND created_at > ?",
        [email.strip(), since],
    ).fetchone()[0]
    by_ip = db.execute(
        "SELECT COUNT(*) FROM login_failures WHERE ip = ? AND created_at > ?", [ip, since]
    ).fetchone()[0]
    return by_email >= MAX_FAILURES or by_ip >= 4 * MAX_FAILURES


def record_login_failure(db: Database, email: str, ip: str) -> None:
    now = utc_stamp()
    with transaction(db, write=True):
        db.execute(
            "INSERT INTO login_failures (email, ip, created_at, updated_at) VALUES (?, ?, ?, ?)",
            [email.strip()[:254], ip, now, now],
        )
        db.execute("DELETE FROM login_failures WHERE created_at < ?", [_window_start(None)])


def clear_login_failures(db: Database, email: str) -> None:
    db.execute("DELETE FROM login_failures WHERE email = ?", [email.strip()])


def set_language(db: Database, user_id: int, language: str | None) -> None:
    db.execute(
        "UPDATE users SET language = ?, updated_at = ? WHERE id = ?",
        [language, utc_stamp(), user_id],
    )


def list_users(db: Database) -> list[User]:
    return [user_from_row(row) for row in query_rows(db, "SELECT * FROM users ORDER BY email")]


def update_user(db: Database, user_id: int, *, role: str, active: bool, name: str) -> User:
    """Change a user's role, name or whether they may log in (a user who may not is
    logged out everywhere at once)."""
    if role not in USER_ROLES:
        raise UserError(f"role must be one of {', '.join(USER_ROLES)}")
    with transaction(db, write=True):
        cursor = db.execute(
            "UPDATE users SET role = ?, active = ?, name = ?, updated_at = ? WHERE id = ?",
            [role, int(active), name.strip(), utc_stamp(), user_id],
        )
        if cursor.rowcount != 1:
            raise UserError(f"no user with id {user_id}")
        if not active:
            end_logins(db, user_id)
    return get_user(db, user_id)


def count_active_admins(db: Database) -> int:
    return db.execute("SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1").fetchone()[
        0
    ]
