"""What the report templates are given: `report_context` and `common_context`.

Turns a `RoundReport` into the values report.html and pack_summary.html show, in the
language of the active `flask_babel.force_locale` (every function here that translates says
"call inside `force_locale`"): labels, band colours as CSS, the localised page counter and
punctuation, each sign's view, and the charts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import format_date, gettext, ngettext
from markupsafe import Markup

from ..anonymity import Spread, agreement_level
from ..colours import text_on
from ..figures import rwg_text, template_helpers
from ..playbook import NextStep, format_change, step_text
from ..questionnaire import Band, Questionnaire, Sign, TextItem
from ..scoring import POOLED_ROLES, SignResult
from ..vocab import AGREEMENT_LABELS, ROLE_LABELS, round_name
from . import charts
from .data import FreeTextEntry, RoundReport
from .paired import paired_chart

__all__ = [
    "RADAR_WIDTH_MM",
    "TREND_WIDTH_MM",
    "SignView",
    "agreement_detail",
    "band_css",
    "common_context",
    "css_string",
    "page_counter_css",
    "punctuation",
    "report_context",
    "withheld_reason",
]

RADAR_WIDTH_MM = 92.0
TREND_WIDTH_MM = 176.0


def css_string(text: str) -> str:
    """`text` as a CSS string literal; everything but letters, digits and spaces escaped."""
    return (
        '"'
        + "".join(
            c if (c.isalnum() and c.isascii()) or c == " " else f"\\{ord(c):x} " for c in text
        )
        + '"'
    )


def band_css(questionnaires) -> Markup:
    """Rules for the band colours of these questionnaires: `.c-rrggbb` (a chip: the colour
    with black or white text) and `.e-rrggbb` (a coloured left edge). Colours are validated
    as #rrggbb when the questionnaire loads, so they are safe in CSS."""
    colours = sorted({band.colour.lower() for q in questionnaires for band in q.bands})
    rules = []
    for colour in colours:
        if not re.fullmatch(r"#[0-9a-f]{6}", colour):
            raise ValueError(f"not a #rrggbb colour: {colour!r}")
        name = colour[1:]
        rules.append(
            f".c-{name}{{background:{colour};color:{text_on(colour)}}}"
            f".e-{name}{{border-left-color:{colour}}}"
        )
    return Markup("".join(rules))


def punctuation(lang: str) -> dict[str, str]:
    """A colon after a label, the gap between two sentences and a comma, as each language
    writes them: "Trend: …", "… given. Coverage …", "Li Na, Account lead" but "趋势：…",
    "……答卷。作答……", "李娜，客户经理"."""
    if lang == "zh-CN":
        return {"colon": "：", "gap": "", "list_separator": "、", "comma": "，"}
    return {"colon": ": ", "gap": " ", "list_separator": ", ", "comma": ", "}


_PLACEHOLDER = re.compile(r"%\((page|pages)\)s")


def page_counter_css(template: str) -> Markup:
    """A CSS `content` value from a translated "Page %(page)s of %(pages)s"."""
    pieces = []
    for n, piece in enumerate(_PLACEHOLDER.split(template)):
        if n % 2:
            pieces.append(f"counter({piece})")
        elif piece:
            pieces.append(css_string(piece))
    return Markup(" ".join(pieces))


