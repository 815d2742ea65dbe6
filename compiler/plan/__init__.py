"""`fargate-compile plan`: what a spec would create and cost, how fast it deploys, and a picture.

Pure: an App and its built templates in, a `Plan` value out. `compiler.cli.plan`
does the reading, printing and writing; `report` turns a Plan into text, JSON or
Markdown; `diagram` into Mermaid and DOT.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from troposphere import Template

from compiler.model import App
from compiler.plan import cost, diagram, rollout, strategy_time
from compiler.plan.prices import PriceTable, RegionPrices
from compiler.writer import serialize

# CloudFormation's per-template limits (a nested template's body goes through S3).
LIMITS = {"resources": 500, "parameters": 200, "outputs": 200, "bytes": 1_000_000}
NEAR = 0.8                             # a stack at 80% of a limit is flagged


@dataclass(frozen=True)
class StackInfo:
    stem: str
    file: str
    resources: int
    by_type: tuple[tuple[str, int], ...]   # sorted by type
    parameters: int
    outputs: int
    bytes: int

    def usage(self) -> dict[str, float]:
        """Fraction of each CloudFormation limit this template uses."""
        return {k: getattr(self, k) / limit for k, limit in LIMITS.items()}

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(f"{k} at {share:.0%} of CloudFormation's limit of {LIMITS[k]:,}"
                     for k, share in self.usage().items() if share >= NEAR)


@dataclass(frozen=True)
class Plan:
    app: App
    spec: str
    prices: PriceTable
    region: RegionPrices
    assumptions: cost.Assumptions
    stacks: tuple[StackInfo, ...]
    costs: tuple[cost.LineItem, ...]
    egress: cost.EgressAdvice
    rollouts: tuple[rollout.Rollout, ...]
    deployments: tuple[strategy_time.StrategyTime, ...]
    graph: diagram.Graph
    notes: tuple[str, ...]

    @property
    def total(self) -> float:
        return sum(item.monthly for item in self.costs)

    @property
    def mermaid(self) -> str:
        return diagram.to_mermaid(self.graph)

    @property
    def dot(self) -> str:
        return diagram.to_dot(self.graph)


def inventory(templates: list[tuple[str, Template]]) -> tuple[StackInfo, ...]:
    found = []
    for stem, template in templates:
        types = Counter(getattr(r, "resource_type", type(r).__name__) for r in template.resources.values())
        found.append(StackInfo(
            stem=stem,
            file=f"{stem}.json",
            resources=len(template.resources),
            by_type=tuple(sorted(types.items())),
            parameters=len(template.parameters),
            outputs=len(template.outputs),
            bytes=len(serialize(template, "json").encode("utf-8")),
        ))
    return tuple(found)


def _notes(app: App, region: str) -> tuple[str, ...]:
    notes = []
    elsewhere = sorted({z[:-1] for z in app.network.zones if z[:-1] != region})
    if elsewhere:
        notes.append(f"the spec names zones in {', '.join(elsewhere)} but the prices are for {region}; "
                     f"pass --region {elsewhere[0]}")
    return tuple(notes)


def make_plan(app: App, spec: str, templates: list[tuple[str, Template]], prices: PriceTable,
              region: str, assumptions: cost.Assumptions) -> Plan:
    """Everything `plan` reports. Raises prices.UnknownRegion for a region without prices."""
    p = prices.region(region)
    hours = prices.hours_per_month
    rollouts = rollout.estimates(app)
    return Plan(
        app=app,
        spec=spec,
        prices=prices,
        region=p,
        assumptions=assumptions,
        stacks=inventory(templates),
        costs=tuple(cost.fixed_costs(app, p, hours, assumptions)),
        egress=cost.egress_advice(app, p, hours, assumptions),
        rollouts=rollouts,
        deployments=strategy_time.estimates(app, rollouts),
        graph=diagram.build(app),
        notes=_notes(app, region) + rollout.job_notes(app),
    )
