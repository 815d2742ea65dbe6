"""`load_balancer`: the ALB, its HTTPS listener and its access logs."""

from __future__ import annotations

from typing import Any, Mapping

from compiler import model as m
from compiler.spec.normalize.postures import Posture

DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


def normalize(spec: Mapping[str, Any] | None, vpc_cidr: str | None, aliases: bool,
              posture: Posture) -> m.LoadBalancer | None:
    if spec is None:
        return None
    public = spec.get("public", True)
    # Custom domains without a certificate of the spec's own: HTTPS with the compiler's
    # ACM certificates (certificate_arn None).
    https = spec.get("https") or ({} if aliases else None)
    logs = spec.get("access_logs", posture.access_logs)
    if logs is False:
        access_logs = None
    else:
        logs = logs if isinstance(logs, Mapping) else {}
        access_logs = m.AccessLogs(logs.get("bucket"), logs.get("prefix", ""))
    return m.LoadBalancer(
        public=public,
        # An internal ALB admits the VPC; in an existing VPC of unknown cidr, FC260 asks for allowed_cidrs.
        allowed_cidrs=tuple(spec.get("allowed_cidrs", ["0.0.0.0/0"] if public else [vpc_cidr] if vpc_cidr else [])),
        idle_timeout=spec.get("idle_timeout", 60),
        https=m.Https(https.get("certificate_arn"), https.get("ssl_policy", DEFAULT_SSL_POLICY))
        if https is not None else None,
        access_logs=access_logs,
        deletion_protection=spec.get("deletion_protection", posture.deletion_protection),
        written=frozenset(spec),
    )
