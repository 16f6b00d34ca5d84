"""Commands for the project's database: ``ipe db copy`` between SQLite and PostgreSQL."""

from __future__ import annotations

import click

from ipe import project as lib
from ipe.cli import cli


@cli.group()
def db():
    """The project's store: copy it between SQLite and PostgreSQL."""


@db.command("copy")
@click.option("--to", "to", required=True, metavar="URL|PATH",
              help="An empty PostgreSQL database (postgresql://user@host/db), or a new SQLite file or folder.")
@click.option("--switch", is_flag=True,
              help="Afterwards, point the project folder at the copy (PostgreSQL), or back at its ipe.db (SQLite).")
@click.pass_context
def copy(ctx, to, switch):
    """Copy the whole project into another store, verified by the logical checksum.

    Sources, turns, sentences, codebook versions, codings with provenance, reviews, memos, survey, packs,
    revisions, accounts and the audit log all go across; the copy is refused unless the target is empty.

    Example:

        ipe db copy --to postgresql://ipe@db.example.org/mash --switch
    """
    report = lib.copy_project(ctx.obj["project"], to, switch=switch)
    click.echo(f"Copied {report.total} rows in {len(report.rows)} tables from {report.source} to {report.target}")
    click.echo(f"Logical checksum {report.checksum[:16]}… matches on both sides")
    if switch:
        click.echo(f"The project now uses {report.target}")
