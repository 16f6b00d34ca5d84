"""Speaker turns and sentences in normalised transcript text: who speaks where, in what role, sentence by sentence.

Labels, headings and stage directions (``split_turns``): a labelled line starts a turn whose span is the speech;
markdown, reStructuredText (a line underlined with ``===`` or ``---``) and Word headings, section titles before a new
speaker, stage directions and time marks, and oath lines (``MS SARAH HAMMOND (affirmed)``) belong to no turn, so
nothing of them is ever inside a turn or coded. Text before the first label in a labelled transcript (a title, a
date) is front matter: a turn with no speaker and no role, which the auto-coder skips (:func:`coded_turns`).

Speakers (``speakers`` manifest column, ``--interviewer``): ``Label=role`` gives a role, ``Label=Name`` merges an
alias into one speaker (``The Witness=Ms Sarah Hammond``; the name starts with a title such as Ms or Dr, or is
itself given a role in the same cell). Without any interviewer, the speaker whose turns are mostly questions is
guessed to be the interviewer and the guess is reported for the user to confirm (:func:`guess_interviewers`).

Sentences (``split_sentences``) come from spaCy's sentencizer, then transcript marks in brackets (``[laughs]``,
``[pause]``, ``(inaudible)``) are kept whole inside the sentence they follow: a mark never splits a sentence or
starts one.
"""

from __future__ import annotations

import re
from typing import Iterable, Optional

from ipe.records import Sentence, Turn

PIECE_LIMIT = 100_000

INTERVIEWER_ALIASES = {"int", "i", "interviewer", "q", "researcher", "interviewer 1", "moderator"}
RESPONDENT_ALIASES = {"r", "resp", "respondent", "a", "interviewee"}
# Words that look like a speaker label ("Date: 3 May") but label a field in notes and headers.
NOT_SPEAKERS = {
    "date", "time", "location", "venue", "present", "attendees", "attending", "note", "notes", "duration", "setting",
    "purpose", "context", "summary", "subject", "re", "agenda", "action", "actions", "outcome", "outcomes", "decision",
    "question", "questions", "theme", "finding", "example", "observer", "observation", "site", "case", "file", "ref",
    "reference", "title", "transcript", "interview", "recorded", "recording", "participant", "participants", "role",
    "agency", "tel", "phone", "email", "address", "dob", "nhs", "warning", "ps", "nb", "update", "timeline", "key",
    "points", "issue", "issues", "response", "responses", "rag", "rating", "group", "breakout", "facilitator notes",
}

_WORD = r"[A-Za-z][\w'’.\-]*"
_LABEL = rf"(?P<label>{_WORD}(?:[ \t]+[A-Za-z0-9][\w'’.\-]*){{0,3}})"
_TIME = r"(?P<time>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)"
LABEL_PATTERNS = [
    ("markdown", re.compile(r"^\*\*(?P<label>[^*\n]{1,40}?)\*\*[ \t]*:[ \t]*(?P<rest>.*)$")),
    ("markdown", re.compile(r"^\*\*(?P<label>[^*\n]{1,40}?):\*\*[ \t]*(?P<rest>.*)$")),
    ("timestamped", re.compile(rf"^\[{_TIME}\][ \t]*{_LABEL}[ \t]*:[ \t]*(?P<rest>.*)$")),
    ("time-in-brackets", re.compile(rf"^{_LABEL}[ \t]*\({_TIME}\)[ \t]*:[ \t]*(?P<rest>.*)$")),
    ("service", re.compile(rf"^{_LABEL}(?:[ \t]{{2,}}|\t){_TIME}[ \t]*$")),
    ("dash", re.compile(r"^(?P<label>[A-Z]{1,5}\d{0,3})[ \t]+[-–—][ \t]+(?P<rest>.*)$")),
    ("colon", re.compile(rf"^{_LABEL}[ \t]*:[ \t]*(?P<rest>.*)$")),
]
DIRECTION_PATTERNS = [
    re.compile(r"^\*?\(?\d{1,2}[.:]\d{2}[ \t]*(?:am|pm|a\.m\.|p\.m\.)?\)?\*?$", re.I),
    re.compile(r"^\*?\([^()\n]{1,80}\)\*?$"),
    re.compile(r"^\*?\[[^\[\]\n]{1,80}\]\*?$"),
    re.compile(r"^[-*_=~^]{3,}$"),
    # An oath line before a witness's evidence: "MS SARAH HAMMOND (affirmed)", "DR OKORO (sworn)".
    re.compile(r"^\*?[A-Za-z][A-Za-z.'’\- ]{1,70}\((?:sworn|affirmed|recalled|re-?sworn|continued)\)\*?$", re.I),
]
UNDERLINE = re.compile(r"^([=\-~^*#+])\1{2,}[ \t]*$")
TITLES = {"the", "mr", "ms", "mrs", "miss", "mx", "dr", "sir", "lord", "lady", "dame", "prof"}
HEADING_MD = re.compile(r"^#{1,6}[ \t]+\S")



