"""Alerts in the firm's chat (admins): the channels, a test button, and the delivery log.

A channel is a chat's incoming webhook (Slack, Microsoft Teams, WeCom, DingTalk, Feishu /
Lark) or any URL that takes our signed JSON; it takes the events an admin ticks, for the
whole firm or for one client, in one language. Only admins see this page: a channel's
URL and secret let anyone post to the firm's chat, so they are never shown again after
they are saved (the URL's host only).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .. import alerts
from ..alert_formats import CHANNEL_KINDS, SIGNED_CHANNEL_KINDS
from ..db import get_db
from ..jobs.outbound import Refused, check_url
from ..jobs.tasks import deliver_alerts_soon
from ..sqlite import transaction
from ..store import alerts as store
from ..store import clients
from ..store.clients import NotFound
from ..vocab import LANGUAGE_NAMES
from .access import role_required
from .audit import log
from .labels import select_choices
from .lookups import PostForm

bp = Blueprint("alerts", __name__, url_prefix="/alerts")

KIND_NAMES = {
    "slack": "Slack",
    "teams": "Microsoft Teams",
    "wecom": _l("WeCom (企业微信) group bot"),
    "dingtalk": _l("DingTalk (钉钉) group bot"),
    "feishu": _l("Feishu / Lark (飞书) bot"),
    "webhook": _l("Generic webhook (signed JSON)"),
}
EVENT_NAMES = {
    "round_closed": _l("A round closed"),
    "escalation": _l("An escalation among the next steps"),
    "perception_gap": _l("A wide perception gap"),
    "action_overdue": _l("An action overdue"),
    "review_overdue": _l("A review overdue"),
}
STATUS_NAMES = {
    "queued": _l("Waiting"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ChannelForm(FlaskForm):
    name = StringField(_l("Channel name"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(
        _l("Kind"), choices=select_choices((k, KIND_NAMES[k]) for k in CHANNEL_KINDS)
    )
    url = StringField(_l("Webhook address"), validators=[DataRequired(), Length(max=2000)])
    secret = PasswordField(
        _l("Secret (DingTalk, Feishu and the generic webhook sign every message with it)"),
        validators=[Optional(), Length(max=500)],
    )
    language = SelectField(_l("Language"), choices=select_choices(LANGUAGE_NAMES.items()))
    client_id = SelectField(_l("Client"), coerce=int)
    events = MultiCheckboxField(
        _l("Events"), choices=select_choices((e, EVENT_NAMES[e]) for e in alerts.EVENTS)
    )
    submit = SubmitField(_l("Add channel"))

    def validate_on_submit(self, extra_validators=None) -> bool:
        if not super().validate_on_submit(extra_validators):
            return False
        ok = True
        if self.kind.data in SIGNED_CHANNEL_KINDS and not self.secret.data:
            self.secret.errors.append(_("This kind of channel needs its secret."))
            ok = False
        if not self.events.data:
            self.events.errors.append(_("Choose at least one event."))
            ok = False
        try:
            check_url(self.url.data.strip(), current_app.config["ALERT_ALLOWED_HOSTS"])
        except Refused as exc:
            self.url.errors.append(_("This address cannot be used: %(why)s", why=str(exc)))
            ok = False
        return ok


def _form(db) -> ChannelForm:
    form = ChannelForm()
    form.client_id.choices = select_choices(
        [(0, _("Every client (the whole firm)"))]
        + [(c.id, c.name) for c in clients.list_clients(db)]
    )
    return form


def host_of(url: str) -> str:
    """What the page shows of a channel's address: its host, never the token in it."""
    return urlsplit(url).hostname or "?"


@bp.route("/", methods=["GET", "POST"])
@role_required("admin")
def index():
    db = get_db()
    form = _form(db)
    if form.validate_on_submit():
        with transaction(db, write=True):
            channel = store.add_channel(
                db,
                name=form.name.data.strip(),
                kind=form.kind.data,
                url=form.url.data.strip(),
                secret=form.secret.data or None,
                language=form.language.data,
                client_id=form.client_id.data or None,
                events=form.events.data,
                created_by=current_user.id,
            )
            log("alerts.channel_added", "alert_channel", channel.id, name=channel.name)
        flash(_("Channel added. Send it a test message to see that it arrives."), "success")
        return redirect(url_for("alerts.index"), 303)
    return render_template(
        "alerts/index.html",
        form=form,
        channels=store.list_channels(db),
        deliveries=store.recent(db),
        action=PostForm(),
        kind_names=KIND_NAMES,
        event_names=EVENT_NAMES,
        status_names=STATUS_NAMES,
        host_of=host_of,
        language_names=LANGUAGE_NAMES,
    )


def _channel_or_404(db, channel_id: int) -> store.Channel:
    try:
        return store.get_channel(db, channel_id)
    except NotFound:
        abort(404)


@bp.post("/<int:channel_id>/test")
@role_required("admin")
def test(channel_id: int):
    if not PostForm().validate_on_submit():
        abort(400)
    db = get_db()
    channel = _channel_or_404(db, channel_id)
    with transaction(db, write=True):
        alerts.test_alert(current_app._get_current_object(), db, channel)
        log("alerts.test_sent", "alert_channel", channel.id, name=channel.name)
    deliver_alerts_soon()
    flash(_("Test message queued: its delivery is in the log below."), "info")
    return redirect(url_for("alerts.index"), 303)


@bp.post("/<int:channel_id>/enabled")
@role_required("admin")
def toggle(channel_id: int):
    if not PostForm().validate_on_submit():
        abort(400)
    db = get_db()
    channel = _channel_or_404(db, channel_id)
    with transaction(db, write=True):
        store.set_enabled(db, channel.id, not channel.enabled)
        if channel.enabled:
            log("alerts.channel_paused", "alert_channel", channel.id, name=channel.name)
        else:
            log("alerts.channel_resumed", "alert_channel", channel.id, name=channel.name)
    return redirect(url_for("alerts.index"), 303)


@bp.post("/<int:channel_id>/delete")
@role_required("admin")
def delete(channel_id: int):
    if not PostForm().validate_on_submit():
        abort(400)
    db = get_db()
    channel = _channel_or_404(db, channel_id)
    with transaction(db, write=True):
        store.delete_channel(db, channel.id)
        log("alerts.channel_deleted", "alert_channel", channel.id, name=channel.name)
    flash(_("Channel deleted, with its delivery log."), "info")
    return redirect(url_for("alerts.index"), 303)
