"""Every example's golden templates with errors planted in every resource, linted once per run.

tests/test_lint.py (shards find what a whole run finds) and tests/test_lintspeed.py
(lintspeed changes cfn-lint's speed, never its findings) check the same lints: both read
the findings of one `run()`, made by the session fixture `planted_lints` (tests/conftest.py)
on the one xdist worker of the group "planted-lints".

The reference is stock cfn-lint (lint.lint_text: the Runner as cfn-lint builds it, no
lintspeed) in one fresh process; the other fresh process runs what a lint worker runs
(lint.prepare(): sympy deferred, validator classes cached, the guard; then the pool's
whole-template task, lint.lint_shard). Both lint every golden template with errors planted
in every resource, plus variants with conditions and rules for cfn-lint's condition solver.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = sorted((ROOT / "tests" / "golden").glob("*/*.json"))
GROUP = pytest.mark.xdist_group("planted-lints")  # the tests reading run(): on one worker, so it runs once


def name_of(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def planted(text: str) -> str:
    """Errors in every resource (a walk finding each) and outside the walk (whole-template rules)."""
    data = json.loads(text)
    for i, (name, body) in enumerate(sorted(data["Resources"].items())):
        props = body.setdefault("Properties", {})
        props["NotAProperty"] = i if i % 5 else f"bell\u0007{i}"  # E3002 walking this resource; E9006 (ours)
        if i % 3 == 0:
            body["DependsOn"] = "NoSuchResource"         # E3005
        if i % 4 == 1:
            props["Tags"] = {"Ref": "NoSuchParameter"}   # E1020 and a type finding
        if body["Type"] == "AWS::ECS::TaskDefinition":   # type-bound rules (lint.type_bound_rules) ...
            props.update(Cpu="256", Memory="30720")      # E3047: no such Fargate size
        if body["Type"] == "AWS::ECS::Service":
            props.pop("NetworkConfiguration", None)      # E3052: awsvpc needs it
    data.setdefault("Parameters", {})["UnusedParam"] = {"Type": "String"}  # W2001: a whole-template rule
    return json.dumps(data, indent=2, sort_keys=True)


STOCK = """
import json, sys
from compiler.lint import runner as lint
texts = json.load(open(sys.argv[1]))
print(json.dumps({name: lint.lint_text(text) for name, text in texts.items()}))
"""

WORKER = """
import json, sys
from compiler.aws import cfnlint_data
from compiler.lint import runner as lint, speed as lintspeed
texts = json.load(open(sys.argv[1]))
lint.prepare()
lint.stateful_types()
lint.type_bound_rules()
found, before = {}, None
for name, text in texts.items():  # condition-free templates first (see texts)
    if before is None and lint.uses_conditions(json.loads(text)):
        before = {"complete": lintspeed.is_sympy_complete(), "polys": "sympy.polys" in sys.modules}
    found[name] = lint.lint_shard(text)
print(json.dumps({"found": found, "trips": lintspeed.guard_trips(), "before_conditions": before}))
"""


def with_conditions(text: str) -> str:
    """Conditions the solver must reason about: a conditional resource referenced
    unconditionally (W1001), Fn::If in properties, a rule with assertions."""
    data = json.loads(text)
    names = sorted(data["Resources"])
    data.setdefault("Parameters", {})["Stage"] = {"Type": "String", "AllowedValues": ["dev", "prod"]}
    data["Conditions"] = {
        "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
        "IsDev": {"Fn::Not": [{"Condition": "IsProd"}]},
        "Both": {"Fn::And": [{"Condition": "IsProd"}, {"Condition": "IsDev"}]},
    }
    data["Rules"] = {"ProdOnly": {"RuleCondition": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
                                  "Assertions": [{"Assert": {"Fn::Equals": [{"Ref": "Stage"}, "dev"]}}]}}
    data["Resources"][names[0]]["Condition"] = "IsProd"
    for i, name in enumerate(names[1:], start=1):
        props = data["Resources"][name].setdefault("Properties", {})
        if i % 2:
            props["Conditional"] = {"Fn::If": ["IsDev", {"Ref": names[0]}, {"Ref": "AWS::NoValue"}]}
        else:
            props["Unconditional"] = {"Ref": names[0]}
    return json.dumps(data, indent=2, sort_keys=True)


def texts() -> dict[str, str]:
    texts = {name_of(p): planted(p.read_text()) for p in GOLDEN}
    free = {name: text for name, text in texts.items() if "Conditions" not in json.loads(text)}
    rest = {name: text for name, text in texts.items() if name not in free}
    variants = {f"{name} +conditions": with_conditions(texts[name])
                for name in ("complete/services.json", "complete/alb.json", "complete/network.json")}
    return {**free, **rest, **variants}


def _run(code: str, texts_file: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", code, str(texts_file)], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@dataclass(frozen=True)
class PlantedLints:
    texts: dict[str, str]   # name -> planted template: every golden by name_of(path), then the variants
    stock: dict[str, list]  # name -> stock cfn-lint's findings
    worker: dict            # {"found": name -> a lint worker's findings, "trips": ..., "before_conditions": ...}


def run(directory: Path) -> PlantedLints:
    planted_texts = texts()
    path = directory / "texts.json"
    path.write_text(json.dumps(planted_texts))
    return PlantedLints(planted_texts, _run(STOCK, path), _run(WORKER, path))
