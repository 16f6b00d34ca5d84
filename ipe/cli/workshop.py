"""Commands for workshop sense-check packs and the theory's history: pack build, pack ingest, theory status/history."""

from __future__ import annotations

import click

from ipe import project as lib
from ipe import pack as lib_pack
from ipe import workshop
from ipe.cli import cli, echo_table, format_option, selection_options


@cli.group()
def pack():
    """Build workshop sense-check packs and read completed ones back."""


@pack.command("build")
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="The pack (.docx).")
@click.option("--status", default="supported,partial,contested", show_default=True,
              help="Configurations with these statuses (comma-separated).")
@click.option("--configs", multiple=True, help="Exactly these configurations (repeatable), e.g. --configs CMO-03.")
@click.option("--title", default="Sense-checking the MASH programme theory", show_default=True)
@click.option("--date", default="", help="Date printed on the cover, e.g. '17 June 2025'.")
@click.option("--participant-copies", type=int, default=0, show_default=True, help="Numbered copies to write too.")
@click.option("--allow-identifiable", is_flag=True, help="Build from a project that has not been pseudonymised.")
@click.option("--return-by", default="", help="The date to return the pack by, printed on the cover and last page.")
@click.option("--contact", default="", help="The facilitator's name for the contact line (left blank to fill in).")
@click.option("--min-sources", type=click.IntRange(1), default=3, show_default=True,
              help="Sources a link needs to be drawn in the theory picture.")
@selection_options
@click.pass_context
def pack_build(ctx, out, status, configs, title, date, participant_copies, allow_identifiable, return_by, contact,
               min_sources, selection):
    """Write a Word pack a facilitator can print or send: one section and response table per configuration.

    Example:

        ipe pack build --out reports/sense-check-pack.docx --participant-copies 40 --return-by "30 June"
    """
    statuses = [s.strip().replace("-", " ") for s in status.split(",") if s.strip()]
    with lib.open_store(ctx.obj["project"]) as store:
        _, cb = lib.current_codebook(store)
        files = lib_pack.build_pack(store, cb, out, statuses, configs, title, participant_copies,
                                    allow_identifiable, date, selection=selection, min_sources=min_sources,
                                    return_by=return_by, contact=contact)
    click.echo(f"Wrote {files[0]}" + (f" and {len(files) - 1} numbered copies" if len(files) > 1 else ""))


@pack.command("ingest")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--confirm-share", type=float, default=0.6, show_default=True, help="Share agreeing to confirm.")
@click.option("--question-share", type=float, default=0.34, show_default=True, help="Share disagreeing to question.")
@click.pass_context
def pack_ingest(ctx, files, confirm_share, question_share):
    """Read completed packs: tally responses, store comments as workshop sources, revise the theory.

    Ingesting the same copy again replaces its responses; it is never counted twice.

    Example:

        ipe pack ingest returned/*.docx
    """
    with lib.open_store(ctx.obj["project"]) as store:
        _, cb = lib.current_codebook(store)
        results = workshop.ingest_packs(store, cb, files, confirm_share, question_share)
    for r in results:
        click.echo(f"{r.file}: {r.pack_id} copy {r.copy}: read {len(r.read)} sections")
        for problem in r.problems:
            click.echo(f"  could not read {problem}")
