"""HTTP receivers on 127.0.0.1 that stand in for the chats (tests of alerts).

Each receiver is a real HTTP server in a thread. It records every request (path, query,
headers, body), can fail the first ``fail`` requests with a 500, and can hang for
``hang`` seconds before answering (a chat that does not answer in time). ``answer`` is
the body it answers with (the bots answer 200 with a JSON error code).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    path: str
    query: dict
    headers: dict
    body: bytes


@dataclass
class Receiver:
    fail: int = 0
    hang: float = 0.0
    answer: bytes = b"ok"
    redirect_to: str | None = None  # answer 302 to this address instead
    received: list[Received] = field(default_factory=list)
    attempts: int = 0

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                receiver.attempts += 1
                if receiver.hang:
                    time.sleep(receiver.hang)
                if receiver.attempts <= receiver.fail:
                    self.send_response(500)
                    self.end_headers()
                    self.wfile.write(b"down for maintenance")
                    return
                if receiver.redirect_to:
                    self.send_response(302)
                    self.send_header("Location", receiver.redirect_to)
                    self.end_headers()
                    return
                parts = urlsplit(self.path)
                receiver.received.append(
                    Received(parts.path, parse_qs(parts.query), dict(self.headers), body)
                )
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(receiver.answer)

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
