"""`services.<name>.nlb`: the service's Network Load Balancer, its listener and health check."""

from __future__ import annotations

from typing import Any, Mapping

from compiler import model as m
from compiler.spec.normalize.load_balancer import DEFAULT_SSL_POLICY


def nlb(spec: Mapping[str, Any] | None, service_port: int | None, vpc_cidr: str | None) -> m.Nlb | None:
    if spec is None:
        return None
    public = spec.get("public", True)
    protocol = spec.get("protocol", "tcp").upper()
    hc = spec.get("healthcheck") or {}
    hc_protocol = hc.get("protocol", "tcp").upper()
    port = spec.get("port", service_port)
    return m.Nlb(
        # A worker has no port: FC280 asks for one; 0 keeps the model total.
        port=port if port is not None else 0,
        protocol=protocol,
        public=public,
        certificate_arn=spec.get("certificate_arn"),
        ssl_policy=spec.get("ssl_policy", DEFAULT_SSL_POLICY) if protocol == "TLS" else None,
        target_port=spec.get("target_port", service_port if service_port is not None else port or 0),
        # An internal NLB admits the VPC; in an existing VPC of unknown cidr, FC280 asks for allowed_cidrs.
        allowed_cidrs=tuple(spec.get("allowed_cidrs", ["0.0.0.0/0"] if public else [vpc_cidr] if vpc_cidr else [])),
        healthcheck=m.NlbHealthCheck(
            port=hc.get("port"),
            protocol=hc_protocol,
            path=hc.get("path", "/") if hc_protocol != "TCP" else None,
            interval=hc.get("interval", 30),
            healthy_threshold=hc.get("healthy_threshold", 3),
            unhealthy_threshold=hc.get("unhealthy_threshold", 3),
            grace_period=hc.get("grace_period", 60),
        ),
        deregistration_delay=spec.get("deregistration_delay", 60),
    )
