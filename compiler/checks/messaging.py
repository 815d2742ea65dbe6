"""FC252: topics, subscriptions, FIFO, queue limits, compiler-set variables, SNS/SQS endpoints."""

from __future__ import annotations

import difflib
from collections import Counter

from compiler.checks import private_egress
from compiler.checks._util import quoted, raw, svc
from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App, Service
from compiler.stacks import messaging

CODE = "FC252"

# (queue key, model attribute, lowest, highest, what): SQS's limits, seconds.
QUEUE_LIMITS = (
    ("retention", "retention", 60, 1_209_600, "60 seconds to 14 days"),
    ("delay", "delay", 0, 900, "0 to 15 minutes"),
    ("timeout", "timeout", 0, 43_200, "0 to 12 hours"),
)


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    if not app.uses_messaging:
        return []
    found = []
    topics = {(s.name, t.name): t for s in app.services for t in s.publish}
    for s in app.services:
        found += _publisher(s, data, locator)
        if s.subscribe:
            found += _subscriber(app, s, topics, data, locator)
        found += _variables(s, locator)
    found += _endpoints(app, data, locator)
    found += _logical_ids(app, locator)
    found += _capacity(app, locator)
    return found


def _publisher(s: Service, data: dict, locator: Locator) -> list[Diagnostic]:
    names = [t["name"] for t in raw(data, *svc(s.name, "publish", "topics"), default=[])]
    return [
        locator.error(CODE, svc(s.name, "publish", "topics", i, "name"),
                      f"service {s.name} publishes topic '{name}' twice; topic names are unique per service")
        for i, name in enumerate(names) if names.index(name) != i
    ]


def _subscriber(app: App, s: Service, topics: dict, data: dict, locator: Locator) -> list[Diagnostic]:
    found = []
    entries = raw(data, *svc(s.name, "subscribe", "topics"), default=[])
    seen = Counter()
    kinds = set()
    publishers = {p.name: p for p in app.services}
    for i, entry in enumerate(entries):
        where = svc(s.name, "subscribe", "topics", i)
        key = (entry["service"], entry["name"])
        seen[key] += 1
        if seen[key] == 2:
            found.append(locator.error(CODE, where, f"service {s.name} subscribes to "
                                       f"{key[0]}/{key[1]} twice; list each topic once"))
        if entry["service"] not in publishers:
            near = difflib.get_close_matches(entry["service"], list(publishers), n=1)
            found.append(locator.error(
                CODE, (*where, "service"), f"no service '{entry['service']}' to subscribe to",
                hint=f"did you mean '{near[0]}'?" if near else "name a service of this spec"))
            continue
        if key not in topics:
            offered = [t.name for t in publishers[key[0]].publish]
            near = difflib.get_close_matches(key[1], offered, n=1)
            found.append(locator.error(
                CODE, (*where, "name"),
                f"service {key[0]} publishes no topic '{key[1]}'"
                + (f"; it publishes {quoted(offered)}" if offered else ""),
                hint=f"did you mean '{near[0]}'?" if near else
                f"add it to services.{key[0]}.publish.topics"))
            continue
        kinds.add(topics[key].fifo)
    if len(kinds) > 1:
        found.append(locator.error(
            CODE, svc(s.name, "subscribe", "topics"),
            f"service {s.name} subscribes to FIFO and standard topics; one queue is either FIFO "
            "(for FIFO topics) or standard; subscribe from two services, or make the topics alike"))
    elif kinds and raw(data, *svc(s.name, "subscribe", "queue", "fifo")) is not None:
        fifo = s.subscribe.queue.fifo
        if fifo != kinds.pop():
            found.append(locator.error(
                CODE, svc(s.name, "subscribe", "queue", "fifo"),
                f"queue fifo: {str(fifo).lower()}, but the topics service {s.name} subscribes to "
                f"are {'standard' if fifo else 'FIFO'}; SNS delivers FIFO topics to FIFO queues "
                "and standard topics to standard queues",
                hint="leave fifo out: the queue follows its topics"))
    queue = s.subscribe.queue
    for key, attribute, low, high, what in QUEUE_LIMITS:
        written = raw(data, *svc(s.name, "subscribe", "queue", key))
        if written is None:
            continue
        value = getattr(queue, attribute)
        if not low <= value <= high:
            found.append(locator.error(
                CODE, svc(s.name, "subscribe", "queue", key),
                f"queue {key} {written!r} is {value} s; SQS allows {what}"))
        elif attribute == "retention" and not queue.fifo and value >= messaging.DEAD_LETTER_RETENTION:
            # A standard queue's message keeps its enqueue time when it moves to the dead-letter
            # queue (our rule E9022): the DLQ, at SQS's 14-day maximum, must keep it longer.
            found.append(locator.error(
                CODE, svc(s.name, "subscribe", "queue", key),
                f"queue retention {written!r} is {value} s, and a standard queue's dead-letter queue must "
                f"keep messages longer (a moved message keeps its enqueue time); the dead-letter queue "
                f"keeps them {messaging.DEAD_LETTER_RETENTION} s, SQS's maximum",
                hint="give the queue a retention below 14 days, such as 13d"))
    return found


