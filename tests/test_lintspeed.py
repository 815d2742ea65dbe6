"""lintspeed's changes to how cfn-lint runs change its speed, never its findings.

The reference is stock cfn-lint (lint.lint_text: the Runner as cfn-lint builds it, no
lintspeed) in one fresh process; the other fresh process runs what a lint worker runs
(lint.prepare(): sympy deferred, validator classes cached, the guard). Both lint every
example's templates with errors planted in every resource, plus variants with
conditions and rules for cfn-lint's condition solver, and must find the same. Those two
runs are made once per test run, for this file and tests/test_lint.py (tests/planted_lints.py).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from compiler.aws import cfnlint_data
from compiler.lint import runner as lint, speed as lintspeed
from planted_lints import GROUP

ROOT = Path(__file__).resolve().parent.parent

@pytest.mark.slow
@GROUP
def test_a_worker_finds_exactly_what_stock_cfn_lint_finds(planted_lints):
    stock, worker, texts = planted_lints.stock, planted_lints.worker, planted_lints.texts
    assert set(stock) == set(texts)
    for name in texts:  # the same findings; lint_templates sorts them
        assert lint._merge([worker["found"][name]]) == lint._merge([stock[name]]), name
    variants = [name for name in texts if name.endswith("+conditions")]
    solver = {f["rule"] for name in variants for f in stock[name]}
    assert {"W1001", "E3002"} <= solver  # the conditions were reasoned about, the planted errors seen


@pytest.mark.slow
@GROUP
def test_sympy_stays_partial_until_a_template_has_conditions(planted_lints):
    worker = planted_lints.worker
    assert worker["before_conditions"] == {"complete": False, "polys": False}  # the saving is real
    assert worker["trips"] == 0  # and no late sympy import was ever needed on them


def test_the_names_cfn_lint_takes_from_sympy_are_sympys_own():
    """Every `from sympy import X` in cfn-lint names an X in SYMPY_NAMES, and sympy's package
    exports the very object of the submodule SYMPY_NAMES says (checked in a fresh process
    with the whole of sympy)."""
    cfnlint_dir = cfnlint_data.data_dir().parent  # cfn-lint's sources, found without importing it
    taken = set()
    for path in cfnlint_dir.rglob("*.py"):
        for names in re.findall(r"^from sympy import ([^\n(]+)$", path.read_text(), re.MULTILINE):
            taken |= {n.strip() for n in names.split(",")}
    assert taken and taken <= set(lintspeed.SYMPY_NAMES), taken - set(lintspeed.SYMPY_NAMES)
    code = ("import importlib, json, sys, sympy\n"
            f"names = {lintspeed.SYMPY_NAMES!r}\n"
            "print(json.dumps([n for n, home in names.items()"
            " if getattr(sympy, n) is not getattr(importlib.import_module(home), n)]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_equal_inputs_get_one_validator_class_and_others_their_own(monkeypatch):
    from cfnlint.jsonschema import validators
    from cfnlint.jsonschema._filter import FunctionFilter

    # Stock cfn-lint again after this test: left in this worker, the cache would keep the
    # rule sets that every later cfnlint.api.lint() here builds (~55 MB each, ~3 at a time).
    monkeypatch.setattr(validators, "create", validators.create)
    lintspeed.cache_validator_classes()
    base = validators.CfnTemplateValidator({})

    def keyword(validator, value, instance, schema):
        return iter(())

    first = base.extend(validators={"x-keyword": keyword})
    assert base.extend(validators={"x-keyword": keyword}) is first
    assert base.extend(validators={"x-keyword": lambda *a: iter(())}) is not first
    assert base.extend(validators={"x-keyword": keyword},
                       function_filter=FunctionFilter(add_cfn_lint_keyword=False)) is not first
    assert first({}).validators["x-keyword"] is keyword


def test_a_late_sympy_import_is_stopped_and_the_lint_run_again_with_sympy_whole():
    """What lint.py does if a template without conditions ever needed more of sympy: the
    guard stops the import (cfn-lint may swallow the error), the lint runs again whole."""
    code = """
import json
from compiler.aws import cfnlint_data
from compiler.lint import runner as lint, speed as lintspeed
lint.prepare()
runs = []
def fake_lint():
    try:
        import sympy.sets  # not loaded by the partial sympy
        runs.append("whole")
    except ImportError:
        runs.append("stopped")  # as a broad except in cfn-lint would
    return [{"runs": list(runs)}]
result = lint._sympy_safe({"Resources": {}}, fake_lint)
print(json.dumps({"result": result, "trips": lintspeed.guard_trips(), "complete": lintspeed.is_sympy_complete()}))
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout) == {"result": [{"runs": ["stopped", "whole"]}], "trips": 1, "complete": True}
