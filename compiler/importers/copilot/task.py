"""What every Copilot workload has: the task, its containers and its service settings.

Load Balanced Web, Backend and Worker Services become services; Scheduled Jobs become
jobs. Every key is either translated, or reported with what to do (never dropped
silently). Copilot's defaults that differ from ours in a way that changes behaviour
are written out explicitly and said.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from compiler.diagnostics import Locator
from compiler.importers.copilot import durations
from compiler.importers.copilot.context import RENAMED, Context
from compiler.importers.copilot.yamlread import as_bool

SERVICE_TYPES = ("Load Balanced Web Service", "Backend Service", "Worker Service")
JOB_TYPE = "Scheduled Job"
NOT_FARGATE = {
    "Request-Driven Web Service": "an App Runner service, not a Fargate workload; keep it in App Runner "
                                  "or rewrite it as a Load Balanced Web Service",
    "Static Site": "an S3 + CloudFront site, not a Fargate workload; keep it where it is",
}

_NAME = re.compile(r"^[a-z][a-z0-9-]{0,27}$")
_RETENTION = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
              2192, 2557, 2922, 3288, 3653)
_CONTAINER_HC = {"interval": (5, 300), "timeout": (2, 60), "start_period": (0, 300)}
_SECRET_REF = re.compile(r"^(arn:aws[a-z-]*:(secretsmanager|ssm):\S+|[A-Za-z0-9_.\-/]+)$")


@dataclass
class Workload:
    """What one manifest contributes to the spec."""

    kind: str                      # "services" or "jobs"
    name: str
    spec: dict
    needs_nat: bool = False        # private placement: Copilot's environment adds NAT gateways
    http: str | None = None        # "public" (Load Balanced Web) or "internal" (Backend) when routed
    aliases: list = field(default_factory=list)
    hosted_zones: list = field(default_factory=list)


def spec_name(raw: str, loc: Locator, path: tuple, ctx: Context, what: str) -> str:
    """A Copilot workload name made to fit ^[a-z][a-z0-9-]{0,27}$ (said when it changes)."""
    name = str(raw)
    if _NAME.match(name):
        return name
    fixed = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    if not fixed or not fixed[0].isalpha():
        fixed = "w-" + fixed
    fixed = fixed[:28].rstrip("-")
    ctx.warn(RENAMED, loc, path, f"{what} name {name!r} does not fit ^[a-z][a-z0-9-]{{0,27}}$: "
             f"imported as {fixed!r}")
    return fixed


class Translator:
    """Shared by every workload type: the container, its task and its service settings."""

    def __init__(self, data: dict, loc: Locator, ctx: Context, spec_path: tuple, app: str, env: str):
        self.m, self.loc, self.ctx, self.base, self.app, self.env = data, loc, ctx, spec_path, app, env
        self.out: dict = {}
        self.done: set[str] = {"name", "type"}

    # -- reporting helpers ------------------------------------------------------------
    def drop(self, path: tuple, why: str, where: tuple = ()) -> None:
        self.ctx.untranslated(self.loc, path, why, self.base + where)

    def bad(self, path: tuple, value, expected: str, where: tuple = ()) -> None:
        self.drop(path, f"{value!r} is not {expected}; set it by hand", where)

    # -- values -------------------------------------------------------------------------
    def text(self, value) -> str:
        """A Copilot string, with its predefined variables resolved to the imported names."""
        s = value if isinstance(value, str) else _scalar_text(value)
        return (s.replace("${COPILOT_APPLICATION_NAME}", self.app)
                 .replace("${COPILOT_ENVIRONMENT_NAME}", self.env))

    def seconds(self, path: tuple, value, where: tuple = ()) -> int | None:
        secs = durations.whole_seconds(value)
        if secs is None:
            self.bad(path, value, "a duration such as 10s or 1m30s", where)
        return secs

    def command(self, path: tuple, value, where: tuple = ()) -> list | None:
        if isinstance(value, list):
            return [self.text(v) for v in value]
        if isinstance(value, str):
            try:
                return shlex.split(self.text(value))
            except ValueError:
                self.bad(path, value, "a command line with balanced quotes", where)
                return None
        self.bad(path, value, "a string or a list of strings", where)
        return None

    def variables(self, path: tuple, value, where: tuple) -> dict:
        out = {}
        if not isinstance(value, dict):
            self.bad(path, value, "a mapping of names to values", where)
            return out
        for name, v in value.items():
            if isinstance(v, dict):
                self.drop(path + (name,), "a variable from another stack's output (from_cfn) has no "
                          "equivalent; give the value itself", where)
                continue
            out[name] = "" if v is None else self.text(v)
        return out

    def secrets(self, path: tuple, value, where: tuple) -> dict:
        out = {}
        if not isinstance(value, dict):
            self.bad(path, value, "a mapping of names to secrets", where)
            return out
        for name, v in value.items():
            if isinstance(v, dict) and "secretsmanager" in v:
                ref = self.text(v["secretsmanager"])
                if ref.startswith("arn:"):
                    out[name] = ref
                else:
                    self.drop(path + (name, "secretsmanager"),
                              f"a Secrets Manager secret given by name ({ref!r}) needs its full ARN here "
                              "(arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-SUFFIX); add it under secrets",
                              where)
                continue
            if isinstance(v, dict):
                self.drop(path + (name,), "a secret from another stack's output (from_cfn) has no "
                          "equivalent; give the SSM parameter name or the secret's ARN", where)
                continue
            ref = self.text(v)
            if _SECRET_REF.match(ref):
                out[name] = ref
            else:
                self.bad(path + (name,), ref, "an SSM parameter name or a secret ARN", where)
        return out

    # -- sections -------------------------------------------------------------------------
    def image(self, allow_port: bool) -> None:
        self.done.add("image")
        img = self.m.get("image")
        if isinstance(img, str):
            img = {"location": img}
        if not isinstance(img, dict):
            self.bad(("image",), img, "a mapping with location or build")
            img = {}
        for key, value in img.items():
            path = ("image", key)
            if key == "location":
                self.out["image"] = self.text(value)
            elif key == "build":
                continue
            elif key == "port" and allow_port:
                port = as_int(value)
                if port is None:
                    self.bad(path, value, "a port number")
                else:
                    self.out["port"] = port
            elif key == "healthcheck":
                self.container_healthcheck(value)
            elif key == "depends_on":
                self.drop(path, "container start order (depends_on) is not expressed in our spec; "
                          "sidecars start with the main container")
            elif key == "credentials":
                self.drop(path, "private registry credentials are not supported; mirror the image into ECR")
            elif key == "labels":
                self.drop(path, "Docker labels are not supported")
            else:
                self.drop(path, f"image.{key} has no equivalent in our spec")
        if "image" not in self.out:
            var = re.sub(r"[^A-Z0-9]+", "_", self.base[-1].upper()) + "_IMAGE"
            self.out["image"] = "${" + var + "}"
            where = ("image", "build") if "build" in img else ("image",)
            self.ctx.untranslated(self.loc, where, "Copilot builds and pushes the image; here the image must "
                                  f"already be in a registry: push it and give its URI, or set {var} "
                                  f"(--var {var}=URI or the environment) as the spec now does",
                                  self.base + ("image",))

    def container_healthcheck(self, hc) -> None:
        if not isinstance(hc, dict):
            self.bad(("image", "healthcheck"), hc, "a mapping")
            return
        out = {}
        for key, value in hc.items():
            path = ("image", "healthcheck", key)
            if key == "command":
                cmd = self.command(path, value, ("healthcheck",))
                if cmd is not None:
                    out["command"] = cmd
            elif key in ("interval", "timeout", "start_period"):
                secs = self.seconds(path, value, ("healthcheck",))
                low, high = _CONTAINER_HC[key]
                if secs is not None and not low <= secs <= high:
                    self.bad(path, value, f"{low}..{high} seconds (ECS's range)", ("healthcheck",))
                elif secs is not None:
                    out[key] = secs
            elif key == "retries":
                n = as_int(value)
                if n is None or not 1 <= n <= 10:
                    self.bad(path, value, "1..10 retries (ECS's range; its default 3 applies)", ("healthcheck",))
                else:
                    out["retries"] = n
            else:
                self.drop(path, f"healthcheck.{key} has no equivalent", ("healthcheck",))
        if "timeout" in out and out["timeout"] >= out.get("interval", 30):
            self.bad(("image", "healthcheck", "timeout"), hc["timeout"], "shorter than the interval (ECS "
                     "stops a check at the interval); the default timeout applies", ("healthcheck",))
            del out["timeout"]
        if "command" in out:
            self.out["healthcheck"] = out
        elif out:
            self.drop(("image", "healthcheck"), "a container health check without a command is ignored by ECS")

    def task(self) -> None:
        """cpu, memory, platform, exec, command, entrypoint, variables, secrets, storage, logging."""
        for key in ("cpu", "memory"):
            if key in self.m:
                self.done.add(key)
                n = as_int(self.m[key])
                if n is None:
                    self.bad((key,), self.m[key], "an integer")
                else:
                    self.out[key] = n
        if "platform" in self.m:
            self.done.add("platform")
            self.platform(self.m["platform"])
        if "exec" in self.m:
            self.done.add("exec")
            flag = as_bool(self.m["exec"])
            if flag is None:
                self.bad(("exec",), self.m["exec"], "true or false")
            elif flag:
                self.out["exec"] = True
        for key in ("command", "entrypoint"):
            if key in self.m:
                self.done.add(key)
                cmd = self.command((key,), self.m[key], (key,))
                if cmd is not None:
                    self.out[key] = cmd
        if "variables" in self.m:
            self.done.add("variables")
            found = self.variables(("variables",), self.m["variables"], ("variables",))
            if found:
                self.out["variables"] = found
        if "secrets" in self.m:
            self.done.add("secrets")
            found = self.secrets(("secrets",), self.m["secrets"], ("secrets",))
            if found:
                self.out["secrets"] = found
        if "env_file" in self.m:
            self.done.add("env_file")
            self.drop(("env_file",), "an env file in S3 is not supported; list the values under variables")
        if "storage" in self.m:
            self.done.add("storage")
            self.storage(self.m["storage"])
        if "logging" in self.m:
            self.done.add("logging")
            self.logging(self.m["logging"])
        if "sidecars" in self.m:
            self.done.add("sidecars")
            self.sidecars(self.m["sidecars"])
        if "taskdef_overrides" in self.m:
            self.done.add("taskdef_overrides")
            self.drop(("taskdef_overrides",), "raw task-definition overrides are not supported; "
                      "express each one with a spec key, or ask for the key you need")
        if "observability" in self.m:
            self.done.add("observability")
            self.drop(("observability",), "X-Ray tracing is not supported yet; Container Insights is always on")

    def platform(self, value) -> None:
        if isinstance(value, dict):
            os_family, arch = value.get("osfamily", "linux"), value.get("architecture", "x86_64")
            value = f"{os_family}/{arch}"
        value = str(value).lower()
        if value in ("linux/amd64", "linux/x86_64"):
            self.out["platform"] = "linux/x86_64"
        elif value in ("linux/arm64", "linux/arm"):
            self.out["platform"] = "linux/arm64"
        else:
            self.drop(("platform",), f"platform {value!r} is not supported: Linux on x86_64 or arm64 only")

    def storage(self, st) -> None:
        if not isinstance(st, dict):
            self.bad(("storage",), st, "a mapping")
            return
        out = {}
        for key, value in st.items():
            path = ("storage", key)
            if key == "ephemeral":
                n = as_int(value)
                if n is None:
                    self.bad(path, value, "GiB as an integer", ("storage",))
                else:
                    out["ephemeral"] = n
            elif key == "readonly_fs":
                flag = as_bool(value)
                if flag is None:
                    self.bad(path, value, "true or false", ("storage",))
                else:
                    out["readonly_fs"] = flag
            elif key == "volumes":
                vols = self.volumes(value)
                if vols:
                    out["volumes"] = vols
            else:
                self.drop(path, f"storage.{key} has no equivalent", ("storage",))
        if out:
            self.out["storage"] = out

    def volumes(self, value) -> dict:
        out = {}
        if not isinstance(value, dict):
            self.bad(("storage", "volumes"), value, "a mapping of volume names")
            return out
        for name, vol in value.items():
            path = ("storage", "volumes", name)
            where = ("storage", "volumes")
            if not isinstance(vol, dict):
                self.bad(path, vol, "a mapping", where)
                continue
            spec = {}
            if "path" in vol:
                spec["path"] = self.text(vol["path"])
            if as_bool(vol.get("read_only")) is not None:
                spec["read_only"] = as_bool(vol.get("read_only"))
            efs = vol.get("efs")
            flag = as_bool(efs)
            if flag is True:
                spec["efs"] = True
            elif isinstance(efs, dict):
                e = {}
                if "id" in efs:
                    e["id"] = self.text(efs["id"])
                if "root_dir" in efs:
                    e["root_dir"] = self.text(efs["root_dir"])
                for k in ("uid", "gid"):
                    if k in efs:
                        e[k] = as_int(efs[k])
                if isinstance(efs.get("auth"), dict):
                    auth = efs["auth"]
                    if auth.get("access_point_id"):
                        self.drop(path + ("efs", "auth", "access_point_id"), "an existing access point is not "
                                  "supported; the compiler makes one per service (set root_dir/uid/gid)", where)
                    if as_bool(auth.get("iam")) is False:
                        self.drop(path + ("efs", "auth", "iam"), "IAM authorization is always on here", where)
                spec["efs"] = e or True
            elif efs is not None and flag is not False:
                self.bad(path + ("efs",), efs, "true, false or a mapping", where)
            # no efs (or efs: false): a task-local volume the containers share, as in Copilot
            for k in vol:
                if k not in ("path", "read_only", "efs"):
                    self.drop(path + (k,), f"volumes.{k} has no equivalent", where)
            out[name] = spec
        return out

    def logging(self, lg) -> None:
        if not isinstance(lg, dict):
            self.bad(("logging",), lg, "a mapping")
            return
        for key, value in lg.items():
            path = ("logging", key)
            if key == "retention":
                n = as_int(value)
                if n in _RETENTION:
                    self.out.setdefault("logging", {})["retention_days"] = n
                else:
                    self.bad(path, value, "a CloudWatch Logs retention value", ("logging",))
            else:
                self.drop(path, "FireLens log routing is not supported; logs go to CloudWatch Logs",
                          ("logging",))

    def sidecars(self, value) -> None:
        if not isinstance(value, dict):
            self.bad(("sidecars",), value, "a mapping of container names")
            return
        out = {}
        for name, sc in value.items():
            path = ("sidecars", name)
            where = ("sidecars",)
            if not isinstance(sc, dict):
                self.bad(path, sc, "a mapping", where)
                continue
            cname = spec_name(name, self.loc, path, self.ctx, "sidecar")
            spec: dict = {}
            for key, v in sc.items():
                p = path + (key,)
                if key == "image":
                    img = v.get("location") if isinstance(v, dict) else v
                    if isinstance(img, str):
                        spec["image"] = self.text(img)
                    else:
                        self.drop(p, "a sidecar image must be a registry URI (build is not supported)", where)
                elif key == "port":
                    port = as_int(str(v).split("/")[0])
                    if port is None:
                        self.bad(p, v, "a port such as 9000 or 9000/tcp", where)
                    else:
                        spec["port"] = port
                        if "/" in str(v) and not str(v).lower().endswith("/tcp"):
                            self.drop(p, "only TCP ports are supported", where)
                elif key == "essential":
                    flag = as_bool(v)
                    if flag is not None:
                        spec["essential"] = flag
                elif key == "variables":
                    spec["variables"] = self.variables(p, v, where)
                elif key == "secrets":
                    spec["secrets"] = self.secrets(p, v, where)
                elif key in ("command", "entrypoint"):
                    cmd = self.command(p, v, where)
                    if cmd is not None:
                        spec[key] = cmd
                elif key == "mount_points":
                    mps = []
                    for i, mp in enumerate(v if isinstance(v, list) else []):
                        if isinstance(mp, dict) and "source_volume" in mp and "path" in mp:
                            item = {"source_volume": str(mp["source_volume"]), "path": self.text(mp["path"])}
                            if as_bool(mp.get("read_only")) is not None:
                                item["read_only"] = as_bool(mp.get("read_only"))
                            mps.append(item)
                        else:
                            self.bad(p + (i,), mp, "a mount point with source_volume and path", where)
                    if mps:
                        spec["mount_points"] = mps
                elif key in ("depends_on", "credentialsParameter", "labels", "healthcheck"):
                    self.drop(p, f"sidecar {key} is not supported", where)
                else:
                    self.drop(p, f"sidecar key {key!r} has no equivalent", where)
            if "image" not in spec:
                self.drop(path, "a sidecar without an image location cannot be imported", where)
                continue
            out[cname] = {k: v for k, v in spec.items() if v != {}}
        if out:
            self.out["sidecars"] = out

    def placement(self) -> bool:
        """network.vpc.placement -> placement; True when tasks are private (NAT needed)."""
        net = self.m.get("network")
        self.done.add("network")
        placement = None
        if isinstance(net, dict):
            for key, value in net.items():
                if key == "vpc" and isinstance(value, dict):
                    for k, v in value.items():
                        if k == "placement":
                            if v in ("public", "private"):
                                placement = v
                            elif isinstance(v, dict) and "subnets" in v:
                                self.drop(("network", "vpc", "placement", "subnets"), "placement in chosen "
                                          "subnets is not supported; tasks use every private subnet",
                                          ("placement",))
                                placement = "private"
                            else:
                                self.bad(("network", "vpc", "placement"), v, "public or private", ("placement",))
                        elif k == "security_groups":
                            self.drop(("network", "vpc", "security_groups"), "extra security groups on tasks "
                                      "are not supported; the compiler manages the task security group")
                        else:
                            self.drop(("network", "vpc", k), f"network.vpc.{k} has no equivalent")
                elif key == "connect":
                    self.connect(value)
                else:
                    self.drop(("network", key), f"network.{key} has no equivalent")
        if placement is None:
            self.out["placement"] = "public"
            self.ctx.carried(self.loc, ("network",) if "network" in self.m else ("type",),
                             "tasks without network.vpc.placement run in public subnets with a public IP "
                             "(ours default to private); placement: public keeps that, still reachable "
                             "only from the load balancer", self.base + ("placement",))
            return False
        self.out["placement"] = placement
        return placement == "private"

    def connect(self, value) -> None:
        flag = as_bool(value)
        if flag is True:
            self.out["connect"] = True
        elif flag is False:
            return
        elif isinstance(value, dict):
            alias = value.get("alias")
            if as_bool(value.get("enabled")) is False:
                return
            self.out["connect"] = {"alias": str(alias)} if alias else True
        else:
            self.bad(("network", "connect"), value, "true, false or {alias: name}", ("connect",))

    def count(self, allow_requests: bool) -> None:
        if "count" not in self.m:
            return
        self.done.add("count")
        value = self.m["count"]
        n = as_int(value)
        if n is not None:
            self.out["count"] = n
            return
        if not isinstance(value, dict):
            self.bad(("count",), value, "a number or an autoscaling mapping", ("count",))
            return
        out: dict = {}
        for key, v in value.items():
            path = ("count", key)
            if key == "range":
                if isinstance(v, dict):
                    lo, hi = as_int(v.get("min")), as_int(v.get("max"))
                    if "spot_from" in v:
                        self.spot_from(path + ("spot_from",))
                else:
                    m = re.match(r"^\s*(\d+)\s*-\s*(\d+)\s*$", str(v))
                    lo, hi = (int(m.group(1)), int(m.group(2))) if m else (None, None)
                if lo is None or hi is None:
                    self.bad(path, v, "a range such as 1-10", ("count",))
                else:
                    out["range"] = f"{lo}-{hi}"
            elif key in ("cpu_percentage", "memory_percentage", "requests"):
                target = v.get("value") if isinstance(v, dict) else v
                if isinstance(v, dict) and "cooldown" in v:
                    self.drop(path + ("cooldown",), "per-metric cooldowns are not supported", ("count",))
                n = as_int(target)
                if n is None:
                    self.bad(path, v, "an integer", ("count",))
                elif key == "requests" and not allow_requests:
                    self.drop(path, "request-count scaling needs the service behind the load balancer",
                              ("count",))
                else:
                    out[key] = n
            elif key == "queue_delay":
                qd = {}
                if isinstance(v, dict):
                    for k in ("acceptable_latency", "msg_processing_time"):
                        if k in v:
                            secs = durations.seconds(v[k])
                            if secs is None:
                                self.bad(path + (k,), v[k], "a duration", ("count",))
                            else:
                                qd[k] = _duration_text(v[k])
                if qd:
                    out["queue_delay"] = qd
            elif key == "spot":
                n = as_int(v)
                if n is not None:
                    self.out["spot"] = True
                    self.out["count"] = n
                    self.ctx.comment(self.base + ("spot",), "from count.spot: every task runs on Fargate Spot")
                    return
            elif key == "spot_from":
                self.spot_from(path)
            elif key == "response_time":
                self.drop(path, "response-time scaling is not supported; use requests or cpu_percentage",
                          ("count",))
            elif key == "cooldown":
                self.drop(path, "scaling cooldowns are not supported (AWS defaults apply)", ("count",))
            else:
                self.drop(path, f"count.{key} has no equivalent", ("count",))
        if "range" in out and len(out) > 1:
            self.out["count"] = out
        elif "range" in out:
            lo = int(out["range"].split("-")[0])
            self.drop(("count",), "a range without a scaling metric does not scale; imported as the "
                      "minimum count", ("count",))
            self.out["count"] = lo
        elif out:
            self.drop(("count",), "scaling targets without a range cannot be imported", ("count",))

    def spot_from(self, path: tuple) -> None:
        self.drop(path, "a mix of on-demand and Spot tasks is not supported; set spot: true for all-Spot",
                  ("spot",))

    def deployment(self) -> None:
        if "deployment" not in self.m:
            return
        self.done.add("deployment")
        dep = self.m["deployment"]
        if not isinstance(dep, dict):
            self.bad(("deployment",), dep, "a mapping", ("deployment",))
            return
        for key, value in dep.items():
            if key == "rolling":
                if value == "recreate":
                    self.out["deployment"] = {"min_healthy_percent": 0, "max_percent": 100}
                    self.ctx.comment(self.base + ("deployment",), "rolling: recreate stops old tasks first")
                elif value != "default":
                    self.bad(("deployment", key), value, "default or recreate", ("deployment",))
            else:
                self.drop(("deployment", key), "rollback alarms are not supported; the circuit breaker "
                          "rolls back failed deployments", ("deployment",))

    def rest(self, known_elsewhere: tuple = ()) -> None:
        """Report every top-level key nobody handled."""
        for key in self.m:
            if key not in self.done and key not in known_elsewhere:
                self.drop((key,), f"{key} has no equivalent in our spec")


_ORDER = ("image", "port", "cpu", "memory", "platform", "count", "spot", "placement", "schedule", "retries",
          "timeout", "http", "connect", "discovery", "publish", "subscribe", "command", "entrypoint",
          "variables", "secrets", "sidecars", "healthcheck", "storage", "logging", "exec", "deployment")


def order(spec: dict) -> None:
    items = sorted(spec.items(), key=lambda kv: _ORDER.index(kv[0]) if kv[0] in _ORDER else len(_ORDER))
    spec.clear()
    spec.update(items)


def as_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.match(r"^\s*\d{1,9}\s*$", value):
        return int(value)
    return None


def _scalar_text(value) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


def _duration_text(value) -> str:
    return value if isinstance(value, str) else f"{value}s"
