"""jobs.json and messaging.json, and what they give the services: least privilege,
the state machine's shape, queue-backlog scaling, wiring through the root."""

import json

from compiler.pipeline import model_of
from compiler.pipeline import build_templates

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"

SPEC = {
    "app": "shop",
    "services": {
        "api": {"image": f"{ECR}/api:1", "port": 80,
                "publish": {"topics": [{"name": "orders"}, {"name": "audit", "fifo": True}]}},
        "worker": {"image": f"{ECR}/worker:1",
                   "count": {"range": "0-8", "queue_delay": {"acceptable_latency": "1m",
                                                             "msg_processing_time": "250ms"}},
                   "subscribe": {"topics": [{"service": "api", "name": "orders",
                                             "filter_policy": {"kind": ["new"]}}]}},
        "ledger": {"image": f"{ECR}/ledger:1", "count": {"range": "1-3", "queue_delay": {
                       "acceptable_latency": 100, "msg_processing_time": 30}},
                   "subscribe": {"topics": [{"service": "api", "name": "audit"}]}},
    },
    "jobs": {"nightly": {"image": f"{ECR}/report:1", "schedule": "0 3 * * 1-5",
                         "retries": 2, "timeout": "1h30m", "spot": True}},
}


def templates(spec=SPEC):
    return {stem: t.to_dict() for stem, t in build_templates(model_of(spec))}


def resources(tpl, type_):
    return {k: r for k, r in tpl["Resources"].items() if r["Type"] == type_}


def statements(role):
    return [s for p in role["Properties"].get("Policies", []) for s in p["PolicyDocument"]["Statement"]]


def test_stacks_are_ordered_so_every_wired_value_is_produced_first():
    stems = list(templates())
    assert stems.index("messaging") < stems.index("services") < stems.index("jobs")


