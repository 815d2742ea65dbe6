"""A Copilot workspace -> one spec of ours (data, comments, located diagnostics).

    copilot/.workspace                       application: NAME
    copilot/<workload>/manifest.yml          services and jobs
    copilot/environments/<env>/manifest.yml  the network and load balancer

With an environment chosen, each workload's `environments.<env>` override is applied
(the spec describes that environment, the way `copilot deploy --env` does), and the
environment's manifest becomes the spec's network and load balancer.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from compiler.diagnostics import ERROR, Diagnostic, Locator
from compiler.importers.copilot import environment, job, overrides, routes, service, task
from compiler.importers.copilot.context import (
    DEFAULT_CARRIED,
    SKIPPED,
    UNREADABLE,
    UNTRANSLATED,
    Context,
    shown,
)
from compiler.importers.copilot.fields import spec_name
from compiler.importers.copilot.yamlread import Unreadable, read

_ENV_NAME = re.compile(r"^[a-z][a-z0-9-]{0,19}$")


class WorkspaceError(Exception):
    """The workspace cannot be read: .args[0] is a list of Diagnostics (exit 1)."""


class UsageError(Exception):
    """The command cannot choose what to import (exit 2): the message says why."""


@dataclass
class Imported:
    spec: dict
    comments: dict
    diagnostics: list[Diagnostic]
    env: str
    # workload name -> "complete" | "partial" | "refused", for the import report
    outcome: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    # per image Copilot built: {"workload", "variable", "manifest", "build"} (import-copilot --images)
    builds: list = field(default_factory=list)


def find_copilot_dir(root: str) -> Path:
    path = Path(root)
    if (path / "copilot").is_dir():
        return path / "copilot"
    if path.name == "copilot" or (path / ".workspace").is_file():
        return path
    raise UsageError(f"{root}: no copilot/ directory here (give the directory that holds copilot/, "
                     "or copilot/ itself)")


def environment_names(root: str) -> list[str]:
    """Every environment of the workspace: its environment manifests; without any, the
    environments the workloads' overrides name (Copilot's default `dev` when none do)."""
    cdir = find_copilot_dir(root)
    manifests = _manifests(cdir)
    envs = sorted(p.parent.name for p in manifests if p.parent.parent.name == "environments")
    if envs:
        return envs
    named = set()
    for path in manifests:
        try:
            data, _ = read(str(path), _shown(path))
        except Unreadable:
            continue   # said by import_workspace
        if isinstance(data, dict) and isinstance(data.get("environments"), dict):
            named.update(str(k) for k in data["environments"])
    return sorted(named) or ["dev"]


def import_workspace(root: str, env: str | None = None) -> Imported:
    cdir = find_copilot_dir(root)
    ctx = Context()
    app, ws_loc = _app_name(cdir, ctx)
    manifests = _manifests(cdir)
    env_files = {p.parent.name: p for p in manifests if p.parent.parent.name == "environments"}
    work_files = [p for p in manifests if p.parent.parent.name != "environments"]
    if not work_files:
        raise WorkspaceError([Diagnostic(str(cdir), 1, 1, UNREADABLE, "<root>",
                                         "no workload manifests (copilot/<name>/manifest.yml) in the workspace")])
    env_name = _choose_env(env, env_files)
    problems: list[Diagnostic] = []
    loaded = []
    for path in sorted(work_files, key=lambda p: p.parent.name):
        try:
            data, loc = read(str(path), _shown(path))
        except Unreadable as exc:
            problems.append(exc.args[0])
            continue
        loaded.append((path, data, loc))
    env_data, env_loc = None, None
    if env_name in env_files:
        try:
            env_data, env_loc = read(str(env_files[env_name]), _shown(env_files[env_name]))
        except Unreadable as exc:
            problems.append(exc.args[0])
    if problems:
        raise WorkspaceError(problems)
    return _translate(app, env_name, env_data, env_loc, loaded, ctx, ws_loc)


def _translate(app, env_name, env_data, env_loc, loaded, ctx, ws_loc) -> Imported:
    spec_env = env_name
    if not _ENV_NAME.match(spec_env):
        spec_env = re.sub(r"[^a-z0-9-]+", "-", spec_env.lower()).strip("-")[:20] or "dev"
        if not spec_env[0].isalpha():
            spec_env = ("e-" + spec_env)[:20]
    spec: dict = {"app": app, "environment": spec_env}
    envi = environment.translate(env_data, env_loc, ctx)
    result = Imported(spec, ctx.comments, ctx.diagnostics, env_name)
    services, jobs = {}, {}
    works = []
    for path, data, loc in loaded:
        before = len(ctx.diagnostics)
        if not isinstance(data, dict):
            ctx.diagnostics.append(Diagnostic(loc.file, 1, 1, UNREADABLE, "<root>",
                                              "the manifest is not a mapping", severity="warning"))
            result.outcome[path.parent.name] = "refused"
            continue
        kind = str(data.get("type", ""))
        raw_name = data.get("name") or path.parent.name
        result.types[str(raw_name)] = kind
        data, loc = overrides.apply(data, loc, env_name)
        if kind in task.NOT_FARGATE:
            ctx.warn(SKIPPED, loc, ("type",), f"{kind} is {task.NOT_FARGATE[kind]}; not imported")
            result.outcome[str(raw_name)] = "refused"
            continue
        if kind not in task.SERVICE_TYPES and kind != task.JOB_TYPE:
            ctx.warn(SKIPPED, loc, ("type",), f"unknown workload type {shown(kind)}; not imported")
            result.outcome[str(raw_name)] = "refused"
            continue
        name = spec_name(raw_name, loc, ("name",), ctx, "workload")
        if kind == task.JOB_TYPE:
            w = job.job(name, data, loc, ctx, app, spec_env)
            jobs[name] = w.spec
        else:
            w = service.service(kind, name, data, loc, ctx, app, spec_env)
            services[name] = w.spec
        w.raw_name = str(raw_name)
        works.append((w, loc))
        if w.build is not None:
            result.builds.append({"workload": name, "variable": w.image_variable, "manifest": loc.file,
                                  "build": w.build})
        partial = any(d.code == UNTRANSLATED for d in ctx.diagnostics[before:])
        result.outcome[str(raw_name)] = "partial" if partial else "complete"
    for w in _outside_publishers(works, ctx):
        result.outcome[w.raw_name] = "partial"
    _route_source_ips(works, envi)
    network = dict(envi.network)
    here = env_loc if env_loc is not None else ws_loc
    if not envi.imported_vpc:
        private = [(w, loc) for w, loc in works if w.needs_nat]
        network["nat"] = "per_az" if private else "none"
        ctx.comment(("network", "nat"), "Copilot adds a NAT gateway per zone when a workload runs in private "
                    "subnets" if private else "every workload is in public subnets: no NAT gateway needed")
        if private:
            w, loc = private[0]
            ctx.warn(DEFAULT_CARRIED, loc, ("network", "vpc", "placement"), f"{w.name} runs in private "
                     "subnets: Copilot's environment has a NAT gateway per zone (ours: one), so the spec "
                     "sets network.nat: per_az")
    if network.get("flow_logs") is False and not envi.imported_vpc and not envi.flow_logs_given:
        ctx.warn(DEFAULT_CARRIED, here, ("network",) if env_loc is not None else ("application",),
                 "Copilot's environment has no VPC flow logs (ours: on); the spec keeps them off "
                 "(network.flow_logs: false): set flow_logs: {} to turn them on")
    _order_network(network)
    spec["network"] = network
    lb = _load_balancer(works, envi, ctx)
    if lb is not None:
        spec[lb[0]] = lb[1]
    spec["discovery"] = {"namespace": f"{spec_env}.{app}.local"}
    ctx.comment(("discovery", "namespace"), "Copilot's namespace, so services keep their DNS names "
                "(<service>.<env>.<app>.local)")
    ctx.warn(DEFAULT_CARRIED, ws_loc, ("application",), f"Copilot's Cloud Map namespace is "
             f"<env>.<app>.local (ours: <app>.<env>.local); the spec sets discovery.namespace: "
             f"{spec_env}.{app}.local so services keep their DNS names")
    spec["copilot_variables"] = True
    ctx.comment(("copilot_variables",), "every task gets Copilot's variables (COPILOT_APPLICATION_NAME, "
                "COPILOT_ENVIRONMENT_NAME, COPILOT_SERVICE_NAME, COPILOT_SERVICE_DISCOVERY_ENDPOINT, "
                "COPILOT_LB_DNS, COPILOT_SNS_TOPIC_ARNS, COPILOT_QUEUE_URI, COPILOT_MOUNT_POINTS) "
                "beside ours (FC_SNS_TOPIC_ARNS, FC_QUEUE_URL)")
    if not services and not jobs:
        raise WorkspaceError(ctx.diagnostics + [Diagnostic(
            str(loaded[0][0].parent.parent), 1, 1, UNREADABLE, "<root>",
            "no workload here is a Fargate service or job (Load Balanced Web, Backend, Worker "
            "Service or Scheduled Job): there is nothing to import")])
    spec["services"] = services
    if jobs:
        spec["jobs"] = jobs
    if not services:
        spec.pop("services")
    return result


def _load_balancer(works, envi, ctx) -> tuple[str, dict] | None:
    """("load_balancer", settings) for one ALB; ("load_balancers", {public, internal}) when Load
    Balanced Web Services and Backend Services each have Copilot's load balancer, as Copilot
    runs them: a public ALB and an internal one, each service on its own."""
    public = [(w, loc) for w, loc in works if w.http == "public"]
    internal = [(w, loc) for w, loc in works if w.http == "internal"]
    if not public and not internal:
        return None
    if public and internal:
        albs = {"public": _settings(dict(envi.public_lb), public, ctx),
                "internal": _settings({**envi.private_lb, "public": False}, internal, ctx)}
        for name, routed in (("public", public), ("internal", internal)):
            for w, _ in routed:
                if "http" in w.spec:
                    w.spec["http"]["load_balancer"] = name
        return "load_balancers", albs
    lb = dict(envi.public_lb if public else envi.private_lb)
    if not public:
        lb["public"] = False
    return "load_balancer", _settings(lb, public or internal, ctx)


def _settings(lb: dict, routed, ctx) -> dict:
    """One ALB's settings, given the services it routes to."""
    ips = [w.source_ips for w, _ in routed]
    if ips and ips[0] is not None and all(i == ips[0] for i in ips):
        lb["allowed_cidrs"] = _narrowest(ips[0], lb.get("allowed_cidrs"))
    for w, loc in routed:
        http = w.spec.get("http", {})
        routes.version_without_https(ctx, w.name, http, lb)
        if "alias" in http and "hosted_zone" not in http and "https" not in lb:
            names = http.pop("alias")
            names = names if isinstance(names, list) else [names]
            http["hosts"] = names
            ctx.comment(("services", w.name, "http", "hosts"), "the alias became a host rule: add hosted_zone "
                        "(and alias) to make the DNS record and certificate here")
            _warn_alias(ctx, w)
            ctx.warn(UNTRANSLATED, loc, ("http", "alias"), "an alias without a hosted zone, and no certificate "
                     "on the load balancer: Copilot served it over HTTPS with the application's domain, which "
                     "no manifest records; here it becomes a host rule on plain HTTP (HTTPS lost, no DNS "
                     "record): add http.hosted_zone (and keep alias) to get the record and certificate back")
    ordered = {k: lb[k] for k in ("public", "allowed_cidrs", "https", "access_logs") if k in lb}
    ordered.update({k: v for k, v in lb.items() if k not in ordered})
    return ordered


