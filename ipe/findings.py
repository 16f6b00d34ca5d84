"""A project's findings as ``ipe run``, ``ipe tables`` and ``ipe survey`` write them: every evaluation table, the
CMO reports and the survey's.

This module sits above :mod:`ipe.tables`, :mod:`ipe.cmo`, :mod:`ipe.survey` and :mod:`ipe.workshop`, which know
nothing of each other's tables, and above the exporters that write them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Optional

from ipe import exporters, outputs
from ipe import survey
from ipe.appraisal import assess_project, current_codebook
from ipe.captions import annotate
from ipe.cmo import assessment_table, build_graph, cmo_table, links_table
from ipe.evidence import candidates, rank_quotes
from ipe.in_force import shared_reads
from ipe.records import Codebook
from ipe.selection import DEFAULT, Selection
from ipe.tables import (
    case_presence,
    code_counts,
    cooccurrence,
    frequency_tables,
    framework_matrices,
    model_comparison,
    quote_bank,
    rq_evidence_map,
)
from ipe.workshop import responses_table

__all__ = ["all_tables", "write_cmo_reports", "write_survey_reports", "run_survey"]


def all_tables(store, codebook: Codebook, selection: Selection = DEFAULT, n_quotes: int = 2,
               extra: Optional[dict] = None) -> dict:
    """Every evaluation table, by name, in a fixed order (``extra`` adds tables made elsewhere), each with a title
    and a caption saying what it shows and whose codings it counts (see :mod:`ipe.captions`).

    ``selection`` says whose codings count: by default human codings and accepted auto codings, never unreviewed
    auto codings (see :class:`ipe.selection.Selection`).
    """
    with shared_reads():  # the tables, the CMO graph and the quote ranking read the same codings
        return _all_tables(store, codebook, selection, n_quotes, extra)


def _all_tables(store, codebook: Codebook, selection: Selection, n_quotes: int, extra: Optional[dict]) -> dict:
    coders = selection
    bank = quote_bank(store, codebook, coders=coders)
    attrs = store.source_attributes()
    tables = {"code-counts": code_counts(store, codebook, coders)}
    tables.update(frequency_tables(bank, codebook, attrs))
    tables.update(framework_matrices(bank, codebook, store.memos(), "case", n_quotes))
    tables["rq-evidence-map"] = rq_evidence_map(bank, codebook, n_quotes)
    tables["co-occurrence"] = cooccurrence(store, codebook, coders)
    tables.update(case_presence(bank, codebook))
    tables["model-comparison"] = model_comparison(bank, codebook, attrs)
    if codebook.theory:
        current = current_codebook(store, codebook)
        found = candidates(store, current)
        quotes = {t.id: [f"\u201c{' '.join(q.quote.split())}\u201d ({q.ref}, {q.kind}"
                         f"{', ' + q.relation if q.relation else ''})"
                         for q in rank_quotes(store, current, t.id, limit=n_quotes,
                                              include_auto=selection.include_auto, found=found)]
                  for t in current.theory}
        tables["cmo-configurations"] = cmo_table(store, current, n_quotes=n_quotes, coders=coders, bank=bank,
                                                 assessments=assess_project(store, codebook, coders=selection),
                                                 exemplar_quotes=quotes)
    responses = store.pack_responses()
    if responses:
        tables["workshop-responses"] = responses_table(responses)
    tables.update(extra or {})
    tables["quote-bank"] = bank
    return annotate(tables, codebook, selection, store.coders())


def write_cmo_reports(store, codebook: Codebook, out, window="turn", min_sources: int = 2,
                      min_cases: int = 2, selection: Selection = DEFAULT, draw_min_sources: int = 2) -> list[Path]:
    """Write the CMO reports into folder ``out``: ``cmo-assessment.csv``, ``cmo-links.csv``, ``cmo-graph.graphml``,
    ``cmo-graph.json``, ``cmo-graph.png`` and ``cmo-graph.svg``. The same project gives byte-identical files.

    The pictures draw the links with evidence in ``draw_min_sources`` sources or more; the graph files keep all.
    """
    with shared_reads():
        return _write_cmo_reports(store, codebook, out, window, min_sources, min_cases, selection, draw_min_sources)


def _write_cmo_reports(store, codebook, out, window, min_sources, min_cases, selection, draw_min_sources) -> list[Path]:
    out = outputs.make_folder(out)
    graph = build_graph(store, codebook, window, selection)
    graph.graph["min_sources"] = draw_min_sources
    assessments = assess_project(store, codebook, window, min_sources, min_cases, coders=selection)
    files = exporters.write("csv", {"cmo-assessment": assessment_table(assessments)}, out / "cmo-assessment")
    files += exporters.write("csv", {"cmo-links": links_table(graph)}, out / "cmo-links")
    for suffix in ("graphml", "json", "png", "svg"):
        files.append(exporters.write_graph(graph, out / f"cmo-graph.{suffix}", suffix))
    return files


def write_survey_reports(spec: survey.Spectrum, out_dir: str | os.PathLike) -> list[Path]:
    """Write every survey table as CSV and the spectrum chart as PNG into ``out_dir``; return the paths."""
    out_dir = outputs.make_folder(out_dir)
    paths = []
    for name, table in survey.spectrum_tables(spec).items():
        paths += exporters.write("csv", {name: table}, out_dir / name)
    paths += exporters.export("spectrum", spec, out_dir / "survey-spectrum.png")
    return paths


def run_survey(store, folder: str | os.PathLike, out_dir: str | os.PathLike,
               progress: Callable = lambda items, **kw: items, actor: Optional[str] = None) -> list[Path]:
    """The survey step of ``ipe run``: if ``folder`` holds survey.csv and survey-map.yaml, import the survey,
    link the map's ``case_links``, and write the tables and chart into ``out_dir``. Returns the paths written
    (none when the folder has no survey)."""
    folder = Path(folder)
    survey_file, map_file = folder / survey.SURVEY_FILE, folder / survey.SURVEY_MAP
    if not (survey_file.is_file() and map_file.is_file()):
        return []
    survey.import_survey(store, survey_file, map_file, actor=actor, progress=progress)
    links = dict(survey.stored_map(store).case_links)
    if links:
        survey.link_cases(store, links, actor=actor)
    return write_survey_reports(survey.spectrum(store), out_dir)
