"""CloudFormation change-set execution as `fargate-compile deploy` watches it (gap 25, #27)."""

from __future__ import annotations

from typing import Any


# --- Gap 25 (deploy-events) --------------------------------------------------
# Change set execution as `fargate-compile deploy` watches it. Measured against moto 5.2.5:
# (a) a stack's events are only the stack's own (CREATE_IN_PROGRESS, CREATE_COMPLETE...):
#     no event per resource, so no progress can be shown. AWS writes <ACTION>_IN_PROGRESS
#     and <ACTION>_COMPLETE per resource. Each resource created or updated now gets both.
# (b) a resource that fails makes ExecuteChangeSet itself fail (an HTTP error: "TODO:
#     handle execution errors and implement rollback"), with no event and the stack left
#     in progress. AWS accepts the execution, then writes <ACTION>_FAILED with the reason
#     on the resource, "Embedded stack ... was not successfully created" on a nested
#     stack's resource in its parent, and rolls back: ROLLBACK_COMPLETE for a create
#     (every resource deleted), UPDATE_ROLLBACK_COMPLETE for an update. Now the failure
#     is recorded the same way and the execution returns normally; a failed create
#     deletes what it made. A failed update is marked rolled back but keeps what moto
#     changed (moto cannot undo an update; the deploy tests read only the status then).
def deploy_events() -> None:
    from moto.cloudformation import parsing
    from moto.cloudformation.models import CloudFormationBackend, Event, cloudformation_backends

    def stack_of(resources_map: Any, account_id: str, region_name: str) -> Any:
        return cloudformation_backends[account_id][region_name].stacks.get(resources_map.stack_id)

    def record(stack: Any, logical_id: str, kind: str, status: str, reason: str | None = None,
               physical: str = "") -> None:
        if stack is not None:
            stack.events.append(Event(stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=logical_id,
                                      physical_resource_id=physical, resource_type=kind, resource_status=status,
                                      resource_status_reason=reason, resource_properties=None))

    def with_events(original: Any, action: str) -> Any:
        def run(logical_id: str, resource_json: dict[str, Any], resources_map: Any, account_id: str,
                region_name: str) -> Any:
            stack = stack_of(resources_map, account_id, region_name)
            kind = resource_json.get("Type", "?")
            record(stack, logical_id, kind, f"{action}_IN_PROGRESS")
            try:
                made = original(logical_id, resource_json, resources_map, account_id, region_name)
            except Exception as exc:
                failed = getattr(exc, "_fc_failed", None)
                if kind == "AWS::CloudFormation::Stack" and failed:
                    reason = (f"Embedded stack {logical_id} was not successfully "
                              f"{'created' if action == 'CREATE' else 'updated'}: The following resource(s) "
                              f"failed to {action.lower()}: [{failed}]. ")
                    inner = _nested(resources_map, stack, logical_id, account_id, region_name)
                    if inner is not None:
                        _rolled_back(inner, action)
                        if action == "CREATE":  # the parent's rollback deletes the failed child
                            _delete(cloudformation_backends[account_id][region_name], inner)
                    record(stack, logical_id, kind, f"{action}_FAILED", reason,
                           physical=inner.stack_id if inner is not None else "")
                    exc._fc_failed = logical_id
                elif not failed:
                    record(stack, logical_id, kind, f"{action}_FAILED", f"{type(exc).__name__}: {exc}")
                    exc._fc_failed = logical_id
                raise
            if made is not None:  # a nested stack's physical ID is its ARN on AWS
                physical = made.stack_id if kind == "AWS::CloudFormation::Stack" else made.physical_resource_id
                record(stack, logical_id, kind, f"{action}_COMPLETE", physical=str(physical or ""))
            return made

        return run

    parsing.parse_and_create_resource = with_events(parsing.parse_and_create_resource, "CREATE")
    parsing.parse_and_update_resource = with_events(parsing.parse_and_update_resource, "UPDATE")

    def _nested(resources_map: Any, parent: Any, logical_id: str, account_id: str, region_name: str) -> Any:
        """The nested stack a failed AWS::CloudFormation::Stack resource was making or updating."""
        known = resources_map._parsed_resources.get(logical_id)
        if known is not None and hasattr(known, "stack_id"):
            return known
        prefix = f"{parent.name}-{logical_id}-" if parent is not None else None
        for candidate in cloudformation_backends[account_id][region_name].stacks.values():
            if (candidate.name == logical_id or (prefix and candidate.name.startswith(prefix))) \
                    and candidate.status.endswith("IN_PROGRESS"):
                return candidate
        return None

    def _delete(backend: Any, stack: Any) -> None:
        try:
            backend.delete_stack(stack.stack_id)
        except Exception:  # noqa: BLE001 - moto trips over what the rollback deleted already
            backend.stacks.pop(stack.stack_id, None)
            backend.deleted_stacks[stack.stack_id] = stack
            stack._add_stack_event("DELETE_COMPLETE")
            stack.status = "DELETE_COMPLETE"

    def _rolled_back(stack: Any, action: str) -> None:
        prefix = "" if action == "CREATE" else "UPDATE_"
        stack._add_stack_event(f"{prefix}ROLLBACK_IN_PROGRESS", resource_status_reason="The following resource(s) "
                               "failed: see the events above")
        if action == "CREATE":
            try:
                stack.resource_map.delete()
            except Exception:  # noqa: BLE001 - what moto cannot delete stays; AWS would report DELETE_FAILED
                pass
        stack._add_stack_event(f"{prefix}ROLLBACK_COMPLETE")
        stack.status = f"{prefix}ROLLBACK_COMPLETE"

    original_execute = CloudFormationBackend.execute_change_set

    def execute_change_set(self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None) -> None:
        change_set = self.describe_change_set(change_set_name)
        try:
            original_execute(self, change_set_name, stack_name)
        except Exception as exc:  # noqa: BLE001 - recorded as AWS records it; the call itself succeeds
            stack = self.stacks[change_set.stack_id]
            action = "CREATE" if change_set.change_set_type == "CREATE" else "UPDATE"
            if not getattr(exc, "_fc_failed", None):
                stack._add_stack_event(f"{action}_FAILED", resource_status_reason=f"{type(exc).__name__}: {exc}")
            stack.template = change_set.template if action == "CREATE" else stack.template
            _rolled_back(stack, action)
            change_set.execution_status = "EXECUTE_FAILED"

    CloudFormationBackend.execute_change_set = execute_change_set
