"""How long a service's deployment takes under its strategy (beside the rolling estimate
of rollout.py, which is the strategy's own for a rolling service).

A blue/green, canary or linear deployment starts the whole new revision at once (the
new tasks turn healthy as one wave: rollout.py's "new task healthy"), then shifts
production traffic: at once (blue/green); canary.percent, then the rest after
canary.bake; or linear.percent per step with linear.bake between steps (no bake after
the last step, CloudFormation's count of steps: checks/deployment_strategy.py). Both
revisions are then kept for `bake` (BakeTimeInMinutes) before the old one drains
(the deregistration delay). Lifecycle hooks add their own running time, which the
spec does not tell: each is noted, not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from compiler import model as m
from compiler.checks.deployment_strategy import linear_steps
from compiler.plan.rollout import Rollout


@dataclass(frozen=True)
class StrategyTime:
    service: str
    strategy: str                     # rolling | blue_green | canary | linear
    seconds: float | None             # None: cannot progress (a rolling deployment that is stuck)
    parts: tuple[tuple[str, float], ...]   # (what, seconds), in order
    notes: tuple[str, ...]


def estimate(service: m.Service, rolling: Rollout) -> StrategyTime:
    d = service.deployment
    name = d.strategy.lower()
    if not d.shifted:
        parts = ()
        if rolling.worst_case_seconds is not None:
            parts = (("rolling batches", rolling.worst_case_seconds),)
        if d.bake:
            parts += (("bake", d.bake * 60),)
        total = None if rolling.worst_case_seconds is None else sum(p[1] for p in parts)
        return StrategyTime(service.name, name, total, parts, ())
    parts = [("new revision healthy", rolling.healthy_seconds)]
    if d.strategy == "CANARY":
        parts.append((f"canary {d.percent:g} % bake", d.step_bake * 60))
    elif d.strategy == "LINEAR":
        steps = linear_steps(d.percent)
        parts.append((f"{steps} step bake(s) of {d.step_bake:g} min at {d.percent:g} % per step",
                      steps * d.step_bake * 60))
    parts.append(("bake (both revisions kept)", (d.bake or 0) * 60))
    if rolling.drain_seconds:
        parts.append(("old revision drained", rolling.drain_seconds))
    notes = tuple(f"hook {h.function} at {', '.join(s.lower() for s in h.stages)}: its running time is added"
                  for h in d.hooks)
    if d.alarms is not None:
        notes += ("an alarm in ALARM during the shift or the bake rolls the deployment back",)
    return StrategyTime(service.name, name, sum(p[1] for p in parts), tuple(parts), notes)


def estimates(app: m.App, rollouts: tuple[Rollout, ...]) -> tuple[StrategyTime, ...]:
    by_name = {r.service: r for r in rollouts}
    return tuple(estimate(s, by_name[s.name]) for s in app.services)
