"""A round's results page, its charts, actions, PDF downloads and share links (leads)."""

from __future__ import annotations

from datetime import date, datetime

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
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .. import playbook, results, vocab
from ..db import get_db
from ..report import client_summary
from ..report.charts import radar_svg, trend_svg
from ..report.context import action_title
from ..report.data import report_of, round_report
from ..report.paired import paired_svg
from ..sqlite import transaction
from ..store import actions, audit, clients, rounds, share_links
from ..vocab import LEAD_ROLES
from .access import public, role_required
from .audit import log
from .downloads import content_disposition, file_name
from .i18n import current_language, requested_language
from .labels import select_choices
from .lookups import PostForm, flash_errors, round_or_404
from .withheld import refuse_withheld

bp = Blueprint("results", __name__)
LEADS = LEAD_ROLES


class ActionForm(FlaskForm):
    sign_id = HiddenField(validators=[DataRequired()])
    step = HiddenField(validators=[Optional(), Length(max=200)])
    title = StringField(_l("Action"), validators=[DataRequired(), Length(max=500)])
    owner = StringField(_l("Owner"), validators=[DataRequired(), Length(max=200)])
    due_date = DateField(_l("Due"), validators=[Optional()])
    submit = SubmitField(_l("Add action"))


class ShareForm(FlaskForm):
    document = HiddenField(default="report")
    language = SelectField(_l("Language"), choices=select_choices(vocab.LANGUAGE_NAMES.items()))
    days = IntegerField(
        _l("Valid for (days)"), default=share_links.DEFAULT_DAYS, validators=[NumberRange(1, 90)]
    )
    submit = SubmitField(_l("Create share link"))


@bp.get("/rounds/<int:round_id>/results")
@role_required(*LEADS)
def show(round_id: int):
    db = get_db()
    current = round_or_404(round_id)
    report = round_report(db, current)
    if not report.results_visible:
        return refuse_withheld(current, report.policy)
    with transaction(db, write=True):
        log("results.viewed", "round", current.id, page="results")
    return render_template(
        "results/show.html",
        round=current,
        report=report,
        action_form=ActionForm(formdata=None),
        share_form=ShareForm(formdata=None, language=current_language()),
        post_form=PostForm(),
        links=share_links.round_links(db, round_id),
        today=date.today().isoformat(),
        action_title=lambda action, q: action_title(action, q, current_language()),
    )


def _svg(svg: str) -> Response:
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, no-store"  # scores: like every private page
    return response


@bp.get("/rounds/<int:round_id>/charts/radar.svg")
@role_required(*LEADS)
def radar(round_id: int):
    report = round_report(get_db(), round_or_404(round_id))
    if not report.results_visible:
        abort(403)
    previous = report.outcome.previous
    return _svg(radar_svg(report.questionnaire, report.result, previous, requested_language()))


@bp.get("/rounds/<int:round_id>/charts/sides.svg")
@role_required(*LEADS)
def sides(round_id: int):
    """The paired chart of the two sides (only once the client's view may be shown)."""
    report = round_report(get_db(), round_or_404(round_id))
    both = report.outcome.perception
    if not report.results_visible or both is None or not both.enough_client_answers:
        abort(403)
    return _svg(paired_svg(report.questionnaire, both, requested_language()))


@bp.get("/rounds/<int:round_id>/charts/trend.svg")
@role_required(*LEADS)
def trend(round_id: int):
    report = round_report(get_db(), round_or_404(round_id))
    if not report.results_visible:
        abort(403)
    return _svg(trend_svg(report.questionnaire, report.history, requested_language()))