def _outside_publishers(works, ctx) -> list:
    """A subscription to a service the workspace does not hold (Copilot apps can span several
    workspaces): said where it is written; the compile refuses it until the publisher is added."""
    published = {w.name: {t["name"] for t in w.spec.get("publish", {}).get("topics", [])} for w, _ in works}
    found = []
    for w, loc in works:
        for i, topic in enumerate(w.spec.get("subscribe", {}).get("topics", [])):
            if topic["name"] not in published.get(topic["service"], ()):
                ctx.warn(UNTRANSLATED, loc, ("subscribe", "topics", i), f"topic {shown(topic['name'])} of "
                         f"service {shown(topic['service'])} is not published by a workload of this workspace: "
                         "import the publisher's manifest with this one (copy its copilot/<name>/ folder "
                         "here), or the compile refuses the subscription", ("services", w.name, "subscribe"))
                found.append(w)
    return found


def _route_source_ips(works, envi) -> None:
    """http.allowed_source_ips: Copilot's listener rule source-ip conditions. Where every routed
    service allows the same sources (inside the environment's ingress, or holding it), the load
    balancer's allowed_cidrs say it for all of them (_load_balancer); otherwise each service's
    route takes them as `source_ips`, the same rule condition Copilot made."""
    public = [(w, loc) for w, loc in works if w.http == "public"]
    routed = public or [(w, loc) for w, loc in works if w.http == "internal"]
    given = [(w, loc) for w, loc in routed if w.source_ips is not None]
    if not given:
        return
    lists = {None if w.source_ips is None else tuple(w.source_ips) for w, _ in routed}
    env_cidrs = (envi.public_lb if public else envi.private_lb).get("allowed_cidrs")
    if len(lists) == 1 and len(given) == len(routed) and _narrowest(given[0][0].source_ips, env_cidrs) is not None:
        return
    for w, _ in given:
        w.spec.setdefault("http", {})["source_ips"] = list(w.source_ips)
        w.source_ips = None      # on the route: not the load balancer's allowed_cidrs


