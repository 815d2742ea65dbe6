"""E9002: no security group holds more inbound or outbound rules than EC2's quota.

Amazon VPC quotas: 60 inbound and 60 outbound rules per security group by
default, counted separately for IPv4 and IPv6; a rule that references a
security group or a prefix list counts once for each. The rules counted are a
group's inline SecurityGroupIngress/SecurityGroupEgress entries plus every
AWS::EC2::SecurityGroupIngress/Egress resource of the template whose GroupId is
the group's Ref or GetAtt GroupId. A group without inline egress (no list, or an
empty one) keeps EC2's default allow-all IPv4 outbound rule. A prefix list counts
as one rule here, although AWS counts its maximum entries: the real figure can
only be higher.
The quota can be raised: `--configure-rule E9002:max_rules=N`.
"""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

DEFAULT_MAX_RULES = 60
DIRECTIONS = {
    "SecurityGroupIngress": ("inbound", "AWS::EC2::SecurityGroupIngress"),
    "SecurityGroupEgress": ("outbound", "AWS::EC2::SecurityGroupEgress"),
}


class SecurityGroupRuleCount(CloudFormationLintRule):
    id = "E9002"
    shortdesc = "Security groups within the rules-per-group quota"
    description = (
        "Counts each security group's inbound and outbound rules (inline and standalone, "
        "IPv4 and IPv6 separately) against the quota, 60 by default"
    )
    source_url = "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups"
    tags = ["resources", "ec2", "security-group", "quota", "fargate-compile"]

    def __init__(self) -> None:
        super().__init__()
        self.config_definition = {
            "max_rules": {"default": DEFAULT_MAX_RULES, "type": "integer"},
        }
        self.configure()

    def match(self, cfn: Any) -> list[RuleMatch]:
        limit = self.config["max_rules"]
        groups = cfn.get_resources(["AWS::EC2::SecurityGroup"])
        counts: dict[tuple[str, str, str], int] = {}
        for name, resource in groups.items():
            props = resource.get("Properties")
            props = props if isinstance(props, dict) else {}
            for key, (direction, _) in DIRECTIONS.items():
                rules = props.get(key)
                if isinstance(rules, list):
                    for rule in rules:
                        _count(counts, name, direction, rule)
                if direction == "outbound" and (key not in props or rules == []):
                    counts[(name, direction, "IPv4")] = counts.get((name, direction, "IPv4"), 0) + 1
        for key, (direction, type_) in DIRECTIONS.items():
            for resource in cfn.get_resources([type_]).values():
                props = resource.get("Properties")
                if isinstance(props, dict):
                    group = _group_name(props.get("GroupId"))
                    if group in groups:
                        _count(counts, group, direction, props)
        return [
            RuleMatch(
                ["Resources", name, "Properties"],
                f"security group {name} has {n} {direction} {family} rules; EC2 allows {limit} "
                "per group by default (Amazon VPC quotas; a raised quota: "
                f"--configure-rule {self.id}:max_rules=N)",
                rule=self,
            )
            for (name, direction, family), n in sorted(counts.items())
            if n > limit
        ]


def _count(counts: dict, group: str, direction: str, rule: Any) -> None:
    if not isinstance(rule, dict):
        return
    if "CidrIp" in rule:
        families = ["IPv4"]
    elif "CidrIpv6" in rule:
        families = ["IPv6"]
    else:  # a security group or a prefix list: one rule for IPv4 and one for IPv6
        families = ["IPv4", "IPv6"]
    for family in families:
        counts[(group, direction, family)] = counts.get((group, direction, family), 0) + 1


def _group_name(value: Any) -> str | None:
    """The logical ID a GroupId points at: {"Ref": X} or {"Fn::GetAtt": [X, "GroupId"]}."""
    if not isinstance(value, dict) or len(value) != 1:
        return None
    if "Ref" in value and isinstance(value["Ref"], str):
        return value["Ref"]
    getatt = value.get("Fn::GetAtt")
    if isinstance(getatt, str):
        getatt = getatt.split(".", 1)
    if isinstance(getatt, list) and len(getatt) == 2 and getatt[1] == "GroupId":
        return getatt[0] if isinstance(getatt[0], str) else None
    return None
