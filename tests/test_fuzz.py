"""Seeded fuzzing of the whole compile, lint included (issue #10).

Two generators:
- specs generated from the JSON Schema itself (hypothesis-jsonschema): structurally valid,
  mostly refused by the cross-field checks, and so a test of every check's robustness;
- the examples, mutated with values generated from the schema at the mutated location
  (replace a value, add an optional key, delete one, add a service, point depends_on at
  a real service): mostly valid, and so a test of the builders and of the templates.

Every outcome must be clean: exit 0 or 1, never a traceback or "internal error" (exit 3);
exit 1 with at least one `FILE:LINE:COL: error:` finding in the spec; exit 0 with no
cfn-lint finding (error or warning, our custom rules included) in any template, except a
warning the spec asked for and was warned about itself (EXPLAINED_BY).

The run is seeded, so CI sees the same inputs every time. FC_FUZZ_SEED=N tries another
seed and FC_FUZZ_EXAMPLES=N sets the examples per generator, e.g.

    FC_FUZZ_SEED=$RANDOM FC_FUZZ_EXAMPLES=400 python -m pytest tests/test_fuzz.py

The compiles run in-process through `compiler.cli.main` (one cfn-lint rule set, loaded
once; the lint cache is the session's, see conftest.py).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, currently_in_test_context, event, given, seed, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from compiler.cli import main
from compiler.diagnostics import Diagnostic
from compiler.spec.schema import load_schema
from specpaths import locations, parent_of, value_at

ROOT = Path(__file__).resolve().parent.parent
SEED = int(os.environ.get("FC_FUZZ_SEED", "20261127"))
EXAMPLES = int(os.environ.get("FC_FUZZ_EXAMPLES", "30"))
SPECS = {p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*.yaml"))}
SCHEMA = load_schema()
# What examples/ci-image-tag.yaml needs (tests/builds.py passes the same), so its mutations compile.
VARIABLES = ["--var", "IMAGE_TAG=2026.11.27-fuzz"]
LOCATED = re.compile(r'^.+:\d+:\d+: (error|warning): (?:[^\s"]|"(?:[^"\\]|\\.)*")+: .+$', re.DOTALL)

# Template warnings a spec may ask for, with the spec warning that tells the user first:
# a route an explicit priority shadows is compiled as written (docs/decisions.md).
EXPLAINED_BY = {"W9005": "FC206"}

SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
                    suppress_health_check=list(HealthCheck), print_blob=True)


# --- the oracle ------------------------------------------------------------------------------------

def compile_and_judge(data) -> int:
    """Compile `data` (written as YAML) and assert the outcome is clean; the exit status."""
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1 << 16)
    with tempfile.TemporaryDirectory() as tmp:
        spec, out = Path(tmp) / "spec.yaml", Path(tmp) / "out"
        spec.write_text(text, encoding="utf-8")
        stderr, stdout = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stdout):
            status = main([str(spec), "--output-dir", str(out), "--diagnostics", "json", *VARIABLES])
        err = stderr.getvalue()
        context = f"exit {status}\n--- spec\n{text}\n--- stderr\n{err}"
        assert "Traceback" not in err and "internal error" not in err, context
        assert status in (0, 1), context
        found, _ = json.JSONDecoder().raw_decode(err) if err.strip() else ([], 0)
        lines = [Diagnostic(d["file"], d["line"], d["column"], d["code"], d["path"], d["message"],
                            d["severity"], d["hint"]) for d in found]
        for d in lines:
            assert LOCATED.match(d.format()), context
        from_templates = [d for d in lines if d.file != str(spec)]
        if status == 1:
            assert any(d.severity == "error" and d.file == str(spec) for d in lines), context
            assert not out.exists(), context
        else:
            # Lint-clean: no template finding, except a warning the spec's own warning explains.
            told = {d.code for d in lines if d.file == str(spec)}
            assert [d for d in from_templates if EXPLAINED_BY.get(d.code) not in told] == [], context
            [target] = list(out.iterdir())
            assert (target / "root.json").is_file(), context
        if currently_in_test_context():
            event(f"exit {status}")  # shown by --hypothesis-show-statistics
        return status


# --- schema-driven generation ----------------------------------------------------------------------

def bounded(node):
    """A copy of a schema with small collections and short free text: the same language,
    generated ~10x faster and more often valid (a 40-service spec finds no more bugs)."""
    if isinstance(node, list):
        return [bounded(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: bounded(v) for k, v in node.items()}
    kinds = out.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if "object" in kinds and "additionalProperties" in out and isinstance(out["additionalProperties"], dict):
        out["maxProperties"] = min(out.get("maxProperties", 3), 3)
    if "array" in kinds:
        out["maxItems"] = max(min(out.get("maxItems", 3), 3), out.get("minItems", 0))
    if "string" in kinds and "pattern" not in out and "enum" not in out:
        out["maxLength"] = min(out.get("maxLength", 24), 24)
    return out


GENERATION_SCHEMA = bounded(SCHEMA)
_UNPRINTABLE = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")


def printable(node):
    """The same data without the characters the loader refuses (FC013), so that half of the
    generated specs get past the loader to the checks and the builders."""
    if isinstance(node, str):
        return _UNPRINTABLE.sub("", node)
    if isinstance(node, list):
        return [printable(n) for n in node]
    if isinstance(node, dict):
        return {printable(k): printable(v) for k, v in node.items()}
    return node


# Deferred: hypothesis-jsonschema canonicalises the whole schema when the strategy is made
# (~4 CPU s), so only a run of this test pays for it, not every collection of the suite.
@pytest.mark.slow
@SETTINGS
@seed(SEED)
@given(data=st.deferred(lambda: from_schema(GENERATION_SCHEMA)), clean_text=st.booleans())
def test_specs_generated_from_the_schema_compile_cleanly(data, clean_text):
    compile_and_judge(printable(data) if clean_text else data)


# --- schema-valid mutations of the examples --------------------------------------------------------

def _resolve(node: dict) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        target = SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[-1]]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _branch(node: dict, value) -> dict:
    """The anyOf alternative that fits `value`'s kind."""
    node = _resolve(node)
    for alt in node.get("anyOf", ()):
        alt = _resolve(alt)
        kind = alt.get("type")
        if (kind == "object" and isinstance(value, dict)) or (kind == "array" and isinstance(value, list)):
            return alt
    return node


