"""The CMO configuration table in the layout realist evaluations publish, with counts and exemplar quotes."""

from __future__ import annotations

from typing import Optional

import pandas as pd

from ipe.cmo.assessment import assess, emergent_links
from ipe.cmo.evidence import build_graph
from ipe.cmo.graph import CHAIN, as_list
from ipe.records import Codebook
from ipe.tables import bank_lists, exemplars_at, quote_bank

__all__ = ["CMO_COLUMNS", "CHAIN_COLUMNS", "cmo_table", "chains_table"]

CHAIN_COLUMNS = ["chain", "from", "to", "through outcome", "into context", "statement from", "statement to"]

CMO_COLUMNS = ["id", "context", "mechanism (resource / response)", "outcome", "origin", "status", "basis",
               "evidence: supports (sources/cases)", "evidence: contradicts (sources/cases)",
               "evidence: refines (sources)", "co-occurrence, all codings: segments", "co-occurrence, all codings: sources",
               "co-occurrence, all codings: cases", "agencies", "chain_from", "chains_to", "statement", "exemplars", "workshop",
               "workshop responses"]


def cmo_table(store, codebook: Codebook, window: str = "turn", min_sources: int = 2, min_cases: int = 2,
              n_quotes: int = 2, coders=None, bank: Optional[pd.DataFrame] = None,
              assessments: Optional[list] = None, exemplar_quotes: Optional[dict] = None) -> pd.DataFrame:
    """The CMO configuration table in the layout realist evaluations publish.

    One row per configuration (with its status and what decided it) and per emergent link (strong co-occurrence,
    named by no configuration). Researcher evidence and co-occurrence are counted in columns of their own;
    co-occurrence counts come from the configuration's links in the CMO graph, quotes from its co-occurring codings.
    ``assessments`` (e.g. from :func:`ipe.appraisal.assess_project`) replace the graph's own assessment, and
    ``exemplar_quotes`` (configuration id → quote lines, e.g. from :func:`ipe.evidence.rank_quotes`) its quotes.
    """
    graph = build_graph(store, codebook, window, coders)
    names = {c.id: c.name for c in codebook.codes}
    bank = quote_bank(store, codebook, coders=coders) if bank is None else bank
    unique = bank.drop_duplicates("ref")
    at = {ref: i for i, ref in enumerate(unique["ref"].tolist())}  # positions, not .loc: this runs per configuration
    lists = bank_lists(unique)
    rows = []

    def quotes(refs) -> str:
        return "\n".join(exemplars_at(lists, [at[r] for r in sorted(set(refs)) if r in at], n_quotes))

    def edge_stats(links) -> tuple:
        data = [graph.edges[u, v] for u, v in links if graph.has_edge(u, v)]
        agencies = sorted({a for d in data for a in as_list(d.get("agencies"))})
        return (sum(d.get("segments", 0) for d in data), max([d.get("sources", 0) for d in data], default=0),
                max([d.get("cases", 0) for d in data], default=0), "; ".join(agencies))

    workshop, origins = {}, {}
    for config_id, stage, status, detail, _ in store.revisions():
        if stage == "workshop":
            workshop[config_id] = (status, detail.split(";")[0])
        elif status in ("new", "emergent"):
            origins[config_id] = "emergent" if status == "emergent" else "added"
    for a in assessments if assessments is not None else assess(graph, codebook, min_sources, min_cases):
        config = next(t for t in codebook.theory if t.id == a.id)
        mechanism = " / ".join(names.get(m, m) for m in config.mechanisms)
        segments, sources, cases, agencies = edge_stats([(link.src, link.dst) for link in a.links])
        rows.append({"id": a.id, "context": names[config.context], "mechanism (resource / response)": mechanism,
                     "outcome": names[config.outcome], "origin": origins.get(a.id, "hypothesised"),
                     "status": a.status, "basis": a.basis,
                     "evidence: supports (sources/cases)": f"{a.evidence_supports}/{a.evidence_supports_cases}",
                     "evidence: contradicts (sources/cases)":
                         f"{a.evidence_contradicts}/{a.evidence_contradicts_cases}",
                     "evidence: refines (sources)": a.evidence_refines, "co-occurrence, all codings: segments": segments,
                     "co-occurrence, all codings: sources": sources, "co-occurrence, all codings: cases": cases, "agencies": agencies,
                     "chain_from": a.chain_from, "chains_to": "; ".join(a.chains_to), "statement": a.statement,
                     "exemplars": "\n".join(exemplar_quotes.get(a.id, [])) if exemplar_quotes is not None
                     else quotes(a.evidence),
                     "workshop": workshop.get(a.id, ("", ""))[0], "workshop responses": workshop.get(a.id, ("", ""))[1]})
    types = {c.id: c.type for c in codebook.codes}
    for u, v in emergent_links(graph, codebook, min_sources=max(3, min_sources), min_cases=min_cases):
        segments, sources, cases, agencies = edge_stats([(u, v)])
        parts = {"context": "", "mechanism (resource / response)": "", "outcome": ""}
        for code in (u, v):
            key = "mechanism (resource / response)" if types[code] == "mechanism" else types[code]
            parts[key] = " / ".join(filter(None, [parts[key], names[code]]))
        rows.append({"id": f"{u}->{v}", **parts, "origin": "emergent link", "status": "emergent",
                     "basis": graph.graph.get("basis", "co-occurrence"), "evidence: supports (sources/cases)": "",
                     "evidence: contradicts (sources/cases)": "", "evidence: refines (sources)": "",
                     "co-occurrence, all codings: segments": segments, "co-occurrence, all codings: sources": sources,
                     "co-occurrence, all codings: cases": cases, "agencies": agencies, "chain_from": "", "chains_to": "",
                     "statement": "",
                     "exemplars": quotes(as_list(graph.edges[u, v].get("evidence"))), "workshop": "",
                     "workshop responses": ""})
    return pd.DataFrame(rows, columns=CMO_COLUMNS)


