"""`services.<name>.http`: the listener rule's paths and hosts, the target group's health check."""

from __future__ import annotations

import re
from typing import Any, Mapping

from compiler import model as m


def default_timeout(interval: int) -> int:
    return min(5, interval - 1)


VERSIONS = {"http1": "HTTP1", "http2": "HTTP2", "grpc": "GRPC"}
# gRPC health checks: ALB's own default, a path every gRPC server answers with code 12
# (UNIMPLEMENTED); a path of the spec's (grpc.health.v1.Health/Check) must answer 0 (OK).
GRPC_HEALTHCHECK_PATH = "/AWS.ALB/healthcheck"


def _paths(spec: Mapping[str, Any]) -> tuple[str, ...]:
    raw_paths = spec.get("path", "/")
    return (raw_paths,) if isinstance(raw_paths, str) else tuple(raw_paths)


def _healthcheck(hc: Mapping[str, Any], version: str) -> m.HealthCheck:
    interval = hc.get("interval", 30)
    grpc = version == "GRPC"
    return m.HealthCheck(
        path=hc.get("path", GRPC_HEALTHCHECK_PATH if grpc else "/"),
        success_codes=str(hc.get("success_codes", "200")),
        healthy_threshold=hc.get("healthy_threshold", 5),
        unhealthy_threshold=hc.get("unhealthy_threshold", 2),
        interval=interval,
        timeout=hc.get("timeout", default_timeout(interval)),
        grace_period=hc.get("grace_period", 60),
        grpc_codes=("0" if "path" in hc else "12") if grpc else None,
    )


def _values(value: str | list) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(dict.fromkeys(value))


def strip_prefix_rewrite(prefix: str) -> m.Rewrite:
    """`rewrite.strip_prefix: /api`: /api, /api/ and /api/x reach the target as /, / and /x
    (the query string is kept: the URL rewrite sees path and query)."""
    literal = re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", prefix.rstrip("/"))
    return m.Rewrite(regex=f"^{literal}/?(.*)$", replace="/$1")


def conditions(spec: Mapping[str, Any]) -> m.Conditions:
    """`headers`, `methods`, `query`, `source_ips` and `rewrite` of a route."""
    rewrite = spec.get("rewrite") or {}
    path, host = rewrite.get("path"), rewrite.get("host")
    url = (m.Rewrite(path["regex"], path["replace"]) if path
           else strip_prefix_rewrite(rewrite["strip_prefix"]) if "strip_prefix" in rewrite else None)
    return m.Conditions(
        headers=tuple((name, _values(v)) for name, v in (spec.get("headers") or {}).items()),
        methods=tuple(dict.fromkeys(spec.get("methods", ()))),
        query=tuple((key, _values(v)) for key, v in (spec.get("query") or {}).items()),
        source_ips=tuple(dict.fromkeys(spec.get("source_ips", ()))),
        url_rewrite=url,
        host_rewrite=m.Rewrite(host["regex"], host["replace"]) if host else None,
    )


def _route(spec: Mapping[str, Any], version: str, container: str | None,
           ports: Mapping[str, int | None]) -> m.Route:
    target = spec.get("target_container", container)
    paths = _paths(spec)
    version = VERSIONS[spec["version"]] if "version" in spec else version
    return m.Route(
        paths=tuple(dict.fromkeys("/*" if p == "/" else p for p in paths)),
        hosts=tuple(spec.get("hosts", ())),
        healthcheck=_healthcheck(spec.get("healthcheck") or {}, version),
        target_container=target,
        # A container without a port and no target_port: FC281 says so; 0 keeps the model total.
        target_port=spec.get("target_port", ports.get(target)) or 0,
        version=version,
        priority=spec.get("priority"),
        conditions=conditions(spec),
    )


def http(spec: Mapping[str, Any], container: str | None = None,
         ports: Mapping[str, int | None] | None = None) -> m.Http:
    """`container`: the main container's name; `ports`: each container's port (main and sidecars)."""
    ports = ports or {}
    paths = _paths(spec)
    version = VERSIONS[spec.get("version", "http1")]
    target = spec.get("target_container", container)
    alias = spec.get("alias", ())
    aliases = (alias,) if isinstance(alias, str) else tuple(alias)
    # The aliases are host-header values of the route too.
    written = tuple(spec.get("hosts", ()))
    hosts = written + tuple(a for a in aliases if a not in written)
    narrowed = conditions(spec)
    # A rule's conditions or transforms need a listener rule: the default action has neither.
    is_default = paths == ("/",) and not hosts and narrowed == m.NO_CONDITIONS
    return m.Http(
        # "/" in a rule is "/*"; a list holding both would repeat a value ALB refuses.
        paths=() if is_default else tuple(dict.fromkeys("/*" if p == "/" else p for p in paths)),
        hosts=hosts,
        is_default=is_default,
        priority=None if is_default else spec.get("priority"),
        healthcheck=_healthcheck(spec.get("healthcheck") or {}, version),
        deregistration_delay=spec.get("deregistration_delay", 60),
        stickiness=spec.get("stickiness", False),
        protocol=spec.get("protocol", "HTTP"),
        aliases=aliases,
        hosted_zone=spec.get("hosted_zone"),
        version=version,
        target_container=target,
        target_port=spec.get("target_port", ports.get(target)),
        additional_rules=tuple(_route(r, version, container, ports) for r in spec.get("additional_rules", ())),
        conditions=narrowed,
        load_balancer=spec.get("load_balancer", ""),
    )
