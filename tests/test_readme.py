"""The README stays in step with the CLI and with CI."""

import re
from pathlib import Path

from ipe.cli.reference import END, START, reference

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_cli_reference_matches_help():
    section = re.search(f"{re.escape(START)}\n(.*?)\n{re.escape(END)}", README, re.S)
    assert section, "README has no CLI reference section"
    assert section.group(1) == reference(), "README out of date: run python -m ipe.cli.reference"


def test_every_command_is_in_the_readme():
    for line in reference().splitlines():
        command = line.split("`")[1].split(" [")[0]
        assert command in README


def test_ci_runs_the_readme_test_command():
    commands = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    test_command = [c for c in commands if "pytest" in c][0]
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert any(c.endswith("&& ipe run") for c in commands)
