"""How a service is reached: the ingress rules of its task security group (from the ALB,
from the other services), its Service Connect configuration and its Cloud Map (DNS)
discovery service. Part of the services stacks (services.py).
"""

from __future__ import annotations

from typing import Any, Callable

from troposphere import GetAtt, Template
from troposphere import ec2, ecs, servicediscovery

from compiler import model as m
from compiler.state import naming
from compiler.stacks import alb_routing
from compiler.stacks.nlb import security_group_output, task_ports
from compiler.stacks.tasks import port_name

# Per-service logical ID suffixes (see tasks.py).
DISCOVERY_SERVICE = "DiscoveryService"
LOAD_BALANCER_INGRESS = "LoadBalancerIngress"
SERVICES_INGRESS = "ServicesIngress"


def ingress(app: m.App, t: Template, svc: m.Service, wire: Callable[..., Any],
            task_sg: ec2.SecurityGroup) -> list[str]:
    """The task group's ingress on the container port (from the ALB; from the other services
    with connect or discovery), as resources of their own: logical IDs of the rules made.

    Not the group's inline rules: on a port change CloudFormation would revoke the old
    port's rule as it updates the group, before the ECS service's rolling deployment, and
    the old tasks would drop out of the ALB (and out of reach of the other services) until
    new ones pass their health checks. The port is create-only on an ingress resource: the
    new port's rule is created first, and the old one deleted in the cleanup phase, after
    the deployment is done.
    """
    sources = []
    lb = app.alb_of(svc)
    if lb is not None:
        # The route's port keeps the plain ID; other ports of additional_rules get theirs. The
        # source: the group of the service's own ALB (wired), or an existing ALB's (literal).
        main = svc.http.target_port
        source = alb_routing.wired(lb, wire, "AlbSecurityGroupId")
        for port in (main, *(p for p in svc.http.target_ports if p != main)):
            sources.append((LOAD_BALANCER_INGRESS + ("" if port == main else str(port)), source,
                            f"From the load balancer to {svc.name}:{port}", port))
    if svc.connect or svc.discovery:
        # No apostrophe: EC2 refuses it in rule descriptions (compiler/lint/rules E9001).
        sources.append((SERVICES_INGRESS, wire("ServicesSecurityGroupId"),
                        f"From the other services of the app to {svc.name}:{svc.port}", svc.port))
    made = []
    for suffix, source, text, port in sources:
        made.append(t.add_resource(ec2.SecurityGroupIngress(
            svc.key + suffix,
            GroupId=GetAtt(task_sg, "GroupId"),
            IpProtocol="tcp", FromPort=port, ToPort=port,
            SourceSecurityGroupId=source,
            Description=naming.ec2_description(text),
        )).title)
    return made


def nlb_ingress(t: Template, svc: m.Service, wire: Callable[..., Any], task_sg: ec2.SecurityGroup) -> list[str]:
    """The task group's ingress from the service's NLB (stacks/nlb.py): the target port in
    the listener's protocol(s), and the health check's port over TCP. Resources of their
    own, for the reason `ingress` gives; logical IDs of the rules made."""
    made = []
    for proto, port in task_ports(svc.nlb):
        made.append(t.add_resource(ec2.SecurityGroupIngress(
            f"{svc.key}NlbIngress{proto.capitalize()}{port}",
            GroupId=GetAtt(task_sg, "GroupId"),
            IpProtocol=proto, FromPort=port, ToPort=port,
            SourceSecurityGroupId=wire(security_group_output(svc)),
            Description=naming.ec2_description(f"From the network load balancer to {svc.name}:{port}/{proto}"),
        )).title)
    return made


def connect_discovery_name(svc: m.Service) -> str:
    """The Cloud Map service Service Connect registers the service under.

    Normally the alias. With `discovery: true` too, the DNS A-record service is
    already named after the service, so a same-named Service Connect service would
    collide in the namespace: it then gets a "-connect" suffix. Clients still use the
    alias (the client alias below), so nothing changes for them.
    """
    alias = svc.connect.alias
    return f"{alias}-connect" if svc.discovery and alias == svc.name else alias


def service_connect(svc: m.Service, wire: Callable[..., Any]) -> ecs.ServiceConnectConfiguration:
    props: dict[str, Any] = {}
    if svc.connect:
        props["Services"] = [ecs.ServiceConnectService(
            PortName=port_name(svc.name, svc.port),
            DiscoveryName=connect_discovery_name(svc),
            ClientAliases=[ecs.ServiceConnectClientAlias(
                Port=svc.port, DnsName=svc.connect.alias, **_test_traffic(svc))],
        )]
    # Services without `connect` are clients only: they resolve the others' aliases.
    return ecs.ServiceConnectConfiguration(Enabled=True, Namespace=wire("NamespaceArn"), **props)


def _test_traffic(svc: m.Service) -> dict[str, Any]:
    """A shifted service's test header: clients that send it reach the new revision."""
    test = svc.deployment.test_traffic
    if not (svc.deployment.shifted and test is not None and test.header is not None):
        return {}
    name, value = test.header
    return {"TestTrafficRules": ecs.ServiceConnectTestTrafficRules(Header=ecs.ServiceConnectTestTrafficHeaderRules(
        Name=name, Value=ecs.ServiceConnectTestTrafficHeaderMatchRules(Exact=value)))}


def discovery_service(t: Template, wire: Callable[..., Any], svc: m.Service,
                      svc_tags: Any) -> servicediscovery.Service:
    """The Cloud Map service whose A records are the service's tasks (`discovery: true`)."""
    return t.add_resource(servicediscovery.Service(
        svc.key + DISCOVERY_SERVICE,
        Name=svc.name,
        Description=f"A records of the {svc.name} tasks",
        NamespaceId=wire("NamespaceId"),
        DnsConfig=servicediscovery.DnsConfig(
            DnsRecords=[servicediscovery.DnsRecord(Type="A", TTL=10)],
            RoutingPolicy="MULTIVALUE",
        ),
        HealthCheckCustomConfig=servicediscovery.HealthCheckCustomConfig(FailureThreshold=1),
        Tags=svc_tags,
    ))
