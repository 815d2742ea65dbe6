"""`services.<name>.http`: the listener rule's paths and hosts, the target group's health check."""

from __future__ import annotations

from typing import Any, Mapping

from compiler import model as m


def default_timeout(interval: int) -> int:
    return min(5, interval - 1)


def http(spec: Mapping[str, Any]) -> m.Http:
    raw_paths = spec.get("path", "/")
    paths = (raw_paths,) if isinstance(raw_paths, str) else tuple(raw_paths)
    alias = spec.get("alias", ())
    aliases = (alias,) if isinstance(alias, str) else tuple(alias)
    # The aliases are host-header values of the route too.
    written = tuple(spec.get("hosts", ()))
    hosts = written + tuple(a for a in aliases if a not in written)
    is_default = paths == ("/",) and not hosts
    hc = spec.get("healthcheck") or {}
    interval = hc.get("interval", 30)
    return m.Http(
        # "/" in a rule is "/*"; a list holding both would repeat a value ALB refuses.
        paths=() if is_default else tuple(dict.fromkeys("/*" if p == "/" else p for p in paths)),
        hosts=hosts,
        is_default=is_default,
        priority=None if is_default else spec.get("priority"),
        healthcheck=m.HealthCheck(
            path=hc.get("path", "/"),
            success_codes=str(hc.get("success_codes", "200")),
            healthy_threshold=hc.get("healthy_threshold", 5),
            unhealthy_threshold=hc.get("unhealthy_threshold", 2),
            interval=interval,
            timeout=hc.get("timeout", default_timeout(interval)),
            grace_period=hc.get("grace_period", 60),
        ),
        deregistration_delay=spec.get("deregistration_delay", 60),
        stickiness=spec.get("stickiness", False),
        protocol=spec.get("protocol", "HTTP"),
        aliases=aliases,
        hosted_zone=spec.get("hosted_zone"),
    )
