"""The docstring examples' tiny project: ``store`` and ``codebook`` in the namespace of every example that uses them.

The project is built once per test session from ``tests/fixtures/doctest/`` (three short interviews in two areas,
the mini codebook's auto codings, a human coder, one evidence link and one revision of CMO-01) and only read by the
examples. Examples that do not name ``store`` never build it.
"""

import shutil
from pathlib import Path

import pytest
from _pytest.doctest import DoctestItem

FIXTURES = Path(__file__).parent.parent / "tests" / "fixtures"
PROJECT = FIXTURES / "doctest"
SOURCES = ("ash-1.txt", "ash-2.txt", "bra-1.txt")


def build_project(folder: Path) -> Path:
    """The docstring project in ``folder`` (created): imported, auto-coded, coded by ``ana``, one link, one revision."""
    from ipe import evidence, project, theory

    corpus = folder / "corpus"
    shutil.copytree(PROJECT, corpus)
    folder = project.init(folder / "proj")
    with project.open_store(folder) as store:
        project.import_sources(store, [corpus / name for name in SOURCES], corpus / "manifest.csv")
        project.auto_code(store, FIXTURES / "mini-codebook.yaml")
        project.import_codings(store, corpus / "ana.csv", "ana")
        _, codebook = project.current_codebook(store)
        evidence.link(store, codebook, "CMO-01", "supports", "context,mechanism,outcome",
                      "Knowing each other, trusting, sharing within the hour: the whole chain in one turn.",
                      source="ash-1", quote="I trust them with anything.", actor="ana")
        theory.revise(store, codebook, "CMO-01", "Workshop: sitting together is not needed, knowing each other is.",
                      statement="Where practitioners know each other, whether or not they sit together, they trust "
                                "each other and share information quickly.", actor="ana")
    return folder


@pytest.fixture(scope="session")
def doctest_project(tmp_path_factory) -> Path:
    return build_project(tmp_path_factory.mktemp("doctest"))


@pytest.fixture(autouse=True)
def _doctest_store(request, doctest_namespace):
    """Open the tiny project for an example that names ``store``; close it afterwards."""
    item = request.node
    if not isinstance(item, DoctestItem) or not any("store" in e.source for e in item.dtest.examples):
        yield
        return
    from ipe import project

    with project.open_store(request.getfixturevalue("doctest_project")) as store:
        doctest_namespace["store"] = store
        doctest_namespace["codebook"] = project.current_codebook(store)[1]
        yield
    del doctest_namespace["store"], doctest_namespace["codebook"]
