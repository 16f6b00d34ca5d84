"""Auto-coding with spaCy matchers compiled from a codebook, and placing human codings in the text.

The coder is a registered spaCy component (``ipe_coder``) that writes ``doc.spans["ipe"]``: one span per code and
unit, labelled with the code id, whose ``id_`` names the rule(s) that fired. It can be used in any pipeline::

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("ipe_lemmatizer")
    nlp.initialize()
    nlp.add_pipe("ipe_coder", config={"codebook": "codebooks/mash-programme-theory.yaml"})
    doc = nlp("We share information with the police every morning.")
    [(s.label_, s.text) for s in doc.spans["ipe"]]

Inside ipe each Doc is one speaker turn, so the ``turn`` unit is the whole Doc.
"""

from __future__ import annotations

import bisect
import collections
import json
import multiprocessing
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Optional

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span, SpanGroup

from ipe import nlp as _nlp  # noqa: F401 - registers the ipe_lemmatizer factory
from ipe.errors import IpeError
from ipe.patterns import FLAG_ATTRS, TEXT_KEY, VALUE_ATTRS, DocArrays, required_values, simple_pattern
from ipe.records import Codebook, Rules, Turn

SPANS_KEY = "ipe"
SPEAKER_ATTR = "ipe_speaker"  # Doc extension: the turn's Speaker, for rules restricted by actor
if not Doc.has_extension(SPEAKER_ATTR):
    Doc.set_extension(SPEAKER_ATTR, default=None)


@dataclass(frozen=True)
class Speaker:
    """Who speaks a turn, as far as rules restricted by actor (``roles``, ``agencies``, ``exclude_roles``) ask."""

    role: Optional[str] = None
    agency: Optional[str] = None


def speaker_of(turn: Turn, attributes: dict) -> Speaker:
    """A turn's speaker: its role, and its source's ``agency`` attribute unless the interviewer is speaking.

    The agency describes the participant (or the setting: ``multi-agency`` for an observed meeting), never the
    researcher asking the questions.
    """
    agency = None if turn.role == "interviewer" else (attributes.get("agency") or None)
    return Speaker(role=turn.role, agency=agency)


def _names(wanted: str, actual: Optional[str]) -> bool:
    """Whether ``actual`` (a role or agency) contains the words of ``wanted`` in order, ignoring case and hyphens.

    >>> _names("social worker", "Senior Social Worker"), _names("police", "police representative"), _names("nurse", None)
    (True, True, False)
    """
    if not actual:
        return False
    have = actual.lower().replace("-", " ").split()
    want = wanted.lower().replace("-", " ").split()
    return any(have[i:i + len(want)] == want for i in range(len(have) - len(want) + 1))


def actor_allows(rules: Rules, speaker: Optional[Speaker]) -> bool:
    """Whether a code's rules may code a turn of ``speaker`` (None: not known).

    An excluded role always wins. With ``roles`` or ``agencies`` the speaker's role must name one of the roles or the
    agency one of the agencies; an unknown speaker names none, so a restricted code is not applied where nobody knows
    who is speaking.
    """
    role = speaker.role if speaker else None
    agency = speaker.agency if speaker else None
    if any(_names(r, role) for r in rules.exclude_roles):
        return False
    if rules.roles or rules.agencies:
        return any(_names(r, role) for r in rules.roles) or any(_names(a, agency) for a in rules.agencies)
    return True


