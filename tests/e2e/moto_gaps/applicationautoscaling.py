"""Application Auto Scaling types moto's CloudFormation does not have."""

from __future__ import annotations

from typing import Any

from .base import AddedModel


# --- Gap 9 -------------------------------------------------------------------
# AWS::ApplicationAutoScaling::ScalableTarget and ::ScalingPolicy are not
# CloudFormation types in moto either: autoscaling silently disappears. These
# models register them through moto's Application Auto Scaling backend. The
# target's Ref is what AWS returns, "<resource id>|<dimension>|<namespace>",
# which a policy's ScalingTargetId points at. And RegisterScalableTarget on AWS
# moves an active resource's current capacity into MinCapacity..MaxCapacity
# (API reference); moto leaves an ECS service's desired count where it was, so
# a service created without DesiredCount (1 task) would stay below its minimum.
# Gap 31: the target's ScheduledActions (count.schedule) were dropped as well.
def application_autoscaling() -> None:
    from moto.applicationautoscaling.models import applicationautoscaling_backends
    from moto.core.common_models import CloudFormationModel
    from moto.ecs.models import ecs_backends

    class ScalableTarget(AddedModel, CloudFormationModel):
        __module__ = "moto.applicationautoscaling.models"
        cfn_type = "AWS::ApplicationAutoScaling::ScalableTarget"
        attributes = {"Id": lambda self: self.physical_resource_id}

        def __init__(self, target: Any):
            self.target = target

        @property
        def physical_resource_id(self) -> str:
            t = self.target
            return f"{t.resource_id}|{t.scalable_dimension}|{t.service_namespace}"

        @classmethod
        def create(cls, props: dict, resource_name: str, account_id: str, region_name: str) -> Any:
            target = applicationautoscaling_backends[account_id][region_name].register_scalable_target(
                namespace=props["ServiceNamespace"],
                r_id=props["ResourceId"],
                dimension=props["ScalableDimension"],
                min_capacity=int(props["MinCapacity"]),
                max_capacity=int(props["MaxCapacity"]),
                role_arn=props.get("RoleARN"),
                suspended_state=props.get("SuspendedState"),
            )
            # Gap 31: the target's ScheduledActions were dropped too; each is put as
            # PutScheduledAction would (moto keeps ScalableTargetAction as given).
            backend = applicationautoscaling_backends[account_id][region_name]
            for action in props.get("ScheduledActions") or ():
                backend.put_scheduled_action(
                    service_namespace=target.service_namespace,
                    schedule=action["Schedule"],
                    timezone=action.get("Timezone"),
                    scheduled_action_name=action["ScheduledActionName"],
                    resource_id=target.resource_id,
                    scalable_dimension=target.scalable_dimension,
                    start_time=action.get("StartTime"),
                    end_time=action.get("EndTime"),
                    scalable_target_action=action.get("ScalableTargetAction"),
                )
            if target.service_namespace == "ecs" and target.scalable_dimension == "ecs:service:DesiredCount":
                _, cluster, name = target.resource_id.split("/")
                [service], _ = ecs_backends[account_id][region_name].describe_services(cluster, [name])
                service.desired_count = min(max(service.desired_count, target.min_capacity),
                                            target.max_capacity)
            return cls(target)

        def delete(self, account_id: str, region_name: str) -> None:
            t = self.target
            applicationautoscaling_backends[account_id][region_name].deregister_scalable_target(
                t.service_namespace, t.resource_id, t.scalable_dimension)

    class ScalingPolicy(AddedModel, CloudFormationModel):
        __module__ = "moto.applicationautoscaling.models"
        cfn_type = "AWS::ApplicationAutoScaling::ScalingPolicy"
        name_property = "PolicyName"
        attributes = {"Arn": lambda self: self.policy.policy_arn}

        def __init__(self, policy: Any):
            self.policy = policy

        @property
        def physical_resource_id(self) -> str:
            return self.policy.policy_arn

        @classmethod
        def create(cls, props: dict, resource_name: str, account_id: str, region_name: str) -> Any:
            if props.get("ScalingTargetId"):
                resource_id, dimension, namespace = props["ScalingTargetId"].split("|")
            else:
                resource_id = props["ResourceId"]
                dimension = props["ScalableDimension"]
                namespace = props["ServiceNamespace"]
            policy_type = props["PolicyType"]
            body_key = ("TargetTrackingScalingPolicyConfiguration" if policy_type == "TargetTrackingScaling"
                        else "StepScalingPolicyConfiguration")
            policy = applicationautoscaling_backends[account_id][region_name].put_scaling_policy(
                policy_name=props.get("PolicyName", resource_name),
                service_namespace=namespace,
                resource_id=resource_id,
                scalable_dimension=dimension,
                policy_body=props.get(body_key),
                policy_type=policy_type,
            )
            return cls(policy)

        def delete(self, account_id: str, region_name: str) -> None:
            p = self.policy
            applicationautoscaling_backends[account_id][region_name].delete_scaling_policy(
                p.policy_name, p.service_namespace, p.resource_id, p.scalable_dimension)
