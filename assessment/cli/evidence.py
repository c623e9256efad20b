"""Evidence commands: ``invoices import`` (a client's invoices from the accounting
system's CSV or xlsx file). A thin click wrapper around ``assessment.invoice_import``;
the file format is in docs/data.md ("Invoices")."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .. import invoice_import
from ..db import get_db
from ..sqlite import transaction
from ..store import audit, clients


@click.group("invoices")
def invoices_group() -> None:
    """A client's invoices: the facts beside the payment sign (docs/data.md)."""


def _mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        field = field.strip()
        if not sep or field not in invoice_import.FIELDS or not column.strip():
            raise click.BadParameter(
                f"{pair!r}: write FIELD=COLUMN, FIELD one of {', '.join(invoice_import.FIELDS)}",
                param_hint="--column",
            )
        mapping[field] = column.strip()
    return mapping


@invoices_group.command("import")
@click.argument("client")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--column",
    "columns",
    multiple=True,
    metavar="FIELD=COLUMN",
    help="Read FIELD (number, issued, due, paid, amount, currency) from the file's column"
    " COLUMN; remembered for the client's next import. Repeat for each field to map.",
)
@with_appcontext
def import_invoices_command(client: str, file: str, columns: tuple[str, ...]) -> None:
    """Import CLIENT's invoices from FILE (CSV or xlsx; - for standard input).

    CLIENT is the client's name (not case-sensitive) or id. Columns: invoice number,
    issue date, due date, payment date (empty while unpaid), amount, currency (ISO 4217),
    named in English or Chinese or mapped with --column (the mapping is remembered per
    client). CSV in UTF-8 (with or without a byte order mark) or GBK. Dates as
    2026-03-01, 2026/03/01 or 2026年3月1日. Every line is checked first; if any is wrong,
    each problem is listed by line and nothing is imported. Invoices already stored are
    updated by number, never counted twice.
    """
    mapping = _mapping(columns)
    db = get_db()
    found = clients.find_by_name(db, client)
    if found is None and client.isdigit():
        try:
            found = clients.get_client(db, int(client))
        except clients.NotFound:
            found = None
    if found is None:
        raise click.ClickException(f"there is no client {client!r}")
    try:
        with click.open_file(file, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise click.ClickException(f"could not read {file}: {exc.strerror or exc}") from exc
    try:
        with transaction(db, write=True):
            result = invoice_import.import_invoices(db, found.id, data, file, mapping=mapping)
            audit.record_command(
                db,
                "invoices.imported",
                "client",
                found.id,
                created=result.created,
                updated=result.updated,
                unchanged=result.unchanged,
            )
    except invoice_import.InvoiceImportRefused as refused:
        for problem in refused.problems:
            click.echo(f"{file}: {invoice_import.describe_problem(problem)}", err=True)
        if refused.headers:
            click.echo(f"The file's columns: {', '.join(refused.headers)}", err=True)
        count = len(refused.problems)
        raise click.ClickException(
            f"nothing was imported: {count} problem{'s' if count != 1 else ''} in {file}"
        ) from None
    click.echo(
        f"Imported the invoices of {found.name}: {result.created} new, {result.updated} updated,"
        f" {result.unchanged} unchanged."
    )
