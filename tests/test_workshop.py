"""Workshop packs: build, fill copies the way participants do, ingest, tally, revise, never double-count."""

import shutil
import subprocess

import docx
import pytest

from ipe import pack, project, workshop
from ipe.selection import Selection
from ipe.errors import IpeError, SourceError


@pytest.fixture
def pack_store(store, tmp_path):
    """Three sources in two cases, auto-coded and every coding accepted in review, so CMO-01 has human evidence in
    every link (unreviewed auto codings alone would give a pack nothing to show)."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    lines = {
        "a1.txt": "Interviewer: Tell me.\nAnn: We sit together every day. I trust them completely. "
                  "We share information within the hour.\n",
        "a2.txt": "Interviewer: Tell me.\nBen: We know each other well. I trust her judgement. "
                  "We share information straight away, every single time.\n",
        "b1.txt": "Interviewer: Tell me.\nCat: We sit together now. I trust each of them. "
                  "We share information the same day.\n",
    }
    for name, text in lines.items():
        (folder / name).write_text(text)
    (folder / "manifest.csv").write_text(
        "file,case,role,agency\na1.txt,ashdown,social worker,social care\na2.txt,ashdown,detective sergeant,police\n"
        "b1.txt,bramwell,health visitor,health\n")
    project.import_sources(store, [folder], folder / "manifest.csv")
    from pathlib import Path

    project.auto_code(store, Path(__file__).parent / "fixtures" / "mini-codebook.yaml")
    from ipe.tables import review_sheet

    sheet = review_sheet(store, project.current_codebook(store)[1]).assign(decision="accept")
    sheet.to_csv(tmp_path / "review.csv", index=False)
    project.apply_review(store, tmp_path / "review.csv", "ana")
    return store


def build(store, tmp_path, **kw):
    _, cb = project.current_codebook(store)
    # The fixture is auto-coded only, so the pack counts the auto codings (by default it would count none).
    return pack.build_pack(store, cb, tmp_path / "pack.docx", allow_identifiable=True,
                           selection=Selection(include_auto=True), **kw)


def fill(path, out, mark=None, mark_text="X", comments=None, delete_section=False, about=None, move=False):
    document = docx.Document(path)
    for table in document.tables:
        header = table.rows[0].cells[0].text
        if header.startswith("Response to"):
            for row in table.rows[1:]:
                label = row.cells[0].text
                if label == mark:
                    row.cells[1].text = mark_text
                if comments and label in comments:
                    row.cells[1].text = comments[label]
            if delete_section:
                table._element.getparent().remove(table._element)
        elif header == "About you" and about:
            for row in table.rows[1:]:
                for key, value in about.items():
                    if row.cells[0].text.startswith(key):
                        row.cells[1].text = value
    if move:  # a participant drags the response table to the end of the document
        body = document.element.body
        tables = [t for t in body.iterchildren() if t.tag.endswith("}tbl")]
        body.append(tables[0])
    document.add_paragraph("Extra notes typed at the end by a participant.")
    document.save(out)
    return out


def test_pack_structure_and_refusal(pack_store, tmp_path):
    with pytest.raises(IpeError, match="has not been pseudonymised"):
        _, cb = project.current_codebook(pack_store)
        pack.build_pack(pack_store, cb, tmp_path / "p.docx")
    files = build(pack_store, tmp_path, participant_copies=2, date="17 June 2025")
    assert [f.name for f in files] == ["pack.docx", "pack-copy-01.docx", "pack-copy-02.docx"]
    document = docx.Document(files[1])
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "The emerging programme theory"
    assert headings[1].startswith("CMO-01: Practitioner relationships")
    assert headings[-1] == "Anything else"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Pack id: PACK-" in text and "copy 1" in text and "pseudonymised" in text
    assert "Seen in three interviews in two areas (accounts from health, police and social care)." in text
    assert "\u2014 detective sergeant" in text and "Ben" not in text.split("Data protection")[1]
    quotes = [p.text for p in document.paragraphs if p.style.name == "Quote"]
    assert quotes and all(q.startswith("\u201c") and "[" not in q and len(q.split()) >= 7 for q in quotes)
    assert "Thank you" in text and "How to return this pack" in text and "Facilitator: ____" in text
    first = document.tables[0]
    assert [r.cells[0].text for r in first.rows][:5] == ["Response to CMO-01", *workshop.RESPONSES]
    assert all(t.style.name == "Table Grid" for t in document.tables)
    assert len(document.inline_shapes) == 2  # the theory picture and CMO-01's own diagram
    landscape = [s for s in document.sections if s.page_width > s.page_height]
    assert len(landscape) == 1 and abs(landscape[0].page_width - docx.shared.Cm(29.7)) < docx.shared.Cm(0.05)


def test_pack_is_deterministic(pack_store, tmp_path):
    first = build(pack_store, tmp_path)[0].read_bytes()
    assert build(pack_store, tmp_path)[0].read_bytes() == first


def test_fill_ingest_tally_revise_and_no_double_count(pack_store, tmp_path):
    files = build(pack_store, tmp_path, participant_copies=4)
    filled = [
        fill(files[1], tmp_path / "f1.docx", "Agree", "X", about={"Your agency": "police", "Your MASH model": "hybrid"}),
        fill(files[2], tmp_path / "f2.docx", "Agree", "\u2713", comments={
            workshop.DIFFERENT_ROW: "Our health staff are only virtual.", workshop.MISSING_ROW: "Capacity in CAMHS."}),
        fill(files[3], tmp_path / "f3.docx", "Partly agree", "\u2612", move=True),
        fill(files[4], tmp_path / "f4.docx", delete_section=True, about={"Anything else?": "Consent is still unclear."}),
    ]
    _, cb = project.current_codebook(pack_store)
    results = workshop.ingest_packs(pack_store, cb, filled)
    assert [r.read for r in results] == [["CMO-01"], ["CMO-01"], ["CMO-01"], []]
    assert results[3].problems == ["CMO-01: section not found (deleted?)"]
    responses = pack_store.pack_responses()
    assert sorted(r["response"] for r in responses) == ["Agree", "Agree", "Partly agree"]
    assert {r["mash_model"] for r in responses if r["agency"] == "police"} == {"hybrid"}
    table = workshop.responses_table(responses).set_index(["group", "value"])
    assert table.loc[("all", "all"), ["agree", "partly agree", "disagree", "responses"]].tolist() == [2, 1, 0, 3]
    # 2 of 3 agree (0.67 >= 0.6), none disagree: confirmed
    assert pack_store.revisions("CMO-01")[-1][2] == "confirmed"
    comments = [s for s in pack_store.source_ids() if s.startswith("workshop-")]
    assert len(comments) == 2  # f2's comments and f4's "anything else"
    texts = "\n".join(pack_store.source(s).text for s in comments)
    assert "CMO-01 different: Our health staff are only virtual." in texts and "Consent is still unclear." in texts
    assert all(pack_store.source(s).attributes["data_type"] == "workshop" for s in comments)
    # the same files again: nothing counted twice
    workshop.ingest_packs(pack_store, cb, filled)
    assert len(pack_store.pack_responses()) == 3
    # two more copies disagree: 2 of 5 against (0.4 >= 0.34): questioned
    more = [fill(files[0], tmp_path / "g1.docx", "Disagree"), fill(files[0], tmp_path / "g2.docx", "Disagree", "no")]
    workshop.ingest_packs(pack_store, cb, more)
    assert pack_store.revisions("CMO-01")[-1][2] == "questioned"
    status = workshop.theory_status(pack_store, cb).set_index("id")
    assert status.loc["CMO-01", "workshop"] == "questioned"
    from ipe import findings

    all_tables = findings.all_tables(pack_store, cb)
    assert all_tables["workshop-responses"].set_index(["group", "value"]).loc[("all", "all"), "disagree"] == 2
    cmo_row = all_tables["cmo-configurations"].set_index("id").loc["CMO-01"]
    assert cmo_row["workshop"] == "questioned" and cmo_row["workshop responses"].startswith("5 responses")


def test_several_marks_are_reported_not_counted(pack_store, tmp_path):
    path = build(pack_store, tmp_path)[0]
    document = docx.Document(path)
    for row in document.tables[0].rows[1:3]:
        row.cells[1].text = "X"
    document.save(tmp_path / "two.docx")
    result, responses, _ = workshop.read_pack(tmp_path / "two.docx")
    assert responses[0]["response"] is None
    assert result.problems == ["CMO-01: several boxes marked (Agree, Partly agree); not counted"]


def test_not_a_pack_is_one_line(pack_store, tmp_path):
    other = tmp_path / "letter.docx"
    document = docx.Document()
    document.add_paragraph("Dear colleague, thanks for coming.")
    document.save(other)
    before = pack_store.logical_checksum()
    _, cb = project.current_codebook(pack_store)
    with pytest.raises(SourceError, match="letter.docx: not an ipe workshop pack"):
        workshop.ingest_packs(pack_store, cb, [other])
    (tmp_path / "junk.docx").write_bytes(b"junk")
    with pytest.raises(SourceError, match="junk.docx: not a Word .docx file"):
        workshop.ingest_packs(pack_store, cb, [tmp_path / "junk.docx"])
    assert pack_store.logical_checksum() == before


def test_cli_pack_and_theory(invoke, pack_store, tmp_path):
    proj = pack_store.path.parent
    out = tmp_path / "cli-pack.docx"
    assert "has not been pseudonymised" in invoke("pack", "build", "--out", out, project_dir=proj).output
    result = invoke("pack", "build", "--out", out, "--allow-identifiable", "--participant-copies", "1", "--include-auto",
                    project_dir=proj)
    assert result.exit_code == 0 and "and 1 numbered copies" in result.output
    filled = fill(tmp_path / "cli-pack-copy-01.docx", tmp_path / "filled.docx", "Agree")
    result = invoke("pack", "ingest", filled, project_dir=proj)
    assert "read 1 sections" in result.output
    assert "confirmed" in invoke("theory", "status", project_dir=proj).output
    assert "workshop: confirmed" in invoke("theory", "history", project_dir=proj).output


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice not installed")
def test_pack_converts_with_libreoffice(pack_store, tmp_path):
    path = build(pack_store, tmp_path)[0]
    office = shutil.which("soffice") or shutil.which("libreoffice")
    subprocess.run([office, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)], check=True,
                   capture_output=True, timeout=120)
    assert (tmp_path / "pack.pdf").stat().st_size > 1000


# -- what a pack quotes after review ---------------------------------------------------------------------------------

REVIEW_BOOK = """\
name: Review test theory
codes:
{codes}
theory:
  - id: CMO-01
    context: ctx-a
    mechanism: mech-m
    outcome: out-o
    statement: Sitting together builds reliance, so referrals move fast.
