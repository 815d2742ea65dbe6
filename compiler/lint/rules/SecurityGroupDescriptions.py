"""E9001: security group and rule descriptions use only the characters EC2 accepts.

EC2 API reference: CreateSecurityGroup's GroupDescription and IpRange/Ipv6Range
descriptions allow a-z A-Z 0-9, spaces and ._-:/()#,@[]+=&;{}!$*; UserIdGroupPair
and PrefixListId descriptions (rules naming a security group or a prefix list)
allow the same set without '&'. Each is at most 255 characters. cfn-lint checks
neither, and CloudFormation passes the text through to EC2, which fails the
stack. Text built with Fn::Sub or Fn::Join is checked in its literal parts.
"""

from __future__ import annotations

import re
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

MAX_LENGTH = 255
_BASE = r"a-zA-Z0-9 ._\-:/()#,@\[\]+=;{}!$*"
GROUP_CHARS = re.compile(rf"[^{_BASE}&]")     # group descriptions, rules on a cidr
REFERENCE_CHARS = re.compile(rf"[^{_BASE}]")  # rules naming a security group or prefix list
SHOWN = "a-z A-Z 0-9, spaces and ._-:/()#,@[]+=&;{}!$*"
CIDR_KEYS = ("CidrIp", "CidrIpv6")
STANDALONE = ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress")


class SecurityGroupDescriptions(CloudFormationLintRule):
    id = "E9001"
    shortdesc = "Security group descriptions use EC2's characters, at most 255"
    description = (
        "GroupDescription and every rule Description (inline or an "
        "AWS::EC2::SecurityGroupIngress/Egress resource) may hold only a-z A-Z 0-9, "
        "spaces and ._-:/()#,@[]+=&;{}!$* ('&' only on cidr rules), at most 255 characters"
    )
    source_url = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_UserIdGroupPair.html"
    tags = ["resources", "ec2", "security-group", "fargate-compile"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        found: list[RuleMatch] = []
        for name, resource in cfn.get_resources(["AWS::EC2::SecurityGroup"]).items():
            props = resource.get("Properties")
            if not isinstance(props, dict):
                continue
            base = ["Resources", name, "Properties"]
            found += _check(props.get("GroupDescription"), base + ["GroupDescription"],
                            GROUP_CHARS, "GroupDescription", self)
            for key in ("SecurityGroupIngress", "SecurityGroupEgress"):
                rules = props.get(key)
                if isinstance(rules, list):
                    for index, rule in enumerate(rules):
                        found += _rule(rule, base + [key, index], self)
        for name, resource in cfn.get_resources(list(STANDALONE)).items():
            found += _rule(resource.get("Properties"), ["Resources", name, "Properties"], self)
        return found


def _rule(rule: Any, path: list, lint_rule) -> list[RuleMatch]:
    if not isinstance(rule, dict) or "Description" not in rule:
        return []
    chars = GROUP_CHARS if any(k in rule for k in CIDR_KEYS) else REFERENCE_CHARS
    return _check(rule["Description"], path + ["Description"], chars, "rule Description", lint_rule)


def _check(value: Any, path: list, chars: re.Pattern, what: str, lint_rule) -> list[RuleMatch]:
    found = []
    for text in _literal_variants(value):
        bad = sorted(set(chars.findall(text)))
        if bad:
            allowed = SHOWN if chars is GROUP_CHARS else SHOWN.replace("&", "")
            found.append(RuleMatch(path, (
                f"{what} {text[:60]!r} has {', '.join(repr(c) for c in bad)}, which EC2 rejects; "
                f"allowed: {allowed}"), rule=lint_rule))
        if len(text) > MAX_LENGTH:
            found.append(RuleMatch(path, (
                f"{what} {text[:40]!r}... is {len(text)} characters (at least); EC2 allows "
                f"{MAX_LENGTH}"), rule=lint_rule))
    return found


def _literal_variants(value: Any) -> list[str]:
    """The literal text a value is known to contain: each Fn::If branch separately,
    Fn::Sub without its ${...} references, Fn::Join's literal pieces joined."""
    if isinstance(value, str):
        return [value]
    if not isinstance(value, dict) or len(value) != 1:
        return []
    [(function, args)] = value.items()
    if function == "Fn::If" and isinstance(args, list) and len(args) == 3:
        return _literal_variants(args[1]) + _literal_variants(args[2])
    if function == "Fn::Sub":
        text = args[0] if isinstance(args, list) and args else args
        if isinstance(text, str):
            return [re.sub(r"\$\{(?!!)[^}]*\}", "", text)]
    if function == "Fn::Join" and isinstance(args, list) and len(args) == 2:
        delimiter, items = args
        if isinstance(delimiter, str) and isinstance(items, list):
            parts = [p for item in items for p in _literal_variants(item)[:1]]
            return [delimiter.join(parts)]
    return []
