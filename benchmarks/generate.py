"""Seeded generators for the benchmark: synthetic transcripts resampled from the sample corpus, and scaled codebooks.

Corpus: the sample corpus (``corpora/mash-sample``) is parsed with ipe itself into speaker turns and sentences;
synthetic interviews and field notes are then written turn by turn, each turn either a real turn of the sample
(resampled whole) or a new turn of the same length made of sentences drawn from the same kind of speaker, so the
vocabulary, the sentence lengths and the rate at which the codebook's rules fire are those of the sample. Files
are written one at a time (never held in memory) with a ``manifest.csv`` naming case, participant, role, agency and
speakers, as a real evaluation's would.

Codebook: the shipped codebook cut down to ``k`` codes (keeping the codes its theory names), or grown to ``k``
codes by deriving sub-codes of the shipped codes whose rules are realistic variations of their parent's (a subset
of its phrases, some with a synonym, a plural or a modifier; a subset of its lemmas and token patterns).

Both are deterministic for a seed::

    python benchmarks/generate.py corpus /tmp/corpus --words 1000000 --seed 1
    python benchmarks/generate.py codebook /tmp/cb-500.yaml --codes 500 --seed 1
"""

from __future__ import annotations

import argparse
import copy
import csv
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import yaml

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "corpora" / "mash-sample"
CODEBOOK = ROOT / "codebooks" / "mash-programme-theory.yaml"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # benchmark the checkout this file is in

CASES = ["ashdown", "bramwell", "corrington", "dunmere", "eastwick", "fallowfield", "greyhurst", "hartleigh"]
MODELS = {"ashdown": "risk-focused", "bramwell": "needs-and-planning", "corrington": "hybrid",
          "dunmere": "risk-focused", "eastwick": "hybrid", "fallowfield": "needs-and-planning",
          "greyhurst": "risk-focused", "hartleigh": "hybrid"}
ROLES = [("MASH manager", "social care"), ("social worker", "social care"), ("detective sergeant", "police"),
         ("safeguarding nurse", "health"), ("health visitor", "health"),
         ("designated safeguarding lead", "education"), ("early help coordinator", "early help"),
         ("parent", "parent")]
FIRST_NAMES = ["Helen", "Robert", "Priya", "Marcus", "Gemma", "Darren", "Leanne", "Bronwen", "Gareth", "Fiona",
               "Shirin", "Kayleigh", "Ruth", "Tobias", "Joanne", "Natasha", "Danielle", "Amir", "Sian", "Owen"]
# (interviewer label, respondent label or None for the respondent's first name)
LABELS = [("Interviewer", "Respondent"), ("INT", None), ("Interviewer", None), ("INTERVIEWER", None)]
_LABEL_LIKE = re.compile(r"^[A-Za-z][\w'’.\-]*(?:\s+[A-Za-z0-9][\w'’.\-]*){0,3}\s*:")


@dataclass
class SamplePools:
    """Turns and sentences of the sample corpus, by kind of speaker."""

    question_turns: list = field(default_factory=list)  # interviewer turns, each a list of sentences
    answer_turns: list = field(default_factory=list)  # other speakers' turns
    note_turns: list = field(default_factory=list)  # paragraphs of field notes (no speaker)
    answer_sentences: list = field(default_factory=list)
    note_sentences: list = field(default_factory=list)


def _clean(sentence: str) -> Optional[str]:
    sentence = " ".join(sentence.split())
    if not sentence or _LABEL_LIKE.match(sentence):
        return None  # would read as a speaker label at the start of a line
    return sentence


def sample_pools(sample: Path = SAMPLE) -> SamplePools:
    """Parse the sample corpus with ipe (turns, roles, sentences) into pools to resample from."""
    from ipe import corpus
    from ipe.nlp import blank_pipeline

    nlp = blank_pipeline(lemmas=False)
    manifest_path = sample / "manifest.csv"
    manifest = corpus.read_manifest(manifest_path)
    pools = SamplePools()
    for path in sorted(manifest):
        attrs = {k: v for k, v in manifest[path].items() if k != "file"}
        src = corpus.parse_source(path, attrs, nlp)
        by_turn: dict[int, list[str]] = {}
        for s in src.sentences:
            text = _clean(src.text[s.start:s.end])
            if text:
                by_turn.setdefault(s.turn, []).append(text)
        for turn in src.turns:
            sents = by_turn.get(turn.n)
            if not sents:
                continue
            if turn.role == "interviewer":
                pools.question_turns.append(sents)
            elif turn.speaker is None:
                pools.note_turns.append(sents)
                pools.note_sentences += sents
            else:
                pools.answer_turns.append(sents)
                pools.answer_sentences += sents
    return pools


