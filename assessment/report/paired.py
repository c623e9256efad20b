"""The paired chart: how the team and the client score each sign, side by side, as SVG.

One row per sign over the questionnaire's band zones (0 to 100 from left to right): the
team's score a filled circle, the client's an open diamond of another colour, joined by a
line whose length is the gap, written at the right (bold when flagged: at least the file's
gap threshold). Marker shape, fill and line tell the two sides apart in black and white as
well as in colour, as in the other charts (``charts``). A sign without a client score says
why in words ("not enough client answers", "not asked of the client") instead of a point. Built as a
``charts.Chart``, so it is written as standalone SVG (the results page) or as SVG with
HTML text (the PDF).
"""

from __future__ import annotations

from ..figures import gap_text, score_text
from ..perception import Perception
from ..questionnaire import Questionnaire
from ..vocab import N_
from .charts import (
    CURRENT,
    GUIDE,
    MUTED,
    ZONE_OPACITY,
    Chart,
    Label,
    LegendItem,
    Series,
    _lang,
    _marker,
    _n,
    _text,
    wrap_to_width,
)

__all__ = ["CLIENT", "TEAM", "paired_chart", "paired_svg"]

TEAM = Series(CURRENT, "", "circle", 2.4)
#: The client's side: Okabe–Ito vermilion, an open diamond.
CLIENT = Series("#d55e00", "", "diamond-open", 2.4)

_WORDS = {
    "title": N_("How each side sees each sign, from 0 to 100"),
    "team": N_("The team"),
    "client": N_("The client"),
    "not_enough": N_("not enough client answers"),
    "not_asked": N_("not asked"),
    "team_unscored": N_("no team score"),
    "not_asked_client": N_("not asked of the client"),
    "not_asked_team": N_("not asked of the team"),
}
#: The same words for the client's own reader (the client-facing summary).
_CLIENT_WORDS = {
    **_WORDS,
    "team": N_("Our team"),
    "client": N_("Your people"),
    "not_enough": N_("Too few answers to show"),
    "not_asked_client": N_("Not in your questionnaire this time"),
    "not_asked_team": N_("Not in our team's questionnaire this time"),
}

ROW = 40.0
LEFT, PLOT_W, GAP_W = 196.0, 430.0, 66.0
TOP = 10.0


def paired_chart(
    questionnaire: Questionnaire, perception: Perception, lang: str, *, for_client: bool = False
) -> Chart:
    """Both sides of every sign of ``perception`` as a chart (see the module's text);
    ``for_client``: worded for the client's reader ("Our team", "Your people")."""
    q, lang = questionnaire, _lang(lang)
    words = {key: m.get(lang) for key, m in (_CLIENT_WORDS if for_client else _WORDS).items()}
    width = int(LEFT + PLOT_W + GAP_W)
    rows = len(perception.signs)
    plot_h = ROW * rows
    height = int(TOP + plot_h + 24)

    def x_of(value) -> float:
        return LEFT + PLOT_W * float(value) / 100

    shapes: list[str] = []
    labels: list[Label] = []
    upper = 100.0
    for band in q.bands:
        x1, x2 = x_of(band.min), x_of(upper)
        shapes.append(
            f'<rect x="{_n(x1)}" y="{_n(TOP)}" width="{_n(x2 - x1)}" height="{_n(plot_h)}"'
            f' fill="{band.colour}" fill-opacity="{ZONE_OPACITY}"/>'
        )
        upper = band.min
    grid = "".join(f"M{_n(x_of(v))} {_n(TOP)}V{_n(TOP + plot_h)}" for v in (0, 25, 50, 75, 100))
    shapes.append(f'<path d="{grid}" stroke="{GUIDE}" stroke-width="0.8"/>')
    for value in (0, 25, 50, 75, 100):
        shapes.append(
            _text(x_of(value), TOP + plot_h + 16, value, size=10, anchor="middle", fill=MUTED)
        )
    # Rows apart by a white rule, drawn under every row's marks and figures.
    rules = "".join(f"M{_n(LEFT)} {_n(TOP + ROW * n)}H{_n(LEFT + PLOT_W)}" for n in range(1, rows))
    if rules:
        shapes.append(f'<path d="{rules}" stroke="#ffffff" stroke-width="1.5"/>')
    for n, sign_gap in enumerate(perception.signs):
        middle = TOP + ROW * n + ROW / 2
        title = q.sign(sign_gap.sign_id).title.get(lang)
        lines = wrap_to_width(title, LEFT - 14, 11.0)[:2]
        labels.append(Label(LEFT - 8, middle - 11.0 * 0.6 * len(lines), tuple(lines), 11.0, "end"))
        if sign_gap.gap is None:
            reason = {
                "not_asked": words["not_asked"],
                "team_unscored": words["team_unscored"],
                "not_asked_client": words["not_asked_client"],
                "not_asked_team": words["not_asked_team"],
            }.get(sign_gap.status, words["not_enough"])
            if sign_gap.team is not None:
                shapes.append(_marker(TEAM.marker, x_of(sign_gap.team), middle, TEAM.colour, 5))
            shapes.append(
                _text(LEFT + PLOT_W / 2, middle + 4, reason, size=10.5, anchor="middle", fill=MUTED)
            )
            continue
        x_team, x_client = x_of(sign_gap.team), x_of(sign_gap.client)
        stroke = 3.0 if sign_gap.flagged else 1.4
        shapes.append(
            f'<path d="M{_n(x_team)} {_n(middle)}H{_n(x_client)}" stroke="#1d2733"'
            f' stroke-width="{stroke}"/>'
        )
        shapes.append(_marker(TEAM.marker, x_team, middle, TEAM.colour, 5))
        shapes.append(_marker(CLIENT.marker, x_client, middle, CLIENT.colour, 6))
        shapes.append(
            _text(
                x_team,
                middle - 8,
                score_text(q, sign_gap.team),
                size=9.5,
                anchor="middle",
                fill=TEAM.colour,
            )
        )
        shapes.append(
            _text(
                x_client,
                middle + 17,
                score_text(q, sign_gap.client),
                size=9.5,
                anchor="middle",
                fill=CLIENT.colour,
            )
        )
        shapes.append(
            _text(
                LEFT + PLOT_W + GAP_W - 4,
                middle + 4,
                gap_text(q, sign_gap.gap, sign_gap.flagged),
                size=11,
                anchor="end",
                bold=sign_gap.flagged,
            )
        )
    legend = (LegendItem(words["team"], TEAM), LegendItem(words["client"], CLIENT))
    return Chart(
        width,
        height,
        words["title"],
        lang,
        tuple(shapes),
        tuple(labels),
        legend,
        legend_columns=2,
        kind="paired",
    )


def paired_svg(questionnaire: Questionnaire, perception: Perception, lang: str) -> str:
    """The paired chart as one SVG document."""
    return paired_chart(questionnaire, perception, lang).svg()
