"""Commands for the broad phase: import a national MASH survey, place each LA on the risk↔needs spectrum, link
case-study sites to their survey rows.

The group is added to ``ipe`` in ``ipe/cli/__init__.py`` with ``cli.add_command(survey)``.
"""

from __future__ import annotations

import click

from ipe import findings
from ipe import project as lib
from ipe import survey as survey_lib
from ipe.cli import IpeGroup, progress_factory
from ipe.errors import IpeError


def _thresholds(ctx, param, value):
    if value is None:
        return None
    try:
        return survey_lib.parse_thresholds(value)
    except IpeError as exc:
        raise click.BadParameter(str(exc)) from None


def _echo_links(linked) -> None:
    for case, la, model, updated in linked:
        what = f"mash_model={model} on {updated} source{'s' if updated != 1 else ''}" if model != survey_lib.UNPLACED \
            else "unplaced in the survey, mash_model not set"
        click.echo(f"Linked {case} to {la}: {what}")


@click.group(cls=IpeGroup)
def survey():
    """The broad phase: a national survey of MASH placed on the risk↔needs spectrum."""


@survey.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--id-column", help="The column naming each local authority (default: the map's id_column).")
@click.option("--map", "map_path", type=click.Path(exists=True, dir_okay=False),
              help="The survey map (YAML; default: survey-map.yaml beside FILE).")
@click.option("--replace", is_flag=True,
              help="Allow a changed answer to replace the old one even if human codings lose their quote (kept orphaned).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_context
def import_(ctx, file, id_column, map_path, replace, quiet):
    """Import a survey (.csv or .xlsx, one row per local authority), replacing any survey imported before.

    Closed answers are checked against the map; free-text columns become sources survey-<la>-<column>.

    Example:

        ipe survey import corpora/mash-survey/survey.csv --id-column la_code --map corpora/mash-survey/survey-map.yaml
    """
    with lib.open_store(ctx.obj["project"]) as store:
        summary = survey_lib.import_survey(store, file, map_path, id_column, progress=progress_factory(quiet),
                                           replace=replace)
    click.echo(f"Survey imported: {summary.summary()}")


@survey.command()
@click.option("--thresholds", callback=_thresholds, metavar="T1,T2",
              help="Model bands: risk-focused below T1, hybrid below T2 (default: the map's, else 0.4,0.7).")
@click.option("--min-answered", type=click.FloatRange(0, 1, min_open=True),
              help="Share of scale items an LA must answer to be placed (default: the map's, else 0.5).")
@click.option("--out", type=click.Path(file_okay=False), help="Write the tables (CSV) and chart (PNG) here.")
@click.option("--link", "links", multiple=True, metavar="CASE=LA", help="Also link a case-study site (repeatable).")
@click.pass_context
def spectrum(ctx, thresholds, min_answered, out, links):
    """Place each local authority on the risk↔needs spectrum and report the scale's reliability.

    Example:

        ipe survey spectrum --thresholds 0.4,0.7 --out reports/survey --link ashdown=LA014
    """
    with lib.open_store(ctx.obj["project"]) as store:
        if links:
            _echo_links(survey_lib.link_cases(store, survey_lib.parse_links(links), thresholds, min_answered))
        spec = survey_lib.spectrum(store, thresholds=thresholds, min_answered=min_answered)
    tables = survey_lib.spectrum_tables(spec)
    for row in tables["survey-models"].itertuples(index=False):
        click.echo(f"{row.model:>20}: {row.las:>4}  ({row.band})")
    alpha = tables["survey-reliability"].iloc[0]
    click.echo(f"Cronbach's alpha {alpha['alpha']:.3f} ({alpha['label'].split(',')[0]}, {alpha['n']} complete cases)")
    if spec.unplaced:
        click.echo(f"Unplaced: {', '.join(spec.unplaced)}")
    if out:
        paths = findings.write_survey_reports(spec, out)
        click.echo(f"Wrote {len(paths)} files to {out}")


@survey.command()
@click.argument("links", nargs=-1, required=True, metavar="CASE=LA...")
@click.option("--thresholds", callback=_thresholds, metavar="T1,T2", help="Model bands (default: the map's).")
@click.pass_context
def link(ctx, links, thresholds):
    """Link case-study sites to their survey rows and set each case's mash_model from the survey.

    Example:

        ipe survey link ashdown=LA014 bramwell=LA057 corrington=LA083
    """
    with lib.open_store(ctx.obj["project"]) as store:
        _echo_links(survey_lib.link_cases(store, survey_lib.parse_links(links), thresholds))
