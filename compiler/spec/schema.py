"""schemas/spec.schema.json -> Diagnostics, located through the loader's Locator.

Every schema error is reported (not only the first), one per offending location,
in plain words: what was found and what is allowed. anyOf alternatives are
collapsed to the branch that fits the value's type, so `count: "x"` gives one
message, not one per alternative.
"""

from __future__ import annotations

import difflib
import json
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterator, NamedTuple

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError, best_match

from compiler.diagnostics import Diagnostic, Locator, ordered

CODES = {
    "FC100": "unknown key",
    "FC101": "wrong type (a boolean is not a number, a string is not a list, ...)",
    "FC102": "out of range: minimum/maximum, length, number of items or entries",
    "FC103": "not one of the allowed values",
    "FC104": "not in the expected format (pattern)",
    "FC105": "missing required key",
    "FC106": "other: duplicate list items, keys that exclude each other",
}

# Which code a failing JSON Schema keyword gets; in one location the lowest code wins.
KEYWORD_CODES = {
    "additionalProperties": "FC100",
    "type": "FC101",
    "minimum": "FC102", "maximum": "FC102", "exclusiveMinimum": "FC102", "exclusiveMaximum": "FC102",
    "minLength": "FC102", "maxLength": "FC102", "minItems": "FC102", "maxItems": "FC102",
    "minProperties": "FC102", "maxProperties": "FC102",
    "enum": "FC103", "const": "FC103",
    "pattern": "FC104",
    "required": "FC105",
}
OTHER = "FC106"

TYPE_WORDS = {
    "integer": "an integer", "number": "a number", "string": "a string", "boolean": "a boolean",
    "object": "a mapping", "array": "a list", "null": "null",
}
SIZE_NOUNS = {
    "minLength": "character", "maxLength": "character", "minItems": "item", "maxItems": "item",
    "minProperties": "entry", "maxProperties": "entry",
}


class Finding(NamedTuple):
    code: str
    path: tuple
    key: bool      # located at the mapping key rather than the value
    message: str
    hint: str = ""


# --- loading -----------------------------------------------------------------------------

def _strict_integer(checker, instance) -> bool:
    # JSON Schema counts 3.0 as an integer; a spec value 3.0 is not a port or a count.
    return isinstance(instance, int) and not isinstance(instance, bool)


def ecma_regex(pattern: str) -> str:
    """A JSON Schema (ECMA-262) pattern as the Python regex that means the same.

    The schema's patterns are written for ECMA-262, which editors use for completion
    and validation. Python's `re` differs in two ways that matter here: `$` also
    matches before a final newline (so "web\\n" would pass "^[a-z]+$"), and `\\d`
    matches any Unicode digit. Outside a character class `$` becomes `\\Z`; `\\d`
    becomes `0-9` (in a class) or `[0-9]`.
    """
    out, i, in_class = [], 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            pair = pattern[i:i + 2]
            out.append(("0-9" if in_class else "[0-9]") if pair == "\\d" else pair)
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "]":   # "[]...]": a leading ] is literal
                out.append("[]")
                i += 2
                continue
        elif c == "$":
            c = r"\Z"
        out.append(c)
        i += 1
    return "".join(out)


@lru_cache(maxsize=None)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(ecma_regex(pattern))


def _ecma_pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not _compiled(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


StrictValidator = validators.extend(
    Draft202012Validator,
    validators={"pattern": _ecma_pattern},
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_integer),
)


