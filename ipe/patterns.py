"""Token patterns and word cues matched over a Doc's attribute arrays, read from spaCy once per Doc.

The rule coder asks the same questions of every turn: which values a turn holds (to skip patterns that cannot
match), where a pattern can match, whether a cue word stands near a hit, which sentence a token is in. spaCy's
``Matcher`` answers the first kind by creating a Python ``Token`` per token per pattern and calling a Python
predicate for every ``IN`` list, so its cost grows with tokens x patterns. Here the Doc's hashes are read into
lists once (:class:`DocArrays`) and every question is a set or list look-up over them.

Patterns that use only exact values of ``LOWER``, ``LEMMA``, ``ORTH``/``TEXT``, ``NORM`` (a string or an ``IN``
list) or a few boolean flags, with no operator or ``?`` or ``!``, are matched here (:class:`SimplePattern`), with
the same matches as spaCy's ``Matcher`` (every ``(start, end)`` the pattern can align to, shortest and longest);
other patterns stay with spaCy's ``Matcher``, run only in windows around their rarest required value.
"""

from __future__ import annotations

import bisect
from typing import Optional

from spacy.attrs import IDS
from spacy.tokens import Doc

from ipe.turns import bracket_safe

__all__ = ["required_values", "DocArrays", "SimplePattern", "simple_pattern", "mark_safe_starts", "TEXT_KEY"]

TEXT_KEY = "ipe_text"  # Doc.user_data key: the text the Doc was made from, where its maker kept it

# Attributes a pattern's required tokens can be gated by, and the array column each is read from.
VALUE_ATTRS = {"LOWER": "LOWER", "LEMMA": "LEMMA", "ORTH": "ORTH", "TEXT": "ORTH", "NORM": "NORM"}
FLAG_ATTRS = ("LIKE_NUM", "IS_PUNCT", "IS_DIGIT", "IS_ALPHA")
_REQUIRED_OPS = (None, "+")
_SIMPLE_OPS = {None: 1, "?": 0, "!": -1}  # one token, an optional token, one token that must not match


def required_values(pattern: list[dict]) -> tuple:
    """What a turn must contain for a token pattern to match: ``((attribute, {values}), ...)``.

    Only tokens the pattern cannot skip count (no ``?``, ``*``, ``!`` or ``{...}`` operator), and only exact values
    (``{"LOWER": "share"}`` or ``{"LEMMA": {"IN": [...]}}``); a token with no such value adds no requirement.
    An empty result means the pattern must always run.

    >>> [(attr, sorted(values)) for attr, values in
    ...  required_values([{"LEMMA": "share"}, {"OP": "?"}, {"LOWER": {"IN": ["info", "information"]}}])]
    [('LEMMA', ['share']), ('LOWER', ['info', 'information'])]
    """
    needs = []
    for token in pattern:
        if token.get("OP") not in _REQUIRED_OPS:
            continue
        for attr, value in token.items():
            name = attr.upper()
            if name not in VALUE_ATTRS:
                continue
            if isinstance(value, str):
                needs.append((name, frozenset([value])))
            elif isinstance(value, dict) and set(value) == {"IN"} and all(isinstance(v, str) for v in value["IN"]):
                needs.append((name, frozenset(value["IN"])))
    return tuple(needs)


