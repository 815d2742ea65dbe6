"""Values from outside the spec: `${NAME}` and `${NAME:-default}` in string values.

A stage on the loaded data, before validation: (data, locator, values) -> data with
every reference replaced, plus located Diagnostics. `values` is what the caller
chose (the CLI passes the process environment overlaid with `--var NAME=VALUE`).
Keys are never substituted, only string values; `$${` is a literal `${`. A value
that is one whole reference (`count: ${COUNT}`) becomes a number when its text is a
decimal integer, a boolean when it is true or false, and stays text otherwise. A name
is `[A-Za-z_][A-Za-z0-9_]*`, so CloudFormation-style `${AWS::Region}` is left as
written (and refused later by FC223, since spec values are literal).

A variable whose name looks like a credential (spec/secret_names.py, the list FC213 uses too:
DB_PASSWORD, API_TOKEN, ...) is *secret*: its value is never shown in a
diagnostic; `redact` replaces it with `${NAME}` in every message and hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from compiler.diagnostics import Diagnostic, Locator, dotted
from compiler.spec.secret_names import looks_secret

CODES = {
    "FC290": "a ${NAME} with no value: not given with --var, not in the environment, no default",
    "FC291": "a malformed reference: '${' not closed, or not followed by a variable name",
    "FC293": "a ${NAME}'s value holds a character AWS refuses in text (a control character)",
}

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# `$${` (escape), `${NAME}` / `${NAME:-default}` (default up to the first `}`), or `${` that is neither.
_TOKEN = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{")
# `${AWS::Region}`, `${Bucket.Arn}`: CloudFormation-style, not ours; left for FC223.
_WHOLE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}\Z")
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")
_FOREIGN = re.compile(r"\$\{[A-Za-z0-9_]+(?:::|\.)[A-Za-z0-9_:.]*\}")
# What AWS APIs refuse in free text (the set our cfn-lint rule E9006 refuses in a template,
# compiler/lint/rules/ControlCharacters.py; that file stays importable without the compiler).
# The spec file itself cannot hold these (the loader's FC004/FC013), but a value from
# --var or the environment can.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


@dataclass
class Substituted:
    data: Any
    diagnostics: list[Diagnostic] = field(default_factory=list)
    used: dict[str, str] = field(default_factory=dict)      # name -> value, of every variable used
    secrets: dict[str, str] = field(default_factory=dict)   # the secret-looking ones among them
    failed: set = field(default_factory=set)                # dotted paths whose value could not be made

    def unrelated(self, diags: Iterable[Diagnostic]) -> list[Diagnostic]:
        """Findings not about a value this stage already reported (no second error for one mistake)."""
        return [d for d in diags if d.path not in self.failed]

    def redact(self, diags: Iterable[Diagnostic]) -> list[Diagnostic]:
        return redact(diags, self.secrets)


def is_secret(name: str) -> bool:
    return bool(looks_secret(name))


def substitute(data: Any, locator: Locator, values: Mapping[str, str],
               skip: tuple = ("environments",)) -> Substituted:
    """Replace every reference in the string values of `data` (top-level keys in `skip` untouched)."""
    out = Substituted(None)

    def walk(node: Any, path: tuple) -> Any:
        if isinstance(node, dict):
            return {k: (v if not path and k in skip else walk(v, path + (k,))) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(item, path + (i,)) for i, item in enumerate(node)]
        if isinstance(node, str) and "${" in node:
            before = len(out.diagnostics)
            text = _one(node, path, values, locator, out)
            if len(out.diagnostics) > before:
                out.failed.add(dotted(path))
            return _typed(text) if _WHOLE.match(node) else text
        return node

    out.data = walk(data, ())
    return out


def _one(text: str, path: tuple, values: Mapping[str, str], locator: Locator, out: Substituted) -> str:
    pieces, last = [], 0
    for match in _TOKEN.finditer(text):
        pieces.append(text[last:match.start()])
        last = match.end()
        token = match.group()
        if token == "$${":
            pieces.append("${")
        elif match.group(1) is not None:
            name, default = match.group(1), match.group(2)
            if name in values:
                value = values[name]
                bad = _FORBIDDEN.search(value)
                if bad:
                    out.diagnostics.append(locator.error(
                        "FC293", path,
                        f"the value of ${{{name}}} holds the control character U+{ord(bad.group()):04X} "
                        f"at offset {bad.start()}; AWS accepts only tab, line feed and carriage return",
                        hint=f"remove it from --var {name}=... or from {name} in the environment"))
            elif default is not None:
                value = default
            else:
                out.diagnostics.append(locator.error(
                    "FC290", path, f"${{{name}}} has no value",
                    hint=f"pass --var {name}=VALUE, set {name} in the environment, "
                         f"or write ${{{name}:-default}}; write $${{{name}}} for a literal ${{{name}}}"))
                value = ""
            if name in values or default is None:
                out.used[name] = value
                if is_secret(name):
                    out.secrets[name] = value
            pieces.append(value)
        else:  # a bare `${`: CloudFormation-style `${AWS::Region}` stays; anything else is malformed
            foreign = _FOREIGN.match(text, match.start())
            if foreign:
                pieces.append(foreign.group())
                last = foreign.end()
            else:
                out.diagnostics.append(locator.error(
                    "FC291", path, f"'{_shown(text)}' has a '${{' that does not start ${{NAME}} or ${{NAME:-default}}",
                    hint="a name is letters, digits and _; write $${ for a literal ${"))
                pieces.append(token)
    pieces.append(text[last:])
    return "".join(pieces)


def _typed(text: str):
    """A value that was one whole reference (`count: ${COUNT}`) is read the way its text
    would be in YAML if it is a decimal integer or true/false; anything else stays text
    (so "1.10" or "007" are never turned into numbers)."""
    if _INTEGER.match(text):
        return int(text)
    return {"true": True, "false": False}.get(text, text)


def _shown(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def redact(diags: Iterable[Diagnostic], secrets: Mapping[str, str]) -> list[Diagnostic]:
    """The diagnostics with every secret value replaced by `${NAME}` (longest values first)."""
    pairs = sorted(((v, n) for n, v in secrets.items() if v), key=lambda p: -len(p[0]))
    if not pairs:
        return list(diags)
    out = []
    for d in diags:
        message, hint = d.message, d.hint
        for value, name in pairs:
            message = message.replace(value, f"${{{name}}}")
            hint = hint.replace(value, f"${{{name}}}")
        out.append(d if (message, hint) == (d.message, d.hint) else
                   Diagnostic(d.file, d.line, d.col, d.code, d.path, message, d.severity, hint))
    return out


def parse_assignment(text: str) -> tuple[str, str]:
    """`NAME=VALUE` (from --var) -> (NAME, VALUE); ValueError with a message otherwise."""
    name, sep, value = text.partition("=")
    if not sep or not NAME.match(name):
        raise ValueError(f"--var takes NAME=VALUE with NAME made of letters, digits and _, not {text!r}")
    return name, value