def _turn(rng: random.Random, turns: list, sentences: list) -> list[str]:
    """A resampled turn: a real one, or one of a real one's length made of sentences drawn from the pool."""
    model = rng.choice(turns)
    if rng.random() < 0.5:
        return list(model)
    return [rng.choice(sentences) for _ in model]


def _write_paragraphs(out, label: Optional[str], sentences: list[str], rng: random.Random) -> int:
    """Write a turn (a labelled first paragraph, unlabelled continuation paragraphs); returns its word count."""
    words = 0
    first = True
    i = 0
    while i < len(sentences):
        n = len(sentences) - i if len(sentences) - i <= 6 or rng.random() < 0.6 else rng.randint(3, 6)
        para = " ".join(sentences[i:i + n])
        i += n
        if first and label:
            out.write(f"{label}: {para}\n\n")
            words += 1 + len(label.split())
        else:
            out.write(para + "\n\n")
        words += len(para.split())
        first = False
    return words


def write_corpus(folder: Path, words: int, seed: int = 1, pools: Optional[SamplePools] = None,
                 min_file_words: int = 1500, max_file_words: int = 8000) -> dict:
    """Write about ``words`` words of synthetic transcripts (``.txt``) and a ``manifest.csv`` into ``folder``.

    Returns ``{"files": n, "words": total}``. Nothing but the pools is held in memory: each file is written turn by
    turn as it is made.
    """
    rng = random.Random(seed)
    pools = pools or sample_pools()
    folder.mkdir(parents=True, exist_ok=True)
    total, n = 0, 0
    with open(folder / "manifest.csv", "w", newline="", encoding="utf-8") as mf:
        manifest = csv.writer(mf, lineterminator="\n")
        manifest.writerow(["file", "case", "participant", "role", "agency", "data_type", "mash_model", "group",
                           "speakers"])
        while total < words:
            n += 1
            case = rng.choice(CASES)
            target = min(rng.randint(min_file_words, max_file_words), words - total)
            name = f"{case[:3]}-{n:06d}.txt"
            notes = rng.random() < 0.12
            (folder / case).mkdir(exist_ok=True)
            with open(folder / case / name, "w", encoding="utf-8") as out:
                if notes:
                    out.write(f"{case.capitalize()} MASH evaluation: observation field notes {n}\n\n")
                    written = 0
                    hour = 9
                    while written < target:
                        if rng.random() < 0.15:
                            out.write(f"({hour}.{rng.randint(0, 59):02d} am)\n\n")
                            hour = min(hour + 1, 11)
                        written += _write_paragraphs(out, None, _turn(rng, pools.note_turns, pools.note_sentences), rng)
                    manifest.writerow([f"{case}/{name}", case, "", "observer", "multi-agency", "observation",
                                       MODELS[case], "practitioner", ""])
                else:
                    role, agency = rng.choice(ROLES)
                    person = rng.choice(FIRST_NAMES)
                    asker, answerer = rng.choice(LABELS)
                    answerer = answerer or person
                    out.write(f"{case.capitalize()} MASH evaluation: interview {n}\n\n")
                    written = 0
                    while written < target:
                        written += _write_paragraphs(out, asker, list(rng.choice(pools.question_turns)), rng)
                        written += _write_paragraphs(
                            out, answerer, _turn(rng, pools.answer_turns, pools.answer_sentences), rng)
                    manifest.writerow([f"{case}/{name}", case, f"{person} {n}", role, agency, "interview",
                                       MODELS[case], "parent" if role == "parent" else "practitioner",
                                       f"{asker}=interviewer;{answerer}={role}"])
            total += written
    return {"files": n, "words": total}


# -- codebooks -------------------------------------------------------------------------------------------------------

