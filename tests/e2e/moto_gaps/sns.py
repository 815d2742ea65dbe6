"""SNS types moto's CloudFormation does not have."""

from __future__ import annotations

from typing import Any

from .base import AddedModel


# --- Gap 22 ------------------------------------------------------------------
# AWS::SNS::Subscription is not a CloudFormation type in moto: a topic's
# subscriptions silently vanish. This model subscribes through moto's SNS
# backend and sets the filter policy (and raw delivery) as attributes, as AWS
# does; its Ref is the subscription ARN.
def subscription() -> None:
    import json

    from moto.core.common_models import CloudFormationModel
    from moto.sns.models import sns_backends

    class Subscription(AddedModel, CloudFormationModel):
        __module__ = "moto.sns.models"
        cfn_type = "AWS::SNS::Subscription"
        attributes = {"Arn": lambda self: self.arn}

        def __init__(self, arn: str):
            self.arn = arn

        @property
        def physical_resource_id(self) -> str:
            return self.arn

        @classmethod
        def create(cls, props: dict, resource_name: str, account_id: str, region_name: str) -> Any:
            backend = sns_backends[account_id][region_name]
            subscription = backend.subscribe(props["TopicArn"], props["Endpoint"], props["Protocol"])
            if props.get("FilterPolicy"):
                backend.set_subscription_attributes(
                    subscription.arn, "FilterPolicy", json.dumps(props["FilterPolicy"]))
            if "RawMessageDelivery" in props:
                backend.set_subscription_attributes(
                    subscription.arn, "RawMessageDelivery", str(props["RawMessageDelivery"]).lower())
            return cls(subscription.arn)

        def delete(self, account_id: str, region_name: str) -> None:
            sns_backends[account_id][region_name].unsubscribe(self.arn)
