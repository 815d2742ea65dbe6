"""CloudWatch types moto's CloudFormation does not have."""

from __future__ import annotations

from typing import Any

from .base import AddedModel


# --- Gap 23 ------------------------------------------------------------------
# AWS::CloudWatch::Alarm is not a CloudFormation type in moto: alarms (here the
# queue wake-up alarm of a worker that scales from zero) silently vanish. This
# model calls moto's PutMetricAlarm with the metric-math queries, as the API does.
def alarm() -> None:
    from moto.cloudwatch.models import (Dimension, Metric, MetricDataQuery, MetricStat,
                                        cloudwatch_backends)
    from moto.core.common_models import CloudFormationModel

    def query(entry: dict) -> Any:
        stat = entry.get("MetricStat")
        metric_stat = None
        if stat:
            metric = stat["Metric"]
            metric_stat = MetricStat(
                metric=Metric(
                    metric_name=metric["MetricName"], namespace=metric["Namespace"],
                    dimensions=[Dimension(name=d["Name"], value=d["Value"])
                                for d in metric.get("Dimensions", [])],
                ),
                period=stat.get("Period"), stat=stat.get("Stat"), unit=stat.get("Unit"),
            )
        return MetricDataQuery(
            query_id=entry["Id"], label=entry.get("Label"), period=entry.get("Period"),
            return_data=entry.get("ReturnData"), expression=entry.get("Expression"),
            metric_stat=metric_stat,
        )

    class Alarm(AddedModel, CloudFormationModel):
        __module__ = "moto.cloudwatch.models"
        cfn_type = "AWS::CloudWatch::Alarm"
        name_property = "AlarmName"
        attributes = {"Arn": lambda self: self.alarm.alarm_arn}

        def __init__(self, alarm: Any):
            self.alarm = alarm

        @property
        def physical_resource_id(self) -> str:
            return self.alarm.name

        @classmethod
        def create(cls, p: dict, resource_name: str, account_id: str, region_name: str) -> Any:
            alarm = cloudwatch_backends[account_id][region_name].put_metric_alarm(
                name=p.get("AlarmName", resource_name),
                namespace=p.get("Namespace"),
                metric_name=p.get("MetricName"),
                metric_data_queries=[query(q) for q in p["Metrics"]] if p.get("Metrics") else None,
                comparison_operator=p["ComparisonOperator"],
                evaluation_periods=int(p["EvaluationPeriods"]),
                datapoints_to_alarm=int(p["DatapointsToAlarm"]) if "DatapointsToAlarm" in p else None,
                period=p.get("Period"),
                threshold=float(p["Threshold"]),
                statistic=p.get("Statistic"),
                description=p.get("AlarmDescription"),
                dimensions=p.get("Dimensions", []),
                alarm_actions=p.get("AlarmActions", []),
                ok_actions=p.get("OKActions", []),
                insufficient_data_actions=p.get("InsufficientDataActions", []),
                unit=p.get("Unit"),
                treat_missing_data=p.get("TreatMissingData"),
            )
            return cls(alarm)

        def delete(self, account_id: str, region_name: str) -> None:
            cloudwatch_backends[account_id][region_name].delete_alarms([self.alarm.name])
