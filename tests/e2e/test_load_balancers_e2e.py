"""examples/load-balancers.yaml, deployed: a public and an internal ALB of the app's and an
existing ALB the app adds a rule to, read back from the emulator.

The existing ALB is made first, as its owner would (boto3, in the example's VPC, with a
listener whose default action is a fixed 404 and a rule of the owner's), and the example is
compiled with its real ARNs in place of the example's. Read back: each ALB's scheme, subnets,
listeners and default action; each rule on its own listener (the existing one's within the
spec's priority range, the owner's rule and default action untouched); each target group on
its own load balancer; each task security group admitting only its own ALB's group.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import prerequisites
from compiler.pipeline import OK, compile_spec, validate
from compiler.stacks import alb_routing as alb_routing_stack
from compiler.stacks import tasks as tasks_stack
from deployed import deploy, read_stack

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "load-balancers.yaml"
TG = "AWS::ElasticLoadBalancingV2::TargetGroup"
LB = "AWS::ElasticLoadBalancingV2::LoadBalancer"


def _owner_alb(emulator, app) -> dict:
    """The existing ALB, its group and listener, in the app's VPC (public subnets)."""
    ec2, elbv2 = emulator.client("ec2"), emulator.client("elbv2")
    net = app.network.existing
    group = ec2.create_security_group(GroupName="platform-alb", Description="owner's ALB", VpcId=net.id)["GroupId"]
    lb = elbv2.create_load_balancer(Name="platform", Subnets=[r.id for r in net.public], SecurityGroups=[group],
                                    Scheme="internet-facing", Type="application")["LoadBalancers"][0]
    listener = elbv2.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {
            "StatusCode": "404", "ContentType": "text/plain", "MessageBody": "owner"}}])["Listeners"][0]
    # A rule of the owner's, below the app's range: it must survive the app's deployment.
    elbv2.create_rule(ListenerArn=listener["ListenerArn"], Priority=10,
                      Conditions=[{"Field": "path-pattern", "Values": ["/owner/*"]}],
                      Actions=[{"Type": "fixed-response", "FixedResponseConfig": {
                          "StatusCode": "200", "ContentType": "text/plain", "MessageBody": "owner"}}])
    return {"arn": lb["LoadBalancerArn"], "listener": listener["ListenerArn"], "group": group}


@pytest.fixture(scope="module")
def deployed(emulator, tmp_path_factory):
    model, found = validate(str(EXAMPLE))
    assert model is not None, [str(d) for d in found]
    emulator.reset()
    emulator = emulator.in_region(prerequisites.region_of(model))
    undo = prerequisites.provide(emulator, model)
    try:
        owner = _owner_alb(emulator, model)
        spec = yaml.safe_load(EXAMPLE.read_text())
        shared = spec["load_balancers"]["shared"]
        shared.update(arn=owner["arn"], listener_arn=owner["listener"], security_group=owner["group"])
        work = tmp_path_factory.mktemp("load-balancers")
        path = work / "load-balancers.yaml"
        path.write_text(yaml.safe_dump(spec, sort_keys=False))
        result = compile_spec(str(path), str(work / "templates_out"), lint=True, write_lock=False)
        assert result.status == OK, "\n".join(str(d) for d in result.diagnostics)
        deploy(emulator, result.output, result.app.stack_name, work)
        root = read_stack(emulator, result.app.stack_name)
        assert root.status == "CREATE_COMPLETE", root.status
        yield emulator, result.app, root, owner
    finally:
        undo()


def _ids(root) -> dict[tuple[str, str], str]:
    return {(r["LogicalResourceId"], r["ResourceType"]): r["PhysicalResourceId"]
            for s in root.walk() for r in s.resources}


