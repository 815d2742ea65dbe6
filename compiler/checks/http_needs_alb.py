"""FC207: a service with `http` needs a `load_balancer` to route from."""

from __future__ import annotations

from compiler.checks._util import svc
from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App

CODE = "FC207"


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    if app.load_balancers:
        return []
    return [
        locator.error(
            CODE, svc(s.name, "http"),
            f"service {s.name} has http (path {', '.join(s.http.paths) or '/'}) "
            "but the spec has no load_balancer to route it",
            hint="add a top-level load_balancer: {} or remove http", key=True)
        for s in app.routed_services
    ]
