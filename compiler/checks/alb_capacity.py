"""FC222: the load balancer's stack stays within CloudFormation's 200 outputs and 500 resources."""

# alb.json outputs one target group ARN per routed service (and a full name per
# service that scales on requests), and holds a target group and a listener rule
# per routed service and an egress rule per container port; past those limits
# CloudFormation would refuse the stack.

from __future__ import annotations

from compiler.checks import deployment_strategy
from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App

CODE = "FC222"
MAX_OUTPUTS = 200
FIXED_OUTPUTS = 5      # security group, full name, DNS name, HTTP and HTTPS listener ARNs
MAX_RESOURCES = 500
FIXED_RESOURCES = 8    # security group, load balancer, listeners, logs bucket and policy, ...


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    routed = app.routed_services
    if not app.load_balancers or not routed:
        return []
    owned = app.owned_load_balancers      # every ALB of the app is in alb.json, each with its own
    rules = sum(len(s.http.additional_rules) for s in routed)   # a target group + rule + output each
    outputs = FIXED_OUTPUTS * len(owned) + len(routed) + rules + sum(1 for s in routed if s.scaling and s.scaling.requests)
    resources = FIXED_RESOURCES * len(owned) + 2 * (len(routed) + rules) + sum(
        len({p for s in app.routed_by(lb) for p in s.http.target_ports}) for lb in owned)
    shifted_outputs, shifted_resources = deployment_strategy.alb_extra(app)   # progressive delivery
    outputs, resources = outputs + shifted_outputs, resources + shifted_resources
    if outputs <= MAX_OUTPUTS and resources <= MAX_RESOURCES:
        return []
    return [locator.error(
        CODE, ("services", routed[-1].name, "http"),
        f"{len(routed)} services behind the load balancer need {outputs} outputs and about "
        f"{resources} resources in alb.json; CloudFormation allows {MAX_OUTPUTS} and {MAX_RESOURCES}",
        hint="serve some services from a second app, or drop `requests` scaling on some of them")]
