"""Answering through a personal link: no account, only the token in the address."""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..db import get_db, read_transaction
from ..store import responses, rounds
from .access import logged_in, public
from .answer_form import answers_from_form, build_form, form_data_from_draft, unknown_fields
from .answer_page import render_compiled, render_live
from .i18n import current_language

bp = Blueprint("respond", __name__, url_prefix="/r")


@lru_cache(maxsize=64)
def _form_class(snapshot: str, kind: str, lang: str) -> type:
    """Form classes are never changed once built: one per pinned questionnaire, round kind
    and language is enough (building one costs more than rendering half the page)."""
    return build_form(rounds.questionnaire_of(snapshot), kind, lang)


def _respondent_or_404(token: str) -> rounds.Respondent:
    respondent = rounds.find_by_token(get_db(), token)
    if respondent is None:
        abort(404)
    return respondent


@bp.route("/<token>", methods=["GET", "POST"])
@public
def answer(token: str):
    db = get_db()
    with read_transaction(db):  # the respondent, round and draft as of one moment
        respondent = _respondent_or_404(token)
        current = rounds.get_round(db, respondent.round_id)
        draft = responses.load_draft(db, respondent.id)
    questionnaire = current.questionnaire
    lang = current_language()
    Form = _form_class(current.snapshot, current.kind, lang)

    if not current.is_open:
        return (
            render_template(
                "respond/closed.html", respondent=respondent, round=current, draft=draft
            ),
            403 if request.method == "POST" else 200,
        )

    if request.method == "GET":
        if not logged_in():
            return render_compiled(Form, respondent, current, draft, lang)
        form = Form(data=form_data_from_draft(questionnaire, current.kind, draft))
        return render_live(form, respondent, current, draft)

    form = Form()
    if unknown_fields(form, set(request.form)):
        abort(400)
    submitting = bool(form.submit_answers.data)
    valid = form.validate()
    if valid and submitting:
        valid = form.check_required()
    if not valid:
        return render_live(form, respondent, current, draft), 400
    answers, comments = answers_from_form(form)
    try:
        responses.save_response(
            db, respondent.id, answers, comments, submit=submitting, language=lang
        )
    except rounds.RoundClosed:
        abort(403)
    except responses.InvalidAnswers:
        abort(400)
    if submitting:
        flash(
            _("Thank you: your answers are submitted. You can change them until the round closes."),
            "success",
        )
    else:
        flash(_("Draft saved. Come back through the same link to finish."), "success")
    return redirect(url_for("respond.answer", token=token))
