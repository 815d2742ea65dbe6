"""Bare optional blocks: `key:` (YAML null) means "this block, all defaults"."""

from __future__ import annotations

from typing import Any

# Optional blocks where a bare `key:` (YAML null) means "this block, all defaults",
# as in `load_balancer:` followed only by commented-out settings. "*" is any service.
BLOCKS = (
    ("network",), ("network", "vpc"), ("network", "flow_logs"), ("load_balancer",), ("load_balancers", "*"),
    ("discovery",), ("tags",), ("network_load_balancers", "*"),
    ("services", "*", "http"), ("services", "*", "http", "healthcheck"),
    ("services", "*", "deployment"), ("services", "*", "logging"), ("services", "*", "storage"),
    ("services", "*", "variables"), ("services", "*", "secrets"), ("services", "*", "sidecars"),
    ("services", "*", "task_role"), ("services", "*", "storage", "volumes"),
    ("services", "*", "publish"), ("services", "*", "subscribe"),
    ("services", "*", "subscribe", "queue"), ("services", "*", "subscribe", "queue", "dead_letter"),
    ("jobs",), ("jobs", "*", "logging"), ("jobs", "*", "storage"), ("jobs", "*", "storage", "volumes"), ("jobs", "*", "variables"),
    ("jobs", "*", "secrets"), ("jobs", "*", "sidecars"), ("jobs", "*", "task_role"),
)


def empty_blocks(data: Any) -> Any:
    """A copy of the loaded data with every bare optional block turned into {}."""
    def fill(node: Any, pattern: tuple) -> Any:
        if not isinstance(node, dict) or not pattern:
            return node
        head, rest = pattern[0], pattern[1:]
        keys = list(node) if head == "*" else [head]
        out = dict(node)
        for key in keys:
            if key in out:
                out[key] = {} if (out[key] is None and not rest) else fill(out[key], rest)
        return out

    for pattern in BLOCKS:
        data = fill(data, pattern)
    return data
