"""A change to the listener rules or target groups ECS shifts traffic on: kind "shift-revert".

A shifted service's production (and test) rule forwards to two weighted target groups,
and ECS owns the weights: each blue/green, canary or linear deployment swings them
(docs/decisions.md). CloudFormation writes the rule only when the rule's template
properties change, and then with the weights the template holds, 100 to the first
group: after an odd number of deployments that group is the idle one, without tasks.
A change to such a rule (its route, its priority, its groups, or turning the service back
to rolling) or to its target groups is reported; an update that leaves them alone (a new
image, another size, variables) reports nothing.
"""

from __future__ import annotations

from compiler.diff.changes import Changes
from compiler.diff.hazards.kinds import Hazard
from compiler.diff.hazards.resources import RULE, props_of, type_of


def weighted_groups(rule: dict) -> list[str]:
    """Logical IDs of the target groups a rule's weighted forward action names (two or more)."""
    found = []
    for action in props_of(rule).get("Actions") or ():
        groups = ((action.get("ForwardConfig") or {}).get("TargetGroups") or ()) if isinstance(action, dict) else ()
        refs = [g.get("TargetGroupArn", {}).get("Ref") for g in groups if isinstance(g, dict)
                and isinstance(g.get("TargetGroupArn"), dict)]
        if len(refs) >= 2:
            found += [r for r in refs if isinstance(r, str)]
    return found


def shift_reverts(changes: Changes) -> list[Hazard]:
    modified = changes.modified()
    gone = changes.removed | changes.replaced

    def change(identity) -> str:
        """How the resource changes, or "" when it does not."""
        if identity in gone:
            return "is removed or replaced"
        if identity in modified:
            return "changes (" + ", ".join(modified[identity].properties) + ")"
        return ""

    out = []
    for file in changes.old.templates:
        key = changes.old.key(file)
        for logical_id, resource in sorted(changes.old.resources(file).items()):
            groups = weighted_groups(resource) if isinstance(resource, dict) and type_of(resource) == RULE else []
            if not groups:
                continue
            what = change((key, logical_id))
            if what:
                out.append(Hazard("shift-revert", changes.file((key, logical_id)), logical_id,
                                  f"the listener rule ECS shifts traffic on {what}: CloudFormation rewrites "
                                  "its forward action with the template's weights, 100 to the first target "
                                  "group, which after a finished shift may have no tasks"))
            for group in sorted(set(groups)):
                what = change((key, group))
                if what:
                    out.append(Hazard("shift-revert", changes.file((key, group)), group,
                                      f"a target group ECS shifts traffic between (rule {logical_id}) {what} "
                                      "while ECS may be serving production from it"))
    return out
