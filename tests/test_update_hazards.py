"""Every hazard of #22's everyday edits is a `diff` kind, found on the templates the
compiler writes (compiled in place, as a user updates) or on the smallest templates that
show it."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from compiler import diff
from compiler.diff import compute
from compiler.diff.templates import from_directory
from compiler.state import lockfile
from tests.test_diff import side
from tests.test_updates import BASE, Workspace, messaging

ROOT = Path(__file__).resolve().parent.parent


def kinds(result) -> set[tuple[str, str]]:
    return {(h.kind, h.id) for h in result.hazards}


def edit(tmp_path, old: dict, new: dict):
    ws = Workspace(tmp_path)
    before, after = ws.compile(old), ws.compile(new)
    return diff.compute(from_directory(str(before)), from_directory(str(after)))


def subnet(cidr: str) -> dict:
    return {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": "vpc-1", "CidrBlock": cidr}}


def test_a_re_carved_subnet_overlapping_one_that_lives_until_cleanup():
    """What an older compiler did on `azs: 2 -> 3`: every subnet re-carved smaller."""
    old = side({"network.json": {"Resources": {"PublicSubnet1": subnet("10.0.0.0/19"),
                                               "PublicSubnet2": subnet("10.0.32.0/19")}}})
    new = side({"network.json": {"Resources": {"PublicSubnet1": subnet("10.0.0.0/20"),
                                               "PublicSubnet2": subnet("10.0.16.0/20"),
                                               "PublicSubnet3": subnet("10.0.32.0/20")}}})
    found = kinds(compute(old, new))
    assert {("subnet-overlap", "PublicSubnet1"), ("subnet-overlap", "PublicSubnet2"),
            ("subnet-overlap", "PublicSubnet3")} <= found


def test_adding_a_zone_now_is_free_of_subnet_hazards(tmp_path):
    old = copy.deepcopy(BASE)
    old["network"]["vpc"] = {"azs": 2}
    new = copy.deepcopy(BASE)
    new["network"]["vpc"] = {"azs": 3}
    result = edit(tmp_path, old, new)
    assert not {k for k, _ in kinds(result)} & {"subnet-overlap", "replacement"}, result.hazards


def wordpress(uid: int = 1001, root_dir: str | None = None) -> dict:
    spec = yaml.safe_load((ROOT / "examples" / "wordpress-efs.yaml").read_text())
    spec["services"]["wordpress"]["storage"]["volumes"]["content"]["efs"] = {
        "uid": uid, "gid": uid, **({"root_dir": root_dir} if root_dir else {})}
    return spec


def test_an_access_point_with_another_uid_changes_the_data_view(tmp_path):
    """diff sees it between any two outputs (here compiled apart: the compile itself refuses
    the edit of a recorded access point, below)."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    before, after = Workspace(tmp_path / "a").compile(wordpress(1001)), Workspace(tmp_path / "b").compile(wordpress(1002))
    result = diff.compute(from_directory(str(before)), from_directory(str(after)))
    assert "data-view" in {k for k, _ in kinds(result)}, result.hazards
    (tmp_path / "same").mkdir()
    assert edit(tmp_path / "same", wordpress(1001), wordpress(1001)).hazards == []


@pytest.mark.parametrize("change", [{"uid": 1002}, {"root_dir": "/elsewhere"}])
def test_the_compile_refuses_an_access_point_edit_at_the_volume_s_line(tmp_path, change):
    from compiler.pipeline import validate

    ws = Workspace(tmp_path)
    ws.compile(wordpress(1001))
    ws.spec.write_text(yaml.safe_dump(wordpress(change.get("uid", 1001), change.get("root_dir")), sort_keys=False))
    app, found = validate(str(ws.spec))
    (error,) = [d for d in found if d.code == "FC273"]
    assert app is None and error.severity == "error"
    assert error.path == "services.wordpress.storage.volumes.content.efs" and error.line > 1
    assert ("cannot write" in error.message) == ("uid" in change)
    assert ("vanish" in error.message) == ("root_dir" in change)
    # the way out it names: another volume name is a new access point and directory
    spec = wordpress(change.get("uid", 1001), change.get("root_dir"))
    volumes = spec["services"]["wordpress"]["storage"]["volumes"]
    volumes["content2"] = volumes.pop("content")
    for container in [spec["services"]["wordpress"], *spec["services"]["wordpress"].get("sidecars", {}).values()]:
        for point in container.get("mount_points", []):
            point["source_volume"] = "content2"
    ws.compile(spec)


def renamed_worker(spec: dict) -> dict:
    spec = copy.deepcopy(spec)
    spec["services"]["consumer"] = spec["services"].pop("worker")
    return spec


def test_a_renamed_subscriber_delivers_twice(tmp_path):
    result = edit(tmp_path, messaging(), renamed_worker(messaging()))
    assert "duplicate-delivery" in {k for k, _ in kinds(result)}, result.hazards


def test_a_renamed_service_with_an_explicit_priority_is_priority_in_use(tmp_path):
    old = copy.deepcopy(BASE)
    old["services"]["web"]["http"]["priority"] = 10
    new = copy.deepcopy(old)
    new["services"]["site"] = new["services"].pop("web")
    assert "priority-in-use" in {k for k, _ in kinds(edit(tmp_path, old, new))}


