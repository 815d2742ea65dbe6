"""A Plan as text (people), JSON (machines: every number and assumption) or Markdown."""

from __future__ import annotations

import json
from dataclasses import asdict

from compiler.plan import LIMITS, Plan, rollout
from compiler.plan.cost import EGRESS_SCOPE, EgressAdvice

FORMATS = ("text", "json", "markdown")
EXCLUDED = ("data transfer out to the internet", "cross-zone traffic other than to a single NAT gateway",
            "log storage", "ALB access-log storage", "ephemeral storage above the free 20 GiB",
            "ECR storage", "DNS queries", "taxes, free tiers, Savings Plans")


def money(x: float) -> str:
    return f"${x:,.2f}"


def duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    return f"{seconds} s ({minutes} min {rest} s)" if rest else f"{seconds} s ({minutes} min)"


def dominant_text(r: rollout.Rollout) -> str:
    d = r.dominant
    if not d or not r.batches:
        return ""
    return (f"the {d.seconds:g}-second {d.name} ({d.setting}) is {r.dominant_share:.0%} "
            f"of this service's rollout")


def batches_text(r: rollout.Rollout) -> str:
    if r.batches is None:
        return "no batch can start"
    if r.batches == 0:
        return "nothing to replace (0 tasks)"
    return f"{r.batches} batch{'es' * (r.batches != 1)} of up to {r.batch_size}"


def flip_text(egress: EgressAdvice) -> list[str]:
    labels = {o.key: o.label for o in egress.options}
    if not egress.flips:
        return [f"the cheapest option never changes with traffic: {labels[egress.cheapest]}"]
    return [f"at {t:,.1f} GB/month the cheapest option flips from {labels[a]} to {labels[b]}"
            for t, a, b in egress.flips]


# --- JSON --------------------------------------------------------------------------------

def as_dict(plan: Plan) -> dict:
    app, p = plan.app, plan.region
    egress = plan.egress
    return {
        "app": app.app,
        "environment": app.environment,
        "stack": app.stack_name,
        "spec": plan.spec,
        "region": {"code": p.region, "name": p.name},
        "prices": {
            "label": plan.prices.label,
            "taken": plan.prices.taken,
            "currency": plan.prices.currency,
            "hours_per_month": plan.prices.hours_per_month,
            "sources": dict(plan.prices.sources),
            "spot_note": plan.prices.spot_note,
            "values": {k: v for k, v in asdict(p).items() if k not in ("region", "name")},
        },
        "assumptions": {
            **asdict(plan.assumptions),
            "descriptions": plan.assumptions.described(),
            "task_start_seconds": rollout.TASK_START_SECONDS,
            "registration_seconds": rollout.REGISTRATION_SECONDS,
            "no_healthcheck_wait_seconds": rollout.NO_HEALTHCHECK_WAIT,
            "excluded": EXCLUDED,
        },
        "stacks": [{
            "file": s.file,
            "resources": s.resources,
            "by_type": dict(s.by_type),
            "parameters": s.parameters,
            "outputs": s.outputs,
            "bytes": s.bytes,
            "limits": LIMITS,
            "usage": {k: round(v, 4) for k, v in s.usage().items()},
            "warnings": list(s.warnings),
        } for s in plan.stacks],
        "cost": {
            "items": [{"category": i.category, "item": i.item, "quantity": i.quantity,
                       "monthly_usd": round(i.monthly, 4), "assumption": i.assumption} for i in plan.costs],
            "total_monthly_usd": round(plan.total, 4),
        },
        "egress": {
            "applicable": egress.applicable,
            "reason": egress.reason,
            "scope": EGRESS_SCOPE,
            "traffic_gb": egress.traffic_gb,
            "options": [{"key": o.key, "label": o.label, "fixed_monthly_usd": round(o.fixed, 4),
                         "per_gb_usd": round(o.per_gb, 6), "monthly_usd": round(o.monthly, 4),
                         "endpoints": list(o.endpoints), "feasible": o.feasible, "current": o.current,
                         "note": o.note} for o in egress.options],
            "cheapest": egress.cheapest,
            "break_evens": [{"a": b.a, "b": b.b, "traffic_gb": None if b.traffic_gb is None else round(b.traffic_gb, 4),
                             "text": b.text} for b in egress.break_evens],
            "flips": [{"traffic_gb": round(t, 4), "cheapest_below": a, "cheapest_above": b}
                      for t, a, b in egress.flips],
        },
        "rollout": [{
            "service": r.service,
            "routed": r.routed,
            "desired": r.desired,
            "min_healthy_percent": r.min_healthy_percent,
            "max_percent": r.max_percent,
            "max_running": r.max_running,
            "min_healthy": r.min_healthy,
            "batch_size": r.batch_size,
            "batches": r.batches,
            "new_task": [asdict(c) for c in r.new_task],
            "drain": [asdict(c) for c in r.drain],
            "healthy_seconds": r.healthy_seconds,
            "drain_seconds": r.drain_seconds,
            "batch_seconds": r.batch_seconds,
            "worst_case_seconds": r.worst_case_seconds,
            "dominant": None if not r.dominant else {**asdict(r.dominant), "share": round(r.dominant_share, 4)},
            "grace_period": r.grace_period,
            "notes": list(r.notes),
        } for r in plan.rollouts],
        "deployment": [{
            "service": d.service,
            "strategy": d.strategy,
            "seconds": d.seconds,
            "rolling_seconds": r.worst_case_seconds,
            "parts": [{"what": what, "seconds": seconds} for what, seconds in d.parts],
            "notes": list(d.notes),
        } for d, r in zip(plan.deployments, plan.rollouts)],
        "diagram": {"mermaid": plan.mermaid, "dot": plan.dot},
        "notes": list(plan.notes),
    }


