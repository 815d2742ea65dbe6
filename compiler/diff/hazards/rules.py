"""Security group rules revoked before what needs them is gone: kind "rule-gap"."""

from __future__ import annotations

from compiler.diff.changes import Changes
from compiler.diff.hazards.kinds import Hazard
from compiler.diff.hazards.resources import ECS_SERVICE, props_of, type_of
from compiler.diff.resolve import refers_to

SECURITY_GROUP = "AWS::EC2::SecurityGroup"
RULE_RESOURCES = {"AWS::EC2::SecurityGroupIngress": "SecurityGroupIngress",
                  "AWS::EC2::SecurityGroupEgress": "SecurityGroupEgress"}
_RULE_FIELDS = ("IpProtocol", "FromPort", "ToPort", "CidrIp", "CidrIpv6", "SourceSecurityGroupId",
                "SourcePrefixListId", "DestinationSecurityGroupId", "DestinationPrefixListId")


def _rule_key(values, file: str, rule) -> tuple:
    """What a rule admits, resolved and comparable (its Description left out)."""
    def value(v):
        return str(v) if isinstance(v, (int, str)) else values.resolve(file, v)
    return tuple(value(rule.get(k)) for k in _RULE_FIELDS) if isinstance(rule, dict) else ()


def _leaving_ports(changes: Changes) -> dict[str, list[str]]:
    """Container port -> ECS services whose load-balanced container port changes away from it:
    their old tasks listen on it until the rolling deployment replaces them."""
    ports: dict[str, list[str]] = {}
    for identity, change in sorted(changes.modified().items()):
        if change.type != ECS_SERVICE or change.replacement:
            continue
        def of(resource):
            return {str(lb.get("ContainerPort")) for lb in props_of(resource).get("LoadBalancers") or ()
                    if isinstance(lb, dict)}
        for port in sorted(of(changes.old_resource(identity)) - of(changes.new_resource(identity))):
            ports.setdefault(port, []).append(identity[1])
    return ports


def rule_gaps(changes: Changes) -> list[Hazard]:
    leaving = _leaving_ports(changes)
    created: dict[tuple, str] = {}     # (group, direction, rule key) -> the new rule resource
    for file in changes.new.templates:
        for logical_id, resource in sorted(changes.new.resources(file).items()):
            identity = (changes.new.key(file), logical_id)
            direction = RULE_RESOURCES.get(type_of(resource))
            if direction is None or not (identity in changes.added or identity in changes.replaced):
                continue
            props = props_of(resource)
            for group in refers_to(changes.new_values.resolve(file, props.get("GroupId")), _groups(changes)):
                created[(group, direction, _rule_key(changes.new_values, file, props))] = logical_id
    out = []
    for identity, change in sorted(changes.modified().items()):
        if change.type != SECURITY_GROUP or change.replacement:
            continue
        old_file, new_file = changes.old_file(identity), changes.new_file(identity)
        for direction in RULE_RESOURCES.values():
            new_rules = {_rule_key(changes.new_values, new_file, r)
                         for r in props_of(changes.new_resource(identity)).get(direction) or ()}
            for rule in props_of(changes.old_resource(identity)).get(direction) or ():
                key = _rule_key(changes.old_values, old_file, rule)
                if not key or key in new_rules:
                    continue
                what = f"the {direction[len('SecurityGroup'):].lower()} rule on port {_ports(rule)}"
                moved = created.get((identity, direction, key))
                if moved:
                    out.append(Hazard("rule-gap", changes.file(identity), identity[1],
                                      f"{what} moves to the new resource {moved}: CloudFormation revokes it "
                                      f"as it updates the group and adds it again only when it creates {moved}; "
                                      "new connections it admits are refused in between (seconds)"))
                    continue
                # A rule naming a group (the ALB's, the tasks'), or egress: a listener's CIDR
                # rule on the same number is about the load balancer's own port.
                peer = direction == "SecurityGroupEgress" or "SourceSecurityGroupId" in rule
                for port, services in sorted(leaving.items()):
                    if peer and _covers(rule, port):
                        out.append(Hazard("rule-gap", changes.file(identity), identity[1],
                                          f"{what} is revoked as the group updates, while the tasks of "
                                          f"{', '.join(services)} still listen on port {port} until the rolling "
                                          "deployment replaces them: they get no traffic through it meanwhile"))
    return out


def _groups(changes: Changes) -> set:
    return {i for i, m in changes.modified().items() if m.type == SECURITY_GROUP}


def _ports(rule: dict) -> str:
    low, high = rule.get("FromPort"), rule.get("ToPort")
    return str(low) if low == high else f"{low}-{high}"


def _covers(rule: dict, port: str) -> bool:
    try:
        return int(rule.get("FromPort")) <= int(port) <= int(rule.get("ToPort"))
    except (TypeError, ValueError):
        return False
