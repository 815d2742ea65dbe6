"""A service's Application Auto Scaling: the scalable target, target-tracking policies on
CPU, memory and ALB requests, and queue-backlog scaling with its wake-up alarm. Part of
the services stacks (services.py).
"""

from __future__ import annotations

from typing import Any, Callable

from troposphere import GetAtt, Join, Ref, Sub, Template
from troposphere import applicationautoscaling as aas
from troposphere import cloudwatch, ecs

from compiler import model as m
from compiler.state import naming
from compiler.stacks import alb_routing

# Scale out fast, scale in carefully (the defaults AWS Copilot uses).
SCALE_OUT_COOLDOWN = 60
SCALE_IN_COOLDOWN = 120

# Per-service logical ID suffixes (see tasks.py).
SCALABLE_TARGET = "ScalableTarget"
SCALING_POLICIES = {  # suffix -> (predefined metric, Scaling field)
    "CpuScaling": ("ECSServiceAverageCPUUtilization", "cpu_percentage"),
    "MemoryScaling": ("ECSServiceAverageMemoryUtilization", "memory_percentage"),
    "RequestsScaling": ("ALBRequestCountPerTarget", "requests"),
}


def autoscaling(app: m.App, t: Template, wire: Callable[..., Any], svc: m.Service,
                service: ecs.Service, svc_tags) -> None:
    pid = svc.key
    scaling = svc.scaling
    # No RoleARN: Application Auto Scaling uses its ECS service-linked role.
    target = t.add_resource(aas.ScalableTarget(
        pid + SCALABLE_TARGET,
        ServiceNamespace="ecs",
        ScalableDimension="ecs:service:DesiredCount",
        ResourceId=Sub("service/${ClusterName}/${ServiceName}",
                       ClusterName=wire("ClusterName"), ServiceName=GetAtt(service, "Name")),
        MinCapacity=scaling.min,
        MaxCapacity=scaling.max,
        Tags=svc_tags,
        **_scheduled_actions(svc),
    ))
    for suffix, (metric, attribute) in SCALING_POLICIES.items():
        value = getattr(scaling, attribute)
        if value is None:
            continue
        spec: dict[str, Any] = {"PredefinedMetricType": metric}
        if metric == "ALBRequestCountPerTarget":
            spec["ResourceLabel"] = Join("/", [alb_routing.wired(app.alb_of(svc), wire, "LoadBalancerFullName"),
                                              wire(f"{pid}TargetGroupFullName")])
        t.add_resource(aas.ScalingPolicy(
            pid + suffix,
            PolicyName=_policy_name(app, svc, suffix),
            PolicyType="TargetTrackingScaling",
            ScalingTargetId=Ref(target),
            TargetTrackingScalingPolicyConfiguration=aas.TargetTrackingScalingPolicyConfiguration(
                PredefinedMetricSpecification=aas.PredefinedMetricSpecification(**spec),
                TargetValue=float(value),
                ScaleOutCooldown=SCALE_OUT_COOLDOWN,
                ScaleInCooldown=SCALE_IN_COOLDOWN,
            ),
        ))
    if scaling.queue is not None:
        _queue_scaling(app, t, wire, svc, service, target, svc_tags)


# Queue-backlog scaling: the metric math of AWS's "SQS queue backlog per task" example
# (Application Auto Scaling user guide), with the running-task count read as at least 1
# so the division is defined with no task running (FILL: Container Insights may report
# nothing for a service at zero tasks).
BACKLOG_PER_TASK = "IF(FILL(running, 0) > 0, visible / FILL(running, 0), visible)"
# With no task running and messages waiting: 1, else 0 (the wake-up alarm's metric).
WAKE_UP = "IF(visible > 0 AND FILL(running, 0) == 0, 1, 0)"
QUEUE_SCALING = "QueueScaling"
QUEUE_WAKE_UP = "QueueWakeUp"
QUEUE_WAKE_UP_ALARM = "QueueWakeUpAlarm"


def _queue_metrics(wire: Callable[..., Any], svc: m.Service, service: ecs.Service, kind: type,
                   stat_kind: type, metric_kind: type, dimension: type, period: int | None = None):
    pid = naming.pascal(svc.identity or svc.name)      # the queue's outputs (messaging.identity)
    stat_props = {"Period": period} if period else {}
    return [
        kind(Id="visible", ReturnData=False, MetricStat=stat_kind(
            Metric=metric_kind(
                Namespace="AWS/SQS", MetricName="ApproximateNumberOfMessagesVisible",
                Dimensions=[dimension(Name="QueueName", Value=wire(pid + "QueueName"))],
            ),
            Stat="Sum", **stat_props,
        )),
        kind(Id="running", ReturnData=False, MetricStat=stat_kind(
            Metric=metric_kind(
                Namespace="ECS/ContainerInsights", MetricName="RunningTaskCount",
                Dimensions=[dimension(Name="ClusterName", Value=wire("ClusterName")),
                            dimension(Name="ServiceName", Value=GetAtt(service, "Name"))],
            ),
            Stat="Average", **stat_props,
        )),
    ]


