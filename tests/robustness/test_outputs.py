"""Outputs appear whole or not at all, owner-only whatever the umask, and one command at a time per folder."""

import os
import stat
import subprocess
import sys
import time

import pandas as pd
import pytest

from ipe import exporters, outputs
from ipe.errors import ProjectBusy

TABLES = {"t": pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})}


@pytest.fixture
def loose_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)
    outputs.set_team(False)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("fmt", exporters.formats("table"))
def test_every_table_format_is_owner_only_under_umask_022(fmt, tmp_path, loose_umask):
    written = exporters.write(fmt, TABLES, tmp_path / "new" / "deeper" / "out")
    assert written and all(mode(p) == 0o600 for p in written)
    assert mode(tmp_path / "new") == mode(tmp_path / "new" / "deeper") == 0o700
    assert sorted(p.name for p in (tmp_path / "new" / "deeper").iterdir()) == sorted(p.name for p in written)


def test_team_mode_gives_the_group_read_and_write(tmp_path, loose_umask):
    outputs.set_team(True)
    [path] = exporters.write("csv", TABLES, tmp_path / "team" / "t")
    assert mode(path) == 0o660 and mode(tmp_path / "team") == 0o770


def test_an_existing_folder_keeps_its_mode(tmp_path, loose_umask):
    os.chmod(tmp_path, 0o755)
    [path] = exporters.write("csv", TABLES, tmp_path / "t")
    assert mode(tmp_path) == 0o755 and mode(path) == 0o600


def test_a_writer_that_fails_leaves_the_previous_file_whole_and_no_debris(tmp_path):
    target = tmp_path / "quote-bank.csv"
    outputs.write_text(target, "old,complete\n")

    def half(staged):
        staged.write_text("new,half")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        outputs.produce(half, target)
    assert target.read_text() == "old,complete\n"
    assert [p.name for p in tmp_path.iterdir()] == ["quote-bank.csv"]


def test_a_kill_mid_write_leaves_the_previous_file_whole(tmp_path):
    target = tmp_path / "big.csv"
    outputs.write_text(target, "complete\n")
    script = ("import sys, time; from ipe import outputs\n"
              "def slow(p):\n"
              "    with open(p, 'w') as fh:\n"
              "        fh.write('partial\\n'); fh.flush(); print('writing', flush=True); time.sleep(30)\n"
              "    return p\n"
              f"outputs.produce(slow, {str(target)!r})\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    proc.kill()
    proc.wait()
    assert target.read_text() == "complete\n"


def _hold_lock(folder):
    script = f"import time; from ipe import outputs\nwith outputs.lock({str(folder)!r}):\n    print('held', flush=True); time.sleep(30)\n"
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_command_on_a_locked_folder_is_busy_in_one_line(tmp_path):
    proc = _hold_lock(tmp_path)
    try:
        with pytest.raises(ProjectBusy) as err:
            with outputs.lock(tmp_path, "output folder"):
                pass
        assert "busy" in str(err.value) and "\n" not in str(err.value) and str(tmp_path.resolve()) in str(err.value)
    finally:
        proc.kill()
        proc.wait()
    with outputs.lock(tmp_path):  # free again once the holder is gone
        pass
    assert list(tmp_path.iterdir()) == []  # no lock file left behind


def test_the_lock_is_reentrant_in_one_process_and_exclusive_across_processes(tmp_path):
    with outputs.lock(tmp_path):
        with outputs.lock(tmp_path):
            pass
        other = subprocess.run([sys.executable, "-c", f"from ipe import outputs\nwith outputs.lock({str(tmp_path)!r}): pass"],
                               capture_output=True, text=True)
    assert other.returncode == 1 and "ProjectBusy" in other.stderr and "busy" in other.stderr


def test_ipe_run_into_a_busy_output_folder_says_busy(tmp_path):
    from click.testing import CliRunner

    from ipe.cli import cli

    out = tmp_path / "reports"
    out.mkdir()
    proc = _hold_lock(out)
    try:
        started = time.monotonic()
        result = CliRunner().invoke(cli, ["run", "--out", str(out), "--quiet"])
    finally:
        proc.kill()
        proc.wait()
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "busy" in result.output and result.output.count("\n") == 1
    assert time.monotonic() - started < 20
