"""What several commands share: how a round is named, and how an output file is written.

A round is named one way everywhere: ``--round ID`` (the number in its page's address,
``/rounds/ID``), or looked up by ``--client NAME`` with ``--period PERIOD`` (without a
period: the client's latest round). ``round_options`` adds the three options and
``find_round`` turns them into the round, or into an error that says what exists.

Output goes through ``Output`` (``output_options`` adds ``-o/--output`` and ``--force``),
with one rule for every command: ``-`` is standard output; an existing file is replaced
only with ``--force``; a folder, or a path in a missing folder, is refused; all of this is
checked before any work is done (``Output.check``), and the file is written whole or not
at all (a temporary file beside it, renamed into place), readable by its owner only, as
it may hold people's names and answers. ``assessment backup`` follows the same rule.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click
from sqlite_utils import Database

from ..store import clients, rounds
from ..store.clients import NotFound

__all__ = ["Output", "find_round", "output_options", "round_options"]

#: The largest id SQLite stores; a larger number names no round.
MAX_ID = 2**63 - 1


def _round_id(_ctx, _param, value: int | None) -> int | None:
    if value is not None and not 1 <= value <= MAX_ID:
        raise click.BadParameter(f"{value} is not a round id (a whole number from 1)")
    return value


def round_options(command: Callable) -> Callable:
    """``--round ID``, or ``--client NAME`` and ``--period PERIOD``; see ``find_round``."""
    options = (
        click.option(
            "--round",
            "round_id",
            type=int,
            callback=_round_id,
            metavar="ID",
            help="The round's id: the number in its page's address (/rounds/ID).",
        ),
        click.option(
            "--client",
            metavar="NAME",
            help="Instead of --round: the client's name (not case-sensitive; quote it when"
            " it has spaces).",
        ),
        click.option(
            "--period",
            metavar="PERIOD",
            help="With --client: the review period, e.g. 2026-Q4 (default: the client's"
            " latest round).",
        ),
    )
    for option in reversed(options):
        command = option(command)
    return command


def find_round(
    db: Database, round_id: int | None, client: str | None, period: str | None
) -> rounds.Round:
    """The round the options name; a ``click`` error saying what exists otherwise."""
    if round_id is not None:
        if client is not None or period is not None:
            raise click.UsageError("--round names the round by itself: leave out --client/--period")
        try:
            return rounds.get_round(db, round_id)
        except NotFound:
            raise click.ClickException(f"there is no round {round_id}") from None
    if client is None:
        if period is not None:
            raise click.UsageError("--period needs --client NAME (or name the round: --round ID)")
        raise click.UsageError("name the round: --round ID, or --client NAME [--period PERIOD]")
    found = clients.find_by_name(db, client)
    if found is None:
        names = ", ".join(c.name for c in clients.list_clients(db)) or "none yet"
        raise click.ClickException(f"No client named {client!r}. Clients: {names}.")
    history = rounds.list_rounds(db, found.id)  # newest first
    if not history:
        raise click.ClickException(f"{found.name} has no review rounds yet.")
    if period is None:
        return history[0]
    matching = [r for r in history if rounds.period_key(r.period) == rounds.period_key(period)]
    if not matching:
        periods = ", ".join(dict.fromkeys(r.period for r in history))
        raise click.ClickException(
            f"{found.name} has no round for period {period!r}. Periods: {periods}."
        )
    chosen = matching[0]
    if len(matching) > 1:
        ids = ", ".join(f"{r.id} ({r.kind})" for r in matching)
        click.echo(
            f"{len(matching)} rounds in {chosen.period}; using the latest ({chosen.kind},"
            f" round {chosen.id}). Another: --round ID, one of {ids}.",
            err=True,
        )
    return chosen


def output_options(default: str | None = None) -> Callable[[Callable], Callable]:
    """``-o/--output FILE`` (required unless ``default`` says what it defaults to) and
    ``--force``."""

    def decorate(command: Callable) -> Callable:
        command = click.option(
            "--force", is_flag=True, help="Overwrite FILE if it exists (default: refuse)."
        )(command)
        return click.option(
            "-o",
            "--output",
            metavar="FILE",
            required=default is None,
            type=click.Path(dir_okay=False, allow_dash=True),
            help="Where to write; '-' for standard output"
            + (f" (default: {default})." if default else "."),
        )(command)

    return decorate


@dataclass(frozen=True)
class Output:
    """Where a command writes its result, by the rule in this module's docstring."""

    path: str
    force: bool = False

    PARAM = "'-o' / '--output'"

    @property
    def is_stdout(self) -> bool:
        return self.path == "-"

    def check(self) -> None:
        """Refuse, before any work, a path that ``write`` would refuse."""
        if self.is_stdout:
            return
        target = Path(self.path)
        if target.is_dir():
            raise click.BadParameter(f"{self.path} is a directory", param_hint=self.PARAM)
        if not (target.parent if str(target.parent) else Path(".")).is_dir():
            raise click.BadParameter(
                f"the folder {target.parent} does not exist", param_hint=self.PARAM
            )
        if target.exists() and not self.force:
            raise self._exists()

    def write(self, data: bytes) -> str:
        """Write ``data``; what was written to, for the command's last message."""
        if self.is_stdout:
            sys.stdout.flush()
            with click.open_file("-", "wb") as stream:
                stream.write(data)
                stream.flush()
            return "standard output"
        self.check()
        target = Path(self.path)
        try:
            fd, temp = tempfile.mkstemp(  # mode 0600
                dir=target.parent, prefix=f".{target.name}.", suffix=".part"
            )
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                self._put(Path(temp), target)
            finally:
                Path(temp).unlink(missing_ok=True)
        except OSError as exc:
            raise click.ClickException(
                f"could not write {self.path}: {exc.strerror or exc}"
            ) from exc
        return str(target)

    def _put(self, temp: Path, target: Path) -> None:
        if self.force:
            os.replace(temp, target)
            return
        try:
            os.link(temp, target)  # refuses a file that appeared meanwhile
        except FileExistsError:
            raise self._exists() from None
        except OSError:  # a file system without hard links
            if target.exists():
                raise self._exists() from None
            os.replace(temp, target)

    def _exists(self) -> click.ClickException:
        return click.ClickException(f"{self.path} exists; use --force to overwrite it")
