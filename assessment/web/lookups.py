"""Shared view helpers: records by id (or 404), bare-POST forms, form errors as flashes."""

from __future__ import annotations

from flask import abort, flash
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


def flash_errors(form: FlaskForm) -> None:
    """Each error of a form that is not re-rendered, as "Label: message"."""
    for name, messages in form.errors.items():
        label = form[name].label.text if name in form and name != "csrf_token" else ""
        for message in messages:
            flash(f"{label}: {message}" if label else message, "danger")