def test_state_machine_runs_the_task_with_retries_and_timeout():
    jobs = templates()["jobs"]
    machine = jobs["Resources"]["NightlyStateMachine"]["Properties"]
    text, variables = machine["DefinitionString"]["Fn::Sub"]
    definition = json.loads(text)
    state = definition["States"][definition["StartAt"]]
    assert state["Resource"] == "arn:${AWS::Partition}:states:::ecs:runTask.sync"
    assert state["TimeoutSeconds"] == 5400
    assert state["Retry"] == [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 10,
                               "MaxAttempts": 2, "BackoffRate": 2.0}]
    assert state["Parameters"]["CapacityProviderStrategy"] == [{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]
    assert "LaunchType" not in state["Parameters"]
    assert variables["TaskDefinition"] == {"Ref": "NightlyTaskDefinition"}
    rule = jobs["Resources"]["NightlySchedule"]["Properties"]
    assert rule["ScheduleExpression"] == "cron(0 3 ? * 2-6 *)"
    assert rule["Targets"][0]["Arn"] == {"Ref": "NightlyStateMachine"}


def test_job_roles_are_least_privilege():
    jobs = templates()["jobs"]
    machine_role = statements(jobs["Resources"]["NightlyStateMachineRole"])
    by_sid = {s["Sid"]: s for s in machine_role}
    assert by_sid["RunTask"]["Resource"] == [{"Ref": "NightlyTaskDefinition"}]
    assert by_sid["RunTask"]["Condition"] == {"ArnEquals": {"ecs:cluster": {"Ref": "ClusterArn"}}}
    assert by_sid["PassTaskRoles"]["Resource"] == [{"Fn::GetAtt": ["NightlyExecutionRole", "Arn"]},
                                                    {"Fn::GetAtt": ["NightlyTaskRole", "Arn"]}]
    for s in machine_role:
        assert "*" not in s["Resource"] and all("*" not in a for a in s["Action"]), s
    [start] = statements(jobs["Resources"]["NightlyScheduleRole"])
    assert (start["Action"], start["Resource"]) == (["states:StartExecution"], [{"Ref": "NightlyStateMachine"}])
    trust = jobs["Resources"]["NightlyScheduleRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Service": ["events.amazonaws.com"]} and "aws:SourceAccount" in json.dumps(trust)
    # A job's task security group admits nothing.
    assert jobs["Resources"]["NightlyTaskSecurityGroup"]["Properties"]["SecurityGroupIngress"] == []


def test_topics_queues_and_queue_policy():
    msg = templates()["messaging"]
    topics = resources(msg, "AWS::SNS::Topic")
    assert {t["Properties"]["TopicName"] for t in topics.values()} == {
        "shop-dev-api-orders", "shop-dev-api-audit.fifo"}
    assert all(t["Properties"]["KmsMasterKeyId"] == "alias/aws/sns" for t in topics.values())
    queues = resources(msg, "AWS::SQS::Queue")
    assert all(q["Properties"]["SqsManagedSseEnabled"] is True for q in queues.values())
    assert queues["LedgerQueue"]["Properties"]["FifoQueue"] is True        # its topic is FIFO
    assert queues["LedgerQueue"]["Properties"]["QueueName"] == "shop-dev-ledger.fifo"
    assert "FifoQueue" not in queues["WorkerQueue"]["Properties"]
    assert queues["WorkerQueue"]["Properties"]["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["WorkerDeadLetterQueue", "Arn"]}, "maxReceiveCount": 10}
    [statement] = msg["Resources"]["WorkerQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": [{"Ref": "ApiOrdersTopic"}]}}
    assert statement["Principal"] == {"Service": ["sns.amazonaws.com"]}
    sub = msg["Resources"]["WorkerFromApiOrdersSubscription"]
    assert sub["Properties"]["FilterPolicy"] == {"kind": ["new"]}
    assert sub["DependsOn"] == ["WorkerQueuePolicy"]


def test_task_roles_publish_and_consume_only_their_own():
    services = templates()["services"]
    [publish] = statements(services["Resources"]["ApiTaskRole"])
    assert publish["Action"] == ["sns:Publish"]
    assert sorted(r["Ref"] for r in publish["Resource"]) == ["ApiAuditTopicArn", "ApiOrdersTopicArn"]
    [consume] = statements(services["Resources"]["WorkerTaskRole"])
    assert consume["Resource"] == [{"Ref": "WorkerQueueArn"}]
    assert "sqs:ReceiveMessage" in consume["Action"] and "sqs:SendMessage" not in consume["Action"]
    env = {e["Name"]: e["Value"] for e in
           services["Resources"]["WorkerTaskDefinition"]["Properties"]["ContainerDefinitions"][0]["Environment"]}
    assert env == {"FC_QUEUE_URL": {"Ref": "WorkerQueueUrl"}}


def test_queue_backlog_scaling_and_the_wake_up_from_zero():
    services = templates()["services"]
    policy = services["Resources"]["WorkerQueueScaling"]["Properties"]
    config = policy["TargetTrackingScalingPolicyConfiguration"]
    assert config["TargetValue"] == 240.0                           # ceil(60 s / 0.25 s)
    metrics = {m["Id"]: m for m in config["CustomizedMetricSpecification"]["Metrics"]}
    assert metrics["visible"]["MetricStat"]["Metric"]["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Ref": "WorkerQueueName"}}]
    assert [m["Id"] for m in metrics.values() if m["ReturnData"]] == ["backlog_per_task"]
    assert services["Resources"]["WorkerScalableTarget"]["Properties"]["MinCapacity"] == 0
    alarm = services["Resources"]["WorkerQueueWakeUpAlarm"]["Properties"]
    assert alarm["AlarmActions"] == [{"Ref": "WorkerQueueWakeUp"}]
    # ledger starts at 1 task: no wake-up needed
    assert "LedgerQueueWakeUp" not in services["Resources"]
    assert services["Resources"]["LedgerQueueScaling"]["Properties"][
        "TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 4.0  # ceil(100 / 30)


def test_messaging_capacity_is_refused_before_building(tmp_path):
    """Over 200 outputs in messaging.json (1 per topic, 3 per subscriber) is a located error,
    not a troposphere exception."""
    import yaml

    from compiler.pipeline import INVALID, compile_spec

    services = {"pub": {"image": "nginx:1", "publish": {"topics": [{"name": "t"}]}}}
    services.update({f"w{i}": {"image": "busybox:1", "subscribe": {"topics": [{"service": "pub", "name": "t"}]}}
                     for i in range(67)})                     # 1 + 3 × 67 = 202 outputs
    spec = tmp_path / "big.yaml"
    spec.write_text(yaml.safe_dump({"app": "big", "services": services}))
    result = compile_spec(str(spec), str(tmp_path / "out"), lint=False)
    assert result.status == INVALID
    assert [(d.code, d.path) for d in result.diagnostics] == [("FC252", "services")]
    assert "202 outputs" in result.diagnostics[0].message
    assert not (tmp_path / "out").exists()
