"""#22's edits, deployed as stack updates (change sets) one after another, the way a user
works — one spec path, one output directory, the lock file beside the spec:

  create      2 zones, one NAT gateway; a routed service, a publisher, a worker subscribed
              to it, a service with an explicit rule priority, a service on EFS, a job
  zones       azs 2 -> 3
  nat         nat: single -> per_az
  worker      the worker renamed with renamed_from
  job         the job renamed with renamed_from
  priority    the service with the explicit priority renamed with renamed_from
  efs         the service on EFS renamed with renamed_from
  uid         the EFS access point's uid changed: refused by the compile (FC273), nothing deployed
  volume      the way the refusal names: the volume renamed, with the new uid

After each update every resource's physical ID is read back (list-stack-resources of the
root and every nested stack) and compared with the one before: only what the edit is
meant to change may change. Where it matters the resource itself is described too (subnet
CIDRs, the subnet's route table, queue count and subscriptions, the rule's priority, the
access point's owner).
"""

from __future__ import annotations

import copy
import ipaddress
import shutil

import pytest
import yaml

from compiler import diff
from compiler.diff.templates import from_directory
from compiler.pipeline import OK, compile_spec
from deployed import deploy, read_stack

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
SPEC = {
    "app": "ren",
    "network": {"nat": "single", "vpc": {"azs": 2}},
    "load_balancer": {"public": True},
    "services": {
        "web": {"image": f"{ECR}/web:1", "port": 80, "http": {"path": "/"}},
        "api": {"image": f"{ECR}/api:1", "port": 5000, "http": {"path": "/api/*"},
                "publish": {"topics": [{"name": "orders"}]}},
        "worker": {"image": f"{ECR}/worker:1",
                   "subscribe": {"topics": [{"service": "api", "name": "orders"}]}},
        "admin": {"image": f"{ECR}/admin:1", "port": 9000, "http": {"path": "/admin/*", "priority": 10}},
        "files": {"image": f"{ECR}/files:1", "port": 8080, "http": {"path": "/files/*"},
                  "storage": {"volumes": {"content": {"path": "/data", "read_only": False,
                                                      "efs": {"uid": 1001, "gid": 1001}}}}},
    },
    "jobs": {"nightly": {"image": f"{ECR}/report:1", "schedule": "cron(0 3 * * ? *)"}},
}
STEPS = ("create", "zones", "nat", "worker", "job", "priority", "efs", "uid", "volume")
REFUSED = {"uid"}


def _edit(spec: dict, step: str) -> dict:
    spec = copy.deepcopy(spec)
    if step == "zones":
        spec["network"]["vpc"]["azs"] = 3
    elif step == "nat":
        spec["network"]["nat"] = "per_az"
    elif step == "worker":
        spec["services"]["consumer"] = {**spec["services"].pop("worker"), "renamed_from": "worker"}
    elif step == "job":
        spec["jobs"]["daily-report"] = {**spec["jobs"].pop("nightly"), "renamed_from": "nightly"}
    elif step == "priority":
        spec["services"]["backoffice"] = {**spec["services"].pop("admin"), "renamed_from": "admin"}
    elif step == "efs":
        spec["services"]["assets"] = {**spec["services"].pop("files"), "renamed_from": "files"}
    elif step == "uid":
        spec["services"]["assets"]["storage"]["volumes"]["content"]["efs"] = {"uid": 1002, "gid": 1002}
    elif step == "volume":
        volumes = spec["services"]["assets"]["storage"]["volumes"]
        volumes["content2"] = volumes.pop("content")
    return spec


class Step:
    def __init__(self, name, spec, app, output, ids, types, hazards, diagnostics):
        self.name, self.spec, self.app, self.output = name, spec, app, output
        self.ids, self.types, self.hazards, self.diagnostics = ids, types, hazards, diagnostics
        self.access_points: dict = {}


