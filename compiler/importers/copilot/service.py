"""Load Balanced Web, Backend and Worker Services -> entries of our `services:`."""

from __future__ import annotations

import re

from compiler.diagnostics import Locator
from compiler.importers.copilot import routes
from compiler.importers.copilot.context import DEFAULT_CARRIED, Context, shown
from compiler.importers.copilot.fields import as_int, fixed_name
from compiler.importers.copilot.task import Translator, Workload, order
from compiler.importers.copilot.yamlread import as_bool

_ZONE = re.compile(r"^Z[A-Z0-9]{1,31}$")
_ALB_HC = {"interval": (5, 300), "timeout": (2, 120), "grace_period": (0, 2147483647)}


def service(kind: str, name: str, data: dict, loc: Locator, ctx: Context, app: str, env: str) -> Workload:
    """A Load Balanced Web, Backend or Worker Service."""
    t = Translator(data, loc, ctx, ("services", name), app, env)
    t.image(allow_port=kind != "Worker Service")
    work = Workload("services", name, t.out)
    work.build, work.image_variable = t.builds, t.image_variable
    work.needs_nat = t.placement()
    if "http" in data:
        t.done.add("http")
        http = data["http"]
        if kind == "Worker Service":
            t.drop(("http",), "a Worker Service has no http")
        elif as_bool(http) is False or http is None:
            pass
        elif isinstance(http, dict):
            _http(t, work, http, "public" if kind == "Load Balanced Web Service" else "internal")
        else:
            t.bad(("http",), http, "a mapping or false")
    elif kind == "Load Balanced Web Service":
        t.out["http"] = {"path": "/"}
        work.http = "public"
    if "port" in t.out and kind != "Worker Service":
        # Copilot registers every service with a port in Cloud Map: <svc>.<env>.<app>.local.
        t.out.setdefault("discovery", True)
    if "nlb" in data:
        t.done.add("nlb")
        found = routes.nlb(t, data["nlb"])
        if found is not None:
            t.out["nlb"] = found
    if "publish" in data:
        t.done.add("publish")
        _publish(t, data["publish"])
    if "subscribe" in data:
        t.done.add("subscribe")
        if kind == "Worker Service":
            _subscribe(t, data["subscribe"])
        else:
            t.drop(("subscribe",), "only Worker Services subscribe to topics")
    t.task()
    t.count(allow_requests=work.http is not None)
    t.deployment(routed=work.http is not None)
    t.rest()
    if kind == "Worker Service" and "port" in t.out:
        t.out.pop("port")
    if "port" not in t.out and t.out.pop("connect", None):
        # Copilot's Service Connect client mode: ours makes every service a client once any
        # service serves under `connect`, so only the server half would need a port.
        ctx.comment(("services", name), "network.connect without a port: a Service Connect client, which "
                    "every service is here once another service uses connect")
    order(t.out)
    return work