def _queue_scaling(app: m.App, t: Template, wire: Callable[..., Any], svc: m.Service,
                   service: ecs.Service, target: aas.ScalableTarget, svc_tags) -> None:
    """Target tracking on the queue's backlog per task (latency / processing time messages),
    and, when the range starts at 0, a wake-up: an alarm on "messages wait, no task runs"
    that adds one task (target tracking computes from the running count, so it never
    leaves zero on its own)."""
    pid = svc.key  # as the scalable target's: a rename with renamed_from keeps these IDs
    queue = svc.scaling.queue
    metrics = _queue_metrics(wire, svc, service, aas.TargetTrackingMetricDataQuery,
                             aas.TargetTrackingMetricStat, aas.TargetTrackingMetric,
                             aas.TargetTrackingMetricDimension)
    metrics.append(aas.TargetTrackingMetricDataQuery(
        Id="backlog_per_task", Expression=BACKLOG_PER_TASK, ReturnData=True,
        Label="Visible messages per running task",
    ))
    t.add_resource(aas.ScalingPolicy(
        pid + QUEUE_SCALING,
        PolicyName=_policy_name(app, svc, QUEUE_SCALING),
        PolicyType="TargetTrackingScaling",
        ScalingTargetId=Ref(target),
        TargetTrackingScalingPolicyConfiguration=aas.TargetTrackingScalingPolicyConfiguration(
            CustomizedMetricSpecification=aas.CustomizedMetricSpecification(Metrics=metrics),
            TargetValue=float(queue.backlog_per_task),
            ScaleOutCooldown=SCALE_OUT_COOLDOWN,
            ScaleInCooldown=SCALE_IN_COOLDOWN,
        ),
    ))
    if svc.scaling.min > 0:
        return
    wake_up = t.add_resource(aas.ScalingPolicy(
        pid + QUEUE_WAKE_UP,
        PolicyName=_policy_name(app, svc, QUEUE_WAKE_UP),
        PolicyType="StepScaling",
        ScalingTargetId=Ref(target),
        StepScalingPolicyConfiguration=aas.StepScalingPolicyConfiguration(
            AdjustmentType="ChangeInCapacity",
            Cooldown=SCALE_OUT_COOLDOWN,
            MetricAggregationType="Maximum",
            StepAdjustments=[aas.StepAdjustment(MetricIntervalLowerBound=0, ScalingAdjustment=1)],
        ),
    ))
    alarm_metrics = _queue_metrics(wire, svc, service, cloudwatch.MetricDataQuery,
                                   cloudwatch.MetricStat, cloudwatch.Metric,
                                   cloudwatch.MetricDimension, period=60)
    alarm_metrics.append(cloudwatch.MetricDataQuery(
        Id="waiting_without_tasks", Expression=WAKE_UP, ReturnData=True,
        Label="Messages wait and no task runs",
    ))
    t.add_resource(cloudwatch.Alarm(
        pid + QUEUE_WAKE_UP_ALARM,
        AlarmDescription=f"{svc.name}: messages wait in its queue and no task runs; start one",
        Metrics=alarm_metrics,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        Threshold=1,
        EvaluationPeriods=1,
        DatapointsToAlarm=1,
        TreatMissingData="notBreaching",
        AlarmActions=[Ref(wake_up)],
        Tags=svc_tags,
    ))


def _policy_name(app: m.App, svc: m.Service, suffix: str) -> str:
    """A scaling policy's name (a change replaces the policy): after the name the service's
    resources keep (its identity, which a rename with renamed_from does not change)."""
    return naming.shorten(f"{app.stack_name}-{svc.identity or svc.name}-{suffix}", 256)


def _scheduled_actions(svc: m.Service) -> dict[str, Any]:
    """count.schedule: from each time on, the count's range is that window's. A stack update
    re-registers the target (MinCapacity/MaxCapacity as written) only when the target's own
    properties change, so deploying a new image at night leaves the night's range alone."""
    if not svc.scaling.schedule:
        return {}
    return {"ScheduledActions": [aas.ScheduledAction(
        ScheduledActionName=f"{svc.name}-window-{i}",
        Schedule=w.expression,
        Timezone=w.timezone,
        ScalableTargetAction=aas.ScalableTargetAction(MinCapacity=w.min, MaxCapacity=w.max),
    ) for i, w in enumerate(svc.scaling.schedule, 1)]}
