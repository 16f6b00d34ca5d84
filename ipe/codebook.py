"""Programme-theory codebooks: load from YAML, validate (every problem at once), describe."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Optional

import networkx as nx
import yaml

from ipe import limits, strict_yaml
from ipe.errors import CodebookError
from ipe.records import (
    CODE_TYPES,
    MECHANISM_KINDS,
    UNITS,
    Code,
    Codebook,
    Configuration,
    ResearchQuestion,
    Rules,
)

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
COLOUR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
CODE_KEYS = {
    "id", "name", "type", "mechanism", "parent", "colour", "description", "include", "exclude", "examples",
    "contradicts", "rules",
}
RULE_KEYS = {"unit", "phrases", "lemmas", "patterns", "exclude_cues", "exclude_window", "roles", "agencies",
             "exclude_roles"}
ACTOR_KEYS = ("roles", "agencies", "exclude_roles")  # whose speech a code's rules apply to
TOP_KEYS = {"name", "label", "description", "codes", "theory", "research_questions"}
CONFIG_KEYS = {"id", "context", "mechanism", "outcome", "statement", "chain_from"}
RQ_KEYS = {"id", "question", "codes"}


def read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > limits.MAX_CODEBOOK_BYTES:
            raise CodebookError(path, [f"file too large ({size:,} bytes; the limit is {limits.MAX_CODEBOOK_BYTES:,})"])
        data = path.read_bytes()
    except OSError as exc:
        raise CodebookError(path, [f"cannot read the file ({exc.strerror})"]) from None
    try:
        return data.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        raise CodebookError(path, [f"not UTF-8 text (byte {exc.start})"]) from None


def load(path: str | Path) -> Codebook:
    """Load and validate a codebook file; raise :class:`CodebookError` listing every problem."""
    path = Path(path)
    return loads(read_text(path), str(path))


def loads(text: str, path: str = "<codebook>", patterns: bool = True) -> Codebook:
    """Parse and validate codebook YAML text.

    ``patterns=False`` leaves the token patterns unchecked by spaCy's matcher (see :func:`stored`).
    """
    data = strict_yaml.parse(text, path)
    problems = validate_data(data, patterns)
    if problems:
        raise CodebookError(path, problems)
    return _build(data, text)


def stored(document: str, label: str) -> Codebook:
    """A codebook the store holds, read back.

    Only a validated :class:`Codebook` is ever stored, so its token patterns are not handed to spaCy's matcher
    again: that check loads spaCy (about 250 MB and seconds) into processes that only read, such as the tables,
    search or the workbench. Everything else is checked as for a file.
    """
    return loads(document, label, patterns=False)


def content_hash(data) -> str:
    """A hash of what the codebook says (not how it is laid out), so comments do not make a new version."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _strings(value) -> tuple:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _actors(value) -> tuple:
    """Roles or agencies as written, compared later without case or extra spaces."""
    return tuple(" ".join(v.lower().split()) for v in _strings(value))


def _build(data: dict, text: str) -> Codebook:
    codes = []
    for raw in data["codes"]:
        rules_raw = raw.get("rules") or {}
        rules = Rules(
            unit=rules_raw.get("unit", "sentence"),
            phrases=_strings(rules_raw.get("phrases")),
            lemmas=_strings(rules_raw.get("lemmas")),
            patterns=tuple(json.dumps(p, sort_keys=True) for p in rules_raw.get("patterns") or ()),
            exclude_cues=_strings(rules_raw.get("exclude_cues")),
            exclude_window=rules_raw.get("exclude_window"),
            roles=_actors(rules_raw.get("roles")), agencies=_actors(rules_raw.get("agencies")),
            exclude_roles=_actors(rules_raw.get("exclude_roles")),
        )
        codes.append(
            Code(
                id=raw["id"], name=str(raw["name"]), type=raw["type"], description=str(raw.get("description", "")),
                include=str(raw.get("include", "")), exclude=str(raw.get("exclude", "")),
                examples=_strings(raw.get("examples")), parent=raw.get("parent"), mechanism=raw.get("mechanism"),
                colour=raw.get("colour"), contradicts=_strings(raw.get("contradicts")), rules=rules,
            )
        )
    theory = []
    for raw in data.get("theory") or ():
        mech = raw.get("mechanism")
        theory.append(
            Configuration(
                id=raw["id"], context=raw["context"], outcome=raw["outcome"], statement=str(raw["statement"]).strip(),
                mechanism=mech if isinstance(mech, str) else None,
                resource=mech.get("resource") if isinstance(mech, dict) else None,
                response=mech.get("response") if isinstance(mech, dict) else None,
                chain_from=raw.get("chain_from"),
            )
        )
    questions = [
        ResearchQuestion(id=raw["id"], question=str(raw["question"]).strip(), codes=_strings(raw.get("codes")))
        for raw in data.get("research_questions") or ()
    ]
    return Codebook(
        name=str(data["name"]), codes=tuple(codes), theory=tuple(theory), research_questions=tuple(questions),
        label=str(data.get("label", "")), description=str(data.get("description", "")).strip(),
        content_hash=content_hash(data), document=text,
    )