@bp.post("/rounds/<int:round_id>/actions")
@role_required(*LEADS)
def add_action(round_id: int):
    current = round_or_404(round_id)
    form = ActionForm()
    signs = {sign.id for sign in current.questionnaire.signs}
    if not form.validate_on_submit() or form.sign_id.data not in signs:
        flash_errors(form)
        if form.sign_id.data not in signs:
            abort(400)
        return redirect(url_for("results.show", round_id=round_id) + "#next-steps"), 303
    db = get_db()
    with transaction(db, write=True):
        created = actions.create_action(
            db,
            round_id,
            step=_step_kept(current.questionnaire, form),
            sign_id=form.sign_id.data,
            title=form.title.data,
            owner_name=form.owner.data,
            due_date=form.due_date.data.isoformat() if form.due_date.data else None,
            created_by=current_user.id,
        )
        log("action.created", "action", created.id, title=created.title, owner=created.owner_name)
    flash(_("Action added."), "success")
    return redirect(url_for("results.show", round_id=round_id) + "#actions")


def _step_kept(questionnaire, form: ActionForm) -> str | None:
    """The key of the next step the action was made from, if its words were kept as
    the step gives them (in any language): the action then reads in every language as
    the step does. Words of the lead's own: no step, the title as typed."""
    key = form.step.data or None
    text = playbook.step_text(questionnaire, key)
    if text is None or key.split(":")[1:2] != [form.sign_id.data]:
        return None
    typed = " ".join(form.title.data.split())
    languages = vocab.LANGUAGE_NAMES
    return key if any(" ".join(text.get(lang).split()) == typed for lang in languages) else None


@bp.post("/actions/<int:action_id>/toggle")
@role_required(*LEADS)
def toggle_action(action_id: int):
    db = get_db()
    try:
        actions.get_action(db, action_id)
    except clients.NotFound:
        abort(404)
    if not PostForm().validate_on_submit():
        abort(400)
    with transaction(db, write=True):  # toggled from its state now, not when the page was read
        action = actions.get_action(db, action_id)
        actions.set_done(db, action_id, not action.done)
        log(
            "action.reopened" if action.done else "action.done",
            "action",
            action_id,
            title=action.title,
        )
    flash(_("Action marked done.") if not action.done else _("Action reopened."), "success")
    back = request.form.get("round_id", type=int) or action.round_id
    return redirect(url_for("results.show", round_id=back) + "#actions")


@bp.get("/rounds/<int:round_id>/report.pdf")
@role_required(*LEADS)
def report_pdf(round_id: int):
    current = round_or_404(round_id)
    lang = requested_language()
    return _pdf_response(
        current, lang, lambda: log("results.viewed", "round", current.id, page="pdf", language=lang)
    )


