"""Issue 21: combinations of features that crashed the compiler (exit 3) or made output AWS
refuses. Each test failed before its fix; the pairwise product (tests/test_combinations.py)
keeps the whole family from coming back."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from compiler.cli import main

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.0"
ZONE = "Z0123456789ABCDEFGHIJ"
ERROR_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning): "
                        r"(?P<path>\S+): (?P<msg>.+)$")


def _run(tmp_path, data: dict | str, *args: str) -> tuple[int, str, dict[str, dict]]:
    spec = tmp_path / "spec.yaml"
    spec.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    out = tmp_path / "out"
    code = main([str(spec), "--output-dir", str(out), *args])
    templates = {}
    for path in sorted(out.rglob("*.json")):
        templates[path.stem] = json.loads(path.read_text())
    return code, "", templates


def _located(err: str) -> list[dict]:
    return [m.groupdict() for m in map(ERROR_LINE.match, err.splitlines()) if m]


def _web(**extra) -> dict:
    return {"image": IMAGE, "port": 80, **extra}


def test_wildcard_alias_with_made_certificate_compiles_and_its_name_tag_is_acm_safe(tmp_path, capsys):
    code, _, tpls = _run(tmp_path, {
        "app": "shop", "load_balancer": {},
        "services": {"web": _web(http={"path": "/", "alias": "*.example.com", "hosted_zone": ZONE})}})
    assert code == 0, capsys.readouterr().err
    [cert] = [r for r in tpls["alb"]["Resources"].values() if r["Type"] == "AWS::CertificateManager::Certificate"]
    assert cert["Properties"]["DomainName"] == "*.example.com"
    tags = {t["Key"]: t["Value"] for t in cert["Properties"]["Tags"]}
    assert tags["Name"] == "wildcard.example.com"
    pattern = re.compile(r"^[\w\s.:/=+\-@]*$")
    for tpl in tpls.values():
        for resource in tpl["Resources"].values():
            for key in ("Tags", "FileSystemTags", "AccessPointTags"):
                for tag in resource.get("Properties", {}).get(key) or []:
                    if isinstance(tag, dict) and isinstance(tag.get("Value"), str):
                        assert pattern.match(tag["Value"]), tag


@pytest.mark.parametrize("network", [
    {"nat": "none", "endpoints": ["s3", "ecr.api", "ecr.dkr", "logs", "secretsmanager"]},
    {"vpc": {"id": "vpc-0a1b2c3d4e5f60718", "subnets": {
        "public": ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
        "private": ["subnet-0a1b2c3d4e5f60011", "subnet-0a1b2c3d4e5f60012"]}},
     "endpoints": ["ecr.api", "ecr.dkr", "logs", "secretsmanager"]},
], ids=["nat-none", "existing-vpc"])
def test_alias_without_own_certificate_and_private_secrets_is_no_compiler_bug(tmp_path, capsys, network):
    secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"
    code, _, _ = _run(tmp_path, {
        "app": "shop", "network": network, "load_balancer": {},
        "services": {"web": _web(http={"path": "/", "alias": "a.example.com", "hosted_zone": ZONE},
                                 secrets={"DB": secret})}})
    err = capsys.readouterr().err
    assert code == 0, err
    assert "internal error" not in err


def test_efs_volume_on_a_job_gets_its_access_point_and_nfs_rule(tmp_path, capsys):
    code, _, tpls = _run(tmp_path, {
        "app": "shop",
        "services": {"web": {"image": IMAGE}},
        "jobs": {"nightly": {"image": IMAGE, "schedule": "@daily",
                             "storage": {"volumes": {"data": {"path": "/data", "efs": True}}}}}})
    assert code == 0, capsys.readouterr().err
    jobs = tpls["jobs"]["Resources"]
    assert jobs["NightlyDataAccessPoint"]["Type"] == "AWS::EFS::AccessPoint"
    rule = jobs["NightlyFileSystemIngress"]["Properties"]
    assert (rule["FromPort"], rule["SourceSecurityGroupId"]) == (2049, {"Fn::GetAtt": ["NightlyTaskSecurityGroup", "GroupId"]})


@pytest.mark.slow
@pytest.mark.parametrize("example", ["complete", "internal-only"])
def test_yaml_output_is_linted(tmp_path, capsys, example):
    from pathlib import Path

    spec = Path(__file__).resolve().parent.parent / "examples" / f"{example}.yaml"
    out = tmp_path / "out"
    code = main([str(spec), "--output-dir", str(out), "--format", "yaml"])
    assert code == 0, capsys.readouterr().err
    assert list(out.rglob("root.yaml"))


@pytest.mark.parametrize("char", ["\x01", "\x7f"])
def test_variable_value_with_a_control_character_is_a_located_error(tmp_path, capsys, char):
    text = ("app: shop\nservices:\n  web:\n    image: " + IMAGE + "\n"
            "    variables: {MODE: \"x-${MODE}\"}\n")
    code, _, tpls = _run(tmp_path, text, "--var", f"MODE=a{char}b")
    err = capsys.readouterr().err
    assert code == 1, err
    [found] = _located(err)
    assert (found["line"], found["path"]) == ("5", "services.web.variables.MODE")
    assert f"U+{ord(char):04X}" in found["msg"] and "${MODE}" in found["msg"]
    assert not tpls


# --- output AWS would refuse, now refused or built right --------------------------------------

def _validate(tmp_path, data: dict):
    from compiler.pipeline import validate

    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return validate(str(path))


def _existing(private: list, **vpc) -> dict:
    return {"vpc": {"id": "vpc-0a1b2c3d4e5f60718", "subnets": {"private": private}, **vpc},
            "endpoints": ["ecr.api", "ecr.dkr", "logs"]}


def _efs_app(network: dict, efs=True) -> dict:
    return {"app": "shop", "network": network,
            "services": {"web": {"image": IMAGE, "storage": {"volumes": {"d": {"path": "/d", "efs": efs}}}}}}


def test_existing_vpc_mount_targets_one_per_zone_in_the_first_private_subnet_of_each(tmp_path):
    from compiler.pipeline import build_templates

    app, found = _validate(tmp_path, _efs_app(_existing([
        {"id": "subnet-0a1b2c3d4e5f60011", "zone": "us-east-1a"},
        {"id": "subnet-0a1b2c3d4e5f60012", "zone": "us-east-1a"},
        {"id": "subnet-0a1b2c3d4e5f60013", "zone": "us-east-1b"}])))
    assert app is not None, [d.format() for d in found]
    storage = dict(build_templates(app))["storage"].to_dict()["Resources"]
    targets = {k: v["Properties"]["SubnetId"]["Fn::Select"][0] for k, v in storage.items()
               if v["Type"] == "AWS::EFS::MountTarget"}
    assert targets == {"MountTarget1": 0, "MountTarget2": 2}
    # No cidr: the task's own egress reaches the mount targets' group on NFS.
    services = dict(build_templates(app))["services"].to_dict()["Resources"]
    egress = services["WebTaskSecurityGroup"]["Properties"]["SecurityGroupEgress"]
    assert {"Ref": "FileSystemSecurityGroupId"} in [e.get("DestinationSecurityGroupId") for e in egress
                                                   if e["FromPort"] == 2049]


def test_existing_vpc_managed_efs_needs_every_private_subnets_zone(tmp_path):
    app, found = _validate(tmp_path, _efs_app(_existing([
        {"id": "subnet-0a1b2c3d4e5f60011", "zone": "us-east-1a"}, "subnet-0a1b2c3d4e5f60012"])))
    assert app is None
    assert [(d.code, d.path) for d in found if d.severity == "error"] == [
        ("FC260", "network.vpc.subnets.private[1]")]


def test_existing_file_system_in_existing_vpc_needs_the_cidr(tmp_path):
    network = _existing(["subnet-0a1b2c3d4e5f60011"])
    app, found = _validate(tmp_path, _efs_app(network, {"id": "fs-0123456789abcdef0"}))
    assert app is None
    assert [(d.code, d.path) for d in found if d.severity == "error"] == [
        ("FC260", "services.web.storage.volumes.d.efs")]
    network["vpc"]["cidr"] = "10.20.0.0/16"
    app, found = _validate(tmp_path, _efs_app(network, {"id": "fs-0123456789abcdef0"}))
    assert app is not None, [d.format() for d in found]


def _aliased(alias, **extra) -> dict:
    return {"app": "shop", "load_balancer": {}, **extra,
            "services": {"web": _web(http={"path": "/", "alias": alias, "hosted_zone": ZONE,
                                           **extra.pop("http", {})})}}


def test_alias_longer_than_a_common_name_is_refused_where_the_compiler_makes_its_certificate(tmp_path):
    long = "a" * 53 + ".example.com"          # 65 characters
    app, found = _validate(tmp_path, _aliased(["www.example.com", long]))
    assert app is None
    [error] = [d for d in found if d.severity == "error"]
    assert (error.code, error.path) == ("FC241", "services.web.http.alias[1]") and "64" in error.message
    data = _aliased(["www.example.com", long])
    data["load_balancer"] = {"https": {"certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/x"}}
    app, found = _validate(tmp_path, data)
    assert app is not None, [d.format() for d in found]


def test_aliases_are_refused_in_govcloud(tmp_path):
    data = _aliased("www.example.com")
    data["network"] = {"vpc": {"zones": ["us-gov-west-1a", "us-gov-west-1b"]}}
    app, found = _validate(tmp_path, data)
    assert app is None
    assert [(d.code, d.path) for d in found if d.severity == "error"] == [("FC241", "services.web.http.alias")]


def test_hosts_without_a_certificate_are_a_warning_and_a_wildcard_covers_one_label(tmp_path):
    data = _aliased("*.example.com")
    data["services"]["web"]["http"]["hosts"] = ["a.example.com", "b.c.example.com"]
    app, found = _validate(tmp_path, data)
    assert app is not None
    [warning] = [d for d in found if d.code == "FC241"]
    assert warning.path == "services.web.http.hosts" and "b.c.example.com gets no certificate" in warning.message


def test_standard_queue_retention_must_leave_its_dead_letter_queue_longer(tmp_path):
    def app_with(retention, fifo):
        return {"app": "shop", "services": {
            "api": {"image": IMAGE, "publish": {"topics": [{"name": "t", "fifo": fifo}]}},
            "worker": {"image": IMAGE, "subscribe": {"topics": [{"service": "api", "name": "t"}],
                                                      "queue": {"retention": retention}}}}}
    app, found = _validate(tmp_path, app_with("14d", False))
    assert app is None
    assert [(d.code, d.path) for d in found if d.severity == "error"] == [
        ("FC252", "services.worker.subscribe.queue.retention")]
    for retention, fifo in (("13d", False), ("14d", True)):
        app, found = _validate(tmp_path, app_with(retention, fifo))
        assert app is not None, [d.format() for d in found]


# --- an existing VPC's routing: every missing endpoint alike, and a way to say it has NAT ------

def _messaging_in_existing_vpc(**vpc) -> dict:
    return {"app": "shop", "network": _existing(["subnet-0a1b2c3d4e5f60011"], **vpc), "services": {
        "api": {"image": IMAGE, "publish": {"topics": [{"name": "t"}]}},
        "worker": {"image": IMAGE, "subscribe": {"topics": [{"service": "api", "name": "t"}]}}}}


def test_missing_sns_and_sqs_endpoints_in_an_existing_vpc_are_warnings_like_the_others(tmp_path):
    app, found = _validate(tmp_path, _messaging_in_existing_vpc())
    assert app is not None, [d.format() for d in found]
    warned = {(d.code, d.path) for d in found if d.severity == "warning"}
    assert {("FC252", "services.api.publish"), ("FC252", "services.worker.subscribe"),
            ("FC210", "network.endpoints")} <= warned
    assert all("network.vpc.nat: true" in d.hint for d in found if d.code in ("FC210", "FC252"))


def test_vpc_nat_true_silences_what_private_tasks_would_need_without_nat(tmp_path):
    app, found = _validate(tmp_path, _messaging_in_existing_vpc(nat=True))
    assert app is not None and app.network.existing.nat
    assert not [d for d in found if d.code in ("FC210", "FC252", "FC271")]


def test_vpc_nat_needs_an_existing_vpc(tmp_path):
    app, found = _validate(tmp_path, {"app": "shop", "network": {"vpc": {"nat": True}},
                                      "services": {"web": {"image": IMAGE}}})
    assert app is None
    assert [(d.code, d.path) for d in found if d.severity == "error"] == [("FC260", "network.vpc.nat")]


def test_hosts_of_a_service_without_aliases_are_uncovered_too_once_another_turns_https_on(tmp_path):
    data = _aliased("www.example.com")
    data["services"]["api"] = {"image": IMAGE, "port": 81,
                               "http": {"path": "/api/*", "hosts": ["api.example.com"]}}
    app, found = _validate(tmp_path, data)
    assert app is not None
    assert [(d.code, d.path, d.severity) for d in found if d.code == "FC241"] == [
        ("FC241", "services.api.http.hosts", "warning")]


# --- security: strict over jobs and existing file systems -------------------------------------

def _templates(tmp_path, data: dict) -> dict[str, dict]:
    from compiler.pipeline import build_templates

    app, found = _validate(tmp_path, data)
    assert app is not None, [d.format() for d in found]
    return {stem: t.to_dict()["Resources"] for stem, t in build_templates(app)}


@pytest.mark.parametrize("security, logged", [("standard", False), ("strict", True)])
def test_strict_state_machines_log_failed_executions(tmp_path, security, logged):
    data = {"app": "shop", "security": security, "services": {"web": {"image": IMAGE}},
            "jobs": {"nightly": {"image": IMAGE, "schedule": "@daily"}}}
    jobs = _templates(tmp_path, data)["jobs"]
    machine = jobs["NightlyStateMachine"]["Properties"]
    assert ("LoggingConfiguration" in machine) is logged
    assert ("NightlyExecutionLogGroup" in jobs) is logged
    sids = {s["Sid"] for s in jobs["NightlyStateMachineRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]}
    assert ("LogDelivery" in sids) is logged
    if logged:
        assert machine["LoggingConfiguration"]["Level"] == "ERROR"
        assert jobs["NightlyExecutionLogGroup"]["Properties"]["RetentionInDays"] == 365


@pytest.mark.parametrize("security, root", [("standard", "/"), ("strict", "/web/d")])
def test_strict_gives_an_existing_file_systems_access_point_its_own_directory(tmp_path, security, root):
    data = _efs_app({"nat": "single"}, {"id": "fs-0123456789abcdef0", "uid": 1000, "gid": 1000})
    data["security"] = security
    services = _templates(tmp_path, data)["services"]
    [point] = [r for r in services.values() if r["Type"] == "AWS::EFS::AccessPoint"]
    assert point["Properties"]["RootDirectory"]["Path"] == root
