"""security: strict (defaults from normalize.POSTURES, refusals FC261) and the FC262 warning."""

from __future__ import annotations

import json

import pytest
import yaml

from compiler import pipeline

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/abcd-1234"


def spec(security="strict", **lb) -> dict:
    return {"app": "shop", "security": security,
            "load_balancer": {"https": {"certificate_arn": CERT}, **lb},
            "services": {"api": {"image": f"{ECR}/api:1", "port": 8080, "http": {"path": "/"}},
                         "ops": {"image": f"{ECR}/ops:1", "port": 9000, "exec": True}}}


def validate(tmp_path, data):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path, *pipeline.validate(str(path))


def test_strict_turns_the_controls_on(tmp_path):
    path, app, found = validate(tmp_path, spec())
    assert app is not None, [d.format() for d in found]
    result = pipeline.compile_spec(str(path), str(tmp_path / "out"), lint=False)
    alb = json.loads(result.files["alb.json"])["Resources"]
    attributes = {a["Key"]: a["Value"] for a in alb["LoadBalancer"]["Properties"]["LoadBalancerAttributes"]}
    assert attributes["deletion_protection.enabled"] == "true"                  # ELB.6
    assert attributes["access_logs.s3.enabled"] == "true" and "AccessLogsBucket" in alb   # ELB.5
    services = json.loads(result.files["services.json"])["Resources"]
    assert {services[g]["Properties"]["RetentionInDays"] for g in ("ApiLogGroup", "OpsLogGroup")} == {365}
    readonly = {name: services[f"{name.capitalize()}TaskDefinition"]["Properties"]["ContainerDefinitions"][0]
                .get("ReadonlyRootFilesystem") for name in ("api", "ops")}
    assert readonly == {"api": True, "ops": False}         # ECS.5, except where exec needs it writable


def test_standard_keeps_its_defaults(tmp_path):
    _, app, _ = validate(tmp_path, spec("standard"))
    assert (app.load_balancer.deletion_protection, app.load_balancer.access_logs) == (False, None)
    assert {s.log_retention_days for s in app.services} == {30}
    assert {s.storage.readonly_fs for s in app.services} == {False}


def _edit(data, path, value):
    node = data
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value
    return data


@pytest.mark.parametrize("path, value, where, fragment", [
    (("load_balancer", "https"), None, "load_balancer", "ELB.1"),
    (("load_balancer", "access_logs"), False, "load_balancer.access_logs", "ELB.5"),
    (("load_balancer", "deletion_protection"), False, "load_balancer.deletion_protection", "ELB.6"),
    (("services", "api", "logging", "retention_days"), 90, "services.api.logging.retention_days", "CloudWatch.16"),
    (("network", "flow_logs"), {"retention_days": 30}, "network.flow_logs.retention_days", "CloudWatch.16"),
])
def test_strict_refuses_what_turns_a_control_off(tmp_path, path, value, where, fragment):
    data = spec()
    if value is None:
        del data["load_balancer"]["https"]
    else:
        _edit(data, path, value)
    _, app, found = validate(tmp_path, data)
    assert app is None
    assert [(d.code, d.path) for d in found if d.severity == "error" and fragment in d.message] == [("FC261", where)]


def test_a_writable_root_filesystem_under_strict_is_a_warning(tmp_path):
    _, app, found = validate(tmp_path, _edit(spec(), ("services", "api", "storage"), {"readonly_fs": False}))
    assert app is not None
    assert [(d.code, d.severity, d.path) for d in found] == [("FC261", "warning", "services.api.storage.readonly_fs")]


@pytest.mark.parametrize("security, lb, warned", [
    ("standard", {}, True),                                        # public, plain HTTP
    ("standard", {"public": False}, False),
    ("standard", {"https": {"certificate_arn": CERT}}, False),
])
def test_plain_http_on_a_public_alb_is_a_warning(tmp_path, security, lb, warned):
    data = spec(security)
    data["load_balancer"] = lb
    _, app, found = validate(tmp_path, data)
    assert app is not None
    assert [(d.code, d.severity) for d in found if d.code == "FC262"] == ([("FC262", "warning")] if warned else [])
