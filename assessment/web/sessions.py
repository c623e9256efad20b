"""Flask's signed-cookie sessions, with the signing serializer made once per key.

Flask builds a new ``URLSafeTimedSerializer`` for every request that reads or writes the
session, and building one signs a test value; on a respondent's form page that was a
measurable share of the request. The serializer holds nothing but its keys and settings,
so one per set of keys (the secret key and ``SECRET_KEY_FALLBACKS``) is reused.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class SessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (*(app.config.get("SECRET_KEY_FALLBACKS") or ()), app.secret_key)
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            self._serializers = {keys: serializer}  # a changed key replaces the old one
        return serializer