class CompiledCodebook:
    """A codebook's rules as spaCy matchers over one vocabulary, with a map from match key to (code, rule)."""

    def __init__(self, nlp: Language, codebook: Codebook):
        self.codebook = codebook
        strings = nlp.vocab.strings
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.lemmas = PhraseMatcher(nlp.vocab, attr="LEMMA")
        # Token patterns that name no value a turn must contain always run; the others run only on turns holding
        # every value their required tokens need (spaCy's Matcher costs tokens x patterns, so skipping matters).
        self.patterns = Matcher(nlp.vocab, validate=True)
        self.gated: list[_Gated] = []
        self.rule_of: dict[int, tuple[str, str]] = {}
        self.units: dict[str, str] = {}
        self.cues: dict[str, list[tuple[tuple[str, ...], tuple[int, ...]]]] = {}
        self.windows: dict[str, Optional[int]] = {}
        self.order = {c.id: i for i, c in enumerate(codebook.codes)}
        self.actors = {c.id: c.rules for c in codebook.codes if c.rules.restricted}
        self._allowed: dict[tuple, bool] = {}
        # An outcome is only evidenced when it happened: a wish or a "should have" is not the outcome, and a negated
        # outcome ("we did not share it in time") is evidence of its twin, when the codebook names exactly one.
        self.outcomes = {c.id for c in codebook.codes if c.type == "outcome"}
        self.twins = {c.id: c.contradicts[0] for c in codebook.codes
                      if c.type == "outcome" and len(c.contradicts) == 1 and not codebook.code(c.contradicts[0]).rules.empty}
        self.counterfactual = [(cue, tuple(strings.add(w) for w in cue)) for cue in COUNTERFACTUAL_CUES]
        lemma_texts = []
        cue_words: dict[str, tuple] = {}
        for code in codebook.codes:
            rules = code.rules
            if rules.empty:
                continue
            self.units[code.id] = rules.unit
            self.windows[code.id] = rules.exclude_window
            # Codes share their cues (sub-codes their parent's), so each distinct cue is tokenised once.
            for cue in rules.exclude_cues:
                if cue not in cue_words:
                    cue_words[cue] = _cue(nlp, cue)
            self.cues[code.id] = [cue_words[cue] for cue in rules.exclude_cues]
            for phrase in rules.phrases:
                key = self._key(nlp, code.id, f"phrase:{phrase}")
                self.phrases.add(key, [nlp.make_doc(phrase)])
            for lemma in rules.lemmas:
                lemma_texts.append((code.id, lemma))
            for i, pattern in enumerate(rules.patterns):
                key = self._key(nlp, code.id, f"pattern:{i + 1}")
                tokens = json.loads(pattern)
                needs = required_values(tokens)
                if needs:
                    self.gated.append(_Gated(nlp, key, needs, tokens))
                else:
                    self.patterns.add(key, [tokens])
        used = {attr for gated in self.gated for attr, _ in gated.needs}
        used |= {attr for gated in self.gated if gated.simple for _, tests in gated.simple.steps for attr, _ in tests}
        self.array_attrs = tuple(a for a in (*_ARRAY_ATTRS, *FLAG_ATTRS) if a in used)
        # Patterns that share an anchor (sub-codes reuse their parent's words) are found and placed together.
        groups: dict[tuple, list[_Gated]] = {}
        for gated in self.gated:
            groups.setdefault(gated.anchor, []).append(gated)
        self.groups = list(groups.items())
        self.by_anchor: dict[str, dict[int, list[int]]] = {}
        for i, ((attr, hashes), _) in enumerate(self.groups):
            for h in hashes:
                self.by_anchor.setdefault(attr, {}).setdefault(h, []).append(i)
        lemma_docs = _lemmatise(nlp, [t for _, t in lemma_texts])
        for (code_id, text), doc in zip(lemma_texts, lemma_docs):
            key = self._key(nlp, code_id, f"lemma:{text}")
            self.lemmas.add(key, [doc])

    def allows(self, code_id: str, speaker: Optional[Speaker]) -> bool:
        """Whether ``code_id``'s actor restrictions let it code a turn of ``speaker``."""
        rules = self.actors.get(code_id)
        if rules is None:
            return True
        # A corpus has few distinct speakers and every hit asks: the answer is worked out once per pair.
        key = (code_id, speaker)
        allowed = self._allowed.get(key)
        if allowed is None:
            allowed = self._allowed[key] = actor_allows(rules, speaker)
        return allowed

    def _key(self, nlp: Language, code_id: str, rule: str) -> str:
        key = f"{code_id}\t{rule}"
        self.rule_of[nlp.vocab.strings.add(key)] = (code_id, rule)
        return key

    def matches(self, doc: Doc, arrays: Optional[DocArrays] = None) -> list[tuple[str, str, int, int]]:
        """``(code id, rule, start token, end token)`` for every rule hit that no exclusion cue suppresses.

        ``arrays`` are the Doc's :class:`~ipe.patterns.DocArrays` when the caller has them already.
        """
        arrays = arrays if arrays is not None else DocArrays(doc, self.array_attrs)
        found = []
        hits = [h for m in (self.phrases, self.lemmas, self.patterns) if len(m) for h in m(doc)]
        if self.gated:
            # Only patterns whose anchor value occurs in the turn can match; check just those.
            candidates = {i for attr, anchors in self.by_anchor.items()
                          for h in anchors.keys() & arrays.present[attr] for i in anchors[h]}
            for i in sorted(candidates):
                anchor, group = self.groups[i]
                positions = arrays.where(*anchor)
                for gated in group:
                    if arrays.holds(gated.needs):
                        hits += gated.matches(doc, arrays, positions)
        for key, start, end in hits:
            code_id, rule = self.rule_of[key]
            if code_id in self.outcomes and self._counterfactual(arrays, start):
                continue
            if self.cues.get(code_id):
                cue = self._excluded(arrays, code_id, start, end)
                if cue is not None:
                    twin = self.twins.get(code_id)
                    if twin and cue in NEGATION_CUES:
                        found.append((twin, f"negated {rule}", start, end))
                    continue
            found.append((code_id, rule, start, end))
        found.sort(key=lambda m: (m[2], m[3], self.order[m[0]], m[1]))
        return found

    def _excluded(self, arrays: DocArrays, code_id: str, start: int, end: int) -> Optional[tuple]:
        """The first exclusion cue of ``code_id`` near the hit, or None."""
        cues = arrays.cues_present(code_id, self.cues.get(code_id, ()))
        if not cues:
            return None
        sent_start, sent_end = arrays.sentence(start)
        window = self.windows.get(code_id)
        lo = sent_start if window is None else max(sent_start, start - window)
        hi = sent_end if window is None else min(sent_end, end + window)
        # Cues inside the hit itself do not count: a phrase like "no early help" is meant as written.
        return next((words for words, cue in cues if arrays.has_cue(cue, lo, start) or arrays.has_cue(cue, end, hi)),
                    None)

    def _counterfactual(self, arrays: DocArrays, start: int) -> bool:
        cues = arrays.cues_present(None, self.counterfactual)
        if not cues:
            return False
        sent_start, _ = arrays.sentence(start)
        return any(arrays.has_cue(cue, sent_start, start) for _, cue in cues)


