"""The answer form, built with WTForms from a round's questionnaire.

Each call makes a fresh form class (never fields added to a shared class), and each item
type maps through ``FIELD_BUILDERS`` to a small function that makes its field, in the
respondent's language. ``answers_from_form`` and ``form_data_from_draft`` convert between
the form and what the store keeps, through ``assessment.answers`` (what a value is).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, RadioField, SubmitField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional, StopValidation, ValidationError

from .. import answers as answer_values
from ..answers import MAX_COMMENT, NA, NA_CHOICE, Draft, Value, blank, number_text, one_newline
from ..questionnaire import ChoiceItem, LikertItem, NumberItem, Questionnaire, Sign, TextItem
from .labels import select_choices

__all__ = [
    "FIELD_BUILDERS",
    "NA_CHOICE",
    "AnswerForm",
    "answers_from_form",
    "build_form",
    "comment_field",
    "draft_parts",
    "form_data_from_draft",
    "item_field",
    "na_field",
    "number_text",
    "one_newline",
    "restored_form",
    "unknown_fields",
]


def item_field(item_id: str) -> str:
    return f"q_{item_id}"


def na_field(item_id: str) -> str:
    return f"na_{item_id}"


def comment_field(sign_id: str) -> str:
    return f"c_{sign_id}"


def _likert(q: Questionnaire, item: LikertItem, lang: str) -> dict:
    choices = [(str(i + 1), label.get(lang)) for i, label in enumerate(q.scale.likert)]
    if item.allow_na:
        choices.append((NA_CHOICE, q.scale.na.get(lang)))
    field = RadioField(
        item.text.get(lang), choices=select_choices(choices), validators=[Optional()]
    )
    return {item_field(item.id): field}


def _number(q: Questionnaire, item: NumberItem, lang: str) -> dict:
    validators = [
        Optional(),
        _finite,
        NumberRange(min=_plain(item.min), max=_plain(item.max)),
    ]
    if item.integer:
        validators.append(_whole_number)
    fields = {item_field(item.id): FloatField(item.text.get(lang), validators=validators)}
    if item.allow_na:
        fields[na_field(item.id)] = BooleanField(q.scale.na.get(lang))
    return fields


def _choice(q: Questionnaire, item: ChoiceItem, lang: str) -> dict:
    choices = [(option.id, option.label.get(lang)) for option in item.options]
    if item.allow_na:
        choices.append((NA_CHOICE, q.scale.na.get(lang)))
    field = RadioField(
        item.text.get(lang), choices=select_choices(choices), validators=[Optional()]
    )
    return {item_field(item.id): field}


TOO_LONG = _l("At most %(max)d characters, please (this has %(length)d).")


def _text(q: Questionnaire, item: TextItem, lang: str) -> dict:
    """A free answer, as long as the file's ``max_length`` allows (the textarea's
    ``maxlength`` says the same, so a browser stops typing there)."""
    field = TextAreaField(
        item.text.get(lang),
        filters=[one_newline],
        validators=[Optional(), Length(max=item.max_length, message=TOO_LONG)],
    )
    return {item_field(item.id): field}


def _plain(value: float) -> int | float:
    """50.0 → 50, so that messages say "between 0 and 100", not "0.0 and 100.0"."""
    return int(value) if float(value).is_integer() else value


def _finite(form, field) -> None:
    """Text such as "nan" or "1e400" parses as a float, but is no answer."""
    if field.data is not None and not math.isfinite(field.data):
        raise StopValidation(_l("Please enter a number."))


def _whole_number(form, field) -> None:
    if field.data is not None and field.data != int(field.data):
        raise ValidationError(_l("Please enter a whole number."))


FIELD_BUILDERS: dict[str, Callable[[Questionnaire, object, str], dict]] = {
    "likert": _likert,
    "number": _number,
    "choice": _choice,
    "text": _text,
}


class AnswerForm(FlaskForm):
    """Base of every answer form: the two ways to send it."""

    save = SubmitField(_l("Save draft"))
    submit_answers = SubmitField(_l("Submit answers"))

    questionnaire: Questionnaire
    kind: str

    def sections(self) -> list[tuple[Sign, list]]:
        """Per sign, the items of this round with their fields, for the template."""
        out = []
        for sign in self.questionnaire.signs:
            rows = []
            for item in sign.items:
                if not item.applies(self.kind):
                    continue
                rows.append((item, self[item_field(item.id)], self._fields.get(na_field(item.id))))
            out.append((sign, rows))
        return out

    def answered_ids(self) -> set[str]:
        """The ids of the items this form holds an answer for (valid or not): something
        chosen or typed, or "not applicable" ticked. The page's progress, as a script
        counts it in the browser."""
        done = set()
        for item in self.questionnaire.items():
            if not item.applies(self.kind):
                continue
            na = self._fields.get(na_field(item.id))
            field = self[item_field(item.id)]
            typed = field.raw_data[0] if field.raw_data else field.data
            if not blank(typed) or (na is not None and na.data):
                done.add(item.id)
        return done

    def progress(self) -> dict[str, tuple[int, int]]:
        """Per sign id, (answered, asked); see ``answers.answered_by_sign``."""
        return answer_values.answered_by_sign(self.questionnaire, self.kind, self.answered_ids())

    def skipped_fields(self) -> list[tuple]:
        """(field, short label) of every item left unanswered, in form order: the review
        shown before a submission with gaps. An optional open question left blank is no
        gap (``Item.optional``)."""
        done = self.answered_ids()
        return [
            (field, _short(field.label.text))
            for sign, rows in self.sections()
            for item, field, _na in rows
            if item.id not in done and not item.optional
        ]

    def validate(self, extra_validators=None) -> bool:
        """Each field's own checks, then one across fields: a number typed together with
        "not applicable" ticked is refused (it used to be dropped without a word)."""
        valid = super().validate(extra_validators)
        for item in self.questionnaire.items():
            na = self._fields.get(na_field(item.id))
            if na is None or not na.data or not item.applies(self.kind):
                continue
            field = self[item_field(item.id)]
            typed = field.raw_data[0] if field.raw_data else ""
            if typed.strip():
                message = _l("Enter a number or tick “%(na)s”, not both.", na=na.label.text)
                field.errors = [*field.errors, str(message)]
                valid = False
        return valid

    def invalid_fields(self) -> list[tuple]:
        """(field, short label) of every field with an error, in form order."""
        return [
            (field, _short(field.label.text))
            for field in self
            if field.errors and field.name != "csrf_token"
        ]

    def check_required(self) -> bool:
        """On submit: every required item answered (N/A counts where allowed), and at
        least one scored item answered, so that an empty form is never a submission."""
        ok = True
        answers, _comments = answers_from_form(self)
        if not answer_values.has_scored_answer(self.questionnaire, answers):
            self.form_errors.append(
                str(_l("Please answer at least one question before submitting."))
            )
            ok = False
        for item in self.questionnaire.items():
            if not item.required or not item.applies(self.kind):
                continue
            field = self[item_field(item.id)]
            na = self._fields.get(na_field(item.id))
            if blank(field.data) and not (na is not None and na.data):
                field.errors = [*field.errors, str(_l("Please answer this question."))]
                ok = False
        return ok


def _short(label: str) -> str:
    return label if len(label) <= 80 else label[:77] + "…"


def build_form(questionnaire: Questionnaire, kind: str, lang: str) -> type[AnswerForm]:
    """A new form class with a field per applicable item and a comment per sign."""

    class Form(AnswerForm):
        pass

    Form.questionnaire = questionnaire
    Form.kind = kind
    for sign in questionnaire.signs:
        for item in sign.items:
            if item.applies(kind):
                for name, field in FIELD_BUILDERS[item.type](questionnaire, item, lang).items():
                    setattr(Form, name, field)
        setattr(
            Form,
            comment_field(sign.id),
            TextAreaField(
                _l("Anything to add about this sign? (optional)"),
                filters=[one_newline],
                validators=[Optional(), Length(max=MAX_COMMENT, message=TOO_LONG)],
            ),
        )
    return Form


def answers_from_form(
    form: AnswerForm, skip: frozenset[str] | set[str] = frozenset()
) -> tuple[dict[str, Value], dict[str, str]]:
    """The form's answers (unanswered items left out) and non-empty comments; the items
    and comments of the fields named in ``skip`` (invalid ones) are left out too."""
    answers: dict[str, Value] = {}
    for item in form.questionnaire.items():
        if not item.applies(form.kind):
            continue
        if item_field(item.id) in skip or na_field(item.id) in skip:
            continue
        na = form._fields.get(na_field(item.id))
        value = answer_values.from_form(
            item, form[item_field(item.id)].data, na=na is not None and bool(na.data)
        )
        if value is not None:
            answers[item.id] = value
    comments = {}
    for sign in form.questionnaire.signs:
        if comment_field(sign.id) in skip:
            continue
        text = form[comment_field(sign.id)].data
        if text and text.strip():
            comments[sign.id] = text
    return answers, comments


def draft_parts(form: AnswerForm) -> tuple[dict[str, Value], dict[str, str], dict[str, str]]:
    """What a draft keeps of a form that was validated: every valid answer and comment,
    and, as typed, each field that failed its checks (with the "not applicable" box of
    its item, ticked or not, so the item comes back as it was): (answers, comments,
    invalid). Saving never waits for every answer to be valid; submitting does."""
    invalid: dict[str, str] = {}
    for field in form:
        if not field.errors or field.name == "csrf_token":
            continue
        invalid[field.name] = _typed(field)
        if field.name.startswith("q_"):
            na = form._fields.get(na_field(field.name[2:]))
            if na is not None and na.data:
                invalid[na.name] = "y"
    answers, comments = answers_from_form(form, skip=set(invalid))
    return answers, comments, invalid


def _typed(field) -> str:
    """What was sent in a field, as typed (a checkbox: "y" when ticked)."""
    if field.raw_data:
        return str(field.raw_data[0])
    return "" if field.data is None else str(field.data)


def restored_form(form_class: type[AnswerForm], draft: Draft) -> AnswerForm:
    """A form showing a saved draft that keeps invalid answers as typed (``draft.invalid``):
    the valid answers filled in, the invalid ones as typed, each with its message, as the
    respondent saw them when they saved."""
    from werkzeug.datastructures import MultiDict

    data = MultiDict()
    saved = form_data_from_draft(form_class.questionnaire, form_class.kind, draft)
    for name, value in saved.items():
        if value is True:
            data[name] = "y"
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            data[name] = number_text(value)
        elif value is not None:
            data[name] = str(value)
    for name, typed in draft.invalid.items():
        data[name] = typed
    form = form_class(formdata=data, meta={"csrf": False})
    form.validate()
    return form


def form_data_from_draft(questionnaire: Questionnaire, kind: str, draft: Draft) -> dict:
    """What to fill the form with when a respondent comes back."""
    data: dict = {}
    for item_id, value in draft.answers.items():
        try:
            item = questionnaire.item(item_id)
        except KeyError:
            continue
        rules = answer_values.TYPES[item.type]
        if value is NA and rules.na == "checkbox":
            data[na_field(item_id)] = True
        elif value is NA:
            data[item_field(item_id)] = NA_CHOICE
        else:
            data[item_field(item_id)] = rules.form_value(value)
    for sign_id, text in draft.comments.items():
        data[comment_field(sign_id)] = text
    return data


def unknown_fields(form: AnswerForm, submitted: set[str]) -> set[str]:
    """Names posted that the form does not have: a tampered or stale form."""
    return submitted - set(form._fields) - {"csrf_token"}
