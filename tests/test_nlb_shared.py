"""One Network Load Balancer shared by several services (network_load_balancers,
services.X.nlb.load_balancer): the templates, FC285, and what `diff` says of NLB updates
(a port or protocol change, a scheme change, a move between NLBs, a port taken over)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from compiler import checks
from compiler.diagnostics import Locator
from compiler.pipeline import build_templates, model_of
from compiler.spec import schema
from tests.test_updates import assert_others_untouched, update

ROOT = Path(__file__).resolve().parent.parent
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/abcd-1234"
LB = "AWS::ElasticLoadBalancingV2::LoadBalancer"
LISTENER = "AWS::ElasticLoadBalancingV2::Listener"
TG = "AWS::ElasticLoadBalancingV2::TargetGroup"


def example() -> dict:
    return yaml.safe_load((ROOT / "examples" / "nlb-shared.yaml").read_text())


def compiled(spec: dict) -> dict[str, dict]:
    return {stem: t.to_dict() for stem, t in build_templates(model_of(spec))}


def of_type(tpl: dict, kind: str) -> dict[str, dict]:
    return {k: r["Properties"] for k, r in tpl["Resources"].items() if r["Type"] == kind}


def findings(spec: dict, codes=("FC280", "FC285")) -> list[tuple[str, str, str]]:
    found = checks.run(model_of(spec), spec, Locator("spec.yaml"))
    return [(d.code, d.path, d.severity) for d in found if d.code in codes]


def shared(*services: tuple[str, dict], **nlbs) -> dict:
    return {"app": "games", "network_load_balancers": nlbs or {"edge": {}},
            "services": {name: {"image": IMAGE, "port": 7000 + i, "nlb": {"load_balancer": "edge", **nlb}}
                         for i, (name, nlb) in enumerate(services)}}


def test_the_services_get_listeners_and_target_groups_of_their_own_on_one_nlb():
    t = compiled(example())
    nlb, services, root = t["nlb"], t["services"], t["root"]
    balancers = of_type(nlb, LB)
    assert set(balancers) == {"AdminNlb", "NlbEdge", "NlbInside"}
    assert balancers["NlbEdge"]["Scheme"] == "internet-facing" and balancers["NlbInside"]["Scheme"] == "internal"
    listeners = {k: (v["LoadBalancerArn"]["Ref"], v["Port"], v["Protocol"]) for k, v in of_type(nlb, LISTENER).items()}
    assert listeners == {"AdminNlbListener": ("AdminNlb", 443, "TLS"),
                         "GameNlbEdgeListener": ("NlbEdge", 7777, "UDP"),
                         "MqttNlbEdgeListener": ("NlbEdge", 8883, "TLS"),
                         "DnsNlbInsideListener": ("NlbInside", 53, "TCP_UDP"),
                         "LdapNlbInsideListener": ("NlbInside", 389, "TCP")}
    assert of_type(nlb, LISTENER)["MqttNlbEdgeListener"]["Certificates"][0]["CertificateArn"].startswith("arn:aws:acm")
    groups = {k: v["Protocol"] for k, v in of_type(nlb, TG).items()}
    assert groups == {"AdminNlbTargetGroup": "TCP", "GameNlbEdgeTargetGroup": "UDP", "MqttNlbEdgeTargetGroup": "TCP",
                      "DnsNlbInsideTargetGroup": "TCP_UDP", "LdapNlbInsideTargetGroup": "TCP"}
    # The shared group admits each listener's own cidrs on its own port; the NLB-wide ones by default.
    edge = nlb["Resources"]["NlbEdgeSecurityGroup"]["Properties"]["SecurityGroupIngress"]
    assert {(r["IpProtocol"], r["FromPort"], r["CidrIp"]) for r in edge} == {
        ("udp", 7777, "0.0.0.0/0"), ("tcp", 8883, "203.0.113.0/24"), ("tcp", 8883, "198.51.100.0/24")}
    inside = nlb["Resources"]["NlbInsideSecurityGroup"]["Properties"]["SecurityGroupIngress"]
    assert {(r["IpProtocol"], r["FromPort"]) for r in inside} == {("tcp", 53), ("udp", 53), ("tcp", 389)}
    assert all(r["CidrIp"] == {"Ref": "VpcCidr"} or r["CidrIp"] != "0.0.0.0/0" for r in inside)
    egress = {(p["IpProtocol"], p["FromPort"]) for k, p in of_type(nlb, "AWS::EC2::SecurityGroupEgress").items()
              if k.startswith("NlbEdge")}
    assert egress == {("udp", 7777), ("tcp", 8080), ("tcp", 1883)}
    # The tasks admit their NLB's group, the shared one's for the shared services.
    ingress = of_type(services, "AWS::EC2::SecurityGroupIngress")
    assert ingress["GameNlbIngressUdp7777"]["SourceSecurityGroupId"] == {"Ref": "NlbEdgeSecurityGroupId"}
    assert ingress["AdminNlbIngressTcp9000"]["SourceSecurityGroupId"] == {"Ref": "AdminNlbSecurityGroupId"}
    ecs = of_type(services, "AWS::ECS::Service")
    (game,) = [v for k, v in ecs.items() if k.startswith("Game")]
    assert game["LoadBalancers"] == [{"ContainerName": "game", "ContainerPort": 7777,
                                      "TargetGroupArn": {"Ref": "GameNlbEdgeTargetGroupArn"}}]
    assert {"NlbEdgeDnsName", "NlbInsideDnsName", "AdminNlbDnsName"} <= set(root["Outputs"])


def test_an_nlb_no_service_uses_is_made_and_warned_of():
    spec = shared(("game", {}))
    spec["network_load_balancers"]["spare"] = None
    from compiler.spec.normalize import empty_blocks
    spec = empty_blocks(spec)
    assert "NlbSpare" in compiled(spec)["nlb"]["Resources"]
    assert ("FC285", "network_load_balancers.spare", "warning") in findings(spec)


def test_shared_nlb_mistakes_are_located_errors():
    assert findings(shared(("game", {}), ("chat", {}))) == []
    spec = shared(("game", {"load_balancer": "egde"}))
    assert ("FC285", "services.game.nlb.load_balancer", "error") in findings(spec)
    assert ("FC285", "services.game.nlb.public", "error") in findings(shared(("game", {"public": False})))
    # One listener per port, whatever the protocols.
    spec = shared(("game", {"port": 53, "protocol": "udp"}), ("dns", {"port": 53, "protocol": "tcp"}))
    assert findings(spec, ("FC285",)) == [("FC285", "services.dns.nlb.port", "error")]
    # The shared group's 60 inbound rules count every listener's cidrs and protocols.
    many = [f"10.{i}.0.0/16" for i in range(20)]
    spec = shared(*((f"s{i}", {"protocol": "tcp_udp", "allowed_cidrs": many}) for i in range(2)))
    assert findings(spec) == [("FC285", "network_load_balancers.edge", "error")]
    assert findings(shared(*((f"s{i}", {"protocol": "tcp_udp", "allowed_cidrs": many[:15]}) for i in range(2)))) == []


def test_more_than_fifty_listeners_on_one_nlb_are_refused():
    spec = shared(*((f"s{i}", {}) for i in range(51)))
    assert ("FC285", "services.s50.nlb.load_balancer", "error") in findings(spec)
    assert ("FC285", "services.s49.nlb.load_balancer", "error") not in findings(spec)


def test_an_internal_shared_nlb_in_an_existing_vpc_needs_cidrs_and_its_subnets():
    vpc = {"vpc": {"id": "vpc-0abc1234", "subnets": {"public": ["subnet-0a1", "subnet-0a2"]}}}
    spec = {**shared(("dns", {}), edge={"public": False}), "network": vpc}
    found = findings(spec, ("FC285", "FC260"))
    assert ("FC285", "services.dns.nlb", "error") in found
    assert any(code == "FC260" for code, _, _ in found)        # no private subnets for it
    spec["network_load_balancers"]["edge"]["allowed_cidrs"] = ["10.0.0.0/16"]
    assert ("FC285", "services.dns.nlb", "error") not in findings(spec, ("FC285", "FC260"))


def test_a_shared_nlb_named_like_a_services_own_nlb_ids_is_refused():
    spec = shared(("game", {}))
    spec["services"]["nlb"] = {"image": IMAGE, "port": 81, "nlb": {}}
    spec["network_load_balancers"] = {"edge": {}, "nlb": {}}
    assert ("FC285", "network_load_balancers.nlb", "error") in findings(spec)


def test_the_schema_takes_the_keys_and_refuses_what_is_not_an_nlb():
    assert schema.validate(example(), Locator("spec.yaml")) == []
    bad = example()
    bad["network_load_balancers"]["edge"]["scheme"] = "internal"
    bad["network_load_balancers"]["Bad_Name"] = {}
    bad["services"]["game"]["nlb"]["load_balancer"] = 3
    paths = {d.path for d in schema.validate(bad, Locator("spec.yaml"))}
    assert paths == {"network_load_balancers.edge.scheme", "services.game.nlb.load_balancer",
                     "network_load_balancers.Bad_Name"}


# --- diff: what an update does to an NLB ------------------------------------------------------

def sub(tmp_path: Path, name: str) -> Path:
    (tmp_path / name).mkdir()
    return tmp_path / name


def kinds(result) -> set[tuple[str, str]]:
    return {(h.kind, h.id) for h in result.hazards}


def test_changing_an_nlb_port_is_a_listener_change_of_that_service_only(tmp_path):
    old = example()
    new = copy.deepcopy(old)
    new["services"]["mqtt"]["nlb"]["port"] = 8884
    before, after, result = update(tmp_path, old, new)
    assert kinds(result) == {("listener-change", "MqttNlbEdgeListener")}
    (hazard,) = result.hazards
    assert "from port 8883 to 8884" in hazard.message
    assert_others_untouched(before, after, {"game": "Game", "dns": "Dns", "ldap": "Ldap", "admin": "Admin"})
    own = copy.deepcopy(old)
    own["services"]["admin"]["nlb"]["port"] = 8443
    assert kinds(update(sub(tmp_path, "own"), old, own)[2]) == {("listener-change", "AdminNlbListener")}


def test_a_port_one_service_leaves_and_another_takes_in_one_deploy_is_in_use(tmp_path):
    old = shared(("game", {"port": 7000}), ("chat", {"port": 7001}))
    new = shared(("game", {"port": 7002}), ("chat", {"port": 7000}))
    found = kinds(update(tmp_path, old, new)[2])
    assert ("port-in-use", "ChatNlbEdgeListener") in found
    taken = shared(("chat", {"port": 7001}), ("voice", {"port": 7000}))
    before = shared(("game", {"port": 7000}), ("chat", {"port": 7001}))
    assert ("port-in-use", "VoiceNlbEdgeListener") in kinds(update(sub(tmp_path, "b"), before, taken)[2])


def test_changing_public_fails_on_the_target_group_and_moves_the_dns_name(tmp_path):
    old = example()
    new = copy.deepcopy(old)
    new["services"]["admin"]["nlb"]["public"] = False
    found = kinds(update(tmp_path, old, new)[2])
    assert {("replacement", "AdminNlb"), ("endpoint-removed", "AdminNlb"),
            ("target-group-association", "AdminNlbListener")} <= found
    shared_ = copy.deepcopy(old)
    shared_["network_load_balancers"]["inside"]["public"] = True
    found = kinds(update(sub(tmp_path, "shared"), old, shared_)[2])
    assert {("endpoint-removed", "NlbInside"), ("target-group-association", "DnsNlbInsideListener"),
            ("target-group-association", "LdapNlbInsideListener")} <= found


def test_moving_a_service_to_a_shared_nlb_is_reported_and_needs_no_two_step(tmp_path):
    old = example()
    new = copy.deepcopy(old)
    new["services"]["admin"]["nlb"] = {**old["services"]["admin"]["nlb"], "load_balancer": "edge"}
    before, after, result = update(tmp_path, old, new)
    found = kinds(result)
    assert ("endpoint-removed", "AdminNlb") in found
    assert "AdminNlbEdgeListener" in (after / "nlb.json").read_text()
    # A new target group of the new NLB's name: no group serves two load balancers, no port race.
    assert not {k for k, _ in found} & {"target-group-association", "port-in-use"}, found
    assert_others_untouched(before, after, {"game": "Game", "dns": "Dns", "ldap": "Ldap"})


# --- plan ---------------------------------------------------------------------------------------

def test_plan_prices_a_shared_nlb_once_and_draws_it_with_its_listeners():
    from compiler.plan import cost, diagram, make_plan, prices
    from compiler.pipeline import validate
    app, found = validate(str(ROOT / "examples" / "nlb-shared.yaml"), None, {})
    assert app is not None, found
    plan = make_plan(app, "nlb-shared.yaml", build_templates(app), prices.load(), "us-east-1",
                     cost.Assumptions(traffic_gb=100.0))
    got = {(i.category, i.item): i.monthly for i in plan.costs}
    # 3 NLBs (admin's own, edge and inside, each once for its 2 services): 3 × 730 × 0.0225 = 49.275
    assert got[("Network load balancers", "NLB hours (admin, edge (shared), inside (shared))")] == \
        pytest.approx(49.275)
    # 3 × 1 NLCU × 730 × 0.006 = 13.14
    assert got[("Network load balancers", "NLCU-hours")] == pytest.approx(13.14)
    # internet-facing: admin's and edge, 2 zones each, + 1 NAT EIP: 5 × 730 × 0.005 = 18.25
    assert got[("Public IPv4 addresses", "4 internet-facing NLBs (one per zone) + 1 NAT Elastic IP")] == \
        pytest.approx(18.25)
    text = diagram.to_mermaid(diagram.build(app))
    assert 'nlbshared_0{{"Network Load Balancer<br/>edge<br/>internet-facing<br/>UDP :7777, TLS :8883"}}' in text
    assert 'nlbshared_1{{"Network Load Balancer<br/>inside<br/>internal<br/>TCP_UDP :53, TCP :389"}}' in text
    assert text.count("nlbshared_0 -->") == 2 and "internet -->|\"UDP :7777, TLS :8883\"| nlbshared_0" in text


def test_quotas_count_shared_nlbs_once_and_their_targets_per_zone():
    spec = shared(*((f"s{i}", {}) for i in range(2)), edge={}, inside={"public": False})
    spec["services"].update({f"own{i}": {"image": IMAGE, "port": 80, "nlb": {}} for i in range(48)})
    # 48 of the services' own + 2 shared = 50 NLBs: at the quota; one more is past it.
    assert [f for f in findings(spec, ("FC280",)) if f[2] == "warning"] == []
    spec["services"]["own48"] = {"image": IMAGE, "port": 80, "nlb": {}}
    assert ("FC280", "services.own48.nlb", "warning") in findings(spec, ("FC280",))
    busy = shared(*((f"s{i}", {}) for i in range(2)))
    for svc in busy["services"].values():
        svc["count"] = {"range": "1-600", "cpu_percentage": 50}
    # 1,200 tasks over 2 zones: 600 targets per zone, over ELB's 500.
    assert findings(busy, ("FC285",)) == [("FC285", "network_load_balancers.edge", "warning")]
