import json

import cfnlint.api
import pytest

from compiler.spec.normalize import normalize
from compiler.stacks import network


def build(**net):
    spec = {"app": "shop", "network": net, "services": {"web": {"image": "x", "port": 80}}}
    return network.build(normalize(spec)).to_dict()


def of_type(tpl, type_):
    return {k: r for k, r in tpl["Resources"].items() if r["Type"] == type_}


def subnets(tpl, kind):
    found = of_type(tpl, "AWS::EC2::Subnet")
    return [found[k]["Properties"] for k in sorted(found) if k.startswith(kind)]


def tag(resource, key):
    return {t["Key"]: t["Value"] for t in resource["Properties"]["Tags"]}.get(key)


def routes_to(tpl, target_key):
    return {
        r["Properties"]["RouteTableId"]["Ref"]: r["Properties"][target_key]["Ref"]
        for r in of_type(tpl, "AWS::EC2::Route").values()
        if target_key in r["Properties"]
    }


def lint(tpl):
    return cfnlint.api.lint(
        json.dumps(tpl),
        config=cfnlint.api.ManualArgs(regions=["us-east-1"], ignore_checks=["W3002"]),
    )


def test_vpc_literal_cidr_and_dns():
    vpc = build(vpc={"cidr": "10.10.0.0/20"})["Resources"]["Vpc"]["Properties"]
    assert vpc["CidrBlock"] == "10.10.0.0/20"
    assert vpc["EnableDnsSupport"] is True and vpc["EnableDnsHostnames"] is True
    assert tag({"Properties": vpc}, "Name") == "shop-dev"


@pytest.mark.parametrize("azs", [2, 3])
def test_implicit_zones_use_getazs(azs):
    tpl = build(vpc={"azs": azs})
    for kind in ("Public", "Private"):
        found = subnets(tpl, kind)
        assert len(found) == azs
        assert [s["AvailabilityZone"] for s in found] == [
            {"Fn::Select": [i, {"Fn::GetAZs": ""}]} for i in range(azs)
        ]
    assert not any("Metadata" in r for r in of_type(tpl, "AWS::EC2::Subnet").values())


def test_carved_cidrs_in_zone_order():
    tpl = build(vpc={"cidr": "10.0.0.0/16", "azs": 3})
    assert [s["CidrBlock"] for s in subnets(tpl, "Public")] == [
        "10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"]
    assert [s["CidrBlock"] for s in subnets(tpl, "Private")] == [
        "10.0.128.0/19", "10.0.160.0/19", "10.0.192.0/19"]


def test_explicit_zones_and_subnets():
    zones = ["us-east-1a", "us-east-1b", "us-east-1d"]
    tpl = build(vpc={
        "cidr": "10.10.0.0/20",
        "zones": zones,
        "subnets": {"public": ["10.10.0.0/24", "10.10.1.0/24", "10.10.2.0/24"],
                    "private": ["10.10.8.0/23", "10.10.10.0/23", "10.10.12.0/23"]},
    })
    public, private = subnets(tpl, "Public"), subnets(tpl, "Private")
    assert [s["AvailabilityZone"] for s in public] == zones
    assert [s["AvailabilityZone"] for s in private] == zones
    assert [s["CidrBlock"] for s in public] == ["10.10.0.0/24", "10.10.1.0/24", "10.10.2.0/24"]
    assert [s["CidrBlock"] for s in private] == ["10.10.8.0/23", "10.10.10.0/23", "10.10.12.0/23"]
    assert "GetAZs" not in json.dumps(tpl)
    # The user chose these zones; W3010 is silenced on exactly these subnets.
    for r in of_type(tpl, "AWS::EC2::Subnet").values():
        assert r["Metadata"]["cfn-lint"]["config"]["ignore_checks"] == ["W3010"]


@pytest.mark.parametrize("net", [{}, {"vpc": {"azs": 3}, "nat": "per_az"}, {"nat": "none"}])
def test_no_subnet_maps_public_ips(net):
    found = of_type(build(**net), "AWS::EC2::Subnet")
    assert len(found) >= 4
    assert all(r["Properties"]["MapPublicIpOnLaunch"] is False for r in found.values())


