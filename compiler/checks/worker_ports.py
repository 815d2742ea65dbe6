"""FC250: a service without a port (a worker) cannot have http, connect or discovery."""

from __future__ import annotations

from compiler.checks._util import svc
from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App

CODE = "FC250"

NEEDS_PORT = (
    ("http", "http routes the load balancer to the container's port"),
    ("connect", "connect makes the container's port reachable through Service Connect"),
    ("discovery", "discovery registers the container's port in Cloud Map"),
)


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found = []
    for s in app.services:
        if s.port is not None:
            continue
        for key, why in NEEDS_PORT:
            if getattr(s, key):
                found.append(locator.error(
                    CODE, svc(s.name, key),
                    f"service {s.name} has no port, but {why}",
                    hint=f"add port: to service {s.name}, or remove {key} to make it a worker",
                    key=True))
    return found
