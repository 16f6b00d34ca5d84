"""Commands for CMO configurations: the evidence-linked graph, its test against the programme theory, exports."""

from __future__ import annotations


import click
import pandas as pd

from ipe import cmo as graphs
from ipe import evidence as lib_evidence
from ipe import exporters
from ipe import appraisal
from ipe import project as lib
from ipe.cli import cli, echo_table, format_option, selection_options
from ipe.errors import IpeError


def _window(ctx, param, value):
    try:
        graphs.window_label(value)
    except IpeError as exc:
        raise click.BadParameter(str(exc)) from None
    return int(value) if str(value).isdigit() else value


def graph_options(command):
    """The linking window and the coders, for commands about candidates (which show human and auto apart)."""
    command = click.option("--coder", "coders", multiple=True,
                           help="Only this coder's codings (repeatable; default: every coder).")(command)
    return click.option("--window", default="turn", show_default=True, callback=_window,
                        help="Linking window: turn, sentence, or N consecutive sentences.")(command)


def counted_graph_options(command):
    """The options every command that builds the graph takes: the linking window and whose codings count."""
    command = selection_options(command)
    return click.option("--window", default="turn", show_default=True, callback=_window,
                        help="Linking window: turn, sentence, or N consecutive sentences.")(command)


def threshold_options(command):
    command = click.option("--min-cases", default=2, show_default=True, type=click.IntRange(0),
                           help="Cases a link needs to count as strong.")(command)
    return click.option("--min-sources", default=2, show_default=True, type=click.IntRange(1),
                        help="Sources a link needs to count as strong.")(command)




def _window_name(window, n: int) -> str:
    label = graphs.window_label(window)
    return f"turn {n}" if label == "turn" else f"sentence {n}" if label == "sentence" else f"{label} sentences from {n}"


@cli.group()
def cmo():
    """Context-mechanism-outcome configurations as an evidence-linked graph, tested against the theory."""


@cmo.command()
@counted_graph_options
@threshold_options
@click.pass_context
def build(ctx, window, selection, min_sources, min_cases):
    """Build the graph of linked codes and count its nodes and edges.

    Links no configuration names, with evidence in --min-sources sources from --min-cases cases, are listed as
    emergent. Chains (the outcome of one configuration as the context of another) are counted apart; a chain that
    leads back into the context it started from is a warning, a feedback loop to confirm.

    Example:

        ipe cmo build --window sentence
    """
    with lib.open_store(ctx.obj["project"]) as store:
        _, book = lib.current_codebook(store)
        book = appraisal.current_codebook(store, book)  # chains and named links as the theory now stands
        graph = graphs.build_graph(store, book, window, selection)
        loops = graphs.theory_loops(book.theory)
    links = [d for _, _, d in graph.edges(data=True) if graphs.is_link(d)]
    named = sum(1 for d in links if d["hypothesised"])
    chains = graph.number_of_edges() - len(links)
    click.echo(f"{graph.number_of_nodes()} nodes, {len(links)} links ({named} in the programme theory, "
               f"{len(links) - named} not), {chains} chain{'s' if chains != 1 else ''}, window: "
               f"{graph.graph['window']}")
    for loop in loops:
        click.echo(f"Warning: the chain {' -> '.join(loop)} leads back into the context it started from "
                   "(a feedback loop: is it meant?)")
    emergent = graphs.emergent_links(graph, book, min_sources, min_cases)
    for src, dst in emergent:
        d = graph.edges[src, dst]
        click.echo(f"Emergent: {src}->{dst} ({d['sources']} sources, {d['cases']} cases)")


@cmo.command()
@counted_graph_options
@threshold_options
@click.option("--status", "statuses", multiple=True, type=click.Choice([*graphs.STATUSES, "no-evidence"]),
              help="Only configurations with this status (repeatable).")
@click.option("--contest-share", default=0.5, show_default=True, type=click.FloatRange(0, 1),
              help="Contradicting sources, as a share of supporting ones, that contest a configuration.")
@format_option
@click.pass_context
def show(ctx, window, selection, min_sources, min_cases, statuses, fmt, contest_share):
    """The configurations of the programme theory with their status and evidence counts.

    Researcher evidence decides first: contested when contradicting sources reach --contest-share of the
    supporting ones, supported with --min-sources sources from --min-cases cases, partial otherwise. A
    configuration no researcher has judged is assessed on the co-occurrence of human codings (or of --coder):
    supported when all its links are strong, partial when some have evidence, contested when codes that
    contradict its context or outcome share the windows of its evidence in as many sources as support it.
    Unreviewed auto co-occurrence counts for nothing; it is shown as candidates.

    Example:

        ipe cmo show --status contested --min-sources 3
    """
    with lib.open_store(ctx.obj["project"]) as store:
        _, book = lib.current_codebook(store)
        results = appraisal.assess_project(store, book, window, min_sources, min_cases, contest_share, selection)
    table = graphs.assessment_table(results)
    if statuses:
        table = table[table["status"].isin({s.replace("-", " ") for s in statuses})].reset_index(drop=True)
    if fmt == "table":
        table = table.drop(columns=["evidence", "statement", "links", "contradicting_codes", "segments"])
    echo_table(table, fmt)


