"""FC253: queue-backlog scaling needs a queue, and durations above zero."""

from __future__ import annotations

from compiler.checks._util import svc
from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App

CODE = "FC253"


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found = []
    for s in app.services:
        queue = s.scaling.queue if s.scaling else None
        if queue is None:
            continue
        where = svc(s.name, "count", "queue_delay")
        if s.subscribe is None:
            found.append(locator.error(
                CODE, where,
                f"queue_delay scales service {s.name} on its subscription queue, but it "
                "subscribes to no topic", hint="add subscribe.topics, or scale on cpu_percentage",
                key=True))
        for key in ("acceptable_latency", "msg_processing_time"):
            if getattr(queue, key) <= 0:
                found.append(locator.error(
                    CODE, (*where, key), f"{key} must be longer than zero"))
    return found
