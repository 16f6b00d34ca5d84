"""Commands for semantic help with coding: search, suggest."""

from __future__ import annotations

import click

from ipe import project as lib
from ipe.cli import cli, echo_table, format_option, progress_factory
from ipe.records import CODE_TYPES


@cli.command()
@click.argument("text", required=False)
@click.option("--like", "like", type=int, help="More like this coding (its id): its quote is the query.")
@click.option("--code", "code", help="Leave out sentences coded with this code; alone, all its human codings are the query.")
@click.option("--type", "types", multiple=True, type=click.Choice(CODE_TYPES),
              help="Leave out sentences coded with codes of this type and name the nearest one (repeatable).")
@click.option("--case", help="Only sentences of this case.")
@click.option("--limit", type=int, default=20, show_default=True, help="How many sentences to list.")
@click.option("--lexical", "lexical_only", is_flag=True, help="Lexical match only, even with the semantic extra.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@format_option
@click.pass_context
def search(ctx, text, like, code, types, case, limit, lexical_only, quiet, fmt):
    """The project's sentences nearest a query, ranked, with source, speaker, turn and reference.

    Embedding similarity (with the ipe[semantic] extra) is combined with a lexical match; sentences a human already
    coded with the code looked for are left out.

    Example:

        ipe search "parents not told their information was shared" --type outcome
        ipe search --like 42
    """
    import pandas as pd

    from ipe import search as lib_search

    with lib.open_store(ctx.obj["project"]) as store:
        result = lib_search.search(store, text=text, like=like, code=code, types=tuple(types), case=case,
                                   limit=limit, lexical_only=lexical_only, progress=progress_factory(quiet))
    if result.note:
        click.echo(f"Warning: {result.note}; searching by lexical match only", err=True)
    table = pd.DataFrame([h.__dict__ for h in result.hits],
                         columns=["rank", "score", "ref", "source", "case", "speaker", "role", "turn", "text",
                                  "semantic", "lexical", "nearest_code"])
    if fmt == "table":
        keep = ["rank", "score", "ref", "speaker", "role", "turn"] + (["nearest_code"] if types else []) + ["text"]
        table = table[keep]
    echo_table(table, fmt)
    if fmt == "table":
        click.echo(f"({result.mode}; {result.excluded} sentences already coded left out)", err=True)


@cli.command()
@click.option("--from", "from_coders", multiple=True, help="A human coder to learn from (repeatable).")
@click.option("--coder", default="suggest", show_default=True, help="The coder the suggestions are written as.")
@click.option("--min-precision", type=click.FloatRange(0, 1, min_open=True), default=0.7, show_default=True,
              help="Cross-validated precision each code's threshold must reach; codes that cannot are skipped.")
@click.option("--report", is_flag=True,
              help="Show per code the training examples and cross-validated precision and recall (with --from: "
                   "computed afresh, nothing written; alone: of the last suggestions written).")
@click.option("--lexical", "lexical_only", is_flag=True, help="Leave embeddings out of the features.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@format_option
@click.pass_context
def suggest(ctx, from_coders, coder, min_precision, report, lexical_only, quiet, fmt):
    """Learn each code from human coding and suggest it in the documents those coders have not coded.

    Suggestions are codings of their own coder with status "suggested", a score and their provenance; they never
    change human codings and are not counted as codings until a reviewer accepts them (ipe review export --coder
    suggest --order uncertain, then ipe review apply).

    Example:

        ipe suggest --from ana --min-precision 0.8
        ipe suggest --report
    """
    from ipe import suggest as lib_suggest

    with lib.open_store(ctx.obj["project"]) as store:
        if report and not from_coders:
            result = lib_suggest.last_report(store, coder)
        elif not from_coders:
            raise click.UsageError("name the human coder(s) to learn from with --from CODER")
        else:
            result = lib_suggest.suggest(store, list(from_coders), coder, min_precision, write=not report,
                                         semantic=False if lexical_only else None, progress=progress_factory(quiet))
    if result.note:
        click.echo(f"Warning: {result.note}; learning from words and context only", err=True)
    table = lib_suggest.report_table(result)
    if report:
        echo_table(table, fmt)
        return
    suggested = table[table.status == "suggested"]
    skipped = table[table.status == "skipped"]
    click.echo(f"{result.written} suggestions as '{coder}' for {len(suggested)} codes, learned from "
               f"{', '.join(result.trained_on)} ({', '.join(result.features)})")
    if len(skipped):
        click.echo(f"{len(skipped)} codes not suggested: " + "; ".join(f"{r.code}: {r.reason}"
                                                                      for r in skipped.itertuples()))
