"""A round's respondents: the people invited to answer, their personal links and keys."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlite_utils import Database

from ..sqlite import query_rows, transaction, utc_stamp
from ..vocab import CLIENT_ROLES, LANGUAGES, RESPONDENT_ROLES, SIDES, email_key
from .clients import NotFound
from .rounds import Round, RoundClosed, get_round

TOKEN_BYTES = 24  # 192 bits, URL-safe base64: 32 characters


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


@dataclass(frozen=True, slots=True)
class Respondent:
    id: int
    round_id: int
    user_id: int | None
    name: str
    email: str | None
    role: str
    language: str | None
    token: str
    status: str  # "invited", "draft" or "submitted"
    updated_at: str | None
    answer_key: str | None = None  # see bind_answer_key
    side: str = "team"  # "team", or "client": a client contact answering the mirror
    client_role: str | None = None  # a client contact's role (vocab.CLIENT_ROLES)


_RESPONDENT_SELECT = """
    SELECT respondents.*, responses.status AS response_status,
           responses.updated_at AS response_updated_at
    FROM respondents LEFT JOIN responses ON responses.respondent_id = respondents.id
"""


def _respondent(row: dict) -> Respondent:
    return Respondent(
        id=row["id"],
        round_id=row["round_id"],
        user_id=row["user_id"],
        name=row["name"],
        email=row["email"],
        role=row["role"],
        language=row["language"],
        token=row["token"],
        status=row["response_status"] or "invited",
        updated_at=row["response_updated_at"],
        answer_key=row["answer_key"],
        side=row["side"],
        client_role=row["client_role"],
    )


class NoClientSide(ValueError):
    """The round's questionnaire has no mirror: no client contact can answer it."""


class AlreadyInRound(ValueError):
    """Someone with the same email (as compared: ``vocab.email_key``) is in the round
    already, on the team's side or the client's; ``existing`` is who."""

    def __init__(self, existing: Respondent):
        super().__init__(
            f"{existing.name} <{existing.email}> is already in round {existing.round_id}"
        )
        self.existing = existing


def find_by_email(db: Database, round_id: int, email: str | None) -> Respondent | None:
    """The round's respondent (either side) with this email as compared, if any."""
    key = email_key(email)
    if key is None:
        return None
    rows = list(
        query_rows(
            db,
            _RESPONDENT_SELECT + " WHERE respondents.round_id = ? AND respondents.email_key = ?",
            [round_id, key],
        )
    )
    return _respondent(rows[0]) if rows else None


def add_respondent(
    db: Database,
    round_id: int,
    *,
    name: str,
    email: str | None = None,
    role: str = "other",
    language: str | None = None,
    side: str = "team",
    client_role: str | None = None,
) -> Respondent:
    """Invite someone to an open round (``RoundClosed`` otherwise); a user with the same
    email sees the round on their home page.

    A client contact (``side="client"``, with a ``client_role``) answers the round's
    mirror (``NoClientSide`` when it has none) and is never linked to a user account: the
    personal link is their only way in, and it reaches their own form alone.

    One person, one link: someone whose email (as compared: ``vocab.email_key``) is in the
    round already, on either side, is refused (``AlreadyInRound``, naming them); a unique
    index on ``email_key`` holds the rule under concurrent adds too. ``language`` is the
    person's (``en``, ``zh-CN``) or None when unknown (their mail is then in both)."""
    if side not in SIDES:
        raise ValueError(f"side must be one of {', '.join(SIDES)}")
    if side == "client":
        if client_role not in CLIENT_ROLES:
            raise ValueError(f"client role must be one of {', '.join(CLIENT_ROLES)}")
        role = "other"
    elif client_role is not None:
        raise ValueError("only a client contact has a client role")
    if role not in RESPONDENT_ROLES:
        raise ValueError(f"role must be one of {', '.join(RESPONDENT_ROLES)}")
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)} or unknown")
    email = (email or "").strip() or None
    with transaction(db, write=True):
        status = db.execute(
            "SELECT status, mirror_digest FROM rounds WHERE id = ?", [round_id]
        ).fetchone()
        if status is None:
            raise NotFound(round_id)
        if status[0] != "open":
            raise RoundClosed(round_id)
        if side == "client" and status[1] is None:
            raise NoClientSide(round_id)
        existing = find_by_email(db, round_id, email)
        if existing is not None:
            raise AlreadyInRound(existing)
        user_id = None
        if email and side == "team":
            user = db.execute("SELECT id FROM users WHERE email = ?", [email]).fetchone()
            user_id = user[0] if user else None
        now = utc_stamp()
        cursor = db.execute(
            "INSERT INTO respondents (round_id, user_id, name, email, role, language, token,"
            " token_issued_at, created_at, updated_at, side, client_role, email_key)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                round_id,
                user_id,
                name.strip(),
                email,
                role,
                language,
                new_token(),
                now,
                now,
                now,
                side,
                client_role,
                email_key(email),
            ],
        )
        return get_respondent(db, cursor.lastrowid)


def get_respondent(db: Database, respondent_id: int) -> Respondent:
    rows = list(query_rows(db, _RESPONDENT_SELECT + " WHERE respondents.id = ?", [respondent_id]))
    if not rows:
        raise NotFound(respondent_id)
    return _respondent(rows[0])


