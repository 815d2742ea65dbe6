"""`services.<name>.http`: the listener rule's paths and hosts, the target group's health check."""

from __future__ import annotations

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
    is_default = paths == ("/",) and not hosts
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
        load_balancer=spec.get("load_balancer", ""),
    )