# -- validation ------------------------------------------------------------------------------------------------------


def validate_data(data, patterns: bool = True) -> list[str]:
    """Every problem in a parsed codebook, each naming the code (or configuration, question) and the field;
    ``patterns=False`` leaves token patterns to be checked where they are compiled."""
    if not isinstance(data, dict):
        return ["the file must be a mapping with 'name' and 'codes'"]
    problems = [f"unknown top-level key '{k}'" for k in sorted(set(data) - TOP_KEYS, key=str)]
    if not data.get("name"):
        problems.append("missing 'name'")
    codes = data.get("codes")
    if not isinstance(codes, list) or not codes:
        return problems + ["'codes' must be a non-empty list"]
    by_id: dict[str, dict] = {}
    for i, raw in enumerate(codes):
        if not isinstance(raw, dict):
            problems.append(f"codes[{i}]: each code must be a mapping")
            continue
        cid = raw.get("id")
        if not isinstance(cid, str) or not ID_RE.match(cid):
            problems.append(f"codes[{i}].id: '{cid}' is not a valid id (lower-case letters, digits, hyphens)")
            continue
        if cid in by_id:
            problems.append(f"{cid}.id: duplicate id")
            continue
        by_id[cid] = raw
    for cid, raw in by_id.items():
        problems += _validate_code(cid, raw, by_id)
    problems += _hierarchy_cycles(by_id)
    if patterns:
        problems += _validate_patterns(by_id)
    problems += _validate_theory(data.get("theory"), by_id)
    problems += _validate_questions(data.get("research_questions"), by_id)
    return problems


def _validate_code(cid: str, raw: dict, by_id: dict) -> list[str]:
    out = [f"{cid}: unknown field '{k}'" for k in sorted(set(raw) - CODE_KEYS, key=str)]
    ctype = raw.get("type")
    if ctype not in CODE_TYPES:
        out.append(f"{cid}.type: '{ctype}' is not one of {', '.join(CODE_TYPES)}")
    if not raw.get("name"):
        out.append(f"{cid}.name: missing")
    for key in ("description", "include", "exclude"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            out.append(f"{cid}.{key}: missing or empty")
    if ctype != "theme":
        examples = raw.get("examples")
        if not isinstance(examples, list) or not examples or not all(isinstance(e, str) and e.strip() for e in examples):
            out.append(f"{cid}.examples: give at least one example as a list of strings")
    mech = raw.get("mechanism")
    if mech is not None and (ctype != "mechanism" or mech not in MECHANISM_KINDS):
        out.append(f"{cid}.mechanism: '{mech}' allowed only on mechanism codes, as resource or response")
    parent = raw.get("parent")
    if parent is not None and parent not in by_id:
        out.append(f"{cid}.parent: unknown code '{parent}'")
    colour = raw.get("colour")
    if colour is not None and not (isinstance(colour, str) and COLOUR_RE.match(colour)):
        out.append(f"{cid}.colour: '{colour}' is not #RRGGBB")
    for other in _one_or_many(raw.get("contradicts")):
        if other not in by_id:
            out.append(f"{cid}.contradicts: unknown code '{other}'")
    rules = raw.get("rules")
    if ctype == "theme" and rules is None:
        return out
    if not isinstance(rules, dict):
        return out + [f"{cid}.rules: missing (every code except themes needs auto-coding rules)"]
    out += [f"{cid}.rules: unknown field '{k}'" for k in sorted(set(rules) - RULE_KEYS, key=str)]
    if rules.get("unit", "sentence") not in UNITS:
        out.append(f"{cid}.rules.unit: '{rules.get('unit')}' is not one of {', '.join(UNITS)}")
    for key in ("phrases", "lemmas", "exclude_cues") + ACTOR_KEYS:
        value = rules.get(key)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
        ):
            out.append(f"{cid}.rules.{key}: must be a list of non-empty strings")
    patterns = rules.get("patterns")
    if patterns is not None and not (isinstance(patterns, list) and all(isinstance(p, list) and p for p in patterns)):
        out.append(f"{cid}.rules.patterns: must be a list of token patterns (each a non-empty list)")
    window = rules.get("exclude_window")
    if window is not None and (not isinstance(window, int) or isinstance(window, bool) or window < 1):
        out.append(f"{cid}.rules.exclude_window: must be a positive whole number")
    if not any(rules.get(k) for k in ("phrases", "lemmas", "patterns")):
        out.append(f"{cid}.rules: empty (give phrases, lemmas or patterns)")
    return out + _validate_actors(cid, rules)


