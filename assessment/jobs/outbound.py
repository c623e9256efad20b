"""Posting to an address an admin typed, without letting it reach inside the firm.

An alert channel's URL is typed by an admin, so it could name the app's own host, the
cloud's metadata service or a machine on the office network (server-side request
forgery). ``post`` refuses any address whose host resolves to an address that is not
public (loopback, private, link-local, reserved…) unless the host is in
``ALERT_ALLOWED_HOSTS``, follows no redirect (a redirect could lead inside), waits at most
``timeout`` seconds, and reads at most 64 KB of the answer.

The check resolves the host just before connecting: a DNS answer that changes between the
two (rebinding) is the one gap left; allowing only public addresses at the resolver
closes it where that matters.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_ANSWER = 64 * 1024


class Refused(ValueError):
    """The address may not be posted to; the message says why."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


def check_url(url: str, allowed_hosts: list[str] | tuple[str, ...]) -> None:
    """Raise ``Refused`` unless ``url`` is an http(s) address whose host resolves only to
    public addresses, or is one of ``allowed_hosts``."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise Refused("the address must start with https:// and name a host")
    if parts.username or parts.password:
        raise Refused("the address must not carry a user name or password")
    host = parts.hostname.lower()
    if host in {h.strip().lower() for h in allowed_hosts}:
        return
    if parts.scheme != "https":
        raise Refused("the address must start with https://")
    try:
        found = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(f"the host {host} cannot be found ({exc})") from exc
    for *_rest, address in found:
        ip = ipaddress.ip_address(address[0])
        if not ip.is_global:
            raise Refused(
                f"the host {host} is a private or local address ({ip}); an admin may allow"
                " it with ALERT_ALLOWED_HOSTS"
            )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.HTTPError(
            req.full_url, code, f"redirect to {newurl} refused", headers, fp
        )


_OPENER = urllib.request.build_opener(_NoRedirects())


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float,
    allowed_hosts: list[str] | tuple[str, ...] = (),
) -> Answer:
    """POST ``body`` to ``url`` (checked first); the answer's status and start. Raises
    ``Refused`` for a forbidden address and ``OSError`` when nothing answered in time."""
    check_url(url, allowed_hosts)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return Answer(response.status, response.read(MAX_ANSWER))
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, exc.read(MAX_ANSWER) if exc.fp else str(exc.reason).encode())
