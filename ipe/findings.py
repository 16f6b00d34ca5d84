"""A project's findings as ``ipe run`` and ``ipe tables`` write them: every evaluation table, and the CMO reports.

This module sits above :mod:`ipe.tables`, :mod:`ipe.cmo` and :mod:`ipe.workshop`, which know nothing of each
other's tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from ipe import exporters, outputs
from ipe.appraisal import assess_project, current_codebook
from ipe.captions import annotate
from ipe.cmo import assessment_table, build_graph, cmo_table, links_table
from ipe.evidence import rank_quotes
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

__all__ = ["all_tables", "write_cmo_reports"]


def all_tables(store, codebook: Codebook, selection: Selection = DEFAULT, n_quotes: int = 2,
               extra: Optional[dict] = None) -> dict:
    """Every evaluation table, by name, in a fixed order (``extra`` adds tables made elsewhere), each with a title
    and a caption saying what it shows and whose codings it counts (see :mod:`ipe.captions`).

    ``selection`` says whose codings count: by default human codings and accepted auto codings, never unreviewed
    auto codings (see :class:`ipe.selection.Selection`).
    """
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
        quotes = {t.id: [f"\u201c{' '.join(q.quote.split())}\u201d ({q.ref}, {q.kind}"
                         f"{', ' + q.relation if q.relation else ''})"
                         for q in rank_quotes(store, current, t.id, limit=n_quotes,
                                              include_auto=selection.include_auto)] for t in current.theory}
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
    out = outputs.make_folder(out)
    graph = build_graph(store, codebook, window, selection)
    graph.graph["min_sources"] = draw_min_sources
    assessments = assess_project(store, codebook, window, min_sources, min_cases, coders=selection)
    files = exporters.write("csv", {"cmo-assessment": assessment_table(assessments)}, out / "cmo-assessment")
    files += exporters.write("csv", {"cmo-links": links_table(graph)}, out / "cmo-links")
    for suffix in ("graphml", "json", "png", "svg"):
        files.append(exporters.write_graph(graph, out / f"cmo-graph.{suffix}", suffix))
    return files