def _pdf_response(current: rounds.Round, lang: str, record) -> Response:
    """The round's PDF, or the withheld page; ``record`` writes the audit entry."""
    from ..report.cache import cached_pdf

    db = get_db()
    report = round_report(db, current)
    if not report.results_visible:
        return refuse_withheld(current, report.policy)
    with transaction(db, write=True):
        record()
    pdf = cached_pdf(report, lang)
    name = file_name(
        current.client_name, current.period, current.kind, "partnership-check", lang, ext="pdf"
    )
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition("inline", name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/rounds/<int:round_id>/share")
@role_required(*LEADS)
def share(round_id: int):
    current = round_or_404(round_id)
    form = ShareForm()
    if not form.validate_on_submit():
        abort(400)
    db = get_db()
    record = results.load(db, current)
    policy = results.policy(record)
    if not policy.results_visible:
        return refuse_withheld(current, policy)
    document = form.document.data or "report"
    if document not in share_links.DOCUMENTS:
        abort(400)
    if document == "client_summary" and not client_summary.available(report_of(record)):
        abort(403)
    with transaction(db, write=True):
        link = share_links.create_link(
            db,
            round_id,
            language=form.language.data,
            days=form.days.data,
            created_by=current_user.id,
            document=document,
        )
        log(
            "share_link.created",
            "round",
            round_id,
            language=link.language,
            expires=link.expires_at,
            document=document,
        )
    flash(
        _("Share link created. Anyone with the link can read the PDF until it expires."), "success"
    )
    return redirect(url_for("results.show", round_id=round_id) + "#share")


@bp.post("/share/<int:link_id>/revoke")
@role_required(*LEADS)
def revoke(link_id: int):
    db = get_db()
    try:
        link = share_links.get_link(db, link_id)
    except clients.NotFound:
        abort(404)
    if not PostForm().validate_on_submit():
        abort(400)
    with transaction(db, write=True):
        share_links.revoke(db, link_id)
        log("share_link.revoked", "round", link.round_id, link=link_id)
    flash(_("Share link revoked."), "success")
    return redirect(url_for("results.show", round_id=link.round_id) + "#share")


def _share_link_gone(link: share_links.ShareLink):
    """A page (410 Gone) saying that this link was revoked or has expired, and what to do,
    instead of "no page at this address": its holder was sent it by someone."""
    if link.revoked_at is not None:
        title = _("This share link was revoked")
        message = _("Whoever shared this report has withdrawn the link.")
    else:
        title = _("This share link has expired")
        message = _(
            "Share links work for a limited time; this one expired on %(date)s.",
            date=format_date(datetime.fromisoformat(link.expires_at), format="long"),
        )
    detail = _("If you still need the report, ask the person who sent you the link for a new one.")
    page = render_template(
        "errors/error.html", status=410, title=title, message=message, detail=detail
    )
    return page, 410


@bp.get("/s/<token>")
@public
def shared_pdf(token: str):
    """The read-only PDF behind a share link: no login, until it expires or is revoked."""
    db = get_db()
    link = share_links.find(db, token)
    if link is None:
        abort(404)
    if not link.usable():
        return _share_link_gone(link)

    def record() -> None:
        audit.record(
            db,
            user_id=None,
            actor=f"share link {link.id}",
            action="results.viewed",
            object_type="round",
            object_id=link.round_id,
            details={"page": "pdf", "language": link.language, "link": link.id},
        )

    current = rounds.get_round(db, link.round_id)
    if link.document == "client_summary":
        return _client_summary_response(current, link.language, record)
    return _pdf_response(current, link.language, record)


class SummarySwitchForm(FlaskForm):
    shared = HiddenField(validators=[DataRequired()])


@bp.post("/rounds/<int:round_id>/client-summary")
@role_required(*LEADS)
def switch_client_summary(round_id: int):
    """The lead's per-round switch: may the client-facing summary be given to the client?"""
    current = round_or_404(round_id)
    form = SummarySwitchForm()
    if not form.validate_on_submit() or form.shared.data not in ("on", "off"):
        abort(400)
    if current.mirror_digest is None:
        abort(403)
    db = get_db()
    shared = form.shared.data == "on"
    with transaction(db, write=True):
        rounds.set_client_summary_shared(db, round_id, shared)
        if shared:
            log("client_summary.shared", "round", round_id)
        else:  # its links stop for good: sharing again takes new ones
            revoked = share_links.revoke_round_documents(db, round_id, "client_summary")
            log("client_summary.withdrawn", "round", round_id, links_revoked=revoked)
    flash(
        _("The client summary can now be downloaded and shared.")
        if shared
        else _("The client summary is no longer shared; its share links stop working."),
        "success",
    )
    return redirect(url_for("results.show", round_id=round_id) + "#client-summary")


@bp.get("/rounds/<int:round_id>/client-summary.pdf")
@role_required(*LEADS)
def client_summary_pdf(round_id: int):
    current = round_or_404(round_id)
    lang = requested_language()
    return _client_summary_response(
        current,
        lang,
        lambda: log("client_summary.downloaded", "round", current.id, language=lang),
    )


def _client_summary_response(current: rounds.Round, lang: str, record) -> Response:
    """The round's client-facing summary PDF; 404 unless the lead shares it and both
    sides' views may be shown (``client_summary.available``)."""
    db = get_db()
    report = round_report(db, current)
    if not client_summary.available(report):
        abort(404)
    with transaction(db, write=True):
        record()
    pdf = client_summary.render_client_summary_pdf(report, lang)
    name = file_name(current.client_name, current.period, current.kind, "summary", lang, ext="pdf")
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition("inline", name)
    response.headers["Cache-Control"] = "private, no-store"
    return response
