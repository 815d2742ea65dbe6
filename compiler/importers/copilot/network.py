"""network: the tasks' placement (public or private subnets) and Service Connect."""

from __future__ import annotations

from compiler.importers.copilot.fields import Fields
from compiler.importers.copilot.yamlread import as_bool


class NetworkSection(Fields):
    """network -> placement and connect."""

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