@lru_cache(maxsize=1)
def load_schema() -> dict:
    packaged = resources.files("compiler").joinpath("data/spec.schema.json")
    if packaged.is_file():
        return json.loads(packaged.read_text(encoding="utf-8"))
    repo_copy = Path(__file__).resolve().parents[2] / "schemas" / "spec.schema.json"
    return json.loads(repo_copy.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return StrictValidator(load_schema())


# --- the stage ----------------------------------------------------------------------------

def validate(data: Any, locator: Locator) -> list[Diagnostic]:
    findings = [f for error in _validator().iter_errors(data) for f in _findings(error)]
    diags = {
        locator.error(f.code, f.path, f.message, hint=f.hint, key=f.key) for f in _one_per_location(findings)
    }
    return ordered(diags)


def _one_per_location(findings: list[Finding]) -> list[Finding]:
    """Keep the most basic problem of each location (a wrong type before a bad value).

    Missing required keys are each their own problem, so they are never merged.
    """
    best: dict[tuple, Finding] = {}
    for f in findings:
        slot = (f.path, f.key, f.message if f.code == "FC105" else "")
        if slot not in best or f.code < best[slot].code:
            best[slot] = f
    return list(best.values())


def _findings(error: ValidationError) -> Iterator[Finding]:
    path = tuple(error.absolute_path)
    if error.validator in ("anyOf", "oneOf"):
        yield from _alternatives(error)
    elif error.validator == "additionalProperties":
        yield from _unknown_keys(error, path)
    elif error.validator == "required":
        yield from _missing_keys(error, path)
    elif "propertyNames" in error.absolute_schema_path:
        # The instance is the key itself; locate the finding at that key.
        yield _finding(error, path + (error.instance,), key=True)
    else:
        yield _finding(error, path, key=error.validator == "not")


def _alternatives(error: ValidationError) -> Iterator[Finding]:
    """anyOf/oneOf: follow the alternative that fits the value's type, else say no type fits."""
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    fitting = [errs for errs in branches.values() if not _wrong_type_only(errs)]
    if len(fitting) == 1:
        for sub in fitting[0]:
            yield from _findings(sub)
    elif not fitting:
        alternatives = error.validator_value
        found = " or ".join(_type_words(alt) for alt in alternatives)
        wanted = " or ".join(_expected(alt) for alt in alternatives)
        yield Finding("FC101", tuple(error.absolute_path), False,
                      _with_expected(f"{_show(error.instance)} is not {found}", found, wanted))
    elif all(len(errs) == 1 and errs[0].validator == "required" for errs in fitting):
        # Alternatives that each want a key (`services`, or `jobs`): one finding naming them all.
        missing = [key for errs in fitting for key in errs[0].validator_value if key not in errs[0].instance]
        if missing:
            yield Finding("FC105", tuple(error.absolute_path), True,
                          "missing required key " + " or ".join(f"'{key}'" for key in dict.fromkeys(missing)))
        else:
            yield from _findings(best_match(error.context))
    else:
        yield from _findings(best_match(error.context))


def _wrong_type_only(errors: list[ValidationError]) -> bool:
    return all(e.validator == "type" and not e.relative_path for e in errors)


SUGGESTIONS = 100   # "did you mean" for this many unknown keys of a mapping; past that, all are junk


def _unknown_keys(error: ValidationError, path: tuple) -> Iterator[Finding]:
    allowed = sorted(error.schema.get("properties", {}))
    unknown = [key for key in error.instance if key not in allowed]
    for index, key in enumerate(unknown):
        close = difflib.get_close_matches(str(key), allowed, n=1) if index < SUGGESTIONS else []
        hint = f"did you mean '{close[0]}'?" if close else "allowed keys: " + ", ".join(allowed)
        yield Finding("FC100", path + (key,), True, f"unknown key {_show(key)}", hint)


def _missing_keys(error: ValidationError, path: tuple) -> Iterator[Finding]:
    # Located at the key that opens the mapping (`web:`), where the missing key belongs.
    for key in error.validator_value:
        if key not in error.instance:
            yield Finding("FC105", path, True, f"missing required key '{key}'")


def _finding(error: ValidationError, path: tuple, key: bool = False) -> Finding:
    code = KEYWORD_CODES.get(error.validator, OTHER)
    return Finding(code, path, key, _message(error), _suggestion(error))


def _suggestion(error: ValidationError) -> str:
    """A close allowed value for a misspelt choice: 'singel' -> did you mean 'single'?"""
    if error.validator != "enum" or not isinstance(error.instance, str):
        return ""
    close = difflib.get_close_matches(error.instance, [str(c) for c in error.validator_value], n=1)
    return f"did you mean '{close[0]}'?" if close else ""


# --- messages -----------------------------------------------------------------------------

def _message(error: ValidationError) -> str:
    v, limit, schema, value = error.validator, error.validator_value, error.schema, error.instance
    shown = _show(value)
    if v == "type":
        found = _type_words(schema)
        return _with_expected(f"{shown} is not {found}", found, _expected(schema))
    if v in ("enum", "const"):
        choices = limit if v == "enum" else [limit]
        return f"{shown} is not one of {', '.join(_plain(c) for c in choices)}"
    if v == "minimum":
        return f"{shown} is below the minimum {limit}"
    if v == "maximum":
        return f"{shown} is above the maximum {limit}"
    if v in SIZE_NOUNS:
        bound = f"at least {limit} required" if v.startswith("min") else f"at most {limit} allowed"
        found = _count(len(value), SIZE_NOUNS[v])
        return f"{shown} has {found}, {bound}" if isinstance(value, str) else f"found {found}, {bound}"
    if v == "pattern":
        expected = schema.get("patternErrorMessage")   # words beat a regular expression
        return f"{shown} is not valid: {expected}" if expected else f"{shown} does not match {limit}"
    if v == "uniqueItems":
        return f"{_show(_first_duplicate(value))} appears more than once in the list"
    if "errorMessage" in schema:
        return schema["errorMessage"]
    return error.message


def _with_expected(text: str, found: str, wanted: str) -> str:
    return text if wanted == found else f"{text} (expected {wanted})"


def _type_words(schema: dict) -> str:
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else types
    words = [TYPE_WORDS.get(t, t) for t in types]
    return ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else "".join(words)


def _expected(schema: dict) -> str:
    """What a (sub)schema accepts, in words: "an integer 1..65535", "one of none, single"."""
    if "anyOf" in schema:
        return " or ".join(_expected(alt) for alt in schema["anyOf"])
    if "enum" in schema:
        return "one of " + ", ".join(_plain(c) for c in schema["enum"])
    words = _type_words(schema)
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        return f"{words} {low}..{high}"
    if low is not None:
        return f"{words} >= {low}"
    if high is not None:
        return f"{words} <= {high}"
    return words


def _show(value: Any) -> str:
    """A value as the user wrote it in YAML: true, null, 'text', 42; containers by kind."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int) and abs(value) >= 10 ** 30:
        return f"a {len(str(abs(value)))}-digit number"
    return str(value)


def _plain(choice: Any) -> str:
    return choice if isinstance(choice, str) else _show(choice)


def _count(n: int, noun: str) -> str:
    plural = "entries" if noun == "entry" else noun + "s"
    return f"{n} {noun if n == 1 else plural}"


def _first_duplicate(items: list) -> Any:
    seen: list = []
    for item in items:
        if item in seen:
            return item
        seen.append(item)
    return None