def _http(t: Translator, work: Workload, http: dict, exposure: str) -> None:
    out: dict = {}
    for key, value in http.items():
        path = ("http", key)
        where = ("http",)
        if key == "path":
            p = "" if value is None else t.text(value).strip()
            p = p.strip("/")
            out["path"] = "/" if p == "" else [f"/{p}", f"/{p}/*"]
        elif key == "healthcheck":
            hc = _alb_healthcheck(t, value)
            if hc:
                out["healthcheck"] = hc
        elif key == "deregistration_delay":
            secs = t.seconds(path, value, where)
            if secs is not None:
                out["deregistration_delay"] = secs
        elif key == "stickiness":
            flag = as_bool(value)
            if flag is not None:
                out["stickiness"] = flag
        elif key == "alias":
            names, zones = _aliases(t, value)
            if names:
                out["alias"] = names if len(names) > 1 else names[0]
                work.aliases += names
            bad = [z for z in zones if not _ZONE.match(z) and "${" not in z]
            for z in bad:
                t.drop(path, f"{shown(z)} is not a Route 53 hosted zone ID (Z and up to 31 capitals and digits); "
                       "the alias is routed as a host rule: add the zone's ID as hosted_zone for its record "
                       "and certificate", where)
            zones = [z for z in zones if z not in bad]
            if zones:
                out["hosted_zone"] = zones[0]
                work.hosted_zones += zones
                if len(set(zones)) > 1:
                    t.drop(path, "aliases in several hosted zones: one hosted_zone per service is supported; "
                           f"{zones[0]} is used", where)
        elif key == "hosted_zone":
            zone = t.text(value)
            if _ZONE.match(zone) or "${" in zone:
                out["hosted_zone"] = zone
                work.hosted_zones.append(zone)
            else:
                t.drop(path, f"{shown(zone)} is not a Route 53 hosted zone ID (Z and up to 31 capitals and "
                       "digits); the alias is routed as a host rule: give the zone's ID", where)
        elif key in ("target_container", "targetContainer"):
            if str(value) != t.base[-1]:
                out["target_container"] = t.text(value)
        elif key == "target_port":
            if as_int(value) is None:
                t.bad(path, value, "a port number", where)
            elif as_int(value) != t.out.get("port"):
                out["target_port"] = as_int(value)
        elif key == "allowed_source_ips":
            # Decided with every routed service at once (workspace._route_source_ips and
            # _load_balancer): the load balancer's allowed_cidrs where exact, else the route's source_ips.
            ips = value if isinstance(value, list) else [value]
            work.source_ips = sorted({str(c) if "/" in str(c) else f"{c}/32" for c in ips if c is not None})
        elif key == "redirect_to_https":
            if as_bool(value) is False:
                t.drop(path, "with HTTPS the HTTP listener always redirects", where)
        elif key == "version":
            if str(value).lower() in ("http2", "grpc"):
                out["version"] = str(value).lower()
            elif str(value).lower() != "http1":
                t.bad(path, value, "http1, http2 or grpc", where)
        elif key == "additional_rules":
            rules = routes.additional_rules(t, value, _alb_healthcheck)
            if rules:
                out["additional_rules"] = rules
        elif key == "alb":
            # Not mapped: the manifest names the ALB only (Copilot finds its listener and security
            # group at deploy time), and the spec's existing ALB needs both, and the ALB's VPC.
            t.drop(path, "the imported ALB is not mapped: the spec's load_balancers can name it (arn), but "
                   "also need its listener_arn and security_group, which the manifest does not hold, and "
                   "the app in its VPC (network.vpc.id); the service is routed by the spec's load_balancer",
                   where)
        else:
            t.drop(path, f"http.{key} has no equivalent", where)
    out.setdefault("path", "/")
    routes.drop_repeated_rules(t, out)
    t.out["http"] = out
    work.http = exposure


def _alb_healthcheck(t: Translator, value) -> dict:
    where = ("http", "healthcheck")
    if isinstance(value, str):
        return {"path": value if value.startswith("/") else "/" + value}
    if not isinstance(value, dict):
        t.bad(("http", "healthcheck"), value, "a path or a mapping", ("http",))
        return {}
    out = {}
    for key, v in value.items():
        path = ("http", "healthcheck", key)
        if key == "path":
            out["path"] = str(v) if str(v).startswith("/") else "/" + str(v)
        elif key == "success_codes":
            out["success_codes"] = str(v)
        elif key in ("healthy_threshold", "unhealthy_threshold"):
            n = as_int(v)
            if n is None or not 2 <= n <= 10:
                t.bad(path, v, "2..10 (the load balancer's range)", where)
            else:
                out[key] = n
        elif key in ("interval", "timeout", "grace_period"):
            secs = t.seconds(path, v, where)
            low, high = _ALB_HC[key]
            if secs is not None and not low <= secs <= high:
                t.bad(path, v, f"{low}..{high} seconds", where)
            elif secs is not None:
                out[key] = secs
        elif key == "port":
            if as_int(v) != t.out.get("port"):
                t.drop(path, "health checks use the traffic port", where)
        else:
            t.drop(path, f"healthcheck.{key} has no equivalent", where)
    return out


