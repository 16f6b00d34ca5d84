"""Finding identifiers in transcripts: registers of names and organisations, and the patterns for UK identifiers.

Pure functions over text; :mod:`ipe.anonymise` replaces what they find (its docstring describes the design).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from ipe.corpus import read_csv_rows
from ipe.errors import ManifestError

ORG_KINDS = ("school", "gp_practice", "organisation")
NAME_FILE_KINDS = {"child": "child", "parent": "parent", "carer": "parent", "professional": "person",
                   "practitioner": "person", "person": "person", "other": "person"}
ORG_FILE_KINDS = {"school": "school", "gp_practice": "gp_practice", "gp": "gp_practice", "gp practice": "gp_practice",
                  "organisation": "organisation", "organization": "organisation", "other": "organisation"}
# Specificity when two findings of the same length overlap: structured identifiers first.
SPECIFICITY = {"nhs_number": 9, "ni_number": 9, "email": 9, "phone": 8, "postcode": 8, "dob": 8, "address": 7,
               "school": 6, "gp_practice": 6, "organisation": 5, "child": 4, "parent": 4, "person": 4, "place": 3}
CONFIDENCE_RANK = {"high": 3, "medium": 2, "low": 1}

_ROLE_WORDS = {
    "interviewer", "respondent", "interpreter", "facilitator", "chair", "moderator", "observer", "participant",
    "researcher", "note", "taker", "lead", "rep", "representative", "manager", "worker", "nurse", "visitor",
    "officer", "sergeant", "police", "health", "social", "practitioner", "coordinator", "parent", "mum", "dad",
    "mother", "father", "carer", "child", "teacher", "dsl", "head", "group", "all", "everyone", "several", "speaker",
    "unknown", "voice", "panel", "team", "member", "education", "early", "help", "service", "advocate", "gp", "doctor",
    "midwife", "manager", "director", "analyst", "admin", "detective", "constable", "inspector", "family", "school",
}


# A pseudonym ipe has already put in the text, e.g. "[Child 2]": never an identifier itself.
PSEUDONYM = re.compile(
    r"\[(?:(?:Child|Parent|Person|Place|School|GP practice|Organisation) \d+|Phone|NHS number|NI number|Postcode|"
    r"Email|Date of birth|Address)\]"
)


@dataclass(frozen=True)
class Finding:
    """An identifier found at ``text[start:end]``; ``identity`` is what its pseudonym is keyed by."""

    start: int
    end: int
    kind: str
    text: str
    confidence: str = "high"
    identity: str = ""

    @property
    def replaced(self) -> bool:
        """Whether it is replaced: everything but low-confidence candidates, which a person must confirm."""
        return self.confidence != "low"


# -- registers of names and organisations ----------------------------------------------------------------------------


def _words(name: str) -> list[str]:
    return name.split()


def _name_pattern(names: Iterable[str]) -> Optional[re.Pattern]:
    names = sorted({n for n in names if n.strip()}, key=lambda n: (-len(n), n))
    if not names:
        return None
    alternation = "|".join(r"[ \t]+".join(re.escape(w) for w in _words(n)) for n in names)
    return re.compile(rf"(?<![\w\-])(?:{alternation})(?![\w]|-\w)", re.IGNORECASE)


def _capitalised(text: str) -> bool:
    return all(w[:1].isupper() for w in text.split())


@dataclass
class Register:
    """People's names: each surface form (case-insensitive) → ``(identity, kind)``.

    A full name's first name and surname point to the same identity, unless another person of the register shares
    them: then that part is an identity of its own.
    """

    names: dict = field(default_factory=dict)  # casefolded form -> (identity, kind)
    _pattern: Optional[re.Pattern] = field(default=None, repr=False)
    _nicknames: Optional[dict] = field(default=None, repr=False)

    @classmethod
    def from_entries(cls, entries: Iterable[tuple[str, str]]) -> "Register":
        """Build from ``(name, kind)`` pairs, kind one of ``child``, ``parent``, ``person``."""
        full: dict[str, tuple[str, str]] = {}
        parts: dict[str, set] = {}
        for name, kind in entries:
            name = " ".join(name.split())
            if not name or PSEUDONYM.fullmatch(name):
                continue
            key = name.casefold()
            if key in full and full[key][1] != "person":
                continue  # the first, most specific kind given wins
            full[key] = (name, kind)
        for key, (name, kind) in full.items():
            words = [w for w in _words(name) if not re.fullmatch(_TITLES, w)]
            if len(words) > 1:
                for part in (words[0], words[-1]):
                    parts.setdefault(part.casefold(), set()).add(key)
        names: dict[str, tuple[str, str]] = {key: (name, kind) for key, (name, kind) in full.items()}
        for part, owners in parts.items():
            if part in full and len(_words(full[part][0])) == 1 and len(owners) == 1:
                # "Kayden" listed alone and as part of "Kayden Marsh": one person.
                names[part] = full[next(iter(owners))]
            elif part in full:
                continue
            elif len(owners) == 1:
                names[part] = full[next(iter(owners))]
            else:
                kinds = {full[o][1] for o in owners}
                shown = next(full[o][0] for o in sorted(owners))
                surface = next(w for w in _words(shown) if w.casefold() == part)
                names[part] = (surface, kinds.pop() if len(kinds) == 1 else "person")
        return cls(names=names)

    def lookup(self, text: str) -> Optional[tuple[str, str]]:
        return self.names.get(" ".join(text.split()).casefold())

    @property
    def pattern(self) -> Optional[re.Pattern]:
        if self._pattern is None and self.names:
            self._pattern = _name_pattern(self.names)
        return self._pattern

    def nicknames(self) -> dict:
        """Short forms of first names ("Rob" for Robert, "Jo" for Joanne): casefolded → ``(identity, kind)``.

        Only candidates for review: a short form is often a word, or someone else's name.
        """
        if self._nicknames is None:
            firsts: dict[str, set] = {}
            for key, (identity, kind) in self.names.items():
                words = _words(identity)
                if len(words) > 1 and key == words[0].casefold():
                    firsts.setdefault(key, set()).add((identity, kind))
            short: dict[str, set] = {}
            for first, people in firsts.items():
                for n in range(2, len(first) - 1):
                    short.setdefault(first[:n], set()).update(people)
            self._nicknames = {k: next(iter(v)) for k, v in short.items() if len(v) == 1 and k not in self.names}
        return self._nicknames

    def __len__(self) -> int:
        return len(self.names)


@dataclass
class OrgList:
    """Organisations to replace: casefolded name → ``(name, kind)``."""

    orgs: dict = field(default_factory=dict)
    _pattern: Optional[re.Pattern] = field(default=None, repr=False)

    @classmethod
    def from_entries(cls, entries: Iterable[tuple[str, str]]) -> "OrgList":
        return cls(orgs={" ".join(n.split()).casefold(): (" ".join(n.split()), k) for n, k in entries if n.strip()})

    def lookup(self, text: str) -> Optional[tuple[str, str]]:
        return self.orgs.get(" ".join(text.split()).casefold())

    @property
    def pattern(self) -> Optional[re.Pattern]:
        if self._pattern is None and self.orgs:
            self._pattern = _name_pattern(self.orgs)
        return self._pattern


def _person_kind(role: str) -> str:
    role = (role or "").lower()
    if any(w in role for w in ("parent", "mother", "father", "carer", "mum", "dad")):
        return "parent"
    if any(w in role for w in ("child", "young person", "pupil")):
        return "child"
    return "person"


def read_names(path) -> list[tuple[str, str]]:
    """A names file: CSV with columns ``name`` and (optionally) ``kind``; every bad row is reported at once."""
    _, rows = read_csv_rows(Path(path), required=("name",))
    out, problems = [], []
    for line, row in rows:
        kind = (row.get("kind") or "person").strip().lower()
        if not row["name"]:
            continue
        if kind not in NAME_FILE_KINDS:
            problems.append(f"line {line}: kind '{kind}' is not one of {', '.join(sorted(NAME_FILE_KINDS))}")
            continue
        out.append((row["name"], NAME_FILE_KINDS[kind]))
    if problems:
        raise ManifestError(path, problems)
    return out


def read_orgs(path) -> list[tuple[str, str]]:
    """An organisations file: CSV with columns ``name`` and (optionally) ``kind``; a missing kind is inferred."""
    _, rows = read_csv_rows(Path(path), required=("name",))
    out, problems = [], []
    for line, row in rows:
        name, kind = row["name"], (row.get("kind") or "").strip().lower()
        if not name:
            continue
        if not kind:
            kind = _org_kind(name)
        elif kind not in ORG_FILE_KINDS:
            problems.append(f"line {line}: kind '{kind}' is not one of {', '.join(sorted(ORG_FILE_KINDS))}")
            continue
        out.append((name, ORG_FILE_KINDS.get(kind, kind)))
    if problems:
        raise ManifestError(path, problems)
    return out


def _org_kind(name: str) -> str:
    low = name.lower()
    if re.search(r"\b(surgery|medical|health centre|practice|gp)\b", low):
        return "gp_practice"
    if re.search(r"\b(primary|academy|school|college|nursery|infants?|juniors?)\b", low):
        return "school"
    return "organisation"


def speaker_is_name(speaker: str, register: Register) -> bool:
    """True when a speaker label names a person: it holds a register name, or is capitalised words, none a role."""
    if not speaker or speaker in ("Interviewer", "Respondent"):
        return False
    words = speaker.split()
    if register.lookup(speaker) or any(register.lookup(w) for w in words):
        return True
    if any(w.lower().strip(".") in _ROLE_WORDS for w in words) or PSEUDONYM.search(speaker):
        return False
    if re.fullmatch(r"[A-Z][a-z'’\-]+(?: [A-Z][a-z'’\-]+){0,2}", speaker) is None:
        return False  # SW1, P3, DSL, TM1: abbreviations, not names
    return True


def build_register(participants: Iterable[tuple[str, str]] = (), names: Iterable[tuple[str, str]] = (),
                   speakers: Iterable[tuple[str, str]] = (), known: Iterable[tuple[str, str]] = ()) -> Register:
    """A register from manifest participants ``(name, role)``, a names file ``(name, kind)``, speaker labels
    ``(speaker, role)`` and names already in the key ``(name, kind)``; the names file's kinds win."""
    entries = list(names)
    entries += [(n, _person_kind(r)) for n, r in participants if n]
    entries += list(known)
    base = Register.from_entries(entries)
    # A label holding a register name ("DS Walsh") is covered already; add only names the register lacks ("Karen").
    extra = [(s, _person_kind(r)) for s, r in speakers
             if speaker_is_name(s, base) and not any(base.lookup(w) for w in [s, *s.split()])]
    return Register.from_entries(entries + extra) if extra else base