def test_subnet_names_and_tags():
    tpl = build()
    public1 = tpl["Resources"]["PublicSubnet1"]
    assert tag(public1, "Name") == "shop-dev-public-1"
    assert tag(public1, "fargate-compile:application") == "shop"
    assert tag(tpl["Resources"]["PrivateSubnet2"], "Name") == "shop-dev-private-2"


def test_public_routing_through_igw():
    tpl = build()
    route = tpl["Resources"]["PublicDefaultRoute"]
    assert route["DependsOn"] == "InternetGatewayAttachment"
    assert route["Properties"]["DestinationCidrBlock"] == "0.0.0.0/0"
    assert route["Properties"]["GatewayId"] == {"Ref": "InternetGateway"}
    assocs = of_type(tpl, "AWS::EC2::SubnetRouteTableAssociation")
    public = {a["Properties"]["SubnetId"]["Ref"]: a["Properties"]["RouteTableId"]["Ref"]
              for a in assocs.values()}
    assert public["PublicSubnet1"] == public["PublicSubnet2"] == "PublicRouteTable"


def private_assocs(tpl):
    assocs = of_type(tpl, "AWS::EC2::SubnetRouteTableAssociation").values()
    return {a["Properties"]["SubnetId"]["Ref"]: a["Properties"]["RouteTableId"]["Ref"]
            for a in assocs if a["Properties"]["SubnetId"]["Ref"].startswith("Private")}


def test_nat_none():
    tpl = build(nat="none")
    assert not of_type(tpl, "AWS::EC2::NatGateway")
    assert not of_type(tpl, "AWS::EC2::EIP")
    assert list(of_type(tpl, "AWS::EC2::RouteTable")) == ["PublicRouteTable", "PrivateRouteTable"]
    assert routes_to(tpl, "NatGatewayId") == {}
    assert set(private_assocs(tpl).values()) == {"PrivateRouteTable"}
    assert "NatGatewayIds" not in tpl["Outputs"]


def test_nat_single_is_default():
    tpl = build()
    nats = of_type(tpl, "AWS::EC2::NatGateway")
    assert list(nats) == ["NatGateway1"]
    assert nats["NatGateway1"]["Properties"]["SubnetId"] == {"Ref": "PublicSubnet1"}
    assert nats["NatGateway1"]["Properties"]["AllocationId"] == {
        "Fn::GetAtt": ["NatEip1", "AllocationId"]}
    eip = tpl["Resources"]["NatEip1"]
    assert eip["Properties"]["Domain"] == "vpc"
    assert eip["DependsOn"] == "InternetGatewayAttachment"
    assert routes_to(tpl, "NatGatewayId") == {"PrivateRouteTable": "NatGateway1"}
    assert private_assocs(tpl) == {"PrivateSubnet1": "PrivateRouteTable",
                                   "PrivateSubnet2": "PrivateRouteTable"}


def test_nat_per_az_routes_each_zone_to_its_own_nat():
    tpl = build(vpc={"azs": 3}, nat="per_az")
    nats = of_type(tpl, "AWS::EC2::NatGateway")
    assert sorted(nats) == ["NatGateway1", "NatGateway2", "NatGateway3"]
    for n in (1, 2, 3):
        assert nats[f"NatGateway{n}"]["Properties"]["SubnetId"] == {"Ref": f"PublicSubnet{n}"}
    assert len(of_type(tpl, "AWS::EC2::EIP")) == 3
    assert routes_to(tpl, "NatGatewayId") == {
        f"PrivateRouteTable{n}": f"NatGateway{n}" for n in (1, 2, 3)}
    assert private_assocs(tpl) == {f"PrivateSubnet{n}": f"PrivateRouteTable{n}" for n in (1, 2, 3)}
    assert tpl["Outputs"]["PrivateRouteTableIds"]["Value"] == {
        "Fn::Join": [",", [{"Ref": f"PrivateRouteTable{n}"} for n in (1, 2, 3)]]}


