"""YAML bytes -> plain Python data, a Locator of (line, col) for every value and
key, and Diagnostics for everything wrong with the file itself.

Parsing uses libyaml's parser when PyYAML has it and PyYAML's own otherwise; in
both cases nodes are composed by PyYAML's Composer, extended to keep aliases
visible and to cap nesting, and the data is built here from the nodes so that
every value keeps its position and alias expansion is counted as it happens
(an alias bomb is refused after ALIAS_BUDGET nodes, never expanded).

Scalars are resolved as PyYAML's SafeLoader does (YAML 1.1: `yes`/`no` are
booleans), except that timestamps stay the text they were written as.
Merge keys are supported as YAML 1.1 defines them: `<<: *defaults` or
`<<: [*a, *b]`; keys written in the mapping win over merged ones, and an
earlier source wins over a later one.

Fatal problems (data is None): FC001-FC005, FC008-FC010. The others are
reported with best-effort data: the first of duplicate keys is kept, tagged
values keep their plain value, entries with non-string keys are dropped.
"""

from __future__ import annotations

import re

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent, StreamEndEvent
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from compiler.diagnostics import WARNING, Diagnostic, Locator, dotted, ordered
from compiler.errors import UnreadableFile  # raised here; loader.UnreadableFile is its name too
from compiler.spec import yaml11

try:
    from yaml._yaml import CParser
except ImportError:  # PyYAML built without libyaml
    CParser = None

CODES = {
    "FC001": "the file is empty: no document, only comments, or a null document",
    "FC002": "the file is not UTF-8",
    "FC003": "the file is larger than MAX_BYTES",
    "FC004": "YAML syntax error (including control characters and duplicate anchors)",
    "FC005": "the document root is not a mapping",
    "FC006": "duplicate key in a mapping",
    "FC007": "a YAML tag other than the core str, int, float, bool, null, map and seq",
    "FC008": "alias expansion over ALIAS_BUDGET nodes, or an alias inside its own anchor",
    "FC009": "collections nested deeper than MAX_DEPTH",
    "FC010": "more than one document in the file",
    "FC011": "a mapping key that is not a string",
    "FC012": "a merge key (<<) whose value is not a mapping or a list of mappings",
    "FC013": "an escape sequence for a character YAML does not allow raw (C0/C1 controls, DEL, U+FFFE, ...)",
    "FC014": "warning: a YAML 1.1 implicit conversion (10:30 -> 630, 1.10 -> 1.1, yes -> true, 0x1F -> 31)",
}

MAX_BYTES = 1024 * 1024
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
_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_BOM = b"\xef\xbb\xbf"
_REPLACEMENT = "\ufffd"
_TAG_HINT = "write a plain value; the compiler writes CloudFormation functions such as !Ref itself"


class _Stop(Exception):
    """A fatal problem: (code, (line, col), path, message, hint)."""


class _Alias:
    """An alias occurrence, kept apart from its anchor so expansion can be counted and located."""

    def __init__(self, target, event):
        self.target, self.name, self.start_mark = target, event.anchor, event.start_mark


class _Composer(Composer):
    """PyYAML's Composer, keeping aliases as `_Alias` and refusing deep nesting early.

    It also tracks the spec path of the node being composed, so that a syntax
    error or too deep a nesting is reported at the path where it happens.
    """

    depth = 0
    path: tuple = ()

    def compose_node(self, parent, index):
        outer = self.path
        if isinstance(parent, SequenceNode):
            self.path = outer + (index,)
        elif isinstance(parent, MappingNode) and isinstance(index, ScalarNode):
            self.path = outer + (index.value,)      # the value of key `index`
        try:
            event = self.peek_event()
            if isinstance(event, AliasEvent):
                return _Alias(super().compose_node(parent, index), event)
            nested = isinstance(event, (SequenceStartEvent, MappingStartEvent))
            if self.depth + nested > MAX_DEPTH:
                raise _Stop("FC009", _pos(event.start_mark), self.path,
                            f"collections are nested deeper than {MAX_DEPTH} levels", "")
            self.depth += nested
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= nested
        except yaml.YAMLError as exc:
            if not hasattr(exc, "spec_path"):       # the innermost node in progress
                exc.spec_path = self.path
            raise
        finally:
            self.path = outer


