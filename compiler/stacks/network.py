"""network.json: the VPC, its subnets and routing, NAT gateways and VPC flow logs.

Zones are the spec's literal names when given, otherwise `Fn::Select [i, Fn::GetAZs ""]`
so the template stays region-agnostic. Every subnet has MapPublicIpOnLaunch false
(public-placement tasks get their public IP from the ECS service instead). Private
route tables: one per zone with `nat: per_az` (zone i routes to NAT i), otherwise one
shared table (routing to the single NAT, or with no default route at all for `none`).
The VPC's default security group is never referenced.

With `network.vpc.id` (an existing VPC) none of that is made: see _existing.
"""

from __future__ import annotations

from awacs import logs as awslogs
from awacs.aws import Allow, ArnLike, Condition, PolicyDocument, Principal, Statement, StringEquals
from awacs.sts import AssumeRole
from troposphere import AccountId, GetAtt, GetAZs, Join, Ref, Select, Sub, Template
from troposphere import ec2, iam, logs

from compiler import model as m
from compiler.state import naming
from compiler.stacks import common, scanner_skips

# `zones:` names zones on purpose, so cfn-lint's W3010 (hardcoded availability zone)
# is silenced on exactly those subnets; with `azs:` the template uses Fn::GetAZs.
EXPLICIT_ZONE_METADATA = {"cfn-lint": {"config": {"ignore_checks": ["W3010"]}}}


TASKS_SECURITY_GROUP = "TasksSecurityGroup"


def build(app: m.App) -> Template:
    if app.network.existing is not None:
        return _existing(app)
    net = app.network
    t = common.new_template(app, "network")
    prefix = app.stack_name

    vpc = t.add_resource(ec2.VPC(
        "Vpc",
        CidrBlock=net.cidr,
        EnableDnsSupport=True,
        EnableDnsHostnames=True,
        Tags=common.tags(app, prefix),
    ))

    igw = t.add_resource(ec2.InternetGateway("InternetGateway", Tags=common.tags(app, prefix)))
    attachment = t.add_resource(ec2.VPCGatewayAttachment(
        "InternetGatewayAttachment", VpcId=Ref(vpc), InternetGatewayId=Ref(igw),
    ))

    public_rt = t.add_resource(ec2.RouteTable(
        "PublicRouteTable", VpcId=Ref(vpc), Tags=common.tags(app, f"{prefix}-public"),
    ))
    t.add_resource(ec2.Route(
        "PublicDefaultRoute",
        DependsOn=attachment.title,
        RouteTableId=Ref(public_rt),
        DestinationCidrBlock="0.0.0.0/0",
        GatewayId=Ref(igw),
    ))

    def subnet(kind: str, i: int, cidr: str) -> ec2.Subnet:
        made = ec2.Subnet(
            naming.logical_id(kind, "subnet", str(i + 1)),
            VpcId=Ref(vpc),
            CidrBlock=cidr,
            AvailabilityZone=net.zones[i] if net.zones else Select(i, GetAZs("")),
            MapPublicIpOnLaunch=False,
            Tags=common.tags(app, f"{prefix}-{kind}-{i + 1}"),
        )
        if net.zones:
            made.Metadata = EXPLICIT_ZONE_METADATA
        return t.add_resource(made)

    public_subnets = [subnet("public", i, c) for i, c in enumerate(net.public_subnets)]
    private_subnets = [subnet("private", i, c) for i, c in enumerate(net.private_subnets)]
    for i, public in enumerate(public_subnets):
        t.add_resource(ec2.SubnetRouteTableAssociation(
            f"PublicSubnet{i + 1}RouteTableAssociation",
            SubnetId=Ref(public),
            RouteTableId=Ref(public_rt),
        ))

    nats = []
    for i in range(net.nat_count):
        n = i + 1
        eip = t.add_resource(ec2.EIP(
            f"NatEip{n}",
            DependsOn=attachment.title,
            Domain="vpc",
            Tags=common.tags(app, f"{prefix}-nat-{n}"),
        ))
        nats.append(t.add_resource(ec2.NatGateway(
            f"NatGateway{n}",
            AllocationId=GetAtt(eip, "AllocationId"),
            SubnetId=Ref(public_subnets[i]),
            Tags=common.tags(app, f"{prefix}-nat-{n}"),
        )))

    if net.nat == "per_az":
        private_rts = [
            t.add_resource(ec2.RouteTable(
                f"PrivateRouteTable{n}", VpcId=Ref(vpc), Tags=common.tags(app, f"{prefix}-private-{n}"),
            ))
            for n in range(1, net.az_count + 1)
        ]
        zone_rt = private_rts
        route_ids = [f"PrivateDefaultRoute{n}" for n in range(1, net.az_count + 1)]
    else:
        shared = t.add_resource(ec2.RouteTable(
            "PrivateRouteTable", VpcId=Ref(vpc), Tags=common.tags(app, f"{prefix}-private"),
        ))
        private_rts, zone_rt, route_ids = [shared], [shared] * net.az_count, ["PrivateDefaultRoute"]

    # per_az: table i -> NAT i; single: the shared table -> the one NAT; none: no default route.
    for rt, nat, route_id in zip(private_rts, nats, route_ids):
        t.add_resource(ec2.Route(
            route_id, RouteTableId=Ref(rt), DestinationCidrBlock="0.0.0.0/0", NatGatewayId=Ref(nat),
        ))
    for i, subnet in enumerate(private_subnets):
        t.add_resource(ec2.SubnetRouteTableAssociation(
            f"PrivateSubnet{i + 1}RouteTableAssociation",
            SubnetId=Ref(subnet),
            RouteTableId=Ref(zone_rt[i]),
        ))

    if net.flow_logs is not None:
        _flow_logs(t, app, vpc, net.flow_logs)

    common.wire_output(t, "VpcId", Ref(vpc), "The VPC")
    common.wire_output(t, "VpcCidr", GetAtt(vpc, "CidrBlock"), "The VPC's IPv4 cidr")
    common.wire_output(t, "PublicSubnetIds", Join(",", [Ref(s) for s in public_subnets]),
                       "Public subnets, comma-joined, in zone order")
    common.wire_output(t, "PrivateSubnetIds", Join(",", [Ref(s) for s in private_subnets]),
                       "Private subnets, comma-joined, in zone order")
    common.wire_output(t, "PrivateRouteTableIds", Join(",", [Ref(r) for r in private_rts]),
                       "Private route tables, comma-joined")
    if nats:
        common.wire_output(t, "NatGatewayIds", Join(",", [Ref(g) for g in nats]),
                           "NAT gateways, comma-joined, in zone order")
    return t


