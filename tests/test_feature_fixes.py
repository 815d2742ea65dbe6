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
