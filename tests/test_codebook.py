"""Codebook loading and validation: every problem reported, each with its code id and field."""

import subprocess
import sys
from pathlib import Path

import pytest

from ipe import codebook
from ipe.errors import CodebookError

ROOT_BOOK = Path(__file__).parent.parent / "codebooks" / "mash-programme-theory.yaml"


def problems_of(text):
    with pytest.raises(CodebookError) as info:
        codebook.loads(text, "book.yaml")
    return info.value.problems


def test_mini_codebook_loads(mini_codebook):
    cb = codebook.load(mini_codebook)
    assert [c.id for c in cb.codes][:2] == ["contexts", "ctx-relationships"]
    assert cb.code("grp-fathers").rules.unit == "turn"
    assert cb.theory[0].mechanisms == ("mech-trust",)
    assert cb.path("ctx-relationships") == "contexts/ctx-relationships"


def test_content_hash_ignores_comments_and_layout(mini_codebook):
    text = mini_codebook.read_text()
    assert codebook.loads(text).content_hash == codebook.loads("# a comment\n" + text).content_hash
    assert codebook.loads(text).content_hash != codebook.loads(text.replace("Fathers and male", "Dads and male")).content_hash


def test_all_problems_reported_at_once():
    text = """
name: Broken
codes:
  - {id: a, name: A, type: context, description: d, include: i, exclude: e, examples: [x], parent: nowhere,
     rules: {phrases: [p]}}
  - {id: a, name: Dup, type: context, description: d, include: i, exclude: e, examples: [x], rules: {phrases: [p]}}
  - {id: b, name: B, type: feeling, description: d, include: i, exclude: e, examples: [x], rules: {}}
  - {id: m, name: M, type: mechanism, mechanism: outcome, description: d, include: i, exclude: e, examples: [x],
     rules: {patterns: [[{NOPE: x}]]}}
  - {id: o, name: O, type: outcome, description: d, include: i, exclude: '', examples: [x], rules: {phrases: [p]},
     contradicts: [ghost]}
theory:
  - {id: CMO-1, context: o, mechanism: m, outcome: a, statement: s, chain_from: CMO-9}
research_questions:
  - {id: RQ1, question: q, codes: [a, zzz]}
"""
    got = problems_of(text)
    expected = [
        "a.parent: unknown code 'nowhere'",
        "a.id: duplicate id",
        "b.type: 'feeling' is not one of",
        "b.rules: empty",
        "m.mechanism: 'outcome' allowed only on mechanism codes",
        "m.rules.patterns[0]: invalid token pattern",
        "o.exclude: missing or empty",
        "o.contradicts: unknown code 'ghost'",
        "CMO-1.context: 'o' is a outcome code, not a context",
        "CMO-1.outcome: 'a' is a context code, not a outcome",
        "CMO-1.chain_from: unknown configuration 'CMO-9'",
        "RQ1.codes: unknown code 'zzz'",
    ]
    for fragment in expected:
        assert any(fragment in p for p in got), (fragment, got)


def test_hierarchy_cycle_is_reported():
    text = """
name: Cycle
codes:
  - {id: a, name: A, type: theme, parent: b, description: d, include: i, exclude: e}
  - {id: b, name: B, type: theme, parent: a, description: d, include: i, exclude: e}
"""
    assert any("cycle in the hierarchy" in p for p in problems_of(text))


def test_resource_response_pair_checks_kinds():
    text = """
name: Pair
codes:
  - {id: c, name: C, type: context, description: d, include: i, exclude: e, examples: [x], rules: {phrases: [c]}}
  - {id: r, name: R, type: mechanism, mechanism: response, description: d, include: i, exclude: e, examples: [x], rules: {phrases: [r]}}
  - {id: o, name: O, type: outcome, description: d, include: i, exclude: e, examples: [x], rules: {phrases: [o]}}
theory:
  - {id: T1, context: c, mechanism: {resource: r, response: r}, outcome: o, statement: s}
"""
    assert problems_of(text) == ["T1.mechanism.resource: 'r' is a response mechanism"]


@pytest.mark.parametrize("text,fragment", [
    ("name: x\ncodes:\n\t- id: a\n", "tab character"),
    ("name: x\nname: y\ncodes: []\n", "duplicate key 'name'"),
    ("name: &n x\ncodes: [*n]\n", "anchors and aliases are not allowed"),
    ("- just\n- a list\n", "must be a mapping"),
    ("name: x\ncodes: [\n", "line"),
])
def test_malformed_yaml_gives_one_line(text, fragment):
    got = problems_of(text)
    assert len(got) == 1 and fragment in got[0] and "\n" not in got[0]


def test_shipped_codebook_is_valid_and_rich():
    cb = codebook.load(ROOT_BOOK)
    non_theme = [c for c in cb.codes if c.type != "theme"]
    types = {c.id: c.type for c in cb.codes}
    assert {q.id for q in cb.research_questions} == {f"RQ{i}" for i in range(1, 7)}
    assert all(not c.rules.empty and c.description and c.examples for c in non_theme)
    assert {c.type for c in non_theme} == {"component", "function", "context", "mechanism", "outcome", "group"}
    # Every configuration reads context -> mechanism(s) -> outcome in codes of those types.
    assert cb.theory and all(
        (types[t.context], [types[m] for m in t.mechanisms], types[t.outcome])
        == ("context", ["mechanism"] * len(t.mechanisms), "outcome") for t in cb.theory)
    # Every research question is answered by codes the codebook has.
    asked = {code for q in cb.research_questions for code in q.codes}
    assert asked <= set(types)


def test_tree_lines_and_table(mini_codebook):
    cb = codebook.load(mini_codebook)
    lines = codebook.tree_lines(cb)
    assert lines[1].strip().startswith("contexts  (theme)")
    assert "    ctx-relationships  (context)  Practitioner relationships  [3 rules, sentence]" in lines
    table = codebook.codebook_table(cb)
    assert list(table.id) == ["contexts", "ctx-relationships", "mech-trust", "out-timely-sharing", "grp-fathers"]
    assert table.set_index("id").loc["mech-trust", "type"] == "mechanism (response)"


def test_a_stored_codebook_is_checked_again_except_its_token_patterns(mini_codebook):
    book = codebook.load(mini_codebook)
    assert codebook.stored(book.document, "codebook v1") == book
    # A token pattern only spaCy's matcher refuses passes (the store holds only codebooks checked in full) ...
    bad_pattern = "name: b\ncodes:\n  - {id: m, name: M, type: mechanism, description: d, include: i, exclude: e,\n" \
                  "     examples: [x], rules: {patterns: [[{NOPE: x}]]}}\n"
    assert [c.id for c in codebook.stored(bad_pattern, "codebook v2").codes] == ["m"]
    assert any("invalid token pattern" in p for p in problems_of(bad_pattern))
    # ... and everything else is checked as for a file.
    with pytest.raises(CodebookError, match="codebook v3: unknown top-level key 'extra'"):
        codebook.stored(bad_pattern + "extra: 1\n", "codebook v3")


def test_reading_the_current_codebook_does_not_load_spacy(tmp_path, mini_codebook):
    from ipe import project

    folder = project.init(tmp_path / "proj")
    with project.open_store(folder) as store:
        project.load_codebook(store, mini_codebook)
    script = ("import sys; from ipe import project; store = project.open_store(sys.argv[1]); "
              "print(project.current_codebook(store)[1].name, 'spacy' in sys.modules, sep='|')")
    out = subprocess.run([sys.executable, "-c", script, str(folder)], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parent.parent).stdout.strip()
    assert out == f"{codebook.load(mini_codebook).name}|False"
