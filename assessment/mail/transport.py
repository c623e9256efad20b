"""How a message leaves: through the SMTP server (Flask-Mailman) or into the local outbox.

Flask-Mailman is Django's mail code for Flask: it encodes non-ASCII display names and
subjects (RFC 2047), and refuses a line break in any header (``BadHeaderError``), so a
name or a subject can never add a header or a recipient. Its SMTP connection is kept
open for a whole round of deliveries and has a timeout (``MAIL_TIMEOUT``).

What the server answers decides what happens to the message (see ``jobs.mail``):

- ``Refused``: the server will never take this message (a 5xx answer to its recipient
  or its content). It fails at once, with the server's words; ``recipient`` says whether
  the address itself was refused (the respondent is marked).
- ``Unavailable``: the server cannot be reached, or refused us (login, sender), or said
  "try later" (4xx). The message is tried again later; ``whole_server`` says that every
  waiting message would meet the same fate.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass

from flask import Flask
from flask_mailman import EmailMultiAlternatives, Mail
from flask_mailman.message import BadHeaderError

from ..vocab import N_
from . import uses_smtp
from .compose import Rendered, sender

# Why a message was not delivered, stored as "<reason>: <details>" in English; pages
# translate the reason (``vocab.N_`` marks it for the catalogs) and show the details, the
# server's own words, as they came.
UNREACHABLE = N_("cannot reach the mail server")
REFUSED_CONNECTION = N_("the mail server refused the connection")
REFUSED_ADDRESS = N_("the mail server refused the address")
REFUSED_SENDER = N_("the mail server refused the sender")
REFUSED_MESSAGE = N_("the mail server refused the message")
BROKE = N_("the connection to the mail server broke")
UNWRITABLE = N_("the message cannot be written")


class Refused(Exception):
    """The mail server will not take this message, now or later."""

    def __init__(self, reason: str, *, recipient: bool):
        super().__init__(reason)
        self.recipient = recipient


class Unavailable(Exception):
    """The message could not be handed over now; try again later."""

    def __init__(self, reason: str, *, whole_server: bool):
        super().__init__(reason)
        self.whole_server = whole_server


@dataclass(frozen=True)
class Outgoing:
    """One message for one recipient, as written."""

    to: str  # a formatted address (compose.address)
    rendered: Rendered
    message_id: str


def _mail(app: Flask):
    """Flask-Mailman's state for the app, set up on first use (only the worker sends
    mail). Always its SMTP backend: Flask-Mailman would keep a testing app's mail in
    memory, and the local outbox is ``LocalTransport``'s."""
    mail = app.extensions.get("mailman")
    if mail is None:
        mail = app.extensions["mailman"] = Mail.init_mail(
            {**app.config, "MAIL_BACKEND": "smtp"}, testing=False
        )
    return mail


def _server_words(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}".strip()


class LocalTransport:
    """No mail server: a sent message is the copy kept in the outbox, read in the app."""

    name = "local"

    def __enter__(self) -> LocalTransport:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def send(self, outgoing: Outgoing) -> None:
        return None


class SmtpTransport:
    """One connection to the mail server for many messages (opened on the first)."""

    name = "smtp"

    def __init__(self, app: Flask):
        self.app = app
        self.connection = None

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *exc) -> None:
        self._drop()

    def _open(self):
        if self.connection is None:
            connection = _mail(self.app).get_connection(fail_silently=False)
            try:
                connection.open()
            except smtplib.SMTPResponseException as exc:  # greeting, TLS or login refused
                raise Unavailable(
                    f"{REFUSED_CONNECTION}: {_server_words(exc.smtp_code, exc.smtp_error)}",
                    whole_server=True,
                ) from exc
            except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
                raise Unavailable(
                    f"{UNREACHABLE}: {self.app.config['MAIL_SERVER']}:"
                    f"{self.app.config['MAIL_PORT']}, {exc or type(exc).__name__}",
                    whole_server=True,
                ) from exc
            self.connection = connection
        return self.connection

    def send(self, outgoing: Outgoing) -> None:
        connection = self._open()
        rendered = outgoing.rendered
        try:
            message = EmailMultiAlternatives(
                subject=rendered.subject,
                body=rendered.text,
                from_email=sender(self.app.config, rendered),
                to=[outgoing.to],
                reply_to=[rendered.reply_to] if rendered.reply_to else None,
                headers={"Message-ID": outgoing.message_id},
                connection=connection,
            )
            message.attach_alternative(rendered.html, "text/html")
            for attachment in rendered.attachments:
                message.attach(attachment.filename, attachment.content, attachment.mimetype)
            message.message()  # build it now: a bad header is this message's fault
        except (BadHeaderError, ValueError) as exc:
            raise Refused(f"{UNWRITABLE}: {exc}", recipient=False) from exc
        try:
            connection.send_messages([message])
        except smtplib.SMTPRecipientsRefused as exc:
            code, words = next(iter(exc.recipients.values()))
            reason = f"{REFUSED_ADDRESS}: {_server_words(code, words)}"
            if code >= 500:
                raise Refused(reason, recipient=True) from exc
            raise Unavailable(reason, whole_server=False) from exc
        except smtplib.SMTPSenderRefused as exc:
            self._drop()
            raise Unavailable(
                f"{REFUSED_SENDER}: {exc.sender}, {_server_words(exc.smtp_code, exc.smtp_error)}",
                whole_server=True,
            ) from exc
        except smtplib.SMTPDataError as exc:
            words = _server_words(exc.smtp_code, exc.smtp_error)
            reason = f"{REFUSED_MESSAGE}: {words}"
            if exc.smtp_code >= 500:
                raise Refused(reason, recipient=False) from exc
            raise Unavailable(reason, whole_server=False) from exc
        except (smtplib.SMTPException, OSError) as exc:  # disconnected, timed out
            self._drop()
            raise Unavailable(
                f"{BROKE}: {exc or type(exc).__name__}",
                whole_server=True,
            ) from exc

    def _drop(self) -> None:
        """Close the connection (after an error it may be broken: the next send opens
        a new one)."""
        if self.connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None


def transport_for(app: Flask) -> LocalTransport | SmtpTransport:
    return SmtpTransport(app) if uses_smtp(app.config) else LocalTransport()


def describe(config: Mapping) -> str:
    """Where mail goes, for the outbox page and the worker's log."""
    if not uses_smtp(config):
        return "local outbox"
    security = "SSL" if config.get("MAIL_USE_SSL") else "TLS" if config.get("MAIL_USE_TLS") else ""
    return f"{config['MAIL_SERVER']}:{config['MAIL_PORT']} {security}".strip()
