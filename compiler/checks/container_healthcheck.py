"""FC203: the container health check (service-level `healthcheck`): timeout < interval."""

from __future__ import annotations

from compiler.checks._util import given, svc
from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App

CODE = "FC203"


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found = []
    for s in app.services:
        hc = s.healthcheck
        if hc is None or hc.timeout < hc.interval:
            continue
        key = "timeout" if given(data, *svc(s.name, "healthcheck", "timeout")) else "interval"
        found.append(locator.error(
            CODE, svc(s.name, "healthcheck", key),
            f"container health-check timeout {hc.timeout} must be less than interval "
            f"{hc.interval}; use a timeout of 2..{max(2, hc.interval - 1)} seconds "
            f"or an interval of {hc.timeout + 1} or more"))
    return found
