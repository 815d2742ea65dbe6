"""FC280: a service's NLB: TLS certificate, health check, ports, cidrs, target groups."""

# What ELB, EC2 and ECS refuse, said at the spec's line: a TLS listener needs a certificate
# and only TLS takes one; a health check path needs an http/https check; the NLB sends to a
# port the main container has (a worker has none) that no sidecar holds;
# allowed_cidrs are IPv4 networks within the security group's 60 inbound rules; an internal
# NLB in an existing VPC of unknown cidr needs allowed_cidrs (FC281 counts target groups).

from __future__ import annotations

from compiler.checks._util import given, svc
from compiler.checks.load_balancer import MAX_INGRESS_RULES, _cidrs, _policy
from compiler.diagnostics import WARNING, Diagnostic, Locator
from compiler.model import App, Service

CODE = "FC280"


NLBS_PER_REGION = 50    # default quota of Network Load Balancers per region


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for s in app.nlb_services:
        found += _service(app, s, data, locator)
    own = app.own_nlb_services
    if app.nlb_count > NLBS_PER_REGION and len(own) > NLBS_PER_REGION - len(app.network_load_balancers):
        extra = own[max(NLBS_PER_REGION - len(app.network_load_balancers), 0)]
        found.append(locator.error(
            CODE, svc(extra.name, "nlb"), f"the spec makes {app.nlb_count} Network Load Balancers "
            f"({len(own)} of services' own, {len(app.network_load_balancers)} shared); AWS allows "
            f"{NLBS_PER_REGION} per region unless the quota is raised",
            hint="request a quota increase, or put services on a shared NLB (network_load_balancers)",
            severity=WARNING, key=True))
    # nlb.json: 3 outputs per NLB of a service's own; 2 per shared NLB and 1 per service on it
    # (CloudFormation: 200 outputs; at most 8 resources per own NLB, far below 500).
    outputs = 3 * len(own) + sum(2 + len(app.shared_nlb_services(lb.name)) for lb in app.network_load_balancers)
    if outputs > 200:
        found.append(locator.error(
            CODE, svc(app.nlb_services[-1].name, "nlb"), f"the NLBs need {outputs} outputs in nlb.json; CloudFormation "
            "allows 200 (3 per NLB of a service's own, 2 per shared NLB and 1 per service on it)",
            hint="put services on a shared NLB (network_load_balancers)", key=True))
    return found


def _service(app: App, s: Service, data: dict, locator: Locator) -> list[Diagnostic]:
    nlb = s.nlb
    base = svc(s.name, "nlb")
    found: list[Diagnostic] = []
    if s.port is None:
        found.append(locator.error(
            CODE, base, f"service {s.name} has an nlb but no port: the NLB sends to the main container's port",
            hint="give the service a port (the one it listens on), or nlb.target_port", key=True))
    if nlb.protocol == "TLS" and nlb.certificate_arn is None:
        found.append(locator.error(
            CODE, (*base, "protocol"), "a tls listener needs a certificate: nlb.certificate_arn is missing",
            hint="add certificate_arn: arn:aws:acm:REGION:ACCOUNT:certificate/ID"))
    for key in ("certificate_arn", "ssl_policy"):
        if nlb.protocol != "TLS" and given(data, *base, key):
            found.append(locator.error(
                CODE, (*base, key), f"{key} applies to a tls listener only; this one is {nlb.protocol.lower()}",
                hint="set protocol: tls, or remove it", key=True))
    if nlb.protocol == "TLS" and nlb.ssl_policy is not None:
        found += _policy(nlb.ssl_policy, data, locator, (*base, "ssl_policy"))
    if nlb.healthcheck.protocol == "TCP" and given(data, *base, "healthcheck", "path"):
        found.append(locator.error(
            CODE, (*base, "healthcheck", "path"), "a tcp health check only connects; a path needs protocol http or https",
            hint="add protocol: http to the healthcheck, or remove the path", key=True))
    if nlb.protocol == "UDP" and nlb.healthcheck.port is None and not given(data, *base, "healthcheck"):
        found.append(locator.error(
            CODE, (*base, "protocol"),
            f"ELB checks a udp target group over TCP, here on the target port "
            f"{nlb.target_port}: the container must also accept TCP connections there",
            hint="set nlb.healthcheck.port (and protocol) to a TCP or HTTP port the container serves",
            severity=WARNING))
    found += _ports(s, base, data, locator)
    found += _cidrs(nlb.allowed_cidrs, data, locator, base)
    rules = len(nlb.allowed_cidrs) * len(nlb.ip_protocols)
    if rules > MAX_INGRESS_RULES:
        found.append(locator.error(
            CODE, (*base, "allowed_cidrs"),
            f"{len(nlb.allowed_cidrs)} allowed_cidrs on a {nlb.protocol} listener need {rules} inbound rules "
            f"in the NLB's security group; AWS allows {MAX_INGRESS_RULES} by default",
            hint="merge neighbouring ranges into larger ones"))
    if not nlb.public and nlb.load_balancer is None and app.network.cidr is None and not given(
            data, *base, "allowed_cidrs"):   # on a shared NLB: FC285
        found.append(locator.error(
            CODE, base, "an internal NLB admits the VPC's cidr by default, and this existing VPC's cidr is not given",
            hint="set network.vpc.cidr, or nlb.allowed_cidrs", key=True))
    return found


def _ports(s: Service, base: tuple, data: dict, locator: Locator) -> list[Diagnostic]:
    nlb = s.nlb
    if s.port is None:
        return []
    where = (*base, "target_port") if given(data, *base, "target_port") else base
    found = []
    for sidecar in s.sidecars:
        if sidecar.port == nlb.target_port and nlb.target_port != s.port:
            found.append(locator.error(
                CODE, where, f"the NLB sends to port {nlb.target_port} of the main container {s.name}, "
                f"but sidecar {sidecar.name} listens on it; containers of a task share one network namespace",
                hint="choose another target_port"))
    return found
