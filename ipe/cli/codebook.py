"""Commands for codebooks: validate, show, export."""

from __future__ import annotations

import click

from ipe import codebook as lib
from ipe import exporters, project
from ipe.cli import cli
from ipe.errors import CodebookError


@cli.group()
def codebook():
    """Validate, show and export programme-theory codebooks."""


@codebook.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def validate(file):
    """Check a codebook and list every problem with its code id and field.

    Example:

        ipe codebook validate codebooks/mash-programme-theory.yaml
    """
    try:
        cb = lib.load(file)
    except CodebookError as exc:
        for problem in exc.problems:
            click.echo(f"{exc.path}: {problem}", err=True)
        raise click.ClickException(f"{exc.path}: {len(exc.problems)} problem{'s' if len(exc.problems) > 1 else ''}")
    click.echo(f"{file}: valid ({len(cb.codes)} codes, {len(cb.theory)} configurations, "
               f"{len(cb.research_questions)} research questions)")


@codebook.command("show")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def show_(file):
    """Show the code tree with types and rule counts.

    Example:

        ipe codebook show codebooks/mash-programme-theory.yaml
    """
    for line in lib.tree_lines(lib.load(file)):
        click.echo(line)


@codebook.command("export")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(exporters.formats("table")), default="md", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="Output file.")
def export(file, fmt, out):
    """Export the codebook as an appendix table (codes, and the hypothesised configurations).

    Example:

        ipe codebook export codebooks/mash-programme-theory.yaml --format docx --out reports/codebook.docx
    """
    cb = lib.load(file)
    tables = {"codes": lib.codebook_table(cb), "configurations": lib.theory_table(cb)}
    for path in exporters.write(fmt, tables, out, title=f"Codebook: {cb.name}"):
        click.echo(f"Wrote {path}")


@codebook.command()
@click.argument("old")
@click.argument("new")
@click.option("--name", help="A new display name for the code.")
@click.option("--out", type=click.Path(dir_okay=False), help="Also write the changed codebook YAML here.")
@click.pass_context
def rename(ctx, old, new, name, out):
    """Rename a code in the project's codebook; its codings, reviews and memos follow (audited).

    Example:

        ipe codebook rename mech-trust mech-mutual-trust --out codebooks/mine.yaml
    """
    with project.open_store(ctx.obj["project"]) as store:
        version, moved = project.change_code(store, old, new, merge=False, name=name, out=out)
    click.echo(f"Codebook version {version}: renamed {old} to {new}; {moved} codings moved")


@codebook.command()
@click.argument("source_code")
@click.argument("target_code")
@click.option("--out", type=click.Path(dir_okay=False), help="Also write the changed codebook YAML here.")
@click.pass_context
def merge(ctx, source_code, target_code, out):
    """Merge a code into another; its codings, reviews and memos move to the target (audited).

    Example:

        ipe codebook merge ctx-hub-demand ctx-capacity-wider-services
    """
    with project.open_store(ctx.obj["project"]) as store:
        version, moved = project.change_code(store, source_code, target_code, merge=True, out=out)
    click.echo(f"Codebook version {version}: merged {source_code} into {target_code}; {moved} codings moved")
