"""Secure by default, proven by the scanners users already run.

Every example, plus a few specs written here for what the examples leave out
(HTTPS on an internal ALB; a legacy TLS policy with access logs, deletion
protection, public tasks and no flow logs; plain HTTP from one range into the
user's own log bucket), is compiled once per run (module fixtures: the templates
and the scans are freed after this file). Then:

- checkov, the version pinned in pyproject.toml, finds no failed check but what a
  default leaves weak (plain HTTP, no access logs, port 80 open: no key chose them, so
  no skip hides them); every skip carries a reason; and every skip suppresses a real finding: with the skips
  stripped from the templates, exactly the skipped checks fail (no dead skips, no
  blanket silencing);
- the Security Hub FSBP properties hold in the templates themselves (IAM, security
  groups, logs, subnets, containers, ECS services, the ALB, the default VPC SG);
- each skip follows the spec: it appears exactly while its opt-out is in effect.

The checkov tests are skipped, saying why, only when checkov is neither importable
nor on PATH; CI installs it with the test extras.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from troposphere import ec2

from builds import Build, all_builds
from compiler.spec.secret_names import looks_secret
from compiler.pipeline import model_of
from compiler.pipeline import OK, compile_spec
from compiler.stacks import alb, alb_security, network, scanner_skips, services

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/abcd-1234"
ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
OPEN_CIDRS = {"0.0.0.0/0", "::/0"}

# Specs for the settings the examples do not cover.
EXTRA_SPECS = {
    "internal-https": {
        "app": "sec", "environment": "internal",
        "load_balancer": {"public": False, "https": {"certificate_arn": CERT}},
        "services": {
            "api": {"image": f"{ECR}/api:1", "port": 8080, "http": {"path": "/"},
                    "connect": True, "storage": {"readonly_fs": True}},
            "jobs": {"image": f"{ECR}/jobs:1", "port": 9000, "discovery": True, "exec": True,
                     "secrets": {"DB_PASSWORD": "/sec/db-password"}},
        },
    },
    "legacy-tls-public": {
        "app": "sec", "environment": "legacy",
        "network": {"nat": "none", "flow_logs": False},
        "load_balancer": {
            "https": {"certificate_arn": CERT, "ssl_policy": "ELBSecurityPolicy-TLS13-1-0-2021-06"},
            "access_logs": True, "deletion_protection": True,
        },
        "services": {"web": {"image": "public.ecr.aws/nginx/nginx:1.27", "port": 80,
                             "placement": "public", "http": {"path": "/"}}},
    },
    "plain-http-restricted": {
        "app": "sec", "environment": "plain",
        "load_balancer": {"allowed_cidrs": ["198.51.100.0/24"],
                          "access_logs": {"bucket": "my-alb-logs", "prefix": "sec"}},
        "services": {"web": {"image": f"{ECR}/web:1", "port": 80, "http": {"path": "/web/*"}}},
    },
}


# --- compiling -------------------------------------------------------------------------

@dataclass(frozen=True)
class Compiled:
    root: Path                          # every app's templates, under root/<name>/<app>-<env>/
    dirs: dict[str, Path]               # name -> its templates' directory, relative to root
    apps: dict[str, dict[str, dict]]    # name -> {file -> template}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> Compiled:
    root = tmp_path_factory.mktemp("security") / "templates"
    specs = {b.id: b for b in all_builds(EXAMPLES)}
    spec_dir = tmp_path_factory.mktemp("security-specs")
    for name, spec in EXTRA_SPECS.items():
        specs[name] = Build(spec_dir / f"{name}.yaml")
        specs[name].spec.write_text(yaml.safe_dump(spec, sort_keys=False))
    dirs, found = {}, {}
    for name, build in sorted(specs.items()):
        result = compile_spec(str(build.spec), str(root / name), env=build.env, values=build.values,
                              write_lock=False)  # never write beside the repository's specs
        assert result.status == OK, "\n".join(d.format() for d in result.diagnostics)
        dirs[name] = result.output.relative_to(root)
        found[name] = {f: json.loads(text) for f, text in result.files.items()}
    return Compiled(root, dirs, found)


def templates(compiled: Compiled):
    for name, files in sorted(compiled.apps.items()):
        for file, tpl in sorted(files.items()):
            yield f"{name}/{file}", tpl


def resources(compiled: Compiled, *types: str):
    for where, tpl in templates(compiled):
        for logical_id, resource in tpl["Resources"].items():
            if not types or resource["Type"] in types:
                yield f"{where}:{logical_id}", logical_id, resource


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def skip_ids(resource: dict) -> set[str]:
    return {s["id"] for s in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])}


# --- checkov ----------------------------------------------------------------------------

def checkov_command() -> list[str] | None:
    if importlib.util.find_spec("checkov") is not None:
        return [sys.executable, "-m", "checkov.main"]
    found = shutil.which("checkov")  # e.g. installed in a venv of its own
    return [found] if found else None


def pinned_checkov() -> str | None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for requirement in data["project"].get("optional-dependencies", {}).get("test", []):
        name, _, version = requirement.partition("==")
        if name.strip().lower() == "checkov":
            return version.strip()
    return None


needs_checkov = pytest.mark.skipif(
    checkov_command() is None,
    reason="checkov is not installed (pip install '.[test]' installs the pinned version)",
)


def _strip_skips(source: Path, target: Path) -> None:
    """Copy every template, without its checkov skips."""
    for path in source.rglob("*.json"):
        tpl = json.loads(path.read_text())
        for resource in tpl.get("Resources", {}).values():
            metadata = resource.get("Metadata", {})
            metadata.pop("checkov", None)
            if not metadata:
                resource.pop("Metadata", None)
        out = target / path.relative_to(source)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(tpl, indent=2))


def _start_scan(directory: Path) -> subprocess.Popen:
    # In one process: checkov forks a worker per core by default (~100 MB each), and the
    # cores are already busy with pytest-xdist's workers. --compact: no code block in each
    # result (the report is 4 MB instead of 22, ~1 CPU s less a scan; nothing here reads them).
    return subprocess.Popen(
        [*checkov_command(), "-d", str(directory), "--framework", "cloudformation",
         "--skip-download", "--compact", "-o", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "CHECKOV_PARALLELIZATION_TYPE": "none"},
    )


def _report(process: subprocess.Popen) -> dict:
    out, err = process.communicate(timeout=600)
    # 0: nothing failed, 1: something failed; anything else is checkov itself failing.
    assert process.returncode in (0, 1), f"checkov exited {process.returncode}:\n{err[-3000:]}"
    report = json.loads(out)
    if isinstance(report, list):
        (report,) = [r for r in report if r.get("check_type") == "cloudformation"]
    assert report["check_type"] == "cloudformation"
    return report


def _key(result: dict) -> tuple[str, str, str]:
    return result["file_path"].lstrip("/"), result["resource"], result["check_id"]


@pytest.fixture(scope="module")
def scans(compiled, tmp_path_factory):
    """checkov over the templates as compiled, then over a copy without the skips: one after
    the other, as one checkov process takes ~300 MB (the suite stays under 1 GB, README)."""
    stripped = tmp_path_factory.mktemp("security-stripped")
    _strip_skips(compiled.root, stripped)
    reports = []
    for directory in (compiled.root, stripped):
        process = _start_scan(directory)
        try:
            reports.append(_report(process))
        finally:
            if process.poll() is None:
                process.kill()
    return tuple(reports)


@pytest.mark.slow
@needs_checkov
def test_checkov_is_the_pinned_version():
    pin = pinned_checkov()
    assert pin, "pin checkov in pyproject.toml's [project.optional-dependencies] test list"
    out = subprocess.run([*checkov_command(), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == pin


# What a default leaves weak, and checkov reports (no skip: no key of the spec chose it):
# plain HTTP without `https`, no access logs without `access_logs`, port 80 open to the
# internet without `allowed_cidrs`. Everything else fails nowhere.
DEFAULT_WEAKNESSES = {
    ("AWS::ElasticLoadBalancingV2::Listener.HttpListener", "CKV_AWS_2"),
    ("AWS::ElasticLoadBalancingV2::Listener.HttpListener", "CKV_AWS_103"),
    ("AWS::ElasticLoadBalancingV2::LoadBalancer.LoadBalancer", "CKV_AWS_91"),
    ("AWS::EC2::SecurityGroup.AlbSecurityGroup", "CKV_AWS_260"),
    # the same defaults on a second ALB of load_balancers (load-balancers.yaml's internal one)
    ("AWS::ElasticLoadBalancingV2::Listener.InternalHttpListener", "CKV_AWS_2"),
    ("AWS::ElasticLoadBalancingV2::Listener.InternalHttpListener", "CKV_AWS_103"),
    ("AWS::ElasticLoadBalancingV2::LoadBalancer.InternalLoadBalancer", "CKV_AWS_91"),
}


@pytest.mark.slow
@needs_checkov
def test_checkov_finds_only_what_defaults_leave_weak(scans):
    real, _ = scans
    assert real["summary"]["parsing_errors"] == 0
    assert real["summary"]["resource_count"] > 100 and real["summary"]["passed"] > 100
    failed = [f"{r['check_id']} {r['resource']} in {r['file_path']}: {r['check_name']}"
              for r in real["results"].get("failed_checks", [])
              if (r["resource"], r["check_id"]) not in DEFAULT_WEAKNESSES]
    assert failed == []


@pytest.mark.slow
@needs_checkov
def test_every_checkov_skip_carries_a_reason(scans):
    real, _ = scans
    skipped = real["results"].get("skipped_checks", [])
    assert skipped, "the examples opt out of something (plain HTTP, no access logs, ...)"
    for result in skipped:
        reason = result["check_result"].get("suppress_comment", "")
        assert reason and reason != "No comment provided", _key(result)
        assert len(reason) > 30 and ":" in reason, reason  # "<opt-out>: <why>"


@pytest.mark.slow
@needs_checkov
def test_every_skip_suppresses_a_real_finding_and_nothing_else(scans, compiled):
    real, bare = scans
    declared = {
        ((compiled.dirs[name] / file).as_posix(), f"{resource['Type']}.{logical_id}", check)
        for name, files in compiled.apps.items()
        for file, tpl in files.items()
        for logical_id, resource in tpl["Resources"].items()
        for check in skip_ids(resource)
    }
    skipped = {_key(r) for r in real["results"].get("skipped_checks", [])}
    failing = {_key(r) for r in real["results"].get("failed_checks", [])}
    failing_without = {_key(r) for r in bare["results"].get("failed_checks", [])}
    assert skipped == declared, "checkov did not read every skip written in Metadata"
    assert failing_without == declared | failing, "a skip that suppresses nothing"


# --- Security Hub FSBP properties, in the templates themselves --------------------------

def _statements(value, where=""):
    """Every IAM statement in a resource: role, trust and bucket policies alike."""
    if isinstance(value, dict):
        if isinstance(value.get("Statement"), list):
            for statement in value["Statement"]:
                yield where, statement
        for key, inner in value.items():
            yield from _statements(inner, f"{where}.{key}")
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _statements(inner, f"{where}[{i}]")


def _is_tls_only_deny(statement: dict) -> bool:
    return (statement["Effect"] == "Deny"
            and statement.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}})


@pytest.mark.slow
def test_no_iam_statement_has_a_wildcard_action(compiled):
    """IAM.1 / IAM.21. The one wildcard is the access-log bucket's deny of all S3
    actions over plain HTTP (S3.5): a Deny only ever takes permissions away, and it
    must cover every action."""
    seen = 0
    for where, _, resource in resources(compiled):
        for path, statement in _statements(resource.get("Properties", {}), where):
            seen += 1
            assert "NotAction" not in statement and "NotResource" not in statement, path
            wild = [a for a in as_list(statement["Action"]) if "*" in a or "?" in a]
            if wild:
                assert _is_tls_only_deny(statement) and wild == ["s3:*"], (path, wild)
            if statement["Effect"] == "Allow":
                assert statement.get("Principal") not in ("*", {"AWS": "*"}), path
    assert seen > 50


@pytest.mark.slow
def test_only_the_alb_admits_the_internet_and_only_on_its_listener_ports(compiled):
    """EC2.18 / EC2.19: 0.0.0.0/0 and ::/0 only on the load balancers' listener ports (the
    ALB's, and an NLB's own, tcp or udp)."""
    opened = set()
    for where, tpl in templates(compiled):
        listener_ports = {r["Properties"]["Port"] for r in tpl["Resources"].values()
                          if r["Type"] == "AWS::ElasticLoadBalancingV2::Listener"}
        for logical_id, resource in tpl["Resources"].items():
            props = resource.get("Properties", {})
            if resource["Type"] == "AWS::EC2::SecurityGroup":
                rules = props.get("SecurityGroupIngress", [])
            elif resource["Type"] == "AWS::EC2::SecurityGroupIngress":
                rules = [props]
            else:
                continue
            for rule in rules:
                if any(rule.get(k) in OPEN_CIDRS for k in ("CidrIp", "CidrIpv6")
                       if isinstance(rule.get(k), str)):
                    # the ALB's group, or a rule of its own on it (a test traffic listener), or an NLB's
                    group = (props.get("GroupId") or {}).get("Fn::GetAtt", [None])[0]
                    # (an ALB's group: AlbSecurityGroup, or <Key>AlbSecurityGroup of load_balancers;
                    # an NLB's: <Svc>NlbSecurityGroup, or Nlb<Name>SecurityGroup of a shared one)
                    assert any(str(x).endswith(alb_security.SECURITY_GROUP) for x in (logical_id, group)) or (
                        where.endswith("/nlb.json") and logical_id.endswith("SecurityGroup")), \
                        (where, logical_id, rule)
                    assert rule["IpProtocol"] in ("tcp", "udp") and rule["FromPort"] == rule["ToPort"]
                    assert rule["FromPort"] in listener_ports, (where, rule)
                    opened.add((where, rule["FromPort"]))
    assert ("complete/alb.json", 443) in opened and ("complete/alb.json", 80) in opened
    assert not any(w.startswith(("public-tasks/", "plain-http-restricted/", "internal-https/"))
                   for w, _ in opened)


@pytest.mark.slow
def test_every_security_group_rule_has_a_description(compiled):
    count = 0
    for where, _, resource in resources(
            compiled, "AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress",
            "AWS::EC2::SecurityGroupEgress"):
        props = resource["Properties"]
        if resource["Type"] == "AWS::EC2::SecurityGroup":
            rules = props.get("SecurityGroupIngress", []) + props.get("SecurityGroupEgress", [])
            assert props.get("SecurityGroupEgress"), f"{where}: EC2's allow-all egress left in place"
        else:
            rules = [props]
        for rule in rules:
            count += 1
            assert isinstance(rule.get("Description"), str) and rule["Description"].strip(), where
    assert count > 30


@pytest.mark.slow
def test_every_log_group_has_a_retention(compiled):
    retention = {}
    for where, _, resource in resources(compiled, "AWS::Logs::LogGroup"):
        retention[where] = resource["Properties"].get("RetentionInDays")
        assert isinstance(retention[where], int), where
    # CloudWatch.16 (at least a year) holds for flow logs by default, and where the spec asks.
    assert retention["internal-only/network.json:FlowLogGroup"] == 365
    assert retention["private-nat/network.json:FlowLogGroup"] == 400


def _in_existing_vpc(files) -> bool:
    """An app in an existing VPC (existing-vpc.yaml, load-balancers.yaml): no VPC is made."""
    return not any(r["Type"] == "AWS::EC2::VPC" for r in files["network.json"]["Resources"].values())


@pytest.mark.slow
def test_vpc_flow_logs_unless_turned_off(compiled):
    """EC2.6."""
    for name, files in compiled.apps.items():
        logs = [r["Properties"] for r in files["network.json"]["Resources"].values()
                if r["Type"] == "AWS::EC2::FlowLog"]
        if _in_existing_vpc(files):  # an existing VPC's flow logs are its owner's
            assert logs == [], name
        elif name in ("public-tasks", "legacy-tls-public"):  # flow_logs: false
            assert logs == [], name
        else:
            assert [(p["ResourceType"], p["ResourceId"]) for p in logs] == [("VPC", {"Ref": "Vpc"})]


@pytest.mark.slow
def test_no_subnet_maps_public_ips_and_the_alb_spans_two_zones(compiled):
    """EC2.15, ELB.13."""
    for name, files in compiled.apps.items():
        subnets = [(lid, r["Properties"]) for lid, r in files["network.json"]["Resources"].items()
                   if r["Type"] == "AWS::EC2::Subnet"]
        if _in_existing_vpc(files):  # subnets of an existing VPC are given, not made
            assert subnets == [], name
            continue
        assert subnets and all(p["MapPublicIpOnLaunch"] is False for _, p in subnets), name
        assert sum(lid.startswith("Public") for lid, _ in subnets) >= 2
        assert sum(lid.startswith("Private") for lid, _ in subnets) >= 2


@pytest.mark.slow
def test_containers_are_unprivileged_and_log(compiled):
    """ECS.4, ECS.9, and awsvpc networking (ECS.17: no host network mode, ECS.3: no host PID)."""
    count = 0
    for where, _, resource in resources(compiled, "AWS::ECS::TaskDefinition"):
        props = resource["Properties"]
        assert props["NetworkMode"] == "awsvpc" and "PidMode" not in props, where
        for container in props["ContainerDefinitions"]:
            count += 1
            assert container["Privileged"] is False, (where, container["Name"])
            assert container["LogConfiguration"]["LogDriver"] == "awslogs"
    assert count > 10


@pytest.mark.slow
def test_no_plain_variable_looks_like_a_credential(compiled):
    """ECS.8: FC213 refuses them in the spec; none reaches a template."""
    for where, _, resource in resources(compiled, "AWS::ECS::TaskDefinition"):
        for container in resource["Properties"]["ContainerDefinitions"]:
            for variable in container.get("Environment", []):
                assert looks_secret(variable["Name"]) == "", (where, variable)


@pytest.mark.slow
def test_execution_and_task_roles_are_separate(compiled):
    for where, _, resource in resources(compiled, "AWS::ECS::TaskDefinition"):
        props = resource["Properties"]
        execution, task = props["ExecutionRoleArn"], props["TaskRoleArn"]
        assert execution["Fn::GetAtt"][1] == task["Fn::GetAtt"][1] == "Arn"
        assert execution["Fn::GetAtt"][0] != task["Fn::GetAtt"][0], where


@pytest.mark.slow
def test_ecs_services_run_latest_and_get_public_ips_only_in_public_subnets(compiled):
    """ECS.10, ECS.2."""
    placements = set()
    for where, _, resource in resources(compiled, "AWS::ECS::Service"):
        props = resource["Properties"]
        assert props["PlatformVersion"] == "LATEST", where
        vpc = props["NetworkConfiguration"]["AwsvpcConfiguration"]
        public = vpc["Subnets"] == {"Ref": "PublicSubnetIds"}
        assert vpc["AssignPublicIp"] == ("ENABLED" if public else "DISABLED"), where
        placements.add(public)
    assert placements == {True, False}


@pytest.mark.slow
def test_clusters_have_container_insights(compiled):
    """ECS.12."""
    clusters = list(resources(compiled, "AWS::ECS::Cluster"))
    assert len(clusters) == len(compiled.apps)
    for where, _, resource in clusters:
        assert {"Name": "containerInsights", "Value": "enabled"} in resource["Properties"]["ClusterSettings"]


@pytest.mark.slow
def test_load_balancers_drop_invalid_headers_with_strictest_desync_mitigation(compiled):
    """ELB.4, ELB.12."""
    lbs = [r for r in resources(compiled, "AWS::ElasticLoadBalancingV2::LoadBalancer")
           if r[2]["Properties"]["Type"] == "application"]   # HTTP attributes: not an NLB's
    # an alb.json holds every ALB of its app (load_balancers): at least one each
    assert len(lbs) >= sum("alb.json" in files for files in compiled.apps.values()) > 4
    for where, _, resource in lbs:
        attributes = {a["Key"]: a["Value"] for a in resource["Properties"]["LoadBalancerAttributes"]}
        assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true", where
        assert attributes["routing.http.desync_mitigation_mode"] == "strictest", where


@pytest.mark.slow
def test_with_https_port_80_only_redirects_under_a_modern_tls_policy(compiled):
    """ELB.1, ELB.17 (a legacy policy only when the spec names one, and then skipped with why)."""
    for where, tpl in templates(compiled):
        listeners = {lid: r for lid, r in tpl["Resources"].items()
                     if r["Type"] == "AWS::ElasticLoadBalancingV2::Listener"}
        if alb.HTTPS_LISTENER not in listeners:
            continue
        (action,) = listeners[alb.HTTP_LISTENER]["Properties"]["DefaultActions"]
        assert action["Type"] == "redirect" and action["RedirectConfig"]["Protocol"] == "HTTPS"
        assert not any(r["Type"] == "AWS::ElasticLoadBalancingV2::ListenerRule"
                       and r["Properties"]["ListenerArn"] == {"Ref": alb.HTTP_LISTENER}
                       for r in tpl["Resources"].values())
        https = listeners[alb.HTTPS_LISTENER]
        legacy = scanner_skips.SSL_POLICIES[https["Properties"]["SslPolicy"]] in scanner_skips.LEGACY_TLS
        assert legacy == ("CKV_AWS_103" in skip_ids(https)) == where.startswith("legacy-tls-public/")


# --- the default VPC security group is never used ---------------------------------------

SG_USERS = {  # resource type -> where it names its security groups
    "AWS::ECS::Service": ("NetworkConfiguration", "AwsvpcConfiguration", "SecurityGroups"),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": ("SecurityGroups",),
    "AWS::EC2::VPCEndpoint": ("SecurityGroupIds",),
    "AWS::EFS::MountTarget": ("SecurityGroups",),
}


def _own_security_group(value, tpl: dict, files: dict[str, dict]) -> bool:
    """A Ref/GetAtt of an AWS::EC2::SecurityGroup of this app: in the template, or wired
    to it from a sibling's Output of the same name (stacks/common.py)."""
    if "Fn::GetAtt" in value:
        target, attribute = value["Fn::GetAtt"]
        ok_attribute = attribute == "GroupId"
    else:
        target, ok_attribute = value["Ref"], True
    if target in tpl.get("Parameters", {}):
        producers = [f for f in files.values() if target in f.get("Outputs", {})]
        (producer,) = producers
        return _own_security_group(producer["Outputs"][target]["Value"], producer, files)
    return ok_attribute and tpl["Resources"][target]["Type"] == "AWS::EC2::SecurityGroup"


