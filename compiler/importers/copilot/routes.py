"""A service's other doors: `nlb` -> services.X.nlb, and `http.additional_rules`,
`http.target_container`, `http.target_port`, `http.version` -> the route's keys."""

from __future__ import annotations

from compiler.importers.copilot.fields import Fields as Translator, as_int
from compiler.importers.copilot.yamlread import as_bool

_NLB_PROTOCOLS = ("tcp", "udp", "tls", "tcp_udp")


def nlb(t: Translator, value) -> dict | None:
    """Copilot's `nlb` (port: "443/tls", healthcheck, ...) -> our nlb; what has no place is dropped."""
    where = ("nlb",)
    if not isinstance(value, dict):
        t.bad(where, value, "a mapping")
        return None
    out: dict = {}
    for key, v in value.items():
        path = ("nlb", key)
        if key == "port":
            port, _, protocol = str(v).partition("/")
            number, protocol = as_int(port), (protocol or "tcp").lower()
            if number is None or protocol not in _NLB_PROTOCOLS:
                t.bad(path, v, "PORT or PORT/tcp|udp|tls|tcp_udp", where)
                continue
            out["port"] = number
            if protocol != "tcp":
                out["protocol"] = protocol
            if protocol == "tls":
                # Copilot took the environment's domain certificate; ours is named.
                out["certificate_arn"] = "${NLB_CERTIFICATE_ARN}"
                t.ctx.comment(t.base + where, "TLS ends at the NLB with this certificate: pass "
                              "--var NLB_CERTIFICATE_ARN=arn:aws:acm:... (Copilot used the environment's)")
        elif key == "target_port":
            n = as_int(v)
            if n is None:
                t.bad(path, v, "a port number", where)
            else:
                out["target_port"] = n
        elif key in ("target_container", "targetContainer"):
            if str(v) != t.base[-1]:
                t.drop(path, "an NLB sends to the main container only; the sidecar is not its target", where)
        elif key == "healthcheck" and isinstance(v, dict):
            hc = _nlb_healthcheck(t, v)
            if hc:
                out["healthcheck"] = hc
        elif key == "deregistration_delay":
            secs = t.seconds(path, v, where)
            if secs is not None:
                out["deregistration_delay"] = secs
        elif key == "ssl_policy":
            out["ssl_policy"] = t.text(v)
        else:
            t.drop(path, f"nlb.{key} has no equivalent (one listener per NLB; no alias records)", where)
    return out


def _nlb_healthcheck(t: Translator, value: dict) -> dict:
    where = ("nlb", "healthcheck")
    out: dict = {}
    for key, v in value.items():
        path = (*where, key)
        if key == "port" and as_int(v) is not None:
            out["port"] = as_int(v)
        elif key in ("healthy_threshold", "unhealthy_threshold") and as_int(v) is not None \
                and 2 <= as_int(v) <= 10:
            out[key] = as_int(v)
        elif key in ("interval", "grace_period"):
            secs = t.seconds(path, v, where)
            if secs is not None:
                out[key] = secs
        else:
            t.drop(path, f"nlb.healthcheck.{key}={v!r} has no equivalent", where)
    return out


def additional_rules(t: Translator, value, healthcheck) -> list:
    """Copilot's http.additional_rules -> ours: path, alias (as hosts), target container/port, health check."""
    where = ("http", "additional_rules")
    if not isinstance(value, list):
        t.bad(where, value, "a list of rules")
        return []
    rules = []
    for i, rule in enumerate(value):
        if not isinstance(rule, dict):
            t.bad((*where, i), rule, "a mapping")
            continue
        out: dict = {}
        for key, v in rule.items():
            path = (*where, i, key)
            if key == "path":
                p = t.text(v).strip().strip("/") if v is not None else ""
                out["path"] = "/" if p == "" else [f"/{p}", f"/{p}/*"]
            elif key == "alias":
                names = v if isinstance(v, list) else [v]
                out["hosts"] = [t.text(n) for n in names if isinstance(n, str)]
            elif key in ("target_container", "targetContainer"):
                out["target_container"] = t.text(v)
            elif key == "target_port" and as_int(v) is not None:
                out["target_port"] = as_int(v)
            elif key == "healthcheck":
                hc = healthcheck(t, v)
                if hc:
                    hc.pop("grace_period", None)   # the service's, from http.healthcheck
                    out["healthcheck"] = hc
            elif key == "redirect_to_https" and as_bool(v) is not False:
                pass
            elif key == "allowed_source_ips" and isinstance(v, list) and v:
                # Copilot's source-ip condition of the rule
                out["source_ips"] = list(dict.fromkeys(str(c) if "/" in str(c) else f"{c}/32" for c in v))
            else:
                t.drop(path, f"additional_rules.{key} has no equivalent", where)
        out.setdefault("path", "/")
        rules.append(out)
    return rules


def _route_key(route: dict) -> tuple:
    paths = route.get("path", "/")
    aliases = route.get("alias", [])
    hosts = set(route.get("hosts", [])) | set([aliases] if isinstance(aliases, str) else aliases)
    return (tuple(sorted([paths] if isinstance(paths, str) else paths)), tuple(sorted(hosts)),
            tuple(sorted(route.get("source_ips", []))))


def drop_repeated_rules(t: Translator, http: dict) -> None:
    """Rules with the service route's own path, hosts and source IPs are dropped: they match
    what the route matches, and ALB would refuse a spec with both."""
    rules = http.get("additional_rules")
    if not rules:
        return
    main = _route_key(http)
    kept = []
    for i, rule in enumerate(rules):
        if _route_key(rule) == main:
            t.drop(("http", "additional_rules", i), "the rule has the route's own path, hosts and source "
                   "IPs: the route already matches its requests", ("http",))
        else:
            kept.append(rule)
    if kept:
        http["additional_rules"] = kept
    else:
        http.pop("additional_rules")


def version_without_https(ctx, service: str, http: dict, lb: dict) -> None:
    """ALB sends HTTP/2 and gRPC to targets only behind an HTTPS listener (FC281): without
    one in the environment, the route stays HTTP/1.1 and the spec says how to restore it."""
    version = http.get("version")
    if version in ("http2", "grpc") and "https" not in lb:
        http.pop("version")
        ctx.comment(("services", service, "http"), f"Copilot's http.version {version} needs an HTTPS "
                    f"listener: add load_balancer.https (a certificate), then version: {version}")
