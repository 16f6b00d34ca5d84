"""Every reader refuses bad input with one line naming the file and the problem, and leaves the store unchanged."""

import io
import zipfile
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from ipe import project
from ipe.cli import cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BOOK = (FIXTURES / "mini-codebook.yaml").read_text()
SURVEY = (FIXTURES / "survey" / "survey.csv").read_bytes()


def docx_bytes(paragraphs=()):
    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zip_bytes(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buffer.getvalue()


# (name, file name, content, command words with FILE for the path, expected fragment)
CASES = [
    ("truncated docx", "t.docx", docx_bytes(["Hello there."])[:900], ["import", "FILE"], "not a Word .docx file"),
    ("non-zip docx", "n.docx", b"plain text pretending", ["import", "FILE"], "not a Word .docx file"),
    ("zip that is not docx", "z.docx", zip_bytes({"a.txt": "x"}), ["import", "FILE"], "cannot read the Word document"),
    ("docx with no text", "e.docx", docx_bytes([]), ["import", "FILE"], "the Word document has no text"),
    ("binary junk as txt", "j.txt", bytes(range(256)) * 8, ["import", "FILE"], "binary data, not a text file"),
    ("empty file", "empty.txt", b"", ["import", "FILE"], "empty file"),
    ("white space only", "ws.md", b"  \n\t\n", ["import", "FILE"], "empty file"),
    ("only stage directions", "sd.txt", b"(12.43 pm)\n\n[inaudible]\n", ["import", "FILE"], "no text to import"),
    ("vtt without header", "v.vtt", b"00:00:01.000 --> 00:00:02.000\nhi\n", ["import", "FILE"], "not a WebVTT file"),
    ("vtt without cues", "c.vtt", b"WEBVTT\n\nNOTE nothing here\n", ["import", "FILE"], "no cues found"),
    ("srt without cues", "s.srt", b"1\nno timing line\n", ["import", "FILE"], "no cues found"),
    ("unsupported type", "sheet.xls", b"\xd0\xcf\x11\xe0", ["import", "FILE"], "unsupported file type"),
    ("broken utf-16", "u.txt", b"\xff\xfeA\x00B", ["import", "FILE"], "broken UTF-16 text"),
    ("csv answers without column", "a.csv", b"LA,answer\nLA1,text\n", ["import", "FILE"], "needs --text-column"),
    ("csv answers wrong column", "b.csv", b"LA,answer\nLA1,text\n", ["import", "FILE", "--text-column", "nope"],
     "missing column nope"),
    ("manifest naming missing file", "m.csv", b"file,case\nghost.txt,x\n",
     ["import", "CORPUS", "--manifest", "FILE"], "line 2: names a missing file 'ghost.txt'"),
    ("manifest without file column", "m2.csv", b"case,role\nx,y\n", ["import", "CORPUS", "--manifest", "FILE"],
     "missing column file"),
    ("manifest listing a file twice", "m3.csv", b"file\ncolon.txt\ncolon.txt\n",
     ["import", "CORPUS", "--manifest", "FILE"], "line 3: 'colon.txt' is listed twice"),
    ("manifest with extra cells", "m4.csv", b"file\ncolon.txt,extra\n", ["import", "CORPUS", "--manifest", "FILE"],
     "line 2: more cells than columns"),
    ("codebook with tabs", "tabs.yaml", b"name: x\ncodes:\n\t- id: a\n", ["code", "--codebook", "FILE"], "tab character"),
    ("codebook with anchors", "anchor.yaml", b"name: &n x\ncodes: [*n]\n", ["code", "--codebook", "FILE"],
     "anchors and aliases are not allowed"),
    ("codebook with duplicate keys", "dup.yaml", b"name: x\nname: y\ncodes: []\n", ["code", "--codebook", "FILE"],
     "duplicate key 'name'"),
    ("codebook referencing missing codes", "missing.yaml", BOOK.replace("parent: contexts", "parent: ghost").encode(),
     ["code", "--codebook", "FILE"], "ctx-relationships.parent: unknown code 'ghost'"),
    ("codebook not utf-8", "latin.yaml", "name: caf\u00e9\n".encode("latin-1"), ["code", "--codebook", "FILE"],
     "not UTF-8 text"),
    ("codebook not a mapping", "list.yaml", b"- a\n- b\n", ["code", "--codebook", "FILE"], "must be a mapping"),
    ("codebook invalid token pattern", "pat.yaml",
     BOOK.replace("[{LEMMA: trust}", "[{NOPE: trust}").encode(), ["code", "--codebook", "FILE"],
     "mech-trust.rules.patterns[0]: invalid token pattern"),
    ("codings csv missing column", "c1.csv", b"source,quote\ncolon,x\n", ["codings", "import", "FILE", "--coder", "ann"],
     "missing column code"),
    ("codings quote not in text", "c2.csv", b"source,code,quote\ncolon,mech-trust,never said this\n",
     ["codings", "import", "FILE", "--coder", "ann"], "line 2: quote not found in 'colon'"),
    ("codings offsets beyond text", "c3.csv", b"source,code,start,end\ncolon,mech-trust,0,999999\n",
     ["codings", "import", "FILE", "--coder", "ann"], "line 2: offsets 0-999999 outside the text"),
    ("codings offsets not numbers", "c4.csv", b"source,code,start,end\ncolon,mech-trust,a,b\n",
     ["codings", "import", "FILE", "--coder", "ann"], "line 2: start and end must be whole numbers"),
    ("codings unknown code", "c5.csv", b"source,code,start,end\ncolon,ghost,0,5\n",
     ["codings", "import", "FILE", "--coder", "ann"], "line 2: unknown code 'ghost'"),
    ("codings unknown source", "c6.csv", b"source,code,start,end\nghost,mech-trust,0,5\n",
     ["codings", "import", "FILE", "--coder", "ann"], "line 2: unknown source 'ghost'"),
    ("codings as the auto coder", "c7.csv", b"source,code,start,end\ncolon,mech-trust,0,5\n",
     ["codings", "import", "FILE", "--coder", "auto"], "'auto' is the auto-coder's name"),
    ("review with a bad decision", "r.csv", b"source,code,start,end,decision\ncolon,mech-trust,0,5,maybe\n",
     ["review", "apply", "FILE", "--coder", "ann"], "line 2: decision 'maybe' is neither accept nor reject"),
    ("review missing decision column", "r2.csv", b"source,code,start,end\ncolon,mech-trust,0,5\n",
     ["review", "apply", "FILE", "--coder", "ann"], "missing column decision"),
    ("reliability matrix with text at interval level", "mx.csv", b"A,B\n1,x\n2,2\n",
     ["agree", "matrix", "FILE", "--level", "interval"], "line 2: 'x' is not a number"),
    ("cp1252 manifest with undefined byte", "m5.csv", b"file,case\ncolon.txt,caf\x81\n",
     ["import", "CORPUS", "--manifest", "FILE"], "neither UTF-8 nor Windows-1252"),
    ("survey with text in a Likert column", "sv.csv",
     SURVEY.replace(b"B2,Bramwell,yes,5,", b"B2,Bramwell,yes,lots,"),
     ["survey", "import", "FILE", "--id-column", "LA", "--map", str(FIXTURES / "survey" / "map.yaml")], "lots"),
    ("survey missing its id column", "sv2.csv", SURVEY.replace(b"LA,name", b"XX,name"),
     ["survey", "import", "FILE", "--id-column", "LA", "--map", str(FIXTURES / "survey" / "map.yaml")], "LA"),
    ("qdpx escaping its folder (zip-slip)", "slip.qdpx",
     zip_bytes({"project.qde": "<Project/>", "../../evil.txt": "x"}), ["refi", "import", "FILE"], "slip.qdpx"),
    ("qdpx that is not a zip", "plain.qdpx", b"not a zip at all", ["refi", "import", "FILE"], "plain.qdpx"),
    ("qdpx with an XML entity bomb", "bomb.qdpx",
     zip_bytes({"project.qde": '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaaaa">'
                               '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><Project>&b;</Project>'}),
     ["refi", "import", "FILE"], "bomb.qdpx"),
    ("filled pack that is not a pack", "letter.docx", docx_bytes(["Dear colleague, thanks for coming."]),
     ["pack", "ingest", "FILE"], "not an ipe workshop pack"),
]


@pytest.fixture
def seeded(tmp_path, transcripts):
    folder = project.init(tmp_path / "proj")
    with project.open_store(folder) as store:
        project.import_sources(store, [transcripts / "colon.txt"])
        project.auto_code(store, FIXTURES / "mini-codebook.yaml")
    return folder


def checksum(folder):
    with project.open_store(folder) as store:
        return store.logical_checksum()


def test_at_least_thirty_cases():
    assert len(CASES) >= 30


@pytest.mark.parametrize("name,filename,content,words,fragment", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_and_changes_nothing(seeded, transcripts, tmp_path, name, filename, content, words,
                                                   fragment):
    path = (transcripts if "CORPUS" in words else tmp_path) / filename
    path.write_bytes(content)
    args = [str(path) if w == "FILE" else str(transcripts) if w == "CORPUS" else w for w in words]
    before = checksum(seeded)
    result = CliRunner().invoke(cli, ["--project", str(seeded), *args])
    assert result.exit_code != 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert fragment in lines[0] and filename in lines[0], lines[0]
    assert checksum(seeded) == before


def test_huge_file_is_refused_without_reading_it(seeded, tmp_path):
    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as fh:
        fh.truncate(200 * 1024 * 1024)  # sparse: 200 MB without writing them
    before = checksum(seeded)
    result = CliRunner().invoke(cli, ["--project", str(seeded), "import", str(huge)])
    assert result.exit_code == 1 and "huge.txt: file too large (200 MB" in result.output
    assert checksum(seeded) == before


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16", "utf-8-sig"])
def test_other_encodings_import_correctly(seeded, tmp_path, encoding):
    path = tmp_path / f"enc-{encoding}.txt"
    path.write_bytes("Karen: Caf\u00e9 meetings \u2013 we share information.\nKaren: Again.\n".encode(encoding))
    result = CliRunner().invoke(cli, ["--project", str(seeded), "import", str(path)])
    assert result.exit_code == 0, result.output
    with project.open_store(seeded) as store:
        assert store.source(f"enc-{encoding}").text.startswith("Karen: Caf\u00e9 meetings \u2013 we")
