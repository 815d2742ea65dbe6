"""count and deployment: how many tasks run (a number, autoscaling or Spot) and how they
are replaced."""

from __future__ import annotations

import re

from compiler.importers.copilot import durations
from compiler.importers.copilot.fields import Fields, as_int


class CountSection(Fields):
    """count -> count (or spot); deployment -> deployment."""

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

    def deployment(self, routed: bool = False) -> None:
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
                    self.out.setdefault("deployment", {}).update({"min_healthy_percent": 0, "max_percent": 100})
                    self.ctx.comment(self.base + ("deployment",), "rolling: recreate stops old tasks first")
                elif value != "default":
                    self.bad(("deployment", key), value, "default or recreate", ("deployment",))
            elif key == "rollback_alarms":
                self.rollback_alarms(value, routed)
            else:
                self.drop(("deployment", key), f"deployment.{key} has no equivalent", ("deployment",))

    def rollback_alarms(self, value, routed: bool) -> None:
        """Copilot's rollback_alarms: existing alarm names carry over (deployment.alarms); its
        CPU/memory/queue thresholds have no equivalent: a routed service gets the compiler's
        alarms (target 5xx rate, p99 response time, unhealthy targets) instead."""
        path = ("deployment", "rollback_alarms")
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            self.out.setdefault("deployment", {})["alarms"] = [self.text(v) for v in value]
            return
        if not isinstance(value, dict):
            self.bad(path, value, "a list of alarm names or a mapping of thresholds", ("deployment",))
            return
        thresholds = ", ".join(f"{k} {v}" for k, v in value.items())
        if routed:
            self.out.setdefault("deployment", {})["alarms"] = True
            self.ctx.comment(self.base + ("deployment", "alarms"),
                             f"from rollback_alarms ({thresholds}): the compiler's alarms on 5xx rate, p99 "
                             "response time and unhealthy targets roll a deployment back instead")
        else:
            self.drop(path, f"alarms on {thresholds} are not made by the compiler; name existing alarms "
                      "in deployment.alarms", ("deployment",))


def _duration_text(value) -> str:
    return value if isinstance(value, str) else f"{value}s"
