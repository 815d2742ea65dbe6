"""`storage` of a service or job: ephemeral space, volumes (EFS), sidecars' mount points."""

from __future__ import annotations

from typing import Any, Mapping

from compiler import model as m
from compiler.spec.normalize.postures import Posture


def ephemeral(gib: int | None) -> int | None:
    """Fargate gives every task 20 GiB; only more than that is set on the task definition."""
    return gib if gib is not None and gib > 20 else None


# The managed file system's access points: files are owned by this user and group
# unless the volume names its own; each (service, volume) gets its own directory.
DEFAULT_EFS_UID = 1000
DEFAULT_EFS_GID = 1000


def volumes(service: str, spec: Mapping[str, Any] | None, posture: Posture) -> tuple[m.Volume, ...]:
    return tuple(_volume(service, name, v or {}, posture) for name, v in sorted((spec or {}).items()))


def _volume(service: str, name: str, spec: Mapping[str, Any], posture: Posture) -> m.Volume:
    efs = spec.get("efs", False)
    if efs is True:
        efs = {}
    if efs is False:
        config = None
    elif efs.get("id") is None:
        config = m.Efs(None, efs.get("root_dir", f"/{service}/{name}"),
                       efs.get("uid", DEFAULT_EFS_UID), efs.get("gid", DEFAULT_EFS_GID), "root_dir" not in efs)
    else:
        # An existing file system's root by default; through an access point under
        # `security: strict`, the (service, volume)'s own directory (Security Hub EFS.3: an
        # access point enforces a root directory other than "/").
        own = posture.efs_own_directory and efs.get("uid") is not None
        config = m.Efs(efs["id"], efs.get("root_dir", f"/{service}/{name}" if own else "/"),
                       efs.get("uid"), efs.get("gid"), own and "root_dir" not in efs)
    # Copilot's default: a volume is read-only unless it says otherwise.
    return m.Volume(name, spec["path"], spec.get("read_only", True), config)


def mount_points(spec: Any) -> tuple[m.MountPoint, ...]:
    return tuple(m.MountPoint(p["source_volume"], p["path"], p.get("read_only", True))
                 for p in spec or ())
