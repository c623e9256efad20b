"""Single sign-on identities: which account a person of an OpenID provider signs in to.

A provider names a person by its issuer and ``sub`` (subject), which never change; the
email can. The first sign-in links the two (to an existing account with the same verified
email, or to an account made for them); later sign-ins find the account by the link.
"""

from __future__ import annotations

import secrets

from sqlite_utils import Database
from werkzeug.security import generate_password_hash

from ..sqlite import query_rows, utc_stamp
from .users import User, UserError, find_by_email, get_user


def user_for(db: Database, issuer: str, subject: str) -> User | None:
    """The account this provider's person is linked to, else None."""
    rows = list(
        query_rows(
            db,
            "SELECT user_id FROM user_identities WHERE issuer = ? AND subject = ?",
            [issuer, subject],
        )
    )
    return get_user(db, rows[0]["user_id"]) if rows else None


def link(db: Database, user_id: int, *, issuer: str, subject: str, email: str) -> None:
    """Link a provider's person to an account (call inside the sign-in's transaction)."""
    now = utc_stamp()
    db.execute(
        "INSERT INTO user_identities (user_id, issuer, subject, email, last_login_at,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [user_id, issuer, subject, email, now, now, now],
    )


def signed_in(db: Database, user_id: int, *, issuer: str, subject: str, email: str) -> None:
    """Note a sign-in: the link's email as the provider says it now, and the times."""
    now = utc_stamp()
    db.execute(
        "UPDATE user_identities SET email = ?, last_login_at = ?, updated_at = ?"
        " WHERE issuer = ? AND subject = ?",
        [email, now, now, issuer, subject],
    )
    db.execute("UPDATE users SET last_login_at = ? WHERE id = ?", [now, user_id])


def create_user(db: Database, *, email: str, name: str, role: str) -> User:
    """An account for someone whose first sign-in is through the provider. Its password is
    random and told to nobody: they sign in through the provider (an admin may later send
    a reset link if password login is wanted). Call inside the sign-in's transaction."""
    email = email.strip()
    if "@" not in email or len(email) > 254:
        raise UserError(f"{email!r} is not an email address")
    if find_by_email(db, email) is not None:
        raise UserError(f"a user with the email {email} already exists")
    now = utc_stamp()
    cursor = db.execute(
        "INSERT INTO users (email, name, password_hash, role, last_login_at, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            email,
            name.strip()[:200],
            generate_password_hash(secrets.token_urlsafe(32)),
            role,
            now,
            now,
            now,
        ],
    )
    return get_user(db, cursor.lastrowid)
