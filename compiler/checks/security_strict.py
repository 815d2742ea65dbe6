"""FC261: `security: strict` refuses what Security Hub's foundational controls flag."""

# normalize.POSTURES turns the controls on by default under strict; this rule refuses a
# spec that turns one off explicitly (or cannot meet it), naming the control:
# ELB.1 (HTTPS on an internet-facing ALB), ELB.5 (access logs), ELB.6 (deletion
# protection), CloudWatch.16 (logs kept 365 days or more), retained log data. A root
# filesystem written writable on purpose (ECS.5) is a warning: ECS Exec and some images
# need one, and the spec says so explicitly.

from __future__ import annotations

from compiler.checks._util import given, raw
from compiler.diagnostics import WARNING, Diagnostic, Locator
from compiler.model import App

CODE = "FC261"
MIN_RETENTION = 365      # CloudWatch.16's default minimum


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    if app.security != "strict":
        return []
    found = []

    def refuse(path, message, hint, key=False, severity="error"):
        found.append(locator.error(CODE, path, f"security: strict: {message}", hint=hint, key=key,
                                   severity=severity))

    for lb in app.owned_load_balancers:    # an existing ALB's settings are its owner's
        where = ".".join(lb.spec_path)
        if lb.public and lb.https is None:
            refuse(lb.spec_path, "an internet-facing load balancer must serve HTTPS, with HTTP "
                   "only redirecting to it (Security Hub ELB.1)",
                   f"add {where}.https.certificate_arn, or make it internal (public: false)", key=True)
        if lb.access_logs is None:
            refuse((*lb.spec_path, "access_logs"), "load balancer access logs are required (Security Hub ELB.5)",
                   "remove access_logs: false (the compiler makes a locked-down bucket), or name a bucket")
        if not lb.deletion_protection:
            refuse((*lb.spec_path, "deletion_protection"),
                   "load balancer deletion protection is required (Security Hub ELB.6)",
                   "remove deletion_protection: false")
    flow = app.network.flow_logs
    if flow is not None and flow.retention_days < MIN_RETENTION:
        refuse(("network", "flow_logs", "retention_days"),
               f"flow logs kept {flow.retention_days} days; at least {MIN_RETENTION} are required "
               "(Security Hub CloudWatch.16)", f"use {MIN_RETENTION} or more, or remove it")
    for kind, tasks in (("services", app.services), ("jobs", app.jobs)):
        for task in tasks:
            where = (kind, task.name)
            if task.log_retention_days < MIN_RETENTION:
                refuse((*where, "logging", "retention_days"),
                       f"{task.name}'s logs are kept {task.log_retention_days} days; at least {MIN_RETENTION} "
                       "are required (Security Hub CloudWatch.16)", f"use {MIN_RETENTION} or more, or remove it")
            if not task.storage.readonly_fs and given(data, *where, "storage", "readonly_fs"):
                refuse((*where, "storage", "readonly_fs"),
                       f"{task.name}'s root filesystem is writable (Security Hub ECS.5 flags it)",
                       "mount a volume for what the container writes and remove readonly_fs: false",
                       severity=WARNING)
    if raw(data, "retain_data") is False:
        refuse(("retain_data",), "log data must be retained when a stack or resource is deleted",
               "remove retain_data: false (it is for throwaway environments)")
    return found


