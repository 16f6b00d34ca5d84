"""Hostile .qdpx files: each is refused with one line naming the file, a non-zero exit and an unchanged store, and
a refused file never makes ipe hold much more than the limit in memory."""

import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from ipe import project
from ipe.cli import cli
from ipe.refi import archive

ROOT = Path(__file__).resolve().parents[2]
NS = "urn:QDA-XML:project:1.0"
GUID = "00000028-0000-4000-8000-000000000028"


def project_xml(path=f"internal://{GUID}.txt"):
    return (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="{NS}" name="x"><Sources>'
            f'<TextSource guid="{GUID}" name="big" plainTextPath="{path}"/></Sources></Project>')


def big_qdpx(path: Path, size: int, declare=None) -> Path:
    """A .qdpx whose one source unpacks to ``size`` bytes of text, streamed so the test holds little in memory;
    ``declare`` writes a smaller size into the zip headers (a lying archive)."""
    line = b"Karen: we share information every morning at the desk.\n"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("project.qde", project_xml())
        with z.open(f"sources/{GUID}.txt", "w", force_zip64=True) as out:
            chunk = line * (1 << 20 // len(line) + 1)
            written = 0
            while written < size:
                piece = chunk[:size - written]
                out.write(piece)
                written += len(piece)
    if declare is not None:
        _lie(path, f"sources/{GUID}.txt", declare)
    return path


def _lie(path: Path, name: str, size: int) -> None:
    """Rewrite the uncompressed size of entry ``name`` in the central directory (what zipfile trusts)."""
    data = bytearray(path.read_bytes())
    encoded = name.encode()
    at = data.find(b"PK\x01\x02" + bytes(0))
    while at != -1:
        name_len, = struct.unpack_from("<H", data, at + 28)
        if bytes(data[at + 46:at + 46 + name_len]) == encoded:
            extra_len, = struct.unpack_from("<H", data, at + 30)
            struct.pack_into("<I", data, at + 24, size)
            extra = at + 46 + name_len
            end = extra + extra_len
            while extra < end:  # the zip64 extra field holds the real sizes: lie there too
                tag, length = struct.unpack_from("<HH", data, extra)
                if tag == 1:
                    struct.pack_into("<Q", data, extra + 4, size)
                extra += 4 + length
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))


def refuse(tmp_path, qdpx: Path, fragment: str):
    folder = project.init(tmp_path / "proj")
    with project.open_store(folder) as store:
        before = store.logical_checksum()
    result = CliRunner().invoke(cli, ["--project", str(folder), "refi", "import", str(qdpx)])
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {qdpx}") and fragment in lines[0], result.output
    with project.open_store(folder) as store:
        assert store.logical_checksum() == before and not store.source_ids()


def test_qdpx_source_over_the_limit_is_refused_before_it_is_read(tmp_path):
    qdpx = big_qdpx(tmp_path / "fifty.qdpx", 50 * 1024 * 1024)
    refuse(tmp_path, qdpx, f"the limit for a source text is {archive.MAX_SOURCE_BYTES}")


def test_qdpx_entry_larger_than_it_declares_is_cut_off_while_it_unpacks(tmp_path, monkeypatch):
    qdpx = big_qdpx(tmp_path / "liar.qdpx", 4 * 1024 * 1024, declare=1000)
    assert zipfile.ZipFile(qdpx).getinfo(f"sources/{GUID}.txt").file_size == 1000
    refuse(tmp_path, qdpx, "damaged entry")  # zipfile stops at the declared size, then the CRC fails


CASES = [
    ("many entries", {f"e{i}.txt": "x" for i in range(50)} | {"project.qde": project_xml()}, "too many entries"),
    ("absolute entry path", {"/etc/evil": "x", "project.qde": project_xml()}, "unsafe entry path '/etc/evil'"),
    ("entry climbing out", {"sources/../../evil": "x", "project.qde": project_xml()}, "unsafe entry path"),
    ("text path climbing out", {"project.qde": project_xml("internal://../../etc/passwd")},
     "its text 'internal://../../etc/passwd' is outside the archive"),
    ("absolute text path", {"project.qde": project_xml("absolute:///etc/passwd")}, "is outside the archive"),
    ("relative text path", {"project.qde": project_xml("relative://../notes.txt")}, "is outside the archive"),
    ("windows text path", {"project.qde": project_xml("C:\\Users\\x\\big.txt")}, "is outside the archive"),
    ("too much in all", {"project.qde": project_xml(), f"sources/{GUID}.txt": "y" * 3000}, "unpacks to"),
]


@pytest.mark.parametrize("name,entries,fragment", CASES, ids=[c[0] for c in CASES])
def test_qdpx_hostile_archives_are_refused_in_one_line(tmp_path, monkeypatch, name, entries, fragment):
    monkeypatch.setattr(archive, "MAX_ENTRIES", 20)
    monkeypatch.setattr(archive, "MAX_UNCOMPRESSED", 2500)
    qdpx = tmp_path / "hostile.qdpx"
    with zipfile.ZipFile(qdpx, "w") as z:
        for entry, data in entries.items():
            z.writestr(entry, data)
    refuse(tmp_path, qdpx, fragment)


@pytest.mark.slow
def test_qdpx_480_mib_source_in_a_small_archive_is_refused_within_1_gb(tmp_path):
    """The case that was OOM-killed at 22.6 GB: a 490 KB .qdpx holding a 480 MiB source, and the same with its
    headers claiming 1 KB. Run in a fresh interpreter so its peak memory is its own."""
    honest = big_qdpx(tmp_path / "bomb-None.qdpx", 480 * 1024 * 1024)
    assert honest.stat().st_size < 2 * 1024 * 1024
    liar = tmp_path / "bomb-1000.qdpx"
    liar.write_bytes(honest.read_bytes())
    _lie(liar, f"sources/{GUID}.txt", 1000)
    for declare, qdpx in ((None, honest), (1000, liar)):
        script = (
            "import sys\n"
            "from ipe import project, refi\n"
            f"store = project.open_store(project.init({str(tmp_path / f'p-{declare}')!r}))\n"
            "try:\n"
            f"    refi.import_file(store, {str(qdpx)!r})\n"
            "except refi.RefiError as exc:\n"
            "    print(exc)\n"
            # VmHWM is this process image's own peak; ru_maxrss would carry pytest's peak across exec.
            "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))\n"
        )
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT,
                              env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=300)
        message, peak_kib = done.stdout.strip().splitlines()
        assert message.startswith(f"{qdpx}: ") and ("limit" in message or "damaged entry" in message), done.stdout
        assert int(peak_kib) < 1024 * 1024, f"peak {int(peak_kib) // 1024} MiB"
