"""The ``ipe tables`` command: every evaluation table in CSV, XLSX, Markdown and Word."""

from __future__ import annotations

import click

from ipe import exporters
from ipe import project as lib
from ipe import findings
from ipe.anonymise import require_pseudonymised
from ipe.errors import IpeError
from ipe.cli import cli, selection_options


def _formats(value: str) -> list[str]:
    formats = [f.strip() for f in value.split(",") if f.strip()]
    unknown = [f for f in formats if f not in exporters.TABLE_FORMATS]
    if unknown:
        raise click.BadParameter(f"unknown format {', '.join(unknown)} (choose from {', '.join(exporters.TABLE_FORMATS)})")
    return formats


@cli.command("tables")
@click.option("--out", type=click.Path(file_okay=False), default="reports", show_default=True)
@click.option("--format", "formats", default="csv,xlsx,md,docx", show_default=True, help="Comma-separated formats.")
@click.option("--only", multiple=True, help="Only these tables (repeatable), e.g. --only quote-bank.")
@click.option("--quotes", type=int, default=2, show_default=True, help="Exemplar quotes per cell.")
@selection_options
@click.option("--allow-identifiable", is_flag=True, help="Write tables from a project not yet pseudonymised.")
@click.pass_context
def tables_(ctx, out, formats, only, quotes, selection, allow_identifiable):
    """Write the evaluation tables: frequencies, framework matrices, RQ map, co-occurrence, quote bank, ...

    Example:

        ipe tables --out reports --format xlsx,docx --only framework-outcomes
        ipe tables --coder coder-a --only code-counts --format csv

    Each table's caption (and the CSV-README.md beside the CSV files) says whose codings it counts.
    """
    formats = _formats(formats)
    with lib.open_store(ctx.obj["project"]) as store:
        require_pseudonymised(store, allow_identifiable, "the tables")
        _, cb = lib.current_codebook(store)
        tables = findings.all_tables(store, cb, selection, n_quotes=quotes)
    if only:
        missing = [name for name in only if name not in tables]
        if missing:
            raise IpeError(f"unknown table {', '.join(missing)} (tables: {', '.join(tables)})")
        tables = {name: t for name, t in tables.items() if name in only}
    for path in exporters.write_report_tables(tables, out, formats):
        click.echo(f"Wrote {path}")
