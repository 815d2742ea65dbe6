"""What each job's resources are called, stable across updates; volume directories that
follow a workload's identity; what each workload's access points were created with.

A job's resources (log group, roles, task definition, task security group, state machine,
schedule rule; stacks/jobs.py) have logical IDs that start with its `key`, and its state
machine, schedule rule and task security group are named after its `identity`. Both are
the job's PascalCase name and name when it is first placed, then kept by the lock
(`jobs: {name: {key, identity, access_points}}` in the record). `renamed_from: OLD` hands OLD's key and
identity to the renamed job, so the update modifies every one of those resources in place:
no second schedule, no new log group.

A record written before jobs were recorded lists none: every job then keeps the key it
always had (its PascalCase name), and `renamed_from: OLD` is taken on trust (OLD's key was
pascal(OLD)); checks/identity.py says so.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from compiler import model as m
from compiler.state.naming import pascal


def _entries(previous: Mapping[str, Any] | None) -> dict[str, dict] | None:
    """The previous compile's jobs (None: the record lists none, or there is no record)."""
    jobs = previous.get("jobs") if isinstance(previous, Mapping) else None
    if not isinstance(jobs, Mapping):
        return None
    out: dict[str, dict] = {}
    for name, entry in jobs.items():
        if isinstance(name, str) and isinstance(entry, Mapping) and isinstance(entry.get("key"), str):
            out[name] = {"key": entry["key"],
                         "identity": entry["identity"] if isinstance(entry.get("identity"), str) else name,
                         "access_points": entry.get("access_points")}
    return out


def place(app: m.App, previous: Mapping[str, Any] | None) -> m.App:
    entries = _entries(previous)
    recorded = entries is not None
    names = {j.name for j in app.jobs}
    if entries is None:
        # No job list: each job's key was always its PascalCase name (with renamed_from, OLD's,
        # when there was a record to rename from).
        renames = {j.name: j.renamed_from for j in app.jobs if isinstance(previous, Mapping)
                   and j.renamed_from and j.renamed_from not in names}
        entries = {renames.get(j.name, j.name): {"key": pascal(renames.get(j.name, j.name)),
                                                  "identity": renames.get(j.name, j.name)} for j in app.jobs}
    origin = {j.name: j.name for j in app.jobs if j.name in entries}
    for j in app.jobs:
        old = j.renamed_from
        if j.name not in origin and old in entries and old not in names and old not in origin.values():
            origin[j.name] = old
    used = {entries[o]["key"] for o in origin.values()}
    jobs = []
    for j in app.jobs:
        if j.name in origin:
            entry = entries[origin[j.name]]
            key, identity = entry["key"], entry["identity"]
        else:
            key, n = pascal(j.name), 1
            while key in used:
                n += 1
                key = f"{pascal(j.name)}{n}"
            used.add(key)
            identity = j.name
        jobs.append(follow_identity(replace(j, key=key, identity=identity)))
    taken = set(origin.values())
    before = tuple(p for j in app.jobs if j.name in origin
                   for p in points_before("jobs", j.name, entries[origin[j.name]]))
    return replace(app, jobs=tuple(jobs), access_points_before=app.access_points_before + before,
                   gone_jobs=tuple(_gone(n, e) for n, e in sorted(entries.items()) if n not in taken)
                   if recorded else (),
                   new_jobs=tuple(sorted(names - set(origin))) if recorded else (),
                   jobs_recorded=recorded)


def _gone(name: str, entry: Mapping[str, Any]) -> m.Gone:
    """A job the record has and the spec not: the directories its files stay in."""
    return m.Gone(name, (), None, tuple(sorted({p[1][2] for p in points_before("jobs", name, entry)})))


def access_points(workload) -> dict[str, list]:
    """{volume: [uid, gid, root directory, file system]} of a workload's access points (file
    system: its ID, or "managed"): what they were created with (the lock's `access_points`),
    for checks/identity.py on the next compile."""
    return {v.name: [v.efs.uid, v.efs.gid, v.efs.root_dir, v.efs.file_system_id or "managed"]
            for v in workload.efs_volumes if v.efs.access_point}


def points_before(kind: str, name: str, entry: Mapping[str, Any] | None) -> tuple:
    """((kind, workload, volume), (uid, gid, root, file system)) for each access point `entry` recorded."""
    points = entry.get("access_points") if isinstance(entry, Mapping) else None
    if not isinstance(points, Mapping):
        return ()
    return tuple(((kind, name, volume), tuple(p)) for volume, p in sorted(points.items())
                 if isinstance(p, list) and len(p) == 4)


def follow_identity(workload):
    """`workload` (a service or job) with its default volume directories under its identity:
    /<identity>/<volume>, the directory its access point was created with."""
    identity = workload.identity or workload.name
    if identity == workload.name or not any(v.efs and v.efs.default_root for v in workload.storage.volumes):
        return workload
    volumes = tuple(replace(v, efs=replace(v.efs, root_dir=f"/{identity}/{v.name}"))
                    if v.efs and v.efs.default_root else v for v in workload.storage.volumes)
    return replace(workload, storage=replace(workload.storage, volumes=volumes))


def record(app: m.App) -> dict[str, Any]:
    """The jobs' part of the lock's record ({} for an app without jobs)."""
    out: dict[str, Any] = {}
    for j in sorted(app.jobs, key=lambda j: j.name):
        entry: dict[str, Any] = {"key": j.key or pascal(j.name)}
        if j.identity and j.identity != j.name:
            entry["identity"] = j.identity
        if access_points(j):
            entry["access_points"] = access_points(j)
        out[j.name] = entry
    return out
