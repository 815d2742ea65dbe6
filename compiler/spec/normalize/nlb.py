"""`services.<name>.nlb`: the service's Network Load Balancer listener and health check, on
an NLB of its own or on a shared one (`network_load_balancers.<name>`, `nlb.load_balancer`)."""

from __future__ import annotations

from typing import Any, Mapping

from compiler import model as m
from compiler.spec.normalize.load_balancer import DEFAULT_SSL_POLICY


def _default_cidrs(public: bool, vpc_cidr: str | None) -> list[str]:
    # An internal NLB admits the VPC; in an existing VPC of unknown cidr, FC280/FC285 ask for allowed_cidrs.
    return ["0.0.0.0/0"] if public else [vpc_cidr] if vpc_cidr else []


def shared_nlbs(spec: Mapping[str, Any], vpc_cidr: str | None) -> tuple[m.NetworkLoadBalancer, ...]:
    """`network_load_balancers`: the shared NLBs, sorted by name."""
    out = []
    for name, lb in sorted(spec.items()):
        lb = lb or {}
        public = lb.get("public", True)
        out.append(m.NetworkLoadBalancer(
            name=name, public=public,
            allowed_cidrs=tuple(lb.get("allowed_cidrs", _default_cidrs(public, vpc_cidr))),
        ))
    return tuple(out)


def nlb(spec: Mapping[str, Any] | None, service_port: int | None, vpc_cidr: str | None,
        shared: Mapping[str, m.NetworkLoadBalancer] | None = None) -> m.Nlb | None:
    if spec is None:
        return None
    # On a shared NLB, public is the NLB's and allowed_cidrs default to its own (an unknown
    # name is FC285's to report: the defaults of an NLB of the service's own stand in).
    lb = (shared or {}).get(spec.get("load_balancer") or "")
    public = lb.public if lb is not None else spec.get("public", True)
    default_cidrs = list(lb.allowed_cidrs) if lb is not None else _default_cidrs(public, vpc_cidr)
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
        allowed_cidrs=tuple(spec.get("allowed_cidrs", default_cidrs)),
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
        load_balancer=spec.get("load_balancer"),
    )
