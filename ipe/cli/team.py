"""Commands for team coding: accounts (``ipe users``), assignments and blinding, consensus.

The command line runs on the server, with the project's files at hand: whoever can run it can read the store, so it
is trusted. Account commands act as the operator (or as the lead named by ``--as``); assignment and consensus
commands act as the lead named by ``--as`` and are recorded under that name.
"""

from __future__ import annotations

import sys

import click

from ipe import accounts
from ipe import project as lib
from ipe import team
from ipe.cli import cli, echo_table, format_option
from ipe.errors import IpeError
from ipe.store import default_actor

as_option = click.option("--as", "as_lead", metavar="LEAD", envvar="IPE_AS", required=True,
                         help="The lead doing this (or set IPE_AS); recorded in the audit log.")


def _password(password_stdin: bool, prompt: str = "Password") -> str:
    stdin = sys.stdin
    if password_stdin or not stdin.isatty():
        return stdin.readline().rstrip("\r\n")
    return click.prompt(prompt, hide_input=True, confirmation_prompt=True)


def _operator(store, as_lead):
    return accounts.user(store, as_lead) if as_lead else default_actor()


def _table(rows: list[dict], columns: list[str]):
    import pandas as pd

    return pd.DataFrame(rows, columns=columns)


@cli.group()
def users():
    """Team accounts for 'ipe serve' in team mode: add, list, change and remove users."""


password_option = click.option("--password-stdin", is_flag=True,
                               help="Read the password from the first line of standard input (for scripts).")
operator_option = click.option("--as", "as_lead", metavar="LEAD", envvar="IPE_AS",
                               help="Act as this lead (default: you, the operator at the server).")


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(accounts.ROLES), required=True)
@password_option
@operator_option
@click.pass_context
def users_add(ctx, name, role, password_stdin, as_lead):
    """Add a user with a role; the password is asked twice (hidden), never given on the command line.

    Their codings go under the coder name NAME.

    Example:

        ipe users add amira --role coder
    """
    with lib.open_store(ctx.obj["project"]) as store:
        actor = _operator(store, as_lead)
        password = _password(password_stdin)
        added = accounts.add_user(store, name, role, password, actor=actor)
    click.echo(f"Added {added.name} ({added.role})")


@users.command("list")
@format_option
@click.pass_context
def users_list(ctx, fmt):
    """List the users with their roles.

    Example:

        ipe users list
    """
    with lib.open_store(ctx.obj["project"]) as store:
        rows = [{"name": u.name, "role": u.role, "created_at": u.created_at} for u in accounts.users(store)]
    echo_table(_table(rows, ["name", "role", "created_at"]), fmt)


@users.command("remove")
@click.argument("name")
@operator_option
@click.pass_context
def users_remove(ctx, name, as_lead):
    """Remove a user and end their sessions; their codings stay under their name.

    Example:

        ipe users remove amira
    """
    with lib.open_store(ctx.obj["project"]) as store:
        accounts.remove_user(store, name, actor=_operator(store, as_lead))
    click.echo(f"Removed {name}; their codings are kept")


@users.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(accounts.ROLES))
@operator_option
@click.pass_context
def users_role(ctx, name, role, as_lead):
    """Give a user another role (lead, coder or viewer).

    Example:

        ipe users role amira lead
    """
    with lib.open_store(ctx.obj["project"]) as store:
        changed = accounts.set_role(store, name, role, actor=_operator(store, as_lead))
    click.echo(f"{changed.name} is now a {changed.role}")


@users.command("passwd")
@click.argument("name")
@password_option
@operator_option
@click.pass_context
def users_passwd(ctx, name, password_stdin, as_lead):
    """Set a user's password (asked twice, hidden); their open sessions end.

    Example:

        ipe users passwd amira
    """
    with lib.open_store(ctx.obj["project"]) as store:
        actor = _operator(store, as_lead)
        accounts.user(store, name)
        accounts.set_password(store, name, _password(password_stdin, "New password"), actor=actor)
    click.echo(f"Password changed for {name}; their sessions have ended")


def _sources_and_coders(command):
    command = click.option("--coder", "coders", multiple=True, required=True, help="A coder (repeatable).")(command)
    return click.argument("sources", nargs=-1, required=True)(command)