def _aliases(t: Translator, value) -> tuple[list, list]:
    names, zones = [], []
    items = value if isinstance(value, list) else [value]
    for i, item in enumerate(items):
        if isinstance(item, dict):
            if "name" in item:
                names.append(t.text(item["name"]))
            if item.get("hosted_zone"):
                zones.append(t.text(item["hosted_zone"]))
        elif item is not None:
            names.append(t.text(item))
    return names, zones


def _publish(t: Translator, value) -> None:
    topics = value.get("topics") if isinstance(value, dict) else None
    if not isinstance(topics, list):
        t.bad(("publish",), value, "a mapping with topics", ("publish",))
        return
    out = []
    for i, topic in enumerate(topics):
        if not isinstance(topic, dict) or "name" not in topic:
            t.bad(("publish", "topics", i), topic, "a topic with a name", ("publish",))
            continue
        item = {"name": str(topic["name"])}
        if any(o["name"] == item["name"] for o in out):
            t.drop(("publish", "topics", i, "name"), f"topic {shown(item['name'])} is listed twice; "
                   "it is published once", ("publish",))
            continue
        fifo = topic.get("fifo")
        if as_bool(fifo) is True or isinstance(fifo, dict):
            item["fifo"] = True
            if isinstance(fifo, dict):
                t.drop(("publish", "topics", i, "fifo"), "FIFO topic settings beyond fifo: true are not "
                       "supported (content-based deduplication is on)", ("publish",))
        out.append(item)
    if out:
        t.out["publish"] = {"topics": out}


def _subscribe(t: Translator, value) -> None:
    if not isinstance(value, dict):
        t.bad(("subscribe",), value, "a mapping", ("subscribe",))
        return
    out: dict = {}
    topics = []
    for i, topic in enumerate(value.get("topics") or []):
        if not isinstance(topic, dict) or "name" not in topic or "service" not in topic:
            t.bad(("subscribe", "topics", i), topic, "a topic with name and service", ("subscribe",))
            continue
        item = {"name": str(topic["name"]), "service": fixed_name(str(topic["service"]))}
        if isinstance(topic.get("filter_policy"), dict):
            item["filter_policy"] = topic["filter_policy"]
        if "queue" in topic:
            t.drop(("subscribe", "topics", i, "queue"), "a separate queue per topic is not supported; every "
                   "topic delivers to the service's one queue", ("subscribe",))
        topics.append(item)
    if topics:
        out["topics"] = topics
    q = value.get("queue")
    if not (isinstance(q, dict) and isinstance(q.get("dead_letter"), dict)):
        t.ctx.warn(DEFAULT_CARRIED, t.loc, ("subscribe",), "Copilot's queue has no dead-letter queue; here "
                   "the service's queue gets one (a message received 10 times moves to it and is kept 14 "
                   "days): set subscribe.queue.dead_letter.tries to choose the count", t.base + ("subscribe",))
    if isinstance(q, dict):
        queue = {}
        for key, v in q.items():
            path = ("subscribe", "queue", key)
            if key in ("retention", "delay", "timeout"):
                secs = t.seconds(path, v, ("subscribe",))
                if secs is not None:
                    queue[key] = secs
            elif key == "dead_letter" and isinstance(v, dict) and "tries" in v:
                queue["dead_letter"] = {"tries": as_int(v["tries"])}
            elif key == "fifo":
                if as_bool(v) is True or isinstance(v, dict):
                    queue["fifo"] = True
            else:
                t.drop(path, f"queue.{key} has no equivalent", ("subscribe",))
        if queue:
            out["queue"] = queue
    if out:
        t.out["subscribe"] = out