def _keys(value, wanted: set[str]):
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in wanted:
                yield key
            yield from _keys(inner, wanted)
    elif isinstance(value, list):
        for inner in value:
            yield from _keys(inner, wanted)


@pytest.mark.slow
def test_the_default_vpc_security_group_is_never_attached(compiled):
    """Anything that would fall back to the VPC's default SG names its own groups instead."""
    users = 0
    # Every property that attaches security groups is one SG_USERS knows.
    attaching = sum(len(list(_keys(r.get("Properties", {}), {"SecurityGroups", "SecurityGroupIds"})))
                    for _, _, r in resources(compiled))
    for name, files in compiled.apps.items():
        for file, tpl in files.items():
            assert "DefaultSecurityGroup" not in json.dumps(tpl), f"{name}/{file}"
            for logical_id, resource in tpl["Resources"].items():
                path = SG_USERS.get(resource["Type"])
                if path is None:
                    continue
                props = resource["Properties"]
                if resource["Type"] == "AWS::EC2::VPCEndpoint" and props["VpcEndpointType"] == "Gateway":
                    assert "SecurityGroupIds" not in props
                    continue  # gateway endpoints have no network interface, so no SG
                groups = props
                for key in path:
                    groups = groups.get(key, {})
                assert isinstance(groups, list) and groups, f"{name}/{file}:{logical_id} names no SG"
                users += 1
                for group in groups:
                    assert _own_security_group(group, tpl, files), (name, file, logical_id, group)
    assert users == attaching > 20


