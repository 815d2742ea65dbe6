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
from compiler.stacks import services as services_stack

CODE = "FC224"

TASK_LIMIT = 64 * 1024
PER_CONTAINER = 1536
TEMPLATE_LIMIT = 1_000_000    # bytes of a template CloudFormation takes from S3


def _size(written: object) -> int:
    return len(json.dumps(written, separators=(",", ":"), ensure_ascii=False, default=str).encode())


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found = []
    for s in app.services:
        written = raw(data, *svc(s.name), default={})
        size = _size(written) + PER_CONTAINER * (1 + len(s.sidecars))
        if size > TASK_LIMIT:
            biggest = max(written, key=lambda k: _size(written[k]))
            found.append(locator.error(
                CODE, svc(s.name, biggest),
                f"the task definition of service {s.name} would be about {size // 1024} KiB "
                f"(most of it in {biggest}); ECS takes at most {TASK_LIMIT // 1024} KiB",
                hint="keep large values in SSM parameters or Secrets Manager (secrets), "
                     "or in the image", key=True))
    return found


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