# Word-level variations practitioners use for the same thing (both directions are applied).
SYNONYMS = [
    ("information", "info"), ("information", "intelligence"), ("police", "officers"), ("police", "the police"),
    ("school", "schools"), ("school", "academy"), ("parent", "parents"), ("parents", "families"), ("mum", "mother"),
    ("dad", "father"), ("meeting", "meetings"), ("meeting", "huddle"), ("social worker", "social workers"),
    ("worker", "practitioner"), ("share", "pass on"), ("sharing", "passing on"), ("quick", "quicker"),
    ("quickly", "straight away"), ("consent", "permission"), ("referral", "referrals"), ("referral", "contact"),
    ("threshold", "thresholds"), ("health", "nhs"), ("nurse", "health visitor"), ("team", "teams"),
    ("decision", "decisions"), ("risk", "risks"), ("needs", "need"), ("early help", "family help"),
    ("strategy discussion", "strategy meeting"), ("agency", "agencies"), ("partner", "partners"),
    ("together", "alongside"), ("trust", "confidence"), ("checks", "enquiries"), ("delay", "delays"),
    ("waiting", "wait"), ("staff", "staffing"), ("children", "kids"), ("child", "young person"),
]
VARIANT_NAMES = ["as practitioners describe it", "in the daily meeting", "for parents", "across agencies",
                 "at the front door", "in practice", "in the case records", "as managers see it", "day to day"]


NOUN_ENDINGS = ("tion", "ment", "ance", "ence", "er", "or", "ist", "ing", "check", "plan", "visit", "decision",
                "referral", "concern", "record", "meeting", "contact", "form", "call", "case", "need", "issue")

NOT_NOUNS = {"over", "under", "after", "never", "other", "together", "whether", "either", "neither", "rather", "for",
             "or", "her", "their", "later", "sooner", "better", "faster", "quicker", "ever", "bring", "thing",
             "nothing", "something", "anything", "everything", "morning", "evening", "during"}


def _swap(phrase: str, rng: random.Random) -> str:
    """A realistic variation of a rule phrase: a synonym swapped in, else a noun made plural, else unchanged."""
    options = []
    for a, b in SYNONYMS:
        for old, new in ((a, b), (b, a)):
            if re.search(rf"(?<![\w-]){re.escape(old)}(?![\w-])", phrase):
                options.append((old, new))
    if options:
        old, new = rng.choice(options)
        return re.sub(rf"(?<![\w-]){re.escape(old)}(?![\w-])", new, phrase, count=1)
    last = phrase.split()[-1] if phrase.split() else ""
    if last.isalpha() and last.endswith(NOUN_ENDINGS) and not last.endswith("s") and last not in NOT_NOUNS:
        return phrase + "s"
    return phrase


def _vary(values: list, rng: random.Random, keep: float, change: float) -> list:
    chosen = [v for v in values if rng.random() < keep] or ([rng.choice(values)] if values else [])
    out = []
    for v in chosen:
        v = _swap(v, rng) if rng.random() < change else v
        if v not in out:
            out.append(v)
    return out


def _vary_pattern(pattern: list, rng: random.Random) -> list:
    """A token pattern with some ``IN`` lists thinned (still a valid pattern)."""
    pattern = copy.deepcopy(pattern)
    for token in pattern:
        for attr in ("LOWER", "LEMMA"):
            spec = token.get(attr)
            if isinstance(spec, dict) and isinstance(spec.get("IN"), list) and len(spec["IN"]) > 3:
                values = spec["IN"]
                spec["IN"] = [v for v in values if rng.random() < 0.7] or values[:1]
    return pattern


def _variant(base: dict, n: int, rng: random.Random) -> dict:
    rules = base["rules"]
    new_rules = {"unit": rules.get("unit", "sentence")}
    phrases = _vary(rules.get("phrases") or [], rng, keep=0.55, change=0.5)
    lemmas = _vary(rules.get("lemmas") or [], rng, keep=0.5, change=0.5)
    patterns = [_vary_pattern(p, rng) for p in rules.get("patterns") or [] if rng.random() < 0.35]
    if phrases:
        new_rules["phrases"] = phrases
    if lemmas:
        new_rules["lemmas"] = lemmas
    if patterns:
        new_rules["patterns"] = patterns
    if not (phrases or lemmas or patterns):
        new_rules["phrases"] = [_swap(base["name"].lower(), rng)]
    for key in ("exclude_cues", "exclude_window"):
        if key in rules:
            new_rules[key] = rules[key]
    variant = {k: base[k] for k in ("type", "description", "include", "exclude", "examples") if k in base}
    variant = {"id": f"{base['id']}-v{n}", "name": f"{base['name']} ({rng.choice(VARIANT_NAMES)})", **variant,
               "parent": base["id"], "rules": new_rules}
    if base.get("mechanism"):
        variant["mechanism"] = base["mechanism"]
    if base.get("colour"):
        variant["colour"] = base["colour"]
    return variant


