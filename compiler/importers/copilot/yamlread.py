"""Copilot manifests -> plain data with positions, read the way Copilot reads them.

Copilot decodes manifests with Go's yaml.v3, which is YAML 1.2: `on`, `off`, `yes`
and `no` are strings, not booleans. PyYAML follows YAML 1.1 and would turn the
scheduled job's `on:` key into `True`. So plain scalars are resolved here with the
YAML 1.2 core schema (null, true/false, integers, floats; everything else a
string), mapping keys are always their text, and fields that Copilot decodes as
booleans accept the YAML 1.1 words through `as_bool`.

Reading has the spec loader's budgets (compiler/spec/loader.py): collections nested at most
MAX_DEPTH deep, and aliases that expand to at most ALIAS_BUDGET nodes (a "billion laughs"
manifest is refused, never expanded).
"""

from __future__ import annotations

import re

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from compiler.diagnostics import Diagnostic, Locator
from compiler.spec.yaml_build import ALIAS_BUDGET, MAX_DEPTH

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?(?:[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_MAX_BYTES = 1 << 20


class Unreadable(Exception):
    """A manifest that cannot be read at all: (Diagnostic,)."""


def read(path: str, shown_as: str) -> tuple[object, Locator]:
    """Load one manifest; `shown_as` is the file name used in diagnostics."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(_MAX_BYTES + 1)
    except OSError as exc:
        raise Unreadable(Diagnostic(shown_as, 1, 1, "FC500", "<root>",
                                    f"cannot read the manifest: {exc.strerror or exc}")) from None
    if len(raw) > _MAX_BYTES:
        raise Unreadable(Diagnostic(shown_as, 1, 1, "FC500", "<root>", "the manifest is larger than 1 MiB"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unreadable(Diagnostic(shown_as, 1, 1, "FC500", "<root>",
                                    f"the manifest is not UTF-8 (byte {exc.start})")) from None
    try:
        _refuse_deep_nesting(text, shown_as)       # before composing: the composer recurses
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise Unreadable(Diagnostic(shown_as, line, col, "FC500", "<root>",
                                    f"the manifest is not valid YAML: {exc.problem or exc}")) from None
    except yaml.YAMLError as exc:
        raise Unreadable(Diagnostic(shown_as, 1, 1, "FC500", "<root>", f"the manifest is not valid YAML: {exc}"))
    except RecursionError:
        raise Unreadable(Diagnostic(shown_as, 1, 1, "FC500", "<root>",
                                    f"the manifest's collections are nested deeper than {MAX_DEPTH} levels")) from None
    values, keys = {}, {}
    budget = _Budget(shown_as)
    data = _build(node, (), values, keys, 0, budget) if node is not None else None
    return data, Locator(shown_as, values, keys)


def _refuse_deep_nesting(text: str, shown_as: str) -> None:
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):     # a stream of events: no recursion
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                raise Unreadable(Diagnostic(shown_as, mark.line + 1, mark.column + 1, "FC500", "<root>",
                                            f"the manifest's collections are nested deeper than {MAX_DEPTH} levels"))
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


class _Budget:
    """Counts the nodes built more than once (an alias re-uses its anchor's node): over
    ALIAS_BUDGET the manifest is refused, as the spec loader refuses it (FC008)."""

    def __init__(self, shown_as: str):
        self.shown_as, self.built, self.spent = shown_as, set(), 0

    def spend(self, node, expanding: bool) -> bool:
        """Charge `node`; whether it (and so what is under it) is an alias's expansion."""
        expanding = expanding or id(node) in self.built
        self.built.add(id(node))
        if expanding:
            self.spent += 1
            if self.spent > ALIAS_BUDGET:
                raise Unreadable(Diagnostic(self.shown_as, node.start_mark.line + 1, node.start_mark.column + 1,
                                            "FC500", "<root>", f"expanding the manifest's aliases makes more "
                                            f"than {ALIAS_BUDGET} nodes"))
        return expanding


def _build(node, path, values, keys, depth, budget, expanding=False):
    values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if depth > MAX_DEPTH:
        raise Unreadable(Diagnostic(budget.shown_as, *values[path], "FC500", "<root>",
                                    f"the manifest's collections are nested deeper than {MAX_DEPTH} levels"))
    expanding = budget.spend(node, expanding)
    if isinstance(node, ScalarNode):
        return _scalar(node)
    if isinstance(node, SequenceNode):
        return [_build(item, path + (i,), values, keys, depth + 1, budget, expanding)
                for i, item in enumerate(node.value)]
    if isinstance(node, MappingNode):
        out = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge" and isinstance(value_node, MappingNode):
                merged = _build(value_node, path, {}, {}, depth + 1, budget, expanding)
                for k, v in merged.items():
                    out.setdefault(k, v)
                continue
            key = key_node.value if isinstance(key_node, ScalarNode) else str(key_node.value)
            keys[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = _build(value_node, path + (key,), values, keys, depth + 1, budget, expanding)
        return out
    return None


def _scalar(node: ScalarNode):
    text = node.value
    if node.style is not None or node.tag == "tag:yaml.org,2002:str":  # quoted or block: text
        return text
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.match(text):
        return int(text, 0) if not re.match(r"^[-+]?0[0-9]", text) else int(text, 10)
    if _FLOAT.match(text):
        return float(text)
    return text


_WORDS = {"true": True, "yes": True, "on": True, "y": True, "false": False, "no": False, "off": False, "n": False}


def as_bool(value) -> bool | None:
    """A Copilot boolean field: YAML 1.2 true/false, or the YAML 1.1 words Go's decoder accepts."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _WORDS.get(value.lower())
    return None
