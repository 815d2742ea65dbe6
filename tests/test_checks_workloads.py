"""FC250-FC253 and the task rules re-run over jobs: one located finding per mistake."""

import pytest
import yaml

from compiler.pipeline import validate

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
PUB = {"image": f"{ECR}/api:1", "publish": {"topics": [{"name": "orders"}, {"name": "audit", "fifo": True}]}}


def findings(tmp_path, spec):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump({"app": "shop", **spec}, sort_keys=False))
    app, found = validate(str(path))
    return [(d.code, d.path, d.message) for d in found if d.severity == "error"]


def sub(*topics, **queue):
    spec = {"image": f"{ECR}/worker:1", "subscribe": {"topics": list(topics)}}
    if queue:
        spec["subscribe"]["queue"] = queue
    return spec


@pytest.mark.parametrize("spec, code, path, fragment", [
    ({"services": {"api": PUB, "w": {**sub({"service": "api", "name": "orders"}),
                                     "variables": {"FC_QUEUE_URL": "x"}}}},
     "FC252", "services.w.variables.FC_QUEUE_URL", "set by the compiler"),
    ({"services": {"api": {**PUB, "secrets": {"FC_SNS_TOPIC_ARNS": "/x"}}}},
     "FC252", "services.api.secrets.FC_SNS_TOPIC_ARNS", "set by the compiler"),
    ({"services": {"api": PUB, "w": sub({"service": "api", "name": "orders"}, fifo=True)}},
     "FC252", "services.w.subscribe.queue.fifo", "are standard"),
    ({"services": {"api": {"image": "nginx:1", "publish": {"topics": [{"name": "a"}, {"name": "a"}]}}}},
     "FC252", "services.api.publish.topics[1].name", "twice"),
    ({"services": {"api": PUB, "w": sub({"service": "api", "name": "orders"},
                                        {"service": "api", "name": "orders"})}},
     "FC252", "services.w.subscribe.topics[1]", "twice"),
    ({"services": {"api": PUB, "w": sub({"service": "api", "name": "orders"}, delay="20m")}},
     "FC252", "services.w.subscribe.queue.delay", "0 to 15 minutes"),
    ({"network": {"nat": "none", "endpoints": ["s3", "ecr.api", "ecr.dkr", "logs", "sqs"]},
      "services": {"api": PUB, "w": sub({"service": "api", "name": "orders"})}},
     "FC252", "services.api.publish", "'sns' endpoint"),
    ({"network": {"nat": "none", "endpoints": ["s3", "ecr.api", "ecr.dkr", "logs"]},
      "services": {"api": {"image": f"{ECR}/api:1"}},
      "jobs": {"report": {"image": "busybox:1", "schedule": "@daily"}}},
     "FC210", "jobs.report.image", "not in a private ECR registry"),
    ({"services": {"api": {"image": "nginx:1"}},
      "jobs": {"report": {"image": "busybox:1", "schedule": "@daily",
                          "task_role": {"policies": [{"actions": ["s3:*"], "resources": ["*"]}]}}}},
     "FC212", "jobs.report.task_role.policies[0].actions[0]", "s3:*"),
    ({"services": {"api": {"image": "nginx:1"}},
      "jobs": {"report": {"image": "busybox:1", "schedule": "cron(0 3 * *)"}}},
     "FC251", "jobs.report.schedule", "has 4 fields"),
    ({"services": {"api": {"image": "nginx:1"}},
      "jobs": {"report-1": {"image": "busybox:1", "schedule": "@daily"},
               "report1": {"image": "busybox:1", "schedule": "@hourly"}}},
     "FC251", "jobs.report1", "jobs report-1 and report1 both become the logical ID prefix 'Report1'"),
])
def test_one_located_finding(tmp_path, spec, code, path, fragment):
    found = findings(tmp_path, spec)
    assert [(c, p) for c, p, _ in found] == [(code, path)], found
    assert fragment in found[0][2]


def test_a_clean_event_driven_spec_has_no_finding(tmp_path):
    spec = {"services": {"api": PUB, "w": {**sub({"service": "api", "name": "orders",
                                                  "filter_policy": {"kind": ["a"]}}),
                                           "count": {"range": "0-3", "queue_delay": {
                                               "acceptable_latency": "30s", "msg_processing_time": "100ms"}}},
                         "l": sub({"service": "api", "name": "audit"})},
            "jobs": {"report": {"image": f"{ECR}/report:1", "schedule": "0 4 * * 1", "retries": 1,
                                "timeout": 600}}}
    assert findings(tmp_path, spec) == []
