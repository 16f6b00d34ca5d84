"""The RAMESES II appendix lists only what the project holds, and leaves the rest for the team to write."""

import docx
import pytest

from ipe import evidence, project, rameses, theory
from ipe.errors import IpeError
from test_evidence import make_project


@pytest.fixture
def folder(tmp_path):
    return make_project(tmp_path)


@pytest.fixture
def st(folder):
    store = project.open_store(folder)
    yield store
    store.close()


@pytest.fixture
def book(st):
    return project.current_codebook(st)[1]


def test_appendix_fills_only_what_the_project_holds(st, book):
    with pytest.raises(IpeError, match="not been pseudonymised"):
        rameses.appendix(st, book)
    items = {i.number: i for i in rameses.appendix(st, book, allow_identifiable=True)}
    assert len(items) == 20
    # the test codebook has no research questions, so item 5 is for the team like the items no project holds
    assert sorted(n for n, i in items.items() if i.filled) == [4, 11, 13, 14, 15]
    assert items[5].to_write.startswith("Not held in the project") and items[6].blocks == []
    tables = {b[1]: b[2] for i in items.values() for b in i.blocks if b[0] == "table"}
    assert list(tables["Sources by data type"]["sources"]) == [3]
    assert list(tables["How the codings were made"]["how made"]) == ["human coding", "auto coding (rules)"]
    findings = [b for b in items[15].blocks if b[0] == "list"]
    assert [heading for _, heading, _ in findings] == ["CMO-01", "CMO-02"]
    lines = findings[0][2]
    assert any(line.startswith("Researcher evidence: 0 supports (0 sources, 0 cases)") for line in lines)
    assert not any("auto coding" in line for line in lines)  # unreviewed auto codings are never quoted


def test_appendix_follows_evidence_and_revisions(st, book, tmp_path):
    evidence.link(st, book, "CMO-01", "supports", "outcome", "Speed is the outcome", quote="Referrals move fast.")
    theory.revise(st, book, "CMO-01", "Interviews speak of speed", statement="Sitting together speeds referrals.")
    items = {i.number: i for i in rameses.appendix(st, book, allow_identifiable=True)}
    lines = next(b[2] for b in items[15].blocks if b[0] == "list" and b[1] == "CMO-01")
    assert lines[0] == f"Initial statement: {book.theory[0].statement}"
    assert lines[1] == "Current statement (version 2): Sitting together speeds referrals."
    assert lines[2] == "Change: theory v2, refined: revised; Interviews speak of speed"
    assert lines[3].startswith("Researcher evidence: 1 supports (1 sources, 1 cases)")
    assert lines[4].startswith("Quote (evidence, supports; s1:") and "Referrals move fast." in lines[4]
    revisions = next(b[2] for b in items[13].blocks if b[0] == "table" and b[1] == "Theory revisions")
    assert list(revisions["change"]) == ["revised"]
    md, _ = rameses.write(st, book, tmp_path / "a.md", allow_identifiable=True)
    text = md.read_text()
    assert "## 15. Main findings" in text and "**For the team to write:** Not held in the project: state the " \
                                                "ethical approval obtained." in text
    first, _ = rameses.write(st, book, tmp_path / "a.docx", allow_identifiable=True)
    data = first.read_bytes()
    assert rameses.write(st, book, tmp_path / "a.docx", allow_identifiable=True)[0].read_bytes() == data
    headings = [p.text for p in docx.Document(first).paragraphs if p.style.name == "Heading 1"]
    assert headings[1:3] == ["1. Title", "2. Summary or abstract"] and len(headings) == 21
    with pytest.raises(IpeError, match="as .md or .docx"):
        rameses.write(st, book, tmp_path / "a.pdf", allow_identifiable=True)


def test_cli_report_rameses(folder, invoke, tmp_path):
    out = invoke("report", "rameses", "--out", tmp_path / "r.md", "--allow-identifiable", project_dir=folder).output
    assert out == f"Wrote {tmp_path / 'r.md'}: items 4, 11, 13, 14, 15 filled from the project; 15 items for the " \
                  "team to write\n"
    result = invoke("report", "rameses", "--out", tmp_path / "r.md", project_dir=folder)
    assert result.exit_code == 1 and "not been pseudonymised" in result.output