# --- each skip follows the spec ----------------------------------------------------------

def _alb(lb: dict) -> dict:
    services_ = {"web": {"image": f"{ECR}/web:1", "port": 80, "http": {"path": "/"}}}
    return alb.build(model_of({"app": "shop", "load_balancer": lb, "services": services_})).to_dict()


HTTPS = {"certificate_arn": CERT}
ALB_SKIPS = [  # (load_balancer spec, {resource: checks skipped on it}); every other resource: none
    # Weaknesses from defaults (plain HTTP, no access logs, 0.0.0.0/0) are never skipped:
    # only a key the spec wrote is an opt-out (issue 21).
    ({}, {}),
    ({"https": HTTPS}, {}),
    ({"access_logs": False, "allowed_cidrs": ["0.0.0.0/0"]},
     {"LoadBalancer": {"CKV_AWS_91"}, "AlbSecurityGroup": {"CKV_AWS_260"}}),
    ({"https": {**HTTPS, "ssl_policy": "ELBSecurityPolicy-TLS13-1-3-2021-06"}}, {}),
    ({"https": {**HTTPS, "ssl_policy": "ELBSecurityPolicy-TLS13-1-1-2021-06"}},
     {"HttpsListener": {"CKV_AWS_103"}}),
    ({"https": HTTPS, "access_logs": True, "allowed_cidrs": ["203.0.113.0/24"]},
     {"AccessLogsBucket": {"CKV_AWS_18"}}),
    ({"access_logs": {"bucket": "my-logs"}, "public": False}, {}),
    ({"allowed_cidrs": ["0.0.0.0/0", "10.0.0.0/8"], "https": HTTPS, "access_logs": True},
     {"AlbSecurityGroup": {"CKV_AWS_260"}, "AccessLogsBucket": {"CKV_AWS_18"}}),
]


