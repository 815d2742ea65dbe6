"""Gaps of moto's CloudFormation engine itself: stacks, change sets, intrinsics, updates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .base import replace, wrap


# --- Gap 1 -------------------------------------------------------------------
# `Fn::GetAtt [ChildStack, Outputs.X]` between nested stacks: moto's Stack
# model has no get_cfn_attribute, so the root stack fails with AttributeError
# (a 500) as soon as one child's Parameter is fed from another child's Output.
# CloudFormation returns every stack output as a string: lists are joined
# with commas, the form CommaDelimitedList and List<...> parameters expect.
# And DescribeStacks shows a List<...> parameter as a Python list repr
# ("['subnet-1', 'subnet-2']"); AWS shows the comma-joined string it was given.
def nested_stack_outputs() -> None:
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import Stack

    @replace(Stack, "get_cfn_attribute")
    def get_cfn_attribute(self: Stack, attribute_name: str) -> Any:
        if attribute_name.startswith("Outputs."):
            key = attribute_name[len("Outputs."):]
            for output in self.output_map.values():
                if output and output.key == key:
                    return _as_output_string(output.value)
            raise ValidationError(
                self.stack_id, message=f"Stack {self.name} has no output {key}"
            )
        raise ValidationError(
            self.stack_id, message=f"Stack has no attribute {attribute_name}"
        )

    @wrap(Stack, "parameter_list")
    def parameter_list(original: Callable, self: Stack) -> list[dict[str, Any]]:
        return [{**p, "ParameterValue": _as_output_string(p["ParameterValue"])}
                for p in original(self)]


def _as_output_string(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    return value


# --- Gap 2 -------------------------------------------------------------------
# Stacks created through a change set (what `aws cloudformation deploy` does)
# get no Outputs and no Description: moto builds the stack with an empty
# template at CreateChangeSet and never rebuilds its output map when the
# change set is executed.
def change_set_outputs() -> None:
    from moto.cloudformation.models import CloudFormationBackend

    @wrap(CloudFormationBackend, "execute_change_set")
    def execute_change_set(original: Callable, self: CloudFormationBackend, change_set_name: str,
                           stack_name: str | None = None) -> None:
        original(self, change_set_name, stack_name)
        change_set = self.describe_change_set(change_set_name)
        stack = self.stacks[change_set.stack_id]
        stack._parse_template()
        stack.description = stack.template_dict.get("Description")
        stack.output_map = stack._create_output_map()


# --- Gap 3 -------------------------------------------------------------------
# Intrinsic functions.
# a) `Fn::GetAZs`: moto always answers with zones a..d of us-east-1 when the
#    argument is "", and pastes the raw dict into the zone names when it is
#    `{"Ref": "AWS::Region"}` (troposphere's GetAZs(Region)). Answer with the
#    zones the emulated region really has, as AWS does.
# b) `Fn::GetAtt` of an attribute moto does not implement only logs a warning
#    and leaves the raw {"Fn::GetAtt": ...} in place, and one on a resource
#    type moto does not model crashes (a 500) or reads as "undefined resource".
#    Either is now a deployment failure that names the attribute, so a gap can
#    never pass silently.
def intrinsics() -> None:
    from moto.cloudformation import parsing
    from moto.cloudformation.exceptions import ValidationError
    from moto.ec2.models import ec2_backends

    @wrap(parsing, "clean_json")
    def clean_json(original: Callable, resource_json: Any, resources_map: Any) -> Any:
        if not isinstance(resources_map, parsing.ResourceMap):
            # Conditions are evaluated against a plain dict of parameters.
            return original(resource_json, resources_map)
        if isinstance(resource_json, dict) and "Fn::GetAZs" in resource_json:
            region = original(resource_json["Fn::GetAZs"], resources_map) or resources_map["AWS::Region"]
            account = resources_map["AWS::AccountId"]
            zones = ec2_backends[account][region].describe_availability_zones()
            return sorted(z.name for z in zones)
        if isinstance(resource_json, dict) and "Fn::GetAtt" in resource_json:
            target = resource_json["Fn::GetAtt"]
            name, attribute = target.split(".", 1) if isinstance(target, str) else target
            attribute = original(attribute, resources_map)
            declared = resources_map._resource_json_map.get(name)
            if declared is None:
                raise ValidationError(
                    message=f"Template error: instance of Fn::GetAtt references undefined resource {name}"
                )
            resource = resources_map[name]
            if resource is None or not hasattr(resource, "get_cfn_attribute"):
                raise ValidationError(message=(
                    f"moto_compat: the emulator does not model {declared['Type']} "
                    f"(Fn::GetAtt {name}.{attribute})"
                ))
            try:
                return resource.get_cfn_attribute(attribute)
            except NotImplementedError:
                raise ValidationError(message=(
                    f"moto_compat: the emulator does not implement Fn::GetAtt "
                    f"{declared['Type']}.{attribute} ({name})"
                ))
        return original(resource_json, resources_map)


# --- Gap 18 ------------------------------------------------------------------
# Pseudo parameters: AWS::Partition is always "aws" and AWS::URLSuffix always
# "amazonaws.com", also in the China and GovCloud Regions, so every ARN a
# template builds with ${AWS::Partition} is wrong there. Answer per Region.
def pseudo_parameters() -> None:
    from moto.cloudformation.parsing import ResourceMap
    from moto.utilities.utils import get_partition

    @wrap(ResourceMap, "__init__")
    def __init__(original: Callable, self: ResourceMap, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        partition = get_partition(self._region_name)
        self._parsed_resources["AWS::Partition"] = partition
        self._parsed_resources["AWS::URLSuffix"] = (
            "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com")


# --- Gap 20 ------------------------------------------------------------------
# Stack updates (`aws cloudformation deploy` of an existing stack, through a change
# set), which tests/e2e/test_updates_e2e.py makes. Measured against moto 5.2.5:
# (a) a nested stack (AWS::CloudFormation::Stack) whose template or parameters
#     change is deleted and created again, every resource in it new (and a retained
#     namespace then clashes with its own successor). AWS updates the nested stack
#     in place: only what changed in it changes.
# (b) a resource the update modifies whose type moto cannot update (Logs::LogGroup,
#     ELBv2 TargetGroup and LoadBalancer, EC2 VPC/Subnet/Route..., and the types
#     added in this package) is dropped from the stack, so later references to it
#     fail. AWS modifies it in place, or replaces it when a create-only property
#     changes (which the compiler's diff tests check, not the emulator): here it is
#     kept as it was; its new property values are not applied.
# (c) an AWS::EC2::SecurityGroup update deletes the group and makes a new one (a
#     new GroupId); AWS changes the rules of the same group unless GroupDescription,
#     GroupName or VpcId (create-only) change. Rules are now replaced in place.
# (d) a resource the update removes from the template is deleted even with
#     DeletionPolicy: Retain; AWS keeps it (and its data, e.g. a log group's events).
# (e) a removed resource stays in the stack's resource map, so when a later update
#     adds the same logical ID again, moto hands back the old resource instead of
#     creating one (a re-added subscriber's new queue is never made). AWS creates it.
def stack_updates() -> None:
    from moto.cloudformation import parsing
    from moto.cloudformation.models import Stack
    from moto.cloudformation.utils import get_stack_from_s3_url
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.security_groups import SecurityGroup
    from moto.utilities.utils import get_partition

    # (a)
    @replace(Stack, "update_from_cloudformation_json")
    def update_nested(cls, original_resource: Stack, new_resource_name: str, cloudformation_json: Any,
                      account_id: str, region_name: str) -> Stack:
        props = cloudformation_json["Properties"]
        body = get_stack_from_s3_url(props["TemplateURL"], account_id=account_id,
                                     partition=get_partition(region_name))
        original_resource.update(body, parameters=props.get("Parameters", {}))
        return original_resource

    # (b)
    @wrap(parsing, "parse_and_update_resource")
    def parse_and_update_resource(original: Callable, logical_id: str, resource_json: dict[str, Any],
                                  resources_map: Any, account_id: str, region_name: str) -> Any:
        updated = original(logical_id, resource_json, resources_map, account_id, region_name)
        if updated is None:
            return resources_map._parsed_resources.get(logical_id)
        return updated

    # (c)
    @wrap(SecurityGroup, "update_from_cloudformation_json")
    def update_group(replace_group: Callable, cls, original_resource: SecurityGroup, new_resource_name: str,
                     cloudformation_json: Any, account_id: str, region_name: str) -> SecurityGroup:
        props = cloudformation_json["Properties"]
        if (props.get("GroupDescription") != original_resource.description
                or props.get("VpcId") != original_resource.vpc_id):
            return replace_group(cls, original_resource, new_resource_name, cloudformation_json,
                                 account_id, region_name)
        backend = ec2_backends[account_id][region_name]
        group = original_resource
        group.ingress_rules = []
        for rule in props.get("SecurityGroupIngress") or []:
            source = {"GroupId": rule["SourceSecurityGroupId"]} if rule.get("SourceSecurityGroupId") else None
            backend.authorize_security_group_ingress(
                group_name_or_id=group.id, ip_protocol=str(rule["IpProtocol"]),
                from_port=rule.get("FromPort"), to_port=rule.get("ToPort"),
                ip_ranges=[{"CidrIp": rule["CidrIp"]}] if rule.get("CidrIp") else [],
                source_groups=[source] if source else [], vpc_id=group.vpc_id,
            )
        if "SecurityGroupEgress" in props:
            group.egress_rules = []
            for rule in props["SecurityGroupEgress"] or []:
                backend.authorize_security_group_egress(
                    group_name_or_id=group.id, ip_protocol=str(rule["IpProtocol"]),
                    from_port=rule.get("FromPort"), to_port=rule.get("ToPort"),
                    ip_ranges=[{"CidrIp": rule["CidrIp"]}] if rule.get("CidrIp") else [],
                    source_groups=([{"GroupId": rule["DestinationSecurityGroupId"]}]
                                   if rule.get("DestinationSecurityGroupId") else []),
                    vpc_id=group.vpc_id,
                )
        return group

    # (d)
    @wrap(parsing.ResourceMap, "_delete_resource")
    def _delete_resource(original: Callable, self: Any, parsed_resource: Any,
                         resource_json: dict[str, Any]) -> None:
        if resource_json.get("DeletionPolicy") == "Retain":
            return
        original(self, parsed_resource, resource_json)

    # (e)
    @wrap(parsing.ResourceMap, "update")
    def update_map(original: Callable, self: Any, template: dict[str, Any],
                   parameters: dict[str, Any] | None = None) -> None:
        gone = set(self._resource_json_map) - set(template.get("Resources") or {})
        original(self, template, parameters)
        for logical_id in gone:
            self._parsed_resources.pop(logical_id, None)