"""
# One source per way a passage can stand: researcher evidence, an auto coding a reviewer accepted, one rejected, one
# never reviewed. Each sentence names its standing, so the pack's text shows which were quoted.
REVIEW_SOURCES = {
    "ev": ("A", "Dee", ["We sit together every morning in the evidence room.", "So the evidence team trust each "
                        "other.", "Evidence referrals move within the hour."]),
    "ok": ("B", "Eve", ["We share one office with the accepted police team.", "The accepted colleagues rely on "
                        "each other.", "Accepted referrals are answered the same day."]),
    "no": ("C", "Fay", ["Rejected words about sitting together in one room.", "Rejected words about trusting the "
                        "others here.", "Rejected words about referrals moving very fast."]),
    "un": ("D", "Gil", ["Unreviewed words about sitting together in one room.", "Unreviewed words about trusting "
                        "the others.", "Unreviewed words about referrals moving very fast."]),
}
REVIEW_CODES = ("ctx-a", "mech-m", "out-o")


@pytest.fixture
def reviewed(tmp_path):
    """A project whose CMO-01 has researcher evidence in ``ev``, accepted auto codings in ``ok``, rejected ones in
    ``no`` and unreviewed ones in ``un``: every coding is the auto coder's, so only review makes any of them count."""
    from ipe import annotate, evidence
    from ipe.records import Coding

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for sid, (_, speaker, sentences) in REVIEW_SOURCES.items():
        (corpus / f"{sid}.txt").write_text(f"Interviewer: Tell me about the hub.\n{speaker}: {' '.join(sentences)}\n")
    (corpus / "manifest.csv").write_text("file,case,agency,data_type\n" + "".join(
        f"{sid}.txt,{case},police,interview\n" for sid, (case, _, _) in REVIEW_SOURCES.items()))
    blocks = "".join(
        f"  - id: {cid}\n    name: Code {cid}\n    type: {ctype}\n    description: About {cid}.\n"
        f"    include: Talk of {cid}.\n    exclude: Anything else.\n    examples: [\"An example of {cid}.\"]\n"
        f"    rules:\n      phrases: [\"zzq {cid}\"]\n"
        for cid, ctype in zip(REVIEW_CODES, ("context", "mechanism", "outcome")))
    (tmp_path / "book.yaml").write_text(REVIEW_BOOK.format(codes=blocks))
    store = project.open_store(project.init(tmp_path / "proj"))
    project.import_sources(store, [corpus], corpus / "manifest.csv")
    version, book, _ = project.load_codebook(store, tmp_path / "book.yaml")
    with store.transaction():
        store.ensure_coder("auto", "auto")
        for sid in ("ok", "no", "un"):
            text = store.source(sid).text
            store.add_codings(Coding(sid, text.index(q), text.index(q) + len(q), code, "auto", "rule test", version, q)
                              for code, q in zip(REVIEW_CODES, REVIEW_SOURCES[sid][2]))
    for c in store.codings(coders=["auto"]):
        if c.source_id in ("ok", "no"):
            annotate.decide(store, c.id, "accept" if c.source_id == "ok" else "reject", "ana")
    sentences = REVIEW_SOURCES["ev"][2]
    evidence.link(store, book, "CMO-01", "supports", "context,mechanism,outcome", "Sitting together, trust, speed",
                  source="ev", quote=" ".join(sentences))
    yield store, book
    store.close()


