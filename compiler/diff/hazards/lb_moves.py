"""A service that moves to another load balancer: kind "load-balancer-move".

A target group serves one load balancer, and a listener rule's ListenerArn is create-only, so
a service whose `http.load_balancer` changes gets a new target group and a new rule (their
logical IDs name the ALB: stacks/alb_routing.py) instead of an update ELB would refuse. The
update is safe in that order (the new group and rule are created, ECS registers the new tasks
in the new group, the old rule and group go in the cleanup phase), but the service's address
changes: clients of the old load balancer get its default action once the cleanup runs.
Found as a target group removed and one added with the same Name tag (the tag is the
service's, <app>-<env>-<service>[-<rule>], whatever its ALB).
"""

from __future__ import annotations

from compiler.diff.changes import Changes
from compiler.diff.hazards.kinds import Hazard
from compiler.diff.hazards.resources import TARGET_GROUP, props_of, type_of


def _name_tag(resource: dict) -> str | None:
    for tag in props_of(resource).get("Tags") or ():
        if isinstance(tag, dict) and tag.get("Key") == "Name" and isinstance(tag.get("Value"), str):
            return tag["Value"]
    return None


def _groups(side, identities) -> dict[str, tuple]:
    """Name tag -> (stack key, logical ID) of the target groups among `identities`."""
    found = {}
    for key, logical_id in identities:
        file = side.files_by_key().get(key)
        resource = side.resources(file).get(logical_id) if file else None
        if isinstance(resource, dict) and type_of(resource) == TARGET_GROUP and _name_tag(resource):
            found[_name_tag(resource)] = (key, logical_id)
    return found


def load_balancer_moves(changes: Changes) -> list[Hazard]:
    gone = _groups(changes.old, changes.removed)
    new = _groups(changes.new, changes.added)
    return [
        Hazard("load-balancer-move", changes.file(new[name]), new[name][1],
               f"target group {name} moves to another load balancer ({gone[name][1]} -> {new[name][1]}): a new "
               "group and listener rule are created and the old ones deleted in the cleanup phase, so "
               "clients of the old load balancer lose this service then; the service's address changes")
        for name in sorted(set(gone) & set(new))
    ]