class _PyLoader(_Composer, Reader, Scanner, Parser, Resolver):
    def __init__(self, text: str):
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        Resolver.__init__(self)


if CParser is not None:
    class _CLoader(_Composer, CParser, Resolver):
        def __init__(self, text: str):
            CParser.__init__(self, text)
            Composer.__init__(self)
            Resolver.__init__(self)

LOADER = _PyLoader if CParser is None else _CLoader  # tests swap it to cover both


def load(path: str) -> tuple[object | None, Locator, list[Diagnostic]]:
    """Read `path` (at most MAX_BYTES + 1 bytes) and load it; UnreadableFile if it cannot be read."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise UnreadableFile(f"cannot read {path}: {exc.strerror or exc}") from None
    return load_text(raw, path)


def load_text(raw: bytes, filename: str) -> tuple[object | None, Locator, list[Diagnostic]]:
    """Bytes of a spec -> (data or None when fatal, locator, diagnostics sorted by position)."""
    try:
        root = _compose(_decode(raw))
    except _Stop as stop:
        return None, Locator(filename), [_diagnostic(filename, *stop.args)]
    builder = _Builder(filename)
    try:
        data = builder.build(root, ())
    except _Stop as stop:
        builder.diags[stop.args[:2]] = _diagnostic(filename, *stop.args)
        data = None
    return data, Locator(filename, builder.values, builder.keys), ordered(builder.diags.values())


def _diagnostic(file, code, position, path, message, hint) -> Diagnostic:
    return Diagnostic(file, *position, code, dotted(path), message, hint=hint)


def _pos(mark) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based (line, col) of text[index], counting line breaks the way YAML does."""
    line, start = 1, 0
    for match in _BREAK.finditer(text, 0, index):
        line, start = line + 1, match.end()
    return line, index - start + 1


def _decode(raw: bytes) -> str:
    if len(raw) > MAX_BYTES:
        raise _Stop("FC003", (1, 1), (), f"the file is larger than {MAX_BYTES} bytes",
                    "a spec is a few kilobytes; is this the right file?")
    raw = raw.removeprefix(_BOM)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = raw[:exc.start].decode("utf-8")
        where = _position(good, len(good))
        raise _Stop("FC002", where, _path_at(raw.decode("utf-8", errors="replace"), where),
                    f"byte 0x{raw[exc.start]:02x} is not valid UTF-8", "save the file as UTF-8") from None
    bad = Reader.NON_PRINTABLE.search(text)
    if bad:
        where = _position(text, bad.start())
        raise _Stop("FC004", where, _path_at(Reader.NON_PRINTABLE.sub(_REPLACEMENT, text), where),
                    f"control character U+{ord(bad.group()):04X} is not allowed in YAML", "")
    return text


def _path_at(text: str, where: tuple[int, int]) -> tuple:
    """Best effort, for bytes the parser cannot take: the path of the value or key at `where`,
    found by loading `text`, a copy with the offending characters replaced."""
    try:
        builder = _Builder("")
        builder.build(_compose(text), ())
    except _Stop as stop:
        return stop.args[2]
    starts = [(pos, len(path), path) for path, pos in builder.values.items() if pos <= where]
    starts += [(pos, len(path), path[:-1] if _REPLACEMENT in path[-1] else path)
               for path, pos in builder.keys.items() if pos <= where]
    return max(starts, default=((0, 0), 0, ()))[2]


