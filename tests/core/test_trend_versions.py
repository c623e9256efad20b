"""Trends across questionnaire versions (issue 27, item 3): where a sign's items, weights or
scale changed between the versions two rounds used, the round's results, its report and
the portfolio say "not comparable" instead of a trend; the other signs keep theirs.

Pages visited as a lead (who may see results and the portfolio); who may see these pages
at all is tests/web/test_access_matrix.py's.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from assessment import results
from assessment.db import get_db
from assessment.portfolio import portfolio
from assessment.questionnaire import Questionnaire, load_questionnaire
from assessment.scores import RoundResult
from assessment.store import clients, responses, rounds
from assessment.store.respondents import add_respondent

PULSE = Path(__file__).resolve().parent.parent.parent / "questions" / "pulse.toml"


def _pulse_v2() -> tuple[Questionnaire, str]:
    """pulse version 2: the first item weighs 2 (its sign is scored differently)."""
    text = PULSE.read_text(encoding="utf-8")
    first = re.search(r'\[\[signs\.items\]\]\nid = "([^"]+)"', text).group(1)
    text = text.replace("version = 1", "version = 2", 1).replace(
        f'id = "{first}"\n', f'id = "{first}"\nweight = 2\n', 1
    )
    return Questionnaire.model_validate(tomllib.loads(text), context={"file": True}), first


def _closed_round(db, client_id, questionnaire, period, answer):
    made = rounds.create_round(
        db,
        client_id=client_id,
        kind="quarterly",
        period=period,
        questionnaire=questionnaire,
        anonymous=False,
    )
    for n in range(3):
        person = add_respondent(db, made.id, name=f"P{n} {period}", role="delivery")
        answers = {i.id: answer for i in questionnaire.items() if i.type == "likert"}
        responses.save_response(db, person.id, answers, {}, submit=True)
    return results.close_round(db, rounds.get_round(db, made.id)), made


def test_a_changed_sign_has_no_trend_and_the_pages_say_why(app, client, auth):
    v1 = load_questionnaire(PULSE)
    v2, first_item = _pulse_v2()
    changed = next(s.id for s in v2.signs if any(i.id == first_item for i in s.items))
    with app.app_context():
        db = get_db()
        acme = clients.create_client(db, name="Versioned Co", industry="Retail")
        _closed_round(db, acme.id, v1, "2026-Q2", 2)
        second, made = _closed_round(db, acme.id, v2, "2026-Q3", 5)
        assert second.incomparable == (changed,)
        assert second.sign(changed).trend is None and second.trend is None
        others = [s for s in second.signs if s.sign_id != changed and s.scored]
        assert others and all(s.trend is not None for s in others)
        # stored with the round, and read back the same
        stored = RoundResult.from_dict(second.to_dict())
        assert stored.incomparable == (changed,)
        row = next(r for r in portfolio(db).rows if r.name == "Versioned Co")
        assert row.incomparable == (changed,) and row.trend is None
    auth.login("lead")
    page = client.get(f"/rounds/{made.id}/results").get_data(as_text=True)
    assert page.count("Not comparable: the questionnaire changed") == 2  # the index, the sign
    for url in ("/portfolio/", f"/clients/{made.client_id}"):
        assert "Not comparable: the questionnaire changed" in client.get(url).get_data(
            as_text=True
        ), url


def test_the_same_version_keeps_its_trend(app):
    v1 = load_questionnaire(PULSE)
    with app.app_context():
        db = get_db()
        acme = clients.create_client(db, name="Steady Co", industry="Retail")
        _closed_round(db, acme.id, v1, "2026-Q2", 2)
        second, _ = _closed_round(db, acme.id, v1, "2026-Q3", 5)
    assert second.incomparable == () and second.trend is not None
    assert "incomparable" not in second.to_dict()  # results stored before keep their form


def test_the_report_says_the_sign_is_not_comparable(app, client, auth):
    import io

    from pypdf import PdfReader

    v1 = load_questionnaire(PULSE)
    v2, _ = _pulse_v2()
    with app.app_context():
        db = get_db()
        acme = clients.create_client(db, name="Report Co", industry="Retail")
        _closed_round(db, acme.id, v1, "2026-Q2", 2)
        _, made = _closed_round(db, acme.id, v2, "2026-Q3", 5)
    auth.login("lead")
    pdf = client.get(f"/rounds/{made.id}/report.pdf")
    assert pdf.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    # the verdict (the index) and the sign's own section
    assert " ".join(text.split()).count("Not comparable: the questionnaire changed") == 2


def test_the_trend_chart_draws_no_line_across_the_change(app, client, auth):
    v1 = load_questionnaire(PULSE)
    v2, _ = _pulse_v2()
    with app.app_context():
        db = get_db()
        acme = clients.create_client(db, name="Chart Co", industry="Retail")
        _closed_round(db, acme.id, v1, "2026-Q2", 2)
        _, made = _closed_round(db, acme.id, v2, "2026-Q3", 5)
        same = clients.create_client(db, name="Same Co", industry="Retail")
        _closed_round(db, same.id, v1, "2026-Q2", 2)
        _, kept = _closed_round(db, same.id, v1, "2026-Q3", 5)
    auth.login("lead")

    def lines(round_id: int) -> list[str]:
        svg = client.get(f"/rounds/{round_id}/charts/trend.svg").get_data(as_text=True)
        return re.findall(r'<path d="(M[^"]*)" fill="none"', svg)

    # Two rounds each. With the questionnaire changed, neither the index nor the changed
    # sign has a line joining its two points; every other line is drawn as before.
    drawn = [d for d in lines(kept.id) if "L" in d]
    assert len([d for d in lines(made.id) if "L" in d]) == len(drawn) - 2
