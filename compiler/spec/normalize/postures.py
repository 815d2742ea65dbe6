"""`security: standard | strict`: the defaults each posture picks."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Posture:
    """Defaults that `security` chooses (docs/security.md lists the controls)."""

    log_retention_days: int           # service and job log groups
    readonly_fs: bool                 # root filesystems of a task's containers, unless exec needs them writable
    access_logs: bool                 # ALB access logs (to a bucket the compiler makes)
    deletion_protection: bool         # ALB deletion protection
    execution_logs: bool = False      # jobs' state machines log failed executions (StepFunctions.1)
    efs_own_directory: bool = False   # an existing file system's access point: /<service>/<volume> (EFS.3)


POSTURES = {
    "standard": Posture(log_retention_days=30, readonly_fs=False, access_logs=False, deletion_protection=False),
    # Security Hub FSBP: CloudWatch.16 (365 days), ECS.5, ELB.5 (access logs), ELB.6 (deletion protection).
    # StepFunctions.1: state machine logging at level ERROR or more.
    "strict": Posture(log_retention_days=365, readonly_fs=True, access_logs=True, deletion_protection=True,
                      execution_logs=True, efs_own_directory=True),
}
