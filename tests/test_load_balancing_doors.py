"""Network Load Balancers (services.X.nlb) and more routes per service (http.version,
target_container, target_port, additional_rules): the templates' listeners, target groups,
rules and security-group paths, the lock's priorities, and the update hazards."""

from __future__ import annotations

from pathlib import Path

from compiler.diagnostics import Locator
from compiler.diff import compute, templates
from compiler.pipeline import build_templates, model_of
from compiler.state import placement
from compiler import checks

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/abcd-1234"
LB = "AWS::ElasticLoadBalancingV2::LoadBalancer"
LISTENER = "AWS::ElasticLoadBalancingV2::Listener"
TG = "AWS::ElasticLoadBalancingV2::TargetGroup"
RULE = "AWS::ElasticLoadBalancingV2::ListenerRule"


def compiled(spec: dict) -> dict[str, dict]:
    return {stem: t.to_dict() for stem, t in build_templates(model_of(spec))}


def of_type(tpl: dict, kind: str) -> dict[str, dict]:
    return {k: r["Properties"] for k, r in tpl["Resources"].items() if r["Type"] == kind}


def findings(spec: dict) -> list[tuple[str, str]]:
    found = checks.run(model_of(spec), spec, Locator("spec.yaml"))
    return [(d.code, d.path) for d in found if d.code in ("FC280", "FC281")]


def nlb_spec(**nlb) -> dict:
    return {"app": "games", "services": {"game": {"image": IMAGE, "port": 7777, "nlb": nlb}}}


def test_a_public_tls_nlb_terminates_tls_and_sends_tcp_to_the_tasks():
    t = compiled(nlb_spec(port=443, protocol="tls", certificate_arn=CERT))
    nlb, services = t["nlb"], t["services"]
    (lb,) = of_type(nlb, LB).values()
    assert lb["Type"] == "network" and lb["Scheme"] == "internet-facing"
    assert lb["Subnets"] == {"Ref": "PublicSubnetIds"} and lb["SecurityGroups"]
    (listener,) = of_type(nlb, LISTENER).values()
    assert (listener["Port"], listener["Protocol"]) == (443, "TLS")
    assert listener["Certificates"] == [{"CertificateArn": CERT}] and listener["SslPolicy"].startswith("ELBSecurity")
    (tg,) = of_type(nlb, TG).values()
    assert (tg["Protocol"], tg["TargetType"], tg["HealthCheckProtocol"]) == ("TCP", "ip", "TCP")
    (sg,) = of_type(nlb, "AWS::EC2::SecurityGroup").values()
    assert [(r["IpProtocol"], r["FromPort"], r["CidrIp"]) for r in sg["SecurityGroupIngress"]] == \
        [("tcp", 443, "0.0.0.0/0")]
    egress = of_type(nlb, "AWS::EC2::SecurityGroupEgress")
    assert [(r["IpProtocol"], r["FromPort"]) for r in egress.values()] == [("tcp", 7777)]
    # The tasks admit the NLB's group (not the internet) on the target port.
    ingress = of_type(services, "AWS::EC2::SecurityGroupIngress")
    assert {(r["IpProtocol"], r["FromPort"], r["SourceSecurityGroupId"]["Ref"]) for r in ingress.values()} == \
        {("tcp", 7777, "GameNlbSecurityGroupId")}
    (ecs,) = of_type(services, "AWS::ECS::Service").values()
    assert ecs["LoadBalancers"] == [{"ContainerName": "game", "ContainerPort": 7777,
                                     "TargetGroupArn": {"Ref": "GameNlbTargetGroupArn"}}]


def test_a_udp_nlb_maps_the_port_as_udp_and_checks_health_over_tcp_on_another_port():
    t = compiled(nlb_spec(protocol="udp", public=False, healthcheck={"port": 8080, "protocol": "http", "path": "/hc"}))
    nlb, services = t["nlb"], t["services"]
    (lb,) = of_type(nlb, LB).values()
    assert lb["Scheme"] == "internal" and lb["Subnets"] == {"Ref": "PrivateSubnetIds"}
    (tg,) = of_type(nlb, TG).values()
    assert (tg["Protocol"], tg["HealthCheckProtocol"], tg["HealthCheckPort"], tg["HealthCheckPath"]) == \
        ("UDP", "HTTP", "8080", "/hc")
    (sg,) = of_type(nlb, "AWS::EC2::SecurityGroup").values()
    # internal: the VPC's cidr by default
    assert [(r["IpProtocol"], r["CidrIp"]) for r in sg["SecurityGroupIngress"]] == [("udp", "10.0.0.0/16")]
    ingress = of_type(services, "AWS::EC2::SecurityGroupIngress")
    assert sorted((r["IpProtocol"], r["FromPort"]) for r in ingress.values()) == [("tcp", 8080), ("udp", 7777)]
    (td,) = of_type(services, "AWS::ECS::TaskDefinition").values()
    assert td["ContainerDefinitions"][0]["PortMappings"] == [
        {"ContainerPort": 7777, "Name": "game-7777", "Protocol": "udp"}]


