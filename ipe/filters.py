"""Names given on the command line (codes, cases, coders, sources, roles) checked against the project.

A typo in a filter must not look like an empty result: an unknown name is a one-line error with the nearest known
name, like ``evaluate`` and ``agree`` already do for coders.
"""

from __future__ import annotations

import difflib
from typing import Iterable, Optional

from ipe.errors import NotFound


def suggestion(name: str, known: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest known name, or the list of known names when none is close.

    >>> suggestion("mech-quik-conversation", ["mech-quick-conversation", "ctx-colocation"])
    "; did you mean 'mech-quick-conversation'?"
    >>> suggestion("zzz", ["a", "b"])
    ' (known: a, b)'
    """
    known = sorted(set(known))
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if not close:
        close = [k for k in known if k.lower() == name.lower()]
    if close:
        return f"; did you mean '{close[0]}'?"
    if not known:
        return " (there are none yet)"
    shown = ", ".join(known[:10]) + (", ..." if len(known) > 10 else "")
    return f" (known: {shown})"


def check(kind: str, given: Optional[Iterable[str]], known: Iterable[str]) -> None:
    """Raise ``NotFound`` for the first name in ``given`` that is not in ``known``."""
    known = set(known)
    for name in given or ():
        if name is not None and name not in known:
            raise NotFound(f"unknown {kind} '{name}'{suggestion(name, known)}")


def check_filters(store, codebook=None, codes=None, cases=None, coders=None, sources=None, roles=None) -> None:
    """Check every filter given against what the project holds; the first unknown name is a one-line error."""
    if codes and codebook is not None:
        check("code", codes, (c.id for c in codebook.codes))
    if coders:
        check("coder", coders, store.coders())
    if sources:
        check("source", sources, store.source_ids())
    if cases or roles:
        attributes = store.source_attributes().values()
        check("case", cases, {a["case"] for a in attributes if a.get("case")})
        known_roles = {a["role"] for a in attributes if a.get("role")}
        known_roles |= {t.role for sid in store.source_ids() for t in store.turns(sid) if t.role}
        check("role", roles, known_roles)
