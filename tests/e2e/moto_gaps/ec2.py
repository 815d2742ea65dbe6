"""Gaps of moto's EC2 models: route table associations, security groups and their rules, tags."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .base import AddedModel, after_create, replace, wrap


# --- Gap 10 ------------------------------------------------------------------
# AWS::EC2::SubnetRouteTableAssociation: moto files the pair away but never
# associates the subnet with the route table, so every subnet keeps using the
# VPC's main route table (no internet gateway, no NAT gateway route). Associate
# it for real; the physical id is the association id, as on AWS. An update moves the
# subnet to its new table (below).
def subnet_route_table_association() -> None:
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.subnets import SubnetRouteTableAssociation

    @replace(SubnetRouteTableAssociation, "create_from_cloudformation_json")
    def create(cls, resource_name: str, cloudformation_json: Any, account_id: str,
               region_name: str, **kwargs: Any) -> SubnetRouteTableAssociation:
        props = cloudformation_json["Properties"]
        backend = ec2_backends[account_id][region_name]
        association = backend.create_subnet_association(
            route_table_id=props["RouteTableId"], subnet_id=props["SubnetId"]
        )
        association.association_id = backend.associate_route_table(
            props["RouteTableId"], subnet_id=props["SubnetId"]
        )
        return association

    SubnetRouteTableAssociation.physical_resource_id = property(
        lambda self: getattr(self, "association_id", self.route_table_id)
    )

    # An update (`nat: single` -> `per_az` moves a subnet to another table): moto has no
    # update for the type, so the subnet stayed on its old table. AWS documents that "the
    # physical ID changes when the route table ID is changed": the subnet is re-associated
    # in place (ReplaceRouteTableAssociation, a new association ID). A new subnet is a new
    # association, the old one's removed.
    @replace(SubnetRouteTableAssociation, "update_from_cloudformation_json")
    def update(cls, original_resource: Any, new_resource_name: str, cloudformation_json: Any,
               account_id: str, region_name: str) -> SubnetRouteTableAssociation:
        props = cloudformation_json["Properties"]
        backend = ec2_backends[account_id][region_name]
        old_id = getattr(original_resource, "association_id", None)
        if props["SubnetId"] == original_resource.subnet_id and old_id:
            association = backend.create_subnet_association(
                route_table_id=props["RouteTableId"], subnet_id=props["SubnetId"])
            association.association_id = backend.replace_route_table_association(old_id, props["RouteTableId"])
            return association
        if old_id:
            backend.disassociate_route_table(old_id)
        return create(cls, new_resource_name, cloudformation_json, account_id, region_name)


# --- Gap 16 ------------------------------------------------------------------
# AWS::EC2::SecurityGroup: SecurityGroupEgress is dropped, so every group keeps
# EC2's default allow-all egress. On AWS the property replaces that default
# with exactly the rules listed. Apply them (CIDR, IPv6 CIDR, destination
# group and prefix list targets).
def security_group_egress() -> None:
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.security_groups import SecurityGroup

    @after_create(SecurityGroup)
    def egress(group: SecurityGroup, props: dict, account_id: str, region_name: str) -> None:
        if "SecurityGroupEgress" not in props:
            return
        backend = ec2_backends[account_id][region_name]
        group.egress_rules = []
        for rule in props["SecurityGroupEgress"] or []:
            ranges = []
            if rule.get("CidrIp"):
                ranges.append({"CidrIp": rule["CidrIp"]})
            if rule.get("CidrIpv6"):
                ranges.append({"CidrIpv6": rule["CidrIpv6"]})
            backend.authorize_security_group_egress(
                group_name_or_id=group.id,
                ip_protocol=str(rule["IpProtocol"]),
                from_port=rule.get("FromPort"),
                to_port=rule.get("ToPort"),
                ip_ranges=ranges,
                source_groups=([{"GroupId": rule["DestinationSecurityGroupId"]}]
                               if rule.get("DestinationSecurityGroupId") else []),
                prefix_list_ids=([{"PrefixListId": rule["DestinationPrefixListId"]}]
                                 if rule.get("DestinationPrefixListId") else []),
                vpc_id=group.vpc_id,
            )


# --- Gap 17 ------------------------------------------------------------------
# Tags of AWS::EC2::RouteTable, ::NatGateway, ::VPCEndpoint, ::EIP and
# ::InternetGateway are dropped (the other EC2 types the templates use keep
# theirs). Tag them.
def tags() -> None:
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.elastic_ip_addresses import ElasticAddress
    from moto.ec2.models.internet_gateways import InternetGateway
    from moto.ec2.models.nat_gateways import NatGateway
    from moto.ec2.models.route_tables import RouteTable
    from moto.ec2.models.vpcs import VPCEndPoint

    def tag(resource: Any, props: dict, account_id: str, region_name: str) -> None:
        tags = {t["Key"]: t["Value"] for t in props.get("Tags") or []}
        if tags:
            ec2_backends[account_id][region_name].create_tags([resource.id], tags)

    for model in (RouteTable, NatGateway, VPCEndPoint, ElasticAddress, InternetGateway):
        after_create(model)(tag)


# --- Gap 19 ------------------------------------------------------------------
# EC2 refuses a security group or rule description outside its characters
# (a-z A-Z 0-9, spaces, ._-:/()#,@[]+=;{}!$* and '&' except on rules naming a
# group or prefix list) or longer than 255, and more than 60 inbound or 60
# outbound rules per group and IP family (the default quota; a group or prefix
# list reference counts for both families). moto takes anything. Refuse them
# the way EC2 does, as InvalidParameterValue / RulesPerSecurityGroupLimitExceeded.
_EC2_TEXT = r"a-zA-Z0-9 ._\-:/()#,@\[\]+=;{}!$*"
EC2_RULES_PER_GROUP = 60


def security_group_validation() -> None:
    import re

    from moto.ec2.exceptions import EC2ClientError, InvalidParameterValueError
    from moto.ec2.models.security_groups import SecurityGroup, SecurityGroupIngress

    with_ampersand = re.compile(f"^[{_EC2_TEXT}&]{{0,255}}$")
    without = re.compile(f"^[{_EC2_TEXT}]{{0,255}}$")

    def check_text(text: Any, pattern: "re.Pattern[str]") -> None:
        if isinstance(text, str) and not pattern.match(text):
            raise InvalidParameterValueError(text)

    def check_rule(rule: dict) -> None:
        cidr = "CidrIp" in rule or "CidrIpv6" in rule
        check_text(rule.get("Description"), with_ampersand if cidr else without)

    def count(rules: list, where: str) -> None:
        families = {"IPv4": 0, "IPv6": 0}
        for rule in rules:
            for family in (["IPv4"] if "CidrIp" in rule else ["IPv6"] if "CidrIpv6" in rule
                           else ["IPv4", "IPv6"]):
                families[family] += 1
        for family, n in families.items():
            if n > EC2_RULES_PER_GROUP:
                raise EC2ClientError("RulesPerSecurityGroupLimitExceeded",
                                     f"{where}: {n} {family} rules; the maximum is {EC2_RULES_PER_GROUP}")

    @wrap(SecurityGroup, "create_from_cloudformation_json")
    def create_group(original: Callable, cls, resource_name: str, cloudformation_json: Any,
                     *args: Any, **kwargs: Any) -> Any:
        props = cloudformation_json.get("Properties") or {}
        check_text(props.get("GroupDescription"), with_ampersand)
        for key in ("SecurityGroupIngress", "SecurityGroupEgress"):
            rules = props.get(key) or []
            for rule in rules:
                check_rule(rule)
            count(rules, f"{resource_name} {key}")
        return original(cls, resource_name, cloudformation_json, *args, **kwargs)

    # moto has no AWS::EC2::SecurityGroupEgress model at all; the ingress one is checked.
    @wrap(SecurityGroupIngress, "create_from_cloudformation_json")
    def create_rule(original: Callable, cls, resource_name: str, cloudformation_json: Any,
                    *args: Any, **kwargs: Any) -> Any:
        check_rule(cloudformation_json.get("Properties") or {})
        return original(cls, resource_name, cloudformation_json, *args, **kwargs)


# --- Gap 24 ------------------------------------------------------------------
# Security group rules as resources of their own (the services' port rules and the
# ALB's egress per port). (a) AWS::EC2::SecurityGroupEgress is not a CloudFormation
# type in moto. (b) A standalone AWS::EC2::SecurityGroupIngress is never revoked:
# removing it, or replacing it (its port is create-only), leaves the old rule, and
# a changed Description is not applied; its source-group rule loses its
# Description. (c) Gap 20's group update replaced all of a group's rules with its
# inline ones, so it revoked the rule resources too; AWS revokes only the inline
# rules the template no longer lists. Here a group remembers which of its rules are
# inline, and a rule resource adds, revokes and replaces exactly its own rule.
# (d) A change of the Description alone updates the rule in place, as on AWS.
def security_group_rules() -> None:
    from moto.core.common_models import CloudFormationModel
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.security_groups import SecurityGroup, SecurityGroupIngress

    def rule_args(props: dict, peer_key: str) -> dict:
        description = props.get("Description")
        peer = props.get(peer_key)
        return {
            "ip_protocol": str(props["IpProtocol"]), "from_port": props.get("FromPort"),
            "to_port": props.get("ToPort"),
            "ip_ranges": ([{"CidrIp": props["CidrIp"], **({"Description": description} if description else {})}]
                          if props.get("CidrIp") else []),
            "source_groups": ([{"GroupId": peer, **({"Description": description} if description else {})}]
                              if peer else []),
        }

    def _without_description(props: dict) -> dict:
        return {k: v for k, v in props.items() if k != "Description"}

    class Rule(AddedModel):
        """One rule a rule resource added to a group: (group, direction, rule id)."""

        def __init__(self, group_id: str, direction: str, rule_id: str):
            self.group_id, self.direction, self.rule_id = group_id, direction, rule_id

        @property
        def physical_resource_id(self) -> str:
            return self.rule_id

        def is_created(self) -> bool:
            return True

        @classmethod
        def add(cls, props: dict, direction: str, account_id: str, region_name: str) -> "Rule":
            backend = ec2_backends[account_id][region_name]
            [group] = backend.describe_security_groups(group_ids=[props["GroupId"]])
            before = {r.id for r in getattr(group, f"{direction}_rules")}
            authorize = getattr(backend, f"authorize_security_group_{direction}")
            peer = "SourceSecurityGroupId" if direction == "ingress" else "DestinationSecurityGroupId"
            authorize(group_name_or_id=group.id, vpc_id=group.vpc_id, **rule_args(props, peer))
            added = [r.id for r in getattr(group, f"{direction}_rules") if r.id not in before]
            rule = cls(group.id, direction, added[0] if added else "")
            rule.props = dict(props)
            return rule

        def delete(self, account_id: str, region_name: str) -> None:
            [group] = ec2_backends[account_id][region_name].describe_security_groups(group_ids=[self.group_id])
            setattr(group, f"{self.direction}_rules",
                    [r for r in getattr(group, f"{self.direction}_rules") if r.id != self.rule_id])

        @classmethod
        def replace(cls, original: "Rule", cloudformation_json: Any, account_id: str,
                    region_name: str) -> "Rule":
            # Create-only properties changed: on AWS the new rule comes first and the old one
            # goes in the cleanup phase, which moto does not have; the old one goes first here,
            # so an unchanged rule is no duplicate. Only the Description changed: AWS updates
            # the rule in place ("Update requires: No interruption"), and so does this.
            new_props = cloudformation_json["Properties"]
            old_props = getattr(original, "props", None)
            if old_props is not None and _without_description(old_props) == _without_description(new_props):
                [group] = ec2_backends[account_id][region_name].describe_security_groups(group_ids=[original.group_id])
                for r in getattr(group, f"{original.direction}_rules"):
                    if r.id == original.rule_id:
                        for peer in (r.ip_range, r.source_group):
                            if peer:
                                peer["Description"] = new_props.get("Description", "")
                original.props = dict(new_props)
                return original
            original.delete(account_id, region_name)
            return cls.add(cloudformation_json["Properties"], original.direction, account_id, region_name)

    class Egress(Rule, CloudFormationModel):
        __module__ = "moto.ec2.models.security_groups"
        cfn_type = "AWS::EC2::SecurityGroupEgress"

        @classmethod
        def create(cls, props: dict, resource_name: str, account_id: str, region_name: str) -> Any:
            return cls.add(props, "egress", account_id, region_name)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,
                                            cloudformation_json: Any, account_id: str, region_name: str) -> Any:
            return cls.replace(original_resource, cloudformation_json, account_id, region_name)

    @replace(SecurityGroupIngress, "create_from_cloudformation_json")
    def create_ingress(cls, resource_name: str, cloudformation_json: Any, account_id: str,
                       region_name: str, **kwargs: Any) -> Any:
        return Rule.add(cloudformation_json["Properties"], "ingress", account_id, region_name)

    @replace(SecurityGroupIngress, "update_from_cloudformation_json")
    def update_ingress(cls, original_resource: Any, new_resource_name: str, cloudformation_json: Any,
                       account_id: str, region_name: str) -> Any:
        return Rule.replace(original_resource, cloudformation_json, account_id, region_name)

    # (c): which rules are the group's own, recorded after every create and update
    @after_create(SecurityGroup)
    def own(group: SecurityGroup, *_: Any) -> None:
        group.inline_rule_ids = {r.id for r in group.ingress_rules + group.egress_rules}

    @wrap(SecurityGroup, "update_from_cloudformation_json")
    def update(update_group: Callable, cls, original_resource: SecurityGroup, new_resource_name: str,
               cloudformation_json: Any, account_id: str, region_name: str) -> SecurityGroup:
        inline = getattr(original_resource, "inline_rule_ids", set())
        others = {d: [r for r in getattr(original_resource, f"{d}_rules") if r.id not in inline]
                  for d in ("ingress", "egress")}
        group = update_group(cls, original_resource, new_resource_name, cloudformation_json,
                             account_id, region_name)
        if group is original_resource:   # updated in place: the rule resources' rules stay
            for direction, rules in others.items():
                present = {r.id for r in getattr(group, f"{direction}_rules")}
                kept = [r for r in rules if r.id not in present]
                own_now = [r for r in getattr(group, f"{direction}_rules") if r.id not in {k.id for k in rules}]
                setattr(group, f"{direction}_rules", own_now + kept)
        group.inline_rule_ids = {r.id for d in ("ingress", "egress") for r in getattr(group, f"{d}_rules")
                                 if r.id not in {k.id for k in others[d]}}
        return group