# -- detection ---------------------------------------------------------------------------------------------------------


def nhs_number_valid(number: str) -> bool:
    """The NHS number modulus-11 check: ten digits, the last one the check digit of the first nine."""
    digits = [int(c) for c in number if c.isdigit()]
    if len(digits) != 10:
        return False
    check = 11 - sum(d * (10 - i) for i, d in enumerate(digits[:9])) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == digits[9]


_MONTHS = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|"
           r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
_DATE = re.compile(
    rf"(?<!\w)(?:\d{{1,2}}(?:st|nd|rd|th)?(?:[ \t]+of)?[ \t]+{_MONTHS}\.?,?[ \t]+\d{{4}}"
    rf"|{_MONTHS}\.?[ \t]+\d{{1,2}}(?:st|nd|rd|th)?,?[ \t]+\d{{4}}"
    r"|\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2})(?!\w)",
    re.IGNORECASE,
)
_DOB_CUE = re.compile(r"\b(?:born|d\.?o\.?b\.?|date[ \t]+of[ \t]+birth|birth[ \t]*date|birthday)\b", re.IGNORECASE)
_NHS = re.compile(r"(?<![\d+])(\d{3})([ \-]?)(\d{3})\2(\d{4})(?!\d)")
_NI = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}(?:[ \t]?\d{2}){3}[ \t]?[A-D](?![A-Za-z0-9])")
_POSTCODE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[ABD-HJLNP-UW-Z]{2}(?![A-Za-z0-9])")
_PHONE = re.compile(r"(?<![\w+])(?:\+44[ \t]?(?:\(0\)[ \t]?)?|0)[1237](?:[ \t\-]?\d){8,9}(?!\d)")
_EMAIL = re.compile(r"(?<![\w.+\-])[\w.+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+(?<!\.)")
_STREET = (r"(?:Road|Rd|Street|St|Close|Way|Court|Terrace|Lane|Avenue|Ave|Drive|Crescent|Place|Gardens|Grove|Mews|"
           r"Row|Walk|Square|Parade|Rise|Hill|View|Park|Green)")
