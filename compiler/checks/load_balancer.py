"""FC216: load balancer settings: source cidrs, security group rule quotas, TLS policy, access-log bucket."""

from __future__ import annotations

import difflib
import ipaddress
import re

from compiler.checks._util import given, listing
from compiler.diagnostics import WARNING, Diagnostic, Locator
from compiler.aws.elb_policies import SSL_POLICIES
from compiler.model import App

CODE = "FC216"

RECOMMENDED_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
# Inbound and outbound rules per security group (AWS's default quotas, compiler/lint/rules E9002):
# one inbound rule per allowed cidr and listener port, one outbound rule per routed task port.
MAX_INGRESS_RULES = 60
MAX_EGRESS_RULES = 60

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    """Each ALB of the app's (an existing one's settings are its owner's: FC282)."""
    return [d for lb in app.owned_load_balancers for d in _one(app, lb, data, locator)]


def _one(app: App, lb, data: dict, locator: Locator) -> list[Diagnostic]:
    base = lb.spec_path
    found = _cidrs(lb.allowed_cidrs, data, locator, base)
    rules = len(lb.allowed_cidrs) * len(lb.listener_ports)
    if rules > MAX_INGRESS_RULES:
        found.append(locator.error(
            CODE, (*base, "allowed_cidrs"),
            f"{len(lb.allowed_cidrs)} allowed_cidrs on {len(lb.listener_ports)} listener ports need "
            f"{rules} inbound rules in the load balancer's security group; AWS allows "
            f"{MAX_INGRESS_RULES} by default",
            hint=f"at most {MAX_INGRESS_RULES // len(lb.listener_ports)} cidrs with these listeners; "
            "merge neighbouring ranges into larger ones"))
    found += _egress(app, lb, locator)
    if lb.https:
        found += _policy(lb.https.ssl_policy, data, locator, (*base, "https", "ssl_policy"))
    if lb.access_logs:
        found += _access_logs(lb.access_logs, locator, base)
    return found


def _egress(app: App, lb, locator: Locator) -> list[Diagnostic]:
    """The ALB's security group has one outbound rule per distinct port of a routed service."""
    first_on_port: dict[int, str] = {}
    for service in app.routed_by(lb):
        first_on_port.setdefault(service.port, service.name)
    if len(first_on_port) <= MAX_EGRESS_RULES:
        return []
    over = list(first_on_port.values())[MAX_EGRESS_RULES]
    return [locator.error(
        CODE, ("services", over, "port"),
        f"the services behind the load balancer listen on {len(first_on_port)} different ports, "
        f"and its security group needs an outbound rule for each; AWS allows {MAX_EGRESS_RULES} "
        f"by default, and {over} brings port number {MAX_EGRESS_RULES + 1}",
        hint="tasks have their own IP addresses: services can share one container port, e.g. 8080")]


def _cidrs(cidrs, data, locator, base: tuple = ("load_balancer",)) -> list[Diagnostic]:
    found, seen = [], {}
    explicit = given(data, *base, "allowed_cidrs")
    for index, cidr in enumerate(cidrs):
        path = (*base, "allowed_cidrs", index) if explicit else base
        try:
            net = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            found.append(locator.error(
                CODE, path, f"'{cidr}' is not an IPv4 cidr like 203.0.113.0/24 or 0.0.0.0/0"))
            continue
        if net.version != 4:
            found.append(locator.error(
                CODE, path,
                f"'{cidr}' is IPv6; the load balancer is IPv4-only, use IPv4 cidrs"))
            continue
        if str(net) != cidr:
            found.append(locator.error(
                CODE, path, f"'{cidr}' has host bits set; write {net}"))
        if net in seen:
            found.append(locator.error(
                CODE, path,
                f"'{cidr}' repeats allowed_cidrs[{seen[net]}]; a security group rejects "
                "duplicate rules"))
        else:
            seen[net] = index
    return found


def _policy(policy: str, data, locator, path: tuple = ("load_balancer", "https", "ssl_policy")) -> list[Diagnostic]:
    if policy not in SSL_POLICIES:
        close = difflib.get_close_matches(policy, SSL_POLICIES, n=1)
        return [locator.error(
            CODE, path,
            f"'{policy}' is not an ALB security policy; use one of the ELBSecurityPolicy-* "
            f"names, e.g. {RECOMMENDED_POLICY}",
            hint=f"did you mean {close[0]}?" if close else
            "valid: " + listing(sorted(SSL_POLICIES)))]
    oldest = SSL_POLICIES[policy]
    if oldest in ("1.0", "1.1"):
        return [locator.error(
            CODE, path,
            f"'{policy}' accepts TLS {oldest}, which Security Hub (ELB.17) flags; "
            f"prefer {RECOMMENDED_POLICY}", severity=WARNING)]
    return []


def _access_logs(logs, locator, lb_path: tuple = ("load_balancer",)) -> list[Diagnostic]:
    found = []
    base = (*lb_path, "access_logs")
    bucket = logs.bucket
    if bucket is not None and (not _BUCKET.match(bucket) or ".." in bucket
                               or re.match(r"^\d+\.\d+\.\d+\.\d+$", bucket)):
        found.append(locator.error(
            CODE, (*base, "bucket"),
            f"'{bucket}' is not an S3 bucket name: 3-63 of a-z 0-9 . -, starting and ending "
            "with a letter or digit"))
    if "AWSLogs" in logs.prefix or logs.prefix.startswith("/"):
        found.append(locator.error(
            CODE, (*base, "prefix"),
            f"access-log prefix '{logs.prefix}' must not contain 'AWSLogs' or start with '/'"))
    return found
