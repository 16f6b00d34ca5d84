"""A small coded project served by the workbench through Starlette's test client."""

import shutil
from pathlib import Path

import pytest

from ipe import project
from webbench import Workbench

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture(scope="session")
def coded_template(tmp_path_factory):
    """Built once: the tiny transcripts imported and auto-coded with the mini codebook (not pseudonymised)."""
    tmp = tmp_path_factory.mktemp("web-template")
    target = tmp / "transcripts"
    shutil.copytree(FIXTURES / "transcripts", target)
    folder = project.init(tmp / "proj")
    with project.open_store(folder) as store:
        project.import_sources(store, [target])
        project.auto_code(store, FIXTURES / "mini-codebook.yaml")
    return folder


@pytest.fixture
def web_project(coded_template, tmp_path):
    """A fresh copy of the coded project for one test."""
    return Path(shutil.copytree(coded_template, tmp_path / "proj"))


@pytest.fixture
def bench(web_project):
    return Workbench(web_project)
