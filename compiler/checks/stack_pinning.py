"""FC217: at most 30 services pinned to one services stack; pinned stack names map to distinct IDs."""

# Pinned stack names become the root's logical ID `Services<Name>Stack`, which keeps only
# letters and digits: `foo` and `foo-` (or `a-b` and `a--b`) would be one resource.

from __future__ import annotations

from compiler.checks._util import svc
from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App
from compiler.stacks.root import stack_logical_id
from compiler.stacks.services import FIRST_STACK, SERVICES_PER_STACK

CODE = "FC217"


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    groups: dict[str, list[str]] = {}
    for s in app.services:
        if s.stack is not None:
            groups.setdefault(s.stack, []).append(s.name)
    return _capacity(groups, locator) + _logical_ids(groups, locator)


def _logical_ids(groups: dict[str, list[str]], locator: Locator) -> list[Diagnostic]:
    found, owners = [], {}
    for stack, names in groups.items():   # in the order the stacks are first named
        logical = stack_logical_id(f"{FIRST_STACK}-{stack}")
        if logical in owners:
            found.append(locator.error(
                CODE, svc(names[0], "stack"),
                f"stacks '{owners[logical]}' and '{stack}' both become the root resource "
                f"'{logical}' (only letters and digits are kept); rename one",
                hint=f"pin service {names[0]} to stack '{owners[logical]}' if that was meant"))
        else:
            owners[logical] = stack
    return found


def _capacity(groups: dict[str, list[str]], locator: Locator) -> list[Diagnostic]:
    return [
        locator.error(
            CODE, svc(names[SERVICES_PER_STACK], "stack"),
            f"{len(names)} services are pinned to stack '{stack}'; a services stack holds at "
            f"most {SERVICES_PER_STACK}",
            hint="pin some of them to another stack, or leave stack unset")
        for stack, names in sorted(groups.items())
        if len(names) > SERVICES_PER_STACK
    ]
