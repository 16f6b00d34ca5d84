"""Building the ``project.qde`` document of a .qdpx export, section by section, with what an import kept."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Optional

from ipe.in_force import current_codings
from ipe.refi import kept as keep
from ipe.refi.evidence import EvidenceExport
from ipe.refi.common import META_NAME, NS_PROJECT, ORIGIN, ExportReport, _short, _unique, guid_for
from ipe.refi.elements import VALUE_TAGS, _codes_element, _coding_identity, _date, _latest_codebook, _lazy, _sub, \
    _type_sets
from ipe.refi.offsets import position_map

NS = NS_PROJECT


class ProjectWriter:
    """One export: gathers the store's records once, then writes each section of the schema in order."""

    def __init__(self, store, kept, unit: Optional[str], stamp: Optional[str]):
        self.store, self.kept, self.unit, self.stamp = store, kept, unit, stamp
        self.report = ExportReport(path=Path("."))
        _, self.codebook = _latest_codebook(store)
        code_ids = {c.id for c in self.codebook.codes} if self.codebook else set()
        self.codings = []
        for c in current_codings(store):
            if c.code_id in code_ids:
                self.codings.append(c)
            else:
                self.report.skipped.append(f"coding {c.source_id}:{c.start}-{c.end} {c.code_id}: code not in the "
                                           "codebook")
        self.dates = {t: store.created_dates(t) for t in ("codings", "memos", "sources", "coders", "codebooks")}
        # An auto coder's codings are remade on every run, the same each time: they are dated by the codebook
        # version that made them, so a rerun exports the same bytes.
        kinds = store.coders()
        for c in self.codings:
            if kinds.get(c.coder) == "auto" and c.codebook_version in self.dates["codebooks"]:
                self.dates["codings"][c.id] = self.dates["codebooks"][c.codebook_version]
        self.dates["codings"] = {c.id: self.dates["codings"].get(c.id) for c in self.codings}
        self.memos = sorted(store.memos(), key=lambda m: (m.target_kind, m.target, m.author, m.text, m.id))
        self.sources = list(store.iter_sources(structure=False))
        self.evidence = EvidenceExport(store, self.report.skipped)
        self.guids: set = set()  # every GUID written, so kept Sets refer only to what is there
        self.files: list = []

    # -- users and notes first: every other section refers to them ----------------------------------------------

    def user_guids(self) -> dict:
        names = set(self.store.coders()) | {m.author for m in self.memos} | {c.coder for c in self.codings}
        names |= {key for (kind, key) in self.kept.rows if kind == "user"} | self.evidence.authors()
        order = sorted(names, key=lambda n: keep.element_order(self.kept.get("user", n), n))
        out = {}
        for name in order:
            data = self.kept.get("user", name)
            out[name] = data["attrs"]["guid"] if data else guid_for(f"user:{name}")
        return out

    def plan_notes(self) -> None:
        """Which Note each memo becomes, and the elements that refer to it."""
        codings_by_id = {c.id: c for c in self.store.codings(status=None)}
        self.notes, self.note_refs, seen = {}, {}, set()  # guid -> (attrs, text, data)
        self.coding_memos: dict[int, list] = {}  # coding id -> memo texts, also written as its selection's Description
        for memo in self.memos:
            data = self.kept.get("memo", memo.id)
            if data and data.get("for") != [memo.target_kind, memo.target, memo.author]:
                data = None
            if data and data.get("origin") == "selection":
                continue  # a selection's Description: written with its selection
            text, ref = memo.text, self.memo_ref(memo, codings_by_id)
            if data:
                guid = data["attrs"]["guid"]
                if data.get("case") and text.startswith(f"[case {data['case']}] "):
                    text, ref = text[len(f"[case {data['case']}] "):], ("case", data["case"])
                if not data.get("ref", True):
                    ref = None
                elif data.get("on") == "selection" and ref and ref[0] == "coding":
                    ref = ("selection", int(memo.target))
                attrs = dict(data["attrs"])
            else:
                name = self.memo_name(memo, codings_by_id)
                guid = guid_for(_unique(f"memo:{name}:{memo.author}:{memo.text}", seen))
                # the text inline (the standard) and as a file (QualCoder reads a Note's file as a journal entry)
                attrs = {"guid": guid, "name": name, "plainTextPath": f"internal://{guid}.txt",
                         "creatingUser": self.users[memo.author], "creationDateTime": _date(memo.created_at)}
                if memo.target_kind == "coding" and memo.target.isdigit():
                    self.coding_memos.setdefault(int(memo.target), []).append(memo.text)
            if guid not in self.notes:
                self.notes[guid] = (attrs, text, data, memo.id)
            if ref is not None:
                self.note_refs.setdefault(ref, []).append(guid)

    @staticmethod
    def memo_ref(memo, codings_by_id: dict) -> Optional[tuple]:
        if memo.target_kind == "project":
            return ("project", "")
        if memo.target_kind == "coding":
            coding = codings_by_id.get(int(memo.target)) if memo.target.isdigit() else None
            return ("coding", _coding_identity(coding)) if coding else None
        if memo.target_kind in ("source", "code"):
            return (memo.target_kind, memo.target)
        return None

    @staticmethod
    def memo_name(memo, codings_by_id: dict) -> str:
        if memo.target_kind == "project":
            return "project"
        if memo.target_kind == "coding":
            c = codings_by_id.get(int(memo.target)) if memo.target.isdigit() else None
            if c is not None:
                return f"coding: {c.source_id}:{c.start}-{c.end} {c.code_id} {c.coder}"
        return f"{memo.target_kind}: {memo.target}"

    def refs(self, element, key: tuple) -> None:
        for note in self.note_refs.get(key, []):
            _sub(element, NS, "NoteRef", targetGUID=note)

    # -- the document ---------------------------------------------------------------------------------------------

    def build(self, path: Path):
        from lxml import etree

        self.report.path = path
        self.users = self.user_guids()
        self.plan_notes()
        root = etree.Element(f"{{{NS}}}Project", nsmap={None: NS})
        project = self.kept.get("project", "") or {}
        attrs = dict(project.get("attrs") or {"origin": ORIGIN})
        attrs["name"] = self.store.get_meta(META_NAME) or attrs.get("name") or self.store.path.parent.name or "ipe"
        if not project:
            everything = sorted(d for table in self.dates.values() for d in table.values() if d)
            if everything:
                attrs["creationDateTime"], attrs["modifiedDateTime"] = _date(everything[0]), _date(everything[-1])
        if self.stamp:
            attrs["creationDateTime"] = attrs["modifiedDateTime"] = self.stamp
        for key in ("name", "origin", "creatingUserGUID", "creationDateTime", "modifyingUserGUID",
                    "modifiedDateTime", "basePath"):
            if attrs.get(key) is not None:
                root.set(key, attrs[key])
        users = _lazy(root, NS, "Users")
        for name, guid in self.users.items():
            data = self.kept.get("user", name)
            extra = (data or {}).get("attrs", {})
            if data and data.get("hidden"):
                continue  # named by a creatingUser only, as in the file read
            _sub(users(), NS, "User", guid=guid, name=extra.get("name") if data else name, id=extra.get("id"))
            self.guids.add(guid)
        self.code_guids = {}
        if self.codebook:
            self.code_guids = _codes_element(_sub(root, NS, "CodeBook"), NS, self.codebook, self.note_refs, self.kept)
            self.guids |= set(self.code_guids.values())
        self.cases_element(root)
        self.sources_element(root)
        self.notes_element(root)
        for kind, holder in (("link", "Links"), ("set", "Sets"), ("graph", "Graphs")):
            self.verbatim(root, kind, holder)
        if project.get("description") is not None:
            _sub(root, NS, "Description", project["description"])
        self.refs(root, ("project", ""))
        report = self.report
        report.codes = len(self.codebook.codes) if self.codebook else 0
        report.sources, report.users, report.notes = len(self.sources), len(self.users), len(self.notes)
        report.codings = len(self.codings)
        return root, sorted(self.files), report

    def verbatim(self, root, kind: str, holder: str) -> None:
        """Sets, Links and Graphs as imported, each member that is no longer in the project left out."""
        container = _lazy(root, NS, holder)
        for data in self.kept.all(kind):
            element = keep.restore(data["xml"], NS)
            for member in list(element):
                target = member.get("targetGUID")
                if target is not None and target not in self.guids:
                    element.remove(member)
            container().append(element)
        if kind == "link":
            self.evidence.links(container, _sub, NS)
        if kind == "set" and self.codebook:
            _type_sets(container, NS, self.codebook, "targetGUID", self.kept)

    # -- variables and cases --------------------------------------------------------------------------------------

    def own_attributes(self, source) -> dict:
        """A source's attributes as its own VariableValues: not its case, nor what it inherited unchanged."""
        data = self.kept.get("source", source.id) or {}
        inherited = data.get("inherited", {})
        return {k: v for k, v in source.attributes.items() if k != "case" and inherited.get(k) != v}

    def cases_element(self, root) -> None:
        variables = {d["attrs"]["name"]: d for d in self.kept.all("variable")}
        self.variable_guids = {name: d["attrs"]["guid"] for name, d in variables.items()}
        self.variable_types = {name: d["attrs"].get("typeOfVariable", "Text") for name, d in variables.items()}
        own = {s.id: self.own_attributes(s) for s in self.sources}
        members: dict[str, list] = {}
        for s in self.sources:
            if s.attributes.get("case"):
                members.setdefault(s.attributes["case"], []).append(s)
        kept_cases = {d["attrs"].get("name", ""): d for d in self.kept.all("case")}
        case_values = {}
        for name in members:
            shared = dict(members[name][0].attributes)
            for s in members[name][1:]:
                shared = {k: v for k, v in shared.items() if s.attributes.get(k) == v}
            shared.pop("case", None)
            data = kept_cases.get(name)
            case_values[name] = {k: shared[k] for k in data["values"] if k in shared} if data else shared
        for name, data in kept_cases.items():
            if not data.get("had_sources"):  # a case that was empty; one whose name changed is not written again
                case_values.setdefault(name, data["values"])
        names = {k for attrs in own.values() for k in attrs} | {k for v in case_values.values() for k in v}
        container = _lazy(root, NS, "Variables")
        for name in sorted(set(variables) | names, key=lambda n: keep.element_order(variables.get(n), n)):
            data = variables.get(name)
            guid = self.variable_guids.setdefault(name, guid_for(f"variable:{name}"))
            element = _sub(container(), NS, "Variable", guid=guid, name=name,
                           typeOfVariable=self.variable_types.setdefault(name, "Text"))
            if data and data.get("description") is not None:
                _sub(element, NS, "Description", data["description"])
            self.guids.add(guid)
        self.source_guids = {s.id: self.source_guid(s) for s in self.sources}
        container = _lazy(root, NS, "Cases")
        for name in sorted(case_values, key=lambda n: keep.element_order(kept_cases.get(n), n)):
            data = kept_cases.get(name)
            guid = data["attrs"]["guid"] if data else guid_for(f"case:{name}")
            case = _sub(container(), NS, "Case", guid=guid, name=name)
            self.guids.add(guid)
            if data and data.get("description") is not None:
                _sub(case, NS, "Description", data["description"])
            self.values(case, case_values[name], (data or {}).get("value_order"))
            for s in sorted(members.get(name, []), key=self.source_order):
                _sub(case, NS, "SourceRef", targetGUID=self.source_guids[s.id])
            self.refs(case, ("case", name))
        self.report.cases = len(case_values)

    def values(self, parent, values: dict, order: Optional[list] = None) -> None:
        rank = {k: i for i, k in enumerate(order or [])}
        for key in sorted(values, key=lambda k: (rank.get(k, len(rank)), k)):
            element = _sub(parent, NS, "VariableValue")
            _sub(element, NS, "VariableRef", targetGUID=self.variable_guids[key])
            _sub(element, NS, VALUE_TAGS.get(self.variable_types.get(key), "TextValue"), str(values[key]))

    # -- sources, selections and codings --------------------------------------------------------------------------

    def source_guid(self, source) -> str:
        data = self.kept.get("source", source.id)
        return data["attrs"]["guid"] if data else guid_for(f"source:{source.id}")

    def source_order(self, source) -> tuple:
        return keep.element_order(self.kept.get("source", source.id), source.id)

    def sources_element(self, root) -> None:
        container = _lazy(root, NS, "Sources")
        by_source: dict[str, list] = {}
        for c in self.codings:
            by_source.setdefault(c.source_id, []).append(c)
        items = [(self.source_order(s), s) for s in self.sources]
        items += [((0, d["order"], ""), d) for d in self.kept.all("passive")]
        for _, item in sorted(items, key=lambda pair: pair[0]):
            if isinstance(item, dict):  # a source with no text for ipe, kept as it was
                element = keep.restore(item["xml"], NS)
                container().append(element)
                self.guids.add(element.get("guid"))
                self.files += [(name, text.encode("utf-8")) for name, text in sorted(item.get("files", {}).items())]
                self.files += [(name, base64.b64decode(data)) for name, data in sorted(item.get("binary", {}).items())]
            else:
                self.text_source(container(), item, by_source.get(item.id, []))

    def text_source(self, parent, source, codings: list) -> None:
        data = self.kept.get("source", source.id)
        unchanged = bool(data) and data.get("hash") == source.content_hash
        layout = data.get("layout") if unchanged else None
        unit = self.unit or (data.get("unit") if unchanged else None) or "codepoints"
        text = keep.written_text(source.text, layout)
        to_unit = position_map(source.text, layout["newline"] if layout else "\n", unit)
        guid = self.source_guids[source.id]
        self.guids.add(guid)
        attrs = dict(data["attrs"]) if data else {
            "plainTextPath": f"internal://{guid}.txt", "creationDateTime": _date(self.dates["sources"].get(source.id))}
        attrs.update(guid=guid, name=source.name)
        inline = bool(data and data.get("inline"))
        if inline:
            attrs.pop("plainTextPath", None)
        element = _sub(parent, NS, "TextSource", **{k: attrs.get(k) for k in (
            "guid", "name", "richTextPath", "plainTextPath", "creatingUser", "creationDateTime", "modifyingUser",
            "modifiedDateTime")})
        if data is None:
            _sub(element, NS, "Description", f"ipe id: {source.id}")
        elif data.get("description") is not None:
            _sub(element, NS, "Description", data["description"])
        if inline:
            _sub(element, NS, "PlainTextContent", text)
        bom = "\ufeff" if layout and layout.get("bom") else ""
        if not inline:
            entry = (data or {}).get("entry") or f"sources/{guid}.txt"
            self.files.append((entry, (bom + text).encode("utf-8")))
        whole = self.selections(element, source, codings, to_unit, data if unchanged else None)
        self.evidence.selections(element, source, to_unit, self.users, _sub, NS, self.guids)
        for c in whole:
            self.coding(element, c, self.kept.get("coding", c.id)["coding"])
        self.refs(element, ("source", source.id))
        self.values(element, self.own_attributes(source), (data or {}).get("value_order"))

    def kept_coding(self, c) -> Optional[dict]:
        data = self.kept.get("coding", c.id)
        if data and data.get("key") == [c.source_id, c.start, c.end, c.code_id, c.coder]:
            return data
        return None

    def selections(self, element, source, codings: list, to_unit, source_data: Optional[dict]) -> list:
        """One PlainTextSelection per coding (kept selections keep their codings together); returns whole-source
        codings, which the schema puts after the selections."""
        groups: dict[str, dict] = {}
        whole = []
        for c in codings:
            data = self.kept_coding(c)
            if data and data.get("whole") and c.start == 0 and c.end == len(source.text):
                whole.append(c)
                continue
            if data and data.get("selection"):
                sel = data["selection"]
                group = groups.setdefault(sel["attrs"]["guid"], {"sel": sel, "codings": [], "order": (
                    0, sel.get("order", 0), ""), "span": (c.start, c.end)})
            else:
                identity = _coding_identity(c)
                attrs = {"guid": guid_for(f"selection:{identity}"), "name": _short(source.text[c.start:c.end]),
                         "creatingUser": self.users[c.coder], "creationDateTime": _date(self.dates["codings"].get(
                             c.id))}
                group = groups.setdefault(attrs["guid"], {"sel": {"attrs": attrs}, "codings": [], "order": (
                    1, 0, (c.start, c.end, c.code_id, c.coder)), "span": (c.start, c.end)})
            group["codings"].append(c)
        for sel in (source_data or {}).get("uncoded", []):
            groups.setdefault(sel["attrs"]["guid"], {"sel": sel, "codings": [], "order": (0, sel.get("order", 0), ""),
                                                     "span": tuple(sel["span"])})
        for guid, group in sorted(groups.items(), key=lambda item: item[1]["order"]):
            sel, (start, end) = group["sel"], group["span"]
            attrs = dict(sel["attrs"])
            if source_data is None and "name" in attrs:  # the text changed (pseudonymised): name it from the text
                attrs["name"] = _short(source.text[start:end])
            if "name_length" in sel:
                attrs["name"] = keep.written_text(source.text[start:end], None)[:sel["name_length"]]
            selection = _sub(element, NS, "PlainTextSelection", guid=guid,
                             name=attrs.get("name"), startPosition=to_unit(start), endPosition=to_unit(end),
                             creatingUser=attrs.get("creatingUser"), creationDateTime=attrs.get("creationDateTime"),
                             modifyingUser=attrs.get("modifyingUser"), modifiedDateTime=attrs.get("modifiedDateTime"))
            self.guids.add(guid)
            memos = [t for c in group["codings"] for t in self.coding_memos.get(c.id, [])]
            if sel.get("description") is not None:
                _sub(selection, NS, "Description", sel["description"])
            elif memos:  # a coding's memo where QualCoder and ATLAS.ti look for it; its Note has it too
                _sub(selection, NS, "Description", "\n\n".join(memos))
            for c in sorted(group["codings"], key=lambda c: (self.kept_coding(c) or {}).get("rank", 0)):
                data = self.kept_coding(c)
                self.coding(selection, c, data["coding"] if data else None)
            for c in group["codings"]:
                self.refs(selection, ("selection", c.id))
        return whole

    def coding(self, parent, c, attrs: Optional[dict]) -> None:
        identity = _coding_identity(c)
        attrs = dict(attrs) if attrs else {"guid": guid_for(identity), "creatingUser": self.users[c.coder],
                                           "creationDateTime": _date(self.dates["codings"].get(c.id))}
        element = _sub(parent, NS, "Coding", guid=attrs["guid"], creatingUser=attrs.get("creatingUser"),
                       creationDateTime=attrs.get("creationDateTime"))
        self.guids.add(attrs["guid"])
        _sub(element, NS, "CodeRef", targetGUID=self.code_guids[c.code_id])
        self.refs(element, ("coding", identity))

    # -- notes ----------------------------------------------------------------------------------------------------

    def notes_element(self, root) -> None:
        container = _lazy(root, NS, "Notes")
        order = sorted(self.notes.items(), key=lambda item: keep.element_order(item[1][2], item[0]))
        for guid, (attrs, text, data, memo_id) in order:
            inline = not data or data.get("inline", True)
            note = _sub(container(), NS, "Note", **{k: attrs.get(k) for k in (
                "guid", "name", "richTextPath", "plainTextPath", "creatingUser", "creationDateTime",
                "modifyingUser", "modifiedDateTime")})
            self.guids.add(guid)
            if data and data.get("description") is not None:
                _sub(note, NS, "Description", data["description"])
            elif data and not inline and not data.get("entry"):
                _sub(note, NS, "Description", text)
            if inline:
                _sub(note, NS, "PlainTextContent", text)
            if data is None:
                self.files.append((f"sources/{guid}.txt", text.encode("utf-8")))
            elif data.get("entry"):
                self.files.append((data["entry"], text.encode("utf-8")))
        self.evidence.notes(container, self.users, _sub, NS, self.guids)
