"""The ``ipe`` command line: a thin layer that parses options, calls the library and prints."""

from __future__ import annotations

import functools
import importlib
import sys

import click

from ipe import __version__, outputs
from ipe.errors import IpeError

# Each top-level command: the modules that define it (the first registers it on ``cli``, or holds it as an
# attribute of the same name), and the first paragraph of its help, so ``ipe --help`` and ``ipe --version`` answer
# without importing spaCy and the rest (a test checks these against the commands' own help).
COMMANDS = {
    "agree": (("ipe.cli.agree",), "Intercoder agreement: 'ipe agree CODER_A CODER_B ...' or 'ipe agree matrix FILE.csv'."),
    "anonymise": (("ipe.cli.anonymise",), "Replace names, contact details and other identifiers in every source with pseudonyms."),
    "assign": (("ipe.cli.team",), "Assign sources to coders, blind (for double coding) or not."),
    "assignments": (("ipe.cli.team",), "List who is assigned which source, and whether blind."),
    "audit": (("ipe.cli.project",), "Show the audit log: who changed what, when."),
    "backup": (("ipe.cli.project",), "Write a consistent copy of the project store into DIRECTORY (SQLite's backup API)."),
    "cmo": (("ipe.cli.cmo", "ipe.cli.evidence"), "Context-mechanism-outcome configurations as an evidence-linked graph, tested against the theory."),
    "code": (("ipe.cli.coding",), "Auto-code every source against the codebook's rules."),
    "codebook": (("ipe.cli.codebook",), "Validate, show and export programme-theory codebooks."),
    "codes": (("ipe.cli.coding",), "Counts per code (segments, sources, cases), listing codes never coded too."),
    "codings": (("ipe.cli.coding",), "Import and export human codings."),
    "consensus": (("ipe.cli.team",), "Disagreements between a source's assigned coders, and the lead's resolutions into the consensus coder."),
    "db": (("ipe.cli.db",), "The project's store: copy it between SQLite and PostgreSQL."),
    "evaluate": (("ipe.cli.coding",), "Precision, recall and F1 of the auto-coder against a gold coder, per code and overall."),
    "import": (("ipe.cli.project",), "Import transcripts (.txt .md .docx .vtt .srt, folders, or a CSV of answers)."),
    "init": (("ipe.cli.project",), "Create a project folder with an empty store (owner-only permissions)."),
    "memo": (("ipe.cli.coding",), "Write and list memos."),
    "orphans": (("ipe.cli.project",), "List human codings, reviews and evidence passages whose quoted text is gone from a replaced source (kept, never deleted)."),
    "pack": (("ipe.cli.workshop",), "Build workshop sense-check packs and read completed ones back."),
    "purge": (("ipe.cli.project",), "Finish an erasure reported incomplete: move the store's log into its file and check nothing erased remains."),
    "refi": (("ipe.cli.refi",), "Exchange projects and codebooks with NVivo, ATLAS.ti, MAXQDA and other REFI-QDA tools."),
    "report": (("ipe.cli.report",), "Reports written from the whole project."),
    "review": (("ipe.cli.coding",), "Review auto-coding: export a sheet, mark accept/reject, apply it."),
    "run": (("ipe.cli.project",), "Run the main job: import, place gold codings, pseudonymise, auto-code, and write every report."),
    "search": (("ipe.cli.semantic",), "The project's sentences nearest a query, ranked, with source, speaker, turn and reference."),
    "segments": (("ipe.cli.coding",), "The quote bank: coded segments with source, case, role, speaker, turn, offsets, code path and coder."),
    "serve": (("ipe.cli.serve",), "Code transcripts in the browser: the workbench over this project, on loopback, offline."),
    "show": (("ipe.cli.project",), "Show a source turn by turn, with speakers and roles."),
    "source": (("ipe.cli.project",), "Manage single sources."),
    "sources": (("ipe.cli.project",), "List sources with word, turn and sentence counts and their attributes."),
    "suggest": (("ipe.cli.semantic",), "Learn each code from human coding and suggest it in the documents those coders have not coded."),
    "survey": (("ipe.cli.survey",), "The broad phase: a national survey of MASH placed on the risk↔needs spectrum."),
    "tables": (("ipe.cli.tables",), "Write the evaluation tables: frequencies, framework matrices, RQ map, co-occurrence, quote bank, ..."),
    "theory": (("ipe.cli.theory",), "The programme theory's versions: the codebook's configurations, then every revision made in the project."),
    "unassign": (("ipe.cli.team",), "Take sources away from coders; their codings stay."),
    "unblind": (("ipe.cli.team",), "End blind coding of sources: every coder sees every coding of them."),
    "users": (("ipe.cli.team",), "Team accounts for 'ipe serve' in team mode: add, list, change and remove users."),
}