def test_nlb_mistakes_are_located_errors():
    assert ("FC280", "services.game.nlb.protocol") in findings(nlb_spec(protocol="tls"))
    assert ("FC280", "services.game.nlb.certificate_arn") in findings(nlb_spec(certificate_arn=CERT))
    assert ("FC280", "services.game.nlb.healthcheck.path") in findings(nlb_spec(healthcheck={"path": "/x"}))
    many = [f"10.{i}.0.0/16" for i in range(40)]
    assert ("FC280", "services.game.nlb.allowed_cidrs") in findings(nlb_spec(protocol="tcp_udp", allowed_cidrs=many))
    assert findings(nlb_spec(protocol="tcp_udp", allowed_cidrs=many[:30])) == []


def routes_spec() -> dict:
    return {"app": "shop", "load_balancer": {"https": {"certificate_arn": CERT}}, "services": {"api": {
        "image": IMAGE, "port": 8080,
        "sidecars": {"envoy": {"image": IMAGE, "port": 9901}, "admin": {"image": IMAGE, "port": 8081}},
        "http": {"path": "/api/*", "version": "grpc", "target_container": "envoy",
                 "additional_rules": [{"path": "/admin/*", "version": "http1", "target_container": "admin",
                                       "healthcheck": {"path": "/admin/health"}}]}}}}


def test_a_grpc_route_to_a_sidecar_and_a_sidecar_on_its_own_path():
    t = compiled(routes_spec())
    alb, services = t["alb"], t["services"]
    tgs = of_type(alb, TG)
    assert tgs["ApiTargetGroup"]["ProtocolVersion"] == "GRPC"
    assert tgs["ApiTargetGroup"]["Matcher"] == {"GrpcCode": "12"}
    assert "ProtocolVersion" not in tgs["ApiRule1TargetGroup"]
    assert tgs["ApiRule1TargetGroup"]["HealthCheckPath"] == "/admin/health"
    rules = of_type(alb, RULE)
    assert rules["ApiRule1ListenerRule"]["Conditions"][0]["PathPatternConfig"]["Values"] == ["/admin/*"]
    assert rules["ApiRule1ListenerRule"]["Actions"][0]["TargetGroupArn"] == {"Ref": "ApiRule1TargetGroup"}
    assert rules["ApiRule1ListenerRule"]["ListenerArn"] == {"Ref": "HttpsListener"}
    assert rules["ApiRule1ListenerRule"]["Priority"] != rules["ApiListenerRule"]["Priority"]
    egress = of_type(alb, "AWS::EC2::SecurityGroupEgress")
    assert sorted(r["FromPort"] for r in egress.values()) == [8081, 9901]
    (ecs,) = of_type(services, "AWS::ECS::Service").values()
    assert [(lb["ContainerName"], lb["ContainerPort"]) for lb in ecs["LoadBalancers"]] == \
        [("envoy", 9901), ("admin", 8081)]
    ingress = of_type(services, "AWS::EC2::SecurityGroupIngress")
    assert sorted(r["FromPort"] for r in ingress.values()) == [8081, 9901]


def test_additional_rule_priorities_are_kept_by_the_lock():
    app = model_of(routes_spec())
    record = placement.record(app)
    assert record["services"]["api"]["rules"] == [app.services[0].http.additional_rules[0].priority]
    again = placement.place(model_of(routes_spec()), record)
    assert again.services[0].http.additional_rules == app.services[0].http.additional_rules


def test_route_target_mistakes_are_located_errors():
    spec = routes_spec()
    spec["services"]["api"]["http"]["target_container"] = "envoi"
    assert ("FC281", "services.api.http.target_container") in findings(spec)
    spec = routes_spec()
    spec["load_balancer"] = {}
    assert ("FC281", "services.api.http.version") in findings(spec)
    assert findings(routes_spec()) == []


def test_changing_an_nlb_protocol_replaces_its_target_group_with_a_traffic_hazard(tmp_path):
    def side(name: str, protocol: str) -> templates.TemplateSet:
        path = Path(tmp_path) / name
        path.write_text(f"app: games\nservices:\n  game:\n    image: {IMAGE}\n    port: 7777\n"
                        f"    nlb: {{port: 7000, protocol: {protocol}, healthcheck: {{port: 8080}}}}\n")
        found, problems = templates.from_spec(str(path))
        assert found is not None, problems
        return found

    diff = compute(side("a.yaml", "tcp"), side("b.yaml", "udp"))
    kinds = {(h.kind, h.id) for h in diff.hazards}
    assert ("replacement", "GameNlbTargetGroup") in kinds
    assert ("traffic-gap", "GameNlbListener") in kinds


def test_a_service_named_like_another_services_nlb_ids_is_refused():
    spec = {"app": "a", "services": {"web": {"image": IMAGE, "port": 80, "nlb": {}},
                                     "web-nlb": {"image": IMAGE, "port": 81}}}
    assert ("FC281", "services.web-nlb") in findings(spec)
