"""EFS volumes (stacks/storage.py) and custom domains (stacks/domains.py): what the templates
hold for a spec, and what the checks (FC240, FC241) refuse before anything is built."""

from __future__ import annotations

import pytest
import yaml

from compiler.pipeline import build_templates, validate
from compiler.stacks import domains, storage

IMAGE = "public.ecr.aws/nginx/nginx:1.27"
ZONE = "Z0123456789ABCDEFGHIJ"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/abcd-1234"


def spec(services: dict, **top) -> dict:
    return {"app": "shop", "load_balancer": {}, **top, "services": services}


def compile_(tmp_path, data: dict) -> dict[str, dict]:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    app, found = validate(str(path))
    assert app is not None, [d.format() for d in found]
    return {stem: t.to_dict() for stem, t in build_templates(app)}


def refused(tmp_path, data: dict) -> list[tuple[str, str, str]]:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    app, found = validate(str(path))
    assert app is None
    return [(d.code, d.path, d.message) for d in found if d.severity == "error"]


def of_type(tpl: dict, type_: str) -> dict[str, dict]:
    return {k: r for k, r in tpl["Resources"].items() if r["Type"] == type_}


def web(**extra) -> dict:
    return {"image": IMAGE, "port": 80, **extra}


# --- EFS ------------------------------------------------------------------------------------