# Negations and deficits that turn an outcome into its twin ("not told" -> parents excluded); other exclusion cues
# (a word in another sense: "NHS trust", "the kids") only drop the hit.
NEGATION_CUES = {(w,) for w in ("not", "n't", "n’t", "never", "nobody", "noone", "nothing", "no", "without",
                                "lack", "lacked", "lacking", "delay", "delays", "delayed", "late", "slow", "slower",
                                "lost", "low", "wait", "waiting", "waited")} | {("no", "one")}
# Before an outcome in its sentence, these make it a wish or a hypothesis, not something that happened.
COUNTERFACTUAL_CUES = tuple(tuple(c.split()) for c in (
    "would have", "could have", "should have", "might have", "would've", "could've", "should've", "would be",
    "needed to be", "need to be", "needs to be", "wish", "wished", "wishes", "if only", "ought to", "hope",
    "hoped", "were more", "if we had", "if they had", "if someone had", "if somebody had"))

_ARRAY_ATTRS = ("LOWER", "LEMMA", "ORTH", "NORM")


class _Gated:
    """A token pattern with the values it requires, run only around the places its rarest required value occurs.

    A match must contain a token holding that value, and a pattern without ``*``, ``+`` or ``{}`` operators is at
    most as long as its list of tokens, so every match lies within that distance of such a token. Patterns of exact
    values are matched over the Doc's arrays (:class:`~ipe.patterns.SimplePattern`), others by spaCy's ``Matcher``.
    """

    def __init__(self, nlp: Language, key: str, needs: tuple, tokens: list):
        strings = nlp.vocab.strings
        self.key = strings.add(key)
        # Rarest first (fewest stop words, then fewest values): the anchor is what selects the pattern for a turn,
        # and a turn usually lacks the rarest requirement, so checking it first ends the check soonest.
        stop = nlp.Defaults.stop_words  # what Lexeme.is_stop asks, without making a lexeme per value
        rarity = {need: (sum(v.lower() in stop for v in need[1]), len(need[1])) for need in needs}
        needs = sorted(needs, key=lambda need: rarity[need])
        self.needs = tuple((VALUE_ATTRS[attr], frozenset(strings.add(v) for v in values)) for attr, values in needs)
        self.anchor = self.needs[0]
        self.simple = simple_pattern(tokens, strings)
        self.matcher = None
        if self.simple is None:
            self.matcher = Matcher(nlp.vocab, validate=True)
            self.matcher.add(key, [tokens])
        unbounded = any(t.get("OP") in ("*", "+") or str(t.get("OP", "")).startswith("{") for t in tokens)
        self.reach = None if unbounded else len(tokens)

    def matches(self, doc: Doc, arrays: DocArrays, anchors: list[int]) -> list[tuple[int, int, int]]:
        """``(key, start, end)`` of every match; ``anchors`` are where the anchor value stands in the Doc."""
        if self.simple is not None:
            return [(self.key, start, end) for start, end in self.simple.matches(arrays, self.anchor, anchors)]
        if self.reach is None:
            return list(self.matcher(doc))
        windows: list[list[int]] = []
        for p in anchors:
            lo, hi = max(0, p - self.reach + 1), min(arrays.length, p + self.reach)
            if windows and lo <= windows[-1][1]:
                windows[-1][1] = max(windows[-1][1], hi)
            else:
                windows.append([lo, hi])
        found = set()
        for lo, hi in windows:
            found.update((key, lo + start, lo + end) for key, start, end in self.matcher(doc[lo:hi]))
        return sorted(found, key=lambda m: (m[1], m[2]))


