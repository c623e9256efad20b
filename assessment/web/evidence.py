"""Evidence between rounds (issue 28): the incident log (any team member of a client, from
the home page, in a few taps on a phone) and the client's evidence page (leads and admins:
invoice figures and the upload, incident counts per sign and month, texts under the text
floor, the export).

Who sees what (docs/anonymity.md, "Incidents"): a leader sees counts per sign and month;
the texts of unsigned incidents without names or dates, and only once at least the text
floor (``ANONYMITY_TEXT_FLOOR``) of different people have logged unsigned incidents for the
client; signed incidents with their author's name. Client contacts, team links and share
links never reach any of it.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
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
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .. import clock, evidence, exports, invoice_import
from ..db import get_db
from ..questionnaire import Questionnaire
from ..review_calendar import Quarter
from ..round_evidence import (
    incidents_since_last_round,
    round_evidence,
    set_client_summary_invoices,
)
from ..sqlite import transaction
from ..store import audit, clients, respondents, rounds
from ..store import evidence as store
from ..vocab import LEAD_ROLES
from .access import public, role_required
from .audit import log
from .downloads import download, file_name
from .i18n import requested_language
from .labels import select_choices
from .lookups import client_or_404, round_or_404

bp = Blueprint("evidence", __name__)

MAX_TEXT = 2000
#: The three moves with which a team speaks up, as the form names them.
MOVE_NAMES = {
    "boundary": _l("Stated a boundary"),
    "process": _l("Walked the client through the process"),
    "term": _l("Enforced a term"),
}
#: Quarters of invoice figures the evidence page shows.
QUARTERS_SHOWN = 4
#: Months of incident counts the evidence page shows.
MONTHS_SHOWN = 6


def client_questionnaire(db, client_id: int) -> Questionnaire | None:
    """The questionnaire of the client's latest round (its signs are the log's)."""
    found = rounds.list_rounds(db, client_id)
    return found[0].questionnaire if found else None


def _loggable_clients(db) -> list[tuple[int, str]]:
    """The clients the current user may log incidents for: a lead or an admin any active
    client with a round; a member the clients whose team they are on."""
    if current_user.is_lead:
        return [(c.id, c.name) for c in clients.list_clients(db) if c.rounds]
    return store.team_clients(db, current_user.id)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class IncidentForm(FlaskForm):
    client_id = SelectField(
        _l("Client"), coerce=int, validators=[DataRequired(_l("Choose the client."))]
    )
    sign = SelectField(_l("Warning sign"), validators=[DataRequired(_l("Choose the sign."))])
    text = TextAreaField(
        _l("What happened"),
        validators=[DataRequired(_l("Say what happened.")), Length(max=MAX_TEXT)],
    )
    happened = DateField(_l("When"), validators=[DataRequired(_l("Give the day."))])
    moves = MultiCheckboxField(
        _l("We spoke up"), choices=select_choices(MOVE_NAMES.items()), validators=[Optional()]
    )
    response = TextAreaField(
        _l("How the client responded"), validators=[Optional(), Length(max=MAX_TEXT)]
    )
    signed = BooleanField(_l("Sign with my name (otherwise leaders see the text without it)"))
    submit = SubmitField(_l("Log incident"))

    def validate_happened(self, field) -> None:
        if field.data and field.data > clock.local_today(current_app.config):
            raise ValidationError(_("The day is in the future."))


def _sign_choices(db, client_ids) -> list[tuple[str, str]]:
    lang = requested_language()
    seen: dict[str, str] = {}
    for client_id in client_ids:
        q = client_questionnaire(db, client_id)
        for sign in q.signs if q else ():
            seen.setdefault(sign.id, sign.title.get(lang))
    return select_choices([("", _("Choose…")), *seen.items()])


def _prepare(form: IncidentForm, db, choices: list[tuple[int, str]]) -> None:
    """The form's choices: the clients (a person on several teams chooses one first: no
    client is picked for them) and the signs of their questionnaires."""
    shown = choices if len(choices) == 1 else [(0, _("Choose…")), *choices]
    form.client_id.choices = select_choices(shown)
    form.sign.choices = _sign_choices(db, [cid for cid, _name in choices])


def _fields(form: IncidentForm) -> dict:
    return {
        "sign": form.sign.data,
        "happened": form.happened.data,
        "text": form.text.data.strip(),
        "moves": tuple(form.moves.data or ()),
        "response": (form.response.data or "").strip(),
        "signed": bool(form.signed.data),
    }


def _sign_of_client(db, form: IncidentForm) -> bool:
    """Whether the chosen sign is one of the chosen client's (adds the error if not)."""
    q = client_questionnaire(db, form.client_id.data)
    if q is None or form.sign.data not in [s.id for s in q.signs]:
        form.sign.errors = [*form.sign.errors, _("Choose one of this client's signs.")]
        return False
    return True


