"""REFI-QDA codes into an ipe codebook: the tree, Sets that name realist types, and a ``--types`` map."""

from __future__ import annotations

from pathlib import Path

from ipe import strict_yaml
from ipe.refi.common import (
    _ID_LINE,
    _RGB,
    _TYPE_PREFIX,
    DEFAULT_EXCLUDE,
    DEFAULT_INCLUDE,
    ImportReport,
    RefiError,
    _norm_guid,
    _slug,
    _unique,
)
from ipe.refi.kept import kid as _kid
from ipe.refi.kept import kids as _kids
from ipe.refi.kept import text as _text


def _read_codes(root) -> tuple[list, dict]:
    """Codes depth-first as dicts, and sets: set name -> member code GUIDs."""
    codes = []

    def walk(element, parent):
        for code in _kids(element, "Code"):
            codes.append({
                "guid": _norm_guid(code.get("guid")), "name": (code.get("name") or "").strip(),
                "description": _text(code, "Description"), "color": code.get("color"), "parent": parent,
                "element": code,
            })
            walk(code, codes[-1]["guid"])

    book = root if root.tag == "CodeBook" else _kid(root, "CodeBook")
    if book is not None and _kid(book, "Codes") is not None:
        walk(_kid(book, "Codes"), None)
    sets = {}
    for holder in (root, book):
        sets_element = _kid(holder, "Sets") if holder is not None else None
        for s in _kids(sets_element, "Set") if sets_element is not None else []:
            members = [_norm_guid(m.get("targetGUID") or m.get("guid")) for m in _kids(s, "MemberCode")]
            sets.setdefault((s.get("name") or "").strip().lower(), set()).update(m for m in members if m)
    return codes, sets


def _build_codebook(codes: list, sets: dict, types: dict, quotes: dict, name: str, path: Path, report: ImportReport):
    """An ipe codebook (validated) from REFI codes; returns ``(codebook, guid -> code id)``."""
    import yaml

    from ipe import codebook as codebook_module
    from ipe.records import CODE_TYPES

    set_type = {g: t for t, members in sets.items() if t in CODE_TYPES for g in members}
    taken, ids, seen_guids, entries = set(), {}, set(), []
    unused = set(types)
    for raw in codes:
        label = f"code '{raw['name'] or raw['guid']}'"
        if raw["guid"] is None or raw["guid"] in seen_guids:
            report.skip(label, "missing or repeated GUID")
            continue
        seen_guids.add(raw["guid"])
        description = raw["description"].strip()
        id_line = _ID_LINE.search(description)
        wanted = None
        if id_line:
            description = description[:id_line.start()].rstrip()
            wanted = id_line.group("id")
        if wanted is None or wanted in taken:
            wanted = _slug(raw["name"], "code")
        cid = _unique(wanted, taken)
        ids[raw["guid"]] = cid
        prefix = _TYPE_PREFIX.match(description)
        hint_type = prefix.group("type") if prefix and prefix.group("type") in CODE_TYPES else set_type.get(raw["guid"])
        hint_kind = prefix.group("kind") if prefix else None
        key = raw["guid"] if raw["guid"] in types else raw["name"]
        unused.discard(key)
        spec = types.get(key) or {}
        if isinstance(spec, str):
            spec = {"type": spec}
        wanted_type = spec.get("type", hint_type) or "theme"
        kind = None
        if ":" in wanted_type:
            wanted_type, kind = wanted_type.split(":", 1)
        kind = spec.get("mechanism", kind if spec.get("type") else hint_kind)
        entry = {"id": cid, "name": raw["name"] or cid, "type": "theme"}
        if raw["parent"] in ids:
            entry["parent"] = ids[raw["parent"]]
        colour = raw["color"]
        if colour:
            if _RGB.match(colour):
                digits = colour[1:] if len(colour) == 7 else "".join(ch * 2 for ch in colour[1:])
                entry["colour"] = f"#{digits.upper()}"
            else:
                report.skip(f"{label} colour", f"'{colour}' is not #RRGGBB")
        final = "theme"
        if wanted_type not in CODE_TYPES:
            report.skip(f"{label} type", f"'{wanted_type}' is not an ipe type; kept as theme")
        elif wanted_type != "theme":
            examples = spec.get("examples") or quotes.get(raw["guid"], [])[:2]
            if not spec.get("rules"):
                report.skip(f"{label} type {wanted_type}", "no rules given (use --types with rules); kept as theme")
            elif not examples:
                report.skip(f"{label} type {wanted_type}", "no examples given or coded; kept as theme")
            else:
                final = wanted_type
                entry.update(type=final, rules=spec["rules"], examples=list(examples))
                if final == "mechanism" and kind:
                    entry["mechanism"] = kind
        if final != "theme" or hint_type in (None, "theme"):
            description = _TYPE_PREFIX.sub("", description, count=1) if prefix else description
        elif not prefix:
            description = f"[{hint_type}] {description}"  # the type came from a Set: keep it where it shows
        entry["description"] = description.strip() or entry["name"]
        entry["include"] = spec.get("include", DEFAULT_INCLUDE)
        entry["exclude"] = spec.get("exclude", DEFAULT_EXCLUDE)
        entries.append(entry)
    for key in sorted(unused):
        report.skip(f"types map entry '{key}'", "no code of that name or GUID in the file")
    if not entries:
        return None, ids
    document = {"name": name, "description": f"Imported from {path.name} (REFI-QDA).", "codes": entries}
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)
    return codebook_module.loads(text, f"{path} (codebook)"), ids


def _load_types(path) -> dict:
    from ipe import codebook as codebook_module

    if path is None:
        return {}
    data = strict_yaml.parse(codebook_module.read_text(Path(path)), str(path)) or {}
    if not isinstance(data, dict):
        raise RefiError(path, "the types map must map code names or GUIDs to types")
    out = {}
    for key, value in data.items():
        if not isinstance(value, (str, dict)):
            raise RefiError(path, f"'{key}': give a type, or a mapping with type, rules and examples")
        out[_norm_guid(str(key)) or str(key)] = value
    return out
