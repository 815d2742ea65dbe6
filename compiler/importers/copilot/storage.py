"""storage: ephemeral storage, a read-only root file system and volumes (task-local or EFS)."""

from __future__ import annotations

from compiler.importers.copilot.context import DEFAULT_CARRIED
from compiler.importers.copilot.fields import Fields, as_int
from compiler.importers.copilot.yamlread import as_bool


class StorageSection(Fields):
    """storage -> storage (ephemeral, readonly_fs, volumes)."""

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
                if isinstance(efs.get("id"), dict):
                    self.drop(path + ("efs", "id"), "a file system ID from another stack's output (from_cfn) "
                              "has no equivalent: the volume is not imported; add it with the file system's "
                              "ID (fs-...) as efs.id", where)
                    continue
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
            if spec.get("efs") is True or (isinstance(spec.get("efs"), dict) and "id" not in spec["efs"]):
                self.ctx.warn(DEFAULT_CARRIED, self.loc, path + ("efs",), "Copilot's managed file system (made "
                              "by the environment, an access point per service with its own directory and "
                              "owner) is not carried over: a new EFS file system is made here, with another "
                              "directory layout and owner (uid/gid); move the data into it (e.g. with AWS "
                              "DataSync) before switching, or give the existing file system's ID as efs.id",
                              self.base + where)
            elif efs is not None and flag is not False:
                self.bad(path + ("efs",), efs, "true, false or a mapping", where)
            # no efs (or efs: false): a task-local volume the containers share, as in Copilot
            for k in vol:
                if k not in ("path", "read_only", "efs"):
                    self.drop(path + (k,), f"volumes.{k} has no equivalent", where)
            out[name] = spec
        return out
