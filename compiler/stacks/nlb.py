"""nlb.json: the Network Load Balancers: one per service with an `nlb:` of its own, and each
shared one of `network_load_balancers`, with their security groups, listeners and target groups.

Built only when a service has `nlb` or the spec has `network_load_balancers`. Logical IDs
start with the service's key (placement.py) or the shared NLB's name, so they stay put
across updates.

A service's own NLB (`nlb:` without `load_balancer`):

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

A shared NLB `edge` (Lb = pascal(name), `Nlb<Lb>` cannot be confused with a service's
`<Key>Nlb...`: FC285):

- Nlb<Lb>, Nlb<Lb>SecurityGroup (ingress: each service's listener port from its
  allowed_cidrs), Nlb<Lb>Egress<Proto><Port> (every service's target and health check
  ports, once each).
- Per service on it: <Key>Nlb<Lb>TargetGroup and <Key>Nlb<Lb>Listener. The NLB's name is
  in them: a target group serves one load balancer only (ELB: TargetGroupAssociationLimit),
  so a service moving to another NLB gets a new group, created while the old one serves.

Outputs (wired to the services stacks): per service its target group ARN and the security
group of its NLB; the DNS name of each NLB for the user (the root repeats them).
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


def shared_prefix(name: str) -> str:
    """The logical-ID prefix of the shared NLB `name`: its load balancer's own ID."""
    return LOAD_BALANCER + naming.pascal(name)


def _service_prefix(svc: m.Service) -> str:
    """The prefix of the service's listener and target group: <Key>Nlb, or <Key>Nlb<Lb> on a shared NLB."""
    shared = svc.nlb.load_balancer
    return svc.key + (shared_prefix(shared) if shared else LOAD_BALANCER)


def target_group_output(svc: m.Service) -> str:
    return f"{_service_prefix(svc)}TargetGroupArn"


def security_group_output(svc: m.Service) -> str:
    shared = svc.nlb.load_balancer
    return f"{shared_prefix(shared)}SecurityGroupId" if shared else f"{svc.key}{SECURITY_GROUP}Id"


def dns_output(svc: m.Service) -> str:
    shared = svc.nlb.load_balancer
    return f"{shared_prefix(shared)}DnsName" if shared else f"{svc.key}NlbDnsName"


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

    def subnets_of(public: bool):
        side = "PublicSubnetIds" if public else "PrivateSubnetIds"
        if side not in subnets:
            subnets[side] = wire_param(t, side, SUBNET_LIST)
        return subnets[side]

    for svc in app.own_nlb_services:
        _own(app, t, svc, vpc_id, targets, subnets_of(svc.nlb.public))
    for shared in app.network_load_balancers:
        _shared(app, t, shared, vpc_id, targets, subnets_of(shared.public))
    return t


def _security_group(app: m.App, t: Template, logical_id: str, description: str, name: str,
                    ingress: list[ec2.SecurityGroupRule]) -> ec2.SecurityGroup:
    return t.add_resource(ec2.SecurityGroup(
        logical_id,
        GroupDescription=naming.ec2_description(description),
        VpcId=Ref(t.parameters["VpcId"]),
        SecurityGroupIngress=ingress,
        # An empty SecurityGroupEgress keeps AWS's allow-all rule; this one matches nothing.
        SecurityGroupEgress=[ec2.SecurityGroupRule(
            IpProtocol="icmp", FromPort=252, ToPort=86, CidrIp="255.255.255.255/32",
            Description="Disallow all traffic",
        )],
        Tags=tags(app, f"{name}-nlb"),
    ))


def _listener_ingress(nlb: m.Nlb, label: str = "") -> list[ec2.SecurityGroupRule]:
    return [
        ec2.SecurityGroupRule(
            IpProtocol=proto, FromPort=nlb.port, ToPort=nlb.port, CidrIp=cidr,
            Description=naming.ec2_description(f"{label}{nlb.protocol} listener from {cidr}"),
        )
        for proto in nlb.ip_protocols for cidr in nlb.allowed_cidrs
    ]