def _validate_actors(cid: str, rules: dict) -> list[str]:
    """A role both required and excluded can never be coded, so it is a mistake in the file, not a choice."""
    def words(key):
        value = rules.get(key)
        return {" ".join(v.lower().split()) for v in value if isinstance(v, str)} if isinstance(value, list) else set()

    empty = [f"{cid}.rules.{key}: empty list (name at least one, or leave the field out)"
             for key in ACTOR_KEYS if rules.get(key) == []]
    both = sorted(words("roles") & words("exclude_roles"))
    return empty + [f"{cid}.rules.exclude_roles: '{role}' is also in roles, so the code could never apply" for role in both]


def _one_or_many(value) -> list:
    """A YAML value given as one item or as a list of them, as a list."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value) if isinstance(value, list) else [value]


def _hierarchy_cycles(by_id: dict) -> list[str]:
    out, reported = [], set()
    for start in by_id:
        seen, current = [], start
        while current in by_id and current not in seen:
            seen.append(current)
            current = by_id[current].get("parent")
        if current in seen:
            cycle = tuple(sorted(seen[seen.index(current):]))
            if cycle not in reported:
                reported.add(cycle)
                out.append(f"{current}.parent: cycle in the hierarchy ({' -> '.join(seen[seen.index(current):] + [current])})")
    return out


def _validate_patterns(by_id: dict) -> list[str]:
    """Let spaCy's own matcher validation judge each token pattern."""
    pattern_sets = [
        (cid, i, p)
        for cid, raw in by_id.items()
        if isinstance(raw.get("rules"), dict) and isinstance(raw["rules"].get("patterns"), list)
        for i, p in enumerate(raw["rules"]["patterns"])
        if isinstance(p, list) and p
    ]
    if not pattern_sets:
        return []
    from spacy.matcher import Matcher
    from spacy.vocab import Vocab

    matcher = Matcher(Vocab(), validate=True)
    out = []
    for cid, i, pattern in pattern_sets:
        try:
            matcher.add(f"{cid}:{i}", [pattern])
        except Exception as exc:  # spaCy raises MatchPatternError or ValueError with its own explanation
            detail = " ".join(str(exc).split())
            out.append(f"{cid}.rules.patterns[{i}]: invalid token pattern ({detail[:300]})")
    return out


def _type_of(by_id: dict, cid) -> Optional[str]:
    raw = by_id.get(cid) if isinstance(cid, str) else None
    return raw.get("type") if raw else None


