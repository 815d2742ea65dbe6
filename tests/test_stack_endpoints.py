import json

import cfnlint.api
import pytest

from compiler.spec.normalize import normalize
from compiler.stacks import endpoints

ALL_INTERFACE = [
    "ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm", "ssmmessages", "ec2messages",
    "kms", "sts", "xray", "monitoring", "ecs", "ecs-agent", "ecs-telemetry", "sqs", "sns",
    "events", "elasticloadbalancing",
]


def build(eps):
    spec = {"app": "shop", "network": {"endpoints": eps},
            "services": {"web": {"image": "x", "port": 80}}}
    return endpoints.build(normalize(spec)).to_dict()


def of_type(tpl, type_):
    return {k: r["Properties"] for k, r in tpl["Resources"].items() if r["Type"] == type_}


@pytest.mark.parametrize("service, logical_id", [
    ("s3", "S3Endpoint"),
    ("dynamodb", "DynamodbEndpoint"),
    ("ecr.api", "EcrApiEndpoint"),
    ("ecr.dkr", "EcrDkrEndpoint"),
    ("ecs-agent", "EcsAgentEndpoint"),
    ("logs", "LogsEndpoint"),
])
def test_logical_ids(service, logical_id):
    assert endpoints.endpoint_logical_id(service) == logical_id
    assert logical_id in build([service])["Resources"]


@pytest.mark.parametrize("service", ["s3", "dynamodb"])
def test_gateway_endpoints(service):
    tpl = build([service, "logs"])
    ep = tpl["Resources"][endpoints.endpoint_logical_id(service)]["Properties"]
    assert ep["VpcEndpointType"] == "Gateway"
    assert ep["ServiceName"] == {"Fn::Sub": f"com.amazonaws.${{AWS::Region}}.{service}"}
    assert ep["RouteTableIds"] == {"Ref": "PrivateRouteTableIds"}
    assert ep["VpcId"] == {"Ref": "VpcId"}
    for key in ("SubnetIds", "SecurityGroupIds", "PrivateDnsEnabled"):
        assert key not in ep
    assert tpl["Parameters"]["PrivateRouteTableIds"]["Type"] == "CommaDelimitedList"


def test_interface_endpoints():
    tpl = build(["s3", *ALL_INTERFACE])
    found = of_type(tpl, "AWS::EC2::VPCEndpoint")
    interface = {k: p for k, p in found.items() if p["VpcEndpointType"] == "Interface"}
    assert len(interface) == len(ALL_INTERFACE)
    names = {}
    for p in interface.values():
        name = p["ServiceName"]
        if "Fn::If" in name:  # China-prefixed: cn.com.amazonaws in the aws-cn partition
            condition, china, other = name["Fn::If"]
            assert condition == endpoints.IN_CHINA
            assert china["Fn::Sub"] == "cn." + other["Fn::Sub"]
            name = other
        names[name["Fn::Sub"]] = "Fn::If" in p["ServiceName"]
    assert sorted(names) == sorted(f"com.amazonaws.${{AWS::Region}}.{s}" for s in ALL_INTERFACE)
    assert {n.rsplit("}.", 1)[1] for n, china in names.items() if china} == (
        endpoints.CHINA_PREFIXED & set(ALL_INTERFACE))
    assert tpl["Conditions"] == {endpoints.IN_CHINA: {"Fn::Equals": [{"Ref": "AWS::Partition"}, "aws-cn"]}}
    for p in interface.values():
        assert p["PrivateDnsEnabled"] is True
        assert p["SubnetIds"] == {"Ref": "PrivateSubnetIds"}
        assert p["SecurityGroupIds"] == [{"Ref": "EndpointsSecurityGroup"}]
        assert p["VpcId"] == {"Ref": "VpcId"}
        assert "RouteTableIds" not in p
    assert tpl["Parameters"]["PrivateSubnetIds"]["Type"] == "List<AWS::EC2::Subnet::Id>"
    assert tpl["Parameters"]["VpcId"]["Type"] == "AWS::EC2::VPC::Id"


