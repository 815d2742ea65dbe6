"""Updates, deployed: one app, then four edits as stack updates (change sets), the way a
user works — the same spec path and output directory, the lock file beside the spec,
`aws cloudformation package` + `deploy` of the existing stack each time.

After each update every other service's physical resources are read back and must be
the very same: ECS service ARN, target group ARN, listener rule ARN and priority, log
group (name and the events written into it). A removed or renamed service's log group
must still exist, with its events (DeletionPolicy Retain).
"""

from __future__ import annotations

import copy
import time

import pytest
import yaml

from compiler.pipeline import OK, compile_spec
from compiler.stacks import alb_routing as alb_routing_stack
from compiler.stacks import services as services_stack
from compiler.stacks import tasks as tasks_stack
from compiler.stacks.services_network import LOAD_BALANCER_INGRESS, SERVICES_INGRESS
from deployed import deploy, read_stack

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
SPEC = {
    "app": "upd",
    "network": {"nat": "single", "flow_logs": {"retention_days": 7}},
    "load_balancer": {"public": True},
    "services": {
        "front": {"image": f"{ECR}/front:1", "port": 3000, "http": {"path": "/"}, "connect": True},
        "api": {"image": f"{ECR}/api:1", "port": 5000, "http": {"path": "/api/*"}, "connect": True},
        "search": {"image": f"{ECR}/search:1", "port": 7000, "http": {"path": "/api/search/*"},
                   "count": {"range": "1-3", "cpu_percentage": 60}},
        "quotes": {"image": f"{ECR}/quotes:1", "port": 8080, "discovery": True},
    },
}


class App:
    """The deployed app: compile the spec at one path, deploy it, read it back."""

    def __init__(self, emulator, work):
        self.emulator = emulator
        self.work = work
        self.spec_path = work / "upd.yaml"
        self.out = work / "templates_out"
        self.deploys = 0

    def deploy(self, spec: dict):
        self.spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
        result = compile_spec(str(self.spec_path), str(self.out), lint=True)
        assert result.status == OK, "\n".join(str(d) for d in result.diagnostics)
        self.deploys += 1
        where = self.work / f"deploy-{self.deploys}"
        where.mkdir()
        deploy(self.emulator, result.output, result.app.stack_name, where)
        root = read_stack(self.emulator, result.app.stack_name)
        assert root.status in ("CREATE_COMPLETE", "UPDATE_COMPLETE"), root.status
        return result.app, root

    def state(self, app, root) -> dict[str, dict]:
        """Per service: the physical resources another service's update must not touch."""
        found = {}
        ids = {(r["LogicalResourceId"], r["ResourceType"]): r["PhysicalResourceId"]
               for s in root.walk() for r in s.resources}
        elbv2 = self.emulator.client("elbv2")
        for svc in app.services:
            entry = {
                "service": ids[(svc.key + services_stack.ECS_SERVICE, "AWS::ECS::Service")],
                "log_group": ids[(svc.key + tasks_stack.LOG_GROUP, "AWS::Logs::LogGroup")],
                "task_group": ids[(svc.key + tasks_stack.TASK_SECURITY_GROUP, "AWS::EC2::SecurityGroup")],
                # the port rules, resources of their own: their physical IDs are the rules'
                "ingress": {suffix: ids[(svc.key + suffix, "AWS::EC2::SecurityGroupIngress")]
                            for suffix in (LOAD_BALANCER_INGRESS, SERVICES_INGRESS)
                            if (svc.key + suffix, "AWS::EC2::SecurityGroupIngress") in ids},
            }
            if svc.http:
                tg = ids[(alb_routing_stack.target_group_id(svc), "AWS::ElasticLoadBalancingV2::TargetGroup")]
                entry["target_group"] = tg
                if not svc.http.is_default:
                    rule = ids[(alb_routing_stack.listener_rule_id(svc), "AWS::ElasticLoadBalancingV2::ListenerRule")]
                    [described] = elbv2.describe_rules(RuleArns=[rule])["Rules"]
                    entry["rule"] = (rule, described["Priority"])
            found[svc.name] = entry
        return found

    def write_logs(self, group: str, text: str) -> None:
        logs = self.emulator.client("logs")
        logs.create_log_stream(logGroupName=group, logStreamName=text)
        logs.put_log_events(logGroupName=group, logStreamName=text,
                            logEvents=[{"timestamp": int(time.time() * 1000), "message": text}])

    def read_logs(self, group: str) -> set[str]:
        events = self.emulator.client("logs").filter_log_events(logGroupName=group)["events"]
        return {e["message"] for e in events}