class DocArrays:
    """A Doc's token attributes as lists, with what the coder asks of them worked out once and kept.

    ``columns`` maps an attribute (``LOWER``, ``LEMMA``, ``ORTH``, ``NORM``, the flags) to one value per token;
    ``present`` to the set of values the Doc holds.
    """

    def __init__(self, doc: Doc, attrs: tuple = ("LOWER",)):
        self.doc = doc
        self.length = n = len(doc)
        names = list(dict.fromkeys(("LOWER", "IS_SPACE", "SENT_START", *attrs)))
        rows = doc.to_array([IDS[a] for a in names]).T.tolist() if n else [[] for _ in names]
        self.columns = dict(zip(names, rows))
        # What doc.has_annotation("SENT_START") says, read off the column: spaCy's own check walks Python tokens.
        self.sentenced = n <= 1 or any(self.columns["SENT_START"][1:])
        self.columns["TEXT"] = self.columns.get("ORTH")
        self.present = {a: set(self.columns[a]) for a in ("LOWER", *attrs) if a in VALUE_ATTRS}
        if "ORTH" in self.present:
            self.present["TEXT"] = self.present["ORTH"]
        self._positions: dict[str, dict[int, list[int]]] = {}
        self._occurrences: dict[tuple, list[int]] = {}
        self._bounds: Optional[list[tuple[int, int]]] = None
        self._cues: dict = {}
        self._holds: dict = {}

    # -- values and where they stand -------------------------------------------------------------------------------

    def holds(self, needs: tuple) -> bool:
        """Whether every requirement ``(attribute, {hashes})`` has at least one of its values in the Doc."""
        known = self._holds
        for need in needs:
            ok = known.get(need)
            if ok is None:
                ok = known[need] = not need[1].isdisjoint(self.present[need[0]])
            if not ok:
                return False
        return True

    def positions(self, attr: str) -> dict[int, list[int]]:
        """Value hash -> token indices holding it, for one attribute (built on first use)."""
        found = self._positions.get(attr)
        if found is None:
            found = {}
            for i, value in enumerate(self.columns[attr]):
                found.setdefault(value, []).append(i)
            self._positions[attr] = found
        return found

    def where(self, attr: str, hashes) -> list[int]:
        """The sorted token indices whose ``attr`` is one of ``hashes``."""
        at = self.positions(attr)
        return sorted(i for h in hashes.intersection(self.present[attr]) for i in at[h])

    # -- sentences -------------------------------------------------------------------------------------------------

    def sentence(self, i: int) -> tuple[int, int]:
        """The ``(start, end)`` token bounds of the sentence holding token ``i`` (the whole Doc if unsentenced)."""
        if self._bounds is None:
            if self.sentenced and self.length:
                flags = self.columns["SENT_START"]
                starts = mark_safe_starts(self.doc, [0] + [j for j in range(1, self.length) if flags[j] == 1],
                                          self.present["LOWER"])
                ends = starts[1:] + [self.length]
                self._starts = starts
                self._bounds = list(zip(starts, ends))
            else:
                self._starts = [0]
                self._bounds = [(0, self.length)]
        return self._bounds[bisect.bisect_right(self._starts, i) - 1]

    def trimmed(self, lo: int, hi: int) -> Optional[tuple[int, int]]:
        """``lo``-``hi`` without white-space tokens at either end, or None if nothing else is left."""
        space = self.columns["IS_SPACE"]
        while lo < hi and space[lo]:
            lo += 1
        while hi > lo and space[hi - 1]:
            hi -= 1
        return (lo, hi) if hi > lo else None

    # -- word cues -------------------------------------------------------------------------------------------------

    def occurrences(self, cue: tuple[int, ...]) -> list[int]:
        """Sorted start indices where the lower-cased words ``cue`` (hashes) stand one after another."""
        found = self._occurrences.get(cue)
        if found is None:
            lower, n = self.columns["LOWER"], len(cue)
            found = [p for p in self.positions("LOWER").get(cue[0], ()) if tuple(lower[p:p + n]) == cue]
            self._occurrences[cue] = found
        return found

    def cues_present(self, name, cues: list) -> list:
        """Of ``cues`` (``(anything, hashes)`` pairs, kept under ``name`` for the Doc), those whose first word occurs."""
        found = self._cues.get(name)
        if found is None:
            lower = self.present["LOWER"]
            found = self._cues[name] = [c for c in cues if not c[1] or c[1][0] in lower]
        return found

    def has_cue(self, cue: tuple[int, ...], lo: int, hi: int) -> bool:
        """Whether ``cue`` stands wholly inside tokens ``lo``-``hi`` (an empty cue always does)."""
        if not cue:
            return True
        found = self.occurrences(cue)
        k = bisect.bisect_left(found, lo)
        return k < len(found) and found[k] + len(cue) <= hi


