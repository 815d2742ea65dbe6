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

from compiler import checks
from compiler.spec import schema
from compiler.diagnostics import ERROR, Locator
from compiler.lint.runner import lint_text
from compiler.pipeline import model_of

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
    return without_plain_http(checks.run(model_of(data), data, Locator("spec.yaml")))


def without_plain_http(found: list) -> list:
    """The base spec's public ALB serves plain HTTP on purpose; the FC262 warning that draws
    is tested in tests/test_security_strict.py."""
    return [d for d in found if d.code != "FC262"]


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
    app = model_of(spec(api={"http": {"path": ["/", "/*", "/x"]}}))
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


def test_a_resource_arn_with_a_final_line_break_is_refused():
    data = spec(api={"task_role": {"policies": [{"actions": ["s3:GetObject"],
                                                 "resources": ["arn:aws:s3:::bucket/*\n"]}]}})
    found = diagnose(data)
    assert [(d.code, d.path) for d in found] == [("FC212", "services.api.task_role.policies[0].resources[0]")]


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
    app = model_of(data)
    data["services"]["web"]["count"]["queue_delay"] = {"acceptable_latency": "10m"}   # the workloads key
    assert without_plain_http(checks.run(app, data, Locator("spec.yaml"))) == []


# --- http.protocol --------------------------------------------------------------------------------

def _built(data: dict) -> dict[str, dict]:
    from compiler.pipeline import build_templates

    return {stem: t.to_dict() for stem, t in build_templates(model_of(data))}


def test_https_targets_use_https_for_traffic_and_health_checks():
    data = spec(api={"port": 8443, "http": {"path": "/api/*", "protocol": "HTTPS"}, "connect": True})
    built = _built(data)
    groups = {k: v["Properties"] for k, v in built["alb"]["Resources"].items()
              if v["Type"] == "AWS::ElasticLoadBalancingV2::TargetGroup"}
    assert (groups["ApiTargetGroup"]["Protocol"], groups["ApiTargetGroup"]["HealthCheckProtocol"]) == ("HTTPS", "HTTPS")
    assert (groups["WebTargetGroup"]["Protocol"], groups["WebTargetGroup"]["HealthCheckProtocol"]) == ("HTTP", "HTTP")
    resources = built["services"]["Resources"]
    [api_port] = resources["ApiTaskDefinition"]["Properties"]["ContainerDefinitions"][0]["PortMappings"]
    assert "AppProtocol" not in api_port     # Service Connect must not parse TLS as HTTP


# --- depends_on ----------------------------------------------------------------------------------

def test_servers_in_the_same_stack_are_created_first():
    data = spec(web={"depends_on": ["api", "db"]}, api={"connect": True},
                db={"port": 5432, "discovery": True})
    assert diagnose(data) == []
    resources = _built(data)["services"]["Resources"]
    # after its own ingress rule, then the servers
    assert resources["WebEcsService"]["DependsOn"] == ["WebLoadBalancerIngress", "ApiEcsService", "DbEcsService"]
    assert resources["ApiEcsService"]["DependsOn"] == ["ApiLoadBalancerIngress", "ApiServicesIngress"]


def test_servers_in_another_stack_order_the_nested_stacks():
    data = spec(web={"stack": "front", "depends_on": ["db", "api"]}, api={"connect": True},
                db={"port": 5432, "discovery": True, "stack": "data"})
    assert diagnose(data) == []
    root = _built(data)["root"]["Resources"]
    # services (api) already feeds services-front its cluster: only the data stack is added
    assert root["ServicesFrontStack"]["DependsOn"] == ["ServicesDataStack"]
    assert "DependsOn" not in root["ServicesDataStack"]


@pytest.mark.parametrize("services, path, text", [
    ({"web": {"depends_on": ["web"]}}, "services.web.depends_on[0]", "itself"),
    ({"web": {"depends_on": ["nope"]}}, "services.web.depends_on[0]", "no service 'nope'"),
    ({"web": {"depends_on": ["api"]}}, "services.web.depends_on[0]", "neither connect nor discovery"),
    ({"web": {"connect": True, "depends_on": ["api"]}, "api": {"connect": True, "depends_on": ["x"]},
      "x": {"connect": True, "depends_on": ["web"]}}, "services.x.depends_on[0]", "a cycle"),
    ({"web": {"connect": True, "depends_on": ["x"]}, "x": {"connect": True, "stack": "b"}},
     "services.web.depends_on[0]", "cannot be ordered"),
    ({"x": {"connect": True, "stack": "a", "depends_on": ["y"]},
      "y": {"connect": True, "stack": "b", "depends_on": ["z"]},
      "z": {"connect": True, "stack": "a"}}, "services.y.depends_on[0]", "cannot be ordered"),
])
def test_impossible_dependencies_are_refused_where_written(services, path, text):
    found = diagnose(spec(**services))
    assert [(d.code, d.path) for d in found] == [("FC270", path)], [d.format() for d in found]
    assert text in found[0].message


# --- secrets: KMS keys and regions ---------------------------------------------------------------

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SECRET = "arn:aws:secretsmanager:{}:123456789012:secret:shop/db-AbCdEf"
NO_NAT = {"nat": "none", "endpoints": ["ecr.api", "ecr.dkr", "logs", "s3", "secretsmanager", "ssm"]}


