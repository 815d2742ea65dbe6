"""FC219: an environment variable of a container is either a variable or a secret, not both."""

from __future__ import annotations

from compiler.checks._util import svc
from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App

CODE = "FC219"


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found = []
    for s in app.services:
        containers = [(svc(s.name), s.name, s.variables, s.secrets)]
        containers += [(svc(s.name, "sidecars", c.name), f"sidecar {c.name}", c.variables,
                        c.secrets) for c in s.sidecars]
        for base, label, variables, secrets in containers:
            plain = {name for name, _ in variables}
            for secret in secrets:
                if secret.name in plain:
                    found.append(locator.error(
                        CODE, (*base, "secrets", secret.name),
                        f"{secret.name} is both a variable and a secret of {label}; "
                        "keep one of them", key=True))
    return found
