"""What an update does to a load balancer's listeners and to the names clients use: kinds
"listener-change", "port-in-use", "target-group-association" and "endpoint-removed".

ELB's rules behind them (elbv2 API): one listener per port on a load balancer, whatever
the protocol (DuplicateListener); a target group serves one load balancer
(TargetGroupAssociationLimit); a listener's Port and Protocol change in place (ModifyListener),
its LoadBalancerArn only by replacement; a load balancer's Scheme only by replacement, which
gives it a new DNS name. CloudFormation creates new and replacement resources during the
update and deletes the old ones in the cleanup phase.
"""

from __future__ import annotations

from compiler.diff.changes import Changes, Identity
from compiler.diff.hazards.kinds import Hazard
from compiler.diff.hazards.resources import LISTENER, LOAD_BALANCER, RULE, props_of, type_of
from compiler.diff.resolve import refers_to


def _of_type(changes: Changes, new: bool, kinds: tuple[str, ...]) -> dict[Identity, tuple[str, dict]]:
    side = changes.new if new else changes.old
    return {(side.key(f), i): (f, r) for f in side.templates for i, r in side.resources(f).items()
            if isinstance(r, dict) and type_of(r) in kinds}


def _one(found: set) -> Identity | None:
    return sorted(found)[0] if len(found) == 1 else None


def _listeners(changes: Changes, new: bool) -> dict[Identity, tuple[Identity | None, str, str, set, bool]]:
    """Listener or rule -> (its load balancer, port, protocol, target groups it forwards to, whether
    it is a listener), one side. A rule names its listener, not a load balancer: None there."""
    values = changes.new_values if new else changes.old_values
    balancers = set(_of_type(changes, new, (LOAD_BALANCER,)))
    groups = {i for i, (_, r) in _of_type(changes, new, ("AWS::ElasticLoadBalancingV2::TargetGroup",)).items()}
    out = {}
    for identity, (file, resource) in _of_type(changes, new, (LISTENER, RULE)).items():
        props = props_of(resource)
        lb = _one(refers_to(values.resolve(file, props.get("LoadBalancerArn")), balancers))
        actions = props.get("DefaultActions", props.get("Actions"))
        out[identity] = (lb, str(props.get("Port")), str(props.get("Protocol")),
                         refers_to(values.resolve(file, actions), groups),
                         type_of(resource) == LISTENER)
    return out


def listener_changes(changes: Changes) -> list[Hazard]:
    """A listener that stays changes its port or protocol: clients of the old one are refused."""
    out = []
    modified = changes.modified()
    old, new = _listeners(changes, False), _listeners(changes, True)
    for identity, change in sorted(modified.items()):
        if change.type != LISTENER or change.replacement or identity not in old or identity not in new:
            continue
        _, old_port, old_proto, _, _ = old[identity]
        _, new_port, new_proto, _, _ = new[identity]
        said = []
        if old_port != new_port:
            said.append(f"moves from port {old_port} to {new_port}")
        if old_proto != new_proto:
            said.append(f"changes protocol from {old_proto} to {new_proto}")
        if said:
            out.append(Hazard("listener-change", changes.file(identity), identity[1],
                              f"the listener {' and '.join(said)} in place: from that moment clients of "
                              f"{old_proto} port {old_port} are refused, and the security group's rules for the "
                              "new port may be updated before or after it; tell clients before deploying"))
    return out


def ports_in_use(changes: Changes) -> list[Hazard]:
    """A listener created, replaced or moved onto a port that another listener of the same load
    balancer holds until it is moved or deleted: DuplicateListener, the update fails or races."""
    old, new = _listeners(changes, False), _listeners(changes, True)
    held: dict[tuple, list[Identity]] = {}     # (load balancer, port) -> old listeners that leave it
    for identity, (lb, port, _, _, is_listener) in old.items():
        if not is_listener or lb is None or lb in changes.replaced:
            continue
        leaves = (identity in changes.removed or identity in changes.replaced
                  or (identity in new and new[identity][1] != port))
        if leaves:
            held.setdefault((lb, port), []).append(identity)
    out = []
    for identity, (lb, port, _, _, is_listener) in sorted(new.items()):
        if not is_listener:
            continue
        arrives = (identity in changes.added or identity in changes.replaced
                   or (identity in old and old[identity][1] != port))
        for other in held.get((lb, port), []) if arrives else []:
            if other != identity:
                out.append(Hazard("port-in-use", changes.file(identity), identity[1],
                                  f"takes port {port} of {changes.name(lb)}, which {changes.name(other)} holds until "
                                  "it is moved or deleted: ELB refuses a second listener on a port "
                                  "(DuplicateListener) and the update fails or races; move the port in two deploys"))
    return out


def target_group_associations(changes: Changes) -> list[Hazard]:
    """A new or replacement listener on one load balancer forwards to a target group that stays,
    while an old listener on another (or the replaced) load balancer still forwards to it."""
    old, new = _listeners(changes, False), _listeners(changes, True)
    out = []
    for identity, (lb, _, _, groups, _) in sorted(new.items()):
        if not (identity in changes.added or identity in changes.replaced) or lb is None:
            continue
        for group in sorted(g for g in groups if g not in changes.added and g not in changes.replaced):
            for other, (old_lb, _, _, old_groups, _) in sorted(old.items()):
                if group in old_groups and old_lb is not None and (old_lb != lb or lb in changes.replaced):
                    out.append(Hazard(
                        "target-group-association", changes.file(identity), identity[1],
                        f"forwards to {changes.name(group)}, which the old {changes.name(other)} of "
                        f"{changes.name(old_lb)} still uses until the cleanup phase: a target group serves one "
                        "load balancer (TargetGroupAssociationLimit), so the update fails; remove the listener "
                        "in one deploy and add it back in the next, or give the target group a new name"))
                    break
    return out


def endpoints_removed(changes: Changes) -> list[Hazard]:
    """A load balancer removed or replaced: its DNS name stops answering after the cleanup phase."""
    out = []
    for identity in sorted(changes.removed | changes.replaced):
        try:
            resource = changes.old_resource(identity)
        except KeyError:
            continue
        if type_of(resource) != LOAD_BALANCER:
            continue
        what = "is replaced" if identity in changes.replaced else "is removed"
        out.append(Hazard("endpoint-removed", changes.file(identity), identity[1],
                          f"the load balancer {what}: its DNS name (and every CNAME or alias to it) stops "
                          "answering once the old one is deleted; clients must move to the new load "
                          "balancer's DNS name (a stack output)"))
    return out
