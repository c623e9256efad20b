"""The app's mail: what each kind of message says (``kinds``), how it is written
(``compose``: templates in ``templates/mail/``, in the recipient's language or both) and
how it leaves (``transport``: an SMTP server through Flask-Mailman, or the local outbox).

Messages are queued in the outbox table (``store.outbox``) by whatever causes them and
sent by the worker (``jobs.mail``); nothing here runs inside a request. No web imports.
"""

from __future__ import annotations

from collections.abc import Mapping


def uses_smtp(config: Mapping) -> bool:
    """Whether mail leaves through a mail server (else it stays in the local outbox)."""
    return bool(config.get("MAIL_SERVER"))
