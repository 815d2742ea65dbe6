"""`fargate-compile diff`: changes, replacements and hazards between two compiled apps.

Two kinds of input: real compiles of examples/complete.yaml before and after an edit
(the edits whose outcome does not depend on how the compiler names things), and small
hand-written template sets that pin one rule each (naming changes made elsewhere must not
move these).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from compiler import cli
from compiler.diff import compute, templates
from compiler.diff.report import render

ROOT = Path(__file__).resolve().parent.parent
COMPLETE = ROOT / "examples" / "complete.yaml"


def spec_side(tmp_path, text: str, name: str = "spec.yaml") -> templates.TemplateSet:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    side, found = templates.from_spec(str(path))
    assert side is not None, [d.format() for d in found]
    return side


def edited(old: str, new: str) -> str:
    text = COMPLETE.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new)


def modified(diff, file: str) -> dict:
    return {m["id"]: m for m in diff.as_json()["stacks"][file]["modified"]}


def hazards(diff) -> set[tuple[str, str]]:
    return {(h.kind, h.id) for h in diff.hazards}


# --- real compiles ---------------------------------------------------------------------------

def test_the_same_spec_has_no_changes_and_no_hazards(tmp_path):
    diff = compute(spec_side(tmp_path, COMPLETE.read_text()), spec_side(tmp_path, COMPLETE.read_text(), "b.yaml"))
    out = diff.as_json()
    assert out["hazards"] == []
    assert all(s == {"added": [], "removed": [], "modified": []} for s in out["stacks"].values())
    assert set(out["stacks"]) == {"root.json", "network.json", "endpoints.json", "alb.json", "services.json"}


def test_a_vpc_cidr_edit_replaces_the_vpc_with_a_hazard(tmp_path):
    old = spec_side(tmp_path, COMPLETE.read_text())
    new = spec_side(tmp_path, edited("cidr: 10.10.0.0/20", "cidr: 10.20.0.0/20").replace("[10.10.", "[10.20.")
                    .replace(", 10.10.", ", 10.20."), "b.yaml")
    diff = compute(old, new)
    network = modified(diff, "network.json")
    assert network["Vpc"]["replacement"] is True and network["Vpc"]["properties"] == ["CidrBlock"]
    # Replacement follows references across nested stacks: the target groups' VpcId reads
    # `!Ref VpcId` in both templates, yet it is a new VPC.
    alb = modified(diff, "alb.json")
    assert alb["BackendTargetGroup"]["replacement"] is True and alb["BackendTargetGroup"]["properties"] == ["VpcId"]
    assert alb["LoadBalancer"]["replacement"] is False  # it stays, and cannot move: the vpc-move hazard
    assert {("replacement", "Vpc"), ("vpc-move", "LoadBalancer")} <= hazards(diff)


def test_a_health_check_change_is_an_in_place_update_without_hazard(tmp_path):
    old = spec_side(tmp_path, COMPLETE.read_text())
    new = spec_side(tmp_path, edited("healthcheck: {path: /api/health}", "healthcheck: {path: /api/ready}"), "b.yaml")
    diff = compute(old, new)
    assert diff.hazards == []
    assert diff.as_json()["stacks"]["alb.json"]["modified"] == [
        {"id": "BackendTargetGroup", "type": "AWS::ElasticLoadBalancingV2::TargetGroup",
         "replacement": False, "properties": ["HealthCheckPath"]}]
    assert sum(len(s["modified"]) for s in diff.as_json()["stacks"].values()) == 1


def test_output_directories_in_json_and_yaml_are_the_same_stacks(tmp_path):
    """A nested stack is its logical ID in the root: services.json -> services.yaml is an update."""
    assert cli.main([str(COMPLETE), "--no-lint", "--no-cache", "--output-dir", str(tmp_path / "a")]) == 0
    assert cli.main([str(COMPLETE), "--no-lint", "--no-cache", "--format", "yaml",
                     "--output-dir", str(tmp_path / "b")]) == 0
    diff = compute(templates.from_directory(str(tmp_path / "a" / "shop-dev")),
                   templates.from_directory(str(tmp_path / "b" / "shop-dev")))
    assert diff.hazards == []
    stacks = diff.as_json()["stacks"]
    assert set(stacks) == {"root.yaml", "network.yaml", "endpoints.yaml", "alb.yaml", "services.yaml"}
    # Only the root's TemplateURLs change.
    assert {m["id"]: m["properties"] for m in stacks["root.yaml"]["modified"]} == {
        s: ["TemplateURL"] for s in ("AlbStack", "EndpointsStack", "NetworkStack", "ServicesStack")}
    assert all(not s["added"] and not s["removed"] and not s["modified"]
               for name, s in stacks.items() if name != "root.yaml")
    # A resource removed from services.json shows under services.yaml, with its type from the old file.
    old = json.loads((tmp_path / "a" / "shop-dev" / "services.json").read_text())
    old["Resources"]["Jobs"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
    (tmp_path / "a" / "shop-dev" / "services.json").write_text(json.dumps(old))
    diff = compute(templates.from_directory(str(tmp_path / "a" / "shop-dev")),
                   templates.from_directory(str(tmp_path / "b" / "shop-dev")))
    assert diff.as_json()["stacks"]["services.yaml"]["removed"] == ["Jobs"]
    text = render(diff, "text")
    assert "\nservices.yaml\n" in text and "-   Jobs" in text and "AWS::SQS::Queue" in text
    assert {(h.kind, h.stack, h.id) for h in diff.hazards} == {("data-deletion", "services.yaml", "Jobs")}


# --- hand-written template sets: one rule each ------------------------------------------------

def root_with(children: dict[str, dict], passed: dict[str, dict] | None = None) -> dict:
    resources = {}
    for file in children:
        stack = file.split(".")[0].replace("-", "").title() + "Stack"
        props = {"TemplateURL": f"./{file}"}
        if passed and file in passed:
            props["Parameters"] = passed[file]
        resources[stack] = {"Type": "AWS::CloudFormation::Stack", "Properties": props}
    return {"Resources": resources}


def side(children: dict[str, dict], passed=None, label="side") -> templates.TemplateSet:
    return templates.link(label, {"root.json": root_with(children, passed), **copy.deepcopy(children)})


def log_group(name: str, **attributes) -> dict:
    return {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": name}, **attributes}


def test_a_log_group_moving_to_another_nested_stack_clashes_with_itself_and_loses_its_logs():
    old = side({"services.json": {"Resources": {"WebLogGroup": log_group("/ecs/app/web")}},
                "services-2.json": {"Resources": {}}})
    new = side({"services.json": {"Resources": {}},
                "services-2.json": {"Resources": {"WebLogGroup": log_group("/ecs/app/web")}}})
    diff = compute(old, new)
    out = diff.as_json()
    assert out["stacks"]["services.json"]["removed"] == ["WebLogGroup"]
    assert out["stacks"]["services-2.json"]["added"] == ["WebLogGroup"]
    assert hazards(diff) == {("replacement", "WebLogGroup"), ("name-clash", "WebLogGroup"),
                             ("data-deletion", "WebLogGroup")}


def test_a_retained_log_group_keeps_its_name_after_removal():
    kept = log_group("/ecs/app/web", DeletionPolicy="Retain", UpdateReplacePolicy="Retain")
    old = side({"services.json": {"Resources": {"WebLogGroup": kept}}, "services-2.json": {"Resources": {}}})
    new = side({"services.json": {"Resources": {}}, "services-2.json": {"Resources": {"WebLogGroup": kept}}})
    diff = compute(old, new)
    assert hazards(diff) == {("replacement", "WebLogGroup"), ("name-clash", "WebLogGroup")}  # no data lost
    (clash,) = [h for h in diff.hazards if h.kind == "name-clash"]
    assert "retained" in clash.message and "services.json:WebLogGroup" in clash.message


def test_retained_log_group_removed_is_no_data_deletion():
    old = side({"services.json": {"Resources": {"WebLogGroup": log_group("/ecs/app/web", DeletionPolicy="Retain",
                                                                         UpdateReplacePolicy="Retain")}}})
    new = side({"services.json": {"Resources": {}}})
    diff = compute(old, new)
    assert diff.hazards == []
    assert diff.as_json()["stacks"]["services.json"]["removed"] == ["WebLogGroup"]


def test_a_custom_named_resource_cannot_be_replaced_under_the_same_name():
    queue = {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "jobs", "FifoQueue": False}}
    fifo = copy.deepcopy(queue)
    fifo["Properties"]["FifoQueue"] = True
    diff = compute(side({"s.json": {"Resources": {"Jobs": queue}}}), side({"s.json": {"Resources": {"Jobs": fifo}}}))
    assert modified(diff, "s.json")["Jobs"]["replacement"] is True
    assert hazards(diff) == {("replacement", "Jobs"), ("name-clash", "Jobs"), ("data-deletion", "Jobs")}


def rule(priority: int, group: str = "WebTargetGroup") -> dict:
    return {"Type": "AWS::ElasticLoadBalancingV2::ListenerRule",
            "Properties": {"ListenerArn": {"Ref": "Listener"}, "Priority": priority,
                           "Actions": [{"Type": "forward", "TargetGroupArn": {"Ref": group}}],
                           "Conditions": [{"Field": "path-pattern", "Values": ["/x"]}]}}


def alb(**resources) -> dict:
    base = {"Listener": {"Type": "AWS::ElasticLoadBalancingV2::Listener",
                         "Properties": {"LoadBalancerArn": "arn:lb", "Port": 80, "Protocol": "HTTP",
                                        "DefaultActions": [{"Type": "fixed-response"}]}},
            "WebTargetGroup": {"Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
                               "Properties": {"Port": 80, "Protocol": "HTTP", "VpcId": "vpc-1", "TargetType": "ip"}}}
    return {"Resources": {**base, **resources}}


def test_a_new_rule_taking_a_priority_another_rule_leaves_is_a_race():
    old = side({"alb.json": alb(WebRule=rule(100))})
    new = side({"alb.json": alb(WebRule=rule(110), ApiRule=rule(100))})
    diff = compute(old, new)
    assert modified(diff, "alb.json")["WebRule"] == {"id": "WebRule", "type": "AWS::ElasticLoadBalancingV2::ListenerRule",
                                                    "replacement": False, "properties": ["Priority"]}
    assert hazards(diff) == {("priority-in-use", "ApiRule")}


def test_a_new_rule_on_a_free_priority_is_no_hazard_and_a_priority_on_a_new_listener_is_free():
    diff = compute(side({"alb.json": alb(WebRule=rule(100))}),
                   side({"alb.json": alb(WebRule=rule(100), ApiRule=rule(90))}))
    assert diff.hazards == []
    replaced_listener = alb(WebRule=rule(100))
    replaced_listener["Resources"]["Listener"]["Properties"]["LoadBalancerArn"] = "arn:other-lb"
    replaced_listener["Resources"]["NewRule"] = rule(100)
    del replaced_listener["Resources"]["WebRule"]
    diff = compute(side({"alb.json": alb(WebRule=rule(100))}), side({"alb.json": replaced_listener}))
    assert ("priority-in-use", "NewRule") not in hazards(diff)  # priority 100 on the new listener
    assert ("replacement", "Listener") in hazards(diff)


def test_a_replaced_target_group_leaves_its_rule_without_targets():
    new = alb(WebRule=rule(100))
    new["Resources"]["WebTargetGroup"]["Properties"]["Port"] = 8080
    diff = compute(side({"alb.json": alb(WebRule=rule(100))}), side({"alb.json": new}))
    assert modified(diff, "alb.json")["WebTargetGroup"]["replacement"] is True
    # The rule's text is unchanged; its target group's ARN is not.
    assert modified(diff, "alb.json")["WebRule"]["properties"] == ["Actions[0].TargetGroupArn"]
    assert hazards(diff) == {("replacement", "WebTargetGroup"), ("traffic-gap", "WebRule")}


def service(**props) -> dict:
    return {"Type": "AWS::ECS::Service",
            "Properties": {"Cluster": "c", "TaskDefinition": "td:1", "LaunchType": "FARGATE", **props}}


def scaled(resources: dict) -> dict:
    return {"Resources": {**resources, "Target": {
        "Type": "AWS::ApplicationAutoScaling::ScalableTarget",
        "Properties": {"ServiceNamespace": "ecs", "ScalableDimension": "ecs:service:DesiredCount",
                       "MinCapacity": 1, "MaxCapacity": 4,
                       "ResourceId": {"Fn::Sub": ["service/c/${Name}", {"Name": {"Fn::GetAtt": ["Web", "Name"]}}]}}}}}


def test_updating_an_autoscaled_service_that_sets_desired_count_resets_the_count():
    old = side({"s.json": scaled({"Web": service(DesiredCount=1)})})
    new = side({"s.json": scaled({"Web": service(DesiredCount=1, TaskDefinition="td:2")})})
    assert hazards(compute(old, new)) == {("count-reset", "Web")}
    # Without DesiredCount in the template, CloudFormation leaves the running count alone.
    old = side({"s.json": scaled({"Web": service()})})
    new = side({"s.json": scaled({"Web": service(TaskDefinition="td:2")})})
    assert compute(old, new).hazards == []
    # Not autoscaled: the count in the template is the count wanted.
    old = side({"s.json": {"Resources": {"Web": service(DesiredCount=1)}}})
    new = side({"s.json": {"Resources": {"Web": service(DesiredCount=1, TaskDefinition="td:2")}}})
    assert compute(old, new).hazards == []


def group(*ingress) -> dict:
    return {"Type": "AWS::EC2::SecurityGroup",
            "Properties": {"GroupDescription": "tasks", "VpcId": "vpc-1", "SecurityGroupIngress": list(ingress)}}


def sg_rule(port: int, **more) -> dict:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "SourceSecurityGroupId": "sg-alb",
            "Description": f"From the load balancer to web:{port}", **more}


def balanced(port: int) -> dict:
    return service(TaskDefinition=f"td:{port}", LoadBalancers=[{"ContainerName": "web", "ContainerPort": port,
                                                                "TargetGroupArn": "tg"}])


def test_an_inline_rule_revoked_under_tasks_still_listening_on_its_port_is_a_rule_gap():
    old = side({"s.json": {"Resources": {"Sg": group(sg_rule(5000)), "Web": balanced(5000)}}})
    new = side({"s.json": {"Resources": {"Sg": group(sg_rule(5001)), "Web": balanced(5001)}}})
    diff = compute(old, new)
    assert hazards(diff) == {("rule-gap", "Sg")}
    assert "still listen on port 5000" in diff.hazards[0].message
    # A CIDR rule on the same number (a listener's port on the ALB's group) is no such rule.
    listener = {"IpProtocol": "tcp", "FromPort": 5000, "ToPort": 5000, "CidrIp": "10.0.0.0/8"}
    old = side({"s.json": {"Resources": {"Sg": group(listener), "Web": balanced(5000)}}})
    new = side({"s.json": {"Resources": {"Sg": group(), "Web": balanced(5001)}}})
    assert compute(old, new).hazards == []
    # A rule resource of its own is replaced instead: created first, the old one deleted at cleanup.
    standalone = {"Type": "AWS::EC2::SecurityGroupIngress",
                  "Properties": {"GroupId": {"Fn::GetAtt": ["Sg", "GroupId"]}, **sg_rule(5000)}}
    old = side({"s.json": {"Resources": {"Sg": group(), "Web": balanced(5000), "In": standalone}}})
    moved = copy.deepcopy(standalone)
    moved["Properties"].update(FromPort=5001, ToPort=5001)
    new = side({"s.json": {"Resources": {"Sg": group(), "Web": balanced(5001), "In": moved}}})
    diff = compute(old, new)
    assert modified(diff, "s.json")["In"]["replacement"] is True and diff.hazards == []


def test_an_inline_rule_moving_to_a_rule_resource_is_a_short_rule_gap():
    standalone = {"Type": "AWS::EC2::SecurityGroupIngress",
                  "Properties": {"GroupId": {"Fn::GetAtt": ["Sg", "GroupId"]}, **sg_rule(5000, Description="moved")}}
    old = side({"s.json": {"Resources": {"Sg": group(sg_rule(5000)), "Web": balanced(5000)}}})
    new = side({"s.json": {"Resources": {"Sg": group(), "Web": balanced(5000), "In": standalone}}})
    diff = compute(old, new)
    assert hazards(diff) == {("rule-gap", "Sg")}
    assert "moves to the new resource In" in diff.hazards[0].message
    # A rule resource on another group, or admitting something else, is no such move.
    other = copy.deepcopy(standalone)
    other["Properties"]["FromPort"] = other["Properties"]["ToPort"] = 6000
    new = side({"s.json": {"Resources": {"Sg": group(), "Web": balanced(5000), "In": other}}})
    assert compute(old, new).hazards == []


def test_a_conditionally_create_only_property_is_not_a_certain_replacement():
    old = side({"s.json": {"Resources": {"Web": service()}}})
    props = service()["Properties"]
    del props["LaunchType"]
    props["CapacityProviderStrategy"] = [{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]
    diff = compute(old, side({"s.json": {"Resources": {"Web": {"Type": "AWS::ECS::Service", "Properties": props}}}}))
    (change,) = diff.changes.stacks["s.json"].modified
    assert change.replacement is False and change.may_replace == ("LaunchType",)
    assert "may be replaced" in render(diff, "text")


def endpoint(**dns) -> dict:
    return {"Type": "AWS::EC2::VPCEndpoint",
            "Properties": {"VpcId": "vpc-1", "ServiceName": "com.amazonaws.us-east-1.s3",
                           "VpcEndpointType": "Interface", "DnsOptions": dns}}


def test_nested_create_only_paths():
    """VPCEndpoint: DnsOptions/PrivateDnsPreference is create-only, DnsOptions/DnsRecordIpType is not."""
    old = side({"e.json": {"Resources": {"E": endpoint(DnsRecordIpType="ipv4")}}})
    in_place = side({"e.json": {"Resources": {"E": endpoint(DnsRecordIpType="dualstack")}}})
    replacing = side({"e.json": {"Resources": {"E": endpoint(DnsRecordIpType="ipv4",
                                                             PrivateDnsPreference="ALL_DOMAINS")}}})
    assert modified(compute(old, in_place), "e.json")["E"]["replacement"] is False
    assert modified(compute(old, replacing), "e.json")["E"] == {
        "id": "E", "type": "AWS::EC2::VPCEndpoint", "replacement": True,
        "properties": ["DnsOptions.PrivateDnsPreference"]}


def test_replacement_follows_outputs_and_parameters_across_nested_stacks():
    def network(cidr):
        return {"Resources": {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": cidr}}},
                "Outputs": {"VpcId": {"Value": {"Ref": "Vpc"}}}}
    services = {"Parameters": {"VpcId": {"Type": "String"}},
                "Resources": {"Sg": {"Type": "AWS::EC2::SecurityGroup",
                                     "Properties": {"GroupDescription": "tasks", "VpcId": {"Ref": "VpcId"}}}}}
    passed = {"services.json": {"VpcId": {"Fn::GetAtt": ["NetworkStack", "Outputs.VpcId"]}}}
    old = side({"network.json": network("10.0.0.0/16"), "services.json": services}, passed)
    same = side({"network.json": network("10.0.0.0/16"), "services.json": services}, passed)
    new = side({"network.json": network("10.1.0.0/16"), "services.json": services}, passed)
    assert compute(old, same).hazards == []
    diff = compute(old, new)
    sg = diff.changes.stacks["services.json"].modified[0]
    assert (sg.id, sg.replacement, sg.properties, sg.follows) == ("Sg", True, ("VpcId",), (("NetworkStack", "Vpc"),))


# --- the command -----------------------------------------------------------------------------

def test_command_exit_codes_and_json_shape(tmp_path, capsys):
    hc = tmp_path / "hc.yaml"
    hc.write_text(edited("healthcheck: {path: /api/health}", "healthcheck: {path: /api/ready}"))
    cidr = tmp_path / "cidr.yaml"
    cidr.write_text(edited("cidr: 10.10.0.0/20", "cidr: 10.10.0.0/19"))
    assert cli.main(["diff", str(COMPLETE), str(hc)]) == 0
    out = capsys.readouterr().out
    assert "~   BackendTargetGroup  AWS::ElasticLoadBalancingV2::TargetGroup  HealthCheckPath" in out
    assert out.rstrip().endswith("no hazards")
    assert cli.main(["diff", str(COMPLETE), str(cidr), "--format", "json"]) == 4
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"stacks", "hazards"}
    assert all(set(h) == {"kind", "stack", "id", "message"} for h in report["hazards"])
    vpc = next(m for m in report["stacks"]["network.json"]["modified"] if m["id"] == "Vpc")
    assert set(vpc) == {"id", "type", "replacement", "properties"} and vpc["replacement"] is True


def test_command_refuses_bad_sides(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("app: shop\nservices: {}\n")
    assert cli.main(["diff", str(COMPLETE), str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:" in err and "nothing was compared" in err
    assert cli.main(["diff", str(tmp_path / "missing.yaml"), str(COMPLETE)]) == 2
    (tmp_path / "empty").mkdir()
    assert cli.main(["diff", str(tmp_path / "empty"), str(COMPLETE)]) == 2
    assert "no templates" in capsys.readouterr().err
