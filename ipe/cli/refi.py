"""Commands for REFI-QDA interoperability: export a .qdpx project or .qdc codebook, import one."""

from __future__ import annotations

import click

from ipe import project as lib
from ipe import refi as library
from ipe.cli import IpeGroup


@click.group(cls=IpeGroup)
def refi():
    """Exchange projects and codebooks with NVivo, ATLAS.ti, MAXQDA and other REFI-QDA tools."""


@refi.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--timestamp", help="Creation date written into the file (ISO 8601; default 2000-01-01T00:00:00Z).")
@click.pass_context
def refi_export(ctx, file, timestamp):
    """Export the project (.qdpx) or its newest codebook (.qdc) as REFI-QDA.

    Exporting the same project twice gives byte-identical files.

    Example:

        ipe refi export evaluation.qdpx
    """
    with lib.open_store(ctx.find_root().obj["project"]) as store:
        report = library.export(store, file, timestamp)
    for problem in report.skipped:
        click.echo(f"skipped {problem}", err=True)
    click.echo(f"Wrote {report.path}: {report.summary()}")


@refi.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--types", type=click.Path(exists=True, dir_okay=False),
              help="YAML mapping code names or GUIDs to realist types (with rules), e.g. 'Trust: mechanism'.")
@click.pass_context
def refi_import(ctx, file, types):
    """Import a REFI-QDA project (.qdpx) or codebook (.qdc): codes, sources, cases, coders, codings and notes.

    Everything is imported in one transaction; skipped items are listed with their reasons.

    Example:

        ipe refi import nvivo-export.qdpx --types types.yaml
    """
    with lib.open_store(ctx.find_root().obj["project"]) as store:
        report = library.import_file(store, file, types)
    for problem in report.skipped:
        click.echo(f"skipped {problem}", err=True)
    click.echo(f"Imported from {file}: {report.summary()}")
