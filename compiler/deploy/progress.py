"""While the change set runs: stack events, progress per nested stack, and the report of
a failure. The Tracker and the texts are pure (fed with describe_stack_events items, as
recorded in tests); watch() is the polling loop around them.

A stack is named as in changeset.py: "" for the root, else its logical ID in the root.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from compiler.deploy import AwsRefused
from compiler.deploy.session import faults

STACK = "AWS::CloudFormation::Stack"
SUCCEEDED = {"CREATE_COMPLETE", "UPDATE_COMPLETE"}
ROLLED_BACK = {"ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"}
ROLLBACK_FAILED = {"ROLLBACK_FAILED", "UPDATE_ROLLBACK_FAILED"}
CANCELLED = ("Resource creation cancelled", "Resource update cancelled", "Resource deletion cancelled")


@dataclass(frozen=True)
class Event:
    stack: str
    logical_id: str
    type: str
    status: str
    reason: str
    timestamp: object
    id: str
    own: bool            # an event about the stack itself, not one of its resources
    physical_id: str = ""

    @classmethod
    def of(cls, raw: dict, stack: str) -> "Event":
        own = raw.get("PhysicalResourceId") == raw.get("StackId") or raw.get("LogicalResourceId") == raw.get("StackName")
        return cls(stack, raw.get("LogicalResourceId", "?"), raw.get("ResourceType", "?"),
                   raw.get("ResourceStatus", "?"), raw.get("ResourceStatusReason") or "",
                   raw.get("Timestamp"), raw.get("EventId") or repr(sorted(raw.items())), own,
                   raw.get("PhysicalResourceId") or "")


def finished(status: str) -> bool:
    return not status.endswith("_IN_PROGRESS")


@dataclass(frozen=True)
class Failure:
    stack: str
    logical_id: str
    type: str
    status: str
    reason: str
    where: tuple[str, int, int] | None = None      # the spec's file, line, column, when known


@dataclass
class Tracker:
    """What the events so far say: each resource's latest status, per stack."""

    totals: dict[str, int]                                      # stack -> resources expected to change
    events: list[Event] = field(default_factory=list)
    latest: dict[tuple[str, str], str] = field(default_factory=dict)
    stack_status: dict[str, str] = field(default_factory=dict)
    _seen: set = field(default_factory=set)

    def add(self, raw_events: list[dict], stack: str) -> list[Event]:
        """Record describe_stack_events items (any order); the new ones, oldest first."""
        fresh = [Event.of(r, stack) for r in raw_events]
        fresh = [e for e in fresh if e.id not in self._seen]
        fresh.sort(key=lambda e: (e.timestamp is None, e.timestamp or 0))
        for e in fresh:
            self._seen.add(e.id)
            self.events.append(e)
            if e.own:
                self.stack_status[stack] = e.status
            else:
                self.latest[(stack, e.logical_id)] = e.status
        return fresh

    def done(self, stack: str) -> int:
        return sum(1 for (s, _), status in self.latest.items() if s == stack and finished(status))

    def failure(self) -> Failure | None:
        """The first failed event: a resource's own failure before a nested stack's summary of it."""
        failed = [e for e in self.events if e.status.endswith("_FAILED") and not e.own
                  and not e.reason.startswith(CANCELLED)]
        if not failed:
            failed = [e for e in self.events if e.status.endswith("_FAILED")]
        if not failed:
            return None
        causes = [e for e in failed if e.type != STACK] or failed
        first = causes[0]
        return Failure(first.stack, first.logical_id, first.type, first.status, first.reason)


def status_line(tracker: Tracker, label) -> str:
    """One line for a terminal: `network.json 12/12, services.json (ServicesStack) 3/40`."""
    parts = []
    for stack in sorted(set(tracker.totals) | {s for s, _ in tracker.latest}):
        total = max(tracker.totals.get(stack, 0), tracker.done(stack))
        parts.append(f"{label(stack)} {tracker.done(stack)}/{total}")
    return ", ".join(parts)


