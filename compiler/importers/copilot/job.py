"""A Scheduled Job -> an entry of our `jobs:` (schedule, retries and timeout; the task as for services)."""

from __future__ import annotations

from compiler.diagnostics import Locator
from compiler.importers.copilot.context import Context
from compiler.importers.copilot.fields import as_int
from compiler.importers.copilot.task import Translator, Workload, order


def job(name: str, data: dict, loc: Locator, ctx: Context, app: str, env: str) -> Workload:
    """A Scheduled Job."""
    t = Translator(data, loc, ctx, ("jobs", name), app, env)
    t.image(allow_port=False)
    work = Workload("jobs", name, t.out)
    work.build, work.image_variable = t.builds, t.image_variable
    work.needs_nat = t.placement()
    t.out.pop("connect", None)
    t.done.add("on")
    on = data.get("on")
    schedule = on.get("schedule") if isinstance(on, dict) else None
    if schedule is None or schedule == "none":
        t.drop(("on", "schedule") if isinstance(on, dict) else ("type",),
               "a job without a schedule (or schedule: none) is not supported; give it a schedule")
        t.out["schedule"] = "@daily"
        ctx.comment(("jobs", name, "schedule"), "placeholder: the manifest had no schedule")
    else:
        t.out["schedule"] = str(schedule)
    if "retries" in data:
        t.done.add("retries")
        n = as_int(data["retries"])
        if n is None:
            t.bad(("retries",), data["retries"], "an integer")
        else:
            t.out["retries"] = n
    if "timeout" in data:
        t.done.add("timeout")
        secs = t.seconds(("timeout",), data["timeout"], ("timeout",))
        if secs is not None:
            t.out["timeout"] = secs
            ctx.comment(("jobs", name, "timeout"), f"{data['timeout']} in seconds")
    if "count" in data:
        t.done.add("count")
        t.drop(("count",), "a job runs one task per schedule")
    t.task()
    t.rest()
    order(t.out)
    return work
