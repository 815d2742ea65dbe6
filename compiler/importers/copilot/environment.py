"""A Copilot environment manifest -> our spec's `network` and `load_balancer` settings.

Copilot's environment without a manifest (or without `network.vpc`) is a VPC
10.0.0.0/16 with two public subnets 10.0.0.0/24, 10.0.1.0/24 and two private subnets
10.0.2.0/24, 10.0.3.0/24, no flow logs. Those are written out, so the imported app
keeps the addresses other systems may know.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from compiler.diagnostics import Locator
from compiler.importers.copilot.context import UNTRANSLATED, Context, shown
from compiler.importers.copilot.yamlread import as_bool

COPILOT_VPC = {"cidr": "10.0.0.0/16",
               "subnets": {"public": ["10.0.0.0/24", "10.0.1.0/24"],
                           "private": ["10.0.2.0/24", "10.0.3.0/24"]}}
_CERT = re.compile(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[A-Za-z0-9-]+$")
_RETENTION = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
              2192, 2557, 2922, 3288, 3653)


@dataclass
class Environment:
    network: dict = field(default_factory=dict)
    imported_vpc: bool = False
    public_lb: dict = field(default_factory=dict)     # load_balancer settings of http.public
    private_lb: dict = field(default_factory=dict)    # load_balancer settings of http.private
    flow_logs_given: bool = False                     # the manifest says flow_logs (on or off)


def translate(data: dict | None, loc: Locator | None, ctx: Context) -> Environment:
    env = Environment()
    data = data if isinstance(data, dict) else {}
    net = data.get("network") if isinstance(data.get("network"), dict) else {}
    vpc = net.get("vpc") if isinstance(net.get("vpc"), dict) else {}
    for key in net:
        if key != "vpc":
            ctx.untranslated(loc, ("network", key), f"network.{key} has no equivalent", ("network",))
    if vpc.get("id"):
        env.imported_vpc = True
        _imported(vpc, loc, ctx, env)
    else:
        _configured(vpc, loc, ctx, env)
    _flow_logs(vpc, loc, ctx, env)
    for key in vpc:
        if key not in ("id", "cidr", "subnets", "flow_logs", "security_group"):
            ctx.untranslated(loc, ("network", "vpc", key), f"vpc.{key} has no equivalent", ("network", "vpc"))
    if "security_group" in vpc:
        ctx.untranslated(loc, ("network", "vpc", "security_group"), "the environment security group's extra "
                         "rules are not supported; each service has its own group", ("network", "vpc"))
    http = data.get("http") if isinstance(data.get("http"), dict) else {}
    for side in ("public", "private"):
        if isinstance(http.get(side), dict):
            setattr(env, f"{side}_lb", _load_balancer(http[side], side, loc, ctx))
    for key in http:
        if key not in ("public", "private"):
            ctx.untranslated(loc, ("http", key), f"http.{key} has no equivalent", ("load_balancer",))
    for key in data:
        if key in ("name", "type", "network", "http"):
            continue
        if key == "observability":
            if as_bool((data[key] or {}).get("container_insights")) is False:
                ctx.untranslated(loc, (key, "container_insights"), "Container Insights is always on here",
                                 ("network",))
            continue
        why = {"cdn": "CloudFront in front of the load balancer is not supported",
               "environments": "an environment manifest's own overrides are not read"}.get(key)
        ctx.untranslated(loc, (key,), why or f"{key} has no equivalent", ("network",))
    return env


_VPC_ID = re.compile(r"^vpc-[0-9a-f]{8}(?:[0-9a-f]{9})?$")
_SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8}(?:[0-9a-f]{9})?$")


def _imported(vpc: dict, loc: Locator, ctx: Context, env: Environment) -> None:
    out = {"id": str(vpc["id"])}
    if not _VPC_ID.match(out["id"]) and "${" not in out["id"]:
        ctx.warn(UNTRANSLATED, loc, ("network", "vpc", "id"), f"{shown(out['id'])} is not a VPC ID "
                 "(vpc- and 8 or 17 hex digits); kept as written: correct it before compiling",
                 ("network", "vpc", "id"))
    subnets = vpc.get("subnets") if isinstance(vpc.get("subnets"), dict) else {}
    given = {}
    for kind in ("public", "private"):
        items = []
        for i, s in enumerate(subnets.get(kind) or []):
            sid = s.get("id") if isinstance(s, dict) else s
            if not sid:
                ctx.untranslated(loc, ("network", "vpc", "subnets", kind, i), "an imported subnet needs its id",
                                 ("network", "vpc", "subnets"))
                continue
            item = {"id": str(sid)}
            if not _SUBNET_ID.match(item["id"]) and "${" not in item["id"]:
                ctx.warn(UNTRANSLATED, loc, ("network", "vpc", "subnets", kind, i), f"{shown(sid)} is not a "
                         "subnet ID (subnet- and 8 or 17 hex digits); kept as written: correct it before "
                         "compiling", ("network", "vpc", "subnets", kind))
            if isinstance(s, dict) and s.get("az"):
                item["zone"] = str(s["az"])
            items.append(item if "zone" in item else item["id"])
        if items:
            given[kind] = items
    if given:
        out["subnets"] = given
    if vpc.get("cidr"):
        out["cidr"] = str(vpc["cidr"])
    env.network["vpc"] = out
    ctx.comment(("network", "vpc"), "an existing VPC (Copilot imported it): nothing of the network is created")


def _configured(vpc: dict, loc: Locator, ctx: Context, env: Environment) -> None:
    out: dict = {}
    if vpc.get("cidr"):
        out["cidr"] = str(vpc["cidr"])
        if not _is_cidr(out["cidr"]):
            ctx.warn(UNTRANSLATED, loc, ("network", "vpc", "cidr"), f"{shown(out['cidr'])} is not an IPv4 CIDR "
                     "block; kept as written: correct it before compiling", ("network", "vpc", "cidr"))
    subnets = vpc.get("subnets") if isinstance(vpc.get("subnets"), dict) else {}
    zones: dict[str, list] = {}
    carved = {}
    for kind in ("public", "private"):
        items = subnets.get(kind) or []
        cidrs = [str(s["cidr"]) for s in items if isinstance(s, dict) and s.get("cidr")]
        for i, cidr in enumerate(cidrs):
            if not _is_cidr(cidr):
                ctx.warn(UNTRANSLATED, loc, ("network", "vpc", "subnets", kind, i, "cidr"), f"{shown(cidr)} is not "
                         "an IPv4 CIDR block; kept as written: correct it before compiling",
                         ("network", "vpc", "subnets"))
        zones[kind] = [str(s["az"]) for s in items if isinstance(s, dict) and s.get("az")]
        if cidrs:
            carved[kind] = cidrs
    if carved:
        out["subnets"] = carved
    if zones["public"] and zones["public"] == zones["private"] and len(zones["public"]) == len(carved.get("public", [])):
        out["zones"] = zones["public"]
    elif zones["public"] or zones["private"]:
        ctx.untranslated(loc, ("network", "vpc", "subnets"), "subnet zones are used only when public and "
                         "private subnets list the same zones in the same order; zones are picked "
                         "with Fn::GetAZs instead", ("network", "vpc"))
    if not out:
        out = {"cidr": COPILOT_VPC["cidr"], "subnets": {k: list(v) for k, v in COPILOT_VPC["subnets"].items()}}
        ctx.comment(("network", "vpc"), "Copilot's default VPC layout, kept so addresses do not change")
    env.network["vpc"] = out


def _flow_logs(vpc: dict, loc: Locator, ctx: Context, env: Environment) -> None:
    value = vpc.get("flow_logs")
    env.flow_logs_given = value is not None
    flag = as_bool(value)
    if value is None or flag is False:
        env.network["flow_logs"] = False
        if value is None and not env.imported_vpc:
            ctx.comment(("network", "flow_logs"), "Copilot's default: no VPC flow logs (ours: on); "
                        "set flow_logs: {} to turn them on")
        return
    if env.imported_vpc:
        env.network.pop("flow_logs", None)
        if loc is not None:
            ctx.untranslated(loc, ("network", "vpc", "flow_logs"), "flow logs of an imported VPC belong to "
                             "the VPC's owner; none are created here", ("network",))
        return
    out = {}
    if isinstance(value, dict) and value.get("retention") is not None:
        days = value.get("retention")
        if days in _RETENTION:
            out["retention_days"] = days
        else:
            ctx.untranslated(loc, ("network", "vpc", "flow_logs", "retention"),
                             f"{shown(days)} is not a CloudWatch Logs retention value", ("network", "flow_logs"))
    else:
        out["retention_days"] = 14
        ctx.comment(("network", "flow_logs"), "Copilot keeps flow logs 14 days")
    env.network["flow_logs"] = out


def _load_balancer(http: dict, side: str, loc: Locator, ctx: Context) -> dict:
    out: dict = {}
    base = ("http", side)
    for key, value in http.items():
        path = base + (key,)
        if key == "certificates":
            certs = [str(c) for c in value] if isinstance(value, list) else []
            bad = [c for c in certs if not (_CERT.match(c) or "${" in c)]
            for c in bad:
                ctx.untranslated(loc, path + (certs.index(c),), f"{shown(c)} is not an ACM certificate ARN "
                                 "(arn:aws:acm:REGION:ACCOUNT:certificate/ID); give the ARN under "
                                 "load_balancer.https.certificate_arn", ("load_balancer",))
            certs = [c for c in certs if c not in bad]
            if certs:
                out.setdefault("https", {})["certificate_arn"] = certs[0]
            if len(certs) > 1:
                ctx.untranslated(loc, path, "one certificate per load balancer is supported; the first is used; "
                                 "add the others with a domain alias (http.alias) per service",
                                 ("load_balancer", "https"))
        elif key == "ssl_policy":
            out.setdefault("https_policy", str(value))
        elif key == "access_logs":
            flag = as_bool(value)
            if flag is True:
                out["access_logs"] = True
            elif isinstance(value, dict):
                logs = {}
                if value.get("bucket_name"):
                    logs["bucket"] = str(value["bucket_name"])
                if value.get("prefix"):
                    logs["prefix"] = str(value["prefix"])
                out["access_logs"] = logs if logs.get("bucket") else True
        elif key == "ingress":
            ing = value if isinstance(value, dict) else {}
            if isinstance(ing.get("source_ips"), list):
                # Copilot accepts a bare address; a CIDR block names it as /32.
                out["allowed_cidrs"] = [str(c) if "/" in str(c) else f"{c}/32" for c in ing["source_ips"]]
            for k in ing:
                if k != "source_ips":
                    ctx.untranslated(loc, path + (k,), f"ingress.{k} is not supported "
                                     "(load_balancer.allowed_cidrs is)", ("load_balancer",))
        elif key == "security_groups":
            ctx.untranslated(loc, path, "extra load-balancer security groups are not supported",
                             ("load_balancer",))
        elif key == "subnets":
            ctx.untranslated(loc, path, "an internal load balancer uses every private subnet", ("load_balancer",))
        else:
            ctx.untranslated(loc, path, f"http.{side}.{key} has no equivalent", ("load_balancer",))
    policy = out.pop("https_policy", None)
    if policy and "https" in out:
        out["https"]["ssl_policy"] = policy
    elif policy:
        ctx.untranslated(loc, base + ("ssl_policy",), "an SSL policy without a certificate has no effect",
                         ("load_balancer",))
    return out


def _is_cidr(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.IPv4Network(text)
    except ValueError:
        return False
    return True
