"""What a spec expects to exist before it is deployed, and where it is deployed.

A spec names things the user makes outside the stack: the ACM certificate of
`load_balancer.https`, the bucket of `access_logs: {bucket: ...}`, customer
managed policies in `task_role.managed_policies`, the Route 53 hosted zones of
`http.hosted_zone` (named after the aliases' common domain), the existing EFS
file systems of `efs: {id}`, and the account's zone names (`network.vpc.zones`; which names an account sees differs between
accounts). On AWS, deploying without them fails (docs/deploy.md lists them);
the emulator refuses them the same way (moto itself, or moto_compat), so the
e2e tests make them first, in the account and region the stack goes to, as a
user would.

The region: the one the spec's explicit zones are in, else the one of its
certificate (an ALB only takes a certificate of its own region), else
emulator.REGION. A spec with `azs:` stays region-agnostic and deploys anywhere.
"""

from __future__ import annotations

import ipaddress
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
    existing = app.network.existing
    zones = [r.zone for r in (existing.public + existing.private if existing else ()) if r.zone]
    if zones:
        return zone_region(zones[0])
    if app.load_balancer and app.load_balancer.https and app.load_balancer.https.certificate_arn:
        parts = app.load_balancer.https.certificate_arn.split(":")
        if len(parts) > 3 and parts[3]:
            return parts[3]
    return REGION


def provide(emulator: Emulator, app: m.App):
    """Make them; returns a callable that undoes what outlives an emulator reset."""
    added_zones = emulator.provide_zones(list(app.network.zones))
    if app.network.existing is not None:
        added_zones += provide_vpc(emulator, app.network)
    lb = app.load_balancer
    if lb and lb.https and lb.https.certificate_arn:
        emulator.provide_certificate(lb.https.certificate_arn)
    for arn in sorted({s.nlb.certificate_arn for s in app.nlb_services if s.nlb.certificate_arn}):
        emulator.provide_certificate(arn)     # a TLS NLB listener's
    for zone_id, domain in sorted(hosted_zones(app).items()):
        emulator.provide_hosted_zone(zone_id, domain)
    for file_system in sorted({v.efs.file_system_id for s in app.services for v in s.efs_volumes
                               if not v.efs.managed}):
        emulator.provide_file_system(file_system)
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


EXISTING_VPC_CIDR = "10.77.0.0/16"   # when the spec does not say (any cidr will do)


def provide_vpc(emulator: Emulator, net: m.Network) -> list[str]:
    """The existing VPC a spec names: the VPC, its subnets (each in its given zone, else
    spread over the region's zones, one /24 each) and its private route tables, under the
    spec's IDs; the private subnets are associated with the first route table. Returns
    the zone names added to the emulator."""
    existing = net.existing
    ec2 = emulator.client("ec2")
    with emulator.fixed_id("vpc", existing.id):
        ec2.create_vpc(CidrBlock=net.cidr or EXISTING_VPC_CIDR)
    given = sorted({r.zone for r in existing.public + existing.private if r.zone})
    added = emulator.provide_zones(given)
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
    blocks = ipaddress.ip_network(net.cidr or EXISTING_VPC_CIDR).subnets(new_prefix=24)
    for refs in (existing.public, existing.private):
        for i, ref in enumerate(refs):
            with emulator.fixed_id("subnet", ref.id):
                ec2.create_subnet(VpcId=existing.id, CidrBlock=str(next(blocks)),
                                  AvailabilityZone=ref.zone or zones[i % len(zones)])
    for n, table in enumerate(existing.route_tables):
        with emulator.fixed_id("route_table", table):
            ec2.create_route_table(VpcId=existing.id)
        if n == 0:
            for ref in existing.private:
                ec2.associate_route_table(RouteTableId=table, SubnetId=ref.id)
    return added