@cmo.command()
@click.argument("target")
@counted_graph_options
@format_option
@click.pass_context
def evidence(ctx, target, window, selection, fmt):
    """The evidence for a configuration (CMO-01), or the co-occurring quotes on a link (SRC->DST).

    For a configuration: the researcher's evidence first (supports, contradicts, refines, with rationales), then
    the co-occurrence candidates, human and auto apart, each with references that re-slice the text.

    Example:

        ipe cmo evidence CMO-01

        ipe cmo evidence "ctx-relationships->mech-trust" --window sentence
    """
    with lib.open_store(ctx.obj["project"]) as store:
        _, book = lib.current_codebook(store)
        if "->" not in target:
            held = lib_evidence.evidence_table(store, target)
            found = lib_evidence.candidates(store, book, target, window, selection.coders or None)
            pointers = lib_evidence.candidates_table(store, found)
        else:
            table = graphs.evidence_table(store, book, target, window, selection)
    if "->" not in target:
        _echo_config_evidence(target, held, pointers, fmt)
        return
    if fmt != "table":
        echo_table(table, fmt)
        return
    if table.empty:
        click.echo(f"No evidence for {target} (window: {graphs.window_label(window)})")
    for link, rows in table.groupby("link", sort=False):
        click.echo(f"{link}: {len(rows)} segments in {rows['source'].nunique()} sources")
        src, _, dst = link.partition("->")
        for _, r in rows.iterrows():
            case = f" (case {r['case']})" if r["case"] else ""
            click.echo(f"  {r['source']}{case}, {_window_name(window, r['window'])}")
            click.echo(f"    {r['from_ref']} [{src}] {r['from_quote']}")
            click.echo(f"    {r['to_ref']} [{dst}] {r['to_quote']}")


def _echo_config_evidence(config: str, held: pd.DataFrame, pointers: pd.DataFrame, fmt: str) -> None:
    if fmt != "table":
        table = pd.concat([held.assign(kind="evidence").astype(object), pointers.astype(object)], ignore_index=True)
        echo_table(table[["kind", *[c for c in table.columns if c != "kind"]]].fillna(""), fmt)
        return
    click.echo(f"Researcher evidence for {config}: {len(held)}")
    for r in held.itertuples(index=False):
        case = f", case {r.case}" if r.case else ""
        orphaned = " ORPHANED (quote no longer in the text)" if r.status != "ok" else ""
        click.echo(f"  [{r.id}] {r.relation} ({r.elements}) {r.ref}{case}, v{r.version}, by {r.linked_by}"
                   f" {r.linked_at[:10]}{orphaned}")
        click.echo(f"      \u201c{' '.join(r.quote.split())}\u201d")
        click.echo(f"      note: {r.rationale}")
    for kind in ("human co-occurrence", "auto co-occurrence"):
        rows = pointers[pointers["kind"] == kind]
        open_ = int((rows["decision"] == "").sum())
        label = "counted, labelled as such" if kind.startswith("human") else "not evidence until reviewed"
        click.echo(f"Candidates, {kind} ({label}): {len(rows)}, {open_} open")
        for r in rows.itertuples(index=False):
            decided = f" [{r.decision}]" if r.decision else ""
            flag = " (negation word)" if r.negation else ""
            click.echo(f"  {r.key} {r.link}{decided}{flag}")
            click.echo(f"      {r.from_ref} {' '.join(r.from_quote.split())}")
            click.echo(f"      {r.to_ref} {' '.join(r.to_quote.split())}")


@cmo.command()
@click.option("--by", "attribute", required=True, help="Source attribute: case, mash_model, role, agency, group...")
@click.argument("values", nargs=-1)
@counted_graph_options
@format_option
@click.pass_context
def compare(ctx, attribute, values, window, selection, fmt):
    """Links evidenced in one group of sources and absent, or in fewer sources, in another.

    With VALUES, each pair of them is compared; without, each pair of the attribute's values in the project.

    Example:

        ipe cmo compare --by mash_model

        ipe cmo compare --by case ashdown bramwell
    """
    with lib.open_store(ctx.obj["project"]) as store:
        _, book = lib.current_codebook(store)
        pairs = graphs.compare_by(store, book, attribute, values, window, selection)
    if fmt == "table":
        for a, b, table in pairs:
            click.echo(f"{a} vs {b}")
            echo_table(table)
        return
    # One machine-readable table: the pair in columns a and b, the counts under neutral names.
    rows = [table.rename(columns=lambda c, a=a, b=b: c.replace(f"_{a}", "_a").replace(f"_{b}", "_b")).assign(a=a, b=b)
            for a, b, table in pairs]
    table = pd.concat(rows, ignore_index=True)
    echo_table(table[["a", "b", *[c for c in table.columns if c not in ("a", "b")]]], fmt)


@cmo.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(list(exporters.formats("graph"))),
              help="Default: from the file's suffix.")
@counted_graph_options
@click.option("--min-sources", type=click.IntRange(1), default=2, show_default=True,
              help="Sources a link needs to be drawn (png, svg); the graph formats keep every link.")
@click.pass_context
def export(ctx, file, fmt, window, selection, min_sources):
    """Write the graph as GraphML, GEXF or node-link JSON, or draw it as PNG or SVG.

    Example:

        ipe cmo export cmo.graphml

        ipe cmo export cmo.svg --window sentence
    """
    with lib.open_store(ctx.obj["project"]) as store:
        _, book = lib.current_codebook(store)
        graph = graphs.build_graph(store, book, window, selection)
    graph.graph["min_sources"] = min_sources
    click.echo(f"Wrote {exporters.write_graph(graph, file, fmt)}")
