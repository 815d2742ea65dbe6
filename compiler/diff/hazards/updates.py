"""Hazards of everyday edits that replace or re-create what running tasks depend on: kinds
"subnet-overlap", "data-view", "duplicate-delivery", "default-certificate" and
"association-replacement" ("priority-in-use" is found with the other names, names.py)."""

from __future__ import annotations

import ipaddress

from compiler.diff.changes import Changes, Identity
from compiler.diff.hazards.kinds import Hazard
from compiler.diff.hazards.resources import LISTENER, SUBNET, VPC, props_of, type_of

ACCESS_POINT = "AWS::EFS::AccessPoint"
SUBSCRIPTION = "AWS::SNS::Subscription"
ASSOCIATION = "AWS::EC2::SubnetRouteTableAssociation"


def _created(changes: Changes) -> list[Identity]:
    """Resources this update creates: added, or the new side of a replacement."""
    return sorted(changes.added | changes.replaced)


def _old_alive(changes: Changes) -> list[Identity]:
    """Old resources that still exist while the new ones are created (removed and replaced ones
    are deleted only in the cleanup phase), i.e. every old resource."""
    return sorted(i for i in _identities(changes.old))


def _identities(side) -> list[Identity]:
    return [(side.key(f), r) for f in side.templates for r, v in side.resources(f).items() if isinstance(v, dict)]


def _cidr(value):
    try:
        return ipaddress.ip_network(value) if isinstance(value, str) else None
    except ValueError:
        return None


def subnet_overlaps(changes: Changes) -> list[Hazard]:
    """A subnet created by the update whose cidr overlaps a subnet that still exists until cleanup."""
    if any(type_of(changes.old_resource(i)) == VPC for i in changes.replaced | changes.removed):
        return []                                 # a new VPC: its subnets overlap nothing of the old one
    old = {}
    for identity in _old_alive(changes):
        resource = changes.old_resource(identity)
        if type_of(resource) == SUBNET:
            net = _cidr(props_of(resource).get("CidrBlock"))
            if net is not None:
                old[identity] = net
    out = []
    for identity in _created(changes):
        resource = changes.new_resource(identity)
        if type_of(resource) != SUBNET:
            continue
        net = _cidr(props_of(resource).get("CidrBlock"))
        clash = sorted(changes.name(o) for o, n in old.items() if net is not None and net.overlaps(n))
        if clash:
            out.append(Hazard("subnet-overlap", changes.file(identity), identity[1],
                              f"the new subnet {net} overlaps {', '.join(clash)}, which exists until the "
                              "cleanup phase: EC2 refuses it (InvalidSubnet.Conflict) and the update fails"))
    return out


def _resolved(changes: Changes, identity: Identity, new: bool, *path):
    resource = changes.new_resource(identity) if new else changes.old_resource(identity)
    value = props_of(resource)
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    values, file = (changes.new_values, changes.new_file(identity)) if new else (changes.old_values, changes.old_file(identity))
    return values.resolve(file, value)


def data_views(changes: Changes) -> list[Hazard]:
    """An EFS access point replaced with another user or root directory: EFS applies CreationInfo
    only when it creates the directory, so the tasks see it owned by the old user (or another
    directory altogether)."""
    out = []
    old_points = {i: changes.old_resource(i) for i in _old_alive(changes)
                  if type_of(changes.old_resource(i)) == ACCESS_POINT}
    for identity in _created(changes):
        if type_of(changes.new_resource(identity)) != ACCESS_POINT:
            continue
        system = _resolved(changes, identity, True, "FileSystemId")
        user = _resolved(changes, identity, True, "PosixUser")
        root = _resolved(changes, identity, True, "RootDirectory", "Path")
        for before in sorted(old_points):
            if before in changes.added or (before not in changes.replaced and before not in changes.removed):
                continue
            if _resolved(changes, before, False, "FileSystemId") != system:
                continue
            old_user = _resolved(changes, before, False, "PosixUser")
            old_root = _resolved(changes, before, False, "RootDirectory", "Path")
            if before != identity and old_root != root:
                continue                      # another access point's directory
            if (old_user, old_root) != (user, root):
                what = "its POSIX user (uid/gid)" if old_user != user else "its root directory"
                out.append(Hazard(
                    "data-view", changes.file(identity), identity[1],
                    f"the EFS access point is re-created with {what} changed: EFS sets a root directory's "
                    "owner only when it creates it, so the directory keeps the old owner (the tasks may "
                    "not write) or the tasks see another directory (their files seem gone); chown the "
                    "directory or keep the old uid/gid and path"))
    return out