def _compose(text: str):
    """The root node of the only document; _Stop for syntax errors, several or no documents."""
    try:
        loader = LOADER(text)
        loader.get_event()  # stream start
        root = None if loader.check_event(StreamEndEvent) else loader.compose_document()
        if not loader.check_event(StreamEndEvent):
            raise _Stop("FC010", _pos(loader.peek_event().start_mark), (), "the file holds more than one YAML document",
                        "a spec is one document: remove the extra '---' and what follows")
    except yaml.MarkedYAMLError as exc:
        where, message, hint = _syntax(exc, text)
        raise _Stop("FC004", where, getattr(exc, "spec_path", ()), message, hint) from None
    except (yaml.YAMLError, RecursionError) as exc:  # a ReaderError has no mark; recursion is capped above
        raise _Stop("FC004", (1, 1), (), f"cannot parse YAML: {exc}", "") from None
    if root is None or isinstance(root, ScalarNode) and root.tag == NULL:
        raise _Stop("FC001", (1, 1), (), "the file is empty", "start with 'app: NAME' and 'services:'")
    if not isinstance(root, MappingNode):
        kind = "a list" if isinstance(root, SequenceNode) else f"the value {root.value!r}"
        raise _Stop("FC005", _pos(root.start_mark), (), f"the spec must be a mapping of keys, not {kind}",
                    "start with 'app: NAME' and 'services:'")
    return root


def _syntax(exc: yaml.MarkedYAMLError, text: str):
    mark = exc.problem_mark or exc.context_mark
    message = exc.problem or exc.context or "invalid YAML"
    if exc.context and exc.context_mark and exc.problem:
        message += f" ({exc.context} on line {exc.context_mark.line + 1})"
    line = (text.splitlines()[mark.line:] or [""])[0] if mark else ""
    hint = "indent with spaces, not tabs" if "\t" in line[:len(line) - len(line.lstrip(" \t"))] else ""
    return (_pos(mark) if mark else (1, 1)), message, hint


def _short(tag: str) -> str:
    return tag.replace(_CORE, "!!", 1)


class _Builder:
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
        position = _pos(node.start_mark)
        self.diags.setdefault((code, position), _diagnostic(self.file, code, position, path, message, hint))

    def build(self, node, path, origin=None, stack=frozenset()):
        self.values[path] = _pos(node.start_mark)
        if isinstance(node, _Alias):
            origin = origin or (node, path)
            node = self.deref(node, path, stack)
        self.spend(origin)
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        if len(path) >= MAX_DEPTH:
            where = _pos(origin[0].start_mark) if origin else self.values[path]
            raise _Stop("FC009", where, path, f"collections are nested deeper than {MAX_DEPTH} levels", "")
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
            raise _Stop("FC008", _pos(alias.start_mark), path,
                        f"expanding alias *{alias.name} makes more than {ALIAS_BUDGET} nodes",
                        "aliases may share small blocks, not multiply them")

    def deref(self, alias: _Alias, path, stack):
        if id(alias.target) in stack:
            raise _Stop("FC008", _pos(alias.start_mark), path,
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
                position = _pos(node.start_mark)
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
            self.keys[path + (key,)] = _pos(key_node.start_mark)
            data[key] = self.build(value_node, path + (key,), value_origin, stack)
        return data

    def pairs(self, node, path, origin, stack):
        """(key, value, origin, merged) of a mapping: its own entries, then those merged in with <<."""
        own, merged = [], []
        for key, value in node.value:
            self.spend(origin)
            if (key.target if isinstance(key, _Alias) else key).tag != MERGE:
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
        target = value.target if isinstance(value, _Alias) else value
        if isinstance(target, SequenceNode):
            origin = origin or ((value, path) if isinstance(value, _Alias) else None)
            items = target.value
        for item in items:
            item_origin = origin or ((item, path) if isinstance(item, _Alias) else None)
            source = self.deref(item, path, stack) if isinstance(item, _Alias) else item
            if isinstance(source, MappingNode):
                yield source, item_origin
            else:
                self.report("FC012", item, path, "a merge key (<<) takes a mapping or a list of mappings",
                            "write <<: *anchor or <<: [*a, *b]")

    def key(self, node, path, origin):
        """The key as a string, or None (reported) when it is not one."""
        if isinstance(node, _Alias):
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
