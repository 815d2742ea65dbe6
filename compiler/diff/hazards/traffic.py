"""What running services see: a listener forwarding to a target group with no targets yet
("traffic-gap"), a default service moving from the listener's default action to a rule of
its own ("default-moved") and an autoscaled service's count set back ("count-reset")."""

from __future__ import annotations

from compiler.diff.changes import Changes, Identity
from compiler.diff.hazards.kinds import Hazard
from compiler.diff.hazards.resources import (ECS_SERVICE, LISTENER, RULE, SCALABLE_TARGET, TARGET_GROUP,
                                             props_of, type_of)
from compiler.diff.resolve import refers_to



def _actions(resource: dict):
    props = props_of(resource)
    return props.get("Actions", props.get("DefaultActions"))


def traffic_gaps(changes: Changes) -> list[Hazard]:
    created = {i for i in changes.added | changes.replaced if type_of(changes.new_resource(i)) == TARGET_GROUP}
    if not created:
        return []
    out = []
    for file in changes.new.templates:
        for logical_id, resource in sorted(changes.new.resources(file).items()):
            identity = (changes.new.key(file), logical_id)
            if identity in changes.added or type_of(resource) not in (LISTENER, RULE):
                continue
            targets = refers_to(changes.new_values.resolve(file, _actions(resource)), created)
            for group in sorted(targets):
                how = "replaced" if group in changes.replaced else "new"
                out.append(Hazard("traffic-gap", file, logical_id,
                                  f"now forwards to the {how} target group {changes.name(group)}, which has no "
                                  "registered targets until the service's tasks pass health checks: requests "
                                  "fail with 503 meanwhile"))
    return out


def default_moves(changes: Changes) -> list[Hazard]:
    """A listener whose default action stops forwarding to a target group that a rule this
    update creates forwards to (the default service got conditions or a rewrite): the rule
    refers to the listener, so CloudFormation updates the listener first and creates the
    rule after it; meanwhile the group's requests get the new default action."""
    groups = {(changes.new.key(f), i) for f in changes.new.templates
              for i, r in changes.new.resources(f).items() if type_of(r) == TARGET_GROUP}
    new_rules = {}
    for identity in sorted(changes.added):
        resource = changes.new_resource(identity)
        if type_of(resource) == RULE:
            file = changes.new_file(identity)
            for group in refers_to(changes.new_values.resolve(file, _actions(resource)), groups):
                new_rules.setdefault(group, identity)
    out = []
    for identity, change in sorted(changes.modified().items()):
        if change.type != LISTENER or change.replacement:
            continue
        old_file, new_file = changes.old_file(identity), changes.new_file(identity)
        before = refers_to(changes.old_values.resolve(old_file, _actions(changes.old_resource(identity))), groups)
        after = refers_to(changes.new_values.resolve(new_file, _actions(changes.new_resource(identity))), groups)
        for group in sorted(before - after):
            if group in new_rules:
                out.append(Hazard("default-moved", new_file, identity[1],
                                  f"the default action stops forwarding to {changes.name(group)}, whose requests "
                                  f"move to the new rule {new_rules[group][1]}; the rule is created only after "
                                  "this listener is updated, and its requests get the new default action "
                                  "(404) meanwhile"))
    return out


def count_resets(changes: Changes) -> list[Hazard]:
    scaled = _autoscaled(changes)
    out = []
    for identity, change in sorted(changes.modified().items()):
        if change.type != ECS_SERVICE or change.replacement or not change.properties_changed:
            continue
        desired = props_of(changes.new_resource(identity)).get("DesiredCount")
        if desired is None or identity not in scaled:
            continue
        out.append(Hazard("count-reset", changes.file(identity), identity[1],
                          f"the service is autoscaled and its template sets DesiredCount {desired}: updating it "
                          f"({', '.join(change.properties[:4])}{', ...' if len(change.properties) > 4 else ''}) "
                          f"sets the running task count back to {desired}"))
    return out


def _autoscaled(changes: Changes) -> set[Identity]:
    """ECS services a ScalableTarget of the new templates scales (its ResourceId refers to them)."""
    services = {(changes.new.key(f), i) for f in changes.new.templates
                for i, r in changes.new.resources(f).items() if type_of(r) == ECS_SERVICE}
    scaled = set()
    for file in changes.new.templates:
        for resource in changes.new.resources(file).values():
            if type_of(resource) == SCALABLE_TARGET:
                scaled |= refers_to(changes.new_values.resolve(file, props_of(resource).get("ResourceId")), services)
    return scaled