@pytest.mark.parametrize("lb, expected", ALB_SKIPS)
def test_alb_skips_appear_exactly_while_their_opt_out_is_in_effect(lb, expected):
    tpl = _alb(lb)
    found = {lid: skip_ids(r) for lid, r in tpl["Resources"].items() if skip_ids(r)}
    assert found == expected


def test_port_80_skip_says_whether_it_redirects():
    def reason(lb):
        (skip,) = _alb(lb)["Resources"][alb_security.SECURITY_GROUP]["Metadata"]["checkov"]["skip"]
        assert "load_balancer.allowed_cidrs" in skip["comment"]   # the key that chose it
        return skip["comment"]
    anywhere = {"allowed_cidrs": ["0.0.0.0/0"]}
    assert reason(anywhere).endswith("port 80, which serves plain HTTP")
    assert reason({**anywhere, "https": HTTPS}).endswith("port 80, which only redirects to HTTPS")


def test_each_albs_skips_name_the_keys_of_that_alb():
    """Under `load_balancers`, a skip names load_balancers.<name>.<key>, the key that chose it."""
    spec = {"app": "shop", "load_balancers": {
        "public": {"access_logs": False},
        "edge": {"access_logs": False, "allowed_cidrs": ["0.0.0.0/0"],
                 "https": {**HTTPS, "ssl_policy": "ELBSecurityPolicy-TLS13-1-1-2021-06"}}},
        "services": {name: {"image": f"{ECR}/{name}:1", "port": 80,
                            "http": {"path": "/", "load_balancer": lb}}
                     for name, lb in (("web", "public"), ("api", "edge"))}}
    tpl = alb.build(model_of(spec)).to_dict()
    comments = {(lid, s["id"]): s["comment"] for lid, r in tpl["Resources"].items()
                for s in (r.get("Metadata") or {}).get("checkov", {}).get("skip", [])}
    keys = {found: comment.split(": ", 1)[1].split(" ", 1)[0] for found, comment in comments.items()}
    assert keys == {
        ("LoadBalancer", "CKV_AWS_91"): "load_balancers.public.access_logs:",
        ("EdgeLoadBalancer", "CKV_AWS_91"): "load_balancers.edge.access_logs:",
        ("EdgeAlbSecurityGroup", "CKV_AWS_260"): "load_balancers.edge.allowed_cidrs",
        ("EdgeHttpsListener", "CKV_AWS_103"): "load_balancers.edge.https.ssl_policy",
    }


