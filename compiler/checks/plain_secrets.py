"""FC213: credentials go in `secrets`, never in plain `variables` (Security Hub ECS.8)."""

# AWS credential names (the ones Security Hub ECS.8 looks for) are errors. Names
# that merely look secret (DB_PASSWORD, API_TOKEN) are warnings: SECRET_ARN or
# TOKEN_TTL are legitimate plain variables, and refusing them would be wrong.

from __future__ import annotations

from compiler.checks._util import svc
from compiler.diagnostics import ERROR, WARNING, Diagnostic, Locator
from compiler.model import App
from compiler.spec.secret_names import CREDENTIAL_NAMES, looks_secret

CODE = "FC213"


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found = []
    for s in app.services:
        containers = [(svc(s.name, "variables"), s.variables)]
        containers += [(svc(s.name, "sidecars", c.name, "variables"), c.variables)
                       for c in s.sidecars]
        for base, variables in containers:
            for name, _ in variables:
                why = looks_secret(name)
                if why:
                    found.append(locator.error(
                        CODE, (*base, name),
                        f"variable {name} {why}, so it looks like a credential; plain "
                        "variables are visible in the task definition",
                        hint=f"move {name} to secrets (a Secrets Manager ARN or SSM parameter)",
                        key=True,
                        severity=ERROR if name.upper() in CREDENTIAL_NAMES else WARNING))
    return found
