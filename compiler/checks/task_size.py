"""FC224: a task definition within ECS's 64 KiB, a services stack within CloudFormation's 1 MB."""

# ECS refuses a task definition larger than 64 KiB, and the compiler cannot split one
# service: the estimate is what the user wrote for the service plus what the compiler
# adds per container (names, log configuration, port mappings, role ARNs). Services
# stacks are split by count, so the pipeline measures the built templates against
# CloudFormation's 1 MB with stack_sizes() below.

from __future__ import annotations

import json

from compiler.checks._util import raw, svc
from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App
from compiler.stacks import copilot_env, messaging
from compiler.stacks import services as services_stack

CODE = "FC224"

TASK_LIMIT = 64 * 1024
PER_CONTAINER = 1536
TEMPLATE_LIMIT = 1_000_000    # bytes of a template CloudFormation takes from S3

# The variables the compiler adds to a main container, at their longest once deployed: the
# longest Region name (ap-southeast-5), partition (aws-us-gov) and domain (China's).
REGION_MAX = 14
VARIABLE = len('{"Name":"","Value":""},')
TOPIC_ARN_PREFIX = len("arn:aws-us-gov:sns:") + REGION_MAX + len(":123456789012:")
QUEUE_URL = len("https://sqs.") + REGION_MAX + len(".amazonaws.com.cn/123456789012/") + 80  # SQS: 80
LB_DNS = len("internal-") + 32 + len("-1234567890.") + REGION_MAX + len(".elb.amazonaws.com.cn")


def _size(written: object) -> int:
    return len(json.dumps(written, separators=(",", ":"), ensure_ascii=False, default=str).encode())


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found = []
    for s in app.services:
        written = raw(data, *svc(s.name), default={})
        size = _size(written) + PER_CONTAINER * (1 + len(s.sidecars)) + added_variables(app, s)
        if size > TASK_LIMIT:
            biggest = max(written, key=lambda k: _size(written[k]))
            found.append(locator.error(
                CODE, svc(s.name, biggest),
                f"the task definition of service {s.name} would be about {size // 1024} KiB "
                f"(most of it in {biggest}); ECS takes at most {TASK_LIMIT // 1024} KiB",
                hint="keep large values in SSM parameters or Secrets Manager (secrets), "
                     "or in the image", key=True))
    return found


def added_variables(app: App, s) -> int:
    """Bytes of the variables the compiler gives the main container beyond what the spec
    wrote, at their longest: the topic ARNs (FC_SNS_TOPIC_ARNS, a JSON object) and queue URL
    (FC_QUEUE_URL) it wires, and with copilot_variables the COPILOT_* ones (copilot_env.py)."""
    values = {}
    if s.publish:
        values[messaging.TOPIC_ARNS_VARIABLE] = 2 + sum(
            len(f'"{t.name}":"",') + TOPIC_ARN_PREFIX + len(messaging.topic_name(app, s.name, t))
            for t in s.publish)
    if s.subscribe:
        values[messaging.QUEUE_URL_VARIABLE] = QUEUE_URL
    copies = {"COPILOT_SNS_TOPIC_ARNS": messaging.TOPIC_ARNS_VARIABLE,
              "COPILOT_QUEUE_URI": messaging.QUEUE_URL_VARIABLE}
    wired = dict(values)
    written = copilot_env.variables(app, s, {name: "" for name in messaging.WIRED_VARIABLES},
                                    lambda output: "")
    for name in copilot_env.names_for(app, s):
        if name in copies:
            values[name] = wired[copies[name]]
        elif name == "COPILOT_LB_DNS":
            values[name] = LB_DNS
        else:
            values[name] = len(str(written[name] or "").encode())
    return sum(VARIABLE + len(name) + size for name, size in values.items())


def stack_sizes(app: App, sizes: dict[str, int], locator: Locator) -> list[Diagnostic]:
    """Services stacks whose built template (`sizes`: file stem -> bytes) is over 1 MB. The
    pipeline calls this once the templates exist: only building tells their size."""
    found = []
    for stem, members in services_stack.groups(app):
        size = sizes.get(stem, 0)
        if size > TEMPLATE_LIMIT and members:
            last = members[-1]
            found.append(locator.error(
                CODE, svc(last.name),
                f"the {stem} stack (services {members[0].name} to {last.name}) would be a "
                f"template of {size:,} bytes; CloudFormation takes at most {TEMPLATE_LIMIT:,}",
                hint="pin some of them to another stack with stack: NAME", key=True))
    return found
