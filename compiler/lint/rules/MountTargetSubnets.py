"""E9023: an EFS file system's mount targets are in distinct subnets.

EFS takes at most one mount target per Availability Zone (CreateMountTarget fails with
MountTargetConflict for a second one in a zone); two mount targets of one file system
naming the same subnet, literally or as the same Fn::Select of a list, are two in one
zone. What the template cannot show (two different subnets of one zone) the compiler
checks from the spec's zones before it builds (FC260).
"""

from __future__ import annotations

import json
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch


class MountTargetSubnets(CloudFormationLintRule):
    id = "E9023"
    shortdesc = "One EFS mount target per subnet of a file system"
    description = ("Two AWS::EFS::MountTarget of one FileSystemId may not name the same SubnetId "
                   "(EFS allows one mount target per Availability Zone)")
    source_url = "https://docs.aws.amazon.com/efs/latest/ug/API_CreateMountTarget.html"
    tags = ["resources", "efs", "fargate-compile"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        seen: dict[tuple[str, str], str] = {}
        found = []
        for name, target in sorted(cfn.get_resources(["AWS::EFS::MountTarget"]).items()):
            props = target.get("Properties")
            if not isinstance(props, dict) or "SubnetId" not in props or "FileSystemId" not in props:
                continue
            key = (json.dumps(props["FileSystemId"], sort_keys=True), json.dumps(props["SubnetId"], sort_keys=True))
            if key in seen:
                found.append(RuleMatch(
                    ["Resources", name, "Properties", "SubnetId"],
                    f"{name} and {seen[key]} put two mount targets of one file system in the same subnet; "
                    "EFS takes one mount target per Availability Zone",
                    rule=self))
            else:
                seen[key] = name
        return found
