"""Review rounds: create, follow progress, manage respondents, close and reopen."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp

from .. import answers, closing, exports, library, respondent_import, results
from ..anonymity import MIN_CLIENT_FLOOR
from ..db import get_db
from ..jobs.tasks import after_close_soon, deliver_soon
from ..mail import kinds
from ..questionnaire import DirectoryScan
from ..sqlite import transaction
from ..store import clients, respondents, rounds, team_views
from ..vocab import LANGUAGE_NAMES, LEAD_ROLES, N_
from . import round_mail
from .access import role_required
from .audit import log
from .downloads import download, file_name
from .i18n import current_language
from .labels import CLIENT_ROLE_NAMES, KIND_NAMES, RESPONDENT_ROLE_NAMES, select_choices
from .lookups import PostForm, flash_errors, round_or_404
from .withheld import refuse_withheld

bp = Blueprint("rounds", __name__)
LEADS = LEAD_ROLES


class RoundForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=select_choices(KIND_NAMES.items()))
    period = StringField(
        _l("Period"),
        filters=[lambda text: rounds.clean_period(text) if text else text],
        validators=[DataRequired(), Length(max=40), Regexp(r"^[\w .:/+-]+$")],
        description=_l("A label such as 2026-Q4; suggested from today's date."),
    )
    questionnaire = SelectField(_l("Questionnaire"))
    due_date = DateField(_l("Answers due"), validators=[Optional()])
    anonymous = BooleanField(
        _l("Anonymous: leads see who answered, not what each person answered"), default=True
    )
    # How the client contacts' answers are shown (questionnaires with a client side):
    # docs/anonymity.md, "The client's side". The contacts are told on their form.
    client_display = RadioField(
        _l("The client's answers"),
        choices=select_choices(
            [
                ("combined", _l("Combined: the client's view as one group, never one contact's")),
                ("attributed", _l("Attributed: each contact's view shown to the team by name")),
            ]
        ),
        default="combined",
        description=_l(
            "Only for questionnaires with a client side. The client's people are told which"
            " before they answer; it cannot be changed later."
        ),
    )
    client_floor = IntegerField(
        _l("Combined view shown from (client answers)"),
        validators=[Optional(), NumberRange(min=MIN_CLIENT_FLOOR, max=50)],
        description=_l(
            "At least 2. With two contacts, each can work out the other's answers from the"
            " combined view if you share it with them."
        ),
    )
    submit = SubmitField(_l("Create round"))


#: A respondent's language: their mail and form in it, or in both when it is not known.
PERSON_LANGUAGES = [
    ("", _l("Not known: both languages")),
    *((lang, name) for lang, name in LANGUAGE_NAMES.items()),
]


def _language_field():
    return SelectField(
        _l("Language"),
        choices=select_choices(PERSON_LANGUAGES),
        default="",
    )


class RespondentForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email (optional)"), validators=[Optional(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=select_choices(RESPONDENT_ROLE_NAMES.items()))
    language = _language_field()
    submit = SubmitField(_l("Add respondent"))


class ClientContactForm(FlaskForm):
    """A client contact: someone of the client's who answers the mirror questionnaire."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email (optional)"), validators=[Optional(), Email(), Length(max=254)])
    client_role = SelectField(
        _l("Role at the client"), choices=select_choices(CLIENT_ROLE_NAMES.items())
    )
    language = _language_field()
    submit = SubmitField(_l("Add client contact"))


def _questionnaires() -> DirectoryScan:
    """The usable questionnaires of ``QUESTIONS_DIR`` and the library's published ones
    (the highest version of each id), and the files that are not usable."""
    return library.available(
        get_db(), current_app.config["QUESTIONS_DIR"], current_app.instance_path
    )


def _notices(scan: DirectoryScan) -> list[str]:
    """What the lead is told about the files that cannot be used, in their language
    (the problem itself is the format checker's, in English like the file format)."""
    notices = [
        _(
            "The questionnaire file %(file)s has a problem and is not offered:"
            " %(problem)s (run “assessment questions check” for the details).",
            file=Path(error.file).name,
            problem=str(error.problems[0]) if error.problems else "",
        )
        for error in scan.errors
    ]
    if not scan.questionnaires:
        notices.append(
            _("No questionnaire can be used, so no round can be created. Ask an administrator.")
        )
    return notices