def find_by_token(db: Database, token: str) -> Respondent | None:
    if not token or len(token) > 128:
        return None
    rows = list(query_rows(db, _RESPONDENT_SELECT + " WHERE respondents.token = ?", [token]))
    if not rows or not secrets.compare_digest(rows[0]["token"], token):
        return None
    return _respondent(rows[0])


def list_respondents(db: Database, round_id: int, side: str | None = None) -> list[Respondent]:
    """The round's respondents (of one side only, if given), in the order invited."""
    sql = _RESPONDENT_SELECT + " WHERE respondents.round_id = ?"
    params: list = [round_id]
    if side is not None:
        sql += " AND respondents.side = ?"
        params.append(side)
    return [_respondent(row) for row in query_rows(db, sql + " ORDER BY respondents.id", params)]


def reissue_token(db: Database, respondent_id: int) -> Respondent:
    """Revoke the respondent's link and issue a new one; their answers stay, but no
    browser holds their answer key any more (the next to save through the new link
    replaces them, without ever seeing them)."""
    now = utc_stamp()
    with transaction(db, write=True):
        cursor = db.execute(
            "UPDATE respondents SET token = ?, token_issued_at = ?, answer_key = NULL,"
            " updated_at = ? WHERE id = ?",
            [new_token(), now, now, respondent_id],
        )
        if cursor.rowcount != 1:
            raise NotFound(respondent_id)
        return get_respondent(db, respondent_id)


class AlreadyAnswered(PermissionError):
    """The respondent has saved or submitted answers: the invitation cannot be removed."""


#: ``answer_key`` of answers no browser can claim (saved before keys existed).
LOCKED_KEY = "!"


def answer_key_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def holds_answer_key(respondent: Respondent, secret: str | None) -> bool:
    """Whether ``secret`` (from a browser's cookie) is the respondent's answer key."""
    if not secret or not respondent.answer_key or len(secret) > 128:
        return False
    return secrets.compare_digest(respondent.answer_key, answer_key_hash(secret))


def new_answer_key() -> str:
    """A browser's answer key (the secret for its cookie; the store keeps its hash)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def remove_respondent(db: Database, respondent_id: int) -> None:
    """Remove an invitation nobody has answered yet (``AlreadyAnswered`` otherwise). The
    check and the delete hold the write lock together, so a draft saved a moment before
    is never deleted with the invitation."""
    with transaction(db, write=True):
        answered = db.execute(
            "SELECT 1 FROM responses WHERE respondent_id = ?", [respondent_id]
        ).fetchone()
        if answered:
            raise AlreadyAnswered(respondent_id)
        db.execute("DELETE FROM respondents WHERE id = ?", [respondent_id])


def rounds_for_user(db: Database, user_id: int) -> list[tuple[Round, Respondent]]:
    """The rounds a member takes part in, with their own invitation, newest first."""
    rows = query_rows(
        db,
        _RESPONDENT_SELECT + " WHERE respondents.user_id = ? ORDER BY respondents.id DESC",
        [user_id],
    )
    return [
        (get_round(db, respondent.round_id), respondent)
        for respondent in (_respondent(row) for row in rows)
    ]


@dataclass(frozen=True, slots=True)
class Released:
    """What ``release_account`` did: invitations no longer reached through the account,
    drafts discarded, submitted answers locked."""

    invitations: int
    drafts: int
    locked: int


def release_account(db: Database, user_id: int) -> Released:
    """Put the account's answers in open anonymous rounds out of its reach, before anyone
    but its owner may hold its password (an admin shown a reset link: docs/anonymity.md,
    "Admins"). Its team invitations there are no longer linked to the account (it no
    longer opens them as their respondent, nor lists them on its home page); drafts are
    discarded (no one could ever read them again, and the person starts afresh through
    their personal link); submitted answers stay and count, locked like answers from
    before answer keys (``LOCKED_KEY``): no browser, no account sees them again, and only
    a new link lets them be replaced. Open offers to carry a draft to another device
    (``draft_transfers``) end too: the key they carry is no longer the respondent's, and a
    mailed link still waiting for the worker is then never sent. Named and closed rounds
    are left as they are."""
    with transaction(db, write=True):
        ids = [
            row[0]
            for row in db.execute(
                "SELECT respondents.id FROM respondents JOIN rounds"
                " ON rounds.id = respondents.round_id WHERE respondents.user_id = ?"
                " AND rounds.status = 'open' AND rounds.anonymous = 1",
                [user_id],
            ).fetchall()
        ]
        if not ids:
            return Released(0, 0, 0)
        marks = ", ".join("?" * len(ids))
        now = utc_stamp()
        drafts = db.execute(
            f"DELETE FROM responses WHERE status = 'draft' AND respondent_id IN ({marks})", ids
        ).rowcount
        locked = db.execute(
            f"UPDATE respondents SET answer_key = ?, updated_at = ? WHERE id IN ({marks})"
            " AND id IN (SELECT respondent_id FROM responses)",
            [LOCKED_KEY, now, *ids],
        ).rowcount
        db.execute(
            f"UPDATE respondents SET answer_key = NULL, updated_at = ? WHERE id IN ({marks})"
            " AND id NOT IN (SELECT respondent_id FROM responses)",
            [now, *ids],
        )
        db.execute(
            f"UPDATE respondents SET user_id = NULL, updated_at = ? WHERE id IN ({marks})",
            [now, *ids],
        )
        db.execute(f"DELETE FROM draft_transfers WHERE respondent_id IN ({marks})", ids)
    return Released(len(ids), drafts, locked)
