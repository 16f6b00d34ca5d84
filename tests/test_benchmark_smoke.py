"""The benchmark script runs end to end on a tiny corpus (no timing is checked)."""

import subprocess
import sys
from pathlib import Path

import pytest

# End to end on the shipped or a generated corpus: minutes, not seconds.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).parent.parent
STAGES = ["import", "sentence split", "store writes (import)", "coding", "codebook load + compile", "matching + widening",
          "store writes (coding)", "store writes (total)", "CMO build", "tables", "(a) spaCy blank pipeline",
          "(b) naive regex coder"]


def test_benchmark_runs_end_to_end_on_a_tiny_corpus(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--words", "3000", "--codes", "50", "--no-others",
         "--workdir", str(tmp_path / "work"), "--json", str(tmp_path / "results.jsonl")],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for name in STAGES:
        assert any(line.strip().startswith(name) for line in lines), f"no line for stage '{name}'"
    assert "targets:" in result.stdout
    assert (tmp_path / "results.jsonl").read_text().count("\n") == 1


def test_benchmark_codebook_generator_scales_the_shipped_codebook():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import generate
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    from ipe import codebook

    for k in (50, 500):
        assert len(codebook.loads(generate.scaled_codebook(k, seed=3)).codes) == k