def _validate_theory(theory, by_id: dict) -> list[str]:
    if theory is None:
        return []
    if not isinstance(theory, list):
        return ["theory: must be a list of configurations"]
    out, ids = [], set()
    for i, raw in enumerate(theory):
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            out.append(f"theory[{i}]: each configuration must be a mapping with an 'id'")
            continue
        tid = raw["id"]
        if tid in ids:
            out.append(f"{tid}.id: duplicate configuration id")
        ids.add(tid)
        out += [f"{tid}: unknown field '{k}'" for k in sorted(set(raw) - CONFIG_KEYS, key=str)]
        for part, wanted in (("context", "context"), ("outcome", "outcome")):
            out += _check_ref(tid, part, raw.get(part), wanted, by_id)
        mech = raw.get("mechanism")
        if isinstance(mech, dict):
            unknown = set(mech) - set(MECHANISM_KINDS)
            if unknown or not mech:
                out.append(f"{tid}.mechanism: a pair must have only 'resource' and 'response'")
            for kind in MECHANISM_KINDS:
                if kind in mech:
                    out += _check_ref(tid, f"mechanism.{kind}", mech[kind], "mechanism", by_id)
                    declared = (by_id.get(mech[kind]) or {}).get("mechanism")
                    if declared and declared != kind:
                        out.append(f"{tid}.mechanism.{kind}: '{mech[kind]}' is a {declared} mechanism")
        else:
            out += _check_ref(tid, "mechanism", mech, "mechanism", by_id)
        if not isinstance(raw.get("statement"), str) or not raw["statement"].strip():
            out.append(f"{tid}.statement: missing or empty")
    for raw in theory:
        if isinstance(raw, dict) and raw.get("chain_from") is not None and raw["chain_from"] not in ids:
            out.append(f"{raw.get('id')}.chain_from: unknown configuration '{raw['chain_from']}'")
    chained = nx.DiGraph((raw["chain_from"], raw.get("id")) for raw in theory
                         if isinstance(raw, dict) and raw.get("chain_from") in ids)
    if not nx.is_directed_acyclic_graph(chained):
        for loop in sorted(nx.simple_cycles(chained), key=lambda c: sorted(c)):
            first = loop.index(min(loop))
            loop = loop[first:] + loop[:first]
            out.append(f"{loop[0]}.chain_from: chains loop ({' -> '.join([*loop, loop[0]])})")
    return out


def _check_ref(owner: str, field: str, value, wanted: str, by_id: dict) -> list[str]:
    if value is None:
        return [f"{owner}.{field}: missing"]
    if not isinstance(value, str) or value not in by_id:
        return [f"{owner}.{field}: unknown code '{value}'"]
    actual = _type_of(by_id, value)
    if actual != wanted:
        return [f"{owner}.{field}: '{value}' is a {actual} code, not a {wanted}"]
    return []


def _validate_questions(questions, by_id: dict) -> list[str]:
    if questions is None:
        return []
    if not isinstance(questions, list):
        return ["research_questions: must be a list"]
    out, ids = [], set()
    for i, raw in enumerate(questions):
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            out.append(f"research_questions[{i}]: each question must be a mapping with an 'id'")
            continue
        qid = raw["id"]
        if qid in ids:
            out.append(f"{qid}.id: duplicate research question id")
        ids.add(qid)
        out += [f"{qid}: unknown field '{k}'" for k in sorted(set(raw) - RQ_KEYS, key=str)]
        if not raw.get("question"):
            out.append(f"{qid}.question: missing")
        codes = raw.get("codes")
        if not isinstance(codes, list) or not codes:
            out.append(f"{qid}.codes: give the codes that answer the question")
            continue
        out += [f"{qid}.codes: unknown code '{c}'" for c in codes if c not in by_id]
    return out


# -- changing ------------------------------------------------------------------------------------------------------


