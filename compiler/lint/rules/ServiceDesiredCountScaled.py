"""W9003: an ECS service scaled by Application Auto Scaling leaves DesiredCount out.

AWS::ECS::Service DesiredCount: on create an omitted DesiredCount starts the
service with 1 task (then RegisterScalableTarget moves it into the scalable
target's MinCapacity..MaxCapacity); on update an omitted DesiredCount is left
out of UpdateService, so the running count stays what autoscaling made it. A
DesiredCount in the template is sent again by every stack update that touches
the service (a new image, a tag), resetting a scaled-out service to that
number. AWS accepts such a template, so this is a warning, not an error: the
deploy succeeds and the service then runs with fewer tasks than its load needs.
"""

from __future__ import annotations

import re
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

DIMENSION = "ecs:service:DesiredCount"


class ServiceDesiredCountScaled(CloudFormationLintRule):
    id = "W9003"
    shortdesc = "No DesiredCount on an autoscaled ECS service"
    description = (
        "An AWS::ECS::Service that an AWS::ApplicationAutoScaling::ScalableTarget scales "
        "should not set DesiredCount: every stack update would reset the scaled count"
    )
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ecs-service.html#cfn-ecs-service-desiredcount"
    tags = ["resources", "ecs", "autoscaling", "fargate-compile"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        services = cfn.get_resources(["AWS::ECS::Service"])
        scaled: dict[str, str] = {}
        for target_name, target in cfn.get_resources(["AWS::ApplicationAutoScaling::ScalableTarget"]).items():
            props = target.get("Properties")
            if not isinstance(props, dict) or props.get("ScalableDimension") != DIMENSION:
                continue
            for name in _referenced(props.get("ResourceId")):
                if name in services:
                    scaled.setdefault(name, target_name)
        found = []
        for name, target_name in sorted(scaled.items()):
            props = services[name].get("Properties")
            if isinstance(props, dict) and "DesiredCount" in props:
                found.append(RuleMatch(
                    ["Resources", name, "Properties", "DesiredCount"],
                    f"{name} is scaled by {target_name}; its DesiredCount resets the running "
                    "count on every stack update that touches the service. Leave DesiredCount "
                    "out (a new service starts with 1 task, then the target's MinCapacity applies)",
                    rule=self,
                ))
        return found


def _referenced(value: Any) -> set[str]:
    """Logical IDs named by Ref / Fn::GetAtt / Fn::Sub anywhere inside value."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                if isinstance(inner, str):
                    found.add(inner.split(".", 1)[0])
                elif isinstance(inner, list) and inner and isinstance(inner[0], str):
                    found.add(inner[0])
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) and inner else inner
                if isinstance(text, str):
                    found.update(m.split(".", 1)[0] for m in re.findall(r"\$\{(?!!)([^}]+)\}", text))
                found |= _referenced(inner)
            else:
                found |= _referenced(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= _referenced(inner)
    return found
