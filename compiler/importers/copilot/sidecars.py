"""sidecars: the containers beside the main one (image, port, environment, mount points)."""

from __future__ import annotations

from compiler.importers.copilot.fields import as_int, spec_name
from compiler.importers.copilot.variables import VariablesSection
from compiler.importers.copilot.yamlread import as_bool
from compiler.importers.copilot.context import shown


class SidecarsSection(VariablesSection):
    """sidecars -> sidecars (each with its own variables and secrets)."""

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
                    self.drop(p, f"sidecar key {shown(key)} has no equivalent", where)
            if "image" not in spec:
                self.drop(path, "a sidecar without an image location cannot be imported", where)
                continue
            out[cname] = {k: v for k, v in spec.items() if v != {}}
        if out:
            self.out["sidecars"] = out
