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
