"""Diagnostics as a SARIF 2.1.0 log, the format GitHub code scanning uploads.

One run; the driver is fargate-compile with its version and one rule per diagnostic
code (short description and help text from where the code is defined: the loader's and
the schema's CODES tables, each check module's docstring); each result is located at
its file's line and column, its level taken from the severity. A code this catalog does
not know (a cfn-lint rule ID from a generated template, another command's own codes)
still gets a rule, described by the code itself.

`log(diagnostics, extra=[])` is the only entry point: any command (compile, plan, check,
diff, import-copilot) passes its Diagnostics, and may add rules and results of its own
(`Finding`s, e.g. the hazards of `diff`).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from compiler import __version__
from compiler.diagnostics import ERROR, WARNING, Diagnostic

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
TOOL = "fargate-compile"
LEVELS = {ERROR: "error", WARNING: "warning"}


@dataclass(frozen=True)
class Rule:
    id: str
    short: str
    help: str
    level: str = "error"


@dataclass(frozen=True)
class Finding:
    """A result that is not a spec Diagnostic (e.g. a diff hazard), with its rule."""
    rule: Rule
    message: str
    file: str
    line: int = 1
    col: int = 1
    level: str = "error"


# Codes that are warnings by nature (the rest are errors; each result carries its own level anyway).
_WARNINGS = {"FC501", "FC502", "FC503", "FC504"}


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().splitlines()[0] if doc and doc.strip() else ""


@functools.cache
def catalog() -> dict[str, Rule]:
    """Every diagnostic code this version defines, with its descriptions."""
    from compiler import checks
    from compiler.spec import environments, loader, schema, variables
    from compiler.importers.copilot import context as copilot

    rules = {}
    for table, origin in ((loader.CODES, "Reading the spec file"), (schema.CODES, "The spec's JSON Schema"),
                          (environments.CODES, "Environments"), (variables.CODES, "${NAME} variables"),
                          (copilot.CODES, "import-copilot")):
        for code, text in table.items():
            rules[code] = Rule(code, text[:1].upper() + text[1:], f"{origin}: {text}.",
                               "warning" if code in _WARNINGS else "error")
    for module in checks.RULES:
        code = getattr(module, "CODE", None)
        if not code:
            continue
        doc = (module.__doc__ or "").strip()
        short = _first_line(doc)
        short = short.split(":", 1)[1].strip() if short.startswith(code) and ":" in short else short
        rules[code] = Rule(code, short[:1].upper() + short[1:] or code,
                           " ".join(doc.split()) if doc else short, "error")
    return rules


def _uri(file: str) -> str:
    """A path relative to the working directory (code scanning wants repository-relative
    paths; CI runs from the checkout), with forward slashes; a file URI when outside it."""
    path = Path(file)
    try:
        relative = Path(os.path.relpath(path.resolve(), Path.cwd().resolve()))
    except ValueError:  # another drive
        relative = None
    if relative is None or relative.parts[:1] == ("..",):
        return path.resolve().as_uri()
    return relative.as_posix()


def _rule_for(code: str, level: str) -> Rule:
    known = catalog().get(code)
    if known is not None:
        return known
    if code[:1] in "EWI" and code[1:].isdigit():
        return Rule(code, f"cfn-lint rule {code} on a generated template",
                    f"cfn-lint reported {code} on a template the compiler generated: a compiler bug, "
                    "please report it.", level)
    return Rule(code, code, f"Diagnostic {code} of fargate-compile.", level)


def _result(rule_index: int, rule_id: str, level: str, text: str, file: str, line: int, col: int) -> dict:
    return {
        "ruleId": rule_id,
        "ruleIndex": rule_index,
        "level": level,
        "message": {"text": text},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": _uri(file)},
            "region": {"startLine": max(1, int(line)), "startColumn": max(1, int(col))},
        }}],
    }


def log(diagnostics: Iterable[Diagnostic], extra: Iterable[Finding] = ()) -> dict:
    """A SARIF 2.1.0 log with one run."""
    diagnostics, extra = list(diagnostics), list(extra)
    rules: dict[str, Rule] = dict(sorted(catalog().items()))
    for d in diagnostics:
        rules.setdefault(d.code, _rule_for(d.code, LEVELS.get(d.severity, "note")))
    for f in extra:
        rules.setdefault(f.rule.id, f.rule)
    index = {code: i for i, code in enumerate(rules)}
    results = []
    for d in diagnostics:
        text = f"{d.path}: {d.message}" + (f" ({d.hint})" if d.hint else "")
        results.append(_result(index[d.code], d.code, LEVELS.get(d.severity, "note"), text, d.file, d.line, d.col))
    for f in extra:
        results.append(_result(index[f.rule.id], f.rule.id, f.level, f.message, f.file, f.line, f.col))
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": TOOL,
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [{
                    "id": r.id,
                    "shortDescription": {"text": r.short},
                    "fullDescription": {"text": r.help},
                    "help": {"text": r.help},
                    "defaultConfiguration": {"level": r.level},
                } for r in rules.values()],
            }},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }
