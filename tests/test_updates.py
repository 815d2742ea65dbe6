"""Everyday edits deploy as in-place updates: compiled the way a user updates (the same
spec path, the same output directory, the lock file left by the previous compile), old
and new templates show no hazard (compiler/diff) and no other service's resource changes.

Also: the placement is idempotent (compiling again with the lock it wrote changes
nothing), a fresh checkout (spec + lock, no output) compiles the same bytes, a lost lock
is recovered from the previous output, and without either the result is a pure function
of the spec.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
import yaml

from compiler import diff
from compiler.state import lockfile
from compiler.diff.templates import from_directory
from compiler.pipeline import OK, compile_spec

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"

BASE = {
    "app": "shop",
    "network": {"nat": "single"},
    "load_balancer": {"public": True},
    "discovery": {"namespace": "shop.internal"},
    "services": {
        "frontend": {"image": f"{ECR}/frontend:1", "port": 3000, "http": {"path": "/"}, "connect": True},
        "backend": {"image": f"{ECR}/backend:1", "port": 5000, "http": {"path": "/api/*"},
                    "connect": True},
        "search": {"image": f"{ECR}/search:1", "port": 7000, "http": {"path": "/api/search/*"},
                   "count": {"range": "2-6", "cpu_percentage": 60}},
        "quotes": {"image": f"{ECR}/quotes:1", "port": 8080, "discovery": True},
        "web": {"image": f"{ECR}/web:1", "port": 80, "http": {"path": ["/web/*", "/static/*"]}},
    },
}


def fleet(n: int) -> dict:
    spec = copy.deepcopy(BASE)
    spec["services"] = {
        f"svc{i}": {"image": f"{ECR}/svc:1", "port": 8000 + i, "http": {"path": f"/svc{i}/*"},
                    **({"connect": True} if i % 3 == 0 else {}), **({"discovery": True} if i % 5 == 0 else {})}
        for i in range(1, n + 1)
    }
    return spec


class Workspace:
    """One spec path and one output directory, compiled again after each edit."""

    def __init__(self, root: Path):
        self.spec = root / "app.yaml"
        self.out = root / "out"
        self.snapshots = root / "snapshots"
        self.count = 0

    def compile(self, spec: dict) -> Path:
        self.spec.write_text(yaml.safe_dump(spec, sort_keys=False))
        result = compile_spec(str(self.spec), str(self.out), lint=False)
        assert result.status == OK, [d.format() for d in result.diagnostics]
        self.count += 1
        kept = self.snapshots / str(self.count)
        shutil.copytree(result.output, kept)
        return kept


def update(tmp_path: Path, old: dict, new: dict):
    ws = Workspace(tmp_path)
    before = ws.compile(old)
    after = ws.compile(new)
    return before, after, diff.compute(from_directory(str(before)), from_directory(str(after)))


def resources(directory: Path) -> dict[tuple[str, str], dict]:
    found = {}
    for path in directory.glob("*.json"):
        for logical_id, resource in json.loads(path.read_text()).get("Resources", {}).items():
            found[(path.name, logical_id)] = resource
    return found


def owned_by(key: str, logical_id: str) -> bool:
    return logical_id.startswith(key) and logical_id[len(key):][:1].isupper()


def assert_others_untouched(before: Path, after: Path, others: dict[str, str]) -> None:
    """Every resource of the services named (name -> logical-ID key) is byte-identical, in
    the same stack file, before and after."""
    old, new = resources(before), resources(after)
    for name, key in others.items():
        mine_old = {k: v for k, v in old.items() if owned_by(key, k[1])}
        mine_new = {k: v for k, v in new.items() if owned_by(key, k[1])}
        assert mine_old, f"{name}: no resources found under {key}"
        assert mine_new == mine_old, f"{name}'s resources changed"


def keys(spec: dict) -> dict[str, str]:
    from compiler.state.naming import pascal
    return {n: pascal(n) for n in spec["services"]}


def no_hazards(result) -> None:
    assert result.hazards == [], "\n".join(f"{h.kind} {h.stack} {h.id}: {h.message}" for h in result.hazards)


def test_add_a_service_at_the_end(tmp_path):
    new = copy.deepcopy(BASE)
    new["services"]["admin"] = {"image": f"{ECR}/admin:1", "port": 9000, "http": {"path": "/admin/*"}}
    before, after, result = update(tmp_path, BASE, new)
    no_hazards(result)
    assert_others_untouched(before, after, keys(BASE))


def test_add_a_service_at_the_start(tmp_path):
    new = copy.deepcopy(BASE)
    new["services"] = {"admin": {"image": f"{ECR}/admin:1", "port": 9000, "http": {"path": "/api/admin/*"}},
                       **new["services"]}
    before, after, result = update(tmp_path, BASE, new)
    no_hazards(result)
    assert_others_untouched(before, after, keys(BASE))
    rules = {k[1]: r["Properties"]["Priority"] for k, r in resources(after).items()
             if r["Type"] == "AWS::ElasticLoadBalancingV2::ListenerRule"}
    # More specific first: /api/admin/* and /api/search/* before /api/*.
    assert rules["AdminListenerRule"] < rules["BackendListenerRule"]
    assert rules["SearchListenerRule"] < rules["BackendListenerRule"]


def test_remove_the_first_service(tmp_path):
    new = copy.deepcopy(BASE)
    del new["services"]["frontend"]
    before, after, result = update(tmp_path, BASE, new)
    no_hazards(result)
    others = keys(new)
    old = resources(before)
    # The removed service's log group is retained (no data deletion, see hazards).
    assert old[("services.json", "FrontendLogGroup")]["DeletionPolicy"] == "Retain"
    # Others keep everything but the Service Connect namespace wiring is unchanged too.
    assert_others_untouched(before, after, others)


def test_rename_a_service(tmp_path):
    new = copy.deepcopy(BASE)
    new["services"] = {("api" if k == "backend" else k): v for k, v in BASE["services"].items()}
    before, after, result = update(tmp_path, BASE, new)
    no_hazards(result)
    assert_others_untouched(before, after, {k: v for k, v in keys(BASE).items() if k != "backend"})
    old, now = resources(before), resources(after)
    old_priority = old[("alb.json", "BackendListenerRule")]["Properties"]["Priority"]
    new_priority = now[("alb.json", "ApiListenerRule")]["Properties"]["Priority"]
    # The new rule is created while the old still holds its priority, and comes after it:
    # the old rule keeps the traffic until the cleanup deletes it.
    assert new_priority > old_priority


def test_rename_keeping_the_service_connect_alias(tmp_path):
    new = copy.deepcopy(BASE)
    services = {}
    for name, spec in BASE["services"].items():
        if name == "backend":
            services["api"] = {**spec, "connect": {"alias": "backend"}}
        else:
            services[name] = spec
    new["services"] = services
    before, after, result = update(tmp_path, BASE, new)
    no_hazards(result)
    # The alias moved with it: the same service renamed, updated in place under its old key.
    stack = result.changes.stacks
    assert not any(stack[f].added or stack[f].removed for f in stack if f != "root.json")
    ecs = resources(after)[("services.json", "BackendEcsService")]["Properties"]
    [connect] = ecs["ServiceConnectConfiguration"]["Services"]
    assert connect["DiscoveryName"] == "backend" and connect["ClientAliases"][0]["DnsName"] == "backend"
    assert ecs["LoadBalancers"][0]["ContainerName"] == "api"
    assert_others_untouched(before, after, {k: v for k, v in keys(BASE).items() if k != "backend"})


def test_change_a_container_port(tmp_path):
    new = copy.deepcopy(BASE)
    new["services"]["backend"]["port"] = 5001
    before, after, result = update(tmp_path, BASE, new)
    no_hazards(result)    # no rule-gap: the old tasks stay reachable on 5000 during the deployment
    modified = {m.id: m for f in result.changes.stacks.values() for m in f.modified}
    assert "BackendTargetGroup" not in modified  # the group's port is fixed: not even modified
    assert not modified["BackendEcsService"].replacement
    # The 5000 rules are replaced (the 5001 ones created first) or removed: deleted only in
    # the cleanup phase, after the ECS service's update (its rolling deployment) is done.
    assert modified["BackendLoadBalancerIngress"].replacement and modified["BackendServicesIngress"].replacement
    assert "BackendTaskSecurityGroup" not in modified and "AlbSecurityGroup" not in modified
    alb = result.changes.stacks["alb.json"]
    assert (alb.removed, alb.added) == (["AlbEgress5000"], ["AlbEgress5001"])
    assert resources(after)[("services.json", "BackendEcsService")]["DependsOn"] == [
        "BackendLoadBalancerIngress", "BackendServicesIngress"]


@pytest.mark.parametrize("edit", ["tags", "image"])
def test_change_tags_or_image_of_an_autoscaled_service(tmp_path, edit):
    new = copy.deepcopy(BASE)
    if edit == "tags":
        new["tags"] = {"team": "search"}
    else:
        new["services"]["search"]["image"] = f"{ECR}/search:2"
    before, after, result = update(tmp_path, BASE, new)
    no_hazards(result)
    modified = {m.id for f in result.changes.stacks.values() for m in f.modified}
    assert "SearchEcsService" in modified  # an update that would reset a DesiredCount


def test_thirty_to_thirty_one_services(tmp_path):
    old = fleet(30)
    new = copy.deepcopy(old)
    new["services"]["svc31"] = {"image": f"{ECR}/svc:1", "port": 8031, "http": {"path": "/svc31/*"}}
    before, after, result = update(tmp_path, old, new)
    no_hazards(result)
    assert_others_untouched(before, after, keys(old))
    assert (after / "services-2.json").exists()


def test_thirty_five_services_insert_first(tmp_path):
    old = fleet(35)
    new = copy.deepcopy(old)
    new["services"] = {"svc0": {"image": f"{ECR}/svc:1", "port": 8000, "http": {"path": "/svc0/*"}},
                       **old["services"]}
    before, after, result = update(tmp_path, old, new)
    no_hazards(result)
    assert_others_untouched(before, after, keys(old))


def test_thirty_five_services_remove_first(tmp_path):
    old = fleet(35)
    new = copy.deepcopy(old)
    del new["services"]["svc1"]
    before, after, result = update(tmp_path, old, new)
    no_hazards(result)
    assert_others_untouched(before, after, keys(new))


def test_re_adding_a_removed_service_needs_no_name_a_leftover_holds(tmp_path):
    ws = Workspace(tmp_path)
    first = ws.compile(BASE)
    without = copy.deepcopy(BASE)
    del without["services"]["quotes"]
    ws.compile(without)
    again = ws.compile(BASE)
    # The retained log group of the first "quotes" has no physical name to collide with.
    group = resources(first)[("services.json", "QuotesLogGroup")]
    assert "LogGroupName" not in group["Properties"] and group["DeletionPolicy"] == "Retain"
    assert resources(again)[("services.json", "QuotesLogGroup")] == group


def test_the_namespace_stays_once_made(tmp_path):
    """A retained namespace cannot be made twice in one VPC: once made, it stays."""
    ws = Workspace(tmp_path)
    old = copy.deepcopy(BASE)
    first = ws.compile(old)
    plain = copy.deepcopy(BASE)
    for spec in plain["services"].values():
        spec.pop("connect", None)
        spec.pop("discovery", None)
    second = ws.compile(plain)
    assert resources(second)[("services.json", "Namespace")] == resources(first)[("services.json", "Namespace")]


def test_recompiling_with_the_lock_changes_nothing_and_a_fresh_checkout_compiles_the_same(tmp_path):
    ws = Workspace(tmp_path)
    ws.compile(fleet(35))
    new = fleet(35)
    del new["services"]["svc1"]
    new["services"]["extra"] = {"image": f"{ECR}/svc:1", "port": 9999, "http": {"path": "/svc2/x/*"}}
    second = ws.compile(new)
    lock = lockfile.path_for(ws.spec).read_bytes()
    third = ws.compile(new)
    assert lockfile.path_for(ws.spec).read_bytes() == lock
    assert {p.name: p.read_bytes() for p in third.iterdir()} == {p.name: p.read_bytes() for p in second.iterdir()}
    # A fresh checkout: the spec and its lock, no output directory.
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    shutil.copy(ws.spec, checkout / "app.yaml")
    shutil.copy(lockfile.path_for(ws.spec), checkout / "app.lock.json")
    result = compile_spec(str(checkout / "app.yaml"), str(checkout / "out"), lint=False)
    assert result.status == OK
    assert {p.name: p.read_bytes() for p in result.output.iterdir()} == {
        p.name: p.read_bytes() for p in second.iterdir()}


def test_a_lost_lock_is_recovered_from_the_previous_output(tmp_path):
    ws = Workspace(tmp_path)
    old = fleet(35)
    ws.compile(old)
    lockfile.path_for(ws.spec).unlink()
    new = copy.deepcopy(old)
    del new["services"]["svc1"]
    before = ws.snapshots / "1"
    after = ws.compile(new)
    no_hazards(diff.compute(from_directory(str(before)), from_directory(str(after))))
    assert lockfile.path_for(ws.spec).exists()


def test_without_any_previous_compile_the_output_is_a_pure_function_of_the_spec(tmp_path):
    a = Workspace(tmp_path / "a")
    b = Workspace(tmp_path / "b")
    a.spec.parent.mkdir()
    b.spec.parent.mkdir()
    one, two = a.compile(fleet(35)), b.compile(fleet(35))
    assert {p.name: p.read_bytes() for p in one.iterdir()} == {p.name: p.read_bytes() for p in two.iterdir()}


def test_diff_places_a_new_spec_the_way_a_compile_after_the_old_side_would(tmp_path, capsys):
    """`diff DEPLOYED_DIR NEW_SPEC` with no lock beside NEW_SPEC reads OLD's placement record."""
    from compiler.cli import main

    ws = Workspace(tmp_path / "a")
    ws.spec.parent.mkdir()
    old = fleet(35)
    deployed = ws.compile(old)
    new = copy.deepcopy(old)
    new["services"] = {"svc0": {"image": f"{ECR}/svc:1", "port": 8000, "http": {"path": "/svc0/*"}},
                       **old["services"]}
    elsewhere = tmp_path / "b" / "app.yaml"
    elsewhere.parent.mkdir()
    elsewhere.write_text(yaml.safe_dump(new, sort_keys=False))
    assert main(["diff", str(deployed), str(elsewhere), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["hazards"] == []
    # Placed on its own (a first compile, no record of OLD), the same spec moves svc30
    # between stacks: what the record prevents.
    alone = compile_spec(str(elsewhere), str(tmp_path / "b" / "out"), lint=False, write_lock=False)
    assert main(["diff", str(deployed), str(alone.output), "--format", "json"]) == 4
    kinds = {h["kind"] for h in json.loads(capsys.readouterr().out)["hazards"]}
    assert "replacement" in kinds


# --- queues: retained, and never re-created under a name a leftover holds ---------------------

def messaging(fifo: bool = False, **worker) -> dict:
    spec = copy.deepcopy(BASE)
    spec["services"]["backend"]["publish"] = {"topics": [{"name": "orders", "fifo": fifo}]}
    spec["services"]["worker"] = {"image": f"{ECR}/worker:1", "subscribe": {
        "topics": [{"service": "backend", "name": "orders"}]}, **worker}
    return spec


def queue_names(directory: Path) -> dict[str, str]:
    found = resources(directory)
    return {i: found[("messaging.json", i)]["Properties"]["QueueName"]
            for i in ("WorkerQueue", "WorkerDeadLetterQueue") if ("messaging.json", i) in found}


def kinds(result) -> set[tuple[str, str]]:
    return {(h.kind, h.id) for h in result.hazards}


def test_an_output_without_retained_queues_updates_in_place(tmp_path):
    """What a deployment of the previous compiler (queues named, not retained, no queue names
    in its record) goes through: only the policies are added; nothing is replaced."""
    ws = Workspace(tmp_path)
    first = ws.compile(messaging())
    legacy = tmp_path / "legacy"
    shutil.copytree(first, legacy)
    stack = json.loads((legacy / "messaging.json").read_text())
    for resource in stack["Resources"].values():
        if resource["Type"] == "AWS::SQS::Queue":
            del resource["DeletionPolicy"], resource["UpdateReplacePolicy"]
    (legacy / "messaging.json").write_text(json.dumps(stack))
    lock = json.loads(lockfile.path_for(ws.spec).read_text())
    for record in lock["stacks"].values():
        for entry in record["services"].values():
            entry.pop("queues", None)
    lockfile.path_for(ws.spec).write_text(json.dumps(lock))
    after = ws.compile(messaging())
    result = diff.compute(from_directory(str(legacy)), from_directory(str(after)))
    no_hazards(result)
    modified = {m.id: m for m in result.changes.stacks["messaging.json"].modified}
    assert set(modified) == {"WorkerQueue", "WorkerDeadLetterQueue"}
    assert not any(m.replacement for m in modified.values())
    assert queue_names(after) == queue_names(legacy) == {
        "WorkerQueue": "shop-dev-worker", "WorkerDeadLetterQueue": "shop-dev-worker-dlq"}


def test_removing_a_subscriber_keeps_its_queues_and_re_adding_it_takes_new_names(tmp_path):
    ws = Workspace(tmp_path)
    first = ws.compile(messaging())
    assert all(r["DeletionPolicy"] == r["UpdateReplacePolicy"] == "Retain"
               for (f, _), r in resources(first).items() if r["Type"] == "AWS::SQS::Queue")
    without = messaging()
    del without["services"]["worker"]["subscribe"]
    second = ws.compile(without)
    no_hazards(diff.compute(from_directory(str(first)), from_directory(str(second))))
    assert json.loads(lockfile.path_for(ws.spec).read_text())["stacks"]["shop-dev"]["retired_queues"] == [
        "shop-dev-worker", "shop-dev-worker-dlq"]
    third = ws.compile(messaging())
    no_hazards(diff.compute(from_directory(str(second)), from_directory(str(third))))
    # The retained queues still hold the first names: CreateQueue with one of them would
    # fail on different attributes, or hand back the leftover queue.
    assert queue_names(third) == {"WorkerQueue": "shop-dev-worker-2", "WorkerDeadLetterQueue": "shop-dev-worker-2-dlq"}
    assert ws.compile(messaging()) and queue_names(ws.snapshots / "4") == queue_names(third)


def test_switching_fifo_replaces_the_queues_keeping_the_old_ones_and_never_reuses_their_names(tmp_path):
    ws = Workspace(tmp_path)
    first = ws.compile(messaging())
    fifo = ws.compile(messaging(fifo=True))        # the queue follows its topic
    result = diff.compute(from_directory(str(first)), from_directory(str(fifo)))
    # Replaced (a hazard of its own), but the old queues and their messages stay.
    assert ("replacement", "WorkerQueue") in kinds(result)
    assert not {k for k, _ in kinds(result)} & {"data-deletion", "name-clash"}
    assert queue_names(fifo) == {"WorkerQueue": "shop-dev-worker.fifo", "WorkerDeadLetterQueue": "shop-dev-worker-dlq.fifo"}
    back = ws.compile(messaging())
    assert queue_names(back) == {"WorkerQueue": "shop-dev-worker-2", "WorkerDeadLetterQueue": "shop-dev-worker-2-dlq"}


def test_without_retain_data_diff_reports_the_messages_deleted(tmp_path):
    for part in ("kept", "dropped", "replaced"):
        (tmp_path / part).mkdir()
    old, new = messaging(), messaging()
    del new["services"]["worker"]["subscribe"]
    _, _, kept = update(tmp_path / "kept", old, new)
    assert not {k for k, _ in kinds(kept)} & {"data-deletion"}
    old["retain_data"] = new["retain_data"] = False
    _, _, dropped = update(tmp_path / "dropped", old, new)
    assert {i for k, i in kinds(dropped) if k == "data-deletion"} == {"WorkerQueue", "WorkerDeadLetterQueue"}
    fifo = messaging(fifo=True)
    fifo["retain_data"] = False
    _, _, replaced = update(tmp_path / "replaced", old, fifo)
    assert {i for k, i in kinds(replaced) if k == "data-deletion"} == {"WorkerQueue", "WorkerDeadLetterQueue"}
