"""jobs.json: scheduled jobs, each a task run by a Step Functions state machine.

Made only when the spec has `jobs`; placed after the services stacks, whose first
stack outputs the cluster and the shared task security group it runs tasks with.

Per job (logical IDs start with the job's key: its PascalCase name, kept by the lock,
state/jobs.py) the task resources a service has (log group, execution role, task role,
task definition, a task security group with no ingress; stacks/tasks.task_resources), and

  <Job>StateMachine      one Task state, ecs:runTask.sync (Step Functions waits for the
                         task to stop). A task whose essential container exits non-zero
                         fails the state with States.TaskFailed; `retries` re-runs it that
                         many times (10 s, then doubling). `timeout` is the state's
                         TimeoutSeconds: an attempt still running then fails with
                         States.Timeout (not retried) and Step Functions stops its task.
  <Job>StateMachineRole  may run exactly this task definition in the app's cluster, pass
                         exactly the job's two roles to ECS tasks, describe/stop tasks of
                         the cluster, and manage the EventBridge rule the .sync
                         integration needs (AWS's documented policy for it).
  <Job>ExecutionLogGroup (security: strict) the state machine's log of failed executions,
                         level ERROR without execution data (Security Hub StepFunctions.1)
  <Job>Schedule          an EventBridge rule with the schedule expression, targeting the
                         state machine through
  <Job>ScheduleRole      which may start exactly this state machine.
"""

from __future__ import annotations

import json
from typing import Any

from troposphere import GetAtt, Join, Ref, Sub, Template
from troposphere import events, iam, logs, stepfunctions

from compiler.stacks import iam as policies
from compiler import model as m
from compiler.state import naming
from compiler.stacks import common, copilot_env, scanner_skips
from compiler.stacks.tasks import task_resources

STATE_MACHINE = "StateMachine"
STATE_MACHINE_ROLE = "StateMachineRole"
SCHEDULE = "Schedule"
SCHEDULE_ROLE = "ScheduleRole"
EXECUTION_LOG_GROUP = "ExecutionLogGroup"

RUN_STATE = "RunTask"
RETRY_ON = ("States.TaskFailed",)
RETRY_INTERVAL = 10
RETRY_BACKOFF = 2.0


class _Wiring:
    def __init__(self, t: Template):
        self.t, self.params = t, {}

    def __call__(self, name: str, type_: str = "String") -> Any:
        if name not in self.params:
            self.params[name] = Ref(common.wire_param(self.t, name, type_))
        return self.params[name]


def build(app: m.App) -> Template:
    t = common.new_template(app, "scheduled jobs")
    wire = _Wiring(t)
    for job in app.jobs:
        _job(app, t, wire, job)
    return t


