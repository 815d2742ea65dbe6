"""W9004: when one container of a task has a read-only root filesystem, all do.

AWS Security Hub control ECS.5 ("ECS containers should be limited to read-only
access to root filesystems") fails a task definition if any of its containers
lacks ReadonlyRootFilesystem: true. A task that makes its main container
read-only but leaves a sidecar writable keeps the finding and the risk it names.
AWS accepts such a task definition, so this is a warning.
"""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch


class ReadonlyRootFilesystem(CloudFormationLintRule):
    id = "W9004"
    shortdesc = "Read-only root filesystem on every container of a task, or on none"
    description = (
        "If any container of an AWS::ECS::TaskDefinition sets ReadonlyRootFilesystem: true, "
        "every container must (Security Hub ECS.5)"
    )
    source_url = "https://docs.aws.amazon.com/securityhub/latest/userguide/ecs-controls.html#ecs-5"
    tags = ["resources", "ecs", "security", "fargate-compile"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        found = []
        for name, resource in cfn.get_resources(["AWS::ECS::TaskDefinition"]).items():
            props = resource.get("Properties")
            containers = props.get("ContainerDefinitions") if isinstance(props, dict) else None
            if not isinstance(containers, list):
                continue
            readonly = [isinstance(c, dict) and _true(c.get("ReadonlyRootFilesystem")) for c in containers]
            if not any(readonly):
                continue
            first = containers[readonly.index(True)].get("Name", "?")
            for index, container in enumerate(containers):
                if readonly[index] or not isinstance(container, dict):
                    continue
                found.append(RuleMatch(
                    ["Resources", name, "Properties", "ContainerDefinitions", index],
                    f"container {container.get('Name', index)!s} of {name} has a writable root "
                    f"filesystem while {first!s} is read-only; set ReadonlyRootFilesystem: true on "
                    "every container (Security Hub ECS.5)",
                    rule=self,
                ))
        return found


def _true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")
