"""Commands for projects and sources: init, import, sources, show, source remove, backup, audit, run."""

from __future__ import annotations

import click

from ipe import listings
from ipe import project as lib
from ipe import run as runner
from ipe.cli import cli, echo_table, format_option, progress_factory


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False), required=False)
@click.option("--database", metavar="URL",
              help="Keep the store in this PostgreSQL database (postgresql://user@host:port/db, no password);"
                   " the folder then holds only the URL.")
@click.pass_context
def init(ctx, directory, database):
    """Create a project folder with an empty store (owner-only permissions).

    Example:

        ipe init my-evaluation

        ipe init team-evaluation --database postgresql://ipe@db.example.org/mash
    """
    folder = lib.init(directory or ctx.obj["project"], database or ctx.obj.get("database"))
    where = lib.store_label(folder, database or ctx.obj.get("database"))
    click.echo(f"Project ready in {folder} (store: {where})")


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False), help="CSV of file attributes (file,case,role,...).")
@click.option("--text-column", help="For a CSV of free-text answers: the column holding the text.")
@click.option("--id-column", help="For a CSV of free-text answers: the column naming each row.")
@click.option("--model", help="An installed spaCy pipeline to split sentences (default: blank English).")
@click.option("--replace", is_flag=True,
              help="Replace a changed source even if human codings lose their quote (kept orphaned, see ipe orphans), "
                   "or from another file of the same name.")
@click.option("--interviewer", "interviewers", multiple=True, metavar="LABEL",
              help="A speaker label that is the interviewer in every file (repeatable), e.g. --interviewer 'Counsel "
                   "Inquiry'. Without it or a speakers column, the speaker who mostly asks questions is taken.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_context
def import_(ctx, paths, manifest, text_column, id_column, model, replace, interviewers, quiet):
    """Import transcripts (.txt .md .docx .vtt .srt, folders, or a CSV of answers).

    Re-importing an unchanged file reports it unchanged; a changed file replaces the old text and keeps its
    human codings by their quotes (the old text is kept too). If any coding would lose its quote, or the file
    comes from another path than the source of that name, nothing is imported unless you give --replace.
    Into a pseudonymised project, new text is pseudonymised with the project's key before it is stored.

    Example:

        ipe import corpora/mash-sample --manifest corpora/mash-sample/manifest.csv
    """
    with lib.open_store(ctx.obj["project"]) as store:
        report = lib.import_sources(store, paths, manifest, text_column, id_column, model, progress_factory(quiet),
                                    replace=replace, interviewers=interviewers)
    for source_id, status, detail in report.rows:
        if status != "unchanged":
            click.echo(f"{status:>18}  {source_id}  {detail}".rstrip())
    for note in report.notes:
        click.echo(f"Warning: {note}", err=True)
    click.echo(f"Imported: {report.summary()}")


@cli.command()
@format_option
@click.pass_context
def sources(ctx, fmt):
    """List sources with word, turn and sentence counts and their attributes.

    Example:

        ipe sources --format csv
    """
    with lib.open_store(ctx.obj["project"]) as store:
        table = listings.sources_table(store)
    echo_table(table, fmt)


@cli.command()
@click.argument("source")
@click.pass_context
def show(ctx, source):
    """Show a source turn by turn, with speakers and roles.

    Example:

        ipe show ash-int-01
    """
    with lib.open_store(ctx.obj["project"]) as store:
        src = listings.source(store, source)
    attrs = ", ".join(f"{k}={v}" for k, v in sorted(src.attributes.items()))
    click.echo(f"{src.id}  ({src.name}, {src.word_count} words, {len(src.turns)} turns)  {attrs}")
    for t in src.turns:
        who = t.speaker or "-"
        role = f" [{t.role}]" if t.role else ""
        click.echo(f"\n#{t.n} {who}{role}  {t.start}-{t.end}")
        click.echo(src.text[t.start:t.end])


@cli.group()
def source():
    """Manage single sources."""


@source.command("remove")
@click.argument("source_id")
@click.option("--reason", required=True, help="Why (kept in the audit log), e.g. 'participant withdrew consent'.")
@click.pass_context
def source_remove(ctx, source_id, reason):
    """Erase a source: its text, turns, codings and memos (right to erasure); the audit log keeps its id.

    Example:

        ipe source remove bra-par-01 --reason "withdrew consent"
    """
    with lib.open_store(ctx.obj["project"]) as store:
        lib.remove_source(store, source_id, reason)
    click.echo(f"Removed {source_id}")


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.pass_context
def backup(ctx, directory):
    """Write a consistent copy of the project store into DIRECTORY (SQLite's backup API).

    Example:

        ipe backup /media/encrypted/ipe-backup
    """
    with lib.open_store(ctx.obj["project"]) as store:
        path = listings.backup(store, directory)
    click.echo(f"Backup written to {path}")


@cli.command()
@click.option("--last", type=int, default=20, show_default=True, help="How many entries.")
@click.pass_context
def audit(ctx, last):
    """Show the audit log: who changed what, when.

    Example:

        ipe audit --last 5
    """
    with lib.open_store(ctx.obj["project"]) as store:
        for e in listings.audit_log(store, last):
            click.echo(f"{e.at}  {e.actor}  {e.action}  {e.detail}")


@cli.command()
@click.argument("corpus_dir", required=False, type=click.Path(exists=True, file_okay=False))
@click.option("--codebook", type=click.Path(exists=True, dir_okay=False), help="Default: codebooks/mash-programme-theory.yaml")
@click.option("--out", type=click.Path(file_okay=False), default="reports", show_default=True, help="Where outputs go.")
@click.option("--jobs", type=int, default=1, show_default=True, help="Processes for auto-coding.")
@click.option("--no-anonymise", is_flag=True, help="Skip pseudonymisation (outputs then quote identifiable text).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@click.pass_context
def run(ctx, corpus_dir, codebook, out, jobs, no_anonymise, quiet):
    """Run the main job: import, place gold codings, pseudonymise, auto-code, and write every report.

    With no arguments it runs on corpora/mash-sample with codebooks/mash-programme-theory.yaml. The project is
    the one given by 'ipe --project DIR' or IPE_PROJECT; without either, OUT/project.

    Example:

        ipe run corpora/mash-sample --out reports
    """
    given = ctx.find_root().get_parameter_source("project") is not click.core.ParameterSource.DEFAULT
    result = runner.run(corpus_dir, codebook, out, ctx.obj["project"] if given else None, jobs=jobs,
                        anonymise=not no_anonymise, progress=progress_factory(quiet))
    for line in result.lines():
        click.echo(line, err=line.startswith("Warning:"))


@cli.command()
@format_option
@click.pass_context
def orphans(ctx, fmt):
    """List human codings, reviews and evidence passages whose quoted text is gone from a replaced source (kept, never deleted).

    Re-code them by hand, or remove them deliberately; the source's earlier text is kept in the project.

    Example:

        ipe orphans
    """
    with lib.open_store(ctx.obj["project"]) as store:
        table = lib.orphans(store)
    echo_table(table, fmt)


@cli.command()
@click.pass_context
def purge(ctx):
    """Finish an erasure reported incomplete: move the store's log into its file and check nothing erased remains.

    Close every other connection to the project first (ipe serve, a database browser).

    Example:

        ipe purge
    """
    from ipe import erasure

    with lib.open_store(ctx.obj["project"]) as store:
        erasure.purge(store)
    click.echo("Purged: the store's write-ahead log is empty and no old pages remain")