@pytest.fixture(scope="module")
def history(emulator, tmp_path_factory):
    emulator.reset()
    work = tmp_path_factory.mktemp("renames")
    spec_path, out = work / "ren.yaml", work / "templates_out"
    steps: list[Step] = []
    refused: dict = {}
    spec = SPEC
    for n, name in enumerate(STEPS):
        spec = _edit(spec, name)
        spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
        result = compile_spec(str(spec_path), str(out), lint=True)
        if name in REFUSED:
            refused[name] = result
            continue
        assert result.status == OK, "\n".join(str(d) for d in result.diagnostics)
        kept = work / f"templates-{n}"
        shutil.copytree(result.output, kept)
        hazards = (diff.compute(from_directory(str(steps[-1].output)), from_directory(str(kept))).hazards
                   if steps else [])
        where = work / f"deploy-{n}"
        where.mkdir()
        deploy(emulator, kept, result.app.stack_name, where)
        root = read_stack(emulator, result.app.stack_name)
        assert root.status in ("CREATE_COMPLETE", "UPDATE_COMPLETE"), (name, root.status)
        ids, types = {}, {}
        for stack in root.walk():
            for r in stack.resources:
                ids[r["LogicalResourceId"]] = r["PhysicalResourceId"]
                types[r["LogicalResourceId"]] = r["ResourceType"]
        step = Step(name, spec, result.app, kept, ids, types, hazards, result.diagnostics)
        points = emulator.client("efs").describe_access_points()["AccessPoints"]
        step.access_points = {p["AccessPointId"]: p for p in points}   # as they are after this update
        steps.append(step)
    return emulator, refused, steps


def _changed(before: Step, after: Step) -> set[str]:
    """Logical IDs in both deployments whose physical IDs differ (task definitions excepted:
    every change of one registers a new revision, by design)."""
    return {i for i in set(before.ids) & set(after.ids) if before.ids[i] != after.ids[i]
            and before.types[i] != "AWS::ECS::TaskDefinition"}


def _pair(steps, name):
    index = [s.name for s in steps].index(name)
    return steps[index - 1], steps[index]


def test_adding_a_zone_moves_no_subnet_and_carves_the_new_one_from_free_space(history):
    emulator, _, steps = history
    before, after = _pair(steps, "zones")
    ec2 = emulator.client("ec2")

    def cidrs(step):
        ids = {i: step.ids[i] for i in step.ids if step.types[i] == "AWS::EC2::Subnet"}
        found = ec2.describe_subnets(SubnetIds=list(ids.values()))["Subnets"]
        by_id = {s["SubnetId"]: s["CidrBlock"] for s in found}
        return {i: (p, by_id[p]) for i, p in ids.items()}

    old, new = cidrs(before), cidrs(after)
    assert {i: new[i] for i in old} == old          # the same subnets, same physical IDs and CIDRs
    added = set(new) - set(old)
    assert added == {"PublicSubnet3", "PrivateSubnet3"}
    nets = [ipaddress.ip_network(c) for _, c in new.values()]
    assert not any(a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1:]), new
    assert not _changed(before, after), _changed(before, after)
    assert after.hazards == [], after.hazards


def test_nat_per_az_re_associates_the_private_subnets(history):
    emulator, _, steps = history
    before, after = _pair(steps, "nat")
    ec2 = emulator.client("ec2")
    assert {h.kind for h in after.hazards} == {"association-replacement"}, after.hazards
    moved = {i for i in _changed(before, after) if after.types[i] == "AWS::EC2::SubnetRouteTableAssociation"}
    assert moved == {"PrivateSubnet1RouteTableAssociation", "PrivateSubnet2RouteTableAssociation",
                     "PrivateSubnet3RouteTableAssociation"}
    for n in (1, 2, 3):
        subnet, table = after.ids[f"PrivateSubnet{n}"], after.ids[f"PrivateRouteTable{n}"]
        [rt] = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])["RouteTables"]
        assert rt["RouteTableId"] == table, n
        # exactly one association per subnet: no old one left beside the new
        assocs = [a for r in ec2.describe_route_tables()["RouteTables"] for a in r.get("Associations", [])
                  if a.get("SubnetId") == subnet]
        assert len(assocs) == 1, assocs
    # the subnets and the first NAT gateway stay
    assert not {i for i in _changed(before, after) if after.types[i] in ("AWS::EC2::Subnet", "AWS::EC2::NatGateway")}


def test_a_worker_renamed_with_renamed_from_keeps_its_queue_and_subscription(history):
    emulator, _, steps = history
    before, after = _pair(steps, "worker")
    queues = {i: p for i, p in before.ids.items() if before.types[i] in ("AWS::SQS::Queue", "AWS::SNS::Subscription")}
    assert queues and {i: after.ids.get(i) for i in queues} == queues
    assert not {i for i in set(after.ids) - set(before.ids) if after.types[i].startswith(("AWS::SQS", "AWS::SNS"))}
    urls = emulator.client("sqs").list_queues().get("QueueUrls", [])
    assert len(urls) == 2, urls                   # the queue and its dead-letter queue, once
    subscriptions = emulator.client("sns").list_subscriptions()["Subscriptions"]
    assert len(subscriptions) == 1 and subscriptions[0]["SubscriptionArn"] in queues.values()
    consumer = next(s for s in after.app.services if s.name == "consumer")
    assert consumer.key == "Worker" and after.ids["WorkerEcsService"] == before.ids["WorkerEcsService"]
    assert after.hazards == [], after.hazards


