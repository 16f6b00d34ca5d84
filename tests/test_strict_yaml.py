"""Strict YAML: libyaml's event-stream checks and the pure-Python loader refuse and accept the same things."""

from pathlib import Path

import pytest
import yaml

from ipe import strict_yaml
from ipe.errors import CodebookError

ROOT = Path(__file__).parent.parent
FILES = sorted((ROOT / "codebooks").glob("*.yaml")) + sorted((ROOT / "tests" / "fixtures").glob("*.yaml"))

BAD = [
    ("a: 1\na: 2\n", "line 2: duplicate key 'a'"),
    ("a:\n  b: 1\n  c: [1, 2]\n  b: 3\n", "line 4: duplicate key 'b'"),
    ("yes: 1\ntrue: 2\n", "line 2: duplicate key 'True'"),
    ("a: &x 1\nb: 2\n", "line 1: anchors and aliases are not allowed in a codebook"),
    ("a: [1]\nb: *x\n", "line 2: anchors and aliases are not allowed in a codebook"),
    ("a:\n\t- 1\n", "line 2: a tab character where YAML allows only spaces"),
    ("a: " + "[" * 41 + "]" * 41 + "\n", "line 1: nested more than 40 levels deep"),
    ("a: [1\n", "line 2: "),
]
GOOD = [
    ("1: a\n'1': b\n", {1: "a", "1": "b"}),  # an int and a str: two keys, as the data holds them
    ("a: [{b: 1}, {b: 2}]\nc: {b: 3}\n", {"a": [{"b": 1}, {"b": 2}], "c": {"b": 3}}),
    ("? [1, 2]\n: x\n", None),  # a sequence as a key: refused by the loader itself, not by the key check
    ("a: " + "[" * 39 + "]" * 39 + "\n", None),  # 40 levels with the mapping: the deepest allowed
]


@pytest.fixture(params=[True, False], ids=["libyaml", "pure-python"])
def fast(request, monkeypatch):
    if request.param and not yaml.__with_libyaml__:
        pytest.skip("PyYAML built without libyaml")
    monkeypatch.setattr(strict_yaml, "_FAST", request.param)
    return request.param


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_shipped_yaml_file_loads_as_safe_load_reads_it(fast, path):
    text = path.read_text(encoding="utf-8")
    assert strict_yaml.parse(text, str(path)) == yaml.safe_load(text)


@pytest.mark.parametrize("text, message", BAD)
def test_refusals_are_one_line_with_the_line_number(fast, text, message):
    with pytest.raises(CodebookError) as caught:
        strict_yaml.parse(text, "x.yaml")
    assert str(caught.value).startswith(f"x.yaml: {message}") and "\n" not in str(caught.value)


def _outcome(text):
    try:
        return strict_yaml.parse(text)
    except CodebookError as exc:
        return ("refused", str(exc))


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")
@pytest.mark.parametrize("text, data", GOOD)
def test_both_loaders_agree_on_edge_cases(monkeypatch, text, data):
    monkeypatch.setattr(strict_yaml, "_FAST", True)
    fast = _outcome(text)
    monkeypatch.setattr(strict_yaml, "_FAST", False)
    assert fast == _outcome(text)
    if data is not None:
        assert fast == data
