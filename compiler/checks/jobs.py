"""FC251: job schedules, timeouts and names; the task rules services get, re-run over the jobs."""

# The task rules (cpu/memory, task role, plain secrets, variable/secret names, container
# ports and names, egress without NAT, secrets' regions and KMS keys) read `app.services`;
# a job carries the same task fields (model._TaskFields), so they run once more over the
# jobs, with paths under `jobs.` instead of `services.`. Their findings keep their own codes.

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from compiler.checks import (container_ports, env_names, fargate_size, plain_secrets,
                             private_egress, secrets_reach, task_role)
from compiler.checks._util import pascal_clashes
from compiler.diagnostics import WARNING, Diagnostic, Locator
from compiler.model import App
from compiler.spec.schedules import ScheduleError, to_aws

CODE = "FC251"

TASK_RULES = (fargate_size, task_role, plain_secrets, env_names, container_ports, private_egress,
              secrets_reach)
MAX_TIMEOUT = 99_999_999          # Step Functions TimeoutSeconds maximum


class _UnderJobs(Locator):
    """The spec's Locator, for rules written against services: services.X -> jobs.X."""

    def __init__(self, locator: Locator):
        super().__init__(locator.file, locator.values, locator.keys)

    @staticmethod
    def _moved(path: Sequence) -> tuple:
        path = tuple(path)
        return ("jobs", *path[1:]) if path[:1] == ("services",) else path

    def position(self, path: Sequence, key: bool = False) -> tuple[int, int]:
        return super().position(self._moved(path), key)

    def error(self, code, path, message, hint="", key=False, **kw) -> Diagnostic:
        return super().error(code, self._moved(path), message, hint, key, **kw)


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    if not app.jobs:
        return []
    found = []
    services = {s.name for s in app.services}
    for job in app.jobs:
        where = ("jobs", job.name)
        raw = data["jobs"][job.name]
        try:
            to_aws(str(raw["schedule"]))
        except ScheduleError as exc:
            found.append(locator.error(CODE, (*where, "schedule"),
                                       f"schedule of job {job.name}: {exc.message}", hint=exc.hint))
        if job.timeout is not None:
            seconds = raw["timeout"]
            if job.timeout < 1 or job.timeout > MAX_TIMEOUT:
                found.append(locator.error(
                    CODE, (*where, "timeout"),
                    f"timeout {seconds!r} of job {job.name} is outside 1 second to "
                    f"{MAX_TIMEOUT} seconds (Step Functions' TimeoutSeconds)"))
        if job.sidecars:
            found.append(locator.error(
                CODE, (*where, "sidecars"),
                f"job {job.name} runs sidecars, and Step Functions' ecs:runTask.sync may fail an attempt "
                "when any container of the task exits non-zero (AWS does not document that it judges "
                "only the essential one, and users report it does not); when the main container ends, ECS stops the others (SIGTERM, then SIGKILL after "
                "30 s): a sidecar that exits 143 or 137 then marks a successful run FAILED"
                + (" and runs it again (retries)" if job.retries else ""),
                hint="make each sidecar exit 0 on SIGTERM, or run it in the main container",
                severity=WARNING))
        if job.name in services:
            found.append(locator.error(
                CODE, where,
                f"job {job.name} has the name of a service; their log groups and task "
                "families would collide; rename one", key=True))
    for earlier, name, logical in pascal_clashes(job.name for job in app.jobs):
        found.append(locator.error(
            CODE, ("jobs", name),
            f"jobs {earlier} and {name} both become the logical ID prefix '{logical}'; rename one",
            key=True))
    as_services = replace(app, services=app.jobs)
    view = {**data, "services": data["jobs"]}
    under_jobs = _UnderJobs(locator)
    for rule in TASK_RULES:
        found += rule.check(as_services, view, under_jobs)
    return found