# --- text ----------------------------------------------------------------------------------

def _table(rows: list[list[str]], right: set[int], indent: str = "  ") -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(cell.rjust(w) if i in right else cell.ljust(w)
                               for i, (cell, w) in enumerate(zip(row, widths))).rstrip() for row in rows]


def to_text(plan: Plan, diagram_files: tuple[str, ...] = ()) -> str:
    app, p = plan.app, plan.region
    out = [f"plan for {app.stack_name} ({plan.spec}): nothing is written, nothing is deployed", ""]
    out += [f"note: {n}" for n in plan.notes] + ([""] if plan.notes else [])

    total = sum(s.resources for s in plan.stacks)
    out.append(f"Stacks: {len(plan.stacks)} templates, {total} resources "
               f"(limits per template: {LIMITS['resources']} resources, {LIMITS['parameters']} parameters, "
               f"{LIMITS['outputs']} outputs, {LIMITS['bytes']:,} bytes)")
    rows = [["file", "resources", "parameters", "outputs", "bytes", "of limit"]]
    for s in plan.stacks:
        rows.append([s.file, str(s.resources), str(s.parameters), str(s.outputs), f"{s.bytes:,}",
                     f"{max(s.usage().values()):.1%}"])
    out += _table(rows, {1, 2, 3, 4, 5})
    for s in plan.stacks:
        out.append(f"  {s.file}: " + ", ".join(f"{t} ×{n}" for t, n in s.by_type))
        out += [f"  warning: {s.file}: {w}" for w in s.warnings]

    out += ["", f"Monthly cost in {p.region} ({p.name}), USD: {plan.prices.label}, "
                f"{plan.prices.hours_per_month} hours a month"]
    rows = [[i.category, i.item, i.quantity, money(i.monthly), i.assumption] for i in plan.costs]
    rows.append(["total", "", "", money(plan.total), ""])
    out += _table(rows, {3})
    out += ["", "Assumptions"]
    out += [f"  {k}: {v}" for k, v in plan.assumptions.described().items()]
    out.append(f"  not included: {', '.join(EXCLUDED)}")
    if any(s.spot for s in app.services):
        out.append(f"  spot: {plan.prices.spot_note}")

    out += ["", *_egress_text(plan)]
    out += ["", "Deploy time per service (worst case of a full rolling deployment)"]
    for r in plan.rollouts:
        out += _rollout_text(r)
    out += ["", "Deploy time per service under its strategy (beside the rolling estimate)"]
    for d, r in zip(plan.deployments, plan.rollouts):
        out += _strategy_text(d, r)

    out += ["", f"Prices: {plan.prices.label}, from:"]
    out += [f"  {url}" for _, url in plan.prices.sources]
    if diagram_files:
        out += ["", "Diagram written: " + ", ".join(diagram_files)]
    return "\n".join(out) + "\n"


