"""Bounded resources: no input exhausts the machine; refusals are one line and quick (issue 16: 6, 10)."""

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from ipe import codebook, corpus, limits, project
from ipe.cli import cli
from ipe.errors import CodebookError, SourceError

ROOT = Path(__file__).resolve().parents[2]


def _docx_bomb(path: Path, unpacked: int) -> Path:
    """A real .docx whose document.xml is padded with white space to ``unpacked`` bytes (it compresses to little)."""
    buffer = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("Interviewer: Hello?")
    document.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"</w:body>", b" " * unpacked + b"</w:body>")
            dst.writestr(info.filename, data)
    return path


def _many_entries(path: Path, n: int) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for i in range(n):
            z.writestr(f"e{i}.xml", b"")
    return path


# (case, make the file, expected one-line problem)
ARCHIVES = [
    ("docx unpacking past the limit", lambda p: _docx_bomb(p / "bomb.docx", limits.MAX_UNPACKED_BYTES + 1024),
     "archive unpacks to more than 200 MB"),
    ("docx with too many entries", lambda p: _many_entries(p / "many.docx", limits.MAX_ENTRIES + 1),
     "archive holds 10001 files"),
]


@pytest.mark.parametrize("case, make, problem", ARCHIVES, ids=[a[0] for a in ARCHIVES])
def test_an_archive_bomb_is_refused_in_one_line(tmp_path, case, make, problem):
    path = make(tmp_path)
    assert path.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(SourceError, match=problem):
        corpus.read_file(path)


@pytest.mark.slow
def test_refusing_a_docx_bomb_stays_under_a_gigabyte(tmp_path):
    path = _docx_bomb(tmp_path / "bomb.docx", 600 * 1024 * 1024)
    script = ("import resource, sys; from ipe import corpus\n"
              "try:\n    corpus.read_file(__import__('pathlib').Path(sys.argv[1]))\n"
              "except Exception as e:\n    print(type(e).__name__, e)\n"
              # VmHWM belongs to this process image (ru_maxrss would carry the parent's peak across exec).
              "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))\n")
    out = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    message, peak_kb = out.stdout.strip().splitlines()
    assert message.startswith("SourceError") and "archive unpacks to more than" in message
    assert int(peak_kb) < 1024 * 1024


def test_a_source_over_the_length_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_SOURCE_CHARS", 1000)
    path = tmp_path / "long.txt"
    path.write_text("Word " * 400)
    with pytest.raises(SourceError, match="text too long"):
        corpus.read_file(path)


@pytest.mark.slow
def test_a_source_longer_than_spacys_max_length_imports_and_codes(store, tmp_path, mini_codebook):
    path = tmp_path / "big.txt"
    paragraph = "We sit together, so we know each other. I trust her judgement though. " * 15
    # One turn of about 1.2 million characters with no speaker change: past spaCy's 1,000,000 max_length.
    path.write_text("Interviewer: Tell me about it?\n\nKaren: " + "\n".join(paragraph for _ in range(1100)) + "\n")
    assert len(path.read_text()) > 1_000_000
    report = project.import_sources(store, [path])
    assert report.rows[0][1] == "new"
    sentences = store.sentences("big")
    assert len(sentences) == 1 + 1100 * 30
    sentences = sentences[1:]
    text = store.source("big").text
    assert all(text[s.start:s.end] in ("We sit together, so we know each other.", "I trust her judgement though.")
               for s in sentences[:50] + sentences[-50:])
    coded = project.auto_code(store, mini_codebook)
    assert coded.codings > 1000


def test_deeply_nested_yaml_is_a_one_line_error(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("codes: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(CodebookError, match="nested more than 40 levels deep"):
        codebook.load(path)
    store_dir = project.init(tmp_path / "p")
    result = CliRunner().invoke(cli, ["-p", str(store_dir), "code", "--codebook", str(path), "--quiet"])
    assert result.exit_code == 1 and result.output.count("\n") == 1 and "nested more than" in result.output


def test_an_oversized_codebook_is_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_CODEBOOK_BYTES", 100)
    path = tmp_path / "big.yaml"
    path.write_text("name: x\n" + "# padding\n" * 50)
    with pytest.raises(CodebookError, match="file too large"):
        codebook.load(path)