@bp.route("/incidents/new", methods=["GET", "POST"])
@role_required("member", *LEAD_ROLES)
def new_incident():
    """Log an incident: a phone-friendly form, one screen."""
    db = get_db()
    choices = _loggable_clients(db)
    if not choices:
        return render_template("evidence/incident_form.html", form=None, incident=None), 200
    today = clock.local_today(current_app.config)
    wanted = request.args.get("client", type=int)
    form = IncidentForm(
        data={"happened": today, "client_id": wanted or (choices[0][0] if len(choices) == 1 else 0)}
    )
    _prepare(form, db, choices)
    if form.validate_on_submit() and _sign_of_client(db, form):
        with transaction(db, write=True):
            incident = store.create_incident(
                db,
                client_id=form.client_id.data,
                author_id=current_user.id,
                signed_name=current_user.name or current_user.email,
                **_fields(form),
            )
            _audit("incident.logged", incident)
        flash(_("Incident logged. You can change it for a week."), "success")
        return redirect(url_for("main.index"))
    status = 400 if form.is_submitted() else 200
    return render_template("evidence/incident_form.html", form=form, incident=None), status


def _audit(action: str, incident: store.IncidentRow) -> None:
    """The audit entry names the client, not the incident, so that the log cannot tie an
    unsigned text (shown without id or date) to its author."""
    details = {"signed": incident.signed}
    if incident.signed:
        details["incident"] = incident.id
    log(action, "client", incident.client_id, **details)


@bp.route("/incidents/<int:incident_id>/edit", methods=["GET", "POST"])
@role_required("member", *LEAD_ROLES)
def edit_incident(incident_id: int):
    """Its author changes an incident, for a week after logging it; nobody else may."""
    db = get_db()
    try:
        incident = store.get_incident(db, incident_id)
    except clients.NotFound:
        abort(404)
    if incident.author_id != current_user.id:
        abort(404)  # not even whether it exists
    if not incident.editable_by(current_user.id, clock.utc_now()):
        flash(_("An incident can be changed for a week after it was logged."), "warning")
        return redirect(url_for("main.index"))
    if request.method == "POST":
        form = IncidentForm()
    else:
        form = IncidentForm(
            data={
                "client_id": incident.client_id,
                "sign": incident.sign,
                "text": incident.text,
                "happened": incident.happened,
                "moves": sorted(incident.moves),
                "response": incident.response,
                "signed": incident.signed,
            }
        )
    _prepare(form, db, [(incident.client_id, incident.client_name)])
    form.client_id.data = incident.client_id  # the client stays
    if form.validate_on_submit() and _sign_of_client(db, form):
        with transaction(db, write=True):
            store.update_incident(db, incident.id, **_fields(form))
            _audit("incident.changed", store.get_incident(db, incident.id))
        flash(_("Incident saved."), "success")
        return redirect(url_for("main.index"))
    status = 400 if form.is_submitted() else 200
    return render_template("evidence/incident_form.html", form=form, incident=incident), status


@bp.route("/r/<token>/incident", methods=["GET", "POST"])
@public
def incident_from_link(token: str):
    """Log an incident through one's personal link, without an account: for the team of
    the link's client only (a client contact's link has none). Create only: the page
    lists nothing and nothing can be changed through it, so that whoever else holds the
    link learns nothing of what was logged."""
    db = get_db()
    respondent = respondents.find_by_token(db, token)
    if respondent is None or respondent.side != "team":
        abort(404)
    current = rounds.get_round(db, respondent.round_id)
    choices = [(current.client_id, current.client_name)]
    form = IncidentForm(
        data={"happened": clock.local_today(current_app.config), "client_id": current.client_id}
    )
    _prepare(form, db, choices)
    if form.validate_on_submit() and _sign_of_client(db, form):
        fields = _fields(form)
        with transaction(db, write=True):
            incident = store.create_incident(
                db,
                client_id=current.client_id,
                author_id=respondent.user_id,
                signed_name=respondent.name,
                **fields,
            )
            audit.record(
                db,
                user_id=None,
                actor="personal link",
                action="incident.logged",
                object_type="client",
                object_id=current.client_id,
                details={"signed": incident.signed, "through": "personal link"},
            )
        flash(_("Incident logged. Thank you."), "success")
        return redirect(url_for("evidence.incident_from_link", token=token))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "evidence/incident_form.html", form=form, incident=None, link=True
    ), status


@bp.app_context_processor
def _home_helpers() -> dict:
    """``incident_home()`` for the home page's incidents block (evidence/_home.html)."""
    return {
        "incident_home": _incident_home,
        "incidents_before": incidents_before,
        "portfolio_evidence": portfolio_evidence,
    }


