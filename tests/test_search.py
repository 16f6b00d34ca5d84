"""Semantic search: ranking, exclusions, the lexical fallback, and the model's hash check."""

import shutil
from pathlib import Path

import pytest

from ipe import embeddings, project
from ipe import search as search_module
from ipe.records import Coding

FIXTURES = Path(__file__).parent / "fixtures" / "semantic"
QUERY = "parents were not told their information was shared"
UNRELATED = ("car park", "printer", "rained", "parking permits")


@pytest.fixture
def hub(store, mini_codebook):
    project.import_sources(store, [FIXTURES], FIXTURES / "manifest.csv")
    project.load_codebook(store, mini_codebook)
    return store


def _code(store, quote, code, coder="ana"):
    src = "hub-a" if quote in store.source("hub-a", structure=False).text else "hub-b"
    text = store.source(src, structure=False).text
    start = text.index(quote)
    with store.transaction():
        store.ensure_coder(coder, "human")
        store.add_codings([Coding(src, start, start + len(quote), code, coder, quote=quote, codebook_version=1)])
    return store.codings(coders=[coder])[-1]


def _rank(result, words):
    return next(h.rank for h in result.hits if words in h.text)


def test_lexical_search_ranks_a_planted_paraphrase_above_unrelated_text(hub):
    result = search_module.search(hub, QUERY, lexical_only=True, limit=50)
    assert result.mode == "lexical"
    paraphrase = _rank(result, "Dad was never told")
    for words in UNRELATED:
        assert paraphrase < _rank(result, words)
    top = result.hits[0]
    assert top.ref == f"{top.source}:{top.ref.split(':')[1]}" and top.speaker in {"Karen", "Omar"}
    assert all(h.role != "interviewer" for h in result.hits)


def test_search_falls_back_to_lexical_with_one_line_naming_the_extra(hub, monkeypatch):
    monkeypatch.setattr(embeddings, "available", lambda: False)
    monkeypatch.setattr(embeddings.importlib.util, "find_spec", lambda name: None)
    result = search_module.search(hub, QUERY, limit=50)
    assert result.mode == "lexical"
    assert "ipe[semantic]" in result.note and "\n" not in result.note
    assert _rank(result, "Dad was never told") < _rank(result, "car park")


def test_search_leaves_out_what_a_human_already_coded_with_the_code(hub):
    coded = _code(hub, "The police shared information within the hour.", "out-timely-sharing")
    result = search_module.search(hub, "share information with the police", code="out-timely-sharing",
                                  lexical_only=True, limit=50)
    assert all("within the hour" not in h.text or "health visitor" in h.text for h in result.hits)
    assert result.excluded == 1
    like = search_module.search(hub, like=coded.id, lexical_only=True, limit=3)
    assert like.hits[0].text.startswith("We share information with the police")
    assert all(coded.quote not in h.text for h in like.hits)


def test_code_mode_uses_every_human_coding_of_the_code_as_the_query(hub):
    _code(hub, "We sit together so I know the police officers well.", "ctx-relationships")
    result = search_module.search(hub, code="ctx-relationships", lexical_only=True, limit=3)
    assert "police" in result.hits[0].text
    with pytest.raises(search_module.NotFound):
        search_module.search(hub, code="mech-trust", lexical_only=True)


def test_search_cli_prints_ranked_sentences_with_references(invoke, tmp_path, mini_codebook):
    invoke("init")
    invoke("import", FIXTURES, "--manifest", FIXTURES / "manifest.csv", "-q")
    invoke("code", "--codebook", mini_codebook, "-q")
    result = invoke("search", QUERY, "--lexical", "--format", "csv", "--limit", "3")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("rank,score,ref,source,case,speaker,role,turn,text")
    assert len(lines) == 4


def _tampered_model(tmp_path) -> Path:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / embeddings.WEIGHTS).write_bytes(b"not the official weights")
    return folder


def test_a_tampered_model_file_is_refused_before_loading(tmp_path):
    with pytest.raises(embeddings.ModelRefused) as err:
        embeddings.Embedder(_tampered_model(tmp_path))
    message = str(err.value)
    assert "SHA-256" in message and "refusing" in message and "\n" not in message


def test_search_with_a_tampered_model_is_one_line_error_and_nothing_cached(invoke, tmp_path, monkeypatch,
                                                                          mini_codebook):
    monkeypatch.setattr(embeddings, "available", lambda: True)
    monkeypatch.setattr(embeddings, "model_dir", lambda: _tampered_model(tmp_path))
    monkeypatch.setattr(embeddings, "_EMBEDDER", None)
    invoke("init")
    invoke("import", FIXTURES, "--manifest", FIXTURES / "manifest.csv", "-q")
    invoke("code", "--codebook", mini_codebook, "-q")
    with project.open_store(tmp_path / "cliproj") as s:
        before = s.logical_checksum()
    result = invoke("search", QUERY)
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "refusing to load" in result.output
    with project.open_store(tmp_path / "cliproj") as s:
        assert s.logical_checksum() == before


@pytest.mark.semantic
@pytest.mark.skipif(not embeddings.available(), reason="needs the ipe[semantic] extra")
def test_the_installed_model_file_has_the_official_hash():
    assert embeddings.verify_weights(embeddings.model_dir()) == embeddings.MODEL_SHA256


@pytest.mark.semantic
@pytest.mark.skipif(not embeddings.available(), reason="needs the ipe[semantic] extra")
def test_semantic_search_ranks_a_paraphrase_without_shared_words_above_unrelated_text(hub):
    result = search_module.search(hub, QUERY, limit=50)
    assert result.mode == "semantic+lexical" and not result.note
    paraphrase = _rank(result, "Nobody let the mum know")
    assert paraphrase <= 2
    for words in UNRELATED:
        assert paraphrase < _rank(result, words)
    lexical = search_module.search(hub, QUERY, lexical_only=True, limit=50)
    assert paraphrase < _rank(lexical, "Nobody let the mum know")


@pytest.mark.semantic
@pytest.mark.skipif(not embeddings.available(), reason="needs the ipe[semantic] extra")
def test_embeddings_are_cached_by_text_and_model_hash(hub, monkeypatch):
    texts = ["We share information.", "We  share information.", "Something else entirely."]
    first = embeddings.embed(hub, texts)
    assert first.shape == (3, embeddings.DIMENSIONS)
    assert first[0] == pytest.approx(first[1]) and abs(float(first[0] @ first[0]) - 1) < 1e-5
    monkeypatch.setattr(embeddings.Embedder, "encode", lambda self, t: pytest.fail("re-embedded a cached text"))
    again = embeddings.embed(hub, texts)
    assert again.tobytes() == first.tobytes()


def test_search_index_is_kept_between_queries_and_rebuilt_when_sentences_change(hub, tmp_path):
    first = search_module.search(hub, QUERY, lexical_only=True)
    index = search_module._LAST
    search_module.search(hub, "the car park", lexical_only=True)
    assert search_module._LAST is index  # the same sentences: no new index
    extra = tmp_path / "late.txt"
    extra.write_text("Interviewer: And then?\nKaren: Mum was never told her records had been passed on.\n")
    project.import_sources(hub, [extra])
    again = search_module.search(hub, QUERY, lexical_only=True)
    assert search_module._LAST is not index
    assert any("records had been passed on" in h.text for h in again.hits)
    assert len(again.hits) >= len(first.hits)