def test_each_alb_of_the_app_is_made_with_its_own_scheme_subnets_and_listeners(deployed):
    emulator, app, root, owner = deployed
    elbv2, ids = emulator.client("elbv2"), _ids(root)
    net = app.network.existing
    for lb in app.owned_load_balancers:
        arn = ids[(lb.key + "LoadBalancer", LB)]
        [found] = elbv2.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"]
        assert found["Scheme"] == ("internet-facing" if lb.public else "internal")
        subnets = net.public if lb.public else net.private
        assert sorted(z["SubnetId"] for z in found["AvailabilityZones"]) == sorted(r.id for r in subnets)
        assert found["DNSName"] == root.outputs[lb.key + "LoadBalancerDnsName"]
        listeners = {x["Port"]: x for x in elbv2.describe_listeners(LoadBalancerArn=arn)["Listeners"]}
        assert sorted(listeners) == sorted(lb.listener_ports)
        serving = listeners[443 if lb.https else 80]
        default = [s for s in app.routed_by(lb) if s.http.is_default]
        [action] = serving["DefaultActions"]
        assert action.get("TargetGroupArn") == (
            ids[(alb_routing_stack.target_group_id(default[0], lb), TG)] if default else None)
    # No load balancer of the app's beyond those: the existing one is the owner's only.
    arns = {x["LoadBalancerArn"] for x in elbv2.describe_load_balancers()["LoadBalancers"]}
    assert arns == {ids[(lb.key + "LoadBalancer", LB)] for lb in app.owned_load_balancers} | {owner["arn"]}


def test_rules_go_on_their_own_listener_and_the_existing_one_keeps_the_owners(deployed):
    emulator, app, root, owner = deployed
    elbv2, ids = emulator.client("elbv2"), _ids(root)
    for lb in app.load_balancers:
        if lb.existing is not None:
            listener = owner["listener"]
        else:
            listener = ids[(lb.key + ("HttpsListener" if lb.https else "HttpListener"),
                            "AWS::ElasticLoadBalancingV2::Listener")]
        rules = elbv2.describe_rules(ListenerArn=listener)["Rules"]
        found = {r["Actions"][0].get("TargetGroupArn"): int(r["Priority"]) for r in rules
                 if not r["IsDefault"] and r["Actions"][0]["Type"] == "forward"}
        expected = {ids[(alb_routing_stack.target_group_id(s, lb), TG)]: s.http.priority
                    for s in app.routed_by(lb) if not s.http.is_default}
        assert found == expected, lb.name
        if lb.existing is not None:
            first, last = lb.existing.priorities
            assert all(first <= p <= last for p in found.values())
            owners = [r for r in rules if r["Actions"][0]["Type"] == "fixed-response"]
            assert [(r["Priority"], r["IsDefault"]) for r in owners] == [("10", False), ("default", True)]
            [default] = [r for r in rules if r["IsDefault"]]
            assert default["Actions"][0]["FixedResponseConfig"]["MessageBody"] == "owner"


def test_target_groups_belong_to_their_services_alb(deployed):
    emulator, app, root, owner = deployed
    elbv2, ids = emulator.client("elbv2"), _ids(root)
    for svc in app.routed_services:
        lb = app.alb_of(svc)
        arn = ids[(alb_routing_stack.target_group_id(svc, lb), TG)]
        [tg] = elbv2.describe_target_groups(TargetGroupArns=[arn])["TargetGroups"]
        want = owner["arn"] if lb.existing else ids[(lb.key + "LoadBalancer", LB)]
        assert tg["LoadBalancerArns"] == [want], svc.name
        assert tg["VpcId"] == app.network.existing.id


def test_each_task_admits_only_its_own_albs_security_group(deployed):
    emulator, app, root, owner = deployed
    ec2, ids = emulator.client("ec2"), _ids(root)
    for svc in app.routed_services:
        lb = app.alb_of(svc)
        source = owner["group"] if lb.existing else ids[(lb.key + "AlbSecurityGroup", "AWS::EC2::SecurityGroup")]
        own = ids[(svc.key + tasks_stack.TASK_SECURITY_GROUP, "AWS::EC2::SecurityGroup")]
        [group] = ec2.describe_security_groups(GroupIds=[own])["SecurityGroups"]
        sources = {(p["FromPort"], pair["GroupId"]) for p in group["IpPermissions"] for pair in p["UserIdGroupPairs"]}
        assert sources == {(svc.http.target_port, source)}, svc.name
