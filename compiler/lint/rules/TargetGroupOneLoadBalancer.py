"""E9282: an ALB target group is forwarded to by one load balancer only.

"You can use each target group with only one load balancer" (ELB user guide, target groups
for Application Load Balancers): a listener or listener rule of a second load balancer that
forwards to a group already in use by another fails at deploy time (CreateRule/CreateListener
refuse it), and cfn-lint does not know. The load balancer of an action is the one of its
listener: a listener's LoadBalancerArn (Ref), or the ALB part of a literal listener ARN (an
existing ALB's, listener/app/<name>/<id>/<listener-id>).
"""

from __future__ import annotations

import re
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

LISTENER_ARN = re.compile(r"^(arn:[^:]+:elasticloadbalancing:[^:]+:\d+:)listener/(app/[^/]+/[^/]+)/[^/]+$")


class TargetGroupOneLoadBalancer(CloudFormationLintRule):
    id = "E9282"
    shortdesc = "A target group serves one load balancer"
    description = ("An AWS::ElasticLoadBalancingV2::TargetGroup of an Application Load Balancer is "
                   "forwarded to by listeners and rules of one load balancer only")
    source_url = ("https://docs.aws.amazon.com/elasticloadbalancing/latest/application/"
                  "load-balancer-target-groups.html")
    tags = ["resources", "elasticloadbalancingv2", "fargate-compile"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        listeners = cfn.get_resources(["AWS::ElasticLoadBalancingV2::Listener"])
        users: dict[str, dict[str, list]] = {}     # target group -> load balancer -> paths
        for name, listener in listeners.items():
            props = listener.get("Properties") if isinstance(listener, dict) else None
            if isinstance(props, dict):
                lb = _ref(props.get("LoadBalancerArn"))
                for i, group in _groups(props.get("DefaultActions")):
                    users.setdefault(group, {}).setdefault(lb, []).append(
                        ["Resources", name, "Properties", "DefaultActions", i])
        for name, rule in cfn.get_resources(["AWS::ElasticLoadBalancingV2::ListenerRule"]).items():
            props = rule.get("Properties") if isinstance(rule, dict) else None
            if not isinstance(props, dict):
                continue
            lb = _load_balancer_of(props.get("ListenerArn"), listeners)
            for i, group in _groups(props.get("Actions")):
                users.setdefault(group, {}).setdefault(lb, []).append(["Resources", name, "Properties", "Actions", i])
        found = []
        for group, by_lb in sorted(users.items()):
            known = {lb: paths for lb, paths in by_lb.items() if lb is not None}
            if len(known) > 1:
                for lb, paths in sorted(known.items())[1:]:
                    for path in paths:
                        found.append(RuleMatch(path, f"target group {group} is forwarded to by load balancers "
                                               f"{' and '.join(sorted(known))}; a target group serves one "
                                               "load balancer", rule=self))
        return found


def _ref(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("Ref"), str):
        return value["Ref"]
    return value if isinstance(value, str) else None


def _load_balancer_of(listener: Any, listeners: dict) -> str | None:
    name = _ref(listener)
    if name is None:
        return None
    if name in listeners:
        props = listeners[name].get("Properties") if isinstance(listeners[name], dict) else None
        return _ref(props.get("LoadBalancerArn")) if isinstance(props, dict) else None
    literal = LISTENER_ARN.match(name)
    return f"{literal.group(1)}loadbalancer/{literal.group(2)}" if literal else None


def _groups(actions: Any):
    """(action index, target group logical ID) of every forward in `actions` (Ref only)."""
    for i, action in enumerate(actions if isinstance(actions, list) else ()):
        if not isinstance(action, dict):
            continue
        refs = [action.get("TargetGroupArn")]
        forward = action.get("ForwardConfig")
        if isinstance(forward, dict) and isinstance(forward.get("TargetGroups"), list):
            refs += [t.get("TargetGroupArn") for t in forward["TargetGroups"] if isinstance(t, dict)]
        for group in dict.fromkeys(_ref(r) for r in refs if isinstance(r, dict)):
            if group:
                yield i, group