@pytest.fixture(scope="module")
def history(emulator, tmp_path_factory):
    """Deploy, then add, remove, rename, change a port: the state after each step."""
    emulator.reset()
    app = App(emulator, tmp_path_factory.mktemp("updates"))
    steps = []
    app.written = []

    def step(name, spec):
        model, root = app.deploy(spec)
        state = app.state(model, root)
        for svc, entry in state.items():
            app.write_logs(entry["log_group"], f"{name}:{svc}")
            app.written.append((entry["log_group"], f"{name}:{svc}"))
        steps.append((name, spec, state))

    spec = copy.deepcopy(SPEC)
    step("create", spec)
    spec = copy.deepcopy(spec)
    spec["services"] = {"admin": {"image": f"{ECR}/admin:1", "port": 9000, "http": {"path": "/api/admin/*"}},
                        **spec["services"]}
    step("add", spec)
    spec = copy.deepcopy(spec)
    del spec["services"]["front"]
    step("remove", spec)
    spec = copy.deepcopy(spec)
    spec["services"] = {("finder" if k == "search" else k): v for k, v in spec["services"].items()}
    step("rename", spec)
    spec = copy.deepcopy(spec)
    spec["services"]["api"]["port"] = 5001
    step("port", spec)
    return app, steps


def _pairs(steps):
    return list(zip(steps, steps[1:]))


@pytest.mark.parametrize("index", range(4), ids=["add", "remove", "rename", "port"])
def test_other_services_keep_their_physical_resources(history, index):
    _app, steps = history
    (_, _, before), (name, _, after) = _pairs(steps)[index]
    kept = set(before) & set(after)
    assert kept, name
    for svc in sorted(kept):
        if name == "port" and svc == "api":
            # the edited service: its target group, rule, log group and task security group stay
            # (port is not create-only for them); the ECS service too (an update, not a
            # replacement); its port rules are replaced (the port is create-only on them)
            assert {k: v for k, v in after[svc].items() if k != "ingress"} == {
                k: v for k, v in before[svc].items() if k != "ingress"}, svc
            assert set(after[svc]["ingress"]) == set(before[svc]["ingress"]) == {
                LOAD_BALANCER_INGRESS, SERVICES_INGRESS}
            assert not set(after[svc]["ingress"].values()) & set(before[svc]["ingress"].values())
            continue
        assert after[svc] == before[svc], f"{name}: {svc} changed"


def test_the_edits_did_what_they_say(history):
    _app, steps = history
    names = [set(state) for _, _, state in steps]
    assert names[1] - names[0] == {"admin"}
    assert names[1] - names[2] == {"front"}
    assert names[3] ^ names[2] == {"search", "finder"}
    assert names[4] == names[3]


def test_logs_survive_every_update(history):
    app, steps = history
    for group, message in app.written:
        # still there after every later update, including the groups of services that went
        assert message in app.read_logs(group), (group, message)
    final = steps[-1][2]
    gone = {svc for _, _, state in steps for svc in state if svc not in final}
    assert gone == {"front", "search"}


def test_a_port_change_moves_the_rules_to_the_new_port(history):
    """After the update the edited service's task group admits only the new port (from the
    ALB and from the other services) and the ALB reaches only the ports in use. The old
    rules were resources of their own, replaced or removed: on AWS they are deleted in the
    cleanup phase, after the rolling deployment (moto has no cleanup phase: they are gone
    already); tests/test_updates.py checks the order from the templates."""
    app, steps = history
    (_, _, before), (_, spec, after) = _pairs(steps)[3]
    ec2 = app.emulator.client("ec2")
    [group] = ec2.describe_security_groups(GroupIds=[after["api"]["task_group"]])["SecurityGroups"]
    ports = {(p["FromPort"], p["ToPort"]) for p in group["IpPermissions"]}
    assert ports == {(5001, 5001)}
    sources = {pair["GroupId"] for p in group["IpPermissions"] for pair in p["UserIdGroupPairs"]}
    assert len(sources) == 2                      # the ALB's group and the one every task wears
    elbv2 = app.emulator.client("elbv2")
    [lb] = elbv2.describe_load_balancers()["LoadBalancers"]
    [alb_group] = ec2.describe_security_groups(GroupIds=lb["SecurityGroups"])["SecurityGroups"]
    egress = {p.get("FromPort") for p in alb_group["IpPermissionsEgress"] if p["IpProtocol"] == "tcp"}
    assert egress == {s["port"] for s in spec["services"].values() if "http" in s}
    assert 5000 not in egress and 5001 in egress