class SimplePattern:
    """A token pattern of exact values and ``?``/``!`` operators, matched over :class:`DocArrays`.

    ``steps`` are ``(kind, ((column, values), ...))``: kind 1 one token, 0 an optional token, -1 one token that must
    not match; each ``values`` is a frozenset of hashes (or of ints for flags).
    """

    def __init__(self, steps: tuple):
        self.steps = steps
        self.length = n = len(steps)
        # The states reachable from step j by skipping optional steps (j itself included), worked out once.
        self._closure = []
        for j in range(n + 1):
            k, reach = j, {j}
            while k < n and steps[k][0] == 0:
                k += 1
                reach.add(k)
            self._closure.append(frozenset(reach))
        self._anchors: dict[tuple, tuple[int, int]] = {}
        for j, (kind, tests) in enumerate(steps):
            for test in tests if kind == 1 else ():
                self._anchors.setdefault(test, (j, sum(1 for k, _ in steps[:j] if k != 0)))

    def ends(self, arrays: DocArrays, start: int) -> list[int]:
        """Every end index of a match that starts at token ``start``."""
        columns, n, final, steps, closure = arrays.columns, arrays.length, self.length, self.steps, self._closure
        states, out, i = closure[0], [], start
        while states:
            if final in states and i > start:
                out.append(i)
            if i == n:
                break
            nxt = set()
            for j in states:
                if j < final:
                    kind, tests = steps[j]
                    ok = True
                    for attr, values in tests:
                        if columns[attr][i] not in values:
                            ok = False
                            break
                    if ok != (kind == -1):
                        nxt |= closure[j + 1]
            states = nxt
            i += 1
        return out

    def matches(self, arrays: DocArrays, anchor: tuple, positions: list[int]) -> list[tuple[int, int]]:
        """``(start, end)`` of every match; ``positions`` (sorted) are where the value ``anchor`` stands.

        ``anchor`` is ``(column, values)`` of one of the pattern's one-token steps, so every match aligns that step
        to one of ``positions``, and starts between the step's fewest and most possible tokens before it.
        """
        step, before = self._anchors.get(anchor, (None, 0))
        if step is None:
            reach = ((max(0, p - self.length + 1), p + 1) for p in positions)
        else:
            reach = ((max(0, p - step), p - before + 1) for p in positions)
        starts = sorted({s for lo, hi in reach for s in range(lo, hi)})
        return [(s, e) for s in starts for e in self.ends(arrays, s)]


def simple_pattern(tokens: list[dict], strings) -> Optional[SimplePattern]:
    """The :class:`SimplePattern` for a spaCy token pattern, or None when it needs spaCy's ``Matcher``."""
    steps = []
    for token in tokens:
        op = token.get("OP")
        if op not in _SIMPLE_OPS:
            return None
        tests = []
        for attr, value in token.items():
            name = attr.upper()
            if name == "OP":
                continue
            if name in VALUE_ATTRS:
                if isinstance(value, str):
                    values = [value]
                elif isinstance(value, dict) and set(value) == {"IN"} and all(isinstance(v, str) for v in value["IN"]):
                    values = value["IN"]
                else:
                    return None
                if name == "LOWER" and any(v != v.lower() for v in values):
                    return None  # spaCy's handling of upper case in LOWER lists is not assumed here
                tests.append((VALUE_ATTRS[name], frozenset(strings.add(v) for v in values)))
            elif name in FLAG_ATTRS and isinstance(value, bool):
                tests.append((name, frozenset([int(value)])))
            else:
                return None
        steps.append((_SIMPLE_OPS[op], tuple(tests)))
    return SimplePattern(tuple(steps)) if steps else None


def mark_safe_starts(doc: Doc, starts: list[int], lowers: Optional[set] = None) -> list[int]:
    """Sentence start tokens moved as the import's sentences are (:func:`ipe.turns.bracket_safe`).

    spaCy's sentencizer can cut a transcript mark in two ("It isn't. [" / "laughs] We don't..."); the coder's units
    must be the stored sentences, so a quote never starts with half a mark. ``lowers``: the hashes of the Doc's
    lower-case token texts, when the caller has them (most turns hold no bracket, and then nothing moves).
    """
    if lowers is not None:
        strings = doc.vocab.strings
        if not any("[" in strings[h] or "(" in strings[h] for h in lowers):
            return starts
    # doc.text joins every token's text; the Docs ipe's coder makes keep their text (TEXT_KEY).
    text = doc.user_data.get(TEXT_KEY) or doc.text
    if "[" not in text and "(" not in text:
        return starts
    ends = starts[1:] + [len(doc)]
    spans = [(1, doc[s].idx, doc[e - 1].idx + len(doc[e - 1])) for s, e in zip(starts, ends)]
    token_at = {idx: i for i, idx in enumerate(doc.to_array(IDS["IDX"]).tolist())}
    moved = {token_at[start] for _, start, _ in bracket_safe(text, spans)[1:] if start in token_at}
    return sorted({0} | moved)
