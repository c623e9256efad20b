"""The demo data tells its three stories."""

import pytest

from assessment import results
from assessment.db import get_db
from assessment.demo import load_demo
from assessment.store import clients, respondents, rounds


@pytest.fixture
def demo(app, questionnaires):
    with app.app_context():
        db = get_db()
        load_demo(db, questionnaires)
        yield db


def _results(db, name):
    client = clients.find_by_name(db, name)
    found = list(reversed(rounds.list_rounds(db, client.id)))
    # scoring=True: an open round is scored too, as closing would score it
    return found, [results.score(results.load(db, r, scoring=True)) for r in found]


def test_three_clients_each_with_kickoff_and_two_quarterly_rounds(demo):
    names = [c.name for c in clients.list_clients(demo)]
    assert len(names) == 3
    for name in names:
        found, _ = _results(demo, name)
        assert [r.kind for r in found] == ["kickoff", "quarterly", "quarterly"]
        for r in found:
            assert 3 <= len(respondents.list_respondents(demo, r.id, side="team")) <= 5


def test_healthy_partner_stays_healthy(demo):
    _, scored = _results(demo, "Harbor & Pine Foods")
    assert all(r.band_id == "healthy" for r in scored)


def test_late_payer_gets_worse_and_escalates(demo):
    found, scored = _results(demo, "Apex Retail Group")
    payment = [r.get("payment") for r in scored[1:]]
    assert payment[1].score < payment[0].score
    assert scored[2].index < scored[1].index < scored[0].index
    steps = results.outcome(results.load(demo, found[2])).next_steps
    assert steps[0].sign_id == "payment" and steps[0].escalation


def test_the_late_payer_believes_they_pay_on_time(demo):
    """The client's people answer their own questionnaire: Apex Retail's see no payment
    problem, so the gap on payment is wide, and the next steps ask for a conversation
    with the numbers before anything else."""
    found, _ = _results(demo, "Apex Retail Group")
    assert respondents.list_respondents(demo, found[0].id, side="client") == []  # kickoff
    latest = results.outcome(results.load(demo, found[2]))
    payment = latest.perception.get("payment")
    assert payment.flagged and payment.gap > 60
    assert payment.team < 25 and payment.client > 75
    assert payment.trend == "wider"
    first = latest.gap_steps[0]
    assert (first.sign_id, first.basis) == ("payment", "gap")
    assert "invoice" in first.text.get("en")
    # Across rounds: the wide payment gap at both quarterly reviews.
    from assessment.report.data import round_report

    history = round_report(demo, found[2]).sides_history
    assert [(label.period, label.kind) for label, _ in history] == [
        ("2026-Q3", "quarterly"),
        ("2026-Q4", "quarterly"),
    ]
    assert all(both.get("payment").flagged for _, both in history)
    # The healthy partner's two sides roughly agree.
    found, _ = _results(demo, "Harbor & Pine Foods")
    assert not results.outcome(results.load(demo, found[2])).perception.flagged


def test_the_team_disagrees_about_one_client(demo):
    found, scored = _results(demo, "Meridian Tech")
    # The latest round is still open: anonymous, so it shows nothing yet (docs/anonymity.md).
    assert found[-1].is_open and scored[-1].index is None
    assert any(s.raters_disagree for s in scored[-2].signs if s.rwg is not None)


def test_loading_again_adds_nothing(demo, questionnaires):
    before = demo.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    assert load_demo(demo, questionnaires) == []
    assert demo.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == before


def test_a_completed_action_that_did_not_help_is_called_out(demo):
    found, _ = _results(demo, "Apex Retail Group")
    steps = {s.sign_id: s for s in results.outcome(results.load(demo, found[2])).next_steps}
    assert steps["payment"].stalled
    assert "has not yet moved the score" in steps["payment"].note.get("en")
    assert not steps["power"].stalled, "an open action is not a completed one"


def test_the_demo_command_skips_a_broken_questionnaire_file(app, tmp_path):
    import shutil
    from pathlib import Path

    from assessment.cli.admin import demo_command

    folder = tmp_path / "questions"
    shutil.copytree(Path(__file__).resolve().parent.parent.parent / "questions", folder)
    (folder / "broken.toml").write_text("id = [", encoding="utf-8")
    app.config["QUESTIONS_DIR"] = str(folder)
    result = app.test_cli_runner().invoke(demo_command)
    assert result.exit_code == 0, result.output
    assert "broken.toml" in result.output and "Traceback" not in result.output
    assert "client Harbor & Pine Foods" in result.output

    shutil.rmtree(folder)
    folder.mkdir()
    result = app.test_cli_runner().invoke(demo_command)
    assert result.exit_code == 1
    assert "the demo needs the questionnaire" in result.output


def test_the_open_round_mails_its_team_in_their_languages(demo):
    """The demo shows mail offline: the open round's invitations and a reminder to those
    who have not submitted, one of them with a draft, wait in the outbox."""
    (current,) = [open_round.round for open_round in rounds.open_rounds(demo)]
    people = {p.id: p for p in respondents.list_respondents(demo, current.id)}
    queued = demo.execute(
        "SELECT kind, respondent_id, status FROM outbox WHERE round_id = ? ORDER BY id",
        [current.id],
    ).fetchall()
    invited = [people[r].name for kind, r, _s in queued if kind == "invitation"]
    team = [p.name for p in people.values() if p.side == "team"]
    assert invited == team  # the demo's client contacts have no email, and have answered
    assert all(p.email for p in people.values() if p.side == "team")
    reminded = {people[r].status for kind, r, _s in queued if kind == "reminder"}
    assert reminded == {"draft", "invited"}
    assert {status for *_rest, status in queued} == {"queued"}  # the worker sends them
    languages = {p.name: p.language for p in people.values()}
    assert languages["周敏 (Zhou Min)"] == "zh-CN" and languages["Diego Alvarez"] is None


def test_evidence_for_each_story_in_both_languages(demo):
    """The late payer's invoices confirm the team (most paid late, some still overdue,
    two currencies kept apart) and its payment sign persisted after the team spoke up;
    the healthy partner pays on time but kept the team in the dark three times, which
    its healthy score does not show; every client has incidents, in both languages."""
    from datetime import date
    from decimal import Decimal

    from assessment.round_evidence import round_evidence
    from assessment.store import evidence as store

    found, scored = _results(demo, "Apex Retail Group")
    apex = clients.find_by_name(demo, "Apex Retail Group")
    shown = round_evidence(demo, found[2], scored[2], date(2026, 12, 31))
    payment = shown.sign("payment")
    assert payment.invoices.late > payment.invoices.due // 2
    assert set(payment.invoices.overdue) == {"CNY", "EUR"}
    assert payment.invoices.overdue["EUR"] == Decimal("84000.00")
    assert payment.persisted_after == (date(2026, 10, 5), date(2026, 11, 10))
    found, scored = _results(demo, "Harbor & Pine Foods")
    harbor = round_evidence(demo, found[2], scored[2], date(2026, 12, 31))
    assert harbor.sign("kept-in-the-dark").disagreement.direction == "evidence_worse"
    assert harbor.sign("payment").invoices.late == 0
    texts = []
    for client in clients.list_clients(demo):
        incidents = store.client_incidents(demo, client.id)
        assert incidents, client.name
        texts += [i.text for i in incidents]
    assert any(any("\u4e00" <= ch <= "\u9fff" for ch in t) for t in texts)
    assert any(t.isascii() for t in texts)
    assert store.invoice_count(demo, apex.id) == 9