def _egress_text(plan: Plan) -> list[str]:
    e = plan.egress
    out = [f"Egress options at {e.traffic_gb:,g} GB/month"]
    if not e.applicable:
        return out + [f"  not applicable: {e.reason}"]
    rows = [["option", "fixed/month", "per GB", f"at {e.traffic_gb:,g} GB", ""]]
    for o in e.options:
        flags = [f for f in ("current" if o.current else "", "cheapest" if o.key == e.cheapest else "",
                             "" if o.feasible else "not possible") if f]
        rows.append([o.label, money(o.fixed), f"${o.per_gb:.4f}", money(o.monthly), ", ".join(flags)])
    out += _table(rows, {1, 2, 3})
    out.append(f"  {EGRESS_SCOPE}")
    out += [f"  {o.label}: {o.note}" for o in e.options]
    out += [f"  break-even {b.a} / {b.b}: {b.text}" for b in e.break_evens]
    out += [f"  {line}" for line in flip_text(e)]
    return out


def _rollout_text(r: rollout.Rollout) -> list[str]:
    kind = "routed" if r.routed else "not routed"
    out = [f"  {r.service} ({kind}, {r.desired} task{'s' * (r.desired != 1)}, min {r.min_healthy_percent}% / "
           f"max {r.max_percent}%: at most {r.max_running} running, at least {r.min_healthy} healthy): {batches_text(r)}"]
    out.append("    new task healthy: " + " + ".join(f"{c.seconds:g} s {c.name} ({c.formula})" for c in r.new_task)
               + f" = {duration(r.healthy_seconds)}")
    if r.drain:
        out.append("    old task drained: " + " + ".join(f"{c.seconds:g} s {c.name}" for c in r.drain)
                   + f" = {duration(r.drain_seconds)}")
    if r.worst_case_seconds is not None:
        out.append(f"    worst case: {r.batches} × {r.batch_seconds:g} s = {duration(r.worst_case_seconds)}")
    if dominant_text(r):
        out.append(f"    {dominant_text(r)}")
    out += [f"    note: {n}" for n in r.notes]
    return out


def _strategy_text(d, r: rollout.Rollout) -> list[str]:
    total = "cannot progress" if d.seconds is None else duration(d.seconds)
    rolling = "cannot progress" if r.worst_case_seconds is None else duration(r.worst_case_seconds)
    out = [f"  {d.service}: {d.strategy} {total} (rolling: {rolling})"]
    if d.parts and d.strategy != "rolling":
        out.append("    " + " + ".join(f"{duration(seconds)} {what}" for what, seconds in d.parts))
    out += [f"    note: {n}" for n in d.notes]
    return out


# --- Markdown ---------------------------------------------------------------------------------

def md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(md_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows]
    return out


