"""Faults and concurrent use lose nothing: SIGKILL during coding, two writers at once."""

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ipe import project

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "corpora" / "mash-sample"
CODEBOOK = ROOT / "codebooks" / "mash-programme-theory.yaml"


def ipe(*args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "ipe", *map(str, args)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


@pytest.fixture(scope="module")
def big_project(tmp_path_factory):
    """The sample corpus four times over (each copy made distinct), imported, with the codebook loaded."""
    base = tmp_path_factory.mktemp("big")
    corpus = base / "corpus"
    for copy in range(4):
        for f in sorted(SAMPLE.rglob("*")):
            if f.suffix in (".txt", ".md"):
                target = corpus / f"copy{copy}-{f.name}"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(f"Copy {copy}\n\n" + f.read_text(encoding="utf-8"), encoding="utf-8")
    folder = project.init(base / "proj")
    with project.open_store(folder) as store:
        project.import_sources(store, [corpus])
        project.load_codebook(store, CODEBOOK)
    return folder


def _codings(folder, coder):
    with project.open_store(folder) as store:
        return [(c.source_id, c.start, c.end, c.code_id) for c in store.codings(coders=[coder])]


@pytest.mark.slow
def test_sigkill_during_coding_leaves_previous_state_then_rerun_completes(big_project, tmp_path):
    folder = tmp_path / "proj"
    shutil.copytree(big_project, folder)
    with project.open_store(folder) as store:
        before = store.logical_checksum()
    proc = ipe("-p", folder, "code", "--quiet")
    time.sleep(2.5)  # past start-up, inside the coding transaction
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with project.open_store(folder) as store:
        assert store.integrity_check() == "ok"
        coded = store.coded_sources("auto", 1)
        counts = {}
        for c in store.codings(coders=["auto"]):
            counts[c.source_id] = counts.get(c.source_id, 0) + 1
        if store.logical_checksum() != before:
            # only complete sources may be present, each with a record of how many codings it got
            assert set(counts) <= set(coded)
            for sid in coded:
                recorded = store.conn.execute(
                    "SELECT codings FROM coded_sources WHERE source_id = ?", (sid,)).fetchone()[0]
                assert counts.get(sid, 0) == recorded
    assert ipe("-p", folder, "code", "--quiet").wait() == 0
    fresh = tmp_path / "fresh"
    shutil.copytree(big_project, fresh)
    assert ipe("-p", fresh, "code", "--quiet").wait() == 0
    assert _codings(folder, "auto") == _codings(fresh, "auto")


@pytest.mark.slow
def test_two_coders_importing_at_once_lose_nothing(big_project, tmp_path):
    folder = tmp_path / "proj"
    shutil.copytree(big_project, folder)
    with project.open_store(folder) as store:
        sources = store.source_ids()[:40]
        texts = {s: store.source(s, structure=False).text for s in sources}
    files = []
    for coder in ("ann", "ben"):
        rows = ["source,code,start,end"]
        for sid in sources:
            for k in range(25):
                start = (k * 37) % max(1, len(texts[sid]) - 20)
                rows.append(f"{sid},fn-consent,{start},{start + 10}")
        path = tmp_path / f"{coder}.csv"
        path.write_text("\n".join(rows) + "\n")
        files.append((coder, path))
    procs = [ipe("-p", folder, "codings", "import", path, "--coder", coder) for coder, path in files]
    results = [(p.wait(), p.stdout.read(), p.stderr.read()) for p in procs]
    with project.open_store(folder) as store:
        for (coder, path), (code, out, err) in zip(files, results):
            expected = len(set(path.read_text().splitlines()[1:]))
            if code == 0:
                assert len(store.codings(coders=[coder])) == expected
            else:  # the only acceptable failure: a clear busy message, and nothing half-written
                assert "project busy" in err and len(store.codings(coders=[coder])) == 0
        assert store.integrity_check() == "ok"
