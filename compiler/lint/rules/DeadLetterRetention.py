"""E9022: a standard SQS queue's dead-letter queue keeps messages longer than the queue.

For standard queues "the expiration of a message is always based on its original
enqueue timestamp. When a message is moved to a dead-letter queue, the enqueue
timestamp is unchanged" (SQS Developer Guide, dead-letter queue retention): with a
dead-letter retention not longer than the source's, a message that fails late is
deleted as soon as it is moved, before anyone can look at it. SQS accepts the
configuration; a DLQ that loses what it exists to keep is a defect all the same. FIFO
queues reset the timestamp on the move and are not checked. Both periods default to
345,600 seconds (4 days) when left out.
"""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

DEFAULT_RETENTION = 345_600


class DeadLetterRetention(CloudFormationLintRule):
    id = "E9022"
    shortdesc = "Dead-letter queue retention longer than its standard source queue's"
    description = ("A standard AWS::SQS::Queue whose RedrivePolicy names a dead-letter queue of the "
                   "template must retain messages for less time than that queue does")
    source_url = ("https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/"
                  "setting-up-dead-letter-queue-retention.html")
    tags = ["resources", "sqs", "fargate-compile"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        queues = cfn.get_resources(["AWS::SQS::Queue"])
        found = []
        for name, queue in sorted(queues.items()):
            props = queue.get("Properties")
            if not isinstance(props, dict) or props.get("FifoQueue") in (True, "true"):
                continue
            redrive = props.get("RedrivePolicy")
            target = redrive.get("deadLetterTargetArn") if isinstance(redrive, dict) else None
            dead = _get_att_arn(target)
            if dead not in queues:
                continue
            dead_props = queues[dead].get("Properties")
            source = _seconds(props)
            kept = _seconds(dead_props if isinstance(dead_props, dict) else {})
            if source is not None and kept is not None and kept <= source:
                found.append(RuleMatch(
                    ["Resources", name, "Properties", "MessageRetentionPeriod"],
                    f"{name} keeps messages {source} s and its dead-letter queue {dead} {kept} s; a standard "
                    "queue's messages keep their enqueue time when moved, so the dead-letter queue must "
                    "keep them longer",
                    rule=self))
        return found


def _get_att_arn(value: Any) -> str | None:
    if isinstance(value, dict) and list(value) == ["Fn::GetAtt"]:
        inner = value["Fn::GetAtt"]
        if isinstance(inner, str):
            inner = inner.split(".", 1)
        if isinstance(inner, list) and len(inner) == 2 and inner[1] == "Arn" and isinstance(inner[0], str):
            return inner[0]
    return None


def _seconds(props: dict) -> int | None:
    value = props.get("MessageRetentionPeriod", DEFAULT_RETENTION)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None
