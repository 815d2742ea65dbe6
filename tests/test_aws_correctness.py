"""Issue #10: the compiler bugs a fuzzer found, and the AWS rules the spec keys of #10 enforce.

Each test here would have caught its bug: a final line break passing a `$` pattern, a
number without a schema maximum, two pinned stacks with one logical ID, a repeated
path in one listener rule, a Cloud Map name ending in '-', a cfn-lint parser finding
without a path, an IAM action that does not exist.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from compiler import checks, schema
from compiler.diagnostics import ERROR, Locator
from compiler.lint import lint_text
from compiler.normalize import normalize

ROOT = Path(__file__).resolve().parent.parent
ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
BASE = {
    "app": "shop",
    "load_balancer": {},
    "services": {
        "web": {"image": f"{ECR}/web:1", "port": 80, "http": {"path": "/"}},
        "api": {"image": f"{ECR}/api:1", "port": 8080, "http": {"path": "/api/*"}},
    },
}


def spec(**services) -> dict:
    data = copy.deepcopy(BASE)
    for name, changes in services.items():
        data["services"].setdefault(name, {"image": f"{ECR}/{name}:1", "port": 80}).update(changes)
    return data


def schema_findings(data: dict) -> list:
    return schema.validate(data, Locator("spec.yaml"))


def diagnose(data: dict) -> list:
    assert schema_findings(data) == []
    return checks.run(normalize(data), data, Locator("spec.yaml"))


# --- patterns mean what they mean in ECMA-262 (editors) ----------------------------------------

@pytest.mark.parametrize("path, value", [
    (("app",), "shop\n"),
    (("environment",), "dev\n"),
    (("services", "web", "image"), "nginx\n"),
    (("services", "web", "stack"), "a\n"),
    (("services", "web", "connect"), {"alias": "web\n"}),
    (("discovery",), {"namespace": "shop.internal\n"}),
    (("network",), {"vpc": {"zones": ["us-east-1a\n", "us-east-1b"]}}),
    (("services", "web", "count"), {"range": "\u0661-\u0663", "cpu_percentage": 50}),  # Arabic-Indic digits
])
def test_a_final_line_break_or_a_non_ascii_digit_fails_the_pattern(path, value):
    data = copy.deepcopy(BASE)
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    assert [f.code for f in schema_findings(data)] == ["FC104"]


def test_a_service_name_with_a_final_line_break_is_refused():
    data = copy.deepcopy(BASE)
    data["services"]["web\n"] = data["services"].pop("web")
    [found] = schema_findings(data)
    assert (found.code, found.path) == ("FC104", 'services["web\\n"]')


@pytest.mark.parametrize("pattern, python", [
    ("^[a-z]+$", r"^[a-z]+\Z"),
    (r"^\d+-\d+$", r"^[0-9]+-[0-9]+\Z"),
    (r"^[\d$]\$x$", r"^[0-9$]\$x\Z"),                 # $ in a class and an escaped $ are literal
    ("^(?!.*/$)[]a]$", r"^(?!.*/\Z)[]a]\Z"),          # a leading ] in a class is literal
])
def test_ecma_patterns_are_translated_faithfully(pattern, python):
    assert schema.ecma_regex(pattern) == python


def _numbers(node, path=""):
    if isinstance(node, dict):
        kinds = node.get("type", [])
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if {"integer", "number"} & set(kinds) and "enum" not in node:
            yield path, node
        for key, value in node.items():
            yield from _numbers(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _numbers(value, f"{path}/{i}")


def test_every_number_the_schema_accepts_is_bounded():
    """Unbounded integers crashed the compiler (float() overflow, int() digit limits)."""
    unbounded = [path for path, node in _numbers(schema.load_schema())
                 if "maximum" not in node or "minimum" not in node and node.get("type") != "integer"]
    assert unbounded == []


def test_a_huge_number_is_shown_by_its_size():
    data = spec(web={"count": {"range": "1-2", "requests": 10 ** 400}})
    [found] = schema_findings(data)
    assert found.code == "FC102" and "a 401-digit number" in found.message


# --- the cross-field bugs ------------------------------------------------------------------------

def test_pinned_stacks_differing_only_in_hyphens_are_refused():
    found = diagnose(spec(web={"stack": "foo"}, api={"stack": "foo-"}))
    assert [(d.code, d.path) for d in found] == [("FC217", "services.api.stack")]
    assert "ServicesFooStack" in found[0].message


def test_root_and_catch_all_in_one_list_become_one_pattern():
    app = normalize(spec(api={"http": {"path": ["/", "/*", "/x"]}}))
    [api] = [s for s in app.services if s.name == "api"]
    assert api.http.paths == ("/*", "/x")


def test_a_discovery_name_must_be_a_dns_label():
    found = diagnose(spec(**{"q-": {"discovery": True}}))
    assert [(d.code, d.path) for d in found] == [("FC215", "services.q-.discovery")]


def test_a_trailing_hyphen_without_discovery_is_fine():
    assert diagnose(spec(**{"q-": {}})) == []


@pytest.mark.parametrize("action, hint", [
    ("s3:GetObjekt", "did you mean 's3:GetObject'?"),
    ("dynamodb:GetItems", "did you mean 'dynamodb:GetItem'?"),
    ("sqs:Recieve", ""),
    ("s3x:GetObject", "did you mean 's3:GetObject'?"),
])
def test_unknown_iam_actions_are_refused_with_a_suggestion(action, hint):
    data = spec(api={"task_role": {"policies": [{"actions": ["s3:PutObject", action], "resources": ["*"]}]}})
    found = diagnose(data)
    assert [(d.code, d.path) for d in found] == [("FC212", "services.api.task_role.policies[0].actions[1]")]
    assert found[0].hint == hint


def test_iam_actions_match_case_insensitively_as_iam_does():
    data = spec(api={"task_role": {"policies": [{"actions": ["s3:getobject", "sqs:sendMESSAGE"],
                                                 "resources": ["*"]}]}})
    assert diagnose(data) == []


def test_a_parser_finding_from_cfn_lint_is_a_finding_not_a_crash():
    template = json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Topic",
                                               "Properties": {"DisplayName": "\x93"}}}},
                          ensure_ascii=False)
    [found] = lint_text(template)
    assert found["rule"] == "E0000" and found["line"] >= 1 and found["path"] == ""


# --- count.range from zero -----------------------------------------------------------------------

def test_a_range_from_zero_needs_a_policy_that_works_from_zero():
    data = spec(web={"count": {"range": "0-3", "cpu_percentage": 50}})
    found = diagnose(data)
    assert [(d.code, d.path, d.severity) for d in found] == [("FC211", "services.web.count.range", ERROR)]
    assert "1-3" in found[0].hint


def test_a_range_from_zero_is_allowed_with_queue_delay():
    data = spec(web={"count": {"range": "0-3", "cpu_percentage": 50}})
    app = normalize(data)
    data["services"]["web"]["count"]["queue_delay"] = {"acceptable_latency": "10m"}   # the workloads key
    assert checks.run(app, data, Locator("spec.yaml")) == []
