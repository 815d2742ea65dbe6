"""The deployed stack, read back: its status, its templates (root and nested, with
get_template, as CloudFormation holds them) and the placement record its root carries.

The deployed root's nested stacks point at S3 URLs; for the diff they are renamed to the
files the new compile writes for the same stack resources (`./services.json`), so the
root's stack resources compare equal unless their Parameters change. A nested stack whose
logical ID the new compile lacks keeps the file name of its URL (or `<LogicalId>.json`).
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, field

from compiler.deploy.session import error_code, faults
from compiler.diff.templates import STACK, TEMPLATE_SUFFIXES, TemplateSet, link

# Stack statuses in which a change set can be made (UPDATE), or must make the stack (CREATE).
UPDATABLE = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE",
             "IMPORT_ROLLBACK_COMPLETE"}
NEW = {None, "REVIEW_IN_PROGRESS"}
FAILED_FIRST_DEPLOY = "ROLLBACK_COMPLETE"   # can only be deleted, then created again


@dataclass
class Deployed:
    name: str
    status: str | None = None                     # None: there is no such stack
    stack_id: str | None = None
    nested: dict[str, str] = field(default_factory=dict)   # logical ID -> nested stack id (ARN or name)

    @property
    def exists(self) -> bool:
        return self.status not in NEW


def find(cfn, name: str) -> Deployed:
    try:
        with faults(f"describing stack {name}"):
            stacks = cfn.describe_stacks(StackName=name)["Stacks"]
    except Exception as exc:  # a stack that does not exist is a ValidationError
        cause = exc.__cause__ or exc.__context__ or exc
        if error_code(cause) == "ValidationError" and "does not exist" in str(exc):
            return Deployed(name)
        raise
    live = [s for s in stacks if s.get("StackStatus") != "DELETE_COMPLETE"]
    if not live:
        return Deployed(name)
    return Deployed(name, live[0]["StackStatus"], live[0]["StackId"])


def nested_stacks(cfn, stack: str) -> dict[str, str]:
    """logical ID -> physical ID of the nested stacks of `stack`."""
    found = {}
    with faults(f"listing the resources of {stack}"):
        for page in cfn.get_paginator("list_stack_resources").paginate(StackName=stack):
            for resource in page["StackResourceSummaries"]:
                if resource.get("ResourceType") == STACK and resource.get("PhysicalResourceId"):
                    found[resource["LogicalResourceId"]] = resource["PhysicalResourceId"]
    return found


def template(cfn, stack: str) -> dict:
    with faults(f"reading the template of {stack}"):
        body = cfn.get_template(StackName=stack, TemplateStage="Original")["TemplateBody"]
    return body if isinstance(body, dict) else parse(body)


def parse(body: str) -> dict:
    try:
        return json.loads(body)
    except ValueError:
        from cfn_flip import load_yaml

        return load_yaml(body)


def templates(cfn, deployed: Deployed, file_of: dict[str, str]) -> TemplateSet:
    """The deployed root and nested templates as a TemplateSet; `file_of`: the new side's
    stack resource -> file names, to name the deployed children alike."""
    root = template(cfn, deployed.stack_id or deployed.name)
    deployed.nested = nested_stacks(cfn, deployed.stack_id or deployed.name)
    files = {"root.json": root}
    for logical_id, resource in (root.get("Resources") or {}).items():
        if not isinstance(resource, dict) or resource.get("Type") != STACK:
            continue
        name = _file_name(logical_id, resource, file_of)
        properties = resource.setdefault("Properties", {})
        properties["TemplateURL"] = f"./{name}"
        if logical_id in deployed.nested:
            files[name] = template(cfn, deployed.nested[logical_id])
    return link(f"{deployed.name} (deployed)", files)


def _file_name(logical_id: str, resource: dict, file_of: dict[str, str]) -> str:
    if logical_id in file_of:
        return file_of[logical_id]
    url = (resource.get("Properties") or {}).get("TemplateURL")
    base = posixpath.basename(url) if isinstance(url, str) else ""
    return base if base.endswith(TEMPLATE_SUFFIXES) and base != "root.json" else f"{logical_id}.json"


def placement_record(root: dict) -> dict | None:
    """The placement record a compile wrote into the root's Metadata (lockfile.METADATA_KEY)."""
    from compiler.state.lockfile import METADATA_KEY

    metadata = root.get("Metadata") if isinstance(root, dict) else None
    found = metadata.get(METADATA_KEY) if isinstance(metadata, dict) else None
    return found if isinstance(found, dict) else None


def rebuild_lock(cfn, deployed: Deployed, spec: str) -> str | None:
    """Write the lock record of `deployed` beside `spec` from its root's Metadata; what was
    done, as a sentence, or None when the stack carries no record."""
    from compiler.state import lockfile

    record = placement_record(template(cfn, deployed.stack_id or deployed.name))
    if record is None:
        return None
    problems = lockfile.write(spec, deployed.name, record)
    if problems:
        return problems[0].message
    return (f"rebuilt {lockfile.path_for(spec)} for {deployed.name} from the deployed root stack's "
            f"Metadata ({len(record.get('services') or {})} services placed as deployed)")
