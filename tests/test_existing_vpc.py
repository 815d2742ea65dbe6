"""network.vpc.id: an existing VPC is used, never made; FC260 and the FC210 warning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from compiler import pipeline
from compiler.stacks.network import TASKS_SECURITY_GROUP

ROOT = Path(__file__).resolve().parent.parent
ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
VPC_TYPES = {"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::InternetGateway", "AWS::EC2::NatGateway",
             "AWS::EC2::EIP", "AWS::EC2::RouteTable", "AWS::EC2::Route", "AWS::EC2::FlowLog",
             "AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::VPCGatewayAttachment"}


def spec(**network) -> dict:
    vpc = {"id": "vpc-0123456789abcdef0",
           "subnets": {"public": ["subnet-0000000000000000a", "subnet-0000000000000000b"],
                       "private": [{"id": "subnet-0000000000000000c", "zone": "us-east-1a"},
                                   {"id": "subnet-0000000000000000d", "zone": "us-east-1b"}]}}
    vpc.update(network.pop("vpc", {}))
    return {"app": "shop", "network": {"vpc": vpc, "endpoints": ["ecr.api", "ecr.dkr", "logs", "s3"],
                                       **network},
            "load_balancer": {"public": False},
            "services": {"api": {"image": f"{ECR}/api:1", "port": 8080, "http": {"path": "/"}}}}


def compiled(tmp_path, data: dict):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = pipeline.compile_spec(str(path), str(tmp_path / "out"), lint=False)
    return result, {name: json.loads(text) for name, text in result.files.items()}


def test_nothing_of_the_vpc_is_made_and_ids_are_wired(tmp_path):
    data = spec(vpc={"cidr": "10.8.0.0/16", "route_tables": ["rtb-0123456789abcdef0"]})
    result, files = compiled(tmp_path, data)
    assert result.status == pipeline.OK, [d.format() for d in result.diagnostics]
    types = {r["Type"] for t in files.values() for r in t["Resources"].values()}
    assert types & VPC_TYPES == set()
    network = files["network.json"]
    assert list(network["Resources"]) == [TASKS_SECURITY_GROUP]
    outputs = {k: v["Value"] for k, v in network["Outputs"].items()}
    assert outputs["VpcId"] == "vpc-0123456789abcdef0" and outputs["VpcCidr"] == "10.8.0.0/16"
    assert outputs["PrivateSubnetIds"] == "subnet-0000000000000000c,subnet-0000000000000000d"
    assert outputs["PrivateRouteTableIds"] == "rtb-0123456789abcdef0"
    alb = files["alb.json"]["Resources"]["AlbSecurityGroup"]["Properties"]
    assert [r["CidrIp"] for r in alb["SecurityGroupIngress"]] == ["10.8.0.0/16"]   # internal: the given cidr
    [egress] = [r["Properties"] for r in files["alb.json"]["Resources"].values()
                if r["Type"] == "AWS::EC2::SecurityGroupEgress"]
    assert egress["DestinationSecurityGroupId"] == {"Ref": "TasksSecurityGroupId"}
    task_sg = files["services.json"]["Resources"]["ApiTaskSecurityGroup"]["Properties"]
    assert task_sg["SecurityGroupEgress"][1]["CidrIp"] == {"Ref": "VpcCidr"}      # cidr known: the VPC
    service = files["services.json"]["Resources"]["ApiEcsService"]["Properties"]
    groups = service["NetworkConfiguration"]["AwsvpcConfiguration"]["SecurityGroups"]
    assert {"Ref": "TasksSecurityGroupId"} in groups
    endpoints = files["endpoints.json"]["Resources"]["EndpointsSecurityGroup"]["Properties"]
    assert endpoints["SecurityGroupIngress"][0]["SourceSecurityGroupId"] == {"Ref": "TasksSecurityGroupId"}


def test_unknown_cidr_names_the_tasks_group(tmp_path):
    data = spec(vpc={"route_tables": ["rtb-0123456789abcdef0"]})
    data["load_balancer"] = {"public": False, "allowed_cidrs": ["10.0.0.0/8"]}
    result, files = compiled(tmp_path, data)
    assert result.status == pipeline.OK, [d.format() for d in result.diagnostics]
    assert "VpcCidr" not in files["network.json"]["Outputs"]
    task_sg = files["services.json"]["Resources"]["ApiTaskSecurityGroup"]["Properties"]
    assert task_sg["SecurityGroupEgress"][1]["DestinationSecurityGroupId"] == {"Ref": "TasksSecurityGroupId"}


def findings(tmp_path, data) -> set[tuple[str, str, str]]:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    _, found = pipeline.validate(str(path))
    return {(d.code, d.severity, d.path) for d in found}


def _with(data, *edits):
    for path, value in edits:
        node = data
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
    return data


V = ("network", "vpc")


@pytest.mark.parametrize("edits, expected", [
    ([((*V, "route_tables"), ["rtb-0123456789abcdef0"]), (("network", "nat"), "single")],
     ("FC260", "error", "network.nat")),
    ([((*V, "route_tables"), ["rtb-0123456789abcdef0"]), (("network", "flow_logs"), True)],
     ("FC260", "error", "network.flow_logs")),
    ([((*V, "route_tables"), ["rtb-0123456789abcdef0"]), ((*V, "azs"), 2)], ("FC260", "error", "network.vpc.azs")),
    ([((*V, "route_tables"), ["rtb-0123456789abcdef0"]), ((*V, "subnets", "public", 0), "10.0.0.0/24")],
     ("FC260", "error", "network.vpc.subnets.public[0]")),
    ([], ("FC260", "error", "network.endpoints")),                       # s3 without route tables
    ([((*V, "route_tables"), ["rtb-0123456789abcdef0"]),
      ((*V, "subnets", "private", 1, "zone"), "us-east-1a")],           # internal ALB in one zone
     ("FC260", "error", "network.vpc.subnets.private[1]")),
    ([((*V, "route_tables"), ["rtb-0123456789abcdef0"]), (("load_balancer", "public"), True)],
     ("FC260", "warning", "network.vpc.subnets.public")),               # zones not given
    ([((*V, "route_tables"), ["rtb-0123456789abcdef0"]), ((*V, "subnets"), {"public": ["subnet-0000000000000000a"]})],
     ("FC260", "error", "network.vpc.subnets")),                         # no private subnets
    ([((*V, "route_tables"), ["rtb-0123456789abcdef0"]), (("network", "endpoints"), ["s3"])],
     ("FC210", "warning", "network.endpoints")),                         # egress unseen: a warning
])
def test_existing_vpc_rules(tmp_path, edits, expected):
    data = _with(spec(vpc={"cidr": "10.8.0.0/16"}), *edits)
    assert expected in findings(tmp_path, data)


def test_subnet_ids_need_a_vpc_id(tmp_path):
    data = spec()
    del data["network"]["vpc"]["id"]
    assert ("FC260", "error", "network.vpc.subnets.public[0]") in findings(tmp_path, data)


def test_internal_alb_in_a_vpc_of_unknown_cidr_needs_allowed_cidrs(tmp_path):
    data = spec(vpc={"route_tables": ["rtb-0123456789abcdef0"]})
    assert ("FC260", "error", "load_balancer") in findings(tmp_path, data)
