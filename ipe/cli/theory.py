"""Commands for the programme theory's versions: show, revise, add, retire, history, diff."""

from __future__ import annotations

import click
import pandas as pd

from ipe import project as lib
from ipe import theory as lib_theory
from ipe import workshop
from ipe.cli import cli, echo_table, format_option
from ipe.records import Configuration

reason_option = click.option("--reason", required=True, help="Why the theory changes (kept with its history).")
stage_option = click.option("--stage", type=click.Choice(lib_theory.STAGES), default=None,
                            help="The stage of the evaluation the change belongs to.")
by_option = click.option("--by", "actor", help="Who makes the change (default: your user name).")


def code_options(command):
    for name, what in reversed((("context", "context"), ("mechanism", "mechanism (a single one)"),
                                ("resource", "mechanism resource"), ("response", "mechanism response"),
                                ("outcome", "outcome"))):
        command = click.option(f"--{name}", help=f"The {what} code.")(command)
    return command


@cli.group()
def theory():
    """The programme theory's versions: the codebook's configurations, then every revision made in the project."""


@theory.command()
@format_option
@click.pass_context
def status(ctx, fmt):
    """Each configuration: the hypothesis, its status in the data, and after the workshop.

    Example:

        ipe theory status
    """
    with lib.open_store(ctx.obj["project"]) as store:
        _, cb = lib.current_codebook(store)
        table = workshop.theory_status(store, cb)
    echo_table(table if fmt != "table" else table.drop(columns=["hypothesis"]), fmt)


@theory.command()
@click.option("--version", "version", type=click.IntRange(1), help="The theory at this version (default: newest).")
@format_option
@click.pass_context
def show(ctx, version, fmt):
    """The configurations of the theory, as they stand now or at a version.

    Example:

        ipe theory show --version 1
    """
    with lib.open_store(ctx.obj["project"]) as store:
        _, book = lib.current_codebook(store)
        configs = lib_theory.current(store, book, version)
        versions = lib_theory.config_versions(store, book)
        newest = lib_theory.newest_version(store)
    rows = [{"id": t.id, "version": versions.get(t.id, 1), "context": t.context,
             "mechanism": t.mechanism or f"{t.resource} + {t.response}", "outcome": t.outcome,
             "chain_from": t.chain_from or "", "statement": t.statement} for t in configs]
    if fmt == "table":
        click.echo(f"Theory version {version or newest} of {newest}")
    echo_table(pd.DataFrame(rows, columns=["id", "version", "context", "mechanism", "outcome", "chain_from",
                                           "statement"]), fmt)


@theory.command()
@click.argument("config")
@click.option("--statement", help="The configuration's new statement.")
@code_options
@click.option("--chain-from", help="The configuration whose outcome is this one's context ('' to clear).")
@reason_option
@stage_option
@by_option
@click.pass_context
def revise(ctx, config, statement, context, mechanism, resource, response, outcome, chain_from, reason, stage, actor):
    """Record a new version of a configuration (statement and/or codes); earlier versions are kept.

    Example:

        ipe theory revise CMO-06 --statement "Where staff keep changing ..." --reason "Workshop: agency staff bring
        their old thresholds"
    """
    with lib.open_store(ctx.obj["project"]) as store:
        _, book = lib.current_codebook(store)
        rev = lib_theory.revise(store, book, config, reason, statement, stage or "refined", actor, context=context,
                                mechanism=mechanism, resource=resource, response=response, outcome=outcome,
                                chain_from=chain_from)
    click.echo(f"Theory version {rev.theory_version}: {config} revised")


@theory.command()
@click.argument("config")
@click.option("--statement", required=True)
@code_options
@click.option("--chain-from", help="The configuration whose outcome is this one's context.")
@click.option("--emergent", is_flag=True, help="It emerged from the data (not one of the hypotheses).")
@reason_option
@stage_option
@by_option
@click.pass_context
def add(ctx, config, statement, context, mechanism, resource, response, outcome, chain_from, emergent, reason, stage,
        actor):
    """Add a configuration to the theory (with --emergent: one that came from the data).

    Example:

        ipe theory add CMO-17 --context ctx-workforce-turnover --mechanism mech-professional-challenge
        --outcome out-risk-missed --statement "..." --emergent --reason "Seen in 4 sources in 2 cases"
    """
    with lib.open_store(ctx.obj["project"]) as store:
        _, book = lib.current_codebook(store)
        config_record = Configuration(id=config, context=context or "", outcome=outcome or "", statement=statement,
                                      mechanism=mechanism, resource=resource, response=response,
                                      chain_from=chain_from or None)
        rev = lib_theory.add(store, book, config_record, reason, emergent, stage or "tested", actor)
    click.echo(f"Theory version {rev.theory_version}: {config} added{' (emergent)' if emergent else ''}")


@theory.command()
@click.argument("config")
@reason_option
@stage_option
@by_option
@click.pass_context
def retire(ctx, config, reason, stage, actor):
    """Retire a configuration: it leaves the current theory, its versions and evidence are kept.

    Example:

        ipe theory retire CMO-14 --reason "No case showed it; the workshop did not recognise it"
    """
    with lib.open_store(ctx.obj["project"]) as store:
        _, book = lib.current_codebook(store)
        rev = lib_theory.retire(store, book, config, reason, stage or "refined", actor)
    click.echo(f"Theory version {rev.theory_version}: {config} retired")


@theory.command()
@click.argument("config", required=False)
@format_option
@click.pass_context
def history(ctx, config, fmt):
    """How the theory changed: each version of each configuration, why, by whom, and the evidence linked to it.

    Example:

        ipe theory history CMO-06
    """
    with lib.open_store(ctx.obj["project"]) as store:
        _, book = lib.current_codebook(store)
        table = lib_theory.history(store, book, config)
    echo_table(table, fmt)


@theory.command()
@click.argument("v1", type=click.IntRange(1))
@click.argument("v2", type=click.IntRange(1))
@format_option
@click.pass_context
def diff(ctx, v1, v2, fmt):
    """What changed between two theory versions, per configuration, with the reasons recorded in between.

    Example:

        ipe theory diff 1 3
    """
    with lib.open_store(ctx.obj["project"]) as store:
        _, book = lib.current_codebook(store)
        table = lib_theory.diff(store, book, v1, v2)
    if fmt != "table":
        echo_table(table, fmt)
        return
    if table.empty:
        click.echo(f"No change between theory versions {v1} and {v2}")
    for r in table.itertuples(index=False):
        fields = f" ({r.fields})" if r.fields else ""
        click.echo(f"{r.config_id}: {r.change}{fields}")
        for line in r.before.splitlines():
            click.echo(f"  - {line}")
        for line in r.after.splitlines():
            click.echo(f"  + {line}")
        if r.reasons:
            click.echo(f"  why: {r.reasons}")
