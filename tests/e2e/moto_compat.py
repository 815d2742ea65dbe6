"""Closes the gaps of moto's CloudFormation emulation that the e2e deploy tests hit.

moto (pinned: see MOTO_VERSION) is the emulator the e2e tests deploy into. Its
CloudFormation engine is good enough for plain stacks, but the templates this
project writes use features it skips or gets wrong. Each patch below names the
gap it closes, measured against the pinned version; `apply()` refuses any
other version, so an upgrade re-measures the gaps instead of silently
stacking patches on code that changed.

The patches run in the test process, before the in-process moto server starts
(ThreadedMotoServer shares the interpreter, so patched classes are what the
server uses). They change moto only; nothing here knows about the compiler.
"""

from __future__ import annotations

import importlib.metadata
from typing import Any

MOTO_VERSION = "5.2.5"

_applied = False


def apply() -> None:
    """Patch moto in this process (idempotent)."""
    global _applied
    if _applied:
        return
    found = importlib.metadata.version("moto")
    if found != MOTO_VERSION:
        raise RuntimeError(
            f"tests/e2e/moto_compat.py was measured against moto=={MOTO_VERSION}, found {found}: "
            "re-check every gap listed there before changing the pin"
        )
    _nested_stack_outputs()
    _change_set_outputs()
    _get_azs()
    _applied = True


# --- Gap 1 -------------------------------------------------------------------
# `Fn::GetAtt [ChildStack, Outputs.X]` between nested stacks: moto's Stack
# model has no get_cfn_attribute, so the root stack fails with AttributeError
# (a 500) as soon as one child's Parameter is fed from another child's Output.
# CloudFormation returns every stack output as a string: lists are joined
# with commas, the form CommaDelimitedList and List<...> parameters expect.
def _nested_stack_outputs() -> None:
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import Stack

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

    Stack.get_cfn_attribute = get_cfn_attribute


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
def _change_set_outputs() -> None:
    from moto.cloudformation.models import CloudFormationBackend

    original = CloudFormationBackend.execute_change_set

    def execute_change_set(self: CloudFormationBackend, change_set_name: str,
                           stack_name: str | None = None) -> None:
        original(self, change_set_name, stack_name)
        change_set = self.describe_change_set(change_set_name)
        stack = self.stacks[change_set.stack_id]
        stack._parse_template()
        stack.description = stack.template_dict.get("Description")
        stack.output_map = stack._create_output_map()

    CloudFormationBackend.execute_change_set = execute_change_set


# --- Gap 3 -------------------------------------------------------------------
# `Fn::GetAZs`: moto always answers with the zones a..d of us-east-1 when the
# argument is "", and pastes the raw dict into the zone names when it is
# `{"Ref": "AWS::Region"}` (troposphere's GetAZs(Region)). Answer with the
# zones moto's EC2 backend really has in the stack's region, like AWS does.
def _get_azs() -> None:
    from moto.cloudformation import parsing
    from moto.ec2.models import ec2_backends

    original = parsing.clean_json

    def clean_json(resource_json: Any, resources_map: Any) -> Any:
        if isinstance(resource_json, dict) and "Fn::GetAZs" in resource_json:
            region = original(resource_json["Fn::GetAZs"], resources_map) or resources_map["AWS::Region"]
            account = resources_map["AWS::AccountId"]
            zones = ec2_backends[account][region].describe_availability_zones()
            return sorted(z.name for z in zones)
        return original(resource_json, resources_map)

    parsing.clean_json = clean_json
