"""Shared view helpers: records by id (or 404), and the empty form for bare POSTs."""

from __future__ import annotations

from flask import abort
from flask_wtf import FlaskForm

from ..db import get_db
from ..store import clients, rounds


class PostForm(FlaskForm):
    """Empty form: a bare POST action (close, archive, revoke…) with its CSRF token."""


def client_or_404(client_id: int) -> clients.Client:
    try:
        return clients.get_client(get_db(), client_id)
    except clients.NotFound:
        abort(404)


def round_or_404(round_id: int) -> rounds.Round:
    try:
        return rounds.get_round(get_db(), round_id)
    except clients.NotFound:
        abort(404)
