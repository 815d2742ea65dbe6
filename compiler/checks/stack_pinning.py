"""FC217: no more services pinned to one services stack than a stack can hold."""

from __future__ import annotations

from compiler.checks._util import svc
from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App
from compiler.stacks.services import SERVICES_PER_STACK

CODE = "FC217"


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    groups: dict[str, list[str]] = {}
    for s in app.services:
        if s.stack is not None:
            groups.setdefault(s.stack, []).append(s.name)
    return [
        locator.error(
            CODE, svc(names[SERVICES_PER_STACK], "stack"),
            f"{len(names)} services are pinned to stack '{stack}'; a services stack holds at "
            f"most {SERVICES_PER_STACK}",
            hint="pin some of them to another stack, or leave stack unset")
        for stack, names in sorted(groups.items())
        if len(names) > SERVICES_PER_STACK
    ]
