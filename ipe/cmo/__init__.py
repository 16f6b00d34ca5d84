"""Context–mechanism–outcome configurations as an evidence-linked graph, tested against the programme theory.

- :mod:`ipe.cmo.graph`: codings placed in linking windows → a :class:`networkx.DiGraph` (no store);
- :mod:`ipe.cmo.evidence`: a project's codings in force → placements, segments and graphs (the store side);
- :mod:`ipe.cmo.assessment`: plain functions over a graph that test each configuration of the theory;
- :mod:`ipe.cmo.drawing`: the graph as a PNG or SVG picture;
- :mod:`ipe.cmo.table`: the CMO configuration table with counts and exemplar quotes.

Graph files (GraphML, GEXF, JSON, DOT) are written and read back by :mod:`ipe.exporters.graphs`.
"""

from ipe.cmo.assessment import (
    ASSESSMENT_COLUMNS,
    LINK_COLUMNS,
    STATUSES,
    Assessment,
    LinkAssessment,
    assess,
    assessment_table,
    emergent_links,
    links_table,
)
from ipe.cmo.drawing import draw, draw_configuration, drawn, layout
from ipe.cmo.evidence import (
    EVIDENCE_COLUMNS,
    attribute_values,
    build_graph,
    compare_by,
    evidence_table,
    link_evidence,
    placements,
    subgraph_by,
)
from ipe.cmo.graph import (
    CHAIN,
    EDGE_KINDS,
    LINK,
    LIST_ATTRIBUTES,
    LIST_SEPARATOR,
    REALIST_TYPES,
    Segment,
    as_list,
    build,
    chain_cycles,
    chain_graph,
    chain_links,
    check_chains,
    compare,
    configuration_links,
    is_link,
    named_links,
    theory_loops,
    window_label,
)
from ipe.cmo.table import CHAIN_COLUMNS, CMO_COLUMNS, chains_table, cmo_table

__all__ = [
    "REALIST_TYPES", "STATUSES", "LIST_ATTRIBUTES", "LIST_SEPARATOR", "ASSESSMENT_COLUMNS", "LINK_COLUMNS",
    "EVIDENCE_COLUMNS", "CMO_COLUMNS", "Segment", "LinkAssessment", "Assessment", "as_list", "window_label",
    "configuration_links", "named_links", "build", "compare", "placements", "link_evidence", "build_graph",
    "attribute_values", "subgraph_by", "compare_by", "evidence_table", "assess", "assessment_table",
    "emergent_links", "links_table", "layout", "draw", "drawn", "draw_configuration",
    "cmo_table", "CHAIN", "LINK", "EDGE_KINDS", "CHAIN_COLUMNS", "chain_links", "chain_graph", "chain_cycles",
    "check_chains", "theory_loops", "is_link", "chains_table",
]