def test_every_log_group_skips_only_the_customer_managed_key():
    app = model_of({"app": "shop", "services": {"web": {"image": f"{ECR}/web:1", "port": 80}}})
    groups = [r for t in (network.build(app), *(t for _, t in services.build(app)))
              for r in t.to_dict()["Resources"].values() if r["Type"] == "AWS::Logs::LogGroup"]
    assert len(groups) == 2
    assert all(r["Metadata"] == {"checkov": {"skip": [scanner_skips.LOG_GROUP_KMS.to_dict()]}}
               for r in groups)


def test_skips_keep_other_metadata():
    app = model_of({"app": "shop", "network": {"vpc": {"zones": ["us-east-1a", "us-east-1b"]}},
                     "services": {"web": {"image": f"{ECR}/web:1", "port": 80}}})
    subnet = network.build(app).to_dict()["Resources"]["PublicSubnet1"]
    assert subnet["Metadata"] == network.EXPLICIT_ZONE_METADATA  # subnets have no skip
    made = scanner_skips.apply(ec2.Subnet("S", Metadata=network.EXPLICIT_ZONE_METADATA),
                               scanner_skips.LOG_GROUP_KMS)
    assert made.Metadata == {**network.EXPLICIT_ZONE_METADATA,
                             "checkov": {"skip": [scanner_skips.LOG_GROUP_KMS.to_dict()]}}
