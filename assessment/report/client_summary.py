"""The client-facing summary: a short PDF the lead may choose to share with the client.

Only what both sides may read: each sign as the client's own questionnaire (the mirror)
names it, the team's and the client's aggregate scores side by side with the gap, the paired
chart, and the next steps proposed to agree together (for each wide gap, comparing the facts;
for each sign both sides score low, a joint plan). Nothing internal: not the team
questionnaire's titles or verdict words (no "lord"), no bands, no comments or text answers,
no names, no actions, no other client. It exists only when the lead has switched it on for
the round (``Round.client_summary_shared``) and the client's view may be shown (the round
closed with at least its floor of client answers).
"""

from __future__ import annotations

from flask import Flask
from flask_babel import force_locale

from .. import branding
from ..figures import gap_text, score_text, threshold_text
from ..vocab import BABEL_LOCALES, N_, Message, normalize_lang
from .context import common_context
from .data import RoundReport
from .paired import paired_chart

__all__ = ["available", "proposals", "render_client_summary_html", "render_client_summary_pdf"]

TEMPLATE = "report/client_summary.html"
CHART_WIDTH_MM = 176.0


def available(report: RoundReport) -> bool:
    """Whether the round has a client summary to give: switched on by the lead, both
    sides' views shown (the team's results visible, the client's above the floor)."""
    both = report.outcome.perception
    return bool(
        report.round.client_summary_shared
        and report.results_visible
        and report.client_policy is not None
        and report.client_policy.results_visible
        and both is not None
        and both.enough_client_answers
    )


def proposals(report: RoundReport, lang: str) -> list[str]:
    """The next steps proposed to the client, each naming the sign as the client's
    questionnaire does: compare the facts where the views differ widely, a joint plan
    where both sides see a problem."""
    mirror, both = report.round.mirror, report.outcome.perception
    found: list[Message] = []
    title = {sign.id: sign.title.get(lang) for sign in mirror.signs}
    for s in sorted(both.flagged, key=lambda s: -abs(s.gap)):
        found.append(
            N_(
                "%(sign)s: we see this differently. We propose to sit down together with the"
                " facts (dates, figures, examples) and agree what happened before deciding"
                " what to change.",
                sign=title[s.sign_id],
            )
        )
    for s in sorted(both.agreed, key=lambda s: (s.team, s.client)):
        found.append(
            N_(
                "%(sign)s: we both see room to improve. We propose a joint plan, with an owner"
                " on each side and a date to review it together.",
                sign=title[s.sign_id],
            )
        )
    return [message.get(lang) for message in found]


def _context(report: RoundReport, lang: str) -> dict:
    mirror, both = report.round.mirror, report.outcome.perception
    rows = [
        {
            "title": mirror.sign(s.sign_id).title.get(lang),
            "team": score_text(mirror, s.team) if s.team is not None else None,
            "client": score_text(mirror, s.client) if s.client is not None else None,
            "gap": gap_text(mirror, s.gap, s.flagged) if s.gap is not None else None,
            "flagged": s.flagged,
            "status": s.status,
        }
        for s in both.signs
    ]
    return {
        **common_context(lang, [mirror], report.generated_at),
        "round": report.round,
        "client": report.client,
        "rows": rows,
        "threshold": threshold_text(both.threshold),
        "client_answers": both.client_respondents,
        "attributed": report.round.client_attributed,
        "chart": paired_chart(mirror, both, lang, for_client=True).html(CHART_WIDTH_MM),
        "proposals": proposals(report, lang),
        # the invoice facts, when the lead includes them (never the incidents: issue 28)
        "evidence": report.evidence,
    }


def render_client_summary_html(
    report: RoundReport, lang: str, *, app: Flask | None = None, inline_css: bool = True
) -> str:
    """The summary as one HTML document in ``lang``; ValueError when not ``available``."""
    from .pdf import _css_text, using_app  # WeasyPrint only when a summary is made

    if not available(report):
        raise ValueError(f"round {report.round.id} has no client summary to give")
    lang = normalize_lang(lang)
    with using_app(app) as flask_app, force_locale(BABEL_LOCALES[lang]):
        context = _context(report, lang)
        context["css"] = _css_text() if inline_css else None
        return flask_app.jinja_env.get_template(TEMPLATE).render(context)


def render_client_summary_pdf(report: RoundReport, lang: str, *, app: Flask | None = None) -> bytes:
    """The summary as PDF bytes in ``lang`` (see ``render_client_summary_html``)."""
    from .pdf import html_to_pdf, using_app

    with using_app(app) as flask_app:
        html = render_client_summary_html(report, lang, app=flask_app, inline_css=False)
        return html_to_pdf(html, logo=branding.of(flask_app.config).logo)
