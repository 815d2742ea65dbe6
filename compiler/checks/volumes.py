"""FC240: volumes and mount points: paths, uid/gid pairs, known volumes, distinct IDs."""

# Checked before anything is built (the schema has checked shapes: absolute paths,
# file system IDs, volume names):
#
# - a mount path is not "/" and has no "." or ".." segment;
# - no container mounts two volumes at one path;
# - `uid` and `gid` go together (an access point needs both);
# - a sidecar's `source_volume` is one of the service's volumes;
# - at most MAX_ACCESS_POINTS volumes of a service use an access point (each is
#   a resource in the services stack, whose 30 services must stay under
#   CloudFormation's 500 resources: tests/test_stack_services.py builds 30 worst
#   cases with this many);
# - two volumes of a service differ in more than '-' and '_' (their names become
#   one IAM statement ID and access point logical ID each), and no two services'
#   access points share a logical ID (service "web-data" with volume "x" and service
#   "web" with volume "data-x" would both be WebDataXAccessPoint).


from __future__ import annotations

import difflib

from compiler.checks._util import given, pascal_clashes, quoted, svc
from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App, Service
from compiler.stacks.storage import access_point_id

CODE = "FC240"
MAX_ACCESS_POINTS = 2


def path_problem(path: str) -> str:
    if path.rstrip("/") == "":
        return "mounts over the container's root directory; choose a directory such as /data"
    if any(part in (".", "..") for part in path.split("/")):
        return "has a '.' or '..' segment; write the directory it means"
    return ""


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    access_points: dict[str, str] = {}
    for s in app.services:
        found += _main(s, data, locator)
        found += _sidecars(s, locator)
        with_access_point = [v for v in s.efs_volumes if v.efs.access_point]
        if len(with_access_point) > MAX_ACCESS_POINTS:
            found.append(locator.error(
                CODE, svc(s.name, "storage", "volumes", with_access_point[MAX_ACCESS_POINTS].name),
                f"service {s.name} has {len(with_access_point)} EFS volumes with access points; "
                f"at most {MAX_ACCESS_POINTS} fit the services stack's resource budget",
                hint="mount one volume and use subdirectories of it, or an existing file system "
                     "without uid/gid (no access point)", key=True))
        for v in s.efs_volumes:
            if not v.efs.access_point:
                continue
            logical = access_point_id(s, v)
            where = f"volume {v.name} of service {s.name}"
            if logical in access_points:
                found.append(locator.error(
                    CODE, svc(s.name, "storage", "volumes", v.name),
                    f"{access_points[logical]} and {where} both become the access point "
                    f"'{logical}'; rename one", key=True))
            else:
                access_points[logical] = where
    return found


def _volume_path(name: str, volume: str) -> tuple:
    return svc(name, "storage", "volumes", volume)


def _main(s: Service, data: dict, locator: Locator) -> list[Diagnostic]:
    found = []
    paths: dict[str, str] = {}
    for v in s.storage.volumes:
        where = _volume_path(s.name, v.name)
        problem = path_problem(v.path)
        if problem:
            found.append(locator.error(CODE, where + ("path",), f"path '{v.path}' {problem}"))
        if v.path in paths:
            found.append(locator.error(
                CODE, where + ("path",),
                f"volumes {paths[v.path]} and {v.name} are both mounted at {v.path} in the "
                f"main container"))
        paths.setdefault(v.path, v.name)
        for one, other in (("uid", "gid"), ("gid", "uid")):
            if given(data, *where, "efs", one) and not given(data, *where, "efs", other):
                found.append(locator.error(
                    CODE, where + ("efs", one),
                    f"{one} without {other}: the access point runs every file operation as "
                    f"one user and group; give both"))
    for earlier, name, _ in pascal_clashes(v.name for v in s.storage.volumes):
        found.append(locator.error(
            CODE, _volume_path(s.name, name),
            f"volumes {earlier} and {name} differ only in '-' or '_'; their resource "
            f"names would collide", key=True))
    return found


def _sidecars(s: Service, locator: Locator) -> list[Diagnostic]:
    found = []
    names = [v.name for v in s.storage.volumes]
    for sidecar in s.sidecars:
        seen: set[str] = set()
        for index, mount in enumerate(sidecar.mount_points):
            where = svc(s.name, "sidecars", sidecar.name, "mount_points", index)
            if mount.source_volume not in names:
                close = difflib.get_close_matches(mount.source_volume, names, n=1)
                hint = (f"did you mean '{close[0]}'?" if close else
                        f"the service's volumes: {quoted(names)}" if names else
                        "declare it under storage.volumes")
                found.append(locator.error(
                    CODE, where + ("source_volume",),
                    f"sidecar {sidecar.name} mounts volume '{mount.source_volume}', which "
                    f"service {s.name} does not have", hint=hint))
            problem = path_problem(mount.path)
            if problem:
                found.append(locator.error(CODE, where + ("path",), f"path '{mount.path}' {problem}"))
            if mount.path in seen:
                found.append(locator.error(
                    CODE, where + ("path",),
                    f"sidecar {sidecar.name} mounts two volumes at {mount.path}"))
            seen.add(mount.path)
    return found
