"""messaging.json: the SNS topics services publish to and the SQS queues subscribers read.

One nested stack, made only when a service publishes or subscribes, placed before
the services stacks so that any services stack (whatever group a publisher or a
subscriber lands in) can take what it needs as wired Parameters:

  <Svc><Topic>TopicArn   per published topic      -> the publisher (env var, sns:Publish)
  <Svc>QueueUrl          per subscriber           -> the subscriber (env var)
  <Svc>QueueArn          per subscriber           -> the subscriber (its task role)
  <Svc>QueueName         per subscriber           -> queue-backlog scaling (metric dimension)

Per published topic: an AWS::SNS::Topic encrypted with the AWS-managed key
alias/aws/sns (FIFO with content-based deduplication when `fifo`).

Per subscriber: its queue and a dead-letter queue (both SQS-managed SSE: SNS cannot
deliver to a queue encrypted with the AWS-managed alias/aws/sqs key, whose key policy
the topic's SNS principal cannot be granted; FIFO when the topics are), the redrive
policy (`dead_letter.tries` receives), a queue policy that lets SNS send only from
the subscribed topics (aws:SourceArn), and one subscription per topic with its
filter policy. Topic names are `<app>-<env>-<service>-<topic>` (+ ".fifo"): switching
`fifo` changes the name, so CloudFormation can replace the topic.

Queues hold messages: both carry DeletionPolicy and UpdateReplacePolicy Retain
(common.retain; `retain_data: false` opts out), so removing a subscriber, or a
replacement, leaves the old queue and its messages in place. Their names come from
placement.py: kept while the queue stays, and never the name of an earlier queue that
may still exist (`<app>-<env>-<service>-2` when re-subscribing after a removal). They
are not left to CloudFormation: a generated FIFO queue name in a nested stack can
exceed SQS's 80 characters (aws-cdk#5860). Topics store nothing (SNS delivers or drops
at once; subscriptions and policies are all in this template), so they are not
retained; see docs/decisions.md.
"""

from __future__ import annotations

import json
from typing import Any

from awacs.aws import Allow, ArnEquals, Condition, PolicyDocument, Principal, Statement
from awacs.sqs import SendMessage
from troposphere import GetAtt, Ref, Sub, Template
from troposphere import sns, sqs

from compiler.stacks import iam as policies
from compiler import model as m
from compiler.state import naming
from compiler.stacks import common, scanner_skips

TOPIC_ARNS_VARIABLE = "FC_SNS_TOPIC_ARNS"   # JSON object: topic name -> ARN
QUEUE_URL_VARIABLE = "FC_QUEUE_URL"
WIRED_VARIABLES = (TOPIC_ARNS_VARIABLE, QUEUE_URL_VARIABLE)

SNS_KEY = "alias/aws/sns"
DEAD_LETTER_RETENTION = 14 * 24 * 3600       # SQS maximum: time to look at failed messages
TOPIC_NAME_LIMIT = 256


def identity(s: m.Service) -> str:
    """The name a subscriber's queue, dead-letter queue and subscription logical IDs follow: its
    own, or the one it was renamed from with `renamed_from` (placement.py), so they stay."""
    return s.identity or s.name


def topic_id(service: str, topic: str) -> str:
    return naming.pascal(service) + naming.pascal(topic) + "Topic"


def topic_arn_output(service: str, topic: str) -> str:
    return topic_id(service, topic) + "Arn"


def queue_id(service: str) -> str:
    return naming.pascal(service) + "Queue"


def dead_letter_id(service: str) -> str:
    return naming.pascal(service) + "DeadLetterQueue"


def subscription_id(subscriber: str, ref: m.TopicRef) -> str:
    return naming.pascal(subscriber) + "From" + naming.pascal(ref.service) + naming.pascal(ref.name) + "Subscription"


def logical_ids(app: m.App) -> list[tuple[str, str]]:
    """Every (logical ID, what it is) this stack would hold; checks/ look for collisions."""
    found = []
    for s in app.services:
        for topic in s.publish:
            found.append((topic_id(s.name, topic.name), f"topic {topic.name} of service {s.name}"))
        if s.subscribe:
            found.append((queue_id(identity(s)), f"the queue of service {s.name}"))
            found.append((dead_letter_id(identity(s)), f"the dead-letter queue of service {s.name}"))
            found.append((queue_id(identity(s)) + "Policy", f"the queue policy of service {s.name}"))
            for ref in s.subscribe.topics:
                found.append((subscription_id(identity(s), ref),
                              f"service {s.name}'s subscription to {ref.service}/{ref.name}"))
    return found


def topic_name(app: m.App, service: str, topic: m.Topic) -> str:
    suffix = naming.FIFO_SUFFIX if topic.fifo else ""
    return naming.shorten(f"{app.app}-{app.environment}-{service}-{topic.name}",
                          TOPIC_NAME_LIMIT - len(suffix)) + suffix