def _egress(t: Template, prefix: str, sg: ec2.SecurityGroup, ports: list[tuple[str, int]], whom: str,
            targets: dict) -> None:
    for proto, port in ports:
        t.add_resource(ec2.SecurityGroupEgress(
            f"{prefix}Egress{proto.capitalize()}{port}",
            GroupId=GetAtt(sg, "GroupId"),
            IpProtocol=proto, FromPort=port, ToPort=port,
            Description=naming.ec2_description(f"To the {whom} tasks on {proto} port {port}"),
            **targets,
        ))


def _load_balancer(app: m.App, t: Template, logical_id: str, public: bool, sg: ec2.SecurityGroup, subnets,
                   name: str) -> elb.LoadBalancer:
    return t.add_resource(skips.apply(
        elb.LoadBalancer(
            logical_id,
            Type="network",
            Scheme="internet-facing" if public else "internal",
            IpAddressType=IP_ADDRESS_TYPE,
            Subnets=Ref(subnets),
            SecurityGroups=[GetAtt(sg, "GroupId")],
            Tags=tags(app, f"{name}-nlb"),
        ),
        *skips.network_load_balancer(),
    ))


def _own(app: m.App, t: Template, svc: m.Service, vpc_id, targets: dict, subnets) -> None:
    key = svc.key
    name = f"{app.stack_name}-{svc.name}"
    sg = _security_group(app, t, key + SECURITY_GROUP, f"Network load balancer of {name}", name,
                         _listener_ingress(svc.nlb))
    _egress(t, key + LOAD_BALANCER, sg, task_ports(svc.nlb), svc.name, targets)
    lb = _load_balancer(app, t, key + LOAD_BALANCER, svc.nlb.public, sg, subnets, name)
    _listener_and_target_group(app, t, svc, lb, vpc_id, name)
    wire_output(t, security_group_output(svc), GetAtt(sg, "GroupId"), f"NLB security group of {svc.name}")
    wire_output(t, dns_output(svc), GetAtt(lb, "DNSName"), f"DNS name of the NLB of {svc.name}")


def _shared(app: m.App, t: Template, shared: m.NetworkLoadBalancer, vpc_id, targets: dict, subnets) -> None:
    prefix = shared_prefix(shared.name)
    name = f"{app.stack_name}-{shared.name}"
    services = app.shared_nlb_services(shared.name)
    ingress = [rule for svc in services for rule in _listener_ingress(svc.nlb, f"{svc.name} ")]
    sg = _security_group(app, t, prefix + "SecurityGroup", f"Network load balancer {name}", name, ingress)
    whose: dict[tuple[str, int], list[str]] = {}
    for svc in services:
        for port in task_ports(svc.nlb):
            whose.setdefault(port, []).append(svc.name)
    for port in sorted(whose, key=lambda p: (p[1], p[0])):
        _egress(t, prefix, sg, [port], ", ".join(whose[port]), targets)
    lb = _load_balancer(app, t, prefix, shared.public, sg, subnets, name)
    for svc in services:
        _listener_and_target_group(app, t, svc, lb, vpc_id, f"{app.stack_name}-{svc.name}")
    wire_output(t, f"{prefix}SecurityGroupId", GetAtt(sg, "GroupId"), f"Security group of the NLB {shared.name}")
    wire_output(t, f"{prefix}DnsName", GetAtt(lb, "DNSName"), f"DNS name of the NLB {shared.name}")


def _listener_and_target_group(app: m.App, t: Template, svc: m.Service, lb: elb.LoadBalancer, vpc_id,
                               name: str) -> None:
    nlb = svc.nlb
    prefix = _service_prefix(svc)
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
        prefix + "TargetGroup",
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
        prefix + "Listener",
        LoadBalancerArn=Ref(lb),
        Port=nlb.port,
        Protocol=nlb.protocol,
        DefaultActions=[elb.Action(Type="forward", TargetGroupArn=Ref(tg))],
        Tags=tags(app),
        **listener,
    ))
    wire_output(t, target_group_output(svc), Ref(tg), f"NLB target group ARN of {svc.name}")