def _cue(nlp: Language, text: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """An exclusion cue as its lower-case words and their string hashes."""
    words = tuple(t.lower_ for t in nlp.make_doc(text))
    return words, tuple(nlp.vocab.strings.add(w) for w in words)


def _lemmatise(nlp: Language, texts: list[str]) -> list[Doc]:
    """Run the pipeline's lemmatiser (and what it needs) on rule texts, so rules and documents agree."""
    lemmatiser = next((n for n in ("ipe_lemmatizer", "lemmatizer") if n in nlp.pipe_names), None)
    if lemmatiser is None:
        raise IpeError("the spaCy pipeline has no lemmatiser, so lemma rules cannot be matched")
    names = nlp.pipe_names
    keep = names[: names.index(lemmatiser) + 1]
    with nlp.select_pipes(enable=keep):
        return list(nlp.pipe(texts))


class CodebookCoder:
    """The ``ipe_coder`` spaCy component: codes a Doc against a codebook into ``doc.spans[spans_key]``."""

    def __init__(self, nlp: Language, name: str = "ipe_coder", codebook: Optional[str] = None,
                 spans_key: str = SPANS_KEY):
        self.nlp = nlp
        self.name = name
        self.spans_key = spans_key
        self.compiled: Optional[CompiledCodebook] = None
        self.codebook_path = codebook
        if codebook:
            from ipe import codebook as codebook_module

            self.set_codebook(codebook_module.load(codebook))

    def set_codebook(self, codebook: Codebook) -> "CodebookCoder":
        self.compiled = CompiledCodebook(self.nlp, codebook)
        return self

    def __call__(self, doc: Doc) -> Doc:
        if self.compiled is None:
            raise IpeError("the ipe_coder component has no codebook (give config codebook=PATH or call set_codebook)")
        doc.spans[self.spans_key] = SpanGroup(doc, name=self.spans_key, spans=self.unit_spans(doc))
        return doc

    def unit_spans(self, doc: Doc) -> list[Span]:
        """One span per (code, unit): each hit widened to its code's unit, the rules that fired in its ``id_``."""
        hits: dict[tuple[int, int, str], list[str]] = {}
        speaker = doc._.get(SPEAKER_ATTR)
        arrays = DocArrays(doc, self.compiled.array_attrs)
        for code_id, rule, start, end in self.compiled.matches(doc, arrays):
            if not self.compiled.allows(code_id, speaker):
                continue
            if self.compiled.units.get(code_id) == "turn" or not arrays.sentenced:
                lo, hi = 0, len(doc)
            else:
                lo, hi = arrays.sentence(start)
            rules = hits.setdefault((lo, hi, code_id), [])
            if rule not in rules:
                rules.append(rule)
        spans = []
        for (lo, hi, code_id), rules in sorted(hits.items(), key=lambda kv: (kv[0][0], kv[0][1], self.compiled.order[kv[0][2]])):
            span = arrays.trimmed(lo, hi)
            if span is not None:
                spans.append(Span(doc, span[0], span[1], label=code_id, span_id="; ".join(rules[:3])))
        return spans

    def to_disk(self, path, exclude=()):
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "codebook.yaml").write_text(self.compiled.codebook.document if self.compiled else "", encoding="utf-8")
        (path / "cfg.json").write_text(json.dumps({"spans_key": self.spans_key}), encoding="utf-8")

    def from_disk(self, path, exclude=()):
        from ipe import codebook as codebook_module

        path = Path(path)
        self.spans_key = json.loads((path / "cfg.json").read_text(encoding="utf-8"))["spans_key"]
        text = (path / "codebook.yaml").read_text(encoding="utf-8")
        if text:
            self.set_codebook(codebook_module.loads(text, str(path / "codebook.yaml")))
        return self


