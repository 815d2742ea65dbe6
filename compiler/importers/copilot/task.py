"""What every Copilot workload has: the task, its containers and its service settings.

Load Balanced Web, Backend and Worker Services become services; Scheduled Jobs become
jobs. Every key is either translated, or reported with what to do (never dropped
silently). Copilot's defaults that differ from ours in a way that changes behaviour
are written out explicitly and said.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from compiler.importers.copilot.count import CountSection
from compiler.importers.copilot.fields import as_int
from compiler.importers.copilot.image import ImageSection
from compiler.importers.copilot.network import NetworkSection
from compiler.importers.copilot.sidecars import SidecarsSection
from compiler.importers.copilot.storage import StorageSection
from compiler.importers.copilot.variables import VariablesSection
from compiler.importers.copilot.yamlread import as_bool
from compiler.importers.copilot.context import shown

SERVICE_TYPES = ("Load Balanced Web Service", "Backend Service", "Worker Service")
JOB_TYPE = "Scheduled Job"
NOT_FARGATE = {
    "Request-Driven Web Service": "an App Runner service, not a Fargate workload; keep it in App Runner "
                                  "or rewrite it as a Load Balanced Web Service",
    "Static Site": "an S3 + CloudFront site, not a Fargate workload; keep it where it is",
}

_RETENTION = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
              2192, 2557, 2922, 3288, 3653)


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
    source_ips: list | None = None  # http.allowed_source_ips as CIDR blocks, when given
    build: object = None            # image.build as written (a path or a mapping), for --images
    image_variable: str | None = None  # the ${VAR} the spec's image reads (image.build or no image)
    raw_name: str = ""                 # the manifest's own name (the import report's key)


class Translator(ImageSection, SidecarsSection, VariablesSection, StorageSection, NetworkSection, CountSection):
    """Shared by every workload type: the container, its task and its service settings.

    Each larger manifest section has a class in a module of its own (image, variables,
    storage, sidecars, network, count); the task's own keys (cpu, memory, platform, exec,
    logging...) are read here.
    """

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
            self.drop(("platform",), f"platform {shown(value)} is not supported: Linux on x86_64 or arm64 only")

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
