"""A small coded project served by the workbench through Starlette's test client."""

import shutil
from pathlib import Path

import pytest

from ipe import accounts, project
from webbench import Workbench

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture(scope="module", autouse=True)
def cheap_password_hashes():
    """Accounts made here hash with a small scrypt cost: what the pages do with a sign-in is tested here, what a
    hash costs in tests/test_accounts.py (a stored hash carries its cost, so signing in checks it at that cost).
    Module-scoped, so the team projects that module fixtures build get cheap hashes too."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "SCRYPT_N", 2 ** 10)
        yield


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
