"""image: where the image comes from, the main container's port and its health check."""

from __future__ import annotations

import re

from compiler.importers.copilot.fields import Fields, as_int

_CONTAINER_HC = {"interval": (5, 300), "timeout": (2, 60), "start_period": (0, 300)}


class ImageSection(Fields):
    """image -> image, port and healthcheck."""

    def image(self, allow_port: bool) -> None:
        self.done.add("image")
        img = self.m.get("image")
        missing = img is None
        if isinstance(img, str):
            img = {"location": img}
        if not isinstance(img, dict):
            if not missing:
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
            if "build" in img:
                self.builds = img["build"]
                self.ctx.untranslated(self.loc, ("image", "build"), "Copilot builds and pushes the image; here "
                                      "the image must already be in a registry: push it and give its URI, or "
                                      f"set {var} (--var {var}=URI or the environment) as the spec now does "
                                      "(import-copilot --images lists what to build)", self.base + ("image",))
            else:
                self.ctx.untranslated(self.loc, ("image",) if not missing else ("type",),
                                      "the manifest gives no image " + ("for this environment (only other "
                                      "environments' overrides do)" if missing else "location or build")
                                      + f": give its URI, or set {var} (--var {var}=URI or the environment) "
                                      "as the spec now does", self.base + ("image",))
            self.image_variable = var

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