class IpeGroup(click.Group):
    """A group that turns every ipe error into one ``Error: ...`` line and a non-zero exit."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except IpeError as exc:
            raise click.ClickException(" ".join(str(exc).split())) from None
        except KeyboardInterrupt:
            raise click.ClickException("interrupted; nothing from this command was saved") from None


class LazyGroup(IpeGroup):
    """The top-level group: a command's modules are imported only when that command is used (see ``COMMANDS``)."""

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx, name):
        if name not in self.commands and name in COMMANDS:
            modules, _ = COMMANDS[name]
            loaded = [importlib.import_module(m) for m in modules]
            if name not in self.commands:
                self.add_command(getattr(loaded[0], name))
        return super().get_command(ctx, name)

    def format_commands(self, ctx, formatter):
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:
            if name in COMMANDS and name not in self.commands:
                rows.append((name, click.Command(name, help=COMMANDS[name][1]).get_short_help_str(limit)))
            else:
                command = self.get_command(ctx, name)
                if command is not None and not command.hidden:
                    rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def progress_factory(quiet: bool):
    """A progress wrapper for the library: a bar on stderr when it is a terminal and not ``--quiet``."""

    def progress(items, label: str = "", length=None):
        if quiet or not sys.stderr.isatty():
            yield from items
            return
        with click.progressbar(items, label=label, length=length, file=sys.stderr) as bar:
            yield from bar

    return progress


# What a listing can print: an aligned table, or a table exporter's text (the registry's md) or pandas' CSV/JSON.
SCREEN_FORMATS = ("table", "csv", "json", "md")

format_option = click.option(
    "--format", "fmt", type=click.Choice(SCREEN_FORMATS), default="table", show_default=True,
    help="An aligned table on screen, or CSV, JSON or Markdown to pipe on.",
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
    """Print a DataFrame as an aligned table, CSV, JSON or Markdown."""
    if fmt == "md":
        from ipe import exporters  # the registry loads every exporter; only commands that print Markdown need it

        click.echo(exporters.get("md").text(table))
    elif fmt == "csv":
        click.echo(table.to_csv(index=False, lineterminator="\n"), nl=False)
    elif fmt == "json":
        click.echo(table.to_json(orient="records", force_ascii=False, indent=2))
    elif table.empty:
        click.echo("(nothing)")
    else:
        click.echo(table.to_string(index=False, max_colwidth=80))


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="ipe")
@click.option("--project", "-p", envvar="IPE_PROJECT", default=".", show_default=True,
              type=click.Path(file_okay=False), help="Project folder (or set IPE_PROJECT).")
@click.option("--team-outputs", envvar="IPE_TEAM_OUTPUTS", is_flag=True,
              help="Outputs readable and writable by your group (0660 files, 0770 folders) for a team folder; "
                   "default owner-only (0600/0700). Or set IPE_TEAM_OUTPUTS=1.")
@click.option("--database", metavar="URL",
              help="The project's PostgreSQL database, postgresql://user@host:port/db, overriding what the folder"
                   " names (or set IPE_DATABASE). No password in the URL: use PGPASSFILE or the environment.")
@click.pass_context
def cli(ctx, project, team_outputs, database):
    """ipe: code MASH evaluation transcripts against a programme theory, offline and reproducibly.

    Example:

        ipe run
    """
    ctx.ensure_object(dict)
    ctx.obj["project"] = project
    if team_outputs:
        outputs.set_team(True)
    if database:
        _use_database(ctx, database)


def _use_database(ctx, database: str) -> None:
    """``--database`` is ``IPE_DATABASE`` for this one command (and any worker processes it starts)."""
    import os

    from ipe.store import ENV_DATABASE

    previous = os.environ.get(ENV_DATABASE)
    os.environ[ENV_DATABASE] = database
    ctx.obj["database"] = database

    def restore():
        if previous is None:
            os.environ.pop(ENV_DATABASE, None)
        else:
            os.environ[ENV_DATABASE] = previous

    ctx.call_on_close(restore)


def main() -> None:
    cli(prog_name="ipe")
