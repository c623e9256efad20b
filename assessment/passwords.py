"""Which passwords are refused: short ones, and ones that are easy to guess.

The guessing is judged by zxcvbn (the maintained Python port of Dropbox's estimator, MIT
licence, no network). It ships the 30,000 most common passwords of leaked password
lists, English words, names and surnames, and recognises what people do to them:
repeats (``aaaaaaaa``, ``abcabcabc``), sequences (``12345678``), keyboard rows
(``qwertyuiop``), dates, substitutions (``p@ssw0rd``) and words of the user's own (their
email, their name, the app's name). It estimates how many guesses a password takes; one
that falls within a million guesses (zxcvbn's score 0 or 1) is refused, with the reason
found first in the order of ``REASONS``. The login throttle (five failures per email and
15 minutes) makes a million guesses take decades online.

Only the first ``ANALYSED`` characters are judged (zxcvbn refuses longer input, and its
work grows with the length); a password that long is strong unless its start is weak.
Pure: no Flask, no database; the web forms translate the reasons (``web/users.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MIN_LENGTH = 8
MAX_LENGTH = 1024
MIN_SCORE = 2  # zxcvbn: 2 = more than a million guesses (10**6)
ANALYSED = 72
APP_WORDS = ("partnership", "check", "partnership check", "partnershipcheck")

# The reasons a password is refused, in the order they are looked for, each with the
# message the command line shows (the web forms show a translated one).
REASONS = {
    "short": f"the password must have at least {MIN_LENGTH} characters",
    "personal": "the password is too close to the user's email address or name, or to the"
    " name of this app",
    "common": "this is one of the most common passwords",
    "repeated": "repeated characters or words (like aaaa or abcabc) are easy to guess",
    "sequence": "sequences (like abcd or 1234) and keyboard rows (like qwerty) are easy to guess",
    "guessable": "this password is too easy to guess (a single word, a name or a date)",
}


def context_words(*texts: str | None) -> list[str]:
    """The words of an email address or a name that a password should not be made of."""
    words = list(APP_WORDS)
    for text in texts:
        if not text:
            continue
        text = text.strip().lower()
        words.append(text)
        words.extend(part for part in re.split(r"[\s@._+-]+", text) if len(part) >= 3)
    return words


def weakness(password: str, context: Iterable[str] = ()) -> str | None:
    """Why ``password`` is refused (a key of ``REASONS``), or None if it is accepted."""
    if len(password) < MIN_LENGTH:
        return "short"
    from zxcvbn import zxcvbn  # imported on first use: it loads its word lists

    result = zxcvbn(password[:ANALYSED], user_inputs=list(context))
    if result["score"] >= MIN_SCORE:
        return None
    found = {_reason(match) for match in result["sequence"]}
    return next((reason for reason in REASONS if reason in found), "guessable")


def _reason(match: dict) -> str:
    pattern = match.get("pattern")
    if pattern == "dictionary":
        return {"user_inputs": "personal", "passwords": "common"}.get(
            match.get("dictionary_name"), "guessable"
        )
    if pattern == "repeat":
        return "repeated"
    if pattern in ("sequence", "spatial"):
        return "sequence"
    return "guessable"