def _statements(data: dict, service: str = "api") -> dict:
    role = _built(data)["services"]["Resources"][f"{service.title()}ExecutionRole"]
    return {s["Sid"]: s for s in role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]}


def test_kms_keys_are_decryptable_only_through_the_secret_services():
    data = spec(api={"secrets": {"DB": SECRET.format("us-east-1"), "FLAG": "/shop/flag"},
                     "secrets_kms_keys": [KEY]})
    assert diagnose(data) == []
    kms = _statements(data)["SecretsKms"]
    assert kms["Action"] == ["kms:Decrypt"] and kms["Resource"] == [KEY]
    assert kms["Condition"] == {"StringLike": {"kms:ViaService": ["secretsmanager.*", "ssm.*"]}}


def test_no_kms_statement_without_keys():
    data = spec(api={"secrets": {"DB": SECRET.format("us-east-1")}})
    assert "SecretsKms" not in _statements(data)


@pytest.mark.parametrize("api, text", [
    ({"secrets_kms_keys": [KEY]}, "reads no secrets"),
    ({"secrets_kms_keys": [KEY], "secrets": {"DB": SECRET.format("eu-west-1")}}, "KMS key in us-east-1"),
])
def test_unusable_kms_keys_are_warnings(api, text):
    [found] = diagnose(spec(api=api))
    assert (found.code, found.severity) == ("FC271", "warning") and text in found.message


def _with_job(**job) -> dict:
    data = spec()
    data["jobs"] = {"nightly": {"image": f"{ECR}/report:1", "schedule": "@daily", **job}}
    return data


def test_job_kms_keys_get_the_services_statement():
    data = _with_job(secrets={"DB": SECRET.format("us-east-1")}, secrets_kms_keys=[KEY])
    assert diagnose(data) == []
    role = _built(data)["jobs"]["Resources"]["NightlyExecutionRole"]
    found = {s["Sid"]: s for s in role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]}
    assert found["SecretsKms"] == {
        "Sid": "SecretsKms", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [KEY],
        "Condition": {"StringLike": {"kms:ViaService": ["secretsmanager.*"]}}}
    assert "SecretsKms" not in _statements(data)          # the services' roles are untouched


@pytest.mark.parametrize("job, path", [
    ({"secrets_kms_keys": [KEY]}, "jobs.nightly.secrets_kms_keys"),
    ({"secrets_kms_keys": [KEY], "secrets": {"DB": SECRET.format("eu-west-1")}}, "jobs.nightly.secrets_kms_keys[0]"),
])
def test_unusable_job_kms_keys_are_warnings_where_written(job, path):
    [found] = diagnose(_with_job(**job))
    assert (found.code, found.severity, found.path) == ("FC271", "warning", path)


def test_job_kms_keys_take_arns_only():
    data = _with_job(secrets={"DB": SECRET.format("us-east-1")}, secrets_kms_keys=["alias/shop"])
    [found] = schema_findings(data)
    assert (found.code, found.path) == ("FC104", "jobs.nightly.secrets_kms_keys[0]")


@pytest.mark.parametrize("network, api, expect", [
    # pinned by the ECR image (us-east-1): a secret in eu-west-1 is unreachable
    (NO_NAT, {"secrets": {"DB": SECRET.format("eu-west-1")}}, ["services.api.secrets.DB"]),
    # nothing pins the region: two regions in one task, at most one is the stack's
    (NO_NAT, {"image": "nginx", "secrets": {"A": SECRET.format("eu-west-1"), "B": SECRET.format("us-east-1")}},
     ["services.api.secrets.B"]),
    # public tasks reach any region
    (NO_NAT, {"placement": "public", "secrets": {"A": SECRET.format("eu-west-1")}}, []),
    ({"nat": "single"}, {"secrets": {"DB": SECRET.format("eu-west-1")}}, []),      # NAT: any region
    (NO_NAT, {"secrets": {"DB": SECRET.format("us-east-1"),
                          "P": "arn:aws:ssm:us-west-2:123456789012:parameter/p"}},
     ["services.api.secrets.P"]),
    (NO_NAT, {"secrets": {"DB": SECRET.format("us-east-1"), "P": "/by/name"}}, []),
])
def test_a_secret_in_another_region_without_nat_is_refused(network, api, expect):
    data = spec(api=api)
    data["network"] = copy.deepcopy(network)
    assert schema_findings(data) == []
    found = [d for d in checks.run(model_of(data), data, Locator("spec.yaml")) if d.code == "FC271"]
    assert [d.path for d in found] == expect, [d.format() for d in found]


def test_a_job_secret_in_another_region_without_nat_is_refused():
    data = _with_job(secrets={"DB": SECRET.format("eu-west-1")})
    data["network"] = copy.deepcopy(NO_NAT)
    found = [d for d in checks.run(model_of(data), data, Locator("spec.yaml")) if d.code == "FC271"]
    assert [(d.path, d.severity) for d in found] == [("jobs.nightly.secrets.DB", "error")]
