"""nlb.json: a Network Load Balancer per service with `nlb:`, with its security group,
listener and target group.

Built only when a service has `nlb`. Per service (logical IDs start with the service's
key, placement.py, so they stay put across updates):

- <Key>Nlb: the load balancer, internet-facing in the public subnets or internal in the
  private ones. It always wears a security group: one can be given to an NLB only when
  it is created, so an NLB made without one could never get one.
- <Key>NlbSecurityGroup: ingress from `allowed_cidrs` on the listener port (tcp, udp or
  both), the only place besides the ALB's listeners that may admit 0.0.0.0/0; egress as
  rules of their own (<Key>NlbEgress<Proto><Port>) to the tasks on the target port and
  the health check port, so a port change creates the new rule before the rolling
  deployment and deletes the old one only in the cleanup phase.
- <Key>NlbTargetGroup: `ip` targets, the listener's protocol (TLS ends at the NLB: TCP to
  the tasks), the health check of `nlb.healthcheck` (ELB refuses UDP health checks).
  Its Port is fixed, as the ALB's (alb_routing.TARGET_GROUP_PORT): ECS registers each
  task with the container port, so a target_port change does not replace the group.
- <Key>NlbListener: the port and protocol; TLS with the certificate and SSL policy.

Outputs (wired to the services stacks): <Key>NlbTargetGroupArn, <Key>NlbSecurityGroupId,
and <Key>NlbDnsName for the user.
"""

from __future__ import annotations

from troposphere import GetAtt, Ref, Template
from troposphere import ec2
from troposphere import elasticloadbalancingv2 as elb

from compiler import model as m
from compiler.state import naming
from compiler.stacks import scanner_skips as skips
from compiler.stacks.alb_routing import TARGET_GROUP_PORT
from compiler.stacks.common import SUBNET_LIST, new_template, tags, wire_output, wire_param
from compiler.stacks.domains import IP_ADDRESS_TYPE

LOAD_BALANCER = "Nlb"
SECURITY_GROUP = "NlbSecurityGroup"
LISTENER = "NlbListener"
TARGET_GROUP = "NlbTargetGroup"
EGRESS = "NlbEgress"


def target_group_output(svc: m.Service) -> str:
    return f"{svc.key}{TARGET_GROUP}Arn"


def security_group_output(svc: m.Service) -> str:
    return f"{svc.key}{SECURITY_GROUP}Id"


def dns_output(svc: m.Service) -> str:
    return f"{svc.key}NlbDnsName"


def task_ports(nlb: m.Nlb) -> list[tuple[str, int]]:
    """(IP protocol, port) the tasks admit from the NLB: the traffic, then a health check on
    another port or protocol (health checks are always TCP underneath)."""
    found = [(proto, nlb.target_port) for proto in nlb.ip_protocols]
    check = ("tcp", nlb.healthcheck.port or nlb.target_port)
    if check not in found:
        found.append(check)
    return found


def build(app: m.App) -> Template:
    t = new_template(app, "network load balancers")
    vpc_id = wire_param(t, "VpcId", "AWS::EC2::VPC::Id")
    # To the VPC's tasks only: the VPC cidr, or in an existing VPC the group every task wears.
    targets = ({"CidrIp": Ref(wire_param(t, "VpcCidr"))} if app.network.existing is None else
               {"DestinationSecurityGroupId": Ref(wire_param(t, "TasksSecurityGroupId",
                                                             "AWS::EC2::SecurityGroup::Id"))})
    subnets = {}
    for svc in app.nlb_services:
        side = "PublicSubnetIds" if svc.nlb.public else "PrivateSubnetIds"
        if side not in subnets:
            subnets[side] = wire_param(t, side, SUBNET_LIST)
        _service(app, t, svc, vpc_id, targets, subnets[side])
    return t


