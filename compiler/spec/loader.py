"""YAML bytes -> plain Python data, a Locator of (line, col) for every value and
key, and Diagnostics for everything wrong with the file itself.

Parsing uses libyaml's parser when PyYAML has it and PyYAML's own otherwise; in
both cases nodes are composed by PyYAML's Composer, extended to keep aliases
visible and to cap nesting, and the data is built here from the nodes so that
every value keeps its position and alias expansion is counted as it happens
(an alias bomb is refused after ALIAS_BUDGET nodes, never expanded): the building
is yaml_build.py's.

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
from yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent, StreamEndEvent
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from compiler.diagnostics import Diagnostic, Locator, ordered
from compiler.errors import UnreadableFile  # raised here; loader.UnreadableFile is its name too
from compiler.spec.yaml_build import ALIAS_BUDGET, MAX_DEPTH, NULL, Alias, Builder, Stop, diagnostic, pos

__all__ = ["ALIAS_BUDGET", "CODES", "LOADER", "MAX_BYTES", "MAX_DEPTH", "UnreadableFile", "load", "load_text"]

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
_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_BOM = b"\xef\xbb\xbf"
_REPLACEMENT = "\ufffd"


class _Composer(Composer):
    """PyYAML's Composer, keeping aliases as `Alias` and refusing deep nesting early.

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
                return Alias(super().compose_node(parent, index), event)
            nested = isinstance(event, (SequenceStartEvent, MappingStartEvent))
            if self.depth + nested > MAX_DEPTH:
                raise Stop("FC009", pos(event.start_mark), self.path,
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
    except Stop as stop:
        return None, Locator(filename), [diagnostic(filename, *stop.args)]
    builder = Builder(filename)
    try:
        data = builder.build(root, ())
    except Stop as stop:
        builder.diags[stop.args[:2]] = diagnostic(filename, *stop.args)
        data = None
    return data, Locator(filename, builder.values, builder.keys), ordered(builder.diags.values())


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based (line, col) of text[index], counting line breaks the way YAML does."""
    line, start = 1, 0
    for match in _BREAK.finditer(text, 0, index):
        line, start = line + 1, match.end()
    return line, index - start + 1


def _decode(raw: bytes) -> str:
    if len(raw) > MAX_BYTES:
        raise Stop("FC003", (1, 1), (), f"the file is larger than {MAX_BYTES} bytes",
                    "a spec is a few kilobytes; is this the right file?")
    raw = raw.removeprefix(_BOM)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = raw[:exc.start].decode("utf-8")
        where = _position(good, len(good))
        raise Stop("FC002", where, _path_at(raw.decode("utf-8", errors="replace"), where),
                    f"byte 0x{raw[exc.start]:02x} is not valid UTF-8", "save the file as UTF-8") from None
    bad = Reader.NON_PRINTABLE.search(text)
    if bad:
        where = _position(text, bad.start())
        raise Stop("FC004", where, _path_at(Reader.NON_PRINTABLE.sub(_REPLACEMENT, text), where),
                    f"control character U+{ord(bad.group()):04X} is not allowed in YAML", "")
    return text


def _path_at(text: str, where: tuple[int, int]) -> tuple:
    """Best effort, for bytes the parser cannot take: the path of the value or key at `where`,
    found by loading `text`, a copy with the offending characters replaced."""
    try:
        builder = Builder("")
        builder.build(_compose(text), ())
    except Stop as stop:
        return stop.args[2]
    starts = [(pos, len(path), path) for path, pos in builder.values.items() if pos <= where]
    starts += [(pos, len(path), path[:-1] if _REPLACEMENT in path[-1] else path)
               for path, pos in builder.keys.items() if pos <= where]
    return max(starts, default=((0, 0), 0, ()))[2]


def _compose(text: str):
    """The root node of the only document; Stop for syntax errors, several or no documents."""
    try:
        loader = LOADER(text)
        loader.get_event()  # stream start
        root = None if loader.check_event(StreamEndEvent) else loader.compose_document()
        if not loader.check_event(StreamEndEvent):
            raise Stop("FC010", pos(loader.peek_event().start_mark), (), "the file holds more than one YAML document",
                        "a spec is one document: remove the extra '---' and what follows")
    except yaml.MarkedYAMLError as exc:
        where, message, hint = _syntax(exc, text)
        raise Stop("FC004", where, getattr(exc, "spec_path", ()), message, hint) from None
    except (yaml.YAMLError, RecursionError) as exc:  # a ReaderError has no mark; recursion is capped above
        raise Stop("FC004", (1, 1), (), f"cannot parse YAML: {exc}", "") from None
    if root is None or isinstance(root, ScalarNode) and root.tag == NULL:
        raise Stop("FC001", (1, 1), (), "the file is empty", "start with 'app: NAME' and 'services:'")
    if not isinstance(root, MappingNode):
        kind = "a list" if isinstance(root, SequenceNode) else f"the value {root.value!r}"
        raise Stop("FC005", pos(root.start_mark), (), f"the spec must be a mapping of keys, not {kind}",
                    "start with 'app: NAME' and 'services:'")
    return root


def _syntax(exc: yaml.MarkedYAMLError, text: str):
    mark = exc.problem_mark or exc.context_mark
    message = exc.problem or exc.context or "invalid YAML"
    if exc.context and exc.context_mark and exc.problem:
        message += f" ({exc.context} on line {exc.context_mark.line + 1})"
    line = (text.splitlines()[mark.line:] or [""])[0] if mark else ""
    hint = "indent with spaces, not tabs" if "\t" in line[:len(line) - len(line.lstrip(" \t"))] else ""
    return (pos(mark) if mark else (1, 1)), message, hint
