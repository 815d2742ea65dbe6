"""NLB updates, deployed: an app with a shared NLB and a service's own NLB, then two edits as
stack updates (change sets): change NLB ports (in place: the listener, its target group, the
NLB and the ECS service stay, the security group rules follow the port), then move a service
from its own NLB to the shared one (a new listener and target group there, the old NLB gone)."""

from __future__ import annotations

import copy

import pytest

from compiler.stacks import nlb as nlb_stack
from compiler.stacks import services as services_stack
from test_updates_e2e import App

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
SPEC = {
    "app": "nlbupd",
    "network": {"nat": "single"},
    "network_load_balancers": {"edge": {}},
    "services": {
        "game": {"image": f"{ECR}/game:1", "port": 7777,
                 "nlb": {"load_balancer": "edge", "protocol": "udp", "healthcheck": {"port": 8080}}},
        "chat": {"image": f"{ECR}/chat:1", "port": 5222, "nlb": {"load_balancer": "edge", "port": 5222}},
        "admin": {"image": f"{ECR}/admin:1", "port": 9000, "nlb": {"port": 9443}},
    },
}


LISTENER, TG = "AWS::ElasticLoadBalancingV2::Listener", "AWS::ElasticLoadBalancingV2::TargetGroup"
LB, SG, ECS = "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::EC2::SecurityGroup", "AWS::ECS::Service"


def _read(app: App, root) -> dict:
    """Physical IDs, and what ELB, EC2 and ECS say now of the listeners, groups and services."""
    ids = {(r["LogicalResourceId"], r["ResourceType"]): r["PhysicalResourceId"] for s in root.walk()
           for r in s.resources}
    elbv2, ec2, ecs = (app.emulator.client(n) for n in ("elbv2", "ec2", "ecs"))
    listeners = {}
    for (logical, kind), arn in ids.items():
        if kind == LISTENER:
            [found] = elbv2.describe_listeners(ListenerArns=[arn])["Listeners"]
            listeners[logical] = (found["LoadBalancerArn"], found["Port"], found["Protocol"],
                                  found["DefaultActions"][0]["TargetGroupArn"])
    inbound = {}
    for (logical, kind), group in ids.items():
        if kind == SG and (logical.endswith("NlbSecurityGroup") or logical == "NlbEdgeSecurityGroup"):
            [found] = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"]
            inbound[logical] = {(p["IpProtocol"], p["FromPort"]) for p in found["IpPermissions"]}
    services = {}
    cluster = root.outputs["ClusterName"]
    for (logical, kind), arn in ids.items():
        if kind == ECS:
            [found] = ecs.describe_services(cluster=cluster, services=[arn])["services"]
            services[logical] = [lb["targetGroupArn"] for lb in found["loadBalancers"]]
    balancers = [lb["LoadBalancerArn"] for lb in elbv2.describe_load_balancers()["LoadBalancers"]]
    return {"ids": ids, "listeners": listeners, "inbound": inbound, "services": services,
            "balancers": balancers}


@pytest.fixture(scope="module")
def history(emulator, tmp_path_factory):
    emulator.reset()
    app = App(emulator, tmp_path_factory.mktemp("nlb-updates"))
    steps = []
    spec = copy.deepcopy(SPEC)
    steps.append(_read(app, app.deploy(spec)[1]))
    spec = copy.deepcopy(spec)
    spec["services"]["chat"]["nlb"]["port"] = 5223
    spec["services"]["admin"]["nlb"]["port"] = 9444
    steps.append(_read(app, app.deploy(spec)[1]))
    spec = copy.deepcopy(spec)
    spec["services"]["admin"]["nlb"]["load_balancer"] = "edge"
    steps.append(_read(app, app.deploy(spec)[1]))
    return steps


def test_a_port_change_updates_the_listener_in_place_and_the_service_keeps_serving(history):
    before, after = history[0], history[1]
    ids = after["ids"]
    # Everything of the edited services stays: the listeners (modified), target groups, NLBs, ECS services.
    for key in [("ChatNlbEdgeListener", LISTENER), ("ChatNlbEdgeTargetGroup", TG), ("NlbEdge", LB),
                ("AdminNlbListener", LISTENER), ("AdminNlbTargetGroup", TG), ("AdminNlb", LB),
                ("Chat" + services_stack.ECS_SERVICE, ECS), ("Admin" + services_stack.ECS_SERVICE, ECS)]:
        assert ids[key] == before["ids"][key], key
    listeners = after["listeners"]
    assert listeners["ChatNlbEdgeListener"] == (ids[("NlbEdge", LB)], 5223, "TCP", ids[("ChatNlbEdgeTargetGroup", TG)])
    assert listeners["AdminNlbListener"] == (ids[("AdminNlb", LB)], 9444, "TCP", ids[("AdminNlbTargetGroup", TG)])
    # The other service on the shared NLB is untouched.
    assert listeners["GameNlbEdgeListener"] == before["listeners"]["GameNlbEdgeListener"]
    assert listeners["GameNlbEdgeListener"][1:3] == (7777, "UDP")
    # The NLBs' groups admit the new ports only; the ECS services still name their target groups.
    assert after["inbound"]["NlbEdgeSecurityGroup"] == {("udp", 7777), ("tcp", 5223)}
    assert after["inbound"]["AdminNlbSecurityGroup"] == {("tcp", 9444)}
    assert after["services"]["Chat" + services_stack.ECS_SERVICE] == [ids[("ChatNlbEdgeTargetGroup", TG)]]
    assert after["services"]["Admin" + services_stack.ECS_SERVICE] == [ids[("AdminNlbTargetGroup", TG)]]


def test_moving_a_service_to_the_shared_nlb_gives_it_a_listener_there_and_removes_its_own(history):
    before, after = history[1], history[2]
    ids = after["ids"]
    assert ("AdminNlb", LB) not in ids and ("AdminNlbListener", LISTENER) not in ids
    tg = ids[("AdminNlbEdgeTargetGroup", TG)]
    assert after["listeners"]["AdminNlbEdgeListener"] == (ids[("NlbEdge", LB)], 9444, "TCP", tg)
    assert tg != before["ids"][("AdminNlbTargetGroup", TG)]
    assert after["services"]["Admin" + services_stack.ECS_SERVICE] == [tg]
    assert after["balancers"] == [ids[("NlbEdge", LB)]]
    assert after["inbound"]["NlbEdgeSecurityGroup"] == {("udp", 7777), ("tcp", 5223), ("tcp", 9444)}
    # The shared NLB, its other listeners and the service stay.
    for key in [("NlbEdge", LB), ("GameNlbEdgeListener", LISTENER), ("ChatNlbEdgeListener", LISTENER),
                ("Admin" + services_stack.ECS_SERVICE, ECS)]:
        assert ids[key] == before["ids"][key], key
    assert nlb_stack.shared_prefix("edge") == "NlbEdge"