def _service(app: m.App, t: Template, svc: m.Service, vpc_id, targets: dict, subnets) -> None:
    nlb = svc.nlb
    key = svc.key
    name = f"{app.stack_name}-{svc.name}"
    sg = t.add_resource(ec2.SecurityGroup(
        key + SECURITY_GROUP,
        GroupDescription=naming.ec2_description(f"Network load balancer of {name}"),
        VpcId=Ref(vpc_id),
        SecurityGroupIngress=[
            ec2.SecurityGroupRule(
                IpProtocol=proto, FromPort=nlb.port, ToPort=nlb.port, CidrIp=cidr,
                Description=naming.ec2_description(f"{nlb.protocol} listener from {cidr}"),
            )
            for proto in nlb.ip_protocols for cidr in nlb.allowed_cidrs
        ],
        # An empty SecurityGroupEgress keeps AWS's allow-all rule; this one matches nothing.
        SecurityGroupEgress=[ec2.SecurityGroupRule(
            IpProtocol="icmp", FromPort=252, ToPort=86, CidrIp="255.255.255.255/32",
            Description="Disallow all traffic",
        )],
        Tags=tags(app, f"{name}-nlb"),
    ))
    for proto, port in task_ports(nlb):
        t.add_resource(ec2.SecurityGroupEgress(
            f"{key}{EGRESS}{proto.capitalize()}{port}",
            GroupId=GetAtt(sg, "GroupId"),
            IpProtocol=proto, FromPort=port, ToPort=port,
            Description=naming.ec2_description(f"To the {svc.name} tasks on {proto} port {port}"),
            **targets,
        ))

    lb = t.add_resource(skips.apply(
        elb.LoadBalancer(
            key + LOAD_BALANCER,
            Type="network",
            Scheme="internet-facing" if nlb.public else "internal",
            IpAddressType=IP_ADDRESS_TYPE,
            Subnets=Ref(subnets),
            SecurityGroups=[GetAtt(sg, "GroupId")],
            Tags=tags(app, f"{name}-nlb"),
        ),
        *skips.network_load_balancer(),
    ))

    hc = nlb.healthcheck
    check: dict = {
        "HealthCheckProtocol": hc.protocol,
        "HealthCheckPort": str(hc.port) if hc.port is not None else "traffic-port",
        "HealthCheckIntervalSeconds": hc.interval,
        "HealthyThresholdCount": hc.healthy_threshold,
        "UnhealthyThresholdCount": hc.unhealthy_threshold,
    }
    if hc.path is not None:
        check["HealthCheckPath"] = hc.path
    tg = t.add_resource(elb.TargetGroup(
        key + TARGET_GROUP,
        TargetType="ip",
        Protocol=nlb.target_protocol,
        Port=TARGET_GROUP_PORT,
        VpcId=Ref(vpc_id),
        HealthCheckEnabled=True,
        TargetGroupAttributes=[
            # No preserve_client_ip: AWS's default (off for TCP/TLS ip targets, always on for
            # UDP/TCP_UDP, where setting it is refused). The tasks admit the NLB's security
            # group, which ELB honours with client IP preservation on or off.
            elb.TargetGroupAttribute(Key="deregistration_delay.timeout_seconds",
                                     Value=str(nlb.deregistration_delay)),
        ],
        Tags=tags(app, f"{name}-nlb"),
        **check,
    ))

    listener: dict = {}
    if nlb.protocol == "TLS":
        listener["Certificates"] = [elb.Certificate(CertificateArn=nlb.certificate_arn)]
        listener["SslPolicy"] = nlb.ssl_policy
    t.add_resource(elb.Listener(
        key + LISTENER,
        LoadBalancerArn=Ref(lb),
        Port=nlb.port,
        Protocol=nlb.protocol,
        DefaultActions=[elb.Action(Type="forward", TargetGroupArn=Ref(tg))],
        Tags=tags(app),
        **listener,
    ))

    wire_output(t, target_group_output(svc), Ref(tg), f"NLB target group ARN of {svc.name}")
    wire_output(t, security_group_output(svc), GetAtt(sg, "GroupId"), f"NLB security group of {svc.name}")
    wire_output(t, dns_output(svc), GetAtt(lb, "DNSName"), f"DNS name of the NLB of {svc.name}")