@bp.route("/clients/<int:client_id>/rounds/new", methods=["GET", "POST"])
@role_required(*LEADS)
def create(client_id: int):
    db = get_db()
    try:
        client = clients.get_client(db, client_id)
    except clients.NotFound:
        abort(404)
    if client.archived:
        abort(403)
    scan = _questionnaires()
    # A client questionnaire (a mirror) is pinned with its team questionnaire, never alone.
    available = {k: q for k, q in scan.questionnaires.items() if q.audience == "team"}
    form = RoundForm()
    # The fullest questionnaire first; a client keeps the one its last round used.
    ordered = sorted(available.values(), key=lambda q: (-len(q.items()), q.id))
    form.questionnaire.choices = select_choices(
        (q.id, f"{q.title.get(current_language())} (v{q.version})") for q in ordered
    )
    if not form.is_submitted():
        form.client_floor.data = current_app.config["CLIENT_FLOOR"]
        form.kind.data = "quarterly" if client.rounds else "kickoff"
        taken = rounds.taken_periods(db, client_id, form.kind.data)
        form.period.data = rounds.suggest_period(date.today(), taken)
        previous = rounds.list_rounds(db, client_id)
        if previous and previous[0].questionnaire_id in available:
            form.questionnaire.data = previous[0].questionnaire_id
    if form.validate_on_submit():
        try:
            with transaction(db, write=True):
                created = rounds.create_round(
                    db,
                    client_id=client_id,
                    kind=form.kind.data,
                    period=form.period.data,
                    questionnaire=available[form.questionnaire.data],
                    mirror=scan.questionnaires.get(available[form.questionnaire.data].mirror or ""),
                    due_date=form.due_date.data.isoformat() if form.due_date.data else None,
                    anonymous=form.anonymous.data,
                    created_by=current_user.id,
                    floor=current_app.config["ANONYMITY_FLOOR"],
                    text_floor=current_app.config["ANONYMITY_TEXT_FLOOR"],
                    client_display=form.client_display.data,
                    client_floor=form.client_floor.data or current_app.config["CLIENT_FLOOR"],
                )
                log("round.created", "round", created.id, client=client.name, period=created.period)
        except rounds.DuplicateRound as duplicate:
            form.period.errors.append(
                _(
                    "%(client)s already has a round of this kind (%(kind)s) for %(period)s."
                    " Choose another period, or open that round from the client's page.",
                    client=client.name,
                    kind=KIND_NAMES[duplicate.existing.kind],
                    period=duplicate.existing.period,
                )
            )
        else:
            flash(_("Round created. Now add the people who should answer."), "success")
            return redirect(url_for("rounds.show", round_id=created.id))
    status = 400 if form.is_submitted() else 200
    return (
        render_template("rounds/form.html", form=form, client=client, notices=_notices(scan)),
        status,
    )


@bp.get("/rounds/<int:round_id>")
@role_required(*LEADS)
def show(round_id: int):
    return _show(round_or_404(round_id))


def _show(current: rounds.Round, *, respondent_form=None, client_form=None, status: int = 200):
    """The round page; after a refused add, with the form as it was typed and why."""
    db = get_db()
    round_id = current.id
    people = respondents.list_respondents(db, round_id, side="team")
    progress = dict.fromkeys(answers.STATUSES, 0)
    for respondent in people:
        progress[respondent.status] += 1
    contacts = respondents.list_respondents(db, round_id, side="client")
    client_progress = dict.fromkeys(answers.STATUSES, 0)
    for respondent in contacts:
        client_progress[respondent.status] += 1
    record = results.load(db, current)
    policy = results.policy(record)
    outcome = None
    if policy.results_visible:  # an anonymous round's scores only once it closed
        outcome = results.outcome(record)
        if not current.is_open:
            with transaction(db, write=True):
                log("results.viewed", "round", current.id, page="round")
    return render_template(
        "rounds/show.html",
        round=current,
        mail=round_mail.panel(db, current, people + contacts),  # as the sending does
        respondents=people,
        progress=progress,
        policy=policy,
        outcome=outcome,
        team_view=team_views.get(db, round_id),
        respondent_form=respondent_form or RespondentForm(formdata=None),
        contacts=contacts,
        client_progress=client_progress,
        can_reopen=results.can_reopen(record),
        client_form=client_form or ClientContactForm(formdata=None),
        import_form=ImportForm(formdata=None),
        post_form=PostForm(),
    ), status