def schema_at(path: tuple, data) -> dict:
    """The subschema that governs the value at `path` of `data`."""
    node, value = SCHEMA, data
    for part in path:
        node = _branch(node, value)
        if isinstance(part, int):
            node = node.get("items", {})
        else:
            node = node.get("properties", {}).get(part) or node.get("additionalProperties") or {}
        value = value[part]
    return _resolve(node)


@lru_cache(maxsize=None)
def _strategy(schema_text: str):
    return from_schema({**json.loads(schema_text), "$defs": SCHEMA["$defs"]})


def values_for(schema: dict):
    return _strategy(json.dumps(schema, sort_keys=True))


def mutate(draw, data) -> dict:
    kind = draw(st.sampled_from(["replace", "replace", "add", "delete", "service", "depends_on", "edge"]))
    places = [path for path, _ in locations(data)]
    texts = [p for p in places if isinstance(value_at(data, p), str)]
    if kind == "edge" and texts:
        # Text a regex may mishandle: a final line break ("$" in Python matches before it),
        # edge whitespace, a non-ASCII digit ("\d" in Python matches it), a trailing hyphen.
        suffix = draw(st.sampled_from(["\n", " ", "\t", "\u0663", "-"]))
        keys = [p for p in places if isinstance(p[-1], str)]
        if draw(st.booleans()):
            path = draw(st.sampled_from(texts))
            parent_of(data, path)[path[-1]] = value_at(data, path) + suffix
        else:                               # the same at a key (a service, tag or variable name)
            path = draw(st.sampled_from(keys))
            parent = parent_of(data, path)
            renamed = {(k + suffix if k == path[-1] else k): v for k, v in parent.items()}
            parent.clear()
            parent.update(renamed)
    elif kind == "replace":
        path = draw(st.sampled_from(places))
        parent_of(data, path)[path[-1]] = draw(values_for(schema_at(path, data)))
    elif kind in ("add", "delete"):
        mappings = [()] + [p for p in places if isinstance(value_at(data, p), dict)]
        path = draw(st.sampled_from(mappings))
        node, schema = value_at(data, path), _branch(schema_at(path, data), value_at(data, path))
        optional = sorted(set(schema.get("properties", {})) - set(schema.get("required", ())))
        if kind == "add":
            missing = [k for k in optional if k not in node]
            if missing:
                key = draw(st.sampled_from(missing))
                node[key] = draw(values_for(_resolve(schema["properties"][key])))
        else:
            present = [k for k in optional if k in node]
            if present:
                del node[draw(st.sampled_from(present))]
    elif not data.get("services"):
        pass  # a jobs-only app (or one a mutation left without services): no service to copy or wire
    elif kind == "service":
        name = draw(st.from_regex(r"\A[a-z][a-z0-9]{0,9}\Z"))
        data["services"].setdefault(name, draw(values_for(schema_at(("services", next(iter(data["services"]))), data))))
    else:
        names = sorted(data["services"])
        client = draw(st.sampled_from(names))
        data["services"][client]["depends_on"] = draw(st.lists(st.sampled_from(names), max_size=3, unique=True))
    return data


@pytest.mark.slow
@SETTINGS
@seed(SEED)
@given(name=st.sampled_from(sorted(SPECS)), data=st.data())
def test_schema_valid_mutations_of_the_examples_compile_cleanly(name, data):
    spec = copy.deepcopy(SPECS[name])
    for _ in range(data.draw(st.integers(1, 3))):
        spec = mutate(data.draw, spec)
    compile_and_judge(spec)


def test_a_route_shadowed_by_an_explicit_priority_is_warned_about_and_compiled():
    """Found by seed 5: the spec's FC206 warning and the template's W9005 say the same."""
    spec = copy.deepcopy(SPECS["complete.yaml"])
    spec["services"]["backend"]["http"]["path"] = ["/", "/0"]     # "/*" at priority 10
    assert compile_and_judge(spec) == 0