def duplicate_deliveries(changes: Changes) -> list[Hazard]:
    """A subscription created for a topic while an old subscription of the same topic to
    another endpoint is removed: both deliver until cleanup (every message processed twice
    when both queues are consumed), then the old queue keeps what it received."""
    removed = {}
    for identity in sorted(changes.removed | changes.replaced):
        if type_of(changes.old_resource(identity)) == SUBSCRIPTION:
            removed.setdefault(_resolved(changes, identity, False, "TopicArn"), []).append(identity)
    out = []
    for identity in sorted(changes.added):
        if type_of(changes.new_resource(identity)) != SUBSCRIPTION:
            continue
        topic = _resolved(changes, identity, True, "TopicArn")
        endpoint = _resolved(changes, identity, True, "Endpoint")
        for before in removed.get(topic, ()):
            if _resolved(changes, before, False, "Endpoint") == endpoint:
                continue
            out.append(Hazard(
                "duplicate-delivery", changes.file(identity), identity[1],
                f"a new subscription to the topic replaces {changes.name(before)}, which delivers to another "
                "queue until the cleanup phase: every message published meanwhile reaches both queues "
                "(processed twice while both services run), and what the old queue holds then stays "
                "there (a stranded backlog); a renamed worker keeps its queues with `renamed_from`"))
    return out


def default_certificates(changes: Changes) -> list[Hazard]:
    """A listener whose first (default) certificate changes."""
    out = []
    for identity, change in sorted(changes.modified().items()):
        if change.type != LISTENER or change.replacement:
            continue
        if not any(p.startswith("Certificates") for p in change.properties):
            continue
        if _default_certificate(changes, identity, False) != _default_certificate(changes, identity, True):
            out.append(Hazard(
                "default-certificate", changes.file(identity), identity[1],
                "the listener's default certificate changes: clients that send no SNI (or a name no "
                "certificate covers) get the new default at once, and the old default stays attached "
                "only if a listener certificate lists it; check that the new default covers them"))
    return out


def _default_certificate(changes: Changes, identity: Identity, new: bool):
    resource = changes.new_resource(identity) if new else changes.old_resource(identity)
    certificates = props_of(resource).get("Certificates")
    first = certificates[0] if isinstance(certificates, list) and certificates else None
    arn = first.get("CertificateArn") if isinstance(first, dict) else first
    values, file = (changes.new_values, changes.new_file(identity)) if new else (changes.old_values, changes.old_file(identity))
    return values.resolve(file, arn)


def association_replacements(changes: Changes) -> list[Hazard]:
    """A route table association replaced (`nat: single` <-> `per_az` moves private subnets to
    other route tables). CloudFormation's reference lists RouteTableId as a replacement yet says
    "the physical ID changes when the route table ID is changed"; its earlier User Guide said
    "Update requires: No interruption. However, the physical ID changes when the route table ID
    is changed": the subnet is re-associated (ReplaceRouteTableAssociation), never refused with
    Resource.AlreadyAssociated. What remains is the switch of the subnets' egress path."""
    out = []
    for identity in sorted(changes.replaced):
        if type_of(changes.new_resource(identity)) != ASSOCIATION:
            continue
        if _resolved(changes, identity, False, "SubnetId") != _resolved(changes, identity, True, "SubnetId"):
            continue                     # a new subnet: a new association, nothing held
        out.append(Hazard(
            "association-replacement", changes.file(identity), identity[1],
            "the subnet moves to another route table: CloudFormation swaps its association in place "
            "(ReplaceRouteTableAssociation: no AlreadyAssociated failure, a new association ID, the old "
            "one gone before cleanup); from that moment the subnet's outbound traffic takes the new table's "
            "route, so connections open through the old NAT gateway are reset"))
    return out
