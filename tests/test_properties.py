"""Property: however an example spec is mangled, the compiler answers 0, 1 or 2, never
with a traceback, and never writes half an output.

Mutations of the examples: delete a key or item, change a value to another type or
value, insert an unknown key, swap two values, duplicate a line, insert random
bytes, cut a piece out of the text. Runs are --no-lint (cfn-lint is proven by the
example and golden tests) and derandomized, so CI sees the same examples every time.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import re
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.cli import main
from specpaths import locations, parent_of, value_at

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = {p.name: p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").glob("*.yaml"))}
DATA = {name: yaml.safe_load(text) for name, text in EXAMPLES.items()}

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

# Values a mangled field may get: other types, edges of ranges, odd strings.
VALUES = [
    None, True, False, 0, -1, 1, 2, 3, 5, 80, 256, 512, 65536, 2**31, 2**70, 1.5, float("nan"),
    "", " ", "x", "256", "true", "/", "/*", "10.0.0.0/16", "10.0.0.0/28", "0.0.0.0/0", "us-east-1a",
    "none", "per_az", "linux/arm64", "1-0", "0-0", "2-10", "s3:*", "arn:aws:acm:us-east-1:1:x",
    "a" * 300, "ünïcödé", "line\nbreak", [], [1, "a"], ["s3", "s3"], {}, {"unknown": 1},
    {"path": "/"}, {"alias": "x"}, {"range": "1-3"},
]
KEYS = ["colour", "helthcheck", "prot", "image", "port", "http", "count", "zones", "azs",
        "subnets", "connect", "sidecars", "priority", "x-extra", "Services", "ÿ"]
# FILE:LINE:COL: SEVERITY: PATH: MESSAGE, where PATH quotes keys with spaces: services["a b"].port
STATUS_LINE = re.compile(r'^.+:\d+:\d+: (error|warning): (?:[^\s"]|"(?:[^"\\]|\\.)*")+: .+$')


def mutate_data(draw, data):
    places = list(locations(data))
    kind = draw(st.sampled_from(["delete", "retype", "insert", "swap"]))
    if not places:
        kind = "insert"
    if kind == "delete":
        path, _ = draw(st.sampled_from(places))
        del parent_of(data, path)[path[-1]]
    elif kind == "retype":
        path, _ = draw(st.sampled_from(places))
        parent_of(data, path)[path[-1]] = copy.deepcopy(draw(st.sampled_from(VALUES)))
    elif kind == "insert":
        mappings = [()] + [path for path, node in places if isinstance(node, dict)]
        where = draw(st.sampled_from(mappings))
        target = value_at(data, where)
        target[draw(st.sampled_from(KEYS) | st.text(min_size=1, max_size=8))] = copy.deepcopy(
            draw(st.sampled_from(VALUES)))
    else:
        (a, va), (b, vb) = draw(st.sampled_from(places)), draw(st.sampled_from(places))
        if a[:len(b)] != b and b[:len(a)] != a:   # neither inside the other
            parent_of(data, a)[a[-1]], parent_of(data, b)[b[-1]] = vb, va
    return data


def mutate_text(draw, text: str) -> bytes:
    raw = text.encode("utf-8")
    kind = draw(st.sampled_from(["duplicate-line", "bytes", "cut"]))
    if kind == "duplicate-line":
        lines = text.splitlines(keepends=True)
        at = draw(st.integers(0, len(lines) - 1))
        return "".join(lines[:at + 1] + [lines[at]] + lines[at + 1:]).encode("utf-8")
    at = draw(st.integers(0, len(raw)))
    if kind == "bytes":
        return raw[:at] + draw(st.binary(min_size=1, max_size=8)) + raw[at:]
    return raw[:at] + raw[at + draw(st.integers(1, 40)):]


def compile_bytes(raw: bytes) -> None:
    """Compile `raw` and check the outcome is clean: 0/1/2, located errors, all-or-nothing output."""
    with tempfile.TemporaryDirectory() as tmp:
        spec, out = Path(tmp) / "spec.yaml", Path(tmp) / "out"
        spec.write_bytes(raw)
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            status = main([str(spec), "--output-dir", str(out), "--no-lint", "--no-cache"])
        err = stderr.getvalue()
        assert status in (0, 1, 2), err
        assert "Traceback" not in err and "internal error" not in err, err
        for line in err.splitlines():
            if status == 1 and not line.endswith("nothing was written"):
                assert line.startswith(f"{spec}:") and STATUS_LINE.match(line), line
        if status != 0:
            assert not out.exists(), err
            return
        assert_complete(out)


def assert_complete(out: Path) -> None:
    """One <app>-<env> directory holding root.json and exactly the templates it references."""
    [target] = list(out.iterdir())
    files = {p.name for p in target.iterdir()}
    root = json.loads((target / "root.json").read_text())
    urls = {r["Properties"]["TemplateURL"] for r in root["Resources"].values()
            if r["Type"] == "AWS::CloudFormation::Stack"}
    assert {u.removeprefix("./") for u in urls} | {"root.json"} == files
    assert {"network.json", "services.json"} <= files
    for name in files:
        json.loads((target / name).read_text())


@pytest.mark.slow
@SETTINGS
@given(name=st.sampled_from(sorted(EXAMPLES)), data=st.data())
def test_mutated_examples_never_crash_or_half_write(name, data):
    spec = copy.deepcopy(DATA[name])
    for _ in range(data.draw(st.integers(1, 3))):
        spec = mutate_data(data.draw, spec)
    compile_bytes(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True).encode("utf-8"))


@pytest.mark.slow
@SETTINGS
@given(name=st.sampled_from(sorted(EXAMPLES)), data=st.data())
def test_mangled_example_text_never_crashes_or_half_writes(name, data):
    compile_bytes(mutate_text(data.draw, EXAMPLES[name]))


def test_the_examples_themselves_compile_completely():
    for text in EXAMPLES.values():
        compile_bytes(text.encode("utf-8"))
