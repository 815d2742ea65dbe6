"""What a spec expects to exist before it is deployed, and where it is deployed.

A spec names things the user makes outside the stack: the ACM certificate of
`load_balancer.https`, the bucket of `access_logs: {bucket: ...}`, customer
managed policies in `task_role.managed_policies`, the Route 53 hosted zones of
`http.hosted_zone` (named after the aliases' common domain), and the account's zone
names (`network.vpc.zones`; which names an account sees differs between
accounts). On AWS, deploying without them fails (docs/deploy.md lists them);
the emulator refuses them the same way (moto itself, or moto_compat), so the
e2e tests make them first, in the account and region the stack goes to, as a
user would.

The region: the one the spec's explicit zones are in, else the one of its
certificate (an ALB only takes a certificate of its own region), else
emulator.REGION. A spec with `azs:` stays region-agnostic and deploys anywhere.
"""

from __future__ import annotations

import json
import re

from compiler import model as m
from emulator import ACCOUNT, REGION, Emulator
from moto_compat import ELB_LOG_DELIVERY_ACCOUNTS, ELB_LOG_DELIVERY_SERVICE

REGION_OF_ZONE = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d+")


def zone_region(zone: str) -> str:
    """us-east-1a -> us-east-1, us-gov-west-1a -> us-gov-west-1, us-west-2-lax-1a -> us-west-2."""
    found = REGION_OF_ZONE.match(zone)
    assert found, f"not a zone name: {zone}"
    return found.group()


def region_of(app: m.App) -> str:
    if app.network.zones:
        return zone_region(app.network.zones[0])
    if app.load_balancer and app.load_balancer.https and app.load_balancer.https.certificate_arn:
        parts = app.load_balancer.https.certificate_arn.split(":")
        if len(parts) > 3 and parts[3]:
            return parts[3]
    return REGION


def provide(emulator: Emulator, app: m.App):
    """Make them; returns a callable that undoes what outlives an emulator reset."""
    added_zones = emulator.provide_zones(list(app.network.zones))
    lb = app.load_balancer
    if lb and lb.https and lb.https.certificate_arn:
        emulator.provide_certificate(lb.https.certificate_arn)
    for zone_id, domain in sorted(hosted_zones(app).items()):
        emulator.provide_hosted_zone(zone_id, domain)
    if lb and lb.access_logs and lb.access_logs.bucket:
        provide_log_bucket(emulator, lb.access_logs.bucket, lb.access_logs.prefix)
    for arn in sorted({a for s in app.services for a in s.task_role.managed_policies}):
        emulator.provide_managed_policy(arn)
    return lambda: emulator.forget_zones(added_zones)


def hosted_zones(app: m.App) -> dict[str, str]:
    """zone ID -> a domain name for it: the longest common suffix of its aliases' names
    (wildcard labels left out), so that every alias is the zone's apex or inside it."""
    names: dict[str, list[list[str]]] = {}
    for name, zone in app.alias_zones:
        names.setdefault(zone, []).append([p for p in name.split(".") if p != "*"])
    found = {}
    for zone, labels in names.items():
        common = labels[0]
        for other in labels[1:]:
            size = 0
            while size < min(len(common), len(other)) and common[-1 - size] == other[-1 - size]:
                size += 1
            common = common[len(common) - size:]
        found[zone] = ".".join(common)
    return found


def provide_log_bucket(emulator: Emulator, bucket: str, prefix: str) -> None:
    """The bucket ELB writes access logs to, with the policy the ELB guide asks for: to
    the Region's ELB account where there is one, else to the log-delivery service."""
    emulator.create_bucket(bucket)
    key_prefix = f"{prefix}/" if prefix else ""
    account = ELB_LOG_DELIVERY_ACCOUNTS.get(emulator.region)
    principal = ({"AWS": f"arn:{emulator.partition}:iam::{account}:root"} if account
                 else {"Service": ELB_LOG_DELIVERY_SERVICE})
    emulator.client("s3").put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": principal,
            "Action": "s3:PutObject",
            "Resource": f"arn:{emulator.partition}:s3:::{bucket}/{key_prefix}AWSLogs/{ACCOUNT}/*",
        }],
    }))