def event_line(event: Event, label) -> str:
    """One line per event, for logs: `services.json (ServicesStack)  BackendEcsService  AWS::ECS::Service  CREATE_COMPLETE`."""
    reason = f"  {event.reason}" if event.reason and event.status.endswith(("FAILED", "ROLLBACK_IN_PROGRESS")) else ""
    return f"{label(event.stack)}  {event.logical_id}  {event.type}  {event.status}{reason}"


def outcome_text(stack_name: str, status: str, failure: Failure | None) -> str:
    lines = []
    if failure is not None:
        where = f" (from {failure.where[0]}:{failure.where[1]}:{failure.where[2]})" if failure.where else ""
        stack = f"{failure.stack}/" if failure.stack else ""
        lines.append(f"failed: {stack}{failure.logical_id} ({failure.type}) {failure.status}{where}")
        lines.append(f"  reason: {failure.reason or '(CloudFormation gave none)'}")
    if status == "ROLLBACK_COMPLETE":
        lines.append(f"rolled back: every resource of {stack_name} was deleted; the stack stays in "
                     "ROLLBACK_COMPLETE until the next deploy deletes and creates it again")
    elif status == "UPDATE_ROLLBACK_COMPLETE":
        lines.append(f"rolled back: {stack_name} is as it was before this deploy")
    elif status in ROLLBACK_FAILED:
        lines.append(f"the rollback failed too ({status}): fix the cause, then "
                     f"`aws cloudformation {'continue-update-rollback' if status.startswith('UPDATE') else 'delete-stack'}"
                     f" --stack-name {stack_name}`")
    elif status not in SUCCEEDED:
        lines.append(f"{stack_name} ended in {status}")
    return "\n".join(lines) + ("\n" if lines else "")


def newest_event(cfn, stack: str) -> object:
    """The timestamp of the stack's newest event (a watch shows only later ones), or None."""
    with faults(f"reading the events of {stack}"):
        events = cfn.describe_stack_events(StackName=stack).get("StackEvents") or []
    stamps = [e["Timestamp"] for e in events if e.get("Timestamp") is not None]
    return max(stamps) if stamps else None


def _events_since(cfn, stack: str, since) -> list[dict]:
    out = []
    with faults(f"reading the events of {stack}"):
        for page in cfn.get_paginator("describe_stack_events").paginate(StackName=stack):
            batch = page.get("StackEvents") or []
            out += [e for e in batch if since is None or e.get("Timestamp") is None or e["Timestamp"] > since]
            if since is not None and any(e.get("Timestamp") is not None and e["Timestamp"] <= since for e in batch):
                break
    return out


def watch(cfn, stack_id: str, tracker: Tracker, since, on_events, sleep=time.sleep,
          delay: float = 5.0, timeout: float = 4 * 3600) -> str:
    """Poll the root's and nested stacks' events until the root stack is no longer in progress;
    its final status. `on_events(new_events)` is called after each poll that found some."""
    nested: dict[str, str] = {}
    waited = 0.0
    while True:
        with faults("describing the stack"):
            status = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"]
        fresh = tracker.add(_events_since(cfn, stack_id, since), "")
        for e in tracker.events:
            if e.stack == "" and e.type == STACK and not e.own:
                nested[e.logical_id] = e.physical_id or nested.get(e.logical_id, "")
        for logical_id, physical in list(nested.items()):
            physical = physical or _physical(cfn, stack_id, logical_id)
            nested[logical_id] = physical
            if physical:
                try:
                    fresh += tracker.add(_events_since(cfn, physical, since), logical_id)
                except AwsRefused:  # gone, or not readable by name after its deletion: the root's events tell
                    pass
        if fresh:
            on_events(fresh)
        if finished(status) and status != "REVIEW_IN_PROGRESS" or waited >= timeout:
            return status
        sleep(delay)
        waited += delay


def _physical(cfn, stack_id: str, logical_id: str) -> str:
    try:
        with faults("describing a nested stack"):
            found = cfn.describe_stack_resource(StackName=stack_id, LogicalResourceId=logical_id)
    except Exception:  # noqa: BLE001 - not made yet
        return ""
    return found["StackResourceDetail"].get("PhysicalResourceId") or ""