def test_flow_logs_default_on():
    tpl = build()
    resource = tpl["Resources"]["FlowLogGroup"]
    group = resource["Properties"]
    # No physical name: a retained group never blocks a later create (docs/decisions.md).
    assert "LogGroupName" not in group
    assert group["RetentionInDays"] == 365
    assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"

    flow = tpl["Resources"]["FlowLog"]["Properties"]
    assert flow["ResourceId"] == {"Ref": "Vpc"}
    assert flow["ResourceType"] == "VPC"
    assert flow["TrafficType"] == "ALL"
    assert flow["LogDestinationType"] == "cloud-watch-logs"
    assert flow["LogGroupName"] == {"Ref": "FlowLogGroup"}
    assert flow["DeliverLogsPermissionArn"] == {"Fn::GetAtt": ["FlowLogRole", "Arn"]}


def test_flow_log_role_trust_and_scoped_policy():
    role = build()["Resources"]["FlowLogRole"]["Properties"]
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert trust["Action"] == ["sts:AssumeRole"]
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert "vpc-flow-log/*" in trust["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Sub"]

    [policy] = role["Policies"]
    statements = policy["PolicyDocument"]["Statement"]
    assert len(statements) == 1
    assert statements[0]["Effect"] == "Allow"
    assert sorted(statements[0]["Action"]) == [
        "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    assert statements[0]["Resource"] == [{"Fn::GetAtt": ["FlowLogGroup", "Arn"]}]
    assert "*" not in json.dumps(policy).replace("vpc-flow-log/*", "")


def test_flow_logs_settings_from_spec():
    tpl = build(flow_logs={"retention_days": 30, "traffic": "REJECT"})
    assert tpl["Resources"]["FlowLogGroup"]["Properties"]["RetentionInDays"] == 30
    assert tpl["Resources"]["FlowLog"]["Properties"]["TrafficType"] == "REJECT"


def test_flow_logs_off():
    tpl = build(flow_logs=False)
    assert not of_type(tpl, "AWS::EC2::FlowLog")
    assert not of_type(tpl, "AWS::Logs::LogGroup")
    assert not of_type(tpl, "AWS::IAM::Role")


def test_outputs():
    tpl = build(vpc={"azs": 3})
    out = tpl["Outputs"]
    assert set(out) == {"VpcId", "VpcCidr", "PublicSubnetIds", "PrivateSubnetIds",
                        "PrivateRouteTableIds", "NatGatewayIds"}
    assert out["VpcId"]["Value"] == {"Ref": "Vpc"}
    assert out["VpcCidr"]["Value"] == {"Fn::GetAtt": ["Vpc", "CidrBlock"]}
    for kind in ("Public", "Private"):
        assert out[f"{kind}SubnetIds"]["Value"] == {
            "Fn::Join": [",", [{"Ref": f"{kind}Subnet{n}"} for n in (1, 2, 3)]]}
    assert out["NatGatewayIds"]["Value"] == {"Fn::Join": [",", [{"Ref": "NatGateway1"}]]}
    assert "Export" not in json.dumps(out)


def test_every_taggable_resource_is_tagged():
    untaggable = {"AWS::EC2::VPCGatewayAttachment", "AWS::EC2::Route",
                  "AWS::EC2::SubnetRouteTableAssociation"}
    for name, r in build(nat="per_az")["Resources"].items():
        if r["Type"] not in untaggable:
            assert tag(r, "fargate-compile:environment") == "dev", name
            assert tag(r, "Name"), name


def test_deterministic():
    assert json.dumps(build(nat="per_az")) == json.dumps(build(nat="per_az"))


@pytest.mark.parametrize("net", [
    {},
    {"nat": "none", "flow_logs": False},
    {"vpc": {"azs": 3}, "nat": "per_az", "flow_logs": {"traffic": "ACCEPT", "retention_days": 7}},
    {"vpc": {"cidr": "10.10.0.0/20", "zones": ["us-east-1a", "us-east-1b", "us-east-1d"]}},
])
@pytest.mark.slow
def test_cfn_lint_clean(net):
    matches = lint(build(**net))
    assert [(m.rule.id, m.message) for m in matches] == []


def test_retain_data_false_lets_the_flow_log_group_go():
    spec = {"app": "shop", "retain_data": False, "services": {"web": {"image": "x", "port": 80}}}
    resource = network.build(normalize(spec)).to_dict()["Resources"]["FlowLogGroup"]
    assert "DeletionPolicy" not in resource and "UpdateReplacePolicy" not in resource
