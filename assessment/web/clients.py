"""Clients: list with search, create, edit, archive (leads and admins)."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .. import results
from ..db import get_db
from ..report.charts import trend_svg
from ..report.context import action_title
from ..report.data import history
from ..review_calendar import DEFAULT_CADENCE
from ..review_rounds import client_next_review
from ..sqlite import transaction
from ..store import actions, clients, rounds
from ..vocab import LEAD_ROLES
from .access import role_required
from .audit import log
from .i18n import current_language, requested_language
from .labels import CADENCE_NAMES, select_choices
from .lookups import PostForm, client_or_404

bp = Blueprint("clients", __name__, url_prefix="/clients")
LEADS = LEAD_ROLES


class ClientForm(FlaskForm):
    name = StringField(_l("Client name"), validators=[DataRequired(), Length(max=200)])
    industry = StringField(_l("Industry"), validators=[Optional(), Length(max=200)])
    lead_id = SelectField(_l("Account lead"), coerce=int, validators=[Optional()])
    start_date = DateField(_l("Start of the relationship"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])
    review_cadence = SelectField(
        _l("Review calendar"),
        choices=select_choices(CADENCE_NAMES.items()),
        default=DEFAULT_CADENCE,
        description=_l(
            "At the start of each review period a new round opens by itself, with the"
            " previous round's respondents."
        ),
    )
    review_auto_send = BooleanField(
        _l(
            "Invite the respondents of a scheduled round at once (otherwise you confirm or"
            " edit them first)"
        )
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        leads = get_db().execute(
            "SELECT id, COALESCE(NULLIF(name, ''), email) FROM users"
            " WHERE role IN ('admin', 'lead') AND active = 1 ORDER BY 2"
        )
        self.lead_id.choices = select_choices(
            [(0, _("(none)")), *((row[0], row[1]) for row in leads)]
        )


def _save_calendar(db, client_id: int, form: ClientForm) -> None:
    clients.set_review_calendar(
        db, client_id, cadence=form.review_cadence.data, auto_send=form.review_auto_send.data
    )


def _fields(form: ClientForm) -> dict:
    return {
        "name": form.name.data,
        "industry": form.industry.data or "",
        "lead_id": form.lead_id.data or None,
        "start_date": form.start_date.data.isoformat() if form.start_date.data else None,
        "notes": form.notes.data or "",
    }


@bp.get("/")
@role_required(*LEADS)
def index():
    search = request.args.get("q", "")[:200]
    archived = request.args.get("archived") == "1"
    found = clients.list_clients(get_db(), search=search, archived=archived)
    return render_template("clients/index.html", clients=found, search=search, archived=archived)


@bp.route("/new", methods=["GET", "POST"])
@role_required(*LEADS)
def create():
    # The account lead defaults to whoever creates the client (a lead or an admin).
    form = ClientForm(data={"lead_id": current_user.id})
    if form.validate_on_submit():
        db = get_db()
        with transaction(db, write=True):  # the client and its calendar, or neither
            client = clients.create_client(db, **_fields(form))
            _save_calendar(db, client.id, form)
            log("client.created", "client", client.id, name=client.name)
        flash(_("Client %(name)s created.", name=client.name), "success")
        return redirect(url_for("clients.show", client_id=client.id))
    status = 400 if form.is_submitted() else 200
    return render_template("clients/form.html", form=form, client=None), status


@bp.get("/<int:client_id>")
@role_required(*LEADS)
def show(client_id: int):
    """The client's history: every round with its result, the trend, the actions."""
    db = get_db()
    client = client_or_404(client_id)
    found = rounds.list_rounds(db, client_id)
    # Closed rounds' stored results, from one read of the client's rounds.
    record = results.load(db, found[0], every_answer=False) if found else None
    scored = {r.id: results.score(record, r) for r in found if not r.is_open}
    by_id = {r.id: r for r in found}
    lang = current_language()
    client_actions = actions.client_actions(db, client_id)
    return render_template(
        "clients/show.html",
        client=client,
        rounds=found,
        scored=scored,
        client_actions=client_actions,
        # an action made from a next step reads as the step does, in the page's language
        action_titles={
            a.id: action_title(a, by_id[a.round_id].questionnaire, lang)
            for a in client_actions
            if a.round_id in by_id
        },
        archive_form=PostForm(),
        today=date.today().isoformat(),
        next_review=client_next_review(db, client_id, date.today()),
    )


@bp.get("/<int:client_id>/charts/trend.svg")
@role_required(*LEADS)
def trend_chart(client_id: int):
    """The trend of the client's latest questionnaire across its rounds."""
    db = get_db()
    client_or_404(client_id)
    found = rounds.list_rounds(db, client_id)
    if not found:
        abort(404)
    latest = found[0]
    svg = trend_svg(latest.questionnaire, history(results.load(db, latest)), requested_language())
    return Response(svg, mimetype="image/svg+xml")


@bp.route("/<int:client_id>/edit", methods=["GET", "POST"])
@role_required(*LEADS)
def edit(client_id: int):
    client = client_or_404(client_id)
    form = ClientForm(obj=None if request.method == "POST" else _form_data(client))
    if form.validate_on_submit():
        db = get_db()
        fields = _fields(form)
        with transaction(db, write=True):
            before = clients.get_client(db, client_id)
            clients.update_client(db, client_id, **fields)
            _save_calendar(db, client_id, form)
            changed = sorted(k for k, v in fields.items() if getattr(before, k) != v)
            log("client.changed", "client", client_id, name=fields["name"], changed=changed)
        flash(_("Client saved."), "success")
        return redirect(url_for("clients.show", client_id=client_id))
    status = 400 if form.is_submitted() else 200
    return render_template("clients/form.html", form=form, client=client), status


def _form_data(client: clients.Client):
    from types import SimpleNamespace

    return SimpleNamespace(
        name=client.name,
        industry=client.industry,
        lead_id=client.lead_id or 0,
        start_date=date.fromisoformat(client.start_date) if client.start_date else None,
        notes=client.notes,
        review_cadence=client.review_cadence,
        review_auto_send=client.review_auto_send,
    )


@bp.post("/<int:client_id>/archive")
@role_required(*LEADS)
def archive(client_id: int):
    client_or_404(client_id)
    if not PostForm().validate_on_submit():
        abort(400)
    db = get_db()
    with transaction(db, write=True):  # toggled from its state now, not when the page was read
        client = clients.get_client(db, client_id)
        clients.set_archived(db, client_id, not client.archived)
        log(
            "client.restored" if client.archived else "client.archived",
            "client",
            client_id,
            name=client.name,
        )
    if client.archived:
        flash(_("Client restored."), "success")
    else:
        flash(_("Client archived. It no longer appears in the list."), "success")
    return redirect(url_for("clients.show", client_id=client_id))