def definition(job: m.Job) -> str:
    """The state machine's Amazon States Language, with ${...} for Fn::Sub (cfn-lint checks
    the definition when it is a plain string or a Sub, and knows the partition only as
    ${AWS::Partition}, so the values go in as Sub variables, not DefinitionSubstitutions)."""
    run: dict[str, Any] = {
        "Cluster": "${Cluster}",
        "TaskDefinition": "${TaskDefinition}",
        "PlatformVersion": "LATEST",
        "PropagateTags": "TASK_DEFINITION",
        "EnableECSManagedTags": True,
        "NetworkConfiguration": {"AwsvpcConfiguration": {
            "Subnets": ["${TaskSubnetIds}"],
            "SecurityGroups": ["${TaskSecurityGroupIds}"],
            "AssignPublicIp": "ENABLED" if job.placement == "public" else "DISABLED",
        }},
    }
    if job.spot:
        run["CapacityProviderStrategy"] = [{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]
    else:
        run["LaunchType"] = "FARGATE"
    state: dict[str, Any] = {
        "Type": "Task",
        "Resource": "arn:${AWS::Partition}:states:::ecs:runTask.sync",
        "Parameters": run,
        "End": True,
    }
    if job.timeout is not None:
        state["TimeoutSeconds"] = job.timeout
    if job.retries:
        state["Retry"] = [{
            "ErrorEquals": list(RETRY_ON),
            "IntervalSeconds": RETRY_INTERVAL,
            "MaxAttempts": job.retries,
            "BackoffRate": RETRY_BACKOFF,
        }]
    return json.dumps({
        "Comment": f"Runs job {job.name}: {job.retries} retries, "
                   + (f"{job.timeout} s timeout per attempt" if job.timeout else "no timeout"),
        "StartAt": RUN_STATE,
        "States": {RUN_STATE: state},
    }, indent=2, sort_keys=True)


def _job(app: m.App, t: Template, wire: _Wiring, job: m.Job) -> None:
    pid = common.workload_key(job)
    # Physical names follow the job's identity (its first name; state/jobs.py): a rename
    # with renamed_from keeps them, so the state machine and the rule update in place.
    named = f"{app.stack_name}-{job.identity or job.name}"
    tags = common.tags(app, f"{app.stack_name}-{job.name}", **{"fargate-compile:job": job.name})
    task = task_resources(app, t, wire, job, tags, copilot_env.variables(app, job, {}, wire))
    public = job.placement == "public"
    subnets = wire("PublicSubnetIds" if public else "PrivateSubnetIds", common.SUBNET_LIST)

    role = t.add_resource(iam.Role(
        pid + STATE_MACHINE_ROLE,
        AssumeRolePolicyDocument=policies.states_trust(),
        Policies=[iam.Policy(PolicyName="run-job", PolicyDocument=policies.state_machine_policy(
            Ref(task.task_definition),
            [GetAtt(task.execution_role, "Arn"), GetAtt(task.task_role, "Arn")],
            wire("ClusterArn"),
            wire("ClusterName"),
            log_delivery=job.execution_logs,
        ))],
        Tags=tags,
    ))
    logging = {}
    if job.execution_logs:
        log_group = t.add_resource(scanner_skips.apply(logs.LogGroup(
            pid + EXECUTION_LOG_GROUP,
            RetentionInDays=job.log_retention_days,
            Tags=tags,
            **common.retain(app),
        ), scanner_skips.LOG_GROUP_KMS))
        logging["LoggingConfiguration"] = stepfunctions.LoggingConfiguration(
            Level="ERROR", IncludeExecutionData=False,
            Destinations=[stepfunctions.LogDestination(
                CloudWatchLogsLogGroup=stepfunctions.CloudWatchLogsLogGroup(LogGroupArn=GetAtt(log_group, "Arn")))],
        )
    machine = t.add_resource(stepfunctions.StateMachine(
        pid + STATE_MACHINE,
        StateMachineName=naming.shorten(named, 80),
        StateMachineType="STANDARD",
        RoleArn=GetAtt(role, "Arn"),
        DefinitionString=Sub(
            definition(job),
            Cluster=wire("ClusterArn"),
            TaskDefinition=Ref(task.task_definition),
            TaskSubnetIds=Join('","', subnets),
            TaskSecurityGroupIds=Join('","', [GetAtt(task.security_group, "GroupId"),
                                        wire("ServicesSecurityGroupId")]),
        ),
        Tags=tags,
        **logging,
    ))
    schedule_role = t.add_resource(iam.Role(
        pid + SCHEDULE_ROLE,
        AssumeRolePolicyDocument=policies.events_trust(),
        Policies=[iam.Policy(PolicyName="start-job",
                             PolicyDocument=policies.start_execution_policy(Ref(machine)))],
        Tags=tags,
    ))
    t.add_resource(events.Rule(
        pid + SCHEDULE,
        Name=naming.shorten(named, 64),
        Description=f"Runs job {job.name} of {app.stack_name}",
        ScheduleExpression=job.schedule,
        State="ENABLED",
        Targets=[events.Target(Id="StateMachine", Arn=Ref(machine), RoleArn=GetAtt(schedule_role, "Arn"))],
        Tags=tags,
    ))
