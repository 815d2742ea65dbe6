"""Replacements (and moves to another nested stack), load balancers that would change VPC,
and data deleted with a resource: kinds "replacement", "vpc-move" and "data-deletion"."""

from __future__ import annotations

from compiler.diff.changes import Changes, Identity
from compiler.diff.hazards.kinds import Hazard
from compiler.diff.hazards.resources import (DATA, LOAD_BALANCER, SAFE_DELETION, STATEFUL, SUBNET, TRAFFIC, VPC,
                                             type_of)


def _moves(changes: Changes) -> dict[Identity, Identity]:
    """Removed (stack, id) -> added (stack, id): the same logical ID in another nested stack."""
    added = {}
    for stack, logical_id in sorted(changes.added):
        added.setdefault(logical_id, (stack, logical_id))
    return {identity: added[identity[1]] for identity in sorted(changes.removed) if identity[1] in added}


def replacements(changes: Changes) -> list[Hazard]:
    out = []
    modified = changes.modified()
    for identity in sorted(changes.replaced):
        kind = type_of(changes.new_resource(identity))
        if kind not in STATEFUL | TRAFFIC:
            continue
        change = modified[identity]
        why = ", ".join(change.replaced_by) or "its type"
        follows = ", ".join(changes.name(i) for i in change.follows)
        reason = f"{why} changes" + (f" (it follows the replaced {follows})" if follows else "")
        message = f"{kind} is replaced: {reason}; CloudFormation creates a new one and deletes the old one"
        if kind == VPC:
            inside = sum(1 for other in changes.replaced if other != identity)
            message += (f"; {inside} more resources are replaced with it, and a load balancer, an internet "
                        "gateway still attached or a running service cannot move between VPCs: the update "
                        "fails; only deleting and re-creating the stack works")
        elif kind == SUBNET:
            message += "; the new subnet must not overlap the old one, which exists until cleanup"
        out.append(Hazard("replacement", changes.file(identity), identity[1], message))
    for before, after in _moves(changes).items():
        kind = type_of(changes.old_resource(before))
        if kind in STATEFUL | TRAFFIC:
            out.append(Hazard("replacement", changes.file(after), after[1],
                              f"{kind} moves from the stack of {changes.old_file(before)} to the stack of "
                              f"{changes.new_file(after)}: it is deleted and re-created"))
    return out


def vpc_moves(changes: Changes) -> list[Hazard]:
    vpc_changes = any(type_of(changes.old_resource(i)) == VPC for i in changes.replaced | changes.removed)
    vpc_changes = vpc_changes or any(
        path in ("VpcId", "Vpc") for m in changes.modified().values() if m.replacement for path in m.replaced_by)
    if not vpc_changes:
        return []
    out = []
    for identity, change in sorted(changes.modified().items()):
        if change.type == LOAD_BALANCER and not change.replacement and any(
                p.split(".")[0].split("[")[0] in ("Subnets", "SubnetMappings") for p in change.properties):
            out.append(Hazard("vpc-move", changes.file(identity), identity[1],
                              "the load balancer stays but its subnets move to another VPC: a load balancer "
                              "cannot change VPC, so the update fails"))
    return out


def data_deletions(changes: Changes) -> list[Hazard]:
    # A removal follows the old template's DeletionPolicy, a replacement the new one's UpdateReplacePolicy.
    cases = ((changes.removed, changes.old_resource, "DeletionPolicy", "removed", "it is deleted with its data"),
             (changes.replaced, changes.new_resource, "UpdateReplacePolicy", "replaced",
              "the old one is deleted with its data"))
    out = []
    for identities, resource_of, policy, what, outcome in cases:
        for identity in sorted(identities):
            resource = resource_of(identity)
            if type_of(resource) in DATA and resource.get(policy) not in SAFE_DELETION:
                out.append(Hazard("data-deletion", changes.file(identity), identity[1],
                                  f"{type_of(resource)} is {what} without {policy} Retain: {outcome}"))
    return out
