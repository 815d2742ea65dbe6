"""FC208: the containers of a task use distinct ports and distinct names."""

from __future__ import annotations

from compiler.checks._util import svc
from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App

CODE = "FC208"


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found = []
    for s in app.services:
        owners = {s.port: f"the main container {s.name}"}
        for sidecar in s.sidecars:
            if sidecar.name == s.name:
                found.append(locator.error(
                    CODE, svc(s.name, "sidecars", sidecar.name),
                    f"sidecar '{sidecar.name}' has the name of the service's main container; "
                    "container names in a task must be unique", key=True))
            if sidecar.port is None:
                continue
            if sidecar.port in owners:
                found.append(locator.error(
                    CODE, svc(s.name, "sidecars", sidecar.name, "port"),
                    f"port {sidecar.port} of sidecar {sidecar.name} is already used by "
                    f"{owners[sidecar.port]}; containers of a task share one network "
                    "namespace, so each needs its own port"))
            else:
                owners[sidecar.port] = f"sidecar {sidecar.name}"
    return found