def listener(*certificates: str) -> dict:
    return {"Type": "AWS::ElasticLoadBalancingV2::Listener",
            "Properties": {"LoadBalancerArn": "arn:lb", "Port": 443, "Protocol": "HTTPS",
                           "Certificates": [{"CertificateArn": c} for c in certificates],
                           "DefaultActions": [{"Type": "fixed-response"}]}}


def test_a_host_name_that_sorts_first_changes_the_default_certificate():
    old = side({"alb.json": {"Resources": {"HttpsListener": listener("arn:b")}}})
    new = side({"alb.json": {"Resources": {"HttpsListener": listener("arn:a", "arn:b")}}})
    assert kinds(compute(old, new)) == {("default-certificate", "HttpsListener")}
    appended = side({"alb.json": {"Resources": {"HttpsListener": listener("arn:b", "arn:c")}}})
    assert compute(old, appended).hazards == []


def test_nat_single_to_per_az_replaces_the_route_table_associations(tmp_path):
    new = copy.deepcopy(BASE)
    new["network"]["nat"] = "per_az"
    found = kinds(edit(tmp_path, BASE, new))
    assert ("association-replacement", "PrivateSubnet1RouteTableAssociation") in found
    assert ("association-replacement", "PublicSubnet1RouteTableAssociation") not in found


def test_every_kind_is_described_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for kind in diff.hazards.KINDS:
        assert f"| `{kind}` |" in readme, kind


def test_the_lock_keeps_the_layout_the_hazard_test_relies_on(tmp_path):
    ws = Workspace(tmp_path)
    ws.compile(BASE)
    assert "subnets" in json.loads(lockfile.path_for(ws.spec).read_text())["stacks"]["shop-dev"]


# --- renames that keep identity --------------------------------------------------------------

def test_a_worker_renamed_with_renamed_from_keeps_its_queues_and_subscription(tmp_path):
    new = renamed_worker(messaging())
    new["services"]["consumer"]["renamed_from"] = "worker"
    ws = Workspace(tmp_path)
    before, after = ws.compile(messaging()), ws.compile(new)
    result = diff.compute(from_directory(str(before)), from_directory(str(after)))
    assert not {k for k, _ in kinds(result)} & {"duplicate-delivery", "data-deletion", "name-clash",
                                                 "priority-in-use"}, result.hazards
    added = {i for s in result.changes.stacks.values() for i in s.added}
    assert not any("Queue" in i or "Subscription" in i for i in added), added
    record = json.loads(lockfile.path_for(ws.spec).read_text())["stacks"]["shop-dev"]["services"]["consumer"]
    assert record["identity"] == "worker"
    # and it stays so on the next compiles, with or without the key
    del new["services"]["consumer"]["renamed_from"]
    again = ws.compile(new)
    assert diff.compute(from_directory(str(after)), from_directory(str(again))).changes.stacks["messaging.json"].empty()


def test_a_worker_renamed_with_renamed_from_keeps_its_scaling_on_the_queue(tmp_path):
    """Its queue-backlog policy, wake-up policy and alarm keep their logical IDs and names: no
    scaling resource is added, removed or replaced by the rename (the tags and the alarm's
    description take the new name, in place)."""
    scaled = {"count": {"range": "0-10", "queue_delay": {"acceptable_latency": "5m",
                                                         "msg_processing_time": "2s"}}}
    new = renamed_worker(messaging(**scaled))
    new["services"]["consumer"]["renamed_from"] = "worker"
    result = edit(tmp_path, messaging(**scaled), new)
    scaling = ("QueueScaling", "QueueWakeUp", "ScalableTarget")
    touched = {(i, how) for s in result.changes.stacks.values()
               for how, ids in (("added", s.added), ("removed", s.removed),
                                ("replaced", [m.id for m in s.modified if m.replacement])) for i in ids
               if any(i.endswith(suffix) or suffix + "Alarm" in i for suffix in scaling)}
    assert touched == set()


def test_a_service_renamed_with_renamed_from_keeps_its_priority(tmp_path):
    old = copy.deepcopy(BASE)
    old["services"]["web"]["http"]["priority"] = 10
    new = copy.deepcopy(old)
    new["services"]["site"] = {**new["services"].pop("web"), "renamed_from": "web"}
    result = edit(tmp_path, old, new)
    assert "priority-in-use" not in {k for k, _ in kinds(result)}, result.hazards


def test_a_rename_without_renamed_from_is_warned_at_the_spec_s_line(tmp_path):
    from compiler.pipeline import validate

    ws = Workspace(tmp_path)
    ws.compile(messaging())
    ws.spec.write_text(yaml.safe_dump(renamed_worker(messaging()), sort_keys=False))
    app, found = validate(str(ws.spec))
    (warning,) = [d for d in found if d.code == "FC272"]
    assert warning.severity == "warning" and warning.path == "services.consumer" and warning.line > 1
    assert "processed twice" in warning.message and "renamed_from" in warning.message
    old = copy.deepcopy(BASE)
    old["services"]["web"]["http"]["priority"] = 10
    ws.compile(old)
    new = copy.deepcopy(old)
    new["services"]["site"] = new["services"].pop("web")
    ws.spec.write_text(yaml.safe_dump(new, sort_keys=False))
    app, found = validate(str(ws.spec))
    assert any(d.code == "FC272" and "PriorityInUse" in d.message for d in found)