@pytest.mark.parametrize("eps, condition", [(["logs", "ssm"], False), (["s3", "dynamodb"], False),
                                            (["ecr.api", "logs"], True)])
def test_china_condition_only_when_used(eps, condition):
    assert ("Conditions" in build(eps)) is condition


@pytest.mark.parametrize("region", ["cn-north-1", "cn-northwest-1"])
def test_china_names_resolve(region):
    """What CloudFormation resolves in the China regions: the documented names."""
    tpl = build(["s3", "ecr.api", "ecr.dkr", "logs", "sqs", "sts", "monitoring"])
    resolved = {}
    for key, r in tpl["Resources"].items():
        name = r["Properties"].get("ServiceName")
        if name is None:
            continue
        if "Fn::If" in name:
            name = name["Fn::If"][1]
        resolved[key] = name["Fn::Sub"].replace("${AWS::Region}", region)
    assert resolved == {
        "S3Endpoint": f"com.amazonaws.{region}.s3",
        "EcrApiEndpoint": f"cn.com.amazonaws.{region}.ecr.api",
        "EcrDkrEndpoint": f"cn.com.amazonaws.{region}.ecr.dkr",
        "LogsEndpoint": f"com.amazonaws.{region}.logs",
        "SqsEndpoint": f"cn.com.amazonaws.{region}.sqs",
        "StsEndpoint": f"cn.com.amazonaws.{region}.sts",
        "MonitoringEndpoint": f"cn.com.amazonaws.{region}.monitoring",
    }


def test_security_group_https_from_vpc_only():
    tpl = build(["ecr.api", "logs"])
    [sg] = of_type(tpl, "AWS::EC2::SecurityGroup").values()
    assert sg["VpcId"] == {"Ref": "VpcId"}
    assert sg["SecurityGroupIngress"] == [{
        "Description": sg["SecurityGroupIngress"][0]["Description"],
        "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": {"Ref": "VpcCidr"},
    }]
    # No egress: one rule that matches nothing replaces the default allow-all.
    [egress] = sg["SecurityGroupEgress"]
    assert egress["CidrIp"] == "255.255.255.255/32"
    for rule in sg["SecurityGroupIngress"] + sg["SecurityGroupEgress"]:
        assert rule["Description"]
    assert not of_type(tpl, "AWS::EC2::SecurityGroupIngress")
    assert not of_type(tpl, "AWS::EC2::SecurityGroupEgress")


def test_only_used_parameters():
    assert set(build(["s3"])["Parameters"]) == {"VpcId", "PrivateRouteTableIds"}
    assert set(build(["logs"])["Parameters"]) == {"VpcId", "VpcCidr", "PrivateSubnetIds"}
    assert set(build(["s3", "logs"])["Parameters"]) == {
        "VpcId", "VpcCidr", "PrivateSubnetIds", "PrivateRouteTableIds"}


def test_outputs():
    out = build(["s3", "ecr.api"])["Outputs"]
    assert set(out) == {"EndpointsSecurityGroupId"}
    assert out["EndpointsSecurityGroupId"]["Value"] == {"Ref": "EndpointsSecurityGroup"}
    # Only gateway endpoints: there is no security group to output.
    assert build(["s3"]).get("Outputs", {}) == {}


def test_tagged():
    for name, r in build(["s3", "logs"])["Resources"].items():
        keys = {t["Key"] for t in r["Properties"]["Tags"]}
        assert {"Name", "fargate-compile:application", "fargate-compile:environment"} <= keys, name


def test_deterministic():
    assert json.dumps(build(["ssm", "s3", "logs"])) == json.dumps(build(["logs", "s3", "ssm"]))


@pytest.mark.slow
@pytest.mark.parametrize("eps", [["s3"], ["logs"], ["dynamodb", "s3", *ALL_INTERFACE]])
def test_cfn_lint_clean(eps):
    matches = cfnlint.api.lint(
        json.dumps(build(eps)),
        config=cfnlint.api.ManualArgs(regions=["us-east-1", "cn-north-1", "cn-northwest-1"],
                                      ignore_checks=["W3002"]),
    )
    assert [(m.rule.id, m.message) for m in matches] == []
