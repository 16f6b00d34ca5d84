"""Strict YAML for the files people write by hand (codebooks, survey maps): safe, and nothing that hides what it says.

Beyond PyYAML's safe loading, duplicate keys, anchors and aliases are refused (a later key silently wins; an alias
makes one line stand for many, the root of "billion laughs"), and so is nesting deeper than
:data:`ipe.limits.MAX_YAML_DEPTH`. Every refusal is a one-line :class:`~ipe.errors.CodebookError` with the line number.

With libyaml (PyYAML's C extension, in its Linux, macOS and Windows wheels) the checks run over libyaml's flat event
stream first, then libyaml builds the data: about ten times faster than the pure-Python loader on a large codebook.
Without it, a pure-Python loader makes the same checks while it composes.
"""

from __future__ import annotations

from collections.abc import Hashable

import yaml

from ipe import collector, limits
from ipe.errors import CodebookError

__all__ = ["parse"]

_FAST = bool(getattr(yaml, "__with_libyaml__", False))
_ANCHORS = "anchors and aliases are not allowed in a codebook"


def _too_deep() -> str:
    return f"nested more than {limits.MAX_YAML_DEPTH} levels deep"


def parse(text: str, path: str = "<codebook>"):
    """Parse YAML text safely, refusing duplicate keys, anchors, aliases and deep nesting; one-line errors.

    >>> parse("codes:\\n  - id: a\\n    name: A\\n")
    {'codes': [{'id': 'a', 'name': 'A'}]}
    >>> parse("a: 1\\na: 2\\n", "cb.yaml")
    Traceback (most recent call last):
    ipe.errors.CodebookError: cb.yaml: line 2: duplicate key 'a'
    """
    try:
        if _FAST:
            _check_events(text)
            with collector.paused():  # tens of thousands of new dicts and lists, none in a cycle
                return yaml.load(text, Loader=yaml.CSafeLoader)  # noqa: S506 - SafeLoader's C build
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - _StrictLoader derives from SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}: " if mark else ""
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        if "\\t" in problem or "'\\t'" in str(exc) or (mark and _char_at(text, mark) == "\t"):
            problem = "a tab character where YAML allows only spaces"
        if "maximum nesting depth" in problem:  # libyaml's own limit, met when it reads ahead past ours
            problem = _too_deep()
        raise CodebookError(path, [f"{where}{problem}"]) from None
    except yaml.YAMLError as exc:
        raise CodebookError(path, [f"invalid YAML: {str(exc).splitlines()[0]}"]) from None


def _char_at(text: str, mark) -> str:
    """The character a mark points at ('' past the end); libyaml's messages do not name it."""
    index = getattr(mark, "index", -1)
    return text[index] if 0 <= index < len(text) else ""


def _refuse(problem: str, event) -> None:
    raise yaml.MarkedYAMLError(problem=problem, problem_mark=event.start_mark)


def _check_events(text: str) -> None:
    """Make the strict checks over libyaml's event stream, before any data is built.

    A node's depth is the number of collections around it plus one, as the pure-Python loader counts it. A mapping's
    scalar keys are compared as the data would hold them (``1`` and ``"1"`` differ, ``yes`` and ``true`` do not).
    """
    resolver, constructor = yaml.resolver.Resolver(), yaml.constructor.SafeConstructor()
    # One frame per open collection: [is a mapping, next node is a key, keys seen].
    stack: list[list] = []

    def done() -> None:
        if stack and stack[-1][0]:
            stack[-1][1] = not stack[-1][1]

    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, yaml.AliasEvent):
            _refuse(_ANCHORS, event)
        if isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
            if event.anchor:
                _refuse(_ANCHORS, event)
            if len(stack) + 1 > limits.MAX_YAML_DEPTH:
                _refuse(_too_deep(), event)
            if isinstance(event, yaml.CollectionStartEvent):
                stack.append([isinstance(event, yaml.MappingStartEvent), True, set()])
                continue
            frame = stack[-1] if stack else None
            if frame and frame[0] and frame[1]:
                tag = event.tag if event.tag not in (None, "!") else resolver.resolve(
                    yaml.ScalarNode, event.value, event.implicit)
                # A scalar key is always hashable; a collection as a key is left to the loader, which refuses it.
                key = constructor.construct_object(yaml.ScalarNode(tag, event.value, event.start_mark))
                if key in frame[2]:
                    _refuse(f"duplicate key '{key}'", event)
                frame[2].add(key)
            done()
        elif isinstance(event, yaml.CollectionEndEvent):
            stack.pop()
            done()


class _StrictLoader(yaml.SafeLoader):
    """Pure-Python safe loading with the same refusals, for a PyYAML built without libyaml."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            _refuse(_ANCHORS, event)
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > limits.MAX_YAML_DEPTH:
                _refuse(_too_deep(), event)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):  # refused below, by SafeLoader's own message
                continue
            if key in seen:
                raise yaml.MarkedYAMLError(problem=f"duplicate key '{key}'", problem_mark=key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)
