"""Work sharing never changes what cfn-lint (with our rules, compiler/lint/rules/) finds.

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

from compiler.lint import runner as lint
from planted_lints import GOLDEN, GROUP, name_of, planted as _planted

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = "examples/public-tasks.yaml"


def _sharded(text: str, shards: int, pinned: frozenset[str] | None = None) -> list[dict]:
    tasks = lint.shard_tasks(text, shards, lint.stateful_types() if pinned is None else pinned)
    return lint._merge([lint.run_task(task) for task in tasks])


def _whole(text: str) -> list[dict]:
    return lint._merge([lint.lint_text(text)])


@pytest.mark.slow
@GROUP
@pytest.mark.parametrize("path", GOLDEN, ids=name_of)
def test_shards_find_exactly_what_a_whole_run_finds(path, planted_lints):
    planted = _planted(path.read_text())  # the example's template, with errors in every resource
    assert planted_lints.texts[name_of(path)] == planted
    # One whole serial run: stock cfn-lint's, in a fresh process (made once per run, planted_lints.py).
    expected = lint._merge([planted_lints.stock[name_of(path)]])
    resources = len(json.loads(planted)["Resources"])
    assert len({f["path"] for f in expected if f["rule"] == "E3002"}) >= resources  # planted errors are seen
    assert any(f["rule"] == "E9006" for f in expected)  # and so are our own rules (compiler/lint/rules/)
    types = {body["Type"] for body in json.loads(planted)["Resources"].values()}
    if {"AWS::ECS::TaskDefinition", "AWS::ECS::Service"} <= types:  # (a jobs-only app's services.json has neither)
        assert {"E3047", "E3052"} <= {f["rule"] for f in expected}  # ... are seen too
    # The pool's whole-template task (lint.run_task(("whole", ...)) is lint.lint_shard) in a fresh lint worker.
    assert lint._merge([planted_lints.worker["found"][name_of(path)]]) == expected
    shards = 3 if path.name == "services.json" else 2
    assert _sharded(planted, shards) == expected


def test_rules_bound_to_absent_types_are_set_aside():
    """The pool does not run ~120 rules that only apply to resource types absent from a
    template; which, is decided per template from its types (the test above: same findings)."""
    bound = lint.type_bound_rules()
    services = json.loads((ROOT / "tests" / "golden" / "complete" / "services.json").read_text())
    present = {body["Type"] for body in services["Resources"].values()}
    idle = [rule for rule, types in bound.items() if not types & present]
    assert len(idle) > 100
    assert {"E3047", "E3052"} <= set(bound) - set(idle)  # ECS rules stay for a template with ECS resources


def test_shards_of_a_clean_template_find_nothing_new():
    path = ROOT / "tests" / "golden" / "complete" / "services.json"
    assert _sharded(path.read_text(), 2) == _whole(path.read_text())


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
    golden = ROOT / "tests" / "golden" / "public-tasks"
    texts = {name: _planted((golden / name).read_text()) for name in ("services.json", "root.json")}
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


@pytest.mark.parametrize("command", ["plan", "check"])
def test_plan_and_check_never_import_cfn_lint(command):
    """Not even for a task role's actions (FC212 reads cfn-lint's list of IAM actions as a file)."""
    done = _run_python(
        "import sys\n"
        "from compiler.cli import main\n"
        "for spec in ('examples/complete.yaml', 'examples/event-driven.yaml'):\n"
        f"    code = main(['{command}', spec])\n"
        "    assert code == 0, code\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'cfnlint'))\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_compile_lints_in_its_workers_only_and_shows_progress_when_asked(tmp_path):
    """The CLI's own process never loads cfn-lint (the workers do, while a child process
    builds the templates) nor the compile stack (the child does, and exits before the
    lint); --progress prints lint progress even though stderr is not a terminal here."""
    done = _run_python(
        "import sys\n"
        "from compiler.cli import main\n"
        f"code = main(['{EXAMPLE}', '--no-cache', '--progress', '--output-dir', {str(tmp_path)!r}])\n"
        "assert code == 0, code\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('cfnlint', 'troposphere', 'awacs', 'jsonschema')))\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    # The example's own warning (FC262: its public ALB serves plain HTTP) is printed too.
    lines = [line for line in done.stderr.splitlines() if ": warning: " not in line]
    total = len(list((ROOT / "tests" / "golden" / "public-tasks").glob("*.json")))
    assert lines[0].startswith("linting ") and lines[-1] == f"linted: {total} of {total} templates done"


def test_no_progress_in_a_pipe_unless_asked(tmp_path):
    quiet = subprocess.run([sys.executable, "-m", "compiler", EXAMPLE, "--no-cache", "--output-dir", str(tmp_path)],
                           cwd=ROOT, capture_output=True, text=True)
    assert quiet.returncode == 0, quiet.stderr
    assert "linting" not in quiet.stderr and "linted" not in quiet.stderr
