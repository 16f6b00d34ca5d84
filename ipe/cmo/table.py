"""The CMO configuration table in the layout realist evaluations publish, with counts and exemplar quotes."""

from __future__ import annotations

from typing import Optional

import pandas as pd

from ipe.cmo.assessment import assess, emergent_links
from ipe.cmo.evidence import build_graph
from ipe.cmo.graph import as_list
from ipe.records import Codebook
from ipe.tables import exemplars, quote_bank

__all__ = ["CMO_COLUMNS", "cmo_table"]

CMO_COLUMNS = ["id", "context", "mechanism (resource / response)", "outcome", "origin", "status", "segments",
               "sources", "cases", "agencies", "chain_from", "statement", "exemplars", "workshop", "workshop responses"]


def cmo_table(store, codebook: Codebook, window: str = "turn", min_sources: int = 2, min_cases: int = 2,
              n_quotes: int = 2, coders=None, bank: Optional[pd.DataFrame] = None) -> pd.DataFrame:
    """The CMO configuration table in the layout realist evaluations publish.

    One row per hypothesised configuration (with its status) and per emergent link (strong evidence, named by no
    configuration); evidence counts come from the configuration's links in the CMO graph, quotes from its evidence.
    """
    graph = build_graph(store, codebook, window, coders)
    names = {c.id: c.name for c in codebook.codes}
    bank = quote_bank(store, codebook, coders=coders) if bank is None else bank
    by_ref = bank.drop_duplicates("ref").set_index("ref")
    rows = []

    def quotes(refs) -> str:
        found = by_ref.loc[[r for r in sorted(set(refs)) if r in by_ref.index]]
        return "\n".join(exemplars(found.reset_index(), n_quotes)) if len(found) else ""

    def edge_stats(links) -> tuple:
        data = [graph.edges[u, v] for u, v in links if graph.has_edge(u, v)]
        agencies = sorted({a for d in data for a in as_list(d.get("agencies"))})
        return (sum(d.get("segments", 0) for d in data), max([d.get("sources", 0) for d in data], default=0),
                max([d.get("cases", 0) for d in data], default=0), "; ".join(agencies))

    workshop = {}
    for config_id, _, status, detail, _ in store.revisions():
        workshop[config_id] = (status, detail.split(";")[0])
    for a in assess(graph, codebook, min_sources, min_cases):
        config = next(t for t in codebook.theory if t.id == a.id)
        mechanism = " / ".join(names.get(m, m) for m in config.mechanisms)
        segments, sources, cases, agencies = edge_stats([(link.src, link.dst) for link in a.links])
        rows.append({"id": a.id, "context": names[config.context], "mechanism (resource / response)": mechanism,
                     "outcome": names[config.outcome], "origin": "hypothesised", "status": a.status,
                     "segments": segments, "sources": sources, "cases": cases, "agencies": agencies,
                     "chain_from": a.chain_from, "statement": a.statement, "exemplars": quotes(a.evidence),
                     "workshop": workshop.get(a.id, ("", ""))[0], "workshop responses": workshop.get(a.id, ("", ""))[1]})
    types = {c.id: c.type for c in codebook.codes}
    for u, v in emergent_links(graph, codebook, min_sources=max(3, min_sources), min_cases=min_cases):
        segments, sources, cases, agencies = edge_stats([(u, v)])
        parts = {"context": "", "mechanism (resource / response)": "", "outcome": ""}
        for code in (u, v):
            key = "mechanism (resource / response)" if types[code] == "mechanism" else types[code]
            parts[key] = " / ".join(filter(None, [parts[key], names[code]]))
        rows.append({"id": f"{u}->{v}", **parts, "origin": "emergent", "status": "emergent", "segments": segments,
                     "sources": sources, "cases": cases, "agencies": agencies, "chain_from": "", "statement": "",
                     "exemplars": quotes(as_list(graph.edges[u, v].get("evidence"))), "workshop": "",
                     "workshop responses": ""})
    return pd.DataFrame(rows, columns=CMO_COLUMNS)
