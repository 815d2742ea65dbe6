"""YAML nodes -> plain data (the second half of spec/loader.py): every value and key keeps its
(line, col), alias expansion is counted against ALIAS_BUDGET as it happens, nesting is capped
at MAX_DEPTH, and problems of the file itself become Diagnostics (FC006-FC009, FC011-FC014).
"""

from __future__ import annotations

from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.reader import Reader

from compiler.diagnostics import WARNING, Diagnostic, dotted
from compiler.spec import yaml11

MAX_DEPTH = 50
ALIAS_BUDGET = 10_000

_CORE = "tag:yaml.org,2002:"
MAP, SEQ, NULL = _CORE + "map", _CORE + "seq", _CORE + "null"
MERGE = _CORE + "merge"
# Kept as the text written: timestamps stay strings; `=` and `<<` outside keys are text.
_TEXT = {_CORE + "str", _CORE + "timestamp", _CORE + "value", MERGE}
_SAFE = SafeConstructor()
_SCALARS = {
    NULL: _SAFE.construct_yaml_null,
    _CORE + "bool": _SAFE.construct_yaml_bool,
    _CORE + "int": _SAFE.construct_yaml_int,
    _CORE + "float": _SAFE.construct_yaml_float,
}
_KINDS = {NULL: "null", _CORE + "bool": "a boolean", _CORE + "int": "a number", _CORE + "float": "a number"}
_TAG_HINT = "write a plain value; the compiler writes CloudFormation functions such as !Ref itself"


class Stop(Exception):
    """A fatal problem: (code, (line, col), path, message, hint)."""


class Alias:
    """An alias occurrence, kept apart from its anchor so expansion can be counted and located."""

    def __init__(self, target, event):
        self.target, self.name, self.start_mark = target, event.anchor, event.start_mark


def diagnostic(file, code, position, path, message, hint) -> Diagnostic:
    return Diagnostic(file, *position, code, dotted(path), message, hint=hint)


def pos(mark) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


def _short(tag: str) -> str:
    return tag.replace(_CORE, "!!", 1)


