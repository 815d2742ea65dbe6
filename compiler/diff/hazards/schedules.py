"""duplicate-schedule: a schedule created while an old one with the same expression lives on."""

from __future__ import annotations

from compiler.diff.changes import Changes
from compiler.diff.hazards.kinds import Hazard
from compiler.diff.hazards.resources import props_of, type_of

EVENT_RULE = "AWS::Events::Rule"


def _schedule(changes: Changes, identity, new: bool):
    resource = changes.new_resource(identity) if new else changes.old_resource(identity)
    if type_of(resource) != EVENT_RULE:
        return None
    props = props_of(resource)
    values, file = ((changes.new_values, changes.new_file(identity)) if new
                    else (changes.old_values, changes.old_file(identity)))
    state = values.resolve(file, props.get("State", "ENABLED"))
    expression = values.resolve(file, props.get("ScheduleExpression"))
    return expression if state == "ENABLED" and isinstance(expression, str) else None


def duplicate_schedules(changes: Changes) -> list[Hazard]:
    """A scheduled rule created by the update (a job renamed without `renamed_from`) while an
    old rule with the same schedule is deleted only in the cleanup phase: a run due meanwhile
    starts from both."""
    old = {}
    for identity in sorted(changes.removed | changes.replaced):
        expression = _schedule(changes, identity, False)
        if expression is not None:
            old.setdefault(expression, []).append(identity)
    out = []
    for identity in sorted(changes.added | changes.replaced):
        expression = _schedule(changes, identity, True)
        for before in old.get(expression, ()) if expression is not None else ():
            out.append(Hazard(
                "duplicate-schedule", changes.file(identity), identity[1],
                f"a new schedule {expression} is created while {changes.name(before)} keeps the same one "
                "until the cleanup phase: a run due during the update starts twice (possibly at once); a "
                "renamed job keeps its schedule with `renamed_from`"))
    return out
