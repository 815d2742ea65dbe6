"""Queues, deployed: a subscriber's queue keeps its messages when the subscription goes,
and subscribing again makes a new queue under a new name (the old one still holds the
first name). Three change-set updates of one small app, as a user would deploy them.
"""

from __future__ import annotations

import copy

import pytest
import yaml

from compiler.pipeline import OK, compile_spec
from deployed import deploy, read_stack

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
SUBSCRIBE = {"topics": [{"service": "api", "name": "orders"}]}
SPEC = {
    "app": "keep",
    "network": {"nat": "single"},
    "services": {
        "api": {"image": f"{ECR}/api:1", "port": 5000, "publish": {"topics": [{"name": "orders"}]}},
        "worker": {"image": f"{ECR}/worker:1", "subscribe": SUBSCRIBE},
    },
}


@pytest.fixture(scope="module")
def steps(emulator, tmp_path_factory):
    """Deploy with the subscription, leave a message in the queue, deploy without it, then
    with it again: the deployed app and root stack after each."""
    emulator.reset()
    work = tmp_path_factory.mktemp("queues")
    spec_path, out = work / "keep.yaml", work / "templates_out"
    found = []
    without = copy.deepcopy(SPEC)
    del without["services"]["worker"]["subscribe"]
    for index, spec in enumerate((SPEC, without, SPEC)):
        spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
        result = compile_spec(str(spec_path), str(out), lint=True)
        assert result.status == OK, "\n".join(str(d) for d in result.diagnostics)
        where = work / f"deploy-{index}"
        where.mkdir()
        deploy(emulator, result.output, result.app.stack_name, where)
        root = read_stack(emulator, result.app.stack_name)
        assert root.status in ("CREATE_COMPLETE", "UPDATE_COMPLETE"), root.status
        found.append(result.app)
        if index == 0:
            [worker] = [s for s in result.app.services if s.name == "worker"]
            sqs = emulator.client("sqs")
            url = sqs.get_queue_url(QueueName=worker.queue_names[0])["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody="not yet received")
    return emulator, found


def _worker(app):
    return next(s for s in app.services if s.name == "worker")


def test_removing_the_subscription_keeps_the_queues_and_their_messages(steps):
    emulator, (first, second, _) = steps
    assert not _worker(second).subscribe
    sqs = emulator.client("sqs")
    for name in _worker(first).queue_names:      # the queue and its dead-letter queue
        sqs.get_queue_url(QueueName=name)         # still there (DeletionPolicy Retain)
    url = sqs.get_queue_url(QueueName=_worker(first).queue_names[0])["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in messages] == ["not yet received"]


def test_subscribing_again_makes_queues_under_new_names(steps):
    emulator, (first, _, third) = steps
    assert _worker(first).queue_names == ("keep-dev-worker", "keep-dev-worker-dlq")
    assert _worker(third).queue_names == ("keep-dev-worker-2", "keep-dev-worker-2-dlq")
    urls = emulator.client("sqs").list_queues(QueueNamePrefix="keep-dev-worker")["QueueUrls"]
    assert sorted(u.rsplit("/", 1)[1] for u in urls) == [
        "keep-dev-worker", "keep-dev-worker-2", "keep-dev-worker-2-dlq", "keep-dev-worker-dlq"]
