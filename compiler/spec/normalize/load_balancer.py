"""`load_balancer` / `load_balancers`: the ALBs, their HTTPS listeners and access logs, and
existing ALBs (`arn`) the app adds target groups and rules to."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Mapping

from compiler import model as m
from compiler.spec.normalize.postures import Posture
from compiler.state.naming import pascal

# The listener rule priorities the app may use on an existing ALB's listener when the spec
# names none: the upper part of the range, below 50000 (other tools' catch-all rules, e.g.
# Copilot's "/" rule), so rules made by hand (usually low numbers) match first.
DEFAULT_EXISTING_PRIORITIES = (40000, 49999)
_RANGE = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s*$")

DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


def priorities(text: Any) -> tuple[int, int]:
    """`priorities: A-B` as (A, B); the default range when absent (the schema and FC282
    check the shape and bounds: an unreadable value reads as the default)."""
    found = _RANGE.match(str(text)) if text is not None else None
    return (int(found.group(1)), int(found.group(2))) if found else DEFAULT_EXISTING_PRIORITIES


def normalize_all(data: Mapping[str, Any], vpc_cidr: str | None, aliases: set[str],
                  posture: Posture) -> tuple[m.LoadBalancer, ...]:
    """`load_balancer` as one nameless ALB, or each of `load_balancers` in spec order: the first
    keeps today's logical IDs (key ""), the others take their PascalCase name as a prefix."""
    if data.get("load_balancer") is not None:
        return (normalize(data["load_balancer"], vpc_cidr, "" in aliases, posture),)
    found = []
    for i, (name, spec) in enumerate((data.get("load_balancers") or {}).items()):
        spec = spec or {}
        key = "" if i == 0 else pascal(str(name))
        if "arn" in spec:
            existing = m.ExistingAlb(spec["arn"], spec.get("listener_arn", ""), spec.get("security_group", ""),
                                     priorities(spec.get("priorities")))
            found.append(m.LoadBalancer(public=False, allowed_cidrs=(), idle_timeout=60, https=None,
                                        access_logs=None, deletion_protection=False, written=frozenset(spec),
                                        name=str(name), key=key, existing=existing))
        else:
            lb = normalize(spec, vpc_cidr, str(name) in aliases, posture)
            found.append(replace(lb, name=str(name), key=key))
    return tuple(found)


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


def on_their_albs(services: tuple[m.Service, ...], lbs: tuple[m.LoadBalancer, ...]) -> tuple[m.Service, ...]:
    """Each routed service with its ALB's name (the only one of `load_balancers` when it names
    none); on an existing ALB, a "/" route becomes a catch-all rule `/*` at the range's last
    priority: the listener's default action is not the app's to change."""
    only = lbs[0].name if len(lbs) == 1 else ""
    existing = {lb.name: lb.existing for lb in lbs if lb.existing is not None}
    out = []
    for s in services:
        if s.http is not None:
            http = s.http if s.http.load_balancer else replace(s.http, load_balancer=only)
            ext = existing.get(http.load_balancer)
            if ext is not None and http.is_default:
                http = replace(http, paths=("/*",), is_default=False, priority=ext.priorities[1])
            s = replace(s, http=http)
        out.append(s)
    return tuple(out)
