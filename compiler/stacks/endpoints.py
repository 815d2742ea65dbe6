"""endpoints.json: VPC endpoints (built only when the spec asks for some).

s3 and dynamodb are gateway endpoints on the private route tables; every other
name is an interface endpoint in the private subnets with private DNS on, behind
one shared security group that admits HTTPS from the VPC cidr (in an existing
VPC: from the security group every task of the app wears) and allows no
egress (endpoint network interfaces answer connections, they never open them).

In the China partition (cn-north-1, cn-northwest-1) several interface endpoint
services are named cn.com.amazonaws.<region>.<service> instead of
com.amazonaws.<region>.<service> (`aws ec2 describe-vpc-endpoint-services` there;
the AWS CDK keeps the same table). The templates stay region-agnostic: those
names are an Fn::If on the stack's partition.
"""

from __future__ import annotations

from troposphere import Equals, If, Parameter, Ref, Sub, Template
from troposphere import ec2

from compiler import model as m
from compiler.state import naming
from compiler.stacks import common


# Interface endpoint services of the spec's list that carry the "cn." prefix in both China
# regions (the other services of the list, and gateway endpoints, keep com.amazonaws).
CHINA_PREFIXED = frozenset({
    "application-autoscaling", "ecr.api", "ecr.dkr", "elasticfilesystem", "execute-api",
    "kinesis-streams", "lambda", "monitoring", "sqs", "states", "sts", "xray",
})
IN_CHINA = "InChinaPartition"


def endpoint_logical_id(service: str) -> str:
    """"ecr.api" -> "EcrApiEndpoint", "ecs-agent" -> "EcsAgentEndpoint"."""
    return naming.logical_id(service, "endpoint")


def build(app: m.App) -> Template:
    net = app.network
    t = common.new_template(app, "VPC endpoints")
    prefix = app.stack_name

    vpc_id = common.wire_param(t, "VpcId", "AWS::EC2::VPC::Id")

    if net.gateway_endpoints:
        route_tables = common.wire_param(t, "PrivateRouteTableIds", common.LIST_PARAM)
        for service in net.gateway_endpoints:
            _endpoint(t, app, service, vpc_id, "Gateway", RouteTableIds=Ref(route_tables))

    if net.interface_endpoints:
        subnets = common.wire_param(t, "PrivateSubnetIds", common.SUBNET_LIST)
        if net.existing is None:
            vpc_cidr = common.wire_param(t, "VpcCidr")
            source = {"CidrIp": Ref(vpc_cidr)}
            described = ("HTTPS from the VPC", "HTTPS from the VPC to the endpoints")
        else:  # the existing VPC's cidr may be unknown: admit the security group every task wears
            tasks = common.wire_param(t, "TasksSecurityGroupId", "AWS::EC2::SecurityGroup::Id")
            source = {"SourceSecurityGroupId": Ref(tasks)}
            described = ("HTTPS from the tasks of the app", "HTTPS from the tasks of the app to the endpoints")
        sg = t.add_resource(ec2.SecurityGroup(
            "EndpointsSecurityGroup",
            GroupDescription=f"Interface VPC endpoints of {prefix}: {described[0]}",
            VpcId=Ref(vpc_id),
            SecurityGroupIngress=[ec2.SecurityGroupRule(
                Description=described[1],
                IpProtocol="tcp",
                FromPort=443,
                ToPort=443,
                **source,
            )],
            # A rule that matches nothing replaces EC2's default allow-all egress
            # (the same idiom as the CDK's allowAllOutbound: false).
            SecurityGroupEgress=[ec2.SecurityGroupRule(
                Description="Disallow all traffic: endpoints never initiate connections",
                IpProtocol="icmp",
                FromPort=252,
                ToPort=86,
                CidrIp="255.255.255.255/32",
            )],
            Tags=common.tags(app, f"{prefix}-endpoints"),
        ))
        if CHINA_PREFIXED.intersection(net.interface_endpoints):
            t.add_condition(IN_CHINA, Equals(Ref("AWS::Partition"), "aws-cn"))
        for service in net.interface_endpoints:
            _endpoint(t, app, service, vpc_id, "Interface", SubnetIds=Ref(subnets),
                      SecurityGroupIds=[Ref(sg)], PrivateDnsEnabled=True)
        common.wire_output(t, "EndpointsSecurityGroupId", Ref(sg),
                           "Security group of the interface endpoints")
    return t


def _endpoint(t: Template, app: m.App, service: str, vpc_id: Parameter, kind: str,
              **props) -> ec2.VPCEndpoint:
    return t.add_resource(ec2.VPCEndpoint(
        endpoint_logical_id(service),
        VpcEndpointType=kind,
        ServiceName=service_name(service, kind),
        VpcId=Ref(vpc_id),
        Tags=common.tags(app, f"{app.stack_name}-{service}"),
        **props,
    ))


def service_name(service: str, kind: str):
    """The endpoint service's name in the stack's own region (and partition)."""
    name = Sub(f"com.amazonaws.${{AWS::Region}}.{service}")
    if kind == "Interface" and service in CHINA_PREFIXED:
        return If(IN_CHINA, Sub(f"cn.com.amazonaws.${{AWS::Region}}.{service}"), name)
    return name