def _day(value: str | date | datetime | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def action_title(action, questionnaire: Questionnaire, lang: str) -> str:
    """An action's words in ``lang``: its next step's when it was made from one
    (``playbook.step_text``), else its title as typed."""
    text = step_text(questionnaire, action.step)
    return text.get(lang) if text is not None else action.title


def day_html(value: str | date | datetime | None) -> Markup:
    """A date as the report shows it, kept on one line: a narrow column once broke the
    Chinese "2026年12月20日" before its last character."""
    found = _day(value)
    if found is None:
        return Markup("")
    return Markup('<span class="date">%s</span>') % format_date(found, format="medium")


@dataclass(frozen=True)
class SignView:
    """What the report shows about one sign."""

    sign: Sign
    result: SignResult | None
    band: Band | None
    history: tuple[tuple[str, float | None], ...]
    comments: tuple[FreeTextEntry, ...]
    answers: tuple[tuple[TextItem, tuple[FreeTextEntry, ...]], ...]  # open questions answered
    step: NextStep | None
    open_actions: int
    done_actions: int
    spread: Spread | None = None

    @property
    def score(self) -> float | None:
        return self.result.score if self.result is not None else None

    @property
    def not_asked(self) -> bool:
        """None of the sign's scored items is asked in this kind of round."""
        return self.result is not None and self.result.not_asked


def _sign_views(report: RoundReport) -> list[SignView]:
    q, result = report.questionnaire, report.result
    steps = {step.sign_id: step for step in report.outcome.next_steps}
    views = []
    for sign in q.signs:
        found = result.get(sign.id)
        history = tuple(
            (period, s.score if (s := res.get(sign.id)) is not None else None)
            for period, res in report.history
        )
        actions = report.actions_for(sign.id)
        views.append(
            SignView(
                sign=sign,
                result=found,
                band=q.band(found.band_id) if found is not None and found.band_id else None,
                history=history,
                comments=tuple(report.comments_for(sign.id)),
                answers=tuple((item, tuple(said)) for item, said in report.answers_for(sign.id)),
                step=steps.get(sign.id),
                open_actions=sum(1 for a in actions if not a.done),
                done_actions=sum(1 for a in actions if a.done),
                spread=report.spread.get(sign.id),
            )
        )
    return views


def _band_ranges(q: Questionnaire) -> list[tuple[Band, float, float]]:
    ranges, upper = [], 100.0
    for band in q.bands:
        ranges.append((band, band.min, upper))
        upper = band.min
    return ranges


def common_context(lang: str, questionnaires, generated_at: datetime) -> dict:
    """What every report template needs: labels, the band colours, the localised page
    counter and punctuation (call inside `force_locale`)."""
    return {
        "lang": lang,
        "generated": format_date(generated_at, format="long"),
        "page_counter": page_counter_css(gettext("Page %(page)s of %(pages)s")),
        "role_label": _role_label,
        "band_css": band_css(questionnaires),
        "change": format_change,
        "css": None,
        "round_name": lambda r: round_name(r.period, r.kind).localize(gettext),
        **template_helpers(),
        **punctuation(lang),
    }


def _role_label(role: str) -> str:
    """A role as the report names it (call inside `force_locale`); the pooled small role
    groups of an anonymous round are "other roles combined"."""
    if role == POOLED_ROLES:
        return gettext("other roles combined")
    return gettext(ROLE_LABELS.get(role, ROLE_LABELS["other"]).msgid)


def agreement_detail(q: Questionnaire, sign: SignResult, anonymous: bool, lang: str) -> Markup:
    """A sign's agreement figure in brackets (two decimals that never contradict "raters
    disagree"), or in an anonymous round its level in words (decided on the exact rwg), in
    the language's brackets (call inside `force_locale`)."""
    if anonymous:
        words = Markup.escape(gettext(AGREEMENT_LABELS[agreement_level(sign.exact_rwg)].msgid))
        return Markup("（%s）" if lang == "zh-CN" else "(%s)") % words
    figure = Markup.escape(rwg_text(q, sign.rwg, sign.raters_disagree))
    return Markup("(r<sub>wg</sub> %s)") % figure


def withheld_reason(report: RoundReport) -> str | None:
    """Why the report shows no results, or None (call inside `force_locale`)."""
    policy = report.policy
    if policy.results_visible:
        return None
    if policy.state == "open":
        return gettext(
            "Results withheld: this round is anonymous and still open. Its results come when it"
            " closes with at least %(floor)s answers.",
            floor=policy.floor,
        )
    return ngettext(
        "Results withheld to protect anonymity: %(num)d person submitted answers, and this"
        " anonymous round shows results from %(floor)s.",
        "Results withheld to protect anonymity: %(num)d people submitted answers, and this"
        " anonymous round shows results from %(floor)s.",
        policy.submitted,
        floor=policy.floor,
    )


def report_context(report: RoundReport, lang: str) -> dict:
    """Everything report.html needs (call inside `force_locale`)."""
    q, result = report.questionnaire, report.result
    previous_round = report.outcome.previous_round
    today = report.generated_at.date()
    overdue = {
        a.id for a in report.actions if not a.done and (due := _day(a.due_date)) and due < today
    }
    return {
        **common_context(lang, [q], report.generated_at),
        "report": report,
        "round": report.round,
        "client": report.client,
        "q": q,
        "r": result,
        "band": q.band(result.band_id) if result.band_id else None,
        "signs": _sign_views(report),
        "steps": report.outcome.next_steps,
        "previous_period": previous_round.period if previous_round is not None else None,
        "band_ranges": _band_ranges(q),
        "sign_titles": {sign.id: sign.title.get(lang) for sign in q.signs},
        "not_asked_titles": [
            q.sign(s.sign_id).title.get(lang) for s in result.signs if s.not_asked
        ],
        "threshold": q.settings.trend_threshold,
        "overdue": overdue,
        "open_actions": sum(1 for a in report.actions if not a.done),
        "done_actions": sum(1 for a in report.actions if a.done),
        "radar": charts.radar_chart(
            q,
            result,
            report.outcome.previous,
            lang,
            current_period=report.round.period,
            previous_period=previous_round.period if previous_round is not None else None,
        ).html(RADAR_WIDTH_MM),
        "trend": charts.trend_chart(q, report.history, lang).html(TREND_WIDTH_MM)
        if len(report.history) > 1
        else None,
        "day": day_html,
        "action_title": lambda action: action_title(action, q, lang),
        "pack_title": None,
        "agreement_detail": lambda sign: agreement_detail(q, sign, report.round.anonymous, lang),
        "withheld_reason": withheld_reason(report),
        **sides_context(report, lang),
    }


def sides_context(report: RoundReport, lang: str) -> dict:
    """The page "How each side sees it": the two sides compared, its chart and the next
    steps the comparison calls for (nothing when the round has no client side)."""
    both = report.outcome.perception
    return {
        "perception": both,
        "client_policy": report.client_policy,
        "gap_steps": report.outcome.gap_steps,
        # Each contact's view by name: only a round whose client answers are attributed.
        "contacts": report.outcome.contacts,
        "paired": paired_chart(report.questionnaire, both, lang).html(TREND_WIDTH_MM)
        if both is not None and both.enough_client_answers
        else None,
    }
