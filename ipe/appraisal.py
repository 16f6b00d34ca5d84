"""A project's configurations assessed as a realist evaluator would: researcher evidence first, co-occurrence beside.

Status comes from the passages researchers linked (see :mod:`ipe.evidence`); a configuration nobody has judged yet
is assessed on the co-occurrence of *human* codings, labelled as such; co-occurrence resting on auto or suggested
codings counts for nothing and is reported only as candidates waiting for review. The configurations are the
current theory's (see :mod:`ipe.theory`), so revised, added and retired configurations are assessed as they stand.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

from ipe import evidence, theory
from ipe.cmo import assess, build_graph
from ipe.records import Codebook
from ipe.selection import DEFAULT, Selection

__all__ = ["HUMAN_BASIS", "current_codebook", "human_graph", "assess_project"]

HUMAN_BASIS = "human co-occurrence"


def current_codebook(store, codebook: Codebook) -> Codebook:
    """The codebook with its theory replaced by the project's current theory."""
    return dataclasses.replace(codebook, theory=theory.current(store, codebook))


def human_graph(store, codebook: Codebook, window="turn", coders=None):
    """The CMO graph of human codings only, labelled ``basis = "human co-occurrence"`` (or of the given coders,
    labelled with their names)."""
    if isinstance(coders, Selection):  # whose codings count, said by the caller (see ipe.selection)
        graph = build_graph(store, codebook, window, coders=coders)
        named = coders != DEFAULT
        graph.graph["basis"] = f"co-occurrence of {', '.join(coders.coder_names(store.coders()))}" if named \
            else HUMAN_BASIS
        return graph
    chosen = sorted(coders) if coders else sorted(c for c, k in store.coders().items() if k == "human")
    graph = build_graph(store, codebook, window, coders=chosen)
    graph.graph["basis"] = f"co-occurrence of {', '.join(chosen)}" if coders else HUMAN_BASIS
    return graph


def assess_project(store, codebook: Codebook, window="turn", min_sources: int = 2, min_cases: int = 2,
                   contest_share: float = 0.5, coders=None) -> list:
    """Every configuration of the current theory assessed (see :func:`ipe.cmo.assess`), with the number of auto
    co-occurrence candidates still open for review beside each. ``coders`` replaces the human coders as the
    co-occurrence basis for configurations without researcher evidence.

    Examples
    --------
    >>> [(a.id, a.status, a.basis) for a in assess_project(store, codebook)][:1]
    [('CMO-01', 'partial', 'researcher evidence')]
    """
    current = current_codebook(store, codebook)
    results = assess(human_graph(store, current, window, coders), current, min_sources, min_cases,
                     evidence=store.evidence(), attributes=store.source_attributes(), contest_share=contest_share)
    waiting = Counter(c.config_id for c in evidence.candidates(store, current, window=window)
                      if c.kind == evidence.AUTO and not c.decision)
    return [dataclasses.replace(a, auto_candidates=waiting[a.id]) for a in results]
