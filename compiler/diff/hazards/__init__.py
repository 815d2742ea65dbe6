"""What in a set of changes can hurt a running app: hazards as values (kinds in KINDS).

    kinds.py          the kinds, their descriptions, the Hazard value
    resources.py      resource types the hazards look at
    replacements.py   replacement, vpc-move, data-deletion
    names.py          name-clash, priority-in-use
    traffic.py        traffic-gap, default-moved, count-reset
    rules.py          rule-gap
    updates.py        subnet-overlap, data-view, duplicate-delivery, default-certificate,
                      association-replacement
    schedules.py      duplicate-schedule
    shifted_routes.py shift-revert
    lb_moves.py       load-balancer-move
    listeners.py      listener-change, port-in-use, target-group-association, endpoint-removed
"""

from __future__ import annotations

from compiler.diff.changes import Changes
from compiler.diff.hazards.kinds import KINDS, Hazard, describe  # noqa: F401
from compiler.diff.hazards.lb_moves import load_balancer_moves
from compiler.diff.hazards.listeners import (endpoints_removed, listener_changes, ports_in_use,
                                             target_group_associations)
from compiler.diff.hazards.names import name_clashes
from compiler.diff.hazards.replacements import data_deletions, replacements, vpc_moves
from compiler.diff.hazards.rules import rule_gaps
from compiler.diff.hazards.schedules import duplicate_schedules
from compiler.diff.hazards.shifted_routes import shift_reverts
from compiler.diff.hazards.traffic import count_resets, default_moves, traffic_gaps
from compiler.diff.hazards.updates import (association_replacements, data_views, default_certificates,
                                           duplicate_deliveries, subnet_overlaps)


def find(changes: Changes) -> list[Hazard]:
    found = (replacements(changes) + vpc_moves(changes) + name_clashes(changes)
             + traffic_gaps(changes) + default_moves(changes) + count_resets(changes) + data_deletions(changes)
             + rule_gaps(changes) + subnet_overlaps(changes) + data_views(changes)
             + duplicate_deliveries(changes) + duplicate_schedules(changes) + default_certificates(changes)
             + association_replacements(changes) + shift_reverts(changes) + listener_changes(changes)
             + ports_in_use(changes) + target_group_associations(changes) + endpoints_removed(changes)
             + load_balancer_moves(changes))
    return sorted(set(found), key=lambda h: (list(KINDS).index(h.kind), h.stack, h.id, h.message))