def portfolio_evidence(rows) -> list[tuple]:
    """For the portfolio (leads): each client's latest reviewed round's disagreements and
    speak-ups on persisting signs, as (row, sign evidence, band id, score) riskiest client
    first. Counts and figures only."""
    db = get_db()
    today = clock.local_today(current_app.config)
    found = []
    for row in rows:
        if not row.round_id or row.questionnaire is None:
            continue
        current = rounds.get_round(db, row.round_id)
        bands = {sign: cell[0] for sign, cell in row.sign_bands.items()}
        shown = round_evidence(db, current, bands, today)
        for sign in shown.signs.values():
            if sign.disagreement is not None or sign.persisted_after:
                cell = row.sign_bands.get(sign.sign_id)
                found.append((row, current.questionnaire, sign, cell[0], cell[1]))
    return found


def incidents_before(current: rounds.Round) -> dict[str, int]:
    """Per sign, the incidents logged for the client since its last round: what a
    quarterly round's form shows the team before each sign's questions (a count only;
    never to the client's people, never texts or names)."""
    if current.kind != "quarterly" or current.audience == "client":
        return {}
    return incidents_since_last_round(get_db(), current)


def _incident_home() -> dict:
    db = get_db()
    now = clock.utc_now()
    mine = store.my_incidents(db, current_user.id)
    return {
        "can_log": bool(_loggable_clients(db)),
        "mine": [(i, i.editable_by(current_user.id, now)) for i in mine[:10]],
    }


# --- the client's evidence page (leads) ---------------------------------------------------------