class _NoAliases(yaml.SafeDumper):
    """Codebooks refuse YAML anchors and aliases, so shared values are written out each time."""

    def ignore_aliases(self, data):
        return True


def _theory_codes(data: dict) -> list[str]:
    out = []
    for t in data.get("theory") or ():
        mech = t.get("mechanism")
        mechs = list(mech.values()) if isinstance(mech, dict) else [mech]
        for cid in [t.get("context"), *mechs, t.get("outcome")]:
            if cid and cid not in out:
                out.append(cid)
    return out


def _prune(data: dict, keep: set) -> dict:
    """Drop codes not in ``keep`` and every reference to them (configurations, questions, contradicts)."""
    data["codes"] = [c for c in data["codes"] if c["id"] in keep]
    for c in data["codes"]:
        if c.get("parent") and c["parent"] not in keep:
            del c["parent"]
        if c.get("contradicts"):
            c["contradicts"] = [x for x in c["contradicts"] if x in keep]
            if not c["contradicts"]:
                del c["contradicts"]
    theory = []
    ids = set()
    for t in data.get("theory") or ():
        mech = t.get("mechanism")
        mechs = list(mech.values()) if isinstance(mech, dict) else [mech]
        if all(x in keep for x in [t["context"], t["outcome"], *mechs]):
            theory.append(t)
            ids.add(t["id"])
    for t in theory:
        if t.get("chain_from") and t["chain_from"] not in ids:
            del t["chain_from"]
    data["theory"] = theory
    questions = []
    for q in data.get("research_questions") or ():
        q["codes"] = [c for c in q["codes"] if c in keep]
        if q["codes"]:
            questions.append(q)
    data["research_questions"] = questions
    return data


def scaled_codebook(codes: int, seed: int = 1, source: Path = CODEBOOK) -> str:
    """The shipped codebook scaled to ``codes`` codes, as YAML text that ``ipe.codebook.loads`` accepts."""
    from ipe import codebook as codebook_module

    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    shipped = data["codes"]
    themes = [c for c in shipped if c["type"] == "theme"]
    coded = [c for c in shipped if c["type"] != "theme"]
    if codes < len(themes) + 1:
        raise ValueError(f"at least {len(themes) + 1} codes")
    if codes <= len(shipped):
        wanted = codes - len(themes)
        order = _theory_codes(data)
        keep = [cid for cid in order][:wanted]
        for c in coded:  # then the others in codebook order
            if len(keep) >= wanted:
                break
            if c["id"] not in keep:
                keep.append(c["id"])
        data = _prune(data, {c["id"] for c in themes} | set(keep))
    else:
        extra = []
        for i in range(codes - len(shipped)):
            base = coded[i % len(coded)]
            extra.append(_variant(base, i // len(coded) + 1, rng))
        data["codes"] = shipped + extra
    data["label"] = f"benchmark-{codes}-codes-seed-{seed}"
    text = yaml.dump(data, Dumper=_NoAliases, sort_keys=False, allow_unicode=True, width=120)
    cb = codebook_module.loads(text, f"<benchmark codebook {codes}>")  # raises on any problem
    assert len(cb.codes) == codes, (len(cb.codes), codes)
    return text


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    c = sub.add_parser("corpus", help="write a synthetic corpus into a folder")
    c.add_argument("folder", type=Path)
    c.add_argument("--words", type=int, default=100_000)
    c.add_argument("--seed", type=int, default=1)
    b = sub.add_parser("codebook", help="write a scaled codebook")
    b.add_argument("file", type=Path)
    b.add_argument("--codes", type=int, default=50)
    b.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.what == "corpus":
        print(write_corpus(args.folder, args.words, args.seed))
    else:
        args.file.write_text(scaled_codebook(args.codes, args.seed), encoding="utf-8")
        print(f"{args.codes} codes -> {args.file}")


if __name__ == "__main__":
    main()
