"""Commands for coding: code, codings, review, memo, segments, codes, evaluate."""

from __future__ import annotations

import click

from ipe import exporters
from ipe import listings
from ipe import project as lib
from ipe import filters, tables
from ipe.anonymise import require_pseudonymised
from ipe.cli import cli, echo_table, format_option, progress_factory
from ipe.evaluate import evaluate as run_evaluation, machine_only_line
from ipe.records import CODE_TYPES


@cli.command()
@click.option("--codebook", type=click.Path(exists=True, dir_okay=False),
              help="Codebook YAML; stored as a new version if it changed (default: the project's newest).")
@click.option("--coder", default=lib.AUTO_CODER, show_default=True, help="Name the auto-coder's codings go under.")
@click.option("--jobs", type=int, default=1, show_default=True, help="Processes to code with.")
@click.option("--model", help="An installed spaCy pipeline to use instead of blank English.")
@click.option("--include-interviewer", is_flag=True, help="Code interviewer turns too.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_context
def code(ctx, codebook, coder, jobs, model, include_interviewer, quiet):
    """Auto-code every source against the codebook's rules.

    Re-running replaces only this coder's codings for this codebook version; human codings are never touched.

    Example:

        ipe code --codebook codebooks/mash-programme-theory.yaml --jobs 2
    """
    with lib.open_store(ctx.obj["project"]) as store:
        report = lib.auto_code(store, codebook, coder, jobs, model, include_interviewer, progress=progress_factory(quiet))
    if report.missing_codes:
        listed = ", ".join(f"{code} ({n})" for code, n in sorted(report.missing_codes.items()))
        click.echo(f"Warning: human codings use codes this codebook lacks; they are kept: {listed}", err=True)
    new = " (new version)" if report.codebook_added else ""
    click.echo(f"Codebook version {report.version}{new}: coded {report.sources} sources ({report.turns} turns), "
               f"{report.codings} codings as '{report.coder}' across {len(report.per_code)} codes")


@cli.group()
def codings():
    """Import and export human codings."""


@codings.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--coder", required=True, help="The human coder these codings belong to.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows and list the rest (default: all or nothing).")
@click.pass_context
def codings_import(ctx, file, coder, skip_invalid):
    """Import codings from CSV: source, code and start, end or quote.

    Example:

        ipe codings import corpora/mash-sample/gold/coder-a/ash-int-01.csv --coder coder-a
    """
    with lib.open_store(ctx.obj["project"]) as store:
        added, problems = lib.import_codings(store, file, coder, skip_invalid)
    for problem in problems:
        click.echo(f"skipped {file}: {problem}", err=True)
    click.echo(f"Imported {added} codings for {coder}")


@codings.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(exporters.formats("table")), default="csv", show_default=True,
              help="CSV is what 'ipe codings import' reads back.")
@click.option("--coder", "coders", multiple=True, help="Only these coders (repeatable).")
@click.option("--allow-identifiable", is_flag=True, help="Export from a project not yet pseudonymised.")
@click.pass_context
def codings_export(ctx, file, fmt, coders, allow_identifiable):
    """Export codings (the columns 'ipe codings import' reads back).

    Example:

        ipe codings export codings.csv --coder coder-a
    """
    with lib.open_store(ctx.obj["project"]) as store:
        require_pseudonymised(store, allow_identifiable, "the codings export")
        table = tables.codings_table(store, coders or None)
    for path in exporters.write(fmt, {"codings": table}, file):
        click.echo(f"Wrote {len(table)} codings to {path}")


@cli.group()
def review():
    """Review auto-coding: export a sheet, mark accept/reject, apply it."""


@review.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--coder", default=lib.AUTO_CODER, show_default=True, help="The auto-coder (or suggestion coder) to review.")
@click.option("--order", type=click.Choice(["text", "uncertain"]), default="text", show_default=True,
              help="In text order, or the decisions that teach most first (scores nearest their threshold).")
@click.pass_context
def review_export(ctx, file, coder, order):
    """Write the auto-coder's codings to CSV with an empty 'decision' column.

    Example:

        ipe review export review.csv
        ipe review export review.csv --coder suggest --order uncertain
    """
    from ipe.queue import review_queue

    with lib.open_store(ctx.obj["project"]) as store:
        _, cb = lib.current_codebook(store)
        sheet = review_queue(store, cb, coder, order)
    for path in exporters.write("csv", {"review": sheet}, file):
        click.echo(f"Wrote {len(sheet)} codings to review to {path}")


@review.command("apply")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--coder", required=True, help="The reviewer: accepted rows become this coder's codings.")
@click.option("--auto-coder", default=lib.AUTO_CODER, show_default=True)
@click.pass_context
def review_apply(ctx, file, coder, auto_coder):
    """Apply a reviewed sheet: accepted rows become the reviewer's codings, rejections are recorded.

    Example:

        ipe review apply review.csv --coder coder-a
    """
    with lib.open_store(ctx.obj["project"]) as store:
        result = lib.apply_review(store, file, coder, auto_coder)
    decided = result["accepted"] + result["rejected"]
    precision = f"{result['accepted'] / decided:.2f}" if decided else "n/a"
    click.echo(f"{result['accepted']} accepted, {result['rejected']} rejected (precision {precision}); "
               f"{result['new_codings']} new codings for {coder}")
    if result["moved"]:
        click.echo(f"{result['moved']} rows found again by their quote (the source changed since the sheet was made)")


@cli.group()
def memo():
    """Write and list memos."""


