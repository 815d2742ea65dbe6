"""Subnets stay put (#22): adding or removing a zone moves no existing subnet (the carved
layout is recorded and new zones come from free space); a record from before layouts were
kept changes nothing; a cidr change is a located warning."""

from __future__ import annotations

import copy
import ipaddress
import json

import pytest
import yaml

from compiler.pipeline import validate
from compiler.state import lockfile, subnets
from tests.test_updates import BASE, Workspace, resources

CIDRS = ["10.0.0.0/16", "10.20.0.0/20", "172.16.0.0/22"]


def spec(azs: int, cidr: str = "10.0.0.0/16", **network) -> dict:
    out = copy.deepcopy(BASE)
    out["network"] = {**out["network"], "vpc": {"cidr": cidr, "azs": azs}, **network}
    return out


def subnet_cidrs(directory) -> dict[str, str]:
    return {i: r["Properties"]["CidrBlock"] for (f, i), r in resources(directory).items()
            if r["Type"] == "AWS::EC2::Subnet"}


@pytest.mark.parametrize("cidr", CIDRS)
@pytest.mark.parametrize("steps", [(2, 3), (3, 2), (2, 3, 2, 3)])
def test_zones_added_or_removed_move_no_subnet(tmp_path, cidr, steps):
    ws = Workspace(tmp_path)
    before = subnet_cidrs(ws.compile(spec(steps[0], cidr)))
    for azs in steps[1:]:
        after = subnet_cidrs(ws.compile(spec(azs, cidr)))
        for logical_id in set(before) & set(after):
            assert after[logical_id] == before[logical_id], (azs, logical_id)
        nets = [ipaddress.ip_network(c) for c in after.values()]
        assert all(not a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1:])
        assert all(n.subnet_of(ipaddress.ip_network(cidr)) for n in nets)
        assert len(after) == 2 * azs
        before = after


def test_a_record_without_a_layout_changes_nothing(tmp_path):
    """A deployment of the previous compiler: its lock has no `subnets`; the first compile
    after the upgrade keeps the carve it got, and records it."""
    ws = Workspace(tmp_path)
    first = ws.compile(spec(3))
    path = lockfile.path_for(ws.spec)
    lock = json.loads(path.read_text())
    for record in lock["stacks"].values():
        del record["subnets"]
    path.write_text(json.dumps(lock))
    second = ws.compile(spec(3))
    assert subnet_cidrs(second) == subnet_cidrs(first)
    assert json.loads(path.read_text())["stacks"]["shop-dev"]["subnets"]["zones"].keys() == {"#0", "#1", "#2"}


def _strip_layouts(ws: Workspace) -> None:
    """Make the lock, and the previous output's root Metadata, look as an older compiler wrote
    them: no `subnets` layout (the output's network.json holds the carved CIDRs)."""
    path = lockfile.path_for(ws.spec)
    lock = json.loads(path.read_text())
    for record in lock["stacks"].values():
        del record["subnets"]
    path.write_text(json.dumps(lock))
    root = ws.out / "shop-dev" / "root.json"
    template = json.loads(root.read_text())
    del template["Metadata"][lockfile.METADATA_KEY]["subnets"]
    root.write_text(json.dumps(template, indent=2))


@pytest.mark.parametrize("cidr", CIDRS)
@pytest.mark.parametrize("zones", [(2, 3), (3, 2)])
def test_the_first_compile_after_the_upgrade_adds_a_zone_from_the_previous_network_template(tmp_path, cidr, zones):
    """A lock from before layouts were recorded, the previous output present, and the zone
    count changed in that very compile: the layout is recovered from network.json's subnet
    CIDRs, so nothing moves (a fresh carve for the new count would move every subnet)."""
    ws = Workspace(tmp_path)
    before = subnet_cidrs(ws.compile(spec(zones[0], cidr)))
    _strip_layouts(ws)
    after = subnet_cidrs(ws.compile(spec(zones[1], cidr)))
    assert {i: after[i] for i in set(before) & set(after)} == {i: before[i] for i in set(before) & set(after)}
    nets = [ipaddress.ip_network(c) for c in after.values()]
    assert all(not a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1:])
    assert len(after) == 2 * zones[1]
    fresh = subnets.carve(cidr, zones[1])
    assert sorted(fresh[0] + fresh[1]) != sorted(after.values())   # what the old behaviour gave: it moves
    record = json.loads(lockfile.path_for(ws.spec).read_text())["stacks"]["shop-dev"]
    assert len(record["subnets"]["zones"]) == zones[1]


def test_the_layout_of_a_network_template_with_named_zones(tmp_path):
    ws = Workspace(tmp_path)
    named = spec(2)
    named["network"]["vpc"]["zones"] = ["us-east-1a", "us-east-1b"]
    del named["network"]["vpc"]["azs"]
    out = ws.compile(named)
    network = json.loads((out / "network.json").read_text())
    layout = subnets.layout_of_template(network)
    assert set(layout["zones"]) == {"us-east-1a", "us-east-1b"}
    assert layout == json.loads(lockfile.path_for(ws.spec).read_text())["stacks"]["shop-dev"]["subnets"]
    # anything else than the compiler's own shape: no layout rather than a wrong one
    broken = copy.deepcopy(network)
    broken["Resources"]["PrivateSubnet2"]["Properties"]["CidrBlock"] = {"Ref": "Somewhere"}
    assert subnets.layout_of_template(broken) is None
    assert subnets.layout_of_template({"Resources": {}}) is None
    assert subnets.layout_of_template([]) is None


def test_the_free_space_is_used_before_a_fresh_carve_would_move_anything():
    layout = subnets.layout("10.0.0.0/16", ("#0", "#1"), *subnets.carve("10.0.0.0/16", 2))
    public, private = subnets.keep(layout, "10.0.0.0/16", ("#0", "#1", "#2"))
    assert public[:2] == ("10.0.0.0/19", "10.0.32.0/19") and private[:2] == ("10.0.128.0/18", "10.0.192.0/18")
    assert (public[2], private[2]) == ("10.0.96.0/20", "10.0.64.0/19")


def test_a_cidr_change_is_a_located_warning_and_no_room_an_error(tmp_path):
    ws = Workspace(tmp_path)
    ws.compile(spec(2, "10.0.0.0/24"))
    ws.spec.write_text(yaml.safe_dump(spec(2, "10.1.0.0/16"), sort_keys=False))
    app, found = validate(str(ws.spec))
    warned = [d for d in found if d.code == "FC204"]
    assert app is not None and warned and warned[0].severity == "warning" and warned[0].line > 1
    assert "10.0.0.0/24" in warned[0].message and "new stack" in warned[0].message
    ws.spec.write_text(yaml.safe_dump(spec(3, "10.0.0.0/24"), sort_keys=False))   # 2 zones fill a /24
    app, found = validate(str(ws.spec))
    assert app is None
    assert any(d.code == "FC204" and d.path == "network.vpc.azs" and "moving" in d.message for d in found)