_ADDRESS = re.compile(rf"(?<![\w£$.,])\d{{1,4}}[A-Za-z]?,?[ \t]+(?:[A-Z][a-z'’\-]+[ \t]+){{1,3}}{_STREET}\b")
_TITLES = r"(?:(?:Mrs|Mr|Ms|Dr|Prof)\.?|Miss|Mx|DCI|DS|DC|PC|DI|Sgt|Insp)"
_TITLE = re.compile(
    rf"(?<![\w]){_TITLES}[ \t]+"
    r"(?P<name>[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)?|[A-Z]{2,}(?:-[A-Z]{2,})?)(?![\w])"
)
_ORG_SUFFIX = r"(?:Primary School|Primary|Academy|Surgery|Medical Centre|Medical Practice|Health Centre|School)"
_ORG_CANDIDATE = re.compile(rf"(?<![\w])(?:[A-Z][\w'’\-]*[ \t]+){{1,3}}{_ORG_SUFFIX}(?![\w])")
_NAME_PAIR = re.compile(r"(?<![\w\-])[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)?[ \t]+[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)?(?![\w\-])")
_TITLE_STOP = {"And", "The", "Said", "Is", "Was", "Who", "I", "A", "It", "On", "In", "Of", "To", "Or", "So", "If",
               "But", "We", "He", "She", "They", "You", "Then", "Yes", "No", "Not", "Would", "Will", "Can", "Did"}
