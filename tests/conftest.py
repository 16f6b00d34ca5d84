import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ipe import project
from ipe.cli import cli
from ipe.store import STORE_NAME, Store
from pgcluster import Cluster

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent


@pytest.fixture
def fixtures():
    return FIXTURES


@pytest.fixture
def mini_codebook():
    return FIXTURES / "mini-codebook.yaml"


@pytest.fixture
def transcripts(tmp_path):
    """A writable copy of the tiny transcripts."""
    target = tmp_path / "transcripts"
    shutil.copytree(FIXTURES / "transcripts", target)
    return target


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL cluster for the whole session (see tests/pgcluster.py)."""
    cluster = Cluster().start()
    yield cluster
    cluster.stop()


# The PostgreSQL variant is `slow` as well: it doubles the suite's time for tests whose logic the SQLite variant
# already checks, so the developer's loop keeps to SQLite and the backend's own tests (test_store_backends.py,
# which stay in it) while CI runs every test on both.
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=[pytest.mark.postgres, pytest.mark.slow])])
def backend(request):
    """Each store test runs twice: on SQLite and on PostgreSQL."""
    return request.param


@pytest.fixture
def database(backend, request):
    """The database URL of a new empty project for the backend under test (None: SQLite in the folder)."""
    return request.getfixturevalue("pg_cluster").new_url() if backend == "postgresql" else None


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated, empty SQLite store, made once per session: copying it is much cheaper than migrating."""
    return project.init(tmp_path_factory.mktemp("sqlite-template") / "proj") / STORE_NAME


def new_project(folder: Path, template: Path) -> Path:
    """A project folder as ``ipe init`` leaves it (owner-only folder and store), its store a copy of ``template``."""
    folder.mkdir(parents=True)
    os.chmod(folder, 0o700)
    fd = os.open(folder / STORE_NAME, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(template.read_bytes())
    return folder


@pytest.fixture
def store(tmp_path, backend, request):
    """A new, empty project's open store on the backend under test, made from a migrated template."""
    folder = tmp_path / "proj"
    if backend == "postgresql":
        s = Store.create(folder, request.getfixturevalue("pg_cluster").new_project_url())
    else:
        s = project.open_store(new_project(folder, request.getfixturevalue("sqlite_template")))
    yield s
    s.close()


@pytest.fixture
def coded_store(store, transcripts, mini_codebook):
    """A project with the tiny transcripts imported and auto-coded with the mini codebook."""
    project.import_sources(store, [transcripts])
    project.auto_code(store, mini_codebook)
    return store


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def invoke(runner, tmp_path):
    """Run the CLI against a project in tmp_path; returns the click Result."""
    proj = tmp_path / "cliproj"

    def _invoke(*args, project_dir=proj):
        return runner.invoke(cli, ["--project", str(project_dir), *map(str, args)], catch_exceptions=False)

    return _invoke
