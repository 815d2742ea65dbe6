"""FC273: identity across updates: job renames (`renamed_from`); access points whose owner or directory would change."""

# `jobs.<name>.renamed_from: OLD` hands OLD's resources to the renamed job (state/jobs.py):
# the same logical IDs, state machine and schedule rule names, so the update modifies them
# in place. It must name a job of the last compile that the spec no longer has. A job that is
# new while another is gone (a rename without `renamed_from`) is warned of what the update
# does: CloudFormation creates the new job's schedule rule and state machine first and deletes
# the gone job's only in the cleanup phase, so a run due in between starts under both names
# (the job runs twice, possibly at once), and the gone job's log group is retained with its
# logs while the new job writes to a new one.
#
# An access point is created with its user and root directory (PosixUser, RootDirectory:
# create-only), and EFS creates that directory, owned by that user, only when it does not
# exist yet (CreationInfo). Changing the uid, gid or directory of a volume the last compile
# made replaces the access point: with another uid the tasks meet the directory still owned
# by the old one (mode 755: they cannot write), with another directory their files vanish
# from view. Refused, at the volume's line: a volume of another name is a new directory.

from __future__ import annotations

from compiler.diagnostics import WARNING, Diagnostic, Locator
from compiler.model import App

CODE = "FC273"


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    names = {j.name for j in app.jobs}
    found = []
    holders = {j.identity: j.name for j in app.jobs if j.identity and j.identity != j.name}
    for j in app.jobs:
        if j.renamed_from and j.renamed_from in names:
            found.append(locator.error(
                CODE, ("jobs", j.name, "renamed_from"),
                f"renamed_from: {j.renamed_from} names a job the spec still has; a job can take over "
                "the resources of a job that is gone only"))
        elif j.renamed_from and j.name in app.new_jobs:
            found.append(locator.error(
                CODE, ("jobs", j.name, "renamed_from"),
                f"renamed_from: {j.renamed_from} names no job of the last compile"
                + (f" (it had {', '.join(g.name for g in app.gone_jobs)})" if app.gone_jobs else "")
                + f": {j.name} is created anew", severity=WARNING))
        if j.name in holders:
            found.append(locator.error(
                CODE, ("jobs", j.name),
                f"job {holders[j.name]} was renamed from {j.name} and keeps its state machine and schedule "
                f"rule names ({app.stack_name}-{j.name}): a new job {j.name} would fail to create them; "
                "give this job another name", key=True))
    found += _access_points(app, locator)
    if not app.jobs_recorded:
        found += _on_trust(app, locator)
    if not app.gone_jobs:
        return found
    gone = ", ".join(g.name for g in app.gone_jobs)
    directories = sorted({d for g in app.gone_jobs for d in g.directories})
    for j in app.jobs:
        if j.name not in app.new_jobs or j.renamed_from:
            continue
        logs = ("is retained with its logs (nothing writes to it again)" if app.retain_data
                else "is deleted with its logs")
        if directories and j.efs_volumes:
            logs += f"; the gone job's files stay in {', '.join(directories)}, out of {j.name}'s view"
        found.append(locator.error(
            CODE, ("jobs", j.name),
            f"{j.name} is new and {gone} {'is' if len(app.gone_jobs) == 1 else 'are'} gone: the update creates "
            f"{j.name}'s schedule rule and state machine before it deletes the gone job's in the cleanup phase, "
            f"so a run due in between starts under both names (the job runs twice, possibly at once); the gone "
            f"job's log group {logs}. If {j.name} is a renamed job, add renamed_from: <its old name> to keep its "
            "resources", key=True, severity=WARNING))
    return found


def _on_trust(app: App, locator: Locator) -> list[Diagnostic]:
    """A record from before jobs were recorded: renamed_from cannot be checked against it."""
    return [locator.error(
        CODE, ("jobs", j.name, "renamed_from"),
        f"the last compile's record lists no jobs (written before jobs were recorded, or the app had none): "
        f"{j.name} takes the resources job {j.renamed_from} had on trust; if there was no such job, "
        "they are created anew", severity=WARNING)
        for j in app.jobs if j.renamed_from and j.identity == j.renamed_from and j.renamed_from not in
        {k.name for k in app.jobs}]


def _access_points(app: App, locator: Locator) -> list[Diagnostic]:
    before = dict(app.access_points_before)
    found = []
    for kind, workloads in (("services", app.services), ("jobs", app.jobs)):
        for w in workloads:
            for v in w.efs_volumes:
                old = before.get((kind, w.name, v.name))
                if not v.efs.access_point or old is None:
                    continue
                uid, gid, root, system = old
                if system != (v.efs.file_system_id or "managed"):
                    continue              # another file system: a new access point on it, nothing shared
                owner, now = (uid, gid) != (v.efs.uid, v.efs.gid), root != v.efs.root_dir
                if not owner and not now:
                    continue
                what = []
                if owner:
                    what.append(f"uid/gid {uid}/{gid} -> {v.efs.uid}/{v.efs.gid}: {root} stays owned by "
                                f"{uid}:{gid} (EFS sets the owner only when it creates the directory), so the "
                                "tasks cannot write to it")
                if now:
                    what.append(f"directory {root} -> {v.efs.root_dir}: the files in {root} vanish from the "
                                "tasks' view" + (" (a renamed workload keeps its directories with renamed_from)"
                                                 if v.efs.default_root and not w.renamed_from else ""))
                found.append(locator.error(
                    CODE, (kind, w.name, "storage", "volumes", v.name, "efs"),
                    f"volume {v.name}'s access point was created with uid {uid}, gid {gid} at {root}; this "
                    "change replaces it (" + "; ".join(what) + "). Keep them, or, for a new directory, give "
                    f"the volume another name (its files stay in {root})"))
    return found
