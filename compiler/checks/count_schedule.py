"""FC226: count.schedule: each window's time is a schedule, its range min-max, its time zone known."""

from __future__ import annotations

import zoneinfo

from compiler.checks._util import raw, svc
from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App
from compiler.spec.schedules import ScheduleError, to_aws

CODE = "FC226"
MAX_TASKS = 5000                   # ECS: tasks per service


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found = []
    zones = zoneinfo.available_timezones()
    for s in app.services:
        if s.scaling is None:
            continue
        for i, window in enumerate(raw(data, *svc(s.name, "count", "schedule"), default=None) or ()):
            base = svc(s.name, "count", "schedule", i)
            try:
                to_aws(window["cron"])
            except ScheduleError as e:
                found.append(locator.error(CODE, (*base, "cron"), str(e), e.hint))
            low, high = (int(x) for x in window["range"].split("-"))
            if low > high:
                found.append(locator.error(CODE, (*base, "range"), f"minimum {low} is above maximum {high}"))
            elif high > MAX_TASKS:
                found.append(locator.error(CODE, (*base, "range"), f"{high} tasks is over ECS's {MAX_TASKS} per service"))
            tz = window.get("timezone", "UTC")
            if zones and tz not in zones:
                found.append(locator.error(CODE, (*base, "timezone"), f"unknown time zone '{tz}'",
                                           "an IANA name such as Europe/Paris, America/New_York or UTC"))
    return found
