"""FC262 (warning): an internet-facing load balancer serves plain HTTP (Security Hub ELB.1)."""

# Without `https`, requests and responses cross the internet unencrypted. A warning, not
# an error: a demo or a dev environment may do it on purpose; `security: strict` makes it
# an error (FC261). An internal load balancer is not flagged here.

from __future__ import annotations

from compiler.diagnostics import WARNING, Diagnostic, Locator
from compiler.model import App

CODE = "FC262"


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    if app.security == "strict":
        return []
    return [locator.error(
        CODE, lb.spec_path,
        "the internet-facing load balancer serves plain HTTP: traffic crosses the internet "
        "unencrypted (Security Hub ELB.1)",
        hint=f"add {'.'.join(lb.spec_path)}.https.certificate_arn (HTTP then only redirects), or make it internal",
        key=True, severity=WARNING)
        for lb in app.owned_load_balancers if lb.public and lb.https is None]