_ORG_STOP = {
    "the", "a", "an", "at", "in", "from", "to", "our", "my", "his", "her", "their", "this", "that", "and", "but", "so",
    "then", "like", "local", "secondary", "primary", "special", "infant", "junior", "grammar", "free", "sunday",
    "virtual", "boarding", "high", "state", "private", "independent", "new", "old", "village", "of", "for", "with",
    "at", "by", "every", "each", "any", "one", "which", "what", "whose", "we", "they", "she", "he", "i", "it", "if",
}
_PAIR_STOP = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mash", "early",
    "help", "social", "care", "children", "services", "service", "police", "health", "team", "council", "hub",
    "multi", "agency", "safeguarding", "the", "and", "but", "so", "then", "yes", "no", "okay", "right", "well",
    "if", "when", "what", "why", "how", "who", "a", "i", "we", "they", "he", "she", "it", "in", "on", "at", "of",
    "interviewer", "respondent", "thank", "thanks", "oh", "um", "erm", "yeah", "that", "this", "there", "nhs",
    "primary", "academy", "school", "surgery", "medical", "centre", "court", "road", "street", "national", "local",
    "authority", "evaluation", "interview", "case", "study", "notes", "front", "door", "strategy", "discussion",
    "conference", "plan", "plans", "partnership", "board", "unit", "protection", "public", "child", "family",
    "christmas", "easter", "england", "english", "british", "uk", "ofsted", "working", "together", "domestic",
    "abuse", "a&e", "just", "like", "not", "after", "before", "also", "because", "for", "as", "our", "my", "your",
    "is", "was", "were", "with", "now", "sometimes", "i'm", "i've", "i'd", "i'll", "it's", "office", "first", "home",
    "group", "borough", "civic", "eastern", "western", "northern", "southern", "east", "west", "north", "south",
    "european", "anglian", "country", "red", "lion", "even", "only", "maybe", "ask", "tell", "ring", "dear", "hi",
    "hello", "bye", "say", "said", "from", "by", "to", "with", "without", "about", "did", "does", "do", "had", "has",
    "have", "will", "would", "could", "should", "can", "may", "might", "must", "you", "me", "him", "her", "them",
}


def _dob_findings(text: str) -> list[Finding]:
    out = []
    for m in _DATE.finditer(text):
        before = text[max(0, m.start() - 40):m.start()]
        before = before.rsplit("\n", 1)[-1]
        if _DOB_CUE.search(before):
            out.append(Finding(m.start(), m.end(), "dob", m.group(0), "high", m.group(0)))
    return out


