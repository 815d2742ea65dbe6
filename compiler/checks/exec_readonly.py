"""FC220: warn that ECS Exec needs a writable root filesystem (its SSM agent writes into it)."""

# A warning, not an error: CloudFormation deploys the combination and the service
# runs; only `aws ecs execute-command` fails. AWS documents it as unsupported.

from __future__ import annotations

from compiler.checks._util import svc
from compiler.diagnostics import WARNING, Diagnostic, Locator
from compiler.model import App

CODE = "FC220"


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    return [
        locator.error(
            CODE, svc(s.name, "exec"),
            f"exec: true with storage.readonly_fs: true on service {s.name}: the ECS Exec "
            "agent cannot start on a read-only root filesystem",
            hint="turn off one of them", severity=WARNING)
        for s in app.services
        if s.exec and s.storage.readonly_fs
    ]