# -- speaker turns -----------------------------------------------------------------------------------------------------


def normalise_speaker(label: str) -> str:
    """A speaker label's canonical form: markup and extra spaces gone, shouting tamed, interviewer aliases unified."""
    label = " ".join(label.replace("*", "").strip().strip(":").split())
    low = label.lower()
    if low in INTERVIEWER_ALIASES:
        return "Interviewer"
    if low in RESPONDENT_ALIASES:
        return "Respondent"
    words = []
    for word in label.split(" "):
        # Long all-capital words are names typed in capitals; short ones (DS, SW1, DSL) are abbreviations.
        if word.isupper() and word.isalpha() and (len(word) > 3 or word.lower() in TITLES):
            word = word.capitalize()
        words.append(word)
    return " ".join(words)


def _not_speaker(label: str) -> bool:
    return label.strip().lower() in NOT_SPEAKERS


def _match_label(line: str):
    for kind, pattern in LABEL_PATTERNS:
        match = pattern.match(line)
        if match and not _not_speaker(match.group("label")):
            return kind, match
    return None, None


def _is_direction(line: str) -> bool:
    return any(p.match(line) for p in DIRECTION_PATTERNS)


def _is_plain_heading(lines: list[str], i: int) -> bool:
    line = lines[i].strip()
    before = i == 0 or not lines[i - 1].strip()
    after = i + 1 >= len(lines) or not lines[i + 1].strip()
    return (
        before and after and len(line.split()) <= 10 and line[:1].isupper()
        and not line.endswith((".", "?", "!", ",", ";", ":", '"', "”", "’", "'", ")", "…"))
    )


def split_turns(text: str, heading_lines: Iterable[int] = (), known_speakers: Iterable[str] = ()) -> list[Turn]:
    """Find speaker turns in normalised text.

    A line that starts with a speaker label begins a turn; the turn's span is its speech (the label is outside it).
    A line without a label continues the current speaker's turn; outside any speaker's turn (field notes), each
    paragraph is a turn of its own with no speaker. Stage directions and time marks on a line of their own
    (``(12.43 pm)``, ``*(Short adjournment)*``, ``[inaudible]``) and headings end a turn and belong to none.
    A colon label counts if it recurs in the document, is a known interviewer/respondent label, or is named in
    ``known_speakers``; in a document that has such speakers, a capitalised name-like label counts even once. That
    keeps "Note: ..." in field notes from becoming a speaker.
    """
    lines = text.split("\n")
    starts, pos = [], 0
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1
    known = {normalise_speaker(s) for s in known_speakers}
    candidates: dict[int, tuple] = {}
    tally: dict[str, int] = {}
    for i, line in enumerate(lines):
        kind, match = _match_label(line.strip())
        if match:
            speaker = normalise_speaker(match.group("label"))
            candidates[i] = (kind, match, speaker)
            tally[speaker] = tally.get(speaker, 0) + 1
    headings = set(heading_lines)
    for i in range(1, len(lines)):
        # reStructuredText: a title underlined with =, -, ~ ... at least as long as the title (give or take).
        if UNDERLINE.match(lines[i].strip()) and lines[i - 1].strip() and len(lines[i].strip()) >= len(lines[i - 1].strip()) - 2:
            headings.update((i - 1, i))

    def next_is_label(i) -> bool:
        for j in range(i + 1, len(lines)):
            if lines[j].strip():
                return j in candidates
        return False

    def firm(kind, speaker) -> bool:
        if kind != "colon":
            return True
        return tally[speaker] >= 2 or speaker in known or speaker in ("Interviewer", "Respondent")

    # Once a document has speakers, a capitalised name-like label that appears only once is a speaker too.
    has_speakers = any(firm(kind, speaker) for kind, _, speaker in candidates.values())

    def accepted(kind, speaker) -> bool:
        if firm(kind, speaker):
            return True
        return has_speakers and len(speaker.split()) <= 3 and all(w[:1].isupper() or w[:1].isdigit()
                                                                  for w in speaker.split())

    turns: list[Turn] = []
    current: Optional[dict] = None
    in_speech = False  # within a labelled speaker's turn

    def close():
        nonlocal current
        if current is not None and current["end"] > current["start"]:
            turns.append(Turn(n=len(turns) + 1, start=current["start"], end=current["end"], speaker=current["speaker"],
                              label=current["label"], time=current["time"]))
        current = None

    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            if not in_speech:
                close()
            continue
        lead = len(line) - len(line.lstrip())
        line_start, line_end = starts[i] + lead, starts[i] + len(line.rstrip())
        candidate = candidates.get(i)
        if candidate and accepted(candidate[0], candidate[2]):
            kind, match, speaker = candidate
            close()
            rest_start = starts[i] + lead + (match.start("rest") if "rest" in match.groupdict() else len(stripped))
            rest_start = min(rest_start, line_end)
            current = {"start": rest_start, "end": line_end if rest_start < line_end else rest_start,
                       "speaker": speaker, "label": match.group("label").strip(),
                       "time": match.groupdict().get("time")}
            in_speech = True
            continue
        if i in headings or HEADING_MD.match(stripped) or _is_direction(stripped) or (
            _is_plain_heading(lines, i) and (not in_speech or next_is_label(i))
        ):
            close()
            if HEADING_MD.match(stripped) or i in headings:
                in_speech = False
            continue
        if current is None:
            speaker = turns[-1].speaker if (in_speech and turns) else None
            label = turns[-1].label if (in_speech and turns) else None
            current = {"start": line_start, "end": line_end, "speaker": speaker, "label": label, "time": None}
        else:
            if current["end"] == current["start"]:
                current["start"] = line_start
            current["end"] = line_end
    close()
    return turns


