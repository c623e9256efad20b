"""Flask's signed-cookie sessions, verified once per cookie and worker.

Flask builds a new ``URLSafeTimedSerializer`` for every request that reads or writes the
session, and checks the cookie's signature (two HMACs), decodes it and parses its tagged
JSON every time, although a browser sends the same cookie until the session changes. On
a respondent's form page that was a tenth of the request. So:

- one serializer per set of keys (the secret key and ``SECRET_KEY_FALLBACKS``), since it
  holds nothing but its keys and settings;
- the content of each cookie whose signature checked out, with the time it was signed,
  kept per serializer in a bounded cache. A cookie found there is as good as verified
  again: only a cookie that passed the check ever gets in, and the age limit is checked
  on every request as itsdangerous would (older than the session lifetime, or signed in
  the future, and it is no session). Only sessions of plain values (text, numbers,
  booleans) are kept, because Flask hands out the session's values themselves and a view
  may change a list in place (``flash`` does).

A verified cookie is only a well-signed one: whether the login it names still lasts is
asked of the database on every request (``auth.load_user``), so a cookie kept here after
its user logged out is refused all the same.
"""

from __future__ import annotations

import copy
import time
from typing import NamedTuple

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ...lru import LRUCache, cached

VERIFIED_COOKIES = 4096  # per worker; an entry is a cookie of about 150 bytes and its data
_PLAIN = (str, int, float, bool, type(None))


class _Verified(NamedTuple):
    data: dict
    signed_at: int  # seconds since the epoch
    plain: bool  # every value immutable: the dict may be shared


@cached(VERIFIED_COOKIES)
def _verified(serializer: URLSafeTimedSerializer, cookie: str) -> _Verified:
    """The cookie's content if its signature is good (else BadSignature, not cached)."""
    data, signed_at = serializer.loads(cookie, return_timestamp=True)
    plain = isinstance(data, dict) and all(isinstance(v, _PLAIN) for v in data.values())
    return _Verified(data, int(signed_at.timestamp()), plain)


class SessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        # One set of keys at a time: a changed key replaces the old serializer.
        self._serializers: LRUCache[tuple, URLSafeTimedSerializer | None] = LRUCache(1)

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (*(app.config.get("SECRET_KEY_FALLBACKS") or ()), app.secret_key)
        return self._serializers.get(keys, super().get_signing_serializer, app)

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        try:
            known = _verified(serializer, cookie)
        except BadSignature:
            return self.session_class()
        age = int(time.time()) - known.signed_at  # whole seconds, as itsdangerous counts
        if age > int(app.permanent_session_lifetime.total_seconds()) or age < 0:  # expired
            return self.session_class()
        data = known.data if known.plain else copy.deepcopy(known.data)
        return self.session_class(data)  # a new dict: the cached one is never changed