def _structured(text: str) -> list[Finding]:
    found: list[Finding] = []
    for m in _NHS.finditer(text):
        if nhs_number_valid(m.group(0)):
            found.append(Finding(m.start(), m.end(), "nhs_number", m.group(0), "high", re.sub(r"\D", "", m.group(0))))
    for m in _NI.finditer(text):
        found.append(Finding(m.start(), m.end(), "ni_number", m.group(0), "high", re.sub(r"\s", "", m.group(0))))
    for m in _POSTCODE.finditer(text):
        found.append(Finding(m.start(), m.end(), "postcode", m.group(0), "high", re.sub(r"\s", "", m.group(0))))
    for m in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group(0).replace("(0)", ""))
        national = digits[2:] if m.group(0).startswith("+") else digits[1:]
        if len(national) in (9, 10) and not (m.group(0).startswith("0") and nhs_number_valid(m.group(0))
                                            and re.fullmatch(r"\d{3} \d{3} \d{4}", m.group(0))):
            found.append(Finding(m.start(), m.end(), "phone", m.group(0), "high", "0" + national))
    for m in _EMAIL.finditer(text):
        found.append(Finding(m.start(), m.end(), "email", m.group(0), "high", m.group(0).lower()))
    for m in _ADDRESS.finditer(text):
        found.append(Finding(m.start(), m.end(), "address", m.group(0), "high", " ".join(m.group(0).split())))
    return found + _dob_findings(text)


def _names(text: str, register: Register) -> list[Finding]:
    out = []
    pattern = register.pattern
    if pattern is not None:
        for m in pattern.finditer(text):
            if not _capitalised(m.group(0)):
                continue
            hit = register.lookup(m.group(0))
            if hit:
                out.append(Finding(m.start(), m.end(), hit[1], m.group(0), "high", hit[0]))
                # The word before a registered surname ("Mason Pryce") is probably a first name: a candidate.
                before = re.search(r"(?<![\w\-])[A-Z][a-z'’\-]+[ \t]+$", text[max(0, m.start() - 40):m.start()])
                if before and len(_words(m.group(0))) == 1 and before.group(0).split()[0].lower() not in _PAIR_STOP:
                    word = before.group(0).split()[0]
                    start = m.start() - len(before.group(0))
                    if not register.lookup(word) and not re.fullmatch(_TITLES, word):
                        out.append(Finding(start, start + len(word), "person", word, "low", word))
    nicknames = register.nicknames()
    if nicknames:
        for m in _SINGLE.finditer(text):
            hit = nicknames.get(m.group(0).casefold())
            if hit and _mid_sentence(text, m.start(), ".!?\n") and m.group(0).lower() not in _PAIR_STOP:
                out.append(Finding(m.start(), m.end(), hit[1], m.group(0), "low", hit[0]))
    for m in _TITLE.finditer(text):
        name = m.group("name")
        if name in _TITLE_STOP:
            continue
        hit = register.lookup(name)
        identity, kind = hit if hit else (name.capitalize() if name.isupper() else name, "person")
        out.append(Finding(m.start(), m.end(), kind, m.group(0), "high", identity))
    return out


def _strip_leading(start: int, span: str, stop: set) -> tuple[int, str]:
    while True:
        first, _, rest = span.partition(" ")
        if rest and first.lower().strip("'’") in stop:
            start += len(first) + 1
            span = rest.lstrip(" \t")
            continue
        return start, span


def _organisations(text: str, orgs: Optional[OrgList]) -> list[Finding]:
    out = []
    if orgs is not None and orgs.pattern is not None:
        for m in orgs.pattern.finditer(text):
            if _capitalised(m.group(0)):
                name, kind = orgs.lookup(m.group(0))
                out.append(Finding(m.start(), m.end(), kind, m.group(0), "high", name))
    for m in _ORG_CANDIDATE.finditer(text):
        start, span = _strip_leading(m.start(), m.group(0), _ORG_STOP)
        if len(span.split()) < 2 or re.fullmatch(_ORG_SUFFIX, span) or span.split()[0].lower() in _ORG_STOP:
            continue
        out.append(Finding(start, start + len(span), _org_kind(span), span, "low", span))
    return out


@functools.lru_cache(maxsize=1)
def _english():
    """English words (spaCy's lemma lookup table: its lemmas and inflected forms), or None if it is missing."""
    try:
        from spacy.lookups import load_lookups

        table = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
    except Exception:  # spacy-lookups-data missing: no single-word candidates rather than every capital
        return None
    return table, frozenset(table.values())