@cli.command()
@_sources_and_coders
@click.option("--blind", is_flag=True, help="Each coder sees only their own codings until 'ipe unblind'.")
@as_option
@click.pass_context
def assign(ctx, sources, coders, blind, as_lead):
    """Assign sources to coders, blind (for double coding) or not.

    Example:

        ipe assign interview-01 interview-02 --coder amira --coder ben --blind --as lena
    """
    with lib.open_store(ctx.obj["project"]) as store:
        made = team.assign(store, sources, coders, blind=blind, actor=as_lead)
    click.echo(f"Assigned {len(sources)} source(s) to {', '.join(dict.fromkeys(coders))}"
               f"{' (blind)' if blind else ''}: {len(made)} assignment(s)")


@cli.command()
@_sources_and_coders
@as_option
@click.pass_context
def unassign(ctx, sources, coders, as_lead):
    """Take sources away from coders; their codings stay.

    Example:

        ipe unassign interview-02 --coder ben --as lena
    """
    with lib.open_store(ctx.obj["project"]) as store:
        removed = team.unassign(store, sources, coders, actor=as_lead)
    click.echo(f"Removed {removed} assignment(s)")


@cli.command()
@click.argument("sources", nargs=-1, required=True)
@as_option
@click.pass_context
def unblind(ctx, sources, as_lead):
    """End blind coding of sources: every coder sees every coding of them.

    Example:

        ipe unblind interview-01 --as lena
    """
    with lib.open_store(ctx.obj["project"]) as store:
        changed = team.unblind(store, sources, actor=as_lead)
    click.echo(f"Unblinded {len(sources)} source(s) ({changed} assignment(s) were blind)")


@cli.command()
@click.option("--source", "source_id", help="Only this source.")
@click.option("--coder", help="Only this coder.")
@format_option
@click.pass_context
def assignments(ctx, source_id, coder, fmt):
    """List who is assigned which source, and whether blind.

    Example:

        ipe assignments --coder amira
    """
    columns = ["source", "coder", "blind", "assigned_by", "assigned_at"]
    with lib.open_store(ctx.obj["project"]) as store:
        rows = [dict(zip(columns, (a.source_id, a.coder, "yes" if a.blind else "no", a.assigned_by, a.assigned_at)))
                for a in team.assignments(store, source_id=source_id, coder=coder)]
    echo_table(_table(rows, columns), fmt)


@cli.group()
def consensus():
    """Disagreements between a source's assigned coders, and the lead's resolutions into the consensus coder."""


@consensus.command("list")
@click.argument("source")
@format_option
@click.pass_context
def consensus_list(ctx, source, fmt):
    """The sentences and codes of SOURCE where its assigned coders differ, with each coder's coding ids.

    Example:

        ipe consensus list interview-01
    """
    with lib.open_store(ctx.obj["project"]) as store:
        coders, rows = team.disagreements(store, source)
    columns = ["unit", "start", "end", "code", *coders, "text"]
    table = [{**{k: r[k] for k in ("unit", "start", "end", "code", "text")},
              **{c: " ".join(map(str, r["codings"][c])) or "-" for c in coders}} for r in rows]
    echo_table(_table(table, columns), fmt)


@consensus.command("resolve")
@click.argument("source")
@click.argument("code")
@click.option("--keep", required=True, metavar="CODING_ID|none",
              help="The coding to keep as the consensus, or 'none' to keep none.")
@click.option("--reason", required=True, help="Why (recorded with the resolution).")
@as_option
@click.pass_context
def consensus_resolve(ctx, source, code, keep, reason, as_lead):
    """Resolve a disagreement on CODE in SOURCE: keep one coder's coding as the consensus, or none.

    Example:

        ipe consensus resolve interview-01 C1_RESOURCE --keep 42 --reason "names the resource" --as lena
    """
    if keep.strip().lower() == "none":
        kept = None
    else:
        try:
            kept = int(keep)
        except ValueError:
            raise IpeError(f"--keep must be a coding id or 'none', not {keep!r}") from None
    with lib.open_store(ctx.obj["project"]) as store:
        res = team.resolve(store, source, code, kept_coding_id=kept, reason=reason, actor=as_lead)
    what = f"kept {res.kept_coder}'s coding {res.kept_coding_id}" if res.kept_coding_id else "kept none"
    click.echo(f"Resolution {res.id}: {code} in {source} {res.start}-{res.end}, {what}")
