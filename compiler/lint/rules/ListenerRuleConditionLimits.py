"""E9030: a listener rule's conditions and transforms are within what ALB accepts.

Elastic Load Balancing, "Condition types for listener rules" and "Transforms for listener
rules": a rule takes at most one host-header, http-request-method, path-pattern and
source-ip condition; at most 3 values per condition (source-ip: 5) and 5 match evaluations
in all; at most 5 wildcards (`*`, `?`) over its header, host, path and query-string values;
an http-header condition never names Host, and its name is at most 40 RFC 7230 token
characters; a method is at most 40 of A-Z, `-`, `_`; and a rule takes at most one
url-rewrite and one host-header-rewrite transform. cfn-lint's schema for
AWS::ElasticLoadBalancingV2::ListenerRule has none of these: CreateRule refuses the rule.
Only literal values are counted; a condition built by a function is skipped.
"""

from __future__ import annotations

import re
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

ONE_PER_RULE = ("host-header", "http-request-method", "path-pattern", "source-ip")
CONFIG_KEYS = {"path-pattern": "PathPatternConfig", "host-header": "HostHeaderConfig",
               "http-header": "HttpHeaderConfig", "http-request-method": "HttpRequestMethodConfig",
               "query-string": "QueryStringConfig", "source-ip": "SourceIpConfig"}
VALUES_PER_CONDITION = {"source-ip": 5}
DEFAULT_VALUES_PER_CONDITION = 3
VALUES_PER_RULE = 5
WILDCARDS_PER_RULE = 5
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,40}$")
METHOD = re.compile(r"^[A-Z_-]{1,40}$")


class ListenerRuleConditionLimits(CloudFormationLintRule):
    id = "E9030"
    shortdesc = "Listener rule conditions and transforms within ALB limits"
    description = ("An AWS::ElasticLoadBalancingV2::ListenerRule takes one host, method, path and source-ip "
                   "condition, 3 values a condition, 5 match evaluations and 5 wildcards in all, no Host "
                   "header condition, and one transform of each type")
    source_url = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html"
    tags = ["resources", "elasticloadbalancingv2", "listener-rule", "fargate-compile"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        found = []
        for name, resource in sorted(cfn.get_resources(["AWS::ElasticLoadBalancingV2::ListenerRule"]).items()):
            props = resource.get("Properties")
            if not isinstance(props, dict):
                continue
            base = ["Resources", name, "Properties"]
            found += [RuleMatch(base + path, message, rule=self) for path, message in _problems(props)]
        return found


def _problems(props: dict) -> list[tuple[list, str]]:
    out: list[tuple[list, str]] = []
    conditions = props.get("Conditions")
    conditions = conditions if isinstance(conditions, list) else []
    seen: dict[str, int] = {}
    total = wildcards = 0
    for i, condition in enumerate(conditions):
        if not isinstance(condition, dict) or not isinstance(condition.get("Field"), str):
            continue
        field, where = condition["Field"], ["Conditions", i]
        if field in ONE_PER_RULE and field in seen:
            out.append((where, f"a second {field} condition (the first is Conditions[{seen[field]}]); "
                               f"a rule takes one"))
        seen.setdefault(field, i)
        config = condition.get(CONFIG_KEYS.get(field, ""))
        values = config.get("Values") if isinstance(config, dict) else condition.get("Values")
        if not isinstance(values, list):
            continue
        limit = VALUES_PER_CONDITION.get(field, DEFAULT_VALUES_PER_CONDITION)
        if len(values) > limit:
            out.append((where, f"{len(values)} values in one {field} condition; ALB takes at most {limit}"))
        total += len(values)
        texts = _texts(field, values)
        if field != "source-ip" and field != "http-request-method":
            wildcards += sum(len(re.findall(r"(?<!\\)[*?]", t)) for t in texts)
        if field == "http-header":
            header = config.get("HttpHeaderName")
            if isinstance(header, str) and (header.lower() == "host" or not HEADER_NAME.match(header)):
                out.append((where + ["HttpHeaderConfig", "HttpHeaderName"],
                            f"header name '{header}': use a host-header condition for Host; other names are "
                            "1 to 40 RFC 7230 token characters" if header.lower() == "host" else
                            f"header name '{header}' is not 1 to 40 RFC 7230 token characters"))
        if field == "http-request-method":
            for j, method in enumerate(values):
                if isinstance(method, str) and not METHOD.match(method):
                    out.append((where + ["HttpRequestMethodConfig", "Values", j],
                                f"method '{method}' is not 1 to 40 of A-Z, '-' and '_' (ALB compares exactly)"))
    if total > VALUES_PER_RULE:
        out.append((["Conditions"], f"{total} match evaluations; an ALB rule takes at most {VALUES_PER_RULE}"))
    if wildcards > WILDCARDS_PER_RULE:
        out.append((["Conditions"], f"{wildcards} wildcards; an ALB rule takes at most {WILDCARDS_PER_RULE}"))
    transforms = props.get("Transforms")
    types: dict[str, int] = {}
    for i, transform in enumerate(transforms if isinstance(transforms, list) else []):
        kind = transform.get("Type") if isinstance(transform, dict) else None
        if isinstance(kind, str) and kind in types:
            out.append((["Transforms", i], f"a second {kind} transform (the first is Transforms[{types[kind]}]); "
                                           "a rule takes one of each type"))
        if isinstance(kind, str):
            types.setdefault(kind, i)
    return out


def _texts(field: str, values: list) -> list[str]:
    """The strings of a condition's values (a query-string pair's key and value)."""
    if field == "query-string":
        return [v for pair in values if isinstance(pair, dict) for v in pair.values() if isinstance(v, str)]
    return [v for v in values if isinstance(v, str)]
