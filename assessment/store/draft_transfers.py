"""Carrying an anonymous round's draft to another device, and starting again without it.

In an anonymous round a draft is shown only where its answer key is presented (a secret
in a browser's cookie; the store keeps its SHA-256, see ``respondents``). To continue on
another device, the browser holding the key asks for a way to carry it:

- a **code** (``offer_code``), shown once on that browser's screen and typed on the other
  device together with the personal link; ``MAX_TRIES`` wrong codes end it;
- a **link** (``offer_link``), mailed to the respondent's own address.

Either carries the key itself, so both devices hold the same key afterwards. Nothing is
kept readable: per offer, a random salt, a hash of the code or link's secret (scrypt, so
a stolen database does not give the code away cheaply) and the answer key *sealed* under
the code or link (XOR with a keystream derived from it): only whoever has the code or the
link can open it. A mailed link's secret must survive until the mail worker writes the
message, so it is also sealed under the server's secret key (``mail_secret``), which
lives in the instance's config, not in the database. Every offer is used once, expires
(``CODE_MINUTES``, ``LINK_HOURS``) and stops working when the key it carries is no longer
the respondent's (a new link was issued, or the draft was discarded).

``start_again`` is for a respondent who lost the key and noted no code: their *draft*
(never a submission) is discarded, and the browser asking holds the key from then on.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from ..sqlite import transaction, utc_stamp
from .respondents import answer_key_hash

CODE_MINUTES = 30  # how long a code shown on the screen works
LINK_HOURS = 24  # how long a mailed link works
MAX_TRIES = 5  # wrong codes before the code stops working
#: The letters of a code: no 0/O, 1/I/L, so that it reads and types back unambiguously.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8  # 31^8: about 40 bits, against MAX_TRIES guesses
LINK_BYTES = 32


class Unusable(LookupError):
    """No such code or link for this respondent: wrong, used, expired or no longer valid."""


class WrongCode(Unusable):
    """A code that does not match; ``tries_left`` more may be tried (0: it has ended)."""

    def __init__(self, tries_left: int):
        self.tries_left = tries_left
        super().__init__(f"wrong code, {tries_left} tries left")


class AlreadySubmitted(PermissionError):
    """Submitted answers are never discarded without their key."""


@dataclass(frozen=True)
class Offer:
    """A live offer, as the mail worker reads it."""

    id: int
    respondent_id: int
    kind: str
    expires_at: str


def new_code() -> str:
    """A code to show, as ``ABCD-EFGH``."""
    letters = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{letters[:4]}-{letters[4:]}"


def normalise_code(typed: str) -> str:
    """A code as typed (any case, spaces, hyphens, full-width letters) in its plain form."""
    plain = unicodedata.normalize("NFKC", typed or "").upper()
    return "".join(ch for ch in plain if ch.isascii() and ch.isalnum())[: CODE_LENGTH * 2]


def _derive(secret: str, salt: bytes) -> tuple[str, bytes]:
    """(the hash to store, the seed of the keystream that seals the key) of a secret."""
    out = hashlib.scrypt(secret.encode(), salt=salt, n=2**14, r=8, p=1, dklen=64)
    return out[:32].hex(), out[32:]


def _xor(data: bytes, seed: bytes) -> bytes:
    pad = hashlib.shake_256(b"pc-draft-transfer" + seed).digest(len(data))
    return bytes(a ^ b for a, b in zip(data, pad, strict=True))


def _server_seed(server_key: str | bytes, salt: bytes) -> bytes:
    key = server_key.encode() if isinstance(server_key, str) else server_key
    return hmac.new(key, b"pc-draft-transfer-mail" + salt, hashlib.sha256).digest()


def _later(**delta) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat(timespec="seconds")


def _forget_expired(db: Database) -> None:
    db.execute("DELETE FROM draft_transfers WHERE expires_at <= ?", [utc_stamp()])


def _insert(db, respondent_id: int, kind: str, secret: str, answer_secret: str, **extra) -> int:
    salt = secrets.token_bytes(16)
    digest, seed = _derive(secret, salt)
    sealed = _xor(answer_secret.encode(), seed)
    cursor = db.execute(
        "INSERT INTO draft_transfers (respondent_id, kind, salt, secret_hash, sealed_key,"
        " mail_secret, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            respondent_id,
            kind,
            salt.hex(),
            digest,
            sealed.hex(),
            extra.get("mail_secret"),
            extra["expires_at"],
            utc_stamp(),
        ],
    )
    return cursor.lastrowid


def offer_code(db: Database, respondent_id: int, answer_secret: str) -> str:
    """A new code carrying ``answer_secret`` (the asking browser's key, which must be the
    respondent's: the caller checks). An earlier code of the respondent stops working."""
    code = new_code()
    with transaction(db, write=True):
        _forget_expired(db)
        db.execute(
            "DELETE FROM draft_transfers WHERE respondent_id = ? AND kind = 'code'",
            [respondent_id],
        )
        _insert(
            db,
            respondent_id,
            "code",
            normalise_code(code),
            answer_secret,
            expires_at=_later(minutes=CODE_MINUTES),
        )
    return code


def offer_link(
    db: Database, respondent_id: int, answer_secret: str, server_key: str | bytes
) -> int:
    """A new mailed link carrying ``answer_secret``; returns the offer's id (the mail
    names it). Call it in the transaction that queues the message."""
    secret = secrets.token_urlsafe(LINK_BYTES)
    salt = secrets.token_bytes(16)
    mail_secret = salt.hex() + ":" + _xor(secret.encode(), _server_seed(server_key, salt)).hex()
    _forget_expired(db)
    return _insert(
        db,
        respondent_id,
        "link",
        secret,
        answer_secret,
        mail_secret=mail_secret,
        expires_at=_later(hours=LINK_HOURS),
    )


def get_offer(db: Database, offer_id: int) -> Offer | None:
    row = db.execute(
        "SELECT id, respondent_id, kind, expires_at FROM draft_transfers"
        " WHERE id = ? AND expires_at > ?",
        [offer_id, utc_stamp()],
    ).fetchone()
    return Offer(*row) if row else None


def link_secret(db: Database, offer_id: int, server_key: str | bytes) -> str | None:
    """The secret of a live mailed link, for the mail worker to write it; None once the
    link was used or expired."""
    row = db.execute(
        "SELECT mail_secret FROM draft_transfers WHERE id = ? AND kind = 'link' AND expires_at > ?",
        [offer_id, utc_stamp()],
    ).fetchone()
    if not row or not row[0]:
        return None
    salt_hex, _sep, sealed_hex = row[0].partition(":")
    salt = bytes.fromhex(salt_hex)
    return _xor(bytes.fromhex(sealed_hex), _server_seed(server_key, salt)).decode()


def _open(row, secret: str, answer_key: str | None) -> str | None:
    """The answer key an offer carries, if ``secret`` opens it and the key is still the
    respondent's (``answer_key``, its stored hash)."""
    _id, salt_hex, digest, sealed_hex = row
    tried, seed = _derive(secret, bytes.fromhex(salt_hex))
    if not hmac.compare_digest(tried, digest):
        return None
    try:
        carried = _xor(bytes.fromhex(sealed_hex), seed).decode()
    except UnicodeDecodeError:
        return None
    if not answer_key or not hmac.compare_digest(answer_key_hash(carried), answer_key):
        return ""
    return carried


def redeem_code(db: Database, respondent_id: int, typed: str) -> str:
    """The answer key the respondent's live code carries, the code then used up.
    ``WrongCode`` for a code that does not match (counted; the last try ends it),
    ``Unusable`` when there is no live code or its key is no longer the respondent's."""
    code = normalise_code(typed)
    with transaction(db, write=True):
        _forget_expired(db)
        row = db.execute(
            "SELECT id, salt, secret_hash, sealed_key FROM draft_transfers"
            " WHERE respondent_id = ? AND kind = 'code' ORDER BY id DESC LIMIT 1",
            [respondent_id],
        ).fetchone()
        if row is None:
            raise Unusable("no live code")
        key = db.execute(
            "SELECT answer_key FROM respondents WHERE id = ?", [respondent_id]
        ).fetchone()[0]
        carried = _open(row, code, key) if len(code) == CODE_LENGTH else None
        left = None
        if carried is None:  # counted, and the count kept: raised once committed
            db.execute("UPDATE draft_transfers SET attempts = attempts + 1 WHERE id = ?", [row[0]])
            attempts = db.execute(
                "SELECT attempts FROM draft_transfers WHERE id = ?", [row[0]]
            ).fetchone()[0]
            left = max(MAX_TRIES - attempts, 0)
            if left == 0:
                db.execute("DELETE FROM draft_transfers WHERE id = ?", [row[0]])
        else:
            db.execute("DELETE FROM draft_transfers WHERE id = ?", [row[0]])
    if left is not None:
        raise WrongCode(left)
    if not carried:
        raise Unusable("the key was released")
    return carried


def redeem_link(db: Database, respondent_id: int, offer_id: int, secret: str) -> str:
    """The answer key a mailed link carries, the link then used up; ``Unusable`` for a
    wrong, used, expired or outdated link."""
    with transaction(db, write=True):
        _forget_expired(db)
        row = db.execute(
            "SELECT id, salt, secret_hash, sealed_key FROM draft_transfers"
            " WHERE id = ? AND respondent_id = ? AND kind = 'link'",
            [offer_id, respondent_id],
        ).fetchone()
        if row is None or not secret or len(secret) > 128:
            raise Unusable("no such link")
        key = db.execute(
            "SELECT answer_key FROM respondents WHERE id = ?", [respondent_id]
        ).fetchone()[0]
        carried = _open(row, secret, key)
        if carried is None:
            raise Unusable("wrong link")
        db.execute("DELETE FROM draft_transfers WHERE id = ?", [row[0]])
    if not carried:  # used up all the same: it carries a key that is no longer theirs
        raise Unusable("the key was released")
    return carried


def live_offers(db: Database, respondent_id: int) -> int:
    """How many offers of the respondent still work (tests, and nothing is shown)."""
    return db.execute(
        "SELECT COUNT(*) FROM draft_transfers WHERE respondent_id = ? AND expires_at > ?",
        [respondent_id, utc_stamp()],
    ).fetchone()[0]


def start_again(db: Database, respondent_id: int, new_key: str) -> bool:
    """Discard the respondent's draft, whose key is lost, and give the key to the browser
    asking (``new_key``: the hash of its key). Returns whether a draft was discarded.
    ``AlreadySubmitted`` for submitted answers: those are never discarded without their
    key. Every offer to carry the old key ends with it."""
    with transaction(db, write=True):
        row = db.execute(
            "SELECT status FROM responses WHERE respondent_id = ?", [respondent_id]
        ).fetchone()
        if row is not None and row[0] == "submitted":
            raise AlreadySubmitted(respondent_id)
        db.execute("DELETE FROM responses WHERE respondent_id = ?", [respondent_id])
        db.execute("DELETE FROM draft_transfers WHERE respondent_id = ?", [respondent_id])
        db.execute("UPDATE respondents SET answer_key = ? WHERE id = ?", [new_key, respondent_id])
        return row is not None
