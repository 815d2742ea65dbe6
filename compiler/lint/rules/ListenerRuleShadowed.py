"""W9005: no listener rule is hidden behind an earlier rule on the same listener.

Elastic Load Balancing evaluates a listener's rules in priority order, lowest
number first, and the first rule whose conditions all match a request wins. A
rule whose every request is also matched by a lower-numbered rule never runs.
AWS accepts the template, so this is a warning; the route it meant is dead.

"Matched by" is decided only where it can be proven: two rules on the same
ListenerArn with literal priorities; the earlier rule's every condition has a
condition of the same field in the later rule whose values it covers.
path-pattern (case-sensitive), host-header and http-header values
(case-insensitive) are compared as patterns with `*` (any run of characters) and
`?` (exactly one); source-ip by cidr containment; other fields by equal values.
A rule under a resource Condition, or with a condition built by a function,
never counts as shadowing.
"""

from __future__ import annotations

import functools
import ipaddress
import json
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

CONFIG_KEYS = {
    "path-pattern": "PathPatternConfig",
    "host-header": "HostHeaderConfig",
    "http-header": "HttpHeaderConfig",
    "http-request-method": "HttpRequestMethodConfig",
    "query-string": "QueryStringConfig",
    "source-ip": "SourceIpConfig",
}
CASE_INSENSITIVE = ("host-header", "http-header")


class ListenerRuleShadowed(CloudFormationLintRule):
    id = "W9005"
    shortdesc = "Listener rules not shadowed by an earlier rule"
    description = (
        "An AWS::ElasticLoadBalancingV2::ListenerRule whose every request is already matched "
        "by a lower-priority-number rule on the same listener is never reached"
    )
    source_url = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-rules.html"
    tags = ["resources", "elasticloadbalancingv2", "listener-rule", "fargate-compile"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        listeners: dict[str, list[tuple]] = {}  # (priority, name, as earlier, as later)
        for name, resource in cfn.get_resources(["AWS::ElasticLoadBalancingV2::ListenerRule"]).items():
            props = resource.get("Properties")
            if not isinstance(props, dict):
                continue
            priority = _int(props.get("Priority"))
            if priority is None or "ListenerArn" not in props:
                continue
            conditions = _conditions(props.get("Conditions"))
            # A rule under a resource Condition may not exist: it can be shadowed, shadows nothing.
            shadowing = None if "Condition" in resource else conditions
            key = json.dumps(props["ListenerArn"], sort_keys=True, default=str)
            listeners.setdefault(key, []).append((priority, name, shadowing, conditions))
        found = []
        for rules in listeners.values():
            rules.sort(key=lambda r: (r[0], r[1]))
            for index, (priority, name, _, later) in enumerate(rules):
                if later is None:
                    continue
                for earlier_priority, earlier_name, earlier, _ in rules[:index]:
                    if earlier is not None and earlier_priority < priority and _covers(earlier, later):
                        found.append(RuleMatch(
                            ["Resources", name, "Properties", "Priority"],
                            f"{name} (priority {priority}) is never reached: {earlier_name} "
                            f"(priority {earlier_priority}) on the same listener matches every "
                            "request it matches",
                            rule=self,
                        ))
                        break
        return found


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _conditions(value: Any) -> list[tuple[str, str, tuple]] | None:
    """[(field, header name, values)], or None when any part is not literal."""
    if not isinstance(value, list):
        return None
    result = []
    for condition in value:
        if not isinstance(condition, dict) or not isinstance(condition.get("Field"), str):
            return None
        field = condition["Field"]
        config = condition.get(CONFIG_KEYS.get(field, ""))
        if isinstance(config, dict) and ("RegexValues" in config):
            return None
        values = config.get("Values") if isinstance(config, dict) else condition.get("Values")
        if not isinstance(values, list) or not values:
            return None
        name = ""
        if field == "http-header":
            name = config.get("HttpHeaderName") if isinstance(config, dict) else None
            if not isinstance(name, str):
                return None
            name = name.lower()
        if field == "query-string":
            if not all(isinstance(v, dict) and all(isinstance(x, str) for x in v.values()) for v in values):
                return None
            values = [json.dumps(v, sort_keys=True).lower() for v in values]
        if not all(isinstance(v, str) for v in values):
            return None
        if field in CASE_INSENSITIVE:
            values = [v.lower() for v in values]
        result.append((field, name, tuple(values)))
    return result


def _covers(earlier: list, later: list) -> bool:
    """Every request `later` matches is matched by `earlier` (conditions AND, values OR)."""
    return all(
        any(field == f and name == n and all(_value_covered(field, v, values) for v in later_values)
            for f, n, later_values in later)
        for field, name, values in earlier
    )


def _value_covered(field: str, value: str, by: tuple) -> bool:
    if field in ("path-pattern", "host-header", "http-header"):
        return any(glob_covers(pattern, value) for pattern in by)
    if field == "source-ip":
        try:
            inner = ipaddress.ip_network(value, strict=False)
            return any(_subnet(inner, ipaddress.ip_network(c, strict=False)) for c in by)
        except ValueError:
            return value in by
    return value in by


def _subnet(inner, outer) -> bool:
    return inner.version == outer.version and inner.subnet_of(outer)


@functools.lru_cache(maxsize=4096)
def glob_covers(pattern: str, other: str) -> bool:
    """True when every string `other` matches (as a pattern) is matched by `pattern`.

    `*` in `pattern` absorbs any run of `other`'s tokens (literals, `?`, `*`); `?`
    absorbs one literal or `?`; a literal only itself. Sound: True is a proof.
    """
    @functools.lru_cache(maxsize=None)
    def step(i: int, j: int) -> bool:
        if i == len(pattern):
            return j == len(other)
        token = pattern[i]
        if token == "*":
            return step(i + 1, j) or (j < len(other) and step(i, j + 1))
        if j == len(other):
            return False
        if token == "?":
            return other[j] != "*" and step(i + 1, j + 1)
        return other[j] == token and step(i + 1, j + 1)

    return step(0, 0)