def _pairs(spec: str) -> list[tuple[str, str]]:
    out = []
    for part in (spec or "").split(";"):
        if "=" in part:
            label, value = part.split("=", 1)
            if label.strip() and value.strip():
                out.append((normalise_speaker(label), value.strip()))
    return out


def _is_alias(label: str, value: str, labels: set) -> bool:
    name = normalise_speaker(value)
    if name == label or name in ("Interviewer", "Respondent"):
        return False  # "INT=interviewer" is a role, not INT as another name of itself
    first = value.split()[0].strip(".").lower() if value.split() else ""
    return first in TITLES - {"the"} or name in labels


def speaker_aliases(spec: str) -> dict[str, str]:
    """The aliases in a ``speakers`` cell: label → the one speaker it names (``The Witness=Ms Sarah Hammond``).

    >>> speaker_aliases("THE WITNESS=Ms Sarah Hammond; MS HAMMOND=Ms Sarah Hammond; Ms Sarah Hammond=witness")
    {'The Witness': 'Ms Sarah Hammond', 'Ms Hammond': 'Ms Sarah Hammond'}
    """
    pairs = _pairs(spec)
    labels = {label for label, _ in pairs}
    return {label: normalise_speaker(value) for label, value in pairs if _is_alias(label, value, labels)}


def speaker_roles(spec: str) -> dict[str, str]:
    """The roles in a manifest ``speakers`` cell (``Label=role;Label=role``), aliases resolved to their speaker."""
    pairs = _pairs(spec)
    labels = {label for label, _ in pairs}
    aliases = {label: normalise_speaker(value) for label, value in pairs if _is_alias(label, value, labels)}
    roles = {label: value for label, value in pairs if label not in aliases}
    for alias, name in aliases.items():
        if name in roles:
            roles[alias] = roles[name]
    return roles


def apply_aliases(turns: list[Turn], aliases: dict[str, str]) -> list[Turn]:
    """Turns with each aliased speaker replaced by the one speaker it names (the label in the text is kept)."""
    if not aliases:
        return turns
    return [Turn(n=t.n, start=t.start, end=t.end, speaker=aliases.get(t.speaker, t.speaker), label=t.label,
                 role=t.role, time=t.time) for t in turns]


QUESTION_SHARE = 0.6


def guess_interviewers(text: str, turns: list[Turn]) -> list[tuple[str, int, int]]:
    """Speakers who ask the questions when no one is labelled as interviewer: ``(speaker, questions, turns)``.

    A speaker counts when most of their turns (60% or more, at least two) end with a question mark; a witness
    or interviewee answers. Nothing is guessed when an interviewer is already known.

    >>> from ipe.records import Turn
    >>> text = "Why? Yes. How? Fine."
    >>> turns = [Turn(1, 0, 4, "Counsel"), Turn(2, 5, 9, "Witness"), Turn(3, 10, 14, "Counsel"), Turn(4, 15, 20, "Witness")]
    >>> guess_interviewers(text, turns)
    [('Counsel', 2, 2)]
    """
    if any(t.role == "interviewer" or t.speaker == "Interviewer" for t in turns):
        return []
    asked: dict[str, list[int]] = {}
    for t in turns:
        if t.speaker:
            tally = asked.setdefault(t.speaker, [0, 0])
            tally[1] += 1
            tally[0] += text[t.start:t.end].rstrip().rstrip("\"'”’)").endswith("?")
    if len(asked) < 2:
        return []
    return sorted((s, q, n) for s, (q, n) in asked.items() if q >= 2 and q / n >= QUESTION_SHARE)