def _variables(s: Service, locator: Locator) -> list[Diagnostic]:
    wired = []
    if s.publish:
        wired.append(messaging.TOPIC_ARNS_VARIABLE)
    if s.subscribe:
        wired.append(messaging.QUEUE_URL_VARIABLE)
    names = {n: "variables" for n, _ in s.variables} | {x.name: "secrets" for x in s.secrets}
    return [
        locator.error(CODE, svc(s.name, names[n], n),
                      f"{n} is set by the compiler for service {s.name} (its "
                      f"{'topic ARNs' if n == messaging.TOPIC_ARNS_VARIABLE else 'queue URL'}); "
                      "choose another name", key=True)
        for n in wired if n in names
    ]


def _endpoints(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    """Without NAT, tasks in private subnets reach SNS and SQS only through endpoints (in an
    existing VPC, whose routing the compiler cannot see, a warning as FC210's are there)."""
    if not private_egress.needs_endpoints(app):
        return []
    have = set(app.network.endpoints)
    found = []
    for s in app.services:
        if s.placement != "private":
            continue
        for needed, key, why in (("sns", "publish", "publishes to SNS"),
                                 ("sqs", "subscribe", "reads its SQS queue")):
            if getattr(s, key) and needed not in have:
                found.append(locator.error(
                    CODE, svc(s.name, key),
                    f"service {s.name} {why} from private subnets and nat is none; it needs "
                    f"the '{needed}' endpoint, add it to network.endpoints", key=True))
    return found if app.network.existing is None else [private_egress.unseen_egress(d) for d in found]


def _logical_ids(app: App, locator: Locator) -> list[Diagnostic]:
    owners: dict[str, str] = {}
    found = []
    for logical, what in messaging.logical_ids(app):
        if owners.get(logical) == what:
            continue                    # the same topic or subscription twice: reported above
        if logical in owners:
            found.append(locator.error(
                CODE, ("services",),
                f"{owners[logical]} and {what} both become the logical ID '{logical}' in "
                "messaging.json; rename a service or a topic (names differing only in '-' collide)",
                key=True))
        owners.setdefault(logical, what)
    return found



# CloudFormation's per-template limits (troposphere refuses more, too).
MAX_OUTPUTS, MAX_RESOURCES, MAX_PARAMETERS = 200, 500, 200
# Wired parameters a services stack may take besides the messaging ones: the network's 4,
# the first stack's 4 shared values, the ALB's 2 and 2 per routed service (an upper bound).
BASE_PARAMETERS = 10


def _capacity(app: App, locator: Locator) -> list[Diagnostic]:
    """messaging.json's outputs and resources, and each services stack's parameters, within
    CloudFormation's limits: counted before building, from the model."""
    found = []
    subscribers = [s for s in app.services if s.subscribe]
    topics = sum(len(s.publish) for s in app.services)
    outputs = topics + 3 * len(subscribers)
    resources = topics + sum(3 + len(s.subscribe.topics) for s in subscribers)
    for what, count, limit in (("outputs", outputs, MAX_OUTPUTS), ("resources", resources, MAX_RESOURCES)):
        if count > limit:
            found.append(locator.error(
                CODE, ("services",),
                f"messaging.json would have {count} {what} (1 per topic, 3 per subscribing service"
                + (", 1 per subscription and topic" if what == "resources" else "")
                + f"); CloudFormation allows {limit} per template",
                hint="fewer topics or subscribing services", key=True))
    for stem, members in services_groups(app):
        wired = sum(len(s.publish) + (3 if s.subscribe else 0) for s in members)
        if not wired:
            continue
        bound = BASE_PARAMETERS + 2 * sum(1 for s in members if s.http) + wired
        if bound > MAX_PARAMETERS:
            last = [s for s in members if s.publish or s.subscribe][-1]
            found.append(locator.error(
                CODE, svc(last.name),
                f"the {stem} stack would take up to {bound} parameters (1 per published topic, "
                f"3 per subscriber, besides the network's, cluster's and load balancer's); "
                f"CloudFormation allows {MAX_PARAMETERS}",
                hint="pin some publishing or subscribing services to another stack with stack: NAME",
                key=True))
    return found


def services_groups(app: App):
    from compiler.stacks.services import groups   # the stacks import checks: import late
    return groups(app)