def _narrowest(service_cidrs: list, env_cidrs: list | None) -> list | None:
    """The CIDRs that admit exactly what both lists admit, when one list lies inside the other."""
    import ipaddress

    if not env_cidrs:
        return list(service_cidrs)
    try:
        svc = [ipaddress.ip_network(c, strict=False) for c in service_cidrs]
        env = [ipaddress.ip_network(c, strict=False) for c in env_cidrs]
    except ValueError:
        return None

    def inside(a, b):
        return all(any(x.version == y.version and x.subnet_of(y) for y in b) for x in a)

    if inside(svc, env):
        return list(service_cidrs)
    if inside(env, svc):
        return list(env_cidrs)
    return None


def _warn_alias(ctx: Context, w) -> None:
    ctx.comment(("services", w.name, "http"), "Copilot took the hosted zone from the application's domain "
                "(copilot app init --domain), which no manifest records")


def _order_network(network: dict) -> None:
    items = sorted(network.items(), key=lambda kv: ("vpc", "nat", "endpoints", "flow_logs").index(kv[0])
                   if kv[0] in ("vpc", "nat", "endpoints", "flow_logs") else 9)
    network.clear()
    network.update(items)


def _app_name(cdir: Path, ctx: Context) -> tuple[str, Locator]:
    ws = cdir / ".workspace"
    raw = None
    loc = Locator(_shown(ws))
    if ws.is_file():
        try:
            data, loc = read(str(ws), _shown(ws))
        except Unreadable as exc:
            raise WorkspaceError([exc.args[0]]) from None
        if isinstance(data, dict) and data.get("application"):
            raw = str(data["application"])
    if raw is None:
        raise WorkspaceError([Diagnostic(_shown(ws), 1, 1, UNREADABLE, "application",
                                         "copilot/.workspace must name the application (application: NAME)")])
    if re.match(r"^[a-z][a-z0-9-]{0,19}$", raw):
        return raw, loc
    fixed = re.sub(r"[^a-z0-9-]+", "-", raw.lower()).strip("-")[:20].rstrip("-") or "app"
    if not fixed[0].isalpha():
        fixed = ("a-" + fixed)[:20]
    ctx.diagnostics.append(loc.error("FC504", ("application",), f"application name {shown(raw)} "
                           f"does not fit ^[a-z][a-z0-9-]{{0,19}}$: imported as {shown(fixed)}", severity="warning"))
    return fixed, loc


def _manifests(cdir: Path) -> list[Path]:
    found = []
    for sub in sorted(cdir.iterdir()):
        if not sub.is_dir() or sub.name.startswith("."):
            continue
        if sub.name == "environments":
            found += sorted(p / "manifest.yml" for p in sub.iterdir() if (p / "manifest.yml").is_file())
        elif sub.name != "pipelines" and (sub / "manifest.yml").is_file():
            found.append(sub / "manifest.yml")
    return found


def _choose_env(env: str | None, env_files: dict) -> str:
    if env is not None:
        if env_files and env not in env_files:
            raise UsageError(f"no environment {shown(env)} in the workspace; it has: {', '.join(sorted(env_files))}")
        return env
    if len(env_files) == 1:
        return next(iter(env_files))
    if len(env_files) > 1:
        raise UsageError(f"the workspace has several environments ({', '.join(sorted(env_files))}): "
                         "choose one with --env")
    return "dev"


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def has_errors(diags) -> bool:
    return any(d.severity == ERROR for d in diags)