class Builder:
    """Nodes -> plain data, recording positions and collecting Diagnostics.

    `origin` is (alias, path) of the outermost alias being expanded, or None
    outside aliases; every node built or merged under one is charged to the
    budget. `stack` holds the ids of the collections being built, to catch an
    alias used inside its own anchor.
    """

    def __init__(self, filename: str):
        self.file = filename
        self.values, self.keys = {}, {}
        self.diags = {}  # (code, position) -> Diagnostic: an anchor expanded twice reports once
        self.spent = 0

    def report(self, code, node, path, message, hint=""):
        position = pos(node.start_mark)
        self.diags.setdefault((code, position), diagnostic(self.file, code, position, path, message, hint))

    def build(self, node, path, origin=None, stack=frozenset()):
        self.values[path] = pos(node.start_mark)
        if isinstance(node, Alias):
            origin = origin or (node, path)
            node = self.deref(node, path, stack)
        self.spend(origin)
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        if len(path) >= MAX_DEPTH:
            where = pos(origin[0].start_mark) if origin else self.values[path]
            raise Stop("FC009", where, path, f"collections are nested deeper than {MAX_DEPTH} levels", "")
        stack |= {id(node)}
        if isinstance(node, SequenceNode):
            self.check_tag(node, SEQ, path)
            return [self.build(item, path + (i,), origin, stack) for i, item in enumerate(node.value)]
        self.check_tag(node, MAP, path)
        return self.mapping(node, path, origin, stack)

    def spend(self, origin):
        if origin is None:
            return
        self.spent += 1
        if self.spent > ALIAS_BUDGET:
            alias, path = origin
            raise Stop("FC008", pos(alias.start_mark), path,
                        f"expanding alias *{alias.name} makes more than {ALIAS_BUDGET} nodes",
                        "aliases may share small blocks, not multiply them")

    def deref(self, alias: Alias, path, stack):
        if id(alias.target) in stack:
            raise Stop("FC008", pos(alias.start_mark), path,
                        f"alias *{alias.name} is used inside its own anchor &{alias.name}", "")
        return alias.target

    def check_tag(self, node, expected, path):
        if node.tag != expected:
            self.report("FC007", node, path, f"YAML tag {_short(node.tag)} is not supported", _TAG_HINT)

    def unprintable(self, node, path):
        """A quoted escape ("\\x93", "\\uFFFF") can make what the file itself may not hold:
        refused like the raw character, since AWS APIs and template parsers refuse it too."""
        bad = Reader.NON_PRINTABLE.search(node.value)
        if bad:
            self.report("FC013", node, path,
                        f"control character U+{ord(bad.group()):04X} (written as an escape) is not allowed",
                        "remove it; tabs and line breaks are the only control characters a value may hold")

    def scalar(self, node, path):
        if node.tag in _TEXT:
            self.unprintable(node, path)
            return node.value
        make = _SCALARS.get(node.tag)
        if make is None:
            self.report("FC007", node, path, f"YAML tag {_short(node.tag)} is not supported", _TAG_HINT)
            return node.value
        try:
            value = make(node)
        except (ValueError, KeyError):
            self.report("FC007", node, path, f"{node.value!r} cannot be read as {_short(node.tag)}", _TAG_HINT)
            return node.value
        if not node.style and node.tag != NULL:          # an implicit (plain) scalar
            why = yaml11.surprise(node.tag, node.value, value)
            if why:
                position = pos(node.start_mark)
                self.diags.setdefault(("FC014", position), Diagnostic(
                    self.file, *position, "FC014", dotted(path), why, WARNING,
                    f"quote it (\"{node.value}\") if you meant the text"))
        return value

    def mapping(self, node, path, origin, stack):
        data = {}
        for key_node, value_node, value_origin, merged in self.pairs(node, path, origin, stack):
            key = self.key(key_node, path, value_origin)
            if key is None:
                continue
            if key in data:
                if not merged:
                    first = self.keys[path + (key,)][0]
                    self.report("FC006", key_node, path + (key,), f"duplicate key {key!r} (first on line {first})",
                                "each key may appear once in a mapping")
                continue
            self.keys[path + (key,)] = pos(key_node.start_mark)
            data[key] = self.build(value_node, path + (key,), value_origin, stack)
        return data

    def pairs(self, node, path, origin, stack):
        """(key, value, origin, merged) of a mapping: its own entries, then those merged in with <<."""
        own, merged = [], []
        for key, value in node.value:
            self.spend(origin)
            if (key.target if isinstance(key, Alias) else key).tag != MERGE:
                own.append((key, value, origin, False))
                continue
            for source, source_origin in self.merge_sources(value, path, origin, stack):
                for entry in self.pairs(source, path, source_origin, stack | {id(source)}):
                    self.spend(source_origin)
                    merged.append(entry[:3] + (True,))
        return own + merged

    def merge_sources(self, value, path, origin, stack):
        """The mappings a << key merges, each with the origin it is expanded under."""
        items = [value]
        target = value.target if isinstance(value, Alias) else value
        if isinstance(target, SequenceNode):
            origin = origin or ((value, path) if isinstance(value, Alias) else None)
            items = target.value
        for item in items:
            item_origin = origin or ((item, path) if isinstance(item, Alias) else None)
            source = self.deref(item, path, stack) if isinstance(item, Alias) else item
            if isinstance(source, MappingNode):
                yield source, item_origin
            else:
                self.report("FC012", item, path, "a merge key (<<) takes a mapping or a list of mappings",
                            "write <<: *anchor or <<: [*a, *b]")

    def key(self, node, path, origin):
        """The key as a string, or None (reported) when it is not one."""
        if isinstance(node, Alias):
            self.spend(origin or (node, path))
            node = node.target
        if isinstance(node, ScalarNode) and node.tag in _TEXT:
            self.unprintable(node, path + (node.value,))
            return node.value
        if isinstance(node, ScalarNode) and node.tag not in _KINDS:
            self.report("FC007", node, path + (node.value,), f"YAML tag {_short(node.tag)} is not supported", _TAG_HINT)
            return node.value
        if isinstance(node, ScalarNode):
            self.report("FC011", node, path, f"the key {node.value!r} is read as {_KINDS[node.tag]}, not a string",
                        f"quote it: \"{node.value}\":")
        else:
            kind = "a list" if isinstance(node, SequenceNode) else "a mapping"
            self.report("FC011", node, path, f"a mapping key must be a string, not {kind}")
        return None
