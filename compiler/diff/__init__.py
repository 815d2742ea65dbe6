"""`fargate-compile diff`: what an update from one compiled app to another does.

    templates.py   the two sides: an output directory, or a spec compiled in memory
    resolve.py     template expressions -> values comparable across nested stacks
    providers.py   create-only properties, from the resource schemas cfn-lint ships
    changes.py     added / removed / modified (replaced or not) per stack file
    hazards/       what of that can hurt a running app (one module per kind of hazard)
    report.py      text and JSON views of the result

Computing and formatting are apart (as in CDK's cloudformation-diff): `compute` returns
values; the reporters and the CLI decide what to print.
"""

from __future__ import annotations

from dataclasses import dataclass

from compiler.diff.changes import Changes, compare
from compiler.diff.hazards import Hazard, find
from compiler.diff.templates import TemplateSet


@dataclass
class Diff:
    changes: Changes
    hazards: list[Hazard]

    def as_json(self) -> dict:
        return {
            "stacks": {
                name: {
                    "added": list(stack.added),
                    "removed": list(stack.removed),
                    "modified": [{"id": m.id, "type": m.type, "replacement": m.replacement,
                                  "properties": list(m.properties)} for m in stack.modified],
                }
                for name, stack in self.changes.stacks.items()
            },
            "hazards": [h.as_json() for h in self.hazards],
        }


def compute(old: TemplateSet, new: TemplateSet) -> Diff:
    changes = compare(old, new)
    return Diff(changes, find(changes))