def _already_in_round(form, existing: respondents.Respondent) -> None:
    """One person, one link: the email field says who of the round has it already."""
    if existing.side == "client":
        message = _(
            "%(name)s (%(email)s) is already in this round as a client contact; nobody gets"
            " a second link.",
            name=existing.name,
            email=existing.email,
        )
    else:
        message = _(
            "%(name)s (%(email)s) is already in this round, on the team; nobody gets"
            " a second link.",
            name=existing.name,
            email=existing.email,
        )
    form.email.errors = [*form.email.errors, message]


@bp.post("/rounds/<int:round_id>/respondents")
@role_required(*LEADS)
def add_respondent(round_id: int):
    current = round_or_404(round_id)
    if not current.is_open:
        abort(403)
    form = RespondentForm()
    if not form.validate_on_submit():  # shown again as typed, each error beside its field
        return _show(current, respondent_form=form, status=400)
    db = get_db()
    try:
        with transaction(db, write=True):  # the invitation and its audit entry, or neither
            respondent = respondents.add_respondent(
                db,
                current.id,
                name=form.name.data,
                email=form.email.data,
                role=form.role.data,
                language=form.language.data or None,
            )
            _log_link("personal_link.issued", current, respondent)
            invited = kinds.queue_invitations(db, current, [respondent], by=current_user.email)
    except rounds.RoundClosed:  # closed since the page was loaded
        abort(403)
    except respondents.AlreadyInRound as taken:
        _already_in_round(form, taken.existing)
        return _show(current, respondent_form=form, status=409)
    _added(current, respondent, invited)
    return redirect(url_for("rounds.show", round_id=round_id))


def _added(current: rounds.Round, respondent: respondents.Respondent, invited) -> None:
    """Tell the lead someone was added, and how they hear of it."""
    if invited:
        deliver_soon()
        flash(_("%(name)s added. Their invitation is on its way.", name=respondent.name), "success")
    elif current.invitations_held and respondent.email:
        flash(
            _(
                "%(name)s added. Their invitation goes out when you confirm the respondents.",
                name=respondent.name,
            ),
            "success",
        )
    else:
        flash(_("%(name)s added. Send them their personal link.", name=respondent.name), "success")


@bp.post("/rounds/<int:round_id>/client-contacts")
@role_required(*LEADS)
def add_client_contact(round_id: int):
    """Invite one of the client's people to answer the round's mirror questionnaire."""
    current = round_or_404(round_id)
    if not current.is_open or current.mirror_digest is None:
        abort(403)
    form = ClientContactForm()
    if not form.validate_on_submit():  # shown again as typed, each error beside its field
        return _show(current, client_form=form, status=400)
    db = get_db()
    try:
        with transaction(db, write=True):  # the invitation and its audit entry, or neither
            respondent = respondents.add_respondent(
                db,
                current.id,
                name=form.name.data,
                email=form.email.data,
                side="client",
                client_role=form.client_role.data,
                language=form.language.data or None,
            )
            _log_link("personal_link.issued", current, respondent)
            invited = kinds.queue_invitations(db, current, [respondent], by=current_user.email)
    except rounds.RoundClosed:  # closed since the page was loaded
        abort(403)
    except respondents.AlreadyInRound as taken:
        _already_in_round(form, taken.existing)
        return _show(current, client_form=form, status=409)
    _added(current, respondent, invited)
    return redirect(url_for("rounds.show", round_id=round_id, _anchor="client-side"))


