"""What closing a round costs: per side, the answers that count, what is shown and what
is withheld, and whether for good.

The close dialog (``web.rounds.confirm_close``) shows it before the lead confirms, and the
mail sent when a round closes itself (``mail.kinds``, ``round_closed``) says it after. It
is read from the same gates every page uses once the round is closed
(``anonymity.Policy`` through ``results.policy`` and ``results.client_policy``), so what
is announced is what then happens:

- the team's results are shown in a named round, and in an anonymous one from its floor;
  its comments and text answers from its text floor (named: always, with the results);
- the client's view is shown beside the team's results from the client floor (the client
  side is always anonymous), and only when the team's results are shown;
- what is withheld is withheld *for good* when the round cannot be reopened afterwards
  (``results.can_reopen``: results shown once are never shown again one answer apart),
  else only *for now* (reopen the round to collect more answers).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlite_utils import Database

from . import results
from .anonymity import Policy
from .store import rounds


@dataclass(frozen=True)
class Side:
    """One side of a round as closing leaves it. ``floor``: the submissions its results
    (the client's: its view) are shown from, None when shown whatever the number (a named
    round's team); ``text_floor``: the same for comments and text answers (the team's)."""

    invited: int
    submitted: int
    drafts: int  # saved, not submitted: they will not count
    floor: int | None
    results_shown: bool
    text_floor: int | None = None
    free_text_shown: bool = False


@dataclass(frozen=True)
class Cost:
    """Both sides (``client`` None: the round has no client contacts) and whether the round
    can be reopened once closed: if not, what is withheld is withheld for good."""

    team: Side
    client: Side | None
    can_reopen: bool

    @property
    def withholds(self) -> bool:
        """Whether anything will be withheld."""
        team = not self.team.results_shown or not self.team.free_text_shown
        return team or (self.client is not None and not self.client.results_shown)


def cost(
    team: Policy,
    client: Policy | None,
    *,
    team_people: tuple[int, int] = (0, 0),
    client_people: tuple[int, int] = (0, 0),
) -> Cost:
    """Pure: what closing gives, from each side's policy (``team``; ``client``, None
    without client contacts) and (invited, drafts) per side."""
    team, client = replace(team, is_open=False), client and replace(client, is_open=False)
    team_side = Side(
        invited=team_people[0],
        submitted=team.submitted,
        drafts=team_people[1],
        floor=team.floor if team.anonymous else None,
        results_shown=team.results_visible,
        text_floor=team.text_floor if team.anonymous else None,
        free_text_shown=team.free_text_visible,
    )
    client_side = None
    if client is not None:
        client_side = Side(
            invited=client_people[0],
            submitted=client.submitted,
            drafts=client_people[1],
            floor=client.floor,
            results_shown=team.results_visible and client.results_visible,
        )
    can_reopen = team.can_reopen and (client is None or client.can_reopen)
    return Cost(team_side, client_side, can_reopen)


def client_rules(record: results.RoundRecord) -> Policy | None:
    """The client side's gate (its floor, its submissions), or None without client
    contacts: read here only, so a change to how the client floor works is made in
    ``results.client_policy`` and nowhere else."""
    return results.client_policy(record)


def _people(record: results.RoundRecord, side: str) -> tuple[int, int]:
    found = [person for person in record.people if person.side == side]
    return len(found), sum(1 for person in found if person.status == "draft")


def of_round(db: Database, current: rounds.Round) -> Cost:
    """What closing ``current`` costs (or cost, once closed), as its pages will show it."""
    record = results.load(db, current, every_answer=False)
    return cost(
        results.policy(record),
        client_rules(record),
        team_people=_people(record, "team"),
        client_people=_people(record, "client"),
    )
