"""Publish/subscribe: topics, queues and subscriptions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Topic:
    name: str                         # unique within its publishing service
    fifo: bool


@dataclass(frozen=True)
class TopicRef:
    service: str                      # the publishing service
    name: str                         # the topic's name there
    filter_policy: Optional[str]      # JSON text (sorted keys), None: every message


@dataclass(frozen=True)
class Queue:
    retention: int                    # seconds a message is kept (60..1209600)
    delay: int                        # seconds before a new message is visible (0..900)
    timeout: int                      # visibility timeout, seconds (0..43200)
    dead_letter_tries: int            # receives before a message moves to the dead-letter queue
    fifo: bool


@dataclass(frozen=True)
class Subscription:
    topics: tuple[TopicRef, ...]      # sorted by (service, name)
    queue: Queue
