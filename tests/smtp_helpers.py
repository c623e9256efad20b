"""A real SMTP server on 127.0.0.1 for the mail tests (aiosmtpd's Controller, as Django's
own mail tests use), with switches for the faults the app must survive: a recipient
refused for good (550), "try again later" (451), a slow server, a server that is down."""

from __future__ import annotations

import asyncio
import email
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy

from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=default_policy)

    @property
    def subject(self) -> str:
        """The decoded subject. Flask-Mailman folds a long encoded subject onto the next
        line; mail programs drop the fold's space, Python's parser keeps it."""
        return self.message["Subject"].strip()

    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()

    def html(self) -> str:
        return self.message.get_body(preferencelist=("html",)).get_content()


@dataclass
class Recorder:
    """The server's handler: what it received, and how it should misbehave."""

    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # address → SMTP reply
    temporary: str | None = None  # a reply to every RCPT, such as "451 try later"
    rcpt_delay: float = 0.0  # seconds before answering each RCPT
    rcpts_seen: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            self.rcpts_seen.append(address)
        if self.rcpt_delay:
            await asyncio.sleep(self.rcpt_delay)
        if address in self.refuse:
            return self.refuse[address]
        if self.temporary:
            return self.temporary
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """An SMTP server on a fixed loopback port that can be stopped and started again."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.recorder = Recorder()
        self.controller: Controller | None = None

    def start(self) -> SmtpServer:
        self.controller = Controller(
            self.recorder, hostname="127.0.0.1", port=self.port, ready_timeout=10
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[Received]:
        return self.recorder.received

    def wait_for(self, count: int, timeout: float = 20) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.received) < count:
            time.sleep(0.05)
        return self.received

    def config(self) -> dict:
        """The app settings that send mail here."""
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port, "MAIL_TIMEOUT": 10}


def mail_app(folder, template_database, **config):
    """A test app on a copy of the template database whose background tasks run at once
    (Huey's immediate mode) and whose links point to https://check.example.com."""
    import shutil
    from pathlib import Path

    from assessment import create_app

    folder = Path(folder)
    database = folder / "mail.sqlite3"
    shutil.copyfile(template_database, database)
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-only-secret",
            "DATABASE": str(database),
            "QUESTIONS_DIR": str(Path(__file__).resolve().parent.parent / "questions"),
            "JOBS_IMMEDIATE": True,
            "PUBLIC_URL": "https://check.example.com",
            **config,
        },
        instance_path=str(folder / "instance"),
    )
