"""The ``ipe`` command line: a thin layer that parses options, calls the library and prints."""

from __future__ import annotations

import functools
import sys

import click

from ipe import __version__
from ipe.errors import IpeError


class IpeGroup(click.Group):
    """A group that turns every ipe error into one ``Error: ...`` line and a non-zero exit."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except IpeError as exc:
            raise click.ClickException(" ".join(str(exc).split())) from None
        except KeyboardInterrupt:
            raise click.ClickException("interrupted; nothing from this command was saved") from None


def progress_factory(quiet: bool):
    """A progress wrapper for the library: a bar on stderr when it is a terminal and not ``--quiet``."""

    def progress(items, label: str = "", length=None):
        if quiet or not sys.stderr.isatty():
            yield from items
            return
        with click.progressbar(items, label=label, length=length, file=sys.stderr) as bar:
            yield from bar

    return progress


format_option = click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
    help="An aligned table on screen, or CSV or JSON to pipe on.",
)


def selection_options(command):
    """``--coder``, ``--include-auto`` and ``--include-suggestions``: whose codings count. The command receives one
    ``selection`` argument (an :class:`ipe.selection.Selection`) in their place."""

    @functools.wraps(command)
    def with_selection(*args, coders=(), include_auto=False, include_suggestions=False, **kwargs):
        from ipe.selection import Selection

        return command(*args, selection=Selection.of(coders, include_auto, include_suggestions), **kwargs)

    with_selection = click.option(
        "--include-suggestions", is_flag=True, help="Also count scored suggestions no one has reviewed.")(with_selection)
    with_selection = click.option(
        "--include-auto", is_flag=True,
        help="Also count the auto-coder's unreviewed codings (default: human codings and accepted auto codings)."
    )(with_selection)
    return click.option(
        "--coder", "coders", multiple=True,
        help="Only these coders' codings (repeatable or comma-separated; 'consensus' once it exists).")(with_selection)


def echo_table(table, fmt: str = "table") -> None:
    """Print a DataFrame as an aligned table, CSV or JSON."""
    if fmt == "csv":
        click.echo(table.to_csv(index=False, lineterminator="\n"), nl=False)
    elif fmt == "json":
        click.echo(table.to_json(orient="records", force_ascii=False, indent=2))
    elif table.empty:
        click.echo("(nothing)")
    else:
        click.echo(table.to_string(index=False, max_colwidth=80))


@click.group(cls=IpeGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="ipe")
@click.option("--project", "-p", envvar="IPE_PROJECT", default=".", show_default=True,
              type=click.Path(file_okay=False), help="Project folder (or set IPE_PROJECT).")
@click.option("--team-outputs", envvar="IPE_TEAM_OUTPUTS", is_flag=True,
              help="Outputs readable and writable by your group (0660 files, 0770 folders) for a team folder; "
                   "default owner-only (0600/0700). Or set IPE_TEAM_OUTPUTS=1.")
@click.pass_context
def cli(ctx, project, team_outputs):
    """ipe: code MASH evaluation transcripts against a programme theory, offline and reproducibly.

    Example:

        ipe run
    """
    from ipe import outputs

    ctx.ensure_object(dict)
    ctx.obj["project"] = project
    if team_outputs:
        outputs.set_team(True)


def main() -> None:
    cli(prog_name="ipe")


from ipe.cli import agree as _agree  # noqa: E402,F401  (each module registers its commands on ``cli``)
from ipe.cli import anonymise as _anonymise  # noqa: E402,F401
from ipe.cli import cmo as _cmo  # noqa: E402,F401
from ipe.cli import evidence as _evidence  # noqa: E402,F401
from ipe.cli import codebook as _codebook  # noqa: E402,F401
from ipe.cli import coding as _coding  # noqa: E402,F401
from ipe.cli import project as _project  # noqa: E402,F401
from ipe.cli import report as _report  # noqa: E402,F401
from ipe.cli import semantic as _semantic  # noqa: E402,F401
from ipe.cli import serve as _serve  # noqa: E402,F401
from ipe.cli import tables as _tables  # noqa: E402,F401
from ipe.cli import theory as _theory  # noqa: E402,F401
from ipe.cli import workshop as _workshop  # noqa: E402,F401
from ipe.cli.survey import survey as _survey  # noqa: E402

cli.add_command(_survey)
from ipe.cli.refi import refi as _refi  # noqa: E402

cli.add_command(_refi)