def to_markdown(plan: Plan, diagram_files: tuple[str, ...] = ()) -> str:
    app, p, e = plan.app, plan.region, plan.egress
    out = [f"# Plan for `{app.stack_name}`", "",
           f"Spec `{plan.spec}`, region {p.region} ({p.name}). Nothing is written or deployed.", ""]
    out += [f"> note: {md_cell(n)}" for n in plan.notes]

    out += ["## Stacks", ""]
    out += _md_table(["file", "resources", "parameters", "outputs", "bytes", "of limit", "resource types"],
                     [[s.file, str(s.resources), str(s.parameters), str(s.outputs), f"{s.bytes:,}",
                       f"{max(s.usage().values()):.1%}", ", ".join(f"{t} ×{n}" for t, n in s.by_type)]
                      for s in plan.stacks])
    out += [f"- **warning** {s.file}: {w}" for s in plan.stacks for w in s.warnings]
    out += ["", f"Limits per template: {LIMITS['resources']} resources, {LIMITS['parameters']} parameters, "
                f"{LIMITS['outputs']} outputs, {LIMITS['bytes']:,} bytes.", ""]

    out += ["## Monthly cost", "",
            f"USD, {plan.prices.label}, {plan.prices.hours_per_month} hours a month.", ""]
    out += _md_table(["what", "item", "how", "USD/month", "assumption"],
                     [[i.category, i.item, i.quantity, money(i.monthly), i.assumption] for i in plan.costs]
                     + [["**total**", "", "", f"**{money(plan.total)}**", ""]])
    out += ["", "Assumptions:", ""]
    out += [f"- `{k}`: {md_cell(v)}" for k, v in plan.assumptions.described().items()]
    out.append(f"- not included: {', '.join(EXCLUDED)}")
    if any(s.spot for s in app.services):
        out.append(f"- spot: {plan.prices.spot_note}")

    out += ["", f"## Egress at {e.traffic_gb:,g} GB/month", ""]
    if not e.applicable:
        out.append(f"Not applicable: {e.reason}.")
    else:
        out += _md_table(["option", "fixed/month", "per GB", f"at {e.traffic_gb:,g} GB", "", "note"],
                         [[o.label, money(o.fixed), f"${o.per_gb:.4f}", money(o.monthly),
                           ", ".join(f for f in ("current" if o.current else "",
                                                 "**cheapest**" if o.key == e.cheapest else "",
                                                 "not possible" if not o.feasible else "") if f), o.note]
                          for o in e.options])
        out += ["", f"Note: {EGRESS_SCOPE}.", ""]
        out += [f"- break-even {b.a} / {b.b}: {b.text}" for b in e.break_evens]
        out += [f"- {line}" for line in flip_text(e)]

    out += ["", "## Deploy time", "",
            f"Assumed: task start {rollout.TASK_START_SECONDS} s, target registration "
            f"{rollout.REGISTRATION_SECONDS} s. Batch size = min(N, floor(N × max/100) − ceil(N × min/100)).", ""]
    out += _md_table(["service", "tasks", "batches", "new task healthy", "old task drained", "worst case", "dominated by"],
                     [[r.service, str(r.desired), batches_text(r),
                       " + ".join(f"{c.seconds:g} s {c.name}" for c in r.new_task),
                       " + ".join(f"{c.seconds:g} s {c.name}" for c in r.drain) or "—",
                       "—" if r.worst_case_seconds is None else duration(r.worst_case_seconds),
                       dominant_text(r) or "—"] for r in plan.rollouts])
    notes = [f"- {r.service}: {n}" for r in plan.rollouts for n in r.notes]
    if notes:
        out += ["", *notes]
    out += ["", "Under each service's strategy:", ""]
    out += _md_table(["service", "strategy", "deploy time", "rolling"],
                     [[d.service, d.strategy, "—" if d.seconds is None else duration(d.seconds),
                       "—" if r.worst_case_seconds is None else duration(r.worst_case_seconds)]
                      for d, r in zip(plan.deployments, plan.rollouts)])

    out += ["", "## Diagram", "", "```mermaid", plan.mermaid.rstrip("\n"), "```"]
    if diagram_files:
        out += ["", "Written: " + ", ".join(f"`{f}`" for f in diagram_files)]
    out += ["", "Sources: " + ", ".join(f"<{url.split(' ')[0]}>" for _, url in plan.prices.sources)]
    return "\n".join(out) + "\n"


def render(plan: Plan, fmt: str, diagram_files: tuple[str, ...] = ()) -> str:
    if fmt == "json":
        data = as_dict(plan)
        data["diagram"]["files"] = list(diagram_files)
        return json.dumps(data, indent=2) + "\n"
    if fmt == "markdown":
        return to_markdown(plan, diagram_files)
    return to_text(plan, diagram_files)
