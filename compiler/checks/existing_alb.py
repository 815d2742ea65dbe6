"""FC282: an existing ALB (`load_balancers.<name>.arn`): ARNs, security group, priority range."""

# The compiler adds target groups and listener rules to an ALB it does not own, so what it is
# told about that ALB must hold together before CloudFormation tries: the ARN is an
# Application Load Balancer's, in the partition of its region and in the stack's region when
# the spec pins it (a rule cannot reach across regions); the listener belongs to that ALB (same
# partition, region, account, name and ID); the security group is an ID; the priority range
# lies inside 1-50000 in order; no listener is named twice; and none of the settings of an ALB
# the app makes (https, access_logs, ...) are given, since the ALB is its owner's.

from __future__ import annotations

import re

from compiler.checks._util import given, listing, raw
from compiler.checks.zones import pinned_region
from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App

CODE = "FC282"

ALB_ARN = re.compile(r"^arn:(?P<partition>aws[a-z-]*):elasticloadbalancing:(?P<region>[a-z0-9-]+):"
                     r"(?P<account>\d{12}):loadbalancer/app/(?P<name>[A-Za-z0-9-]{1,32})/(?P<id>[0-9a-f]{16})$")
LISTENER_ARN = re.compile(r"^arn:(?P<partition>aws[a-z-]*):elasticloadbalancing:(?P<region>[a-z0-9-]+):"
                          r"(?P<account>\d{12}):listener/app/(?P<name>[A-Za-z0-9-]{1,32})/(?P<id>[0-9a-f]{16})/"
                          r"[0-9a-f]{16}$")
SECURITY_GROUP = re.compile(r"^sg-([0-9a-f]{8}|[0-9a-f]{17})$")
RANGE = re.compile(r"^(\d+)-(\d+)$")
FIRST_PRIORITY, LAST_PRIORITY = 1, 50000
# What an ALB of the app's takes and an existing one does not (its owner sets them).
OWNED_KEYS = ("public", "allowed_cidrs", "idle_timeout", "https", "access_logs", "deletion_protection")


def partition_of(region: str) -> str:
    return "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    listeners: dict[str, str] = {}
    pinned = pinned_region(app)
    for lb in app.load_balancers:
        if lb.existing is None:
            continue
        base = lb.spec_path
        ext = lb.existing
        for key in OWNED_KEYS:
            if given(data, *base, key):
                found.append(locator.error(
                    CODE, (*base, key), f"load balancer {lb.name} is an existing ALB (arn): its {key} is its "
                    "owner's, and the app adds only target groups and listener rules to it",
                    hint=f"remove {key}, or remove arn to make an ALB of the app's", key=True))
        alb = ALB_ARN.match(ext.arn)
        if alb is None:
            found.append(locator.error(
                CODE, (*base, "arn"), f"'{ext.arn}' is not an Application Load Balancer ARN "
                "(arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/app/NAME/ID)"))
        else:
            found += _region(lb.name, alb, pinned, (*base, "arn"), locator)
            found += _listener(lb.name, alb, ext.listener_arn, (*base, "listener_arn"), locator)
        if ext.listener_arn in listeners:
            found.append(locator.error(
                CODE, (*base, "listener_arn"), f"load balancers {listeners[ext.listener_arn]} and {lb.name} "
                "name the same listener; give one name to it (one priority range)"))
        listeners.setdefault(ext.listener_arn, lb.name)
        if not SECURITY_GROUP.match(ext.security_group):
            found.append(locator.error(
                CODE, (*base, "security_group"), f"'{ext.security_group}' is not a security group ID "
                "(sg- and 8 or 17 hex digits)"))
        found += _range(lb.name, raw(data, *base, "priorities"), (*base, "priorities"), locator)
    return found


def _region(name: str, alb: re.Match, pinned, path: tuple, locator: Locator) -> list[Diagnostic]:
    region, partition = alb.group("region"), alb.group("partition")
    if partition != partition_of(region):
        return [locator.error(
            CODE, path, f"the ARN of load balancer {name} is in partition {partition}, and region {region} "
            f"is in {partition_of(region)}")]
    if pinned is not None and pinned[0] != region:
        return [locator.error(
            CODE, path, f"load balancer {name} is in {region}, and the stack deploys to {pinned[0]} "
            f"({pinned[1]}): target groups and listener rules live in the load balancer's region",
            hint=f"deploy this app to {region}, or name an ALB of {pinned[0]}")]
    return []


def _listener(name: str, alb: re.Match, listener_arn: str, path: tuple, locator: Locator) -> list[Diagnostic]:
    listener = LISTENER_ARN.match(listener_arn)
    if listener is None:
        return [locator.error(
            CODE, path, f"'{listener_arn}' is not an ALB listener ARN "
            "(arn:aws:elasticloadbalancing:REGION:ACCOUNT:listener/app/NAME/ID/LISTENER-ID)")]
    differ = [part for part in ("partition", "region", "account", "name", "id")
              if listener.group(part) != alb.group(part)]
    if differ:
        return [locator.error(
            CODE, path, f"the listener is not one of load balancer {name}'s: its {listing(differ, 'and')} "
            f"{'differs' if len(differ) == 1 else 'differ'} from the arn's ({', '.join(f'{listener.group(p)} vs {alb.group(p)}' for p in differ)})",
            hint="copy the ARN of one of this ALB's listeners (aws elbv2 describe-listeners)")]
    return []


def _range(name: str, written, path: tuple, locator: Locator) -> list[Diagnostic]:
    if written is None:
        return []                     # the default range (normalize)
    match = RANGE.match(str(written))
    if match is None:
        return []                     # the schema reports the shape
    first, last = int(match.group(1)), int(match.group(2))
    if not FIRST_PRIORITY <= first <= last <= LAST_PRIORITY:
        return [locator.error(
            CODE, path, f"priorities {written} of load balancer {name} must be FIRST-LAST with "
            f"{FIRST_PRIORITY} <= FIRST <= LAST <= {LAST_PRIORITY} (ALB listener rule priorities)")]
    return []
