"""Work sharing never changes what cfn-lint (with our rules, compiler/rules/) finds.

A template linted as shards (lint.py's module docstring) must give exactly the
findings of one whole serial run, on every example's templates, clean and with
errors planted in every resource; the pool gives the same as the serial path;
`plan` never imports cfn-lint, and a CLI compile lints in its workers only.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from compiler import lint

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = sorted((ROOT / "tests" / "golden").glob("*/*.json"))


def _planted(text: str) -> str:
    """Errors in every resource (a walk finding each) and outside the walk (whole-template rules)."""
    data = json.loads(text)
    for i, (name, body) in enumerate(sorted(data["Resources"].items())):
        props = body.setdefault("Properties", {})
        props["NotAProperty"] = i if i % 5 else f"bell\u0007{i}"  # E3002 walking this resource; E9006 (ours)
        if i % 3 == 0:
            body["DependsOn"] = "NoSuchResource"         # E3005
        if i % 4 == 1:
            props["Tags"] = {"Ref": "NoSuchParameter"}   # E1020 and a type finding
    data.setdefault("Parameters", {})["UnusedParam"] = {"Type": "String"}  # W2001: a whole-template rule
    return json.dumps(data, indent=2, sort_keys=True)


def _sharded(text: str, shards: int, pinned: frozenset[str] | None = None) -> list[dict]:
    tasks = lint.shard_tasks(text, shards, lint.stateful_types() if pinned is None else pinned)
    return lint._merge([lint.run_task(task) for task in tasks])


def _whole(text: str) -> list[dict]:
    return lint._merge([lint.lint_text(text)])


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_shards_find_exactly_what_a_whole_run_finds(path):
    clean = path.read_text()
    planted = _planted(clean)
    expected_clean, expected_planted = _whole(clean), _whole(planted)
    resources = len(json.loads(clean)["Resources"])
    assert len({f["path"] for f in expected_planted if f["rule"] == "E3002"}) >= resources  # planted errors are seen
    assert any(f["rule"] == "E9006" for f in expected_planted)  # and so are our own rules (compiler/rules/)
    for shards in (2, 3):
        assert _sharded(clean, shards) == expected_clean
        assert _sharded(planted, shards) == expected_planted


def test_resources_compared_by_stateful_rules_stay_together():
    """E3060-style rules compare a resource with earlier ones: overlapping subnets in
    different shards would go unseen, so their types are pinned to shard 0."""
    pinned = lint.stateful_types()
    assert pinned is not None and "AWS::EC2::Subnet" in pinned
    template = {"Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        **{f"Subnet{i}": {"Type": "AWS::EC2::Subnet",
                          "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.0.0/24"}} for i in range(4)},
        **{f"Topic{i}": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": f"t{i}" * 40}} for i in range(6)},
    }}
    text = json.dumps(template, indent=2)
    whole = _whole(text)
    assert sum(f["rule"] == "E3060" for f in whole) == 3  # each later subnet overlaps an earlier one ...
    assert _sharded(text, 3) == whole                      # ... and sharding keeps them
    assert _sharded(text, 3, pinned=frozenset()) != whole  # (which it would not, unpinned)


def test_pool_finds_the_same_as_serial(tmp_path):
    texts = {p.name: _planted(p.read_text()) for p in (ROOT / "tests" / "golden" / "complete").glob("*.json")}
    serial = lint.lint_templates(texts, use_cache=False, jobs=1)
    assert any(d.code == "E3002" for d in serial)
    pool = lint.start_pool(2)
    try:
        # The biggest template is more than half the work here, so the pool lints it in shards.
        assert max(map(len, texts.values())) > sum(map(len, texts.values())) / 2
        assert lint.lint_templates(texts, use_cache=False, pool=pool) == serial
    finally:
        pool.close()


def _run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)


def test_plan_never_imports_cfn_lint():
    done = _run_python(
        "import sys\n"
        "from compiler.cli import main\n"
        "code = main(['plan', 'examples/complete.yaml'])\n"
        "assert code == 0, code\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'cfnlint'))\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_compile_lints_in_its_workers_only(tmp_path):
    """The CLI's own process never loads cfn-lint: the workers do, while it compiles."""
    done = _run_python(
        "import sys\n"
        "from compiler.cli import main\n"
        f"code = main(['examples/complete.yaml', '--no-cache', '--output-dir', {str(tmp_path)!r}])\n"
        "assert code == 0, code\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'cfnlint'))\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_progress_only_when_asked_or_on_a_terminal(tmp_path):
    quiet = subprocess.run([sys.executable, "-m", "compiler", "examples/complete.yaml", "--no-cache",
                            "--output-dir", str(tmp_path)], cwd=ROOT, capture_output=True, text=True)
    assert quiet.returncode == 0 and "linting" not in quiet.stderr
    asked = subprocess.run([sys.executable, "-m", "compiler", "examples/complete.yaml", "--no-cache",
                            "--output-dir", str(tmp_path), "--progress"], cwd=ROOT, capture_output=True, text=True)
    assert asked.returncode == 0, asked.stderr
    lines = asked.stderr.splitlines()
    assert lines[0].startswith("linting ") and lines[-1].startswith("linted: ")
    total = len(list((ROOT / "tests" / "golden" / "complete").glob("*.json")))
    assert lines[-1] == f"linted: {total} of {total} templates done"
