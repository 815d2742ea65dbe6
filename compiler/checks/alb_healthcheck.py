"""FC202: the ALB health check of a routed service: timeout < interval, sane path and codes."""

from __future__ import annotations

import re

from compiler.checks._util import given, svc
from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App

CODE = "FC202"

_CODES = re.compile(r"^\d{3}(-\d{3})?$")


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found = []
    for s in app.services:
        if not s.http:
            continue
        hc = s.http.healthcheck
        base = svc(s.name, "http", "healthcheck")
        if hc.timeout >= hc.interval:
            key = "timeout" if given(data, *base, "timeout") else "interval"
            found.append(locator.error(
                CODE, (*base, key),
                f"health-check timeout {hc.timeout} must be less than interval {hc.interval}; "
                f"use a timeout of 2..{max(2, hc.interval - 1)} seconds "
                f"or an interval of {hc.timeout + 1} or more"))
        if not hc.path.startswith("/") or len(hc.path) > 1024:
            found.append(locator.error(
                CODE, (*base, "path"),
                f"health-check path '{hc.path}' must start with '/' and be at most 1024 "
                "characters"))
        bad = _bad_success_codes(hc.success_codes)
        if bad:
            found.append(locator.error(
                CODE, (*base, "success_codes"),
                f"success_codes '{hc.success_codes}': '{bad}' is not an HTTP code or range; "
                "use codes 200..499 like \"200\", \"200,204\" or \"200-299\""))
    return found


def _bad_success_codes(codes: str) -> str:
    for part in codes.split(","):
        part = part.strip()
        if not _CODES.match(part):
            return part
        low, _, high = part.partition("-")
        high = high or low
        if not (200 <= int(low) <= int(high) <= 499):
            return part
    return ""