def _log_link(action: str, current: rounds.Round, respondent: respondents.Respondent) -> None:
    log(
        action,
        "round",
        current.id,
        respondent=respondent.id,
        name=respondent.name,
        client=current.client_name,
        period=current.period,
    )


def _respondent_of(current: rounds.Round, respondent_id: int) -> respondents.Respondent:
    try:
        respondent = respondents.get_respondent(get_db(), respondent_id)
    except clients.NotFound:
        abort(404)
    if respondent.round_id != current.id:
        abort(404)
    return respondent


@bp.post("/rounds/<int:round_id>/respondents/<int:respondent_id>/new-link")
@role_required(*LEADS)
def new_link(round_id: int, respondent_id: int):
    current = round_or_404(round_id)
    respondent = _respondent_of(current, respondent_id)
    if not PostForm().validate_on_submit():
        abort(400)
    db = get_db()
    with transaction(db, write=True):  # the new link, its audit entry and invitation, or none
        renewed = respondents.reissue_token(db, respondent.id)
        _log_link("personal_link.reissued", current, respondent)
        invited = current.is_open and kinds.queue_invitations(
            db, current, [renewed], by=current_user.email
        )
    if invited:
        deliver_soon()
        flash(
            _(
                "The old link of %(name)s no longer works; the new one is on its way by mail.",
                name=respondent.name,
            ),
            "success",
        )
    else:
        flash(
            _(
                "The old link of %(name)s no longer works; a new one is ready.",
                name=respondent.name,
            ),
            "success",
        )
    return redirect(url_for("rounds.show", round_id=round_id))


@bp.post("/rounds/<int:round_id>/respondents/<int:respondent_id>/remove")
@role_required(*LEADS)
def remove_respondent(round_id: int, respondent_id: int):
    current = round_or_404(round_id)
    respondent = _respondent_of(current, respondent_id)
    if not PostForm().validate_on_submit():
        abort(400)
    db = get_db()
    try:
        with transaction(db, write=True):  # the removal and its audit entry, or neither
            respondents.remove_respondent(db, respondent.id)
            _log_link("personal_link.revoked", current, respondent)
    except respondents.AlreadyAnswered:
        flash(
            _("%(name)s has already answered and cannot be removed.", name=respondent.name),
            "danger",
        )
    else:
        flash(_("%(name)s removed.", name=respondent.name), "success")
    return redirect(url_for("rounds.show", round_id=round_id))


@bp.get("/rounds/<int:round_id>/confirm-close")
@role_required(*LEADS)
def confirm_close(round_id: int):
    """What closing does, before the lead confirms: per side, how many answers will count,
    what will be shown and what withheld, and whether for good (``closing``)."""
    db = get_db()
    current = round_or_404(round_id)
    if not current.is_open:
        return redirect(url_for("rounds.show", round_id=round_id))
    return render_template(
        "rounds/close.html", round=current, cost=closing.of_round(db, current), post_form=PostForm()
    )


@bp.post("/rounds/<int:round_id>/close")
@role_required(*LEADS)
def close(round_id: int):
    round_or_404(round_id)
    if not PostForm().validate_on_submit():
        abort(400)
    db = get_db()
    # The status is read again under the write lock: answers submitted until the close
    # takes the lock are in its result, and every later one is refused as too late.
    with transaction(db, write=True):
        current = rounds.get_round(db, round_id)
        if current.is_open:
            results.close_round(db, current)
            log(
                "round.closed",
                "round",
                current.id,
                client=current.client_name,
                period=current.period,
            )
            closed = results.load(db, rounds.get_round(db, round_id), every_answer=False)
            policy = results.policy(closed)
            reopenable = results.can_reopen(closed)
    if current.is_open:  # closed by this request
        after_close_soon(round_id)  # its reports rendered, the firm's chat told
    if current.is_open and policy.state == "withheld" and reopenable:
        flash(
            _(
                "Round closed. Fewer than %(floor)s people submitted, so its results are"
                " withheld to protect anonymity. Reopen it to collect more answers.",
                floor=policy.floor,
            ),
            "warning",
        )
    elif current.is_open and policy.state == "withheld":
        # The client's view was shown: reopening would show it again one answer apart
        # (docs/anonymity.md), so the team's results stay withheld for good.
        flash(
            _(
                "Round closed. Fewer than %(floor)s people submitted, so its results are"
                " withheld to protect anonymity, for good: the client's view was shown, so"
                " this round cannot be reopened.",
                floor=policy.floor,
            ),
            "warning",
        )
    elif current.is_open:
        flash(_("Round closed. Answers can no longer be changed."), "success")
    return redirect(url_for("rounds.show", round_id=round_id))