def build(app: m.App) -> Template:
    t = common.new_template(app, "SNS topics and SQS subscription queues")
    topics: dict[tuple[str, str], sns.Topic] = {}
    for s in app.services:
        tags = common.tags(app, f"{app.stack_name}-{s.name}", **{"fargate-compile:service": s.name})
        for topic in s.publish:
            props: dict[str, Any] = {}
            if topic.fifo:
                props.update(FifoTopic=True, ContentBasedDeduplication=True)
            resource = t.add_resource(sns.Topic(
                topic_id(s.name, topic.name),
                TopicName=topic_name(app, s.name, topic),
                KmsMasterKeyId=SNS_KEY,
                Tags=tags,
                **props,
            ))
            topics[(s.name, topic.name)] = resource
            common.wire_output(t, topic_arn_output(s.name, topic.name), Ref(resource),
                               f"ARN of topic {topic.name} of {s.name}")
    for s in app.services:
        if s.subscribe:
            _subscriber(app, t, s, topics)
    return t


def _queue_props(queue: m.Queue) -> dict[str, Any]:
    props: dict[str, Any] = {"SqsManagedSseEnabled": True}
    if queue.fifo:
        props["FifoQueue"] = True
    return props


def _subscriber(app: m.App, t: Template, s: m.Service, topics: dict) -> None:
    queue = s.subscribe.queue
    tags = common.tags(app, f"{app.stack_name}-{s.name}", **{"fargate-compile:service": s.name})
    name, dead_letter_name = s.queue_names
    dead_letter = t.add_resource(scanner_skips.apply(sqs.Queue(
        dead_letter_id(identity(s)),
        QueueName=dead_letter_name,
        MessageRetentionPeriod=DEAD_LETTER_RETENTION,
        Tags=tags,
        **_queue_props(queue),
        **common.retain(app),
    ), scanner_skips.SQS_MANAGED_SSE))
    main = t.add_resource(scanner_skips.apply(sqs.Queue(
        queue_id(identity(s)),
        QueueName=name,
        MessageRetentionPeriod=queue.retention,
        DelaySeconds=queue.delay,
        VisibilityTimeout=queue.timeout,
        RedrivePolicy=sqs.RedrivePolicy(
            deadLetterTargetArn=GetAtt(dead_letter, "Arn"),
            maxReceiveCount=queue.dead_letter_tries,
        ),
        Tags=tags,
        **_queue_props(queue),
        **common.retain(app),
    ), scanner_skips.SQS_MANAGED_SSE))
    sources = [Ref(topics[(ref.service, ref.name)]) for ref in s.subscribe.topics]
    policy = t.add_resource(sqs.QueuePolicy(
        queue_id(identity(s)) + "Policy",
        Queues=[Ref(main)],
        PolicyDocument=PolicyDocument(Version="2012-10-17", Statement=[Statement(
            Sid="SubscribedTopicsOnly",
            Effect=Allow,
            Principal=Principal("Service", ["sns.amazonaws.com"]),
            Action=[SendMessage],
            Resource=[GetAtt(main, "Arn")],
            Condition=Condition(ArnEquals("aws:SourceArn", sources)),
        )]),
    ))
    for ref in s.subscribe.topics:
        props: dict[str, Any] = {}
        if ref.filter_policy:
            props["FilterPolicy"] = json.loads(ref.filter_policy)
        t.add_resource(sns.SubscriptionResource(
            subscription_id(identity(s), ref),
            Protocol="sqs",
            Endpoint=GetAtt(main, "Arn"),
            TopicArn=Ref(topics[(ref.service, ref.name)]),
            # Messages published before SNS may send to the queue would be lost.
            DependsOn=[policy.title],
            **props,
        ))
    pid = naming.pascal(identity(s))
    common.wire_output(t, pid + "QueueUrl", Ref(main), f"URL of {s.name}'s queue")
    common.wire_output(t, pid + "QueueArn", GetAtt(main, "Arn"), f"ARN of {s.name}'s queue")
    common.wire_output(t, pid + "QueueName", GetAtt(main, "QueueName"), f"Name of {s.name}'s queue")


def service_wiring(svc: m.Service, wire: Any) -> tuple[dict[str, Any], list]:
    """Environment variables and task-role statements a service gets for its topics and queue.

    `wire(name)` returns the wired Parameter (declared on first use) of that name.
    """
    env: dict[str, Any] = {}
    topic_arns = [wire(topic_arn_output(svc.name, topic.name)) for topic in svc.publish]
    if svc.publish:
        # {"orders": "arn:...", ...}: topic names are [A-Za-z0-9_-], nothing to escape.
        body = ",".join(f'"{topic.name}":"${{T{i}}}"' for i, topic in enumerate(svc.publish))
        env[TOPIC_ARNS_VARIABLE] = Sub("{" + body + "}", **{f"T{i}": arn for i, arn in enumerate(topic_arns)})
    queue_arn = None
    if svc.subscribe:
        pid = naming.pascal(identity(svc))
        env[QUEUE_URL_VARIABLE] = wire(pid + "QueueUrl")
        queue_arn = wire(pid + "QueueArn")
    return env, policies.messaging_statements(topic_arns, queue_arn)