class InvoiceForm(FlaskForm):
    file = FileField(_l("CSV or xlsx file from the accounting system"), validators=[FileRequired()])
    number = StringField(_l("invoice number"), validators=[Optional(), Length(max=200)])
    issued = StringField(_l("issue date"), validators=[Optional(), Length(max=200)])
    due = StringField(_l("due date"), validators=[Optional(), Length(max=200)])
    paid = StringField(_l("payment date"), validators=[Optional(), Length(max=200)])
    amount = StringField(_l("amount"), validators=[Optional(), Length(max=200)])
    currency = StringField(_l("currency"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Import invoices"))


def texts_shown(incidents: list[store.IncidentRow], text_floor: int) -> bool:
    """Whether the texts of the unsigned incidents may be shown (without names). Those
    logged through a personal link without an account (no author) count as one person."""
    authors = {i.author_id for i in incidents if not i.signed}
    return evidence.texts_visible(len(authors), text_floor)


def _months(today: date, count: int) -> list[str]:
    months, year, month = [], today.year, today.month
    for _i in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(months))


def evidence_page_data(db, client_id: int, today: date, text_floor: int) -> dict:
    """Everything the evidence page shows (also used by the tests)."""
    invoices = store.client_invoices(db, client_id)
    q = client_questionnaire(db, client_id)
    grace = q.settings.late_grace_days if q else evidence.DEFAULT_LATE_GRACE_DAYS
    quarter = Quarter.of(today)
    periods = []
    for back in range(QUARTERS_SHOWN):
        shown = quarter.plus(-back)
        start, end = shown.starts, shown.plus(1).starts - timedelta(days=1)
        periods.append(
            (
                shown.label,
                evidence.invoice_facts(invoices, start, end, as_of=today, grace_days=grace),
            )
        )
    incidents = store.client_incidents(db, client_id)
    months = _months(today, MONTHS_SHOWN)
    by_month = evidence.incidents_by_month(i.incident for i in incidents)
    signs = [(s.id, s.title) for s in q.signs] if q else []
    totals = evidence.incident_counts(
        (i.incident for i in incidents), date.fromisoformat(months[0] + "-01"), today
    )
    shown_texts = texts_shown(incidents, text_floor)
    unsigned = sorted(
        ((i.sign, i.text, i.response, sorted(i.moves)) for i in incidents if not i.signed),
    )
    return {
        "invoice_count": len(invoices),
        "periods": periods,
        "overdue": evidence.overdue_amounts(invoices, today, grace),
        "grace": grace,
        "signs": signs,
        "months": months,
        "by_month": by_month,
        "totals": totals,
        "signed": [i for i in incidents if i.signed],
        "unsigned": unsigned if shown_texts else [],
        "unsigned_withheld": 0 if shown_texts else len(unsigned),
        "text_floor": text_floor,
    }


@bp.get("/clients/<int:client_id>/evidence")
@role_required(*LEAD_ROLES)
def client_evidence(client_id: int):
    client = client_or_404(client_id)
    db = get_db()
    form = InvoiceForm(formdata=None, data=invoice_import.remembered_columns(db, client_id))
    return render_template(
        "evidence/client.html",
        client=client,
        form=form,
        move_names=MOVE_NAMES,
        headers=(),
        **evidence_page_data(
            db,
            client_id,
            clock.local_today(current_app.config),
            current_app.config["ANONYMITY_TEXT_FLOOR"],
        ),
    )


@bp.post("/clients/<int:client_id>/invoices")
@role_required(*LEAD_ROLES)
def upload_invoices(client_id: int):
    client = client_or_404(client_id)
    form = InvoiceForm()
    db = get_db()
    if form.validate_on_submit():
        data = form.file.data.read(invoice_import.MAX_BYTES + 1)
        mapping = {f: form[f].data.strip() for f in invoice_import.FIELDS if form[f].data}
        try:
            with transaction(db, write=True):
                result = invoice_import.import_invoices(
                    db, client_id, data, form.file.data.filename or "", mapping=mapping
                )
                log(
                    "invoices.imported",
                    "client",
                    client_id,
                    created=result.created,
                    updated=result.updated,
                    unchanged=result.unchanged,
                )
        except invoice_import.InvoiceImportRefused as refused:
            flash(_("Nothing was imported:"), "danger")
            for problem in refused.problems[:20]:
                flash(invoice_import.describe_problem(problem, _), "danger")
            if len(refused.problems) > 20:
                flash(_("… and %(num)s more problems.", num=len(refused.problems) - 20), "danger")
            return _evidence_again(client, form, refused.headers)
        flash(
            _(
                "Invoices imported: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.",
                created=result.created,
                updated=result.updated,
                unchanged=result.unchanged,
            ),
            "success",
        )
        return redirect(url_for("evidence.client_evidence", client_id=client_id))
    return _evidence_again(client, form, ())


def _evidence_again(client, form, headers):
    db = get_db()
    return render_template(
        "evidence/client.html",
        client=client,
        form=form,
        move_names=MOVE_NAMES,
        headers=headers,
        **evidence_page_data(
            db,
            client.id,
            clock.local_today(current_app.config),
            current_app.config["ANONYMITY_TEXT_FLOOR"],
        ),
    ), 400


class ClientInvoicesForm(FlaskForm):
    include = HiddenField(validators=[DataRequired()])


@bp.post("/rounds/<int:round_id>/client-summary/invoices")
@role_required(*LEAD_ROLES)
def client_summary_invoices(round_id: int):
    """The lead's switch: does the round's client summary include the invoice facts? (The
    incidents never go to the client.)"""
    current = round_or_404(round_id)
    form = ClientInvoicesForm()
    if not form.validate_on_submit() or form.include.data not in ("on", "off"):
        abort(400)
    if current.mirror_digest is None:
        abort(403)  # no client side, no client summary
    include = form.include.data == "on"
    db = get_db()
    with transaction(db, write=True):
        set_client_summary_invoices(db, round_id, include)
        log(
            "client_summary.invoices_included" if include else "client_summary.invoices_left_out",
            "round",
            round_id,
        )
    flash(
        _("The client summary now includes the invoice facts.")
        if include
        else _("The client summary no longer includes the invoice facts."),
        "success",
    )
    return redirect(url_for("results.show", round_id=round_id) + "#evidence")


INCIDENT_COLUMNS = ("sign", "month", "moves", "text", "response", "author")


@bp.get("/clients/<int:client_id>/incidents.csv")
@role_required(*LEAD_ROLES)
def export_incidents(client_id: int):
    """The client's incidents as CSV (formula-safe): signed ones with their author and
    month; unsigned ones without either, and only when their texts may be shown."""
    client = client_or_404(client_id)
    db = get_db()
    incidents = store.client_incidents(db, client_id)
    shown = texts_shown(incidents, current_app.config["ANONYMITY_TEXT_FLOOR"])
    rows = [
        {
            "sign": i.sign,
            "month": f"{i.happened:%Y-%m}",
            "moves": " ".join(sorted(i.moves)),
            "text": i.text,
            "response": i.response,
            "author": i.shown_name,
        }
        for i in incidents
        if i.signed
    ]
    if shown:
        rows += sorted(
            (
                {
                    "sign": i.sign,
                    "month": "",
                    "moves": " ".join(sorted(i.moves)),
                    "text": i.text,
                    "response": i.response,
                    "author": "",
                }
                for i in incidents
                if not i.signed
            ),
            key=lambda row: (row["sign"], row["text"]),
        )
    with transaction(db, write=True):
        log("incidents.exported", "client", client_id, rows=len(rows))
    text = exports.to_csv(rows, INCIDENT_COLUMNS)
    return download(text, "csv", file_name(client.name, "incidents", ext="csv"))