@bp.post("/rounds/<int:round_id>/reopen")
@role_required(*LEADS)
def reopen(round_id: int):
    round_or_404(round_id)
    if not PostForm().validate_on_submit():
        abort(400)
    db = get_db()
    try:
        with transaction(db, write=True):
            current = rounds.get_round(db, round_id)
            if not current.is_open:
                results.reopen_round(db, current)
                log(
                    "round.reopened",
                    "round",
                    current.id,
                    client=current.client_name,
                    period=current.period,
                )
    except results.ReopenRefused:
        flash(
            _(
                "This anonymous round cannot be reopened: its results have been shown, and"
                " results shown again after one more answer would give that answer away."
                " Start a new round instead."
            ),
            "danger",
        )
        return redirect(url_for("rounds.show", round_id=round_id)), 303
    if not current.is_open:
        flash(_("Round reopened. Respondents can change their answers again."), "success")
    return redirect(url_for("rounds.show", round_id=round_id))


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV file with the columns name, email, role, language"),
        validators=[FileRequired(), FileAllowed(["csv", "txt"], _l("A .csv file, please."))],
    )
    submit = SubmitField(_l("Import respondents"))


@bp.post("/rounds/<int:round_id>/respondents/import")
@role_required(*LEADS)
def import_respondents(round_id: int):
    current = round_or_404(round_id)
    if not current.is_open:
        abort(403)
    form = ImportForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("rounds.show", round_id=round_id)), 303
    data = form.file.data.read(respondent_import.MAX_IMPORT_BYTES + 1)
    db = get_db()
    try:
        if len(data) > respondent_import.MAX_IMPORT_BYTES:
            raise respondent_import.ImportRefused([(0, "", N_("the file is too large"))])
        with transaction(db, write=True):  # everyone and their audit entries, or nobody
            added = respondent_import.import_respondents(db, round_id, data)
            for respondent in added:
                _log_link("personal_link.issued", current, respondent)
            invited = kinds.queue_invitations(db, current, added, by=current_user.email)
    except respondent_import.ImportRefused as refused:
        flash(_("Nothing was imported:"), "danger")
        for problem in refused.problems[:20]:
            flash(respondent_import.describe_problem(problem, _), "danger")
        return redirect(url_for("rounds.show", round_id=round_id)), 303
    flash(
        ngettext("%(num)d respondent imported.", "%(num)d respondents imported.", len(added)),
        "success",
    )
    if invited:
        deliver_soon()
        flash(
            ngettext(
                "%(num)s invitation is on its way.",
                "%(num)s invitations are on their way.",
                len(invited),
            ),
            "success",
        )
    return redirect(url_for("rounds.show", round_id=round_id))


@bp.get("/rounds/<int:round_id>/answers.<fmt>")
@role_required(*LEADS)
def export_answers(round_id: int, fmt: str):
    current = round_or_404(round_id)
    if fmt not in exports.FORMATS:
        abort(404)
    db = get_db()
    try:
        with transaction(db, write=True):  # the export and its audit entry, or neither
            text = exports.export_answers(db, round_id, fmt)
            log("answers.exported", "round", current.id, format=fmt, period=current.period)
    except exports.Withheld:  # an anonymous round still open, or closed below its floor
        withheld = results.policy(results.load(db, current, every_answer=False))
        return refuse_withheld(current, withheld)
    return download(
        text, fmt, file_name(current.client_name, current.period, current.kind, "answers", ext=fmt)
    )