def test_managed_file_system_is_encrypted_retained_and_reached_from_every_zone(tmp_path):
    tpls = compile_(tmp_path, spec(
        {"web": web(storage={"volumes": {"data": {"path": "/data", "efs": True}}})},
        network={"vpc": {"azs": 3}}))
    store = tpls["storage"]
    [fs] = of_type(store, "AWS::EFS::FileSystem").values()
    assert fs["Properties"]["Encrypted"] is True
    assert (fs["DeletionPolicy"], fs["UpdateReplacePolicy"]) == ("Retain", "Retain")
    [deny] = fs["Properties"]["FileSystemPolicy"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    targets = of_type(store, "AWS::EFS::MountTarget")
    assert sorted(targets) == ["MountTarget1", "MountTarget2", "MountTarget3"]
    assert [t["Properties"]["SubnetId"]["Fn::Select"][0] for t in targets.values()] == [0, 1, 2]
    [group] = of_type(store, "AWS::EC2::SecurityGroup").values()
    assert "SecurityGroupIngress" not in group["Properties"]
    # the only way in: NFS from the mounting service's own task security group
    [rule] = of_type(tpls["services"], "AWS::EC2::SecurityGroupIngress").values()
    assert (rule["Properties"]["FromPort"], rule["Properties"]["ToPort"]) == (2049, 2049)
    assert rule["Properties"]["SourceSecurityGroupId"] == {"Fn::GetAtt": ["WebTaskSecurityGroup", "GroupId"]}
    assert rule["Properties"]["GroupId"] == {"Ref": "FileSystemSecurityGroupId"}
    assert tpls["services"]["Resources"]["WebEcsService"]["DependsOn"] == ["WebFileSystemIngress"]


def test_the_file_system_does_not_move_when_services_move_between_stacks(tmp_path):
    one = compile_(tmp_path, spec({"web": web(storage={"volumes": {"d": {"path": "/d", "efs": True}}})}))
    pinned = compile_(tmp_path, spec({"web": web(stack="x", storage={"volumes": {"d": {"path": "/d", "efs": True}}})}))
    assert one["storage"] == pinned["storage"]
    assert "WebDAccessPoint" in pinned["services-x"]["Resources"]


def test_access_point_user_directory_and_scoped_iam(tmp_path):
    tpls = compile_(tmp_path, spec({"web": web(
        storage={"volumes": {
            "data": {"path": "/data", "efs": True},                       # read-only (default)
            "up": {"path": "/up", "read_only": False, "efs": {"uid": 33, "gid": 33, "root_dir": "/uploads"}},
        }})}))
    res = tpls["services"]["Resources"]
    data, up = res["WebDataAccessPoint"]["Properties"], res["WebUpAccessPoint"]["Properties"]
    assert data["PosixUser"] == {"Uid": "1000", "Gid": "1000"}
    assert data["RootDirectory"]["Path"] == "/web/data"
    assert up["PosixUser"] == {"Uid": "33", "Gid": "33"}
    assert up["RootDirectory"] == {"Path": "/uploads", "CreationInfo": {
        "OwnerUid": "33", "OwnerGid": "33", "Permissions": "755"}}
    [policy] = res["WebTaskRole"]["Properties"]["Policies"]
    statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
    assert statements["EfsData"]["Action"] == ["elasticfilesystem:ClientMount"]
    assert statements["EfsUp"]["Action"] == ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    assert statements["EfsUp"]["Condition"] == {"StringEquals": {
        "elasticfilesystem:AccessPointArn": {"Fn::GetAtt": ["WebUpAccessPoint", "Arn"]}}}
    task = res["WebTaskDefinition"]["Properties"]
    volumes = {v["Name"]: v["EFSVolumeConfiguration"] for v in task["Volumes"]}
    assert volumes["up"]["TransitEncryption"] == "ENABLED"
    assert volumes["up"]["AuthorizationConfig"] == {"AccessPointId": {"Ref": "WebUpAccessPoint"}, "IAM": "ENABLED"}
    [main] = task["ContainerDefinitions"]
    assert main["MountPoints"] == [
        {"ContainerPath": "/data", "ReadOnly": True, "SourceVolume": "data"},
        {"ContainerPath": "/up", "ReadOnly": False, "SourceVolume": "up"}]


def test_existing_file_system_needs_no_storage_stack_and_is_mounted_by_id(tmp_path):
    tpls = compile_(tmp_path, spec({"web": web(
        storage={"volumes": {"shared": {"path": "/shared", "efs": {"id": "fs-0123456789abcdef0",
                                                                    "root_dir": "/team"}}}},
        sidecars={"side": {"image": IMAGE, "mount_points": [
            {"source_volume": "shared", "path": "/s", "read_only": False}]}})}))
    assert "storage" not in tpls
    res = tpls["services"]["Resources"]
    assert not of_type(tpls["services"], "AWS::EFS::AccessPoint")
    assert not of_type(tpls["services"], "AWS::EC2::SecurityGroupIngress")  # the user owns its rules
    [volume] = res["WebTaskDefinition"]["Properties"]["Volumes"]
    assert volume["EFSVolumeConfiguration"] == {
        "FilesystemId": "fs-0123456789abcdef0", "RootDirectory": "/team",
        "TransitEncryption": "ENABLED", "AuthorizationConfig": {"IAM": "ENABLED"}}
    [statement] = res["WebTaskRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    # the sidecar writes, so the task role may write; no access point, so no condition
    assert statement["Action"] == ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    assert "Condition" not in statement
    assert statement["Resource"] == [{"Fn::Sub": [
        "arn:${AWS::Partition}:elasticfilesystem:${AWS::Region}:${AWS::AccountId}:file-system/${FileSystemId}",
        {"FileSystemId": "fs-0123456789abcdef0"}]}]


def test_task_local_volume_is_a_bind_mount_with_no_iam(tmp_path):
    tpls = compile_(tmp_path, spec({"web": web(storage={"volumes": {"tmp": {"path": "/tmp/x", "read_only": False}}})}))
    res = tpls["services"]["Resources"]
    assert res["WebTaskDefinition"]["Properties"]["Volumes"] == [{"Name": "tmp"}]
    assert "Policies" not in res["WebTaskRole"]["Properties"]
    assert "storage" not in tpls


@pytest.mark.parametrize("volumes, sidecars, fragment", [
    ({"a": {"path": "/a", "efs": {"uid": 1}}}, {}, "uid without gid"),
    ({"a": {"path": "/a"}}, {"s": {"image": IMAGE, "mount_points": [{"source_volume": "b", "path": "/b"}]}},
     "which service web does not have"),
    ({"a": {"path": "/a"}}, {"s": {"image": IMAGE, "mount_points": [
        {"source_volume": "a", "path": "/b"}, {"source_volume": "a", "path": "/b"}]}}, "mounts two volumes at /b"),
    ({"a-b": {"path": "/a"}, "a_b": {"path": "/b"}}, {}, "differ only in '-' or '_'"),
    ({k: {"path": f"/{k}", "efs": True} for k in "abc"}, {}, "at most 2 fit"),
])
def test_volume_mistakes_are_refused(tmp_path, volumes, sidecars, fragment):
    found = refused(tmp_path, spec({"web": web(storage={"volumes": volumes}, sidecars=sidecars)}))
    assert any(code == "FC240" and fragment in message for code, _, message in found), found


# --- custom domains -------------------------------------------------------------------------

def test_aliases_get_records_certificates_https_and_host_rules(tmp_path):
    tpls = compile_(tmp_path, spec({
        "web": web(http={"path": "/", "alias": ["www.example.com", "example.com"], "hosted_zone": ZONE}),
        "api": web(http={"path": "/api/*", "alias": "example.com", "hosted_zone": ZONE,
                         "hosts": ["api.internal.example.com"]}),
    }))
    alb = tpls["alb"]
    res = alb["Resources"]
    certificates = of_type(alb, "AWS::CertificateManager::Certificate")
    assert sorted(c["Properties"]["DomainName"] for c in certificates.values()) == ["example.com", "www.example.com"]
    for c in certificates.values():
        name = c["Properties"]["DomainName"]
        assert c["Properties"]["ValidationMethod"] == "DNS"
        assert c["Properties"]["DomainValidationOptions"] == [{"DomainName": name, "HostedZoneId": ZONE}]
    first = domains.domain_id("example.com") + domains.CERTIFICATE   # sorted first: the default
    assert res["HttpsListener"]["Properties"]["Certificates"] == [{"CertificateArn": {"Ref": first}}]
    [extra] = of_type(alb, "AWS::ElasticLoadBalancingV2::ListenerCertificate").values()
    assert extra["Properties"]["Certificates"] == [
        {"CertificateArn": {"Ref": domains.domain_id("www.example.com") + domains.CERTIFICATE}}]
    assert res["HttpListener"]["Properties"]["DefaultActions"][0]["Type"] == "redirect"
    records = of_type(alb, "AWS::Route53::RecordSet")
    assert sorted((r["Properties"]["Name"], r["Properties"]["Type"]) for r in records.values()) == [
        ("example.com", "A"), ("www.example.com", "A")]          # the ALB is ipv4: no AAAA
    for r in records.values():
        assert r["Properties"]["HostedZoneId"] == ZONE
        assert r["Properties"]["AliasTarget"]["DNSName"] == {"Fn::GetAtt": ["LoadBalancer", "DNSName"]}
    # the aliases are the routes' hosts; "/" with hosts is no longer the default action
    conditions = {k: r["Properties"]["Conditions"] for k, r in of_type(
        alb, "AWS::ElasticLoadBalancingV2::ListenerRule").items()}
    hosts = {k: [c["HostHeaderConfig"]["Values"] for c in v if c["Field"] == "host-header"][0]
             for k, v in conditions.items()}
    assert hosts == {"WebListenerRule": ["www.example.com", "example.com"],
                     "ApiListenerRule": ["api.internal.example.com", "example.com"]}
    assert res["HttpsListener"]["Properties"]["DefaultActions"][0]["Type"] == "fixed-response"
    sg = res["AlbSecurityGroup"]["Properties"]["SecurityGroupIngress"]
    assert sorted({r["FromPort"] for r in sg}) == [80, 443]


def test_a_certificate_of_the_spec_is_trusted_to_cover_the_aliases(tmp_path):
    tpls = compile_(tmp_path, spec(
        {"web": web(http={"alias": "example.com", "hosted_zone": ZONE})},
        load_balancer={"https": {"certificate_arn": CERT}}))
    alb = tpls["alb"]
    assert not of_type(alb, "AWS::CertificateManager::Certificate")
    assert alb["Resources"]["HttpsListener"]["Properties"]["Certificates"] == [{"CertificateArn": CERT}]
    assert len(of_type(alb, "AWS::Route53::RecordSet")) == 1


def test_domain_logical_ids_are_stable_and_distinct():
    assert domains.domain_id("a-b.example.com") != domains.domain_id("a.b-example.com")
    assert domains.domain_id("*.example.com") != domains.domain_id("example.com")
    assert domains.domain_id("*.example.com").startswith("WildcardExampleCom")
    assert len(domains.domain_id("a" * 60 + "." + "b" * 60 + "." + "c" * 60 + ".com")
               + domains.LISTENER_CERTIFICATE) <= 255


@pytest.mark.parametrize("alias, fragment", [
    ("www.*.example.com", "not the whole leftmost label"),
    ("*.com", "at least two labels after the wildcard"),
    ("localhost", "at least two labels"),
    ("a-.example.com", "has the label 'a-'"),
    ("a..example.com", "empty label"),
    ("example.123", "all-digit label"),
    ("a" * 63 + "." + "b" * 63 + ".example.com", "an ALB host condition takes at most 128"),
])
def test_alias_shapes_are_refused(tmp_path, alias, fragment):
    found = refused(tmp_path, spec({"web": web(http={"alias": alias, "hosted_zone": ZONE})}))
    assert any(code == "FC241" and fragment in message for code, _, message in found), found


def test_aliases_count_toward_the_five_condition_values_of_a_rule(tmp_path):
    found = refused(tmp_path, spec({"web": web(http={
        "path": ["/a", "/b", "/c"], "hosts": ["x.example.com"],
        "alias": ["y.example.com", "z.example.com"], "hosted_zone": ZONE})}))
    assert any(code == "FC206" and "hosts and aliases" in message for code, _, message in found), found


# --- plan -----------------------------------------------------------------------------------

def test_plan_prices_and_draws_the_file_system_and_the_domains():
    from pathlib import Path

    from compiler.plan import cost, make_plan, prices
    table = prices.load()
    example = Path(__file__).resolve().parent.parent / "examples" / "wordpress-efs.yaml"
    app, _ = validate(str(example))
    a = cost.Assumptions(efs_gb=100, efs_read_gb=40, efs_write_gb=10)
    plan = make_plan(app, str(example), build_templates(app), table, "us-east-1", a)
    found = {(i.category, i.item): i.monthly for i in plan.costs}
    p = table.region("us-east-1")
    assert p.efs_standard_gb_month == 0.30   # the list price of prices.json, checked by hand
    assert found[("EFS", "Standard storage")] == pytest.approx(100 * 0.30)
    assert found[("EFS", "Elastic Throughput reads")] == pytest.approx(40 * 0.03)
    assert found[("EFS", "Elastic Throughput writes")] == pytest.approx(10 * 0.06)
    assert found[("EFS", "automatic backups (AWS Backup, warm storage)")] == pytest.approx(100 * 0.05)
    assert found[("Custom domains", "Route 53 alias records (2)")] == 0.0
    assert found[("Custom domains", "ACM public certificates (2)")] == 0.0
    assert "efs" in plan.graph.nodes and "dns" in plan.graph.nodes
    mounts = [e for e in plan.graph.edges if e.b == "efs"]
    assert [e.label for e in mounts] == ["NFS /bitnami/wordpress (rw)"]
    assert "blog.example.com" in plan.mermaid and "ACM certificates (DNS-validated)" in plan.mermaid


def test_plan_has_no_efs_cost_for_an_existing_file_system(tmp_path):
    from compiler.plan import cost, make_plan, prices
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec({"web": web(storage={"volumes": {
        "s": {"path": "/s", "efs": {"id": "fs-0123456789abcdef0"}}}})})))
    app, _ = validate(str(path))
    plan = make_plan(app, str(path), build_templates(app), prices.load(), "us-east-1", cost.Assumptions())
    assert not [i for i in plan.costs if i.category == "EFS"]
    assert [n.lines for n in plan.graph.nodes.values() if n.id.startswith("efs_")] == [
        ("EFS file system", "fs-0123456789abcdef0", "existing")]


def test_compiler_certificates_on_an_internal_load_balancer_are_a_warning(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec({"web": web(http={"alias": "in.example.com", "hosted_zone": ZONE})},
                                        load_balancer={"public": False})))
    app, found = validate(str(path))
    assert app is not None
    assert [(d.code, d.severity) for d in found if "public DNS" in d.message] == [("FC241", "warning")]


def test_more_names_than_a_listener_holds_is_a_warning(tmp_path):
    services = {f"s{i}": web(http={"path": f"/{i}/*", "alias": f"n{i}.example.com", "hosted_zone": ZONE})
                for i in range(27)}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec(services)))
    app, found = validate(str(path))
    assert app is not None
    assert [(d.code, d.severity) for d in found if "holds 25" in d.message] == [("FC241", "warning")]
