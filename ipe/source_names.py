"""Source ids, names and paths free of identifiers: a file name goes through the pseudonym key like the text.

A source's id is made from its file name (``brennan-family.txt`` → ``brennan-family``), so a file named after a
person would carry the name into every reference, table, pack and export. In a pseudonymised project each word of a
source's id, name and path is checked against the key (every identifier already replaced in the text) and the
register (the names file, the manifest's participants, speaker labels that are names); a run of words that is one
of them becomes its pseudonym in slug form: ``brennan-family`` → ``parent-3-family``. Words that are no identifier
(``ash-int-01``) are left alone, so readable ids stay readable and shipped gold codings keep their ids.

The original id of a renamed source is kept only in the key (``sources``: original id → id), so a re-import of the
same file maps to the same source even when a collision made the id take a number, and nothing in the store or an
output links the new id back to the file name.
"""

from __future__ import annotations

import re
from typing import Optional

from ipe.corpus import slug
from ipe.identifiers import PSEUDONYM, Finding, OrgList, Register

MAX_WORDS = 4  # the longest run of file-name words looked up as one name ("tia mae ridley")
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> str:
    """``text``'s words, case-folded, one space apart: the form a file name and a key entry are compared in.

    >>> words("Reece_Dunmore-notes")
    'reece dunmore notes'
    """
    return " ".join(_WORD.findall(text.casefold()))


class LabelNames:
    """What a source's label is checked against: the key's identifiers, the register and the organisations.

    ``pseudonyms`` is the project's :class:`ipe.anonymise.Pseudonyms`; a register person or organisation found only
    in a file name is given a pseudonym there, as if found in the text.
    """

    def __init__(self, pseudonyms, register: Optional[Register] = None, orgs: Optional[OrgList] = None):
        self.pseudonyms = pseudonyms
        self.known: dict[str, str] = {}
        for identifier in pseudonyms.names:
            if not PSEUDONYM.fullmatch(identifier) and words(identifier):
                self.known.setdefault(words(identifier), identifier)
        self.people = {words(form): hit for form, hit in (register.names.items() if register else ()) if words(form)}
        self.orgs = {words(form): hit for form, hit in (orgs.orgs.items() if orgs else ()) if words(form)}

    def pseudonym(self, phrase: str) -> Optional[str]:
        """The pseudonym of ``phrase`` (in :func:`words` form) if it is a known identifier, else None."""
        if phrase in self.known:
            return self.pseudonyms.names[self.known[phrase]]
        hit = self.people.get(phrase) or self.orgs.get(phrase)
        if hit is None:
            return None
        identity, kind = hit
        pseudonym = self.pseudonyms.for_finding(Finding(0, 0, kind, identity, "high", identity))
        # Kept in the key as found, so the key alone names the source again later (a re-import, a provenance).
        self.pseudonyms.record(phrase, pseudonym)
        self.known[phrase] = phrase
        return pseudonym


def pseudonymise_label(label: Optional[str], names: LabelNames) -> tuple[Optional[str], list[tuple[str, str]]]:
    """``label`` with each run of words that is a known identifier replaced by its pseudonym in slug form.

    Returns ``(new label, [(words replaced, pseudonym)])``; the longest run of words wins.
    """
    if not label:
        return label, []
    tokens = list(_WORD.finditer(label))
    out, found, last, i = [], [], 0, 0
    while i < len(tokens):
        for j in range(min(len(tokens), i + MAX_WORDS), i, -1):
            phrase = words(" ".join(t.group(0) for t in tokens[i:j]))
            pseudonym = names.pseudonym(phrase) if any(c.isalpha() for c in phrase) or j - i > 1 else None
            if pseudonym:
                out += [label[last:tokens[i].start()], slug(pseudonym)]
                found.append((label[tokens[i].start():tokens[j - 1].end()], pseudonym))
                last, i = tokens[j - 1].end(), j
                break
        else:
            i += 1
    out.append(label[last:])
    return "".join(out), found


def source_label(source_id: str, name: str, path: Optional[str], names: LabelNames,
                 renamed: dict[str, str]) -> tuple[str, str, Optional[str], list[tuple[str, str]]]:
    """A source's ``(id, name, path, [(words replaced, pseudonym)])`` as a pseudonymised project stores them.

    ``renamed`` is the key's ``sources`` mapping (original id → id): an id renamed before keeps its new id.
    """
    new_name, found = pseudonymise_label(name, names)
    new_path, in_path = pseudonymise_label(path, names)
    mapped, in_id = pseudonymise_label(source_id, names)
    new_id = renamed.get(source_id) or slug(mapped) or source_id
    return new_id, new_name, new_path, found + in_path + in_id


def free_id(wanted: str, taken) -> str:
    """``wanted``, or ``wanted-2``, ``wanted-3``... the first not in ``taken``.

    >>> free_id("parent-1-family", {"parent-1-family"})
    'parent-1-family-2'
    """
    n, candidate = 1, wanted
    while candidate in taken:
        n += 1
        candidate = f"{wanted}-{n}"
    return candidate