_SINGLE = re.compile(r"(?<![\w\-'’\[])[A-Z][a-z]+(?:-[A-Z][a-z]+)?(?![\w\-]|['’][a-rt-z])")
_SENTENCE_START = set(".!?:;\"“”‘'\n*#>|])–—…")
_NOT_NAMES = {
    "every", "everyone", "everybody", "everything", "several", "us", "forty", "fifty", "sixty", "seventy", "eighty",
    "ninety", "twenty", "thirty", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "covid", "wi-fi", "multi-agency", "english", "christmas", "easter", "ofsted", "whatsapp", "google", "zoom",
    "teams", "excel", "mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays",
}


def _mid_sentence(text: str, at: int, starts=_SENTENCE_START) -> bool:
    """True when the word at ``at`` follows other words of its sentence (its capital is not the sentence's)."""
    before = text[max(0, at - 80):at].rstrip(" \t")
    return bool(before) and before[-1] not in starts


def _name_candidates(text: str) -> list[Finding]:
    """Low-confidence person names: capitalised word pairs ("Reece Dunmore"), and capitalised words inside a
    sentence that are not English words ("Kayden", "Shannon"), for a person to confirm or dismiss."""
    out = []
    english = _english()
    if english is not None:
        table, words = english
        for m in _SINGLE.finditer(text):
            low = m.group(0).lower()
            if not _mid_sentence(text, m.start()) or len(low) < 2:
                continue
            if low in words or low in table or low in _PAIR_STOP or low in _NOT_NAMES or low.endswith("ly"):
                continue
            out.append(Finding(m.start(), m.end(), "person", m.group(0), "low", m.group(0)))
    for m in _NAME_PAIR.finditer(text):
        words = m.group(0).split()
        if any(w.lower().strip("'’") in _PAIR_STOP for w in words):
            continue
        if any(w.isupper() for w in words):
            continue
        out.append(Finding(m.start(), m.end(), "person", m.group(0), "low", m.group(0)))
    return out


def _entities(text: str, nlp) -> list[Finding]:
    kinds = {"PERSON": "person", "PER": "person", "GPE": "place", "ORG": "organisation"}
    out = []
    doc = nlp(text)
    for ent in doc.ents:
        kind = kinds.get(ent.label_)
        if kind and ent.text.strip() and ent.text[:1].isupper():
            out.append(Finding(ent.start_char, ent.end_char, kind, ent.text, "medium", " ".join(ent.text.split())))
    return out


def _resolve(findings: list[Finding], protected: list[tuple[int, int]]) -> list[Finding]:
    """Non-overlapping findings: the longest first, then the most specific, then the most confident."""

    def rank(f: Finding):
        return (-(f.end - f.start), -SPECIFICITY.get(f.kind, 0), -CONFIDENCE_RANK[f.confidence], f.start)

    taken: list[tuple[int, int]] = list(protected)
    chosen: list[Finding] = []
    for f in sorted(findings, key=rank):
        if any(f.start < e and s < f.end for s, e in taken):
            continue
        taken.append((f.start, f.end))
        chosen.append(f)
    return sorted(chosen, key=lambda f: (f.start, f.end))


def find_identifiers(text: str, register: Optional[Register] = None, orgs: Optional[OrgList] = None,
                     nlp=None, protected: Iterable[tuple[int, int]] = ()) -> list[Finding]:
    """Every identifier in ``text``, overlaps resolved, in text order; low-confidence ones are candidates only.

    Parameters
    ----------
    text : the text to search.
    register : people's names (:func:`build_register`); None finds names only by title or NER.
    orgs : organisations to replace; candidates ending in "Primary", "Academy", ... are found without it.
    nlp : an installed spaCy pipeline with NER, whose PERSON, GPE and ORG entities are added.
    protected : spans no finding may overlap (speaker labels, which are replaced separately).

    Examples
    --------
    >>> [(f.kind, f.text) for f in find_identifiers("Ring Mrs Khan on 07700 900123, postcode ZZ4 7QX.")]
    [('person', 'Mrs Khan'), ('phone', '07700 900123'), ('postcode', 'ZZ4 7QX')]
    """
    register = register or Register()
    findings = _structured(text) + _names(text, register) + _organisations(text, orgs)
    if nlp is not None:
        findings += _entities(text, nlp)
    blocked = [m.span() for m in PSEUDONYM.finditer(text)] + list(protected)
    sure = _resolve([f for f in findings if f.replaced], blocked)
    spans = blocked + [(f.start, f.end) for f in sure]
    candidates = _resolve([f for f in findings if not f.replaced] + _name_candidates(text), spans)
    return sorted(sure + candidates, key=lambda f: (f.start, f.end))