@Language.factory("ipe_coder", default_config={"codebook": None, "spans_key": SPANS_KEY})
def make_coder(nlp: Language, name: str, codebook: Optional[str], spans_key: str) -> CodebookCoder:
    return CodebookCoder(nlp, name, codebook=codebook, spans_key=spans_key)


def coding_pipeline(codebook: Codebook, model: Optional[str] = None) -> Language:
    """A pipeline (blank English, or an installed ``model``) with the ``ipe_coder`` component for ``codebook``.

    Built once per process for each codebook (by its content hash) and model: building the tokenizer and the lemma
    tables takes over a second, and nothing changes a pipeline once it is built.
    """
    if not codebook.content_hash:
        return _coding_pipeline(codebook, model)
    key = (codebook.content_hash, model)
    if key not in _PIPELINES:
        if len(_PIPELINES) >= _PIPELINES_KEPT:
            _PIPELINES.pop(next(iter(_PIPELINES)))
        _PIPELINES[key] = _coding_pipeline(codebook, model)
    return _PIPELINES[key]


_PIPELINES: dict = {}
_PIPELINES_KEPT = 4


def _coding_pipeline(codebook: Codebook, model: Optional[str]) -> Language:
    from ipe.nlp import blank_pipeline, installed_pipeline

    nlp = installed_pipeline(model) if model else blank_pipeline()
    nlp.add_pipe("ipe_coder", config={"spans_key": SPANS_KEY}).set_codebook(codebook)
    return nlp


def code_turns(nlp: Language, items: Iterable[tuple[str, tuple]], batch_size: int = 256, n_process: int = 1,
               speaker: Optional[Callable[[tuple], Optional[Speaker]]] = None):
    """Auto-code texts; ``items`` are ``(turn text, context)`` and each result is ``(context, [(start, end, code, rule)])``.

    Offsets are character offsets into the turn text. Results come in the order of ``items``. ``speaker(context)``
    says who speaks each turn, for codes whose rules are restricted by actor (without it, or where it gives None,
    codes restricted to roles or agencies are not applied). With ``n_process`` above 1, forked workers code batches and
    send back only the hits (spaCy's own ``n_process`` sends back every Doc, which the parent must then rebuild,
    so it gains little).
    """
    if speaker is not None:
        items = (((text, speaker(context)), context) for text, context in items)
    if n_process <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        docs = ((_turn_doc(nlp, text), context) for text, context in items)
        for doc, context in nlp.pipe(docs, as_tuples=True, batch_size=batch_size, n_process=n_process):
            yield context, _hits(doc)
        return
    global _WORKER_NLP
    _WORKER_NLP = nlp  # inherited by the forked workers, so the pipeline is not pickled
    try:
        with multiprocessing.get_context("fork").Pool(n_process) as pool:
            pending: collections.deque = collections.deque()
            for batch in _batches(items, batch_size):
                pending.append(pool.apply_async(_code_batch, (batch,)))
                while len(pending) > 2 * n_process:
                    yield from pending.popleft().get()
            while pending:
                yield from pending.popleft().get()
    finally:
        _WORKER_NLP = None


_WORKER_NLP: Optional[Language] = None


def _hits(doc: Doc) -> list[tuple[int, int, str, str]]:
    return [(s.start_char, s.end_char, s.label_, s.id_) for s in doc.spans[SPANS_KEY]]


def _batches(items: Iterable, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _turn_doc(nlp: Language, text) -> Doc:
    """A turn as it goes into the pipeline: a Doc that keeps its text, and its Speaker when ``text`` is a pair."""
    text, speaker = (text, None) if isinstance(text, str) else text
    doc = nlp.make_doc(text)
    doc.user_data[TEXT_KEY] = text  # so the coder never rebuilds it from the tokens (doc.text)
    if speaker is not None:
        doc._.set(SPEAKER_ATTR, speaker)
    return doc


def _code_batch(batch: list) -> list:
    texts = [_turn_doc(_WORKER_NLP, text) for text, _ in batch]
    return [(context, _hits(doc)) for (_, context), doc in zip(batch, _WORKER_NLP.pipe(texts))]


def turn_at(turn_starts: list[int], offset: int) -> int:
    """Index of the turn containing ``offset`` given the sorted turn start offsets."""
    return max(0, bisect.bisect_right(turn_starts, offset) - 1)
