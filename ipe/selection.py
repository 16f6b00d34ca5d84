"""Whose codings a table counts, said out loud.

By default a table counts human codings, and so the auto codings a reviewer accepted (``ipe review apply`` makes
each accepted one the reviewer's coding); it never mixes unreviewed machine codings with human ones. Options add the
auto-coders' codings in force and scored suggestions, or name the coders (``consensus`` is a coder like any
other, once one is made). A span several selected coders coded with one code counts once.

>>> Selection().describe({"ann": "human", "auto": "auto"})
'Human codings (ann), with the auto codings a reviewer accepted; unreviewed auto codings and suggestions are not counted.'
>>> Selection.of(["ann,auto"]).describe({"ann": "human", "auto": "auto"})
'Human codings (ann), with the auto codings a reviewer accepted; unreviewed auto codings in force (auto); suggestions are not counted. A span coded alike by several coders counts once.'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from ipe.errors import IpeError


@dataclass(frozen=True)
class Selection:
    """Which codings count: ``coders`` (empty: every human coder), plus auto codings and suggestions if asked."""

    coders: tuple = ()
    include_auto: bool = False
    include_suggestions: bool = False

    @classmethod
    def of(cls, coders: Optional[Iterable[str]] = None, include_auto: bool = False,
           include_suggestions: bool = False) -> "Selection":
        """A selection from CLI-style values: coders given repeatedly or comma-separated."""
        names = tuple(sorted({n.strip() for c in (coders or ()) for n in str(c).split(",") if n.strip()}))
        return cls(names, include_auto, include_suggestions)

    def coder_names(self, kinds: dict) -> list[str]:
        """The coders whose codings count, given each coder's kind; an unknown coder is an error naming the known."""
        unknown = [c for c in self.coders if c not in kinds]
        if unknown:
            raise IpeError(f"unknown coder {', '.join(unknown)} (coders: {', '.join(sorted(kinds)) or 'none yet'})")
        chosen = set(self.coders) or {c for c, kind in kinds.items() if kind == "human"}
        if self.include_auto and not self.coders:
            chosen |= {c for c, kind in kinds.items() if kind == "auto"}
        return sorted(chosen)

    def suggestion_coders(self, kinds: dict) -> list[str]:
        """The coders whose scored suggestions count: none unless asked; then the named coders', or anyone's."""
        if not self.include_suggestions:
            return []
        return sorted(set(self.coders) or set(kinds))

    def describe(self, kinds: dict) -> str:
        """One or two sentences for a caption or a README row: whose codings are counted and what is left out."""
        names = self.coder_names(kinds)
        human = [c for c in names if kinds.get(c) != "auto"]
        auto = [c for c in names if kinds.get(c) == "auto"]
        parts = []
        if human:
            parts.append(f"Human codings ({', '.join(human)}), with the auto codings a reviewer accepted")
        if auto:
            parts.append(f"unreviewed auto codings in force ({', '.join(auto)})")
        if self.include_suggestions:
            parts.append("scored suggestions not yet reviewed")
        text = "; ".join(parts) if parts else "No coder's codings"
        text = text[0].upper() + text[1:]
        left_out = [w for w, on in (("unreviewed auto codings", auto),
                                    ("suggestions", self.include_suggestions)) if not on]
        if left_out:
            text += f"; {' and '.join(left_out)} are not counted"
        if len(set(names) | set(self.suggestion_coders(kinds))) > 1:
            text += ". A span coded alike by several coders counts once"
        return text + "."

DEFAULT = Selection()