def _existing(app: m.App) -> Template:
    """An existing VPC: nothing of the VPC's own is made. The template holds the one
    security group every task of the app wears (the source the endpoints and the load
    balancer name instead of the VPC's CIDR, which may be unknown) and hands the
    spec's IDs to the other stacks as Outputs, the same wiring a made VPC uses."""
    net, existing = app.network, app.network.existing
    t = common.new_template(app, "network (existing VPC)")
    prefix = app.stack_name
    tasks_sg = t.add_resource(ec2.SecurityGroup(
        TASKS_SECURITY_GROUP,
        GroupDescription=f"Worn by every task of {prefix}; endpoints and the load balancer admit it",
        VpcId=existing.id,
        # No ingress; a rule that matches nothing replaces EC2's default allow-all egress.
        SecurityGroupEgress=[ec2.SecurityGroupRule(
            IpProtocol="icmp", FromPort=252, ToPort=86, CidrIp="255.255.255.255/32",
            Description="Disallow all traffic",
        )],
        Tags=common.tags(app, f"{prefix}-tasks"),
    ))
    common.wire_output(t, "VpcId", existing.id, "The existing VPC")
    if net.cidr is not None:
        common.wire_output(t, "VpcCidr", net.cidr, "The existing VPC's IPv4 cidr, as the spec gives it")
    if existing.public:
        common.wire_output(t, "PublicSubnetIds", ",".join(s.id for s in existing.public),
                           "Public subnets of the existing VPC, comma-joined")
    if existing.private:
        common.wire_output(t, "PrivateSubnetIds", ",".join(s.id for s in existing.private),
                           "Private subnets of the existing VPC, comma-joined")
    if existing.route_tables:
        common.wire_output(t, "PrivateRouteTableIds", ",".join(existing.route_tables),
                           "Private route tables of the existing VPC, comma-joined")
    common.wire_output(t, "TasksSecurityGroupId", GetAtt(tasks_sg, "GroupId"),
                       "Security group every task wears (existing VPC)")
    return t


def _flow_logs(t: Template, app: m.App, vpc: ec2.VPC, flow: m.FlowLogs) -> None:
    name = f"{app.stack_name}-flow-logs"
    group = t.add_resource(scanner_skips.apply(logs.LogGroup(
        "FlowLogGroup",
        RetentionInDays=flow.retention_days,
        Tags=common.tags(app, name),
        **common.retain(app),
    ), scanner_skips.LOG_GROUP_KMS))
    # Trust only the flow-logs service acting for this account's flow logs (confused deputy).
    trust = PolicyDocument(
        Version="2012-10-17",
        Statement=[Statement(
            Effect=Allow,
            Principal=Principal("Service", "vpc-flow-logs.amazonaws.com"),
            Action=[AssumeRole],
            Condition=Condition([
                StringEquals({"aws:SourceAccount": AccountId}),
                ArnLike({"aws:SourceArn": Sub(
                    "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:vpc-flow-log/*"
                )}),
            ]),
        )],
    )
    # The log group exists already (above), so no CreateLogGroup/DescribeLogGroups:
    # the three actions below, on this group only, are what delivery needs.
    write = PolicyDocument(
        Version="2012-10-17",
        Statement=[Statement(
            Effect=Allow,
            Action=[awslogs.CreateLogStream, awslogs.DescribeLogStreams, awslogs.PutLogEvents],
            Resource=[GetAtt(group, "Arn")],
        )],
    )
    role = t.add_resource(iam.Role(
        "FlowLogRole",
        Description=f"Delivers VPC flow logs of {app.stack_name} to CloudWatch Logs",
        AssumeRolePolicyDocument=trust,
        Policies=[iam.Policy(PolicyName="deliver-flow-logs", PolicyDocument=write)],
        Tags=common.tags(app, name),
    ))
    t.add_resource(ec2.FlowLog(
        "FlowLog",
        ResourceId=Ref(vpc),
        ResourceType="VPC",
        TrafficType=flow.traffic,
        LogDestinationType="cloud-watch-logs",
        LogGroupName=Ref(group),
        DeliverLogsPermissionArn=GetAtt(role, "Arn"),
        Tags=common.tags(app, name),
    ))
