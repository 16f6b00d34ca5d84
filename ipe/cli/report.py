"""Commands for reports written from the whole project: the RAMESES II appendix."""

from __future__ import annotations

import click

from ipe import project as lib
from ipe import rameses
from ipe.cli import cli


@cli.group()
def report():
    """Reports written from the whole project."""


@report.command("rameses")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="FILE.md or FILE.docx.")
@click.option("--title", default="", help="The evaluation's name, for the heading.")
@click.option("--allow-identifiable", is_flag=True, help="Write even though the project is not pseudonymised.")
@click.pass_context
def rameses_report(ctx, out, title, allow_identifiable):
    """The RAMESES II reporting appendix, filled only from what the project holds.

    Items the project cannot speak for are listed for the team to write.

    Example:

        ipe report rameses --out reports/rameses-appendix.docx
    """
    with lib.open_store(ctx.obj["project"]) as store:
        _, book = lib.current_codebook(store)
        path, items = rameses.write(store, book, out, allow_identifiable, title)
    filled = [str(i.number) for i in items if i.filled]
    click.echo(f"Wrote {path}: items {', '.join(filled)} filled from the project; "
               f"{len(items) - len(filled)} items for the team to write")
