"""FC213: credentials go in `secrets`, never in plain `variables` (Security Hub ECS.8)."""

# AWS credential names (the ones Security Hub ECS.8 looks for) are errors. Names
# that merely look secret (DB_PASSWORD, API_TOKEN) are warnings: SECRET_ARN or
# TOKEN_TTL are legitimate plain variables, and refusing them would be wrong.

from __future__ import annotations

from compiler.checks._util import svc
from compiler.diagnostics import ERROR, WARNING, Diagnostic, Locator
from compiler.model import App

CODE = "FC213"

CREDENTIAL_NAMES = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                    "ECS_ENGINE_AUTH_DATA"}
CREDENTIAL_PARTS = ("SECRET", "PASSWORD", "PASSWD", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY")


def looks_secret(name: str) -> str:
    """What makes `name` look like a credential, or "" when it does not."""
    upper = name.upper()
    if upper in CREDENTIAL_NAMES:
        return "is an AWS credential"
    for part in CREDENTIAL_PARTS:
        if part in upper:
            return f"contains {part}"
    return ""


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