def docx_text(path) -> str:
    document = docx.Document(path)
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_pack_after_review_quotes_only_reviewed_or_researcher_material(reviewed, tmp_path):
    store, book = reviewed
    (path,) = pack.build_pack(store, book, tmp_path / "pack.docx", configs=["CMO-01"], allow_identifiable=True)
    text = docx_text(path)
    assert "Evidence referrals move within the hour." in text  # the researcher's evidence
    assert "Accepted referrals are answered the same day." in text  # an accepted auto coding: the reviewer's
    assert "Rejected words" not in text and "Unreviewed words" not in text
    # asked for, unreviewed auto codings may fill the room left; a rejected one never
    (path,) = pack.build_pack(store, book, tmp_path / "with-auto.docx", configs=["CMO-01"], allow_identifiable=True,
                              selection=Selection(include_auto=True))
    text = docx_text(path)
    assert "Unreviewed words" in text and "Rejected words" not in text


def test_quote_bank_and_rameses_after_review_quote_no_unreviewed_or_rejected_coding(reviewed, tmp_path):
    from ipe import evidence, rameses
    from ipe.selection import DEFAULT
    from ipe.tables import quote_bank

    store, book = reviewed
    bank = quote_bank(store, book, coders=DEFAULT)
    assert set(bank["source"]) == {"ok"} and set(bank["coder"]) == {"ana"}
    ranked = evidence.rank_quotes(store, book, "CMO-01")
    assert (ranked[0].source_id, ranked[0].kind) == ("ev", "evidence")
    assert {(q.source_id, q.kind) for q in ranked[1:]} == {("ok", "human coding")}
    assert "no" not in {q.source_id for q in evidence.rank_quotes(store, book, "CMO-01", include_auto=True)}
    for suffix in (".md", ".docx"):
        out, _ = rameses.write(store, book, tmp_path / f"appendix{suffix}", allow_identifiable=True)
        text = out.read_text() if suffix == ".md" else docx_text(out)
        assert "Evidence referrals move within the hour." in text and "the accepted police team" in text
        assert "Rejected words" not in text and "Unreviewed words" not in text