def coded_turns(turns: list[Turn], include_interviewer: bool = False) -> list[Turn]:
    """The turns the auto-coder reads: not the interviewer's (unless asked), not front matter of a labelled text."""
    labelled = any(t.speaker for t in turns)
    return [t for t in turns if (include_interviewer or t.role != "interviewer") and not (labelled and t.speaker is None)]


def assign_roles(turns: list[Turn], roles: dict[str, str], default_role: Optional[str]) -> list[Turn]:
    """Give each turn a role: the manifest's mapping, else interviewer for interviewer labels, else the source's role."""
    out = []
    labelled = any(t.speaker for t in turns)
    for t in turns:
        if t.speaker in roles:
            role = roles[t.speaker]
        elif t.speaker == "Interviewer":
            role = "interviewer"
        elif t.speaker is None and labelled:
            # A title or preamble in a transcript is nobody's speech.
            role = None
        else:
            role = default_role
        out.append(Turn(n=t.n, start=t.start, end=t.end, speaker=t.speaker, label=t.label, role=role, time=t.time))
    return out


# -- sentences ------------------------------------------------------------------------------------------------------


MARK = re.compile(r"[\[(][^\[\]()\n]{1,40}[\])]")


def pieces(text: str, limit: int = PIECE_LIMIT) -> list[tuple[int, str]]:
    """``(offset, piece)`` covering ``text`` in order, none longer than ``limit``, so spaCy's ``max_length`` is
    never reached; a cut falls after a blank line, a line, a sentence or a space where one is in the second half.

    >>> pieces("One. Two. Three.", 10)
    [(0, 'One. Two. '), (10, 'Three.')]
    """
    out, start = [], 0
    while len(text) - start > limit:
        window = text[start:start + limit]
        cut = 0
        for mark in ("\n\n", "\n", ". ", "? ", "! ", " "):
            at = window.rfind(mark)
            if at >= limit // 2:
                cut = at + len(mark)
                break
        cut = cut or limit
        out.append((start, window[:cut]))
        start += cut
    out.append((start, text[start:]))
    return out


def _skip_space(text: str, i: int, end: int) -> int:
    while i < end and text[i].isspace():
        i += 1
    return i


def bracket_safe(text: str, spans: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Sentence spans ``(turn, start, end)`` moved so a bracketed mark is never cut and never starts a sentence.

    >>> text = "It isn't easy. [laughs] We don't have a stable workforce."
    >>> [text[s:e] for _, s, e in bracket_safe(text, [(1, 0, 16), (1, 16, 57)])]
    ["It isn't easy. [laughs]", "We don't have a stable workforce."]
    """
    out: list[list[int]] = []
    for turn, start, end in spans:
        if out and out[-1][0] == turn:
            previous = out[-1]
            for m in MARK.finditer(text, max(previous[1], previous[2] - 45), min(end, start + 45)):
                cut = m.start() < previous[2] < m.end() or m.start() < start < m.end()
                if cut or m.start() == start:
                    previous[2] = m.end()
                    start = _skip_space(text, m.end(), end)
        else:
            m = MARK.match(text, start)
            if m and m.end() < end:  # a mark opening a turn belongs to no sentence
                start = _skip_space(text, m.end(), end)
        if start >= end:
            continue
        out.append([turn, start, end])
    return [tuple(x) for x in out]


def split_sentences(text: str, turns: list[Turn], nlp) -> list[Sentence]:
    """Sentences inside each turn, by spaCy's sentencizer made bracket-safe; offsets into ``text``, white space
    trimmed. A turn longer than spaCy's limit is read in pieces cut at paragraph, line or sentence ends."""
    spans: list[tuple[int, int, int]] = []
    parts = [(turn, turn.start + offset, piece) for turn in turns
             for offset, piece in pieces(text[turn.start:turn.end], min(PIECE_LIMIT, nlp.max_length - 1))]
    docs = nlp.pipe((piece for _, _, piece in parts), batch_size=64)
    for (turn, base, _), doc in zip(parts, docs):
        for sent in doc.sents:
            start, end = base + sent.start_char, base + sent.end_char
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if end > start:
                spans.append((turn.n, start, end))
    return [Sentence(n=n, turn=turn, start=start, end=end)
            for n, (turn, start, end) in enumerate(bracket_safe(text, spans), 1)]
