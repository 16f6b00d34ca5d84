"""Commands for realist evidence: link passages to configurations, review co-occurrence candidates."""

from __future__ import annotations

import click

from ipe import evidence as lib_evidence
from ipe import project as lib
from ipe.cli import echo_table, format_option
from ipe.cli.cmo import cmo, graph_options
from ipe.records import RELATIONS

by_option = click.option("--by", "actor", help="Who makes the judgement (default: your user name).")
note_option = click.option("--note", required=True, help="The rationale, kept with the record as its memo.")


@cmo.command()
@click.argument("config")
@click.option("--source", help="The source (with --start/--end; optional with --quote).")
@click.option("--start", type=click.IntRange(0), help="First character of the passage.")
@click.option("--end", type=click.IntRange(1), help="Character after the passage.")
@click.option("--coding", type=int, help="Link an existing coding (its id, from 'ipe segments --format csv').")
@click.option("--quote", help="Link the passage holding this text (found in --source, or in the one source with it).")
@click.option("--relation", required=True, type=click.Choice(RELATIONS))
@click.option("--elements", required=True,
              help="What the passage speaks to: context, resource, response, outcome (or mechanism), comma-separated.")
@note_option
@by_option
@click.pass_context
def link(ctx, config, source, start, end, coding, quote, relation, elements, note, actor):
    """Link a passage to a configuration as evidence that supports, contradicts or refines it.

    Example:

        ipe cmo link CMO-06 --source ash-int-05 --quote "nobody's seen the pattern" --relation supports
        --elements context,outcome --note "Agency staff turnover named as why cumulative neglect is missed"
    """
    with lib.open_store(ctx.obj["project"]) as store:
        _, book = lib.current_codebook(store)
        item = lib_evidence.link(store, book, config, relation, elements, note, source, start, end, coding, quote,
                                 actor)
    click.echo(f"Evidence {item.id}: {item.ref} {item.relation} {item.config_id} ({', '.join(item.elements)})")


@cmo.command()
@click.argument("evidence_id", type=int)
@by_option
@click.pass_context
def unlink(ctx, evidence_id, actor):
    """Remove an evidence record (the audit log keeps what it was).

    Example:

        ipe cmo unlink 3
    """
    with lib.open_store(ctx.obj["project"]) as store:
        item = lib_evidence.unlink(store, evidence_id, actor)
    click.echo(f"Unlinked evidence {item.id}: {item.ref} {item.relation} {item.config_id}")


@cmo.command()
@click.argument("config", required=False)
@click.option("--open", "only_open", is_flag=True, help="Only candidates not yet promoted or dismissed.")
@click.option("--kind", type=click.Choice(["auto", "human"]), help="Only auto or only human co-occurrence.")
@graph_options
@format_option
@click.pass_context
def candidates(ctx, config, only_open, kind, window, coders, fmt):
    """Co-occurrence candidates on each configuration's links, to promote to evidence or dismiss.

    Auto co-occurrence (an auto or suggested coding takes part) counts for nothing until reviewed; human
    co-occurrence (both spans human codings) is counted and labelled as such. "negation" flags a quote holding a
    negation word for the reviewer to look at; it decides nothing.

    Example:

        ipe cmo candidates CMO-06 --open
    """
    with lib.open_store(ctx.obj["project"]) as store:
        _, book = lib.current_codebook(store)
        found = lib_evidence.candidates(store, book, config, window, coders or None)
        if only_open:
            found = [c for c in found if not c.decision]
        if kind:
            found = [c for c in found if c.kind.startswith(kind)]
        table = lib_evidence.candidates_table(store, found)
    if fmt != "table":
        echo_table(table, fmt)
        return
    if table.empty:
        click.echo("No candidates")
    for c in found:
        flags = ", negation word" if c.negation else ""
        decided = f" [{c.decision}{f' as evidence {c.evidence_id}' if c.evidence_id else ''}]" if c.decision else ""
        click.echo(f"{c.key} {c.config_id} {c.src}->{c.dst} ({c.kind}{flags}){decided}")
        click.echo(f"    {c.source_id}:{c.src_start}-{c.src_end} [{c.src}] {' '.join(c.src_quote.split())}")
        click.echo(f"    {c.source_id}:{c.dst_start}-{c.dst_end} [{c.dst}] {' '.join(c.dst_quote.split())}")


@cmo.command()
@click.argument("key")
@click.option("--relation", required=True, type=click.Choice(RELATIONS))
@click.option("--elements", help="Default: the elements the two coded codes play in the configuration.")
@note_option
@graph_options
@by_option
@click.pass_context
def promote(ctx, key, relation, elements, note, window, coders, actor):
    """Promote a candidate to evidence, with the relation you judge it has.

    Example:

        ipe cmo promote C-1a2b3c4d5e --relation supports --note "Names turnover as the reason checks were missed"
    """
    with lib.open_store(ctx.obj["project"]) as store:
        _, book = lib.current_codebook(store)
        item = lib_evidence.promote(store, book, key, relation, note, elements, window, actor)
    click.echo(f"Evidence {item.id}: {item.ref} {item.relation} {item.config_id} ({', '.join(item.elements)})")


@cmo.command()
@click.argument("key")
@note_option
@graph_options
@by_option
@click.pass_context
def dismiss(ctx, key, note, window, coders, actor):
    """Dismiss a candidate that does not bear on its configuration (the decision is stored).

    Example:

        ipe cmo dismiss C-1a2b3c4d5e --note "The trust talked about is the NHS trust"
    """
    with lib.open_store(ctx.obj["project"]) as store:
        _, book = lib.current_codebook(store)
        c = lib_evidence.dismiss(store, book, key, note, window, actor)
    click.echo(f"Dismissed {c.key} ({c.config_id} {c.src}->{c.dst} in {c.source_id})")


@cmo.command("import-evidence")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@by_option
@click.pass_context
def import_evidence(ctx, file, actor):
    """Import evidence links from CSV: config, source, quote, relation, elements, rationale[, linked_by].

    All rows or none; rows the project already holds are not repeated.

    Example:

        ipe cmo import-evidence corpora/mash-sample/evidence.csv
    """
    with lib.open_store(ctx.obj["project"]) as store:
        _, book = lib.current_codebook(store)
        added, held = lib_evidence.import_csv(store, book, file, actor)
    click.echo(f"Imported {added} evidence links from {file}" + (f" ({held} already held)" if held else ""))