@memo.command("add")
@click.argument("text")
@click.option("--source", help="Memo on a source.")
@click.option("--code", "code_id", help="Memo on a code (with --case: on a framework-matrix cell).")
@click.option("--case", help="With --code: the case of the framework-matrix cell.")
@click.option("--coding", type=int, help="Memo on a coding (its id).")
@click.option("--config", help="Memo on a CMO configuration.")
@click.option("--author", envvar="USER", default="researcher", show_default=True)
@click.pass_context
def memo_add(ctx, text, source, code_id, case, coding, config, author):
    """Add a memo to a source, code, case × code cell, coding, configuration or the project.

    Example:

        ipe memo add "Consent confusion is worst where risk is unclear" --case ashdown --code fn-consent
    """
    if case and code_id:
        kind, target = "cell", f"{case}|{code_id}"
    elif case:
        raise click.UsageError("--case needs --code")
    else:
        choices = [("source", source), ("code", code_id), ("coding", None if coding is None else str(coding)),
                   ("configuration", config)]
        given = [(k, v) for k, v in choices if v]
        if len(given) > 1:
            raise click.UsageError("give one target")
        kind, target = given[0] if given else ("project", "")
    with lib.open_store(ctx.obj["project"]) as store:
        memo_id = lib.add_memo(store, kind, target, text, author)
    click.echo(f"Memo {memo_id} added to {kind} {target}".rstrip())


@memo.command("list")
@format_option
@click.pass_context
def memo_list(ctx, fmt):
    """List memos.

    Example:

        ipe memo list
    """
    with lib.open_store(ctx.obj["project"]) as store:
        table = listings.memos_table(store)
    echo_table(table, fmt)


@cli.command()
@click.option("--code", "codes", multiple=True, help="Only these codes (repeatable).")
@click.option("--type", "types", multiple=True, type=click.Choice(CODE_TYPES), help="Only codes of these types.")
@click.option("--case", help="Only this case.")
@click.option("--role", help="Only this role.")
@click.option("--coder", "coders", multiple=True, help="Only these coders (repeatable).")
@format_option
@click.pass_context
def segments(ctx, codes, types, case, role, coders, fmt):
    """The quote bank: coded segments with source, case, role, speaker, turn, offsets, code path and coder.

    Example:

        ipe segments --type outcome --case bramwell --format csv
    """
    with lib.open_store(ctx.obj["project"]) as store:
        _, cb = lib.current_codebook(store)
        filters.check_filters(store, cb, codes=codes, coders=coders, cases=[case] if case else None,
                              roles=[role] if role else None)
        bank = tables.quote_bank(store, cb, coders=coders or None, codes=codes or None, types=types or None,
                                 attributes={"case": case, "role": role})
    if fmt == "table":
        bank = bank[["ref", "case", "role", "speaker", "turn", "code", "coder", "quote"]]
    echo_table(bank, fmt)


@cli.command()
@click.option("--coder", "coders", multiple=True, help="Only these coders (repeatable).")
@format_option
@click.pass_context
def codes(ctx, coders, fmt):
    """Counts per code (segments, sources, cases), listing codes never coded too.

    Example:

        ipe codes --coder auto
    """
    with lib.open_store(ctx.obj["project"]) as store:
        _, cb = lib.current_codebook(store)
        filters.check_filters(store, cb, coders=coders)
        table = tables.code_counts(store, cb, coders or None)
    echo_table(table, fmt)
    unused = table[table.segments == 0]
    if fmt == "table" and len(unused):
        click.echo(f"\n{len(unused)} codes never coded: {', '.join(unused.code)}")


@cli.command()
@click.option("--gold", help="The human coder taken as the gold standard.")
@click.option("--auto", "auto", default=lib.AUTO_CODER, show_default=True, help="The coder to evaluate.")
@click.option("--unit", type=click.Choice(["sentence", "turn"]), default="sentence", show_default=True)
@click.option("--sources", "sources", multiple=True, help="Only these of the gold coder's sources (repeatable).")
@click.option("--cv", "cv_coder", metavar="CODER",
              help="Instead: the learning curve of suggestions trained on this coder's documents (leave one out).")
@click.option("--lexical", "lexical_only", is_flag=True, help="With --cv: leave embeddings out of the features.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@format_option
@click.pass_context
def evaluate(ctx, gold, auto, unit, sources, cv_coder, lexical_only, quiet, fmt):
    """Precision, recall and F1 of the auto-coder against a gold coder, per code and overall.

    Only sources the gold coder coded are compared; a unit counts as coded when a coding overlaps it. With --cv
    CODER: per code type, precision and recall of suggestions after training on 1, 2, 4, ... of that coder's
    documents, each tested on a document left out.

    Example:

        ipe evaluate --gold coder-a --unit sentence
        ipe evaluate --cv coder-a
    """
    if cv_coder:
        from ipe.learning import learning_curve

        with lib.open_store(ctx.obj["project"]) as store:
            table = learning_curve(store, cv_coder, semantic=False if lexical_only else None,
                                   progress=progress_factory(quiet))
        echo_table(table, fmt)
        return
    if not gold:
        raise click.UsageError("give --gold CODER (or --cv CODER for a learning curve)")
    with lib.open_store(ctx.obj["project"]) as store:
        filters.check_filters(store, sources=sources)
        table = run_evaluation(store, auto, gold, unit, sources=list(sources) or None)
    echo_table(table, fmt)
    if machine_only_line(table):
        # Beside the table, never inside a CSV or JSON document on stdout.
        click.echo(("\n" if fmt == "table" else "") + machine_only_line(table), err=fmt != "table")
