"""`services.<name>.subscribe`: the subscriber's queue, FIFO when it or a topic says so."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from typing import Any, Mapping

from compiler import model as m
from compiler.spec.schedules import duration_seconds

# SQS defaults for a subscriber's queue (SQS's own, except the dead-letter queue it always gets).
QUEUE_RETENTION = 4 * 24 * 3600       # SQS default: 4 days
QUEUE_DELAY = 0
QUEUE_TIMEOUT = 30                    # SQS default visibility timeout
DEAD_LETTER_TRIES = 10                # receives before a message moves to the dead-letter queue


def _seconds(value: Any, default: int) -> int:
    """Whole seconds of a schema-valid duration (checks/ report fractions and ranges)."""
    return default if value is None else math.ceil(duration_seconds(value))


def subscription(spec: Mapping[str, Any] | None) -> m.Subscription | None:
    if spec is None:
        return None
    queue = spec.get("queue") or {}
    topics = tuple(sorted(
        (m.TopicRef(t["service"], t["name"],
                    json.dumps(t["filter_policy"], sort_keys=True) if t.get("filter_policy") else None)
         for t in spec.get("topics", ())),
        key=lambda t: (t.service, t.name),
    ))
    return m.Subscription(
        topics=topics,
        queue=m.Queue(
            retention=_seconds(queue.get("retention"), QUEUE_RETENTION),
            delay=_seconds(queue.get("delay"), QUEUE_DELAY),
            timeout=_seconds(queue.get("timeout"), QUEUE_TIMEOUT),
            dead_letter_tries=(queue.get("dead_letter") or {}).get("tries", DEAD_LETTER_TRIES),
            fifo=queue.get("fifo"),          # None: decided by the topics (queue_fifo)
        ),
    )


def queue_fifo(services: tuple[m.Service, ...]) -> tuple[m.Service, ...]:
    """A subscriber's queue is FIFO when it says so, else when a topic it subscribes to is."""
    fifo_topics = {(s.name, t.name) for s in services for t in s.publish if t.fifo}
    out = []
    for s in services:
        sub = s.subscribe
        if sub is not None and sub.queue.fifo is None:
            fifo = any((t.service, t.name) in fifo_topics for t in sub.topics)
            s = replace(s, subscribe=replace(sub, queue=replace(sub.queue, fifo=fifo)))
        out.append(s)
    return tuple(out)