def test_a_job_renamed_with_renamed_from_is_modified_in_place(history):
    emulator, _, steps = history
    before, after = _pair(steps, "job")
    job = {i: p for i, p in before.ids.items() if i.startswith("Nightly")}
    assert {"NightlyStateMachine", "NightlySchedule", "NightlyLogGroup", "NightlyTaskRole"} <= set(job)
    changed = {i for i in job if after.ids.get(i) != job[i] and before.types[i] != "AWS::ECS::TaskDefinition"}
    assert not changed, changed
    assert not {i for i in set(after.ids) - set(before.ids)}
    machines = emulator.client("stepfunctions").list_state_machines()["stateMachines"]
    assert [m["stateMachineArn"] for m in machines] == [after.ids["NightlyStateMachine"]]
    rules = emulator.client("events").list_rules()["Rules"]
    assert [r["Name"] for r in rules if r["Name"].startswith("ren-")] == ["ren-dev-nightly"]
    assert after.hazards == [], after.hazards
    assert not [d for d in after.diagnostics if d.code == "FC273"]


def test_a_service_with_an_explicit_priority_renamed_keeps_its_rule(history):
    emulator, _, steps = history
    before, after = _pair(steps, "priority")
    rule = before.ids["AdminListenerRule"]
    assert after.ids["AdminListenerRule"] == rule
    [described] = emulator.client("elbv2").describe_rules(RuleArns=[rule])["Rules"]
    assert described["Priority"] == "10"
    assert after.ids["AdminEcsService"] == before.ids["AdminEcsService"]
    assert after.ids["AdminTargetGroup"] == before.ids["AdminTargetGroup"]
    assert after.hazards == [], after.hazards
    assert not {i for i in set(after.ids) - set(before.ids)}


def test_a_service_on_efs_renamed_with_renamed_from_keeps_its_access_point_and_log_group(history):
    emulator, _, steps = history
    before, after = _pair(steps, "efs")
    for logical_id in ("FilesContentAccessPoint", "FilesLogGroup", "FilesTaskSecurityGroup", "FilesEcsService",
                       "FilesTargetGroup", "FilesListenerRule"):
        assert after.ids[logical_id] == before.ids[logical_id], logical_id
    point = after.access_points[after.ids["FilesContentAccessPoint"]]      # as read after that update
    assert point["RootDirectory"]["Path"] == "/files/content" and point["PosixUser"]["Uid"] == 1001
    assert not set(after.ids) - set(before.ids) and not _changed(before, after)
    assert after.hazards == [], after.hazards


def test_an_access_point_uid_change_is_refused_and_a_new_volume_is_the_way(history):
    """A uid change of a deployed access point: the compile refuses it at the volume's line
    (the directory would stay owned by the old uid: EFS applies CreationInfo only on creation),
    writes nothing, and the deployment is untouched. A volume of another name with the new uid
    deploys a new access point at a new directory, owned by the new user."""
    emulator, refused, steps = history
    result = refused["uid"]
    assert result.status != OK
    (error,) = [d for d in result.diagnostics if d.code == "FC273"]
    assert error.path == "services.assets.storage.volumes.content.efs" and error.line > 1
    assert "cannot write" in error.message and "another name" in error.message
    before, after = _pair(steps, "volume")
    assert before.name == "efs"                 # the refused step deployed nothing
    old_point, new_point = "FilesContentAccessPoint", "FilesContent2AccessPoint"
    assert old_point in before.ids and old_point not in after.ids and new_point in after.ids
    efs = emulator.client("efs")
    [described] = efs.describe_access_points(AccessPointId=after.ids[new_point])["AccessPoints"]
    assert described["PosixUser"]["Uid"] == 1002
    assert described["RootDirectory"]["Path"] == "/files/content2"    # under the identity the rename kept
    assert described["RootDirectory"]["CreationInfo"]["OwnerUid"] == 1002
    assert _changed(before, after) == set(), _changed(before, after)
    assert after.hazards == [], after.hazards      # a new volume, asked for by name: no data view lost silently


def test_nothing_else_moved(history):
    """Across the rename steps, nothing outside the renamed workload changes its physical ID."""
    _, _, steps = history
    for name in ("worker", "job", "priority", "efs"):
        before, after = _pair(steps, name)
        assert not _changed(before, after), (name, _changed(before, after))
