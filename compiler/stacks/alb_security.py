"""The ALB's security group (part of alb.json): ingress on the listener ports from the
allowed CIDRs, and egress to the tasks as rules of their own, one per container port.
"""

from __future__ import annotations

from troposphere import GetAtt, Ref, Template
from troposphere import ec2

from compiler import model as m
from compiler.state import naming
from compiler.stacks import scanner_skips as skips
from compiler.stacks.common import tags

SECURITY_GROUP = "AlbSecurityGroup"
TASK_EGRESS = "AlbEgress"          # + a container port: AlbEgress8080


def add_security_group(app: m.App, t: Template, lb_spec: m.LoadBalancer, vpc_id,
                       targets: dict | None) -> ec2.SecurityGroup:
    """The group and its egress rules to `targets` (see _egress), added to `t`."""
    sg = t.add_resource(skips.apply(
        _security_group(app, lb_spec, vpc_id), *skips.alb_security_group(lb_spec),
    ))
    for rule in _egress(app, lb_spec, sg, targets):
        t.add_resource(rule)
    return sg


def egress_id(port: int, lb: m.LoadBalancer | None = None) -> str:
    return f"{lb.key if lb else ''}{TASK_EGRESS}{port}"


def _egress(app: m.App, lb: m.LoadBalancer, sg: ec2.SecurityGroup,
            targets: dict | None) -> list[ec2.SecurityGroupEgress]:
    """One rule per container port of the routed services, to `targets` (the VPC cidr, or
    the tasks' security group).

    Resources of their own, not the group's inline rules: when a service's port changes,
    inline rules would lose the old port as CloudFormation updates the group, in the alb
    stack, before the services stack even starts the rolling deployment, and the ALB could
    no longer reach the old tasks. A rule removed from the template is deleted only in the
    cleanup phase, after every stack's update (and so the deployment) is done.
    """
    services_by_port: dict[int, list[str]] = {}
    for service in app.routed_by(lb):
        for port in service.http.target_ports:
            services_by_port.setdefault(port, []).append(service.name)
    return [
        ec2.SecurityGroupEgress(
            egress_id(port, lb),
            GroupId=GetAtt(sg, "GroupId"),
            IpProtocol="tcp",
            FromPort=port,
            ToPort=port,
            **targets,
            Description=naming.ec2_description(naming.listing_within(f"To tasks on port {port}: ", names)),
        )
        for port, names in sorted(services_by_port.items())
    ]


def _security_group(app: m.App, lb_spec: m.LoadBalancer, vpc_id) -> ec2.SecurityGroup:
    ingress = []
    for port in lb_spec.listener_ports:
        for cidr in lb_spec.allowed_cidrs:
            ingress.append(
                ec2.SecurityGroupRule(
                    IpProtocol="tcp",
                    FromPort=port,
                    ToPort=port,
                    Description=f"{'HTTPS' if port == 443 else 'HTTP'} listener from {cidr}",
                    CidrIp=cidr,
                )
            )

    # An empty SecurityGroupEgress keeps AWS's allow-all rule; this one matches nothing. The
    # egress to the tasks is the AlbEgress<port> resources (_egress).
    egress = [
        ec2.SecurityGroupRule(
            IpProtocol="icmp",
            FromPort=252,
            ToPort=86,
            CidrIp="255.255.255.255/32",
            Description="Disallow all traffic but the rules to the tasks",
        )
    ]
    which = f"ALB {lb_spec.name} of" if lb_spec.key else "ALB of"
    return ec2.SecurityGroup(
        lb_spec.key + SECURITY_GROUP,
        GroupDescription=f"{which} {app.stack_name}: listeners from the allowed CIDRs only",
        VpcId=Ref(vpc_id),
        SecurityGroupIngress=ingress,
        SecurityGroupEgress=egress,
        Tags=tags(app, f"{app.stack_name}{'-' + lb_spec.name if lb_spec.key else ''}-alb"),
    )
