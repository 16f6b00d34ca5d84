"""Commands for intercoder agreement: between coders in the project, or on a plain reliability matrix."""

from __future__ import annotations

import click

from ipe import agreement
from ipe import exporters, filters
from ipe import project as lib
from ipe.cli import cli, echo_table, format_option
from ipe.errors import IpeError
from ipe.units import UNIT_KINDS


class DefaultCommandGroup(click.Group):
    """A group whose unknown first word goes to its default command (``ipe agree A B`` = ``ipe agree coders A B``)."""

    default = "coders"

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = [self.default, *args]
        return super().parse_args(ctx, args)


@cli.group(cls=DefaultCommandGroup)
def agree():
    """Intercoder agreement: 'ipe agree CODER_A CODER_B ...' or 'ipe agree matrix FILE.csv'."""


@agree.command("coders")
@click.argument("coders", nargs=-1, required=True)
@click.option("--unit", type=click.Choice(UNIT_KINDS), default="sentence", show_default=True)
@click.option("--codes", "codes", multiple=True, help="Only these codes (repeatable).")
@click.option("--sources", "sources", multiple=True, help="Only these sources (repeatable).")
@click.option("--disagreements", type=click.Path(dir_okay=False), help="Write each disagreement to this CSV.")
@format_option
@click.pass_context
def agree_coders(ctx, coders, unit, codes, sources, disagreements, fmt):
    """Agreement between two or more coders in the project, per code and overall.

    Units a coder never coded (sources outside their assignment) are missing, not absent.

    Example:

        ipe agree coder-a coder-b --unit sentence --disagreements disagreements.csv
    """
    with lib.open_store(ctx.obj["project"]) as store:
        filters.check_filters(store, lib.current_codebook(store)[1] if codes else None, codes=codes,
                              coders=coders, sources=sources)
        try:
            table, diffs = agreement.coder_agreement(store, list(coders), unit, list(codes) or None, list(sources) or None)
        except ValueError as exc:
            raise IpeError(str(exc)) from None
    table = table.round(3)
    echo_table(table, fmt)
    if disagreements:
        for path in exporters.write("csv", {"disagreements": diffs}, disagreements):
            click.echo(f"Wrote {len(diffs)} disagreements to {path}", err=fmt != "table")


@agree.command("matrix")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--level", type=click.Choice(["nominal", "ordinal", "interval", "ratio"]), default="nominal", show_default=True)
def agree_matrix(file, level):
    """Alpha and kappa for a reliability matrix from any study: one column per coder, one row per unit.

    Empty cells are missing. An optional first column named 'unit' holds unit ids.

    Example:

        ipe agree matrix ratings.csv --level interval
    """
    figures = agreement.file_agreement(file, level)
    for key, value in figures.items():
        click.echo(f"{key:>20}: {round(value, 4) if isinstance(value, float) else value}")