def rename_code(codebook: Codebook, old: str, new: str, merge: bool = False, name: Optional[str] = None) -> str:
    """The codebook's YAML with code ``old`` renamed to ``new`` (or merged into existing ``new``).

    Every reference (parents, contradicts, configurations, research questions) follows. A merge keeps ``new``'s
    definition and adds ``old``'s rules to it. Comments in the original file are not kept.
    """
    data = strict_yaml.parse(codebook.document, "codebook")
    ids = [c["id"] for c in data["codes"]]
    if old not in ids:
        raise CodebookError("codebook", [f"no code '{old}'"])
    if merge and new not in ids:
        raise CodebookError("codebook", [f"no code '{new}' to merge into"])
    if not merge and new in ids:
        raise CodebookError("codebook", [f"code '{new}' exists already (use merge)"])
    if not ID_RE.match(new):
        raise CodebookError("codebook", [f"'{new}' is not a valid id"])

    def swap(value):
        if isinstance(value, str):
            return new if value == old else value
        if isinstance(value, list):
            out = []
            for v in (swap(x) for x in value):
                if v not in out or not isinstance(v, str):
                    out.append(v)
            return out
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        return value

    codes = []
    source = next(c for c in data["codes"] if c["id"] == old)
    for code in data["codes"]:
        if merge and code["id"] == old:
            continue
        code = dict(code)
        if code["id"] == old:
            code["id"] = new
            if name:
                code["name"] = name
        if merge and code["id"] == new:
            rules = dict(code.get("rules") or {})
            for key in ("phrases", "lemmas", "patterns"):
                extra = (source.get("rules") or {}).get(key) or []
                rules[key] = list(rules.get(key) or []) + [x for x in extra if x not in (rules.get(key) or [])]
            code["rules"] = {k: v for k, v in rules.items() if v}
        for key in ("parent", "contradicts"):
            if key in code:
                code[key] = swap(code[key])
        if code.get("parent") == code["id"]:
            del code["parent"]
        if isinstance(code.get("contradicts"), list):
            code["contradicts"] = [c for c in code["contradicts"] if c != code["id"]]
        codes.append(code)
    data["codes"] = codes
    for key in ("theory", "research_questions"):
        if key in data:
            data[key] = swap(data[key])
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)


# -- describing ------------------------------------------------------------------------------------------------------


def children(codebook: Codebook) -> dict[Optional[str], list[Code]]:
    """Codes grouped by parent id (None for top-level codes), each list in file order."""
    out: dict[Optional[str], list[Code]] = {}
    for code in codebook.codes:
        out.setdefault(code.parent, []).append(code)
    return out


def tree(codebook: Codebook) -> list[tuple[int, Code]]:
    """Depth-first ``(depth, code)`` pairs, in file order under each parent."""
    kids = children(codebook)
    out: list[tuple[int, Code]] = []

    def walk(parent, depth):
        for code in kids.get(parent, []):
            out.append((depth, code))
            walk(code.id, depth + 1)

    walk(None, 0)
    return out


def rule_count(code: Code) -> int:
    r = code.rules
    return len(r.phrases) + len(r.lemmas) + len(r.patterns)


def tree_lines(codebook: Codebook) -> list[str]:
    """The hierarchy as indented lines: id, type (and mechanism kind), name and number of rules."""
    lines = [f"{codebook.name} ({len(codebook.codes)} codes, {len(codebook.theory)} configurations)"]
    for depth, code in tree(codebook):
        kind = f"{code.type}:{code.mechanism}" if code.mechanism else code.type
        rules = "" if code.type == "theme" and code.rules.empty else f"  [{rule_count(code)} rules, {code.rules.unit}]"
        lines.append(f"{'  ' * (depth + 1)}{code.id}  ({kind})  {code.name}{rules}")
    return lines


def codebook_table(codebook: Codebook):
    """The codebook as a table for an appendix: one row per code, in tree order."""
    import pandas as pd

    rows = []
    for depth, code in tree(codebook):
        rows.append(
            {
                "id": code.id,
                "name": code.name,
                "type": code.type + (f" ({code.mechanism})" if code.mechanism else ""),
                "parent": code.parent or "",
                "level": depth,
                "description": code.description,
                "include": code.include,
                "exclude": code.exclude,
                "examples": " | ".join(code.examples),
                "unit": "" if code.type == "theme" and code.rules.empty else code.rules.unit,
                "rules": rule_count(code),
            }
        )
    return pd.DataFrame(rows)


def theory_table(codebook: Codebook):
    """The hypothesised configurations as a table."""
    import pandas as pd

    names = {c.id: c.name for c in codebook.codes}
    rows = [
        {
            "id": t.id,
            "context": names.get(t.context, t.context),
            "mechanism": " → ".join(names.get(m, m) for m in t.mechanisms),
            "outcome": names.get(t.outcome, t.outcome),
            "chain_from": t.chain_from or "",
            "statement": t.statement,
        }
        for t in codebook.theory
    ]
    return pd.DataFrame(rows, columns=["id", "context", "mechanism", "outcome", "chain_from", "statement"])
