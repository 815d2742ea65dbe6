"""FC270: depends_on names other services of the spec that are servers (connect or discovery), without cycles."""

from __future__ import annotations

import difflib

from compiler.checks._util import raw, svc
from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App
from compiler.stacks.services import FIRST_STACK, service_stems

CODE = "FC270"

# Ordering is by CloudFormation DependsOn: between ECS services in one services stack, and
# between the nested stacks in the root when client and server are in different stacks.
# Every other services stack already follows the first one (it takes the cluster from it),
# so the graph of stacks gets that edge too before the user's edges are added.


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found = []
    services = {s.name: s for s in app.services}
    stems = service_stems(app)
    calls: dict[str, set[str]] = {}                       # service -> servers, as accepted so far
    stack_edges: dict[str, set[str]] = {stem: {FIRST_STACK} for stem in set(stems.values())
                                        if stem != FIRST_STACK}
    for s in app.services:
        for index, server in enumerate(raw(data, *svc(s.name, "depends_on"), default=[])):
            path = svc(s.name, "depends_on", index)
            why, hint = _problem(s.name, server, services)
            if not why and _reaches(calls, server, s.name):
                why = f"'{server}' already depends on {s.name} (directly or through others): a cycle"
                hint = "remove one of the two dependencies"
            client_stack, server_stack = stems[s.name], stems.get(server)
            if not why and client_stack != server_stack and _reaches(stack_edges, server_stack, client_stack):
                why = (f"{s.name} is in stack {client_stack} and '{server}' in {server_stack}, which is "
                       f"created after {client_stack}: the stacks cannot be ordered")
                hint = (f"pin {s.name} to a stack of its own (stack: NAME) or put both in one stack"
                        if client_stack == FIRST_STACK else "put both services in one stack")
            if why:
                found.append(locator.error(CODE, path, why, hint=hint))
                continue
            calls.setdefault(s.name, set()).add(server)
            if client_stack != server_stack:
                stack_edges.setdefault(client_stack, set()).add(server_stack)
    return found


def _problem(client: str, server: str, services: dict) -> tuple[str, str]:
    if server == client:
        return f"service {client} cannot depend on itself", ""
    target = services.get(server)
    if target is None:
        close = difflib.get_close_matches(server, list(services), n=1)
        return (f"there is no service '{server}'",
                f"did you mean '{close[0]}'?" if close else "name a service of this spec")
    if not (target.connect or target.discovery):
        return (f"service {server} has neither connect nor discovery, so {client} cannot call it "
                "by name and need not wait for it", f"give {server} connect: true, or drop it here")
    return "", ""


def _reaches(edges: dict[str, set[str]], start: str | None, goal: str) -> bool:
    """Whether `goal` is reachable from `start` along `edges` (start itself counts)."""
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        if node in seen:
            continue
        seen.add(node)
        todo.extend(edges.get(node, ()))
    return False
