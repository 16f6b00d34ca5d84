"""The ``ipe anonymise`` command: replace personal identifiers with pseudonyms, or review what would be replaced."""

from __future__ import annotations

import click

from ipe import anonymise as lib
from ipe import project
from ipe.cli import cli, progress_factory
from ipe.store import resolve_project


@cli.command()
@click.option("--names", type=click.Path(exists=True, dir_okay=False),
              help="CSV of names to replace: name,kind (child, parent, professional).")
@click.option("--orgs", type=click.Path(exists=True, dir_okay=False),
              help="CSV of organisations to replace: name,kind (school, gp_practice, organisation).")
@click.option("--model", help="An installed spaCy pipeline whose PERSON, GPE and ORG entities are added.")
@click.option("--dry-run", is_flag=True, help="Only report what would be replaced; write nothing.")
@click.option("--report", "report_file", type=click.Path(dir_okay=False),
              help="Write the review report (it names identifiers; created owner-only) to this CSV.")
@click.option("--destroy-key", is_flag=True, help="Delete the pseudonym key, and do nothing else.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_context
def anonymise(ctx, names, orgs, model, dry_run, report_file, destroy_key, quiet):
    """Replace names, contact details and other identifiers in every source with pseudonyms.

    Codings, turns and sentences move with the text. The key (identifier to pseudonym) is written to
    pseudonym-key.json in the project folder, owner-only, and never exported. Candidates found with low
    confidence are listed for review, not replaced: confirm one by adding it to --names or --orgs.

    Example:

        ipe anonymise --dry-run --report review.csv

        ipe anonymise --names names.csv --orgs schools.csv
    """
    folder = resolve_project(ctx.obj["project"])
    with project.open_store(folder) as store:
        if destroy_key:
            existed = lib.destroy_key(store, folder)
            click.echo("Pseudonym key deleted" if existed else "No pseudonym key to delete")
            return
        report = lib.pseudonymise_project(store, folder, names, orgs, model, dry_run,
                                          progress=progress_factory(quiet))
    for source, kind, count in _per_source(report):
        click.echo(f"{source:>14}  {kind:<12} {count}")
    for row in report.candidates:
        click.echo(f"{row.source:>14}  candidate {row.kind}: {row.text} ({row.count}x)")
    if report_file:
        click.echo(f"Wrote the review report to {report.write_csv(report_file)}")
    click.echo(("Dry run: " if dry_run else "Pseudonymised: ") + report.summary())
    if not dry_run and report.replaced:
        click.echo(f"Key: {report.key_path} (keep it apart from the data, or delete it with --destroy-key)")


def _per_source(report):
    counts = {}
    for row in report.rows:
        if row.status == "replaced":
            counts[(row.source, row.kind)] = counts.get((row.source, row.kind), 0) + row.count
    return [(source, kind, n) for (source, kind), n in sorted(counts.items())]
