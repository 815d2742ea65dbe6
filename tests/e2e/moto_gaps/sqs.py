"""SQS types moto's CloudFormation does not have."""

from __future__ import annotations

from typing import Any

from .base import AddedModel


# --- Gap 21 ------------------------------------------------------------------
# AWS::SQS::QueuePolicy is not a CloudFormation type in moto: the policy that lets
# SNS deliver to a subscription queue would silently vanish. This model sets the
# document as each listed queue's Policy attribute through moto's SQS backend, so
# GetQueueAttributes returns it as AWS does.
def queue_policy() -> None:
    import json

    from moto.core.common_models import CloudFormationModel
    from moto.sqs.models import sqs_backends

    class QueuePolicy(AddedModel, CloudFormationModel):
        __module__ = "moto.sqs.models"
        cfn_type = "AWS::SQS::QueuePolicy"

        def __init__(self, queue_urls: list[str], physical_id: str):
            self.queue_urls = queue_urls
            self.physical_id = physical_id

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr == "Id"   # passes moto's check of Outputs; Fn::GetAtt Id is not implemented

        @property
        def physical_resource_id(self) -> str:
            return self.physical_id

        @classmethod
        def create(cls, props: dict, resource_name: str, account_id: str, region_name: str) -> Any:
            document = props["PolicyDocument"]
            backend = sqs_backends[account_id][region_name]
            for url in props["Queues"]:
                backend.set_queue_attributes(url.rstrip("/").rsplit("/", 1)[-1],
                                             {"Policy": json.dumps(document)})
            return cls(list(props["Queues"]), resource_name)

        def delete(self, account_id: str, region_name: str) -> None:
            backend = sqs_backends[account_id][region_name]
            for url in self.queue_urls:
                backend.set_queue_attributes(url.rstrip("/").rsplit("/", 1)[-1], {"Policy": ""})
