"""The change set: create it (nested stacks included), wait for it, summarize it, then
execute or delete it.

The summary is plain data (Change, ChangeSet) so that preview.py renders it without
AWS: per stack (the root is "", a nested stack is its logical ID in the root), each
change's Action, LogicalResourceId, ResourceType and Replacement. With
IncludeNestedStacks, a nested stack's changes are in a change set of its own, named by
the root change's ChangeSetId.

CloudFormation's validation findings: where the SDK has DescribeEvents (the operation
that returns a change set's pre-deployment validation events), they are read from it;
otherwise (botocore before it, or an emulator without it) the change set's StatusReason
is the finding when the change set FAILED for another reason than "no changes".
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from compiler.deploy.session import faults

CAPABILITIES = ["CAPABILITY_IAM"]
STACK = "AWS::CloudFormation::Stack"
NO_CHANGES = ("didn't contain changes", "No updates are to be performed", "no changes")


@dataclass(frozen=True)
class Change:
    stack: str                 # "" for the root, else the nested stack's logical ID
    action: str                # Add | Modify | Remove | Import | Dynamic
    logical_id: str
    type: str
    replacement: str = ""      # True | False | Conditional | "" (not said)


@dataclass(frozen=True)
class Finding:
    message: str
    logical_id: str = ""
    stack: str = ""
    name: str = ""             # the validation's name, when CloudFormation gives one
    severity: str = "error"    # error | warning


@dataclass
class ChangeSet:
    id: str
    stack_name: str
    kind: str                                  # CREATE | UPDATE
    name: str = ""
    status: str = ""
    reason: str = ""
    changes: list[Change] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.status == "FAILED" and any(s.lower() in self.reason.lower() for s in NO_CHANGES)

    @property
    def failed(self) -> bool:
        return self.status == "FAILED" and not self.empty

    def by_stack(self) -> dict[str, list[Change]]:
        out: dict[str, list[Change]] = {}
        for change in self.changes:
            out.setdefault(change.stack, []).append(change)
        return out


def name_for(now: float | None = None) -> str:
    return "fargate-compile-" + time.strftime("%Y%m%d%H%M%S", time.gmtime(now))


def create(cfn, stack_name: str, template_url: str, kind: str, name: str | None = None) -> ChangeSet:
    name = name or name_for()
    with faults(f"creating a change set for {stack_name}"):
        made = cfn.create_change_set(
            StackName=stack_name, ChangeSetName=name, ChangeSetType=kind,
            TemplateURL=template_url, Capabilities=CAPABILITIES, IncludeNestedStacks=True,
            Description="fargate-compile deploy")
    return ChangeSet(made["Id"], stack_name, kind, name)


def wait(cfn, change_set: ChangeSet, sleep=time.sleep, delay: float = 2.0, timeout: float = 900) -> ChangeSet:
    """Poll until the change set is made (or failed); fill in its status, changes and findings."""
    waited = 0.0
    while True:
        with faults(f"describing change set {change_set.id}"):
            described = cfn.describe_change_set(ChangeSetName=change_set.id, StackName=change_set.stack_name)
        status = described.get("Status", "")
        if status in ("CREATE_COMPLETE", "FAILED", "DELETE_COMPLETE") or waited >= timeout:
            break
        sleep(delay)
        waited += delay
    change_set.status, change_set.reason = status, described.get("StatusReason") or ""
    if status == "CREATE_COMPLETE":
        change_set.changes = summarize(cfn, change_set.id, change_set.stack_name, "", described)
    change_set.findings = findings(cfn, change_set)
    return change_set


def _pages(cfn, change_set_id: str, stack_name: str, first: dict | None):
    described = first
    while True:
        if described is None:
            with faults(f"describing change set {change_set_id}"):
                described = cfn.describe_change_set(ChangeSetName=change_set_id, StackName=stack_name)
        yield described
        token = described.get("NextToken")
        if not token:
            return
        with faults(f"describing change set {change_set_id}"):
            described = cfn.describe_change_set(ChangeSetName=change_set_id, StackName=stack_name,
                                                NextToken=token)


def summarize(cfn, change_set_id: str, stack_name: str, stack: str, first: dict | None = None) -> list[Change]:
    """Every change of a change set and, depth first, of the nested change sets it names."""
    out = []
    for page in _pages(cfn, change_set_id, stack_name, first):
        for item in page.get("Changes") or []:
            rc = item.get("ResourceChange") or {}
            out.append(Change(stack, rc.get("Action", "?"), rc.get("LogicalResourceId", "?"),
                              rc.get("ResourceType", "?"), str(rc.get("Replacement") or "")))
            nested = rc.get("ChangeSetId")
            if rc.get("ResourceType") == STACK and nested and nested != change_set_id:
                out += summarize(cfn, nested, stack_name, rc.get("LogicalResourceId", "?"))
    return out


def findings(cfn, change_set: ChangeSet) -> list[Finding]:
    """CloudFormation's validation findings for the change set (see the module docstring)."""
    if "DescribeEvents" in cfn.meta.service_model.operation_names:
        try:
            with faults("reading the change set's validation events"):
                response = cfn.describe_events(ChangeSetName=change_set.id)
        except Exception:  # noqa: BLE001 - an older endpoint or emulator: fall back to StatusReason
            response = None
        if response is not None:
            found = from_events(response.get("OperationEvents") or response.get("Events") or [])
            if found or not change_set.failed:
                return found
    if change_set.failed and change_set.reason:
        return [Finding(change_set.reason)]
    return []


def from_events(events: list[dict]) -> list[Finding]:
    """Validation findings out of DescribeEvents' events (read tolerantly: any event with
    a Validation* field or a *_FAILED status is a finding)."""
    out = []
    for event in events:
        keys = [k for k in event if k.startswith("Validation")]
        status = str(event.get("ValidationStatus") or event.get("ResourceStatus") or event.get("EventType") or "")
        if not keys and not status.endswith("FAILED"):
            continue
        if status.upper() in ("SUCCEEDED", "PASSED", "SUCCESS"):
            continue
        message = (event.get("ValidationStatusReason") or event.get("ResourceStatusReason")
                   or event.get("StatusReason") or status)
        mode = str(event.get("ValidationFailureMode") or "").upper()
        out.append(Finding(str(message), str(event.get("LogicalResourceId") or ""), "",
                           str(event.get("ValidationName") or ""),
                           "warning" if mode in ("WARN", "WARNING") else "error"))
    return out


def execute(cfn, change_set: ChangeSet) -> None:
    with faults(f"executing change set {change_set.id}"):
        cfn.execute_change_set(ChangeSetName=change_set.id, StackName=change_set.stack_name)


def delete(cfn, change_set: ChangeSet, drop_new_stack: bool = False) -> None:
    """Delete the change set; with `drop_new_stack`, also the empty stack (REVIEW_IN_PROGRESS)
    a CREATE change set made, so that a preview leaves nothing behind."""
    with faults(f"deleting change set {change_set.id}"):
        cfn.delete_change_set(ChangeSetName=change_set.id, StackName=change_set.stack_name)
        if drop_new_stack and change_set.kind == "CREATE":
            cfn.delete_stack(StackName=change_set.stack_name)