def chains_table(graph, codebook: Codebook) -> pd.DataFrame:
    """The theory's chains as rows, from a CMO graph's chain edges: the configuration whose outcome becomes the
    context of the next, the two codes the chain passes through (by name) and both statements; sorted by chain.

    Examples
    --------
    >>> from ipe.cmo.graph import build
    >>> from ipe.records import Code, Configuration
    >>> book = Codebook("tiny", (Code("c1", "Trust", "context"), Code("m", "Talk", "mechanism"),
    ...                          Code("o1", "Sharing", "outcome"), Code("c2", "Sharing to hand", "context"),
    ...                          Code("o2", "Decisions", "outcome")),
    ...                 theory=(Configuration("CMO-01", "c1", "o1", "a", mechanism="m"),
    ...                         Configuration("CMO-02", "c2", "o2", "b", mechanism="m", chain_from="CMO-01")))
    >>> chains_table(build({}, book), book).iloc[0].tolist()
    ['CMO-01->CMO-02', 'CMO-01', 'CMO-02', 'Sharing', 'Sharing to hand', 'a', 'b']
    """
    names = {c.id: c.name for c in codebook.codes}
    statements = {t.id: t.statement for t in codebook.theory}
    rows = []
    for u, v, d in graph.edges(data=True):
        if d.get("kind") != CHAIN:
            continue
        for chain in as_list(d.get("chains")):
            first, _, second = chain.partition("->")
            rows.append({"chain": chain, "from": first, "to": second, "through outcome": names.get(u, u),
                         "into context": names.get(v, v), "statement from": statements.get(first, ""),
                         "statement to": statements.get(second, "")})
    return pd.DataFrame(sorted(rows, key=lambda r: (r["from"], r["to"])), columns=CHAIN_COLUMNS)
