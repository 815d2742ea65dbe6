"""Several ALBs (`load_balancers`) and an existing ALB (`arn`): the templates' load balancers,
listeners, target groups, rules and security-group paths; priorities per listener and the
lock; the checks FC282/FC283; moving a service between ALBs in `diff`."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from compiler import checks
from compiler.diagnostics import Locator
from compiler.diff import compute, templates
from compiler.pipeline import build_templates, model_of
from compiler.spec import schema
from compiler.state import placement, records

ROOT = Path(__file__).resolve().parent.parent
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/abcd-1234"
ALB_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/platform/50dc6c495c0c9188"
LISTENER_ARN = ("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/platform/"
                "50dc6c495c0c9188/f2f7dc8efc522ab2")
SG = "sg-0123456789abcdef0"
LB = "AWS::ElasticLoadBalancingV2::LoadBalancer"
LISTENER = "AWS::ElasticLoadBalancingV2::Listener"
TG = "AWS::ElasticLoadBalancingV2::TargetGroup"
RULE = "AWS::ElasticLoadBalancingV2::ListenerRule"
INGRESS = "AWS::EC2::SecurityGroupIngress"


VPC = {"id": "vpc-0a1b2c3d4e5f60718", "cidr": "10.40.0.0/16", "nat": True,
       "subnets": {"public": ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
                   "private": ["subnet-0a1b2c3d4e5f60011", "subnet-0a1b2c3d4e5f60012"]}}


def spec() -> dict:
    return {
        "app": "doors",
        "network": {"vpc": copy.deepcopy(VPC)},
        "load_balancers": {
            "public": {"https": {"certificate_arn": CERT}},
            "internal": {"public": False},
            "shared": {"arn": ALB_ARN, "listener_arn": LISTENER_ARN, "security_group": SG,
                       "priorities": "20000-20999"},
        },
        "services": {
            "web": {"image": IMAGE, "port": 8080, "http": {"load_balancer": "public", "path": "/"}},
            "api": {"image": IMAGE, "port": 8080, "count": {"range": "1-4", "requests": 100},
                    "http": {"load_balancer": "internal", "path": "/api/*"}},
            "home": {"image": IMAGE, "port": 3000, "http": {"load_balancer": "shared", "path": "/"}},
            "admin": {"image": IMAGE, "port": 3000,
                      "http": {"load_balancer": "shared", "path": "/admin/*",
                               "additional_rules": [{"path": "/admin/api/*"}]}},
        },
    }


def compiled(data: dict, previous=None) -> dict[str, dict]:
    return {stem: t.to_dict() for stem, t in build_templates(model_of(data, previous))}


def of_type(tpl: dict, kind: str) -> dict[str, dict]:
    return {k: r["Properties"] for k, r in tpl["Resources"].items() if r["Type"] == kind}


def findings(data: dict, codes=("FC282", "FC283")) -> list[tuple[str, str]]:
    found = checks.run(model_of(data), data, Locator("spec.yaml"))
    return sorted((d.code, d.path) for d in found if d.code in codes)


def test_each_alb_has_its_own_load_balancer_listeners_and_group_the_first_with_todays_ids():
    alb = compiled(spec())["alb"]
    lbs = of_type(alb, LB)
    assert set(lbs) == {"LoadBalancer", "InternalLoadBalancer"}      # none for the existing ALB
    assert lbs["LoadBalancer"]["Scheme"] == "internet-facing"
    assert lbs["LoadBalancer"]["Subnets"] == {"Ref": "PublicSubnetIds"}
    assert lbs["InternalLoadBalancer"]["Scheme"] == "internal"
    assert lbs["InternalLoadBalancer"]["Subnets"] == {"Ref": "PrivateSubnetIds"}
    assert lbs["InternalLoadBalancer"]["SecurityGroups"] == [{"Fn::GetAtt": ["InternalAlbSecurityGroup", "GroupId"]}]
    listeners = of_type(alb, LISTENER)
    assert {k: (v["Port"], v["LoadBalancerArn"]["Ref"]) for k, v in listeners.items()} == {
        "HttpListener": (80, "LoadBalancer"), "HttpsListener": (443, "LoadBalancer"),
        "InternalHttpListener": (80, "InternalLoadBalancer")}
    # Each listener's default: the public one forwards to web ("/"); the internal one has none.
    assert listeners["HttpsListener"]["DefaultActions"][0]["TargetGroupArn"] == {"Ref": "WebTargetGroup"}
    assert listeners["InternalHttpListener"]["DefaultActions"][0]["Type"] == "fixed-response"
    groups = of_type(alb, "AWS::EC2::SecurityGroup")
    assert set(groups) == {"AlbSecurityGroup", "InternalAlbSecurityGroup"}
    internal_ingress = groups["InternalAlbSecurityGroup"]["SecurityGroupIngress"]
    assert [(r["FromPort"], r["CidrIp"]) for r in internal_ingress] == [(80, "10.40.0.0/16")]
    assert set(of_type(alb, TG)) == {"WebTargetGroup", "ApiInternalTargetGroup", "HomeSharedTargetGroup",
                                     "AdminSharedTargetGroup", "AdminSharedRule1TargetGroup"}


def test_an_existing_alb_gets_rules_on_its_listener_only_in_its_range_and_tasks_admit_its_group():
    t = compiled(spec())
    rules = of_type(t["alb"], RULE)
    shared = {k: v for k, v in rules.items() if v["ListenerArn"] == LISTENER_ARN}
    assert set(shared) == {"HomeSharedListenerRule", "AdminSharedListenerRule", "AdminSharedRule1ListenerRule"}
    assert all(20000 <= r["Priority"] <= 20999 for r in shared.values())
    # "/" on an existing ALB: a catch-all rule at the range's last priority, not the default action.
    home = shared["HomeSharedListenerRule"]
    assert home["Priority"] == 20999
    assert home["Conditions"] == [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/*"]}}]
    # More specific rules go before it.
    assert shared["AdminSharedRule1ListenerRule"]["Priority"] < 20999
    assert rules["ApiInternalListenerRule"]["ListenerArn"] == {"Ref": "InternalHttpListener"}
    ingress = of_type(t["services"], INGRESS)
    sources = {k: v["SourceSecurityGroupId"] for k, v in ingress.items()}
    assert sources == {"WebLoadBalancerIngress": {"Ref": "AlbSecurityGroupId"},
                       "ApiLoadBalancerIngress": {"Ref": "InternalAlbSecurityGroupId"},
                       "HomeLoadBalancerIngress": SG, "AdminLoadBalancerIngress": SG}
    # The ALBs' egress goes to their own services' ports only.
    egress = of_type(t["alb"], "AWS::EC2::SecurityGroupEgress")
    assert {k: v["FromPort"] for k, v in egress.items()} == {"AlbEgress8080": 8080, "InternalAlbEgress8080": 8080}


def test_request_scaling_uses_the_services_own_alb():
    t = compiled(spec())
    (policy,) = [p for p in of_type(t["services"], "AWS::ApplicationAutoScaling::ScalingPolicy").values()
                 if "Requests" in p["PolicyName"]]
    label = policy["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"]["ResourceLabel"]
    assert label["Fn::Join"][1][0] == {"Ref": "InternalLoadBalancerFullName"}
    data = spec()
    data["services"]["home"]["count"] = {"range": "1-3", "requests": 50}
    t = compiled(data)
    labels = [p["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"]["ResourceLabel"]
              for p in of_type(t["services"], "AWS::ApplicationAutoScaling::ScalingPolicy").values()
              if p["PolicyName"].startswith("doors-dev-home")]
    assert labels[0]["Fn::Join"][1][0] == "app/platform/50dc6c495c0c9188"   # from the ARN


def test_two_albs_may_share_a_priority_and_the_lock_keeps_each_on_its_listener():
    data = spec()
    data["services"]["api"]["http"]["priority"] = 20500
    data["services"]["admin"]["http"]["priority"] = 20500
    app = model_of(data)
    assert findings(data) == [] and not [c for c, _ in findings(data, ("FC206",))]
    record = placement.record(app)
    assert records.problems(record) == []
    assert record["first_load_balancer"] == "public"
    assert record["services"]["admin"]["load_balancer"] == "shared"
    assert "load_balancer" not in record["services"]["web"]                 # the first ALB: no field
    assert placement.place(model_of(data), record) == app


def test_a_lock_of_todays_main_reads_unchanged_and_moving_to_load_balancers_keeps_the_ids():
    one = {"app": "doors", "load_balancer": {}, "services": {
        "web": {"image": IMAGE, "port": 80, "http": {"path": "/"}},
        "api": {"image": IMAGE, "port": 80, "http": {"path": "/api/*"}}}}
    before = model_of(one)
    record = placement.record(before)
    assert "first_load_balancer" not in record and all("load_balancer" not in e for e in record["services"].values())
    assert records.problems(record) == []
    many = copy.deepcopy(one)
    del many["load_balancer"]
    many["load_balancers"] = {"main": {}, "internal": {"public": False}}
    for s in many["services"].values():
        s["http"]["load_balancer"] = "main"
    after = compiled(many, lambda _: record)
    old = compiled(one, lambda _: record)
    for logical_id in ("LoadBalancer", "HttpListener", "AlbSecurityGroup", "WebTargetGroup",
                       "ApiTargetGroup", "ApiListenerRule"):
        assert after["alb"]["Resources"][logical_id] == old["alb"]["Resources"][logical_id], logical_id


def test_reordering_load_balancers_keeps_which_one_has_todays_ids():
    data = spec()
    record = placement.record(model_of(data))
    data["load_balancers"] = dict(reversed(list(data["load_balancers"].items())))
    alb = compiled(data, lambda _: record)["alb"]
    assert set(of_type(alb, LB)) == {"LoadBalancer", "InternalLoadBalancer"}
    assert "WebTargetGroup" in alb["Resources"]


def test_moving_a_service_to_another_alb_is_a_new_group_and_rule_and_a_diff_hazard(tmp_path):
    def side(name: str, data: dict) -> templates.TemplateSet:
        path = Path(tmp_path) / name
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        found, problems = templates.from_spec(str(path))
        assert found is not None, problems
        return found

    data = spec()
    before = side("a.yaml", data)
    data["services"]["api"]["http"]["load_balancer"] = "public"
    diff = compute(before, side("b.yaml", data))
    kinds = {(h.kind, h.id) for h in diff.hazards}
    assert ("load-balancer-move", "ApiTargetGroup") in kinds
    alb = diff.as_json()["stacks"]["alb.json"]
    assert {"ApiTargetGroup", "ApiListenerRule"} <= set(alb["added"])
    assert {"ApiInternalTargetGroup", "ApiInternalListenerRule"} <= set(alb["removed"])
    # Nothing else moves: the web service's group and the ALBs stay.
    assert not {"WebTargetGroup", "LoadBalancer", "InternalLoadBalancer"} & set(alb["removed"])


def test_several_alb_mistakes_are_located_errors_all_at_once():
    data = spec()
    data["services"]["web"]["http"]["load_balancer"] = "publc"
    del data["services"]["api"]["http"]["load_balancer"]
    data["services"]["admin"]["http"]["alias"] = "admin.example.com"
    data["services"]["admin"]["http"]["hosted_zone"] = "Z0123456789ABCDEFGHIJ"
    data["services"]["admin"]["deployment"] = {"strategy": "blue_green"}
    data["load_balancers"]["shared"]["listener_arn"] = LISTENER_ARN.replace("platform", "other")
    data["load_balancers"]["shared"]["idle_timeout"] = 30
    assert findings(data) == [
        ("FC282", "load_balancers.shared.idle_timeout"),
        ("FC282", "load_balancers.shared.listener_arn"),
        ("FC283", "services.admin.deployment.strategy"),
        ("FC283", "services.admin.http.alias"),
        ("FC283", "services.api.http"),
        ("FC283", "services.web.http.load_balancer"),
    ]


@pytest.mark.parametrize("arn, message", [
    (ALB_ARN.replace("us-east-1", "cn-north-1"), "partition aws, and region cn-north-1"),
    (ALB_ARN.replace("arn:aws:", "arn:aws-cn:").replace("us-east-1", "cn-north-1"), None),
])
def test_the_alb_arn_partition_follows_its_region(arn, message):
    data = spec()
    data["load_balancers"]["public"] = {}          # its us-east-1 certificate would pin the region
    for service in data["services"].values():      # and so would an ECR image of us-east-1
        service["image"] = "nginx:1.27"
    data["load_balancers"]["shared"].update(
        arn=arn, listener_arn=arn.replace(":loadbalancer/", ":listener/") + "/f2f7dc8efc522ab2")
    found = checks.run(model_of(data), data, Locator("spec.yaml"))
    texts = [d.message for d in found if d.code == "FC282"]
    assert (texts == []) if message is None else any(message in t for t in texts)
    data["load_balancers"]["public"] = {"https": {"certificate_arn": CERT}}
    found = checks.run(model_of(data), data, Locator("spec.yaml"))
    if message is None:
        assert any("the stack deploys to us-east-1" in d.message for d in found if d.code == "FC282")


def test_an_existing_alb_needs_the_apps_vpc_to_be_its_own():
    data = spec()
    del data["network"]
    assert findings(data) == [("FC283", "load_balancers.shared.arn")]


def test_a_priority_range_outside_the_listener_and_both_keys_are_refused():
    data = spec()
    data["load_balancers"]["shared"]["priorities"] = "0-60000"
    assert ("FC282", "load_balancers.shared.priorities") in findings(data)
    data = spec()
    data["load_balancer"] = {}
    assert findings(data) == [("FC283", "load_balancers")]


def test_the_schema_takes_load_balancers_and_an_existing_alb_needs_its_listener_and_group():
    data = spec()
    assert schema.validate(data, Locator("spec.yaml")) == []
    del data["load_balancers"]["shared"]["listener_arn"]
    found = schema.validate(data, Locator("spec.yaml"))
    assert found and all(d.path.startswith("load_balancers.shared") for d in found)
    data = spec()
    data["load_balancers"]["Bad_Name"] = {}
    assert schema.validate(data, Locator("spec.yaml"))


def test_the_example_deploys_three_load_balancers_and_its_lock_is_per_listener():
    lock = json.loads((ROOT / "examples" / "load-balancers.lock.json").read_text())
    (entry,) = lock["stacks"].values()
    assert records.problems(entry) == []
    assert entry["services"]["admin"]["load_balancer"] == "shared"
    assert 20000 <= entry["services"]["admin"]["priority"] <= 20999


def test_import_copilot_gives_backend_services_their_internal_alb_beside_the_public_one(tmp_path, capsys):
    from compiler import cli
    from copilot_workspaces import write_workspace

    web = ("name: web\ntype: Load Balanced Web Service\nimage:\n  location: nginx:1.27\n  port: 8080\n"
           "http:\n  path: /\n")
    api = ("name: api\ntype: Backend Service\nimage:\n  location: nginx:1.27\n  port: 5000\n"
           "http:\n  path: /api\n")
    root = write_workspace(tmp_path, {"web": web, "api": api})
    assert cli.main(["import-copilot", str(root)]) == 0
    out, _ = capsys.readouterr()
    data = yaml.safe_load(out)
    assert "load_balancer" not in data
    assert data["load_balancers"]["internal"]["public"] is False
    assert data["services"]["web"]["http"]["load_balancer"] == "public"
    assert data["services"]["api"]["http"]["load_balancer"] == "internal"
    path = tmp_path / "spec.yaml"
    path.write_text(out)
    t = {stem: tpl.to_dict() for stem, tpl in build_templates(model_of(data))}
    assert set(of_type(t["alb"], LB)) == {"LoadBalancer", "InternalLoadBalancer"}
    from compiler.pipeline import validate
    app, found = validate(str(path))
    assert app is not None, [str(d) for d in found]


def test_shifted_deployments_use_their_services_own_alb():
    data = {"app": "shift", "load_balancers": {"public": {}, "internal": {"public": False}}, "services": {
        "web": {"image": IMAGE, "port": 8080, "http": {"load_balancer": "public", "path": "/"}},
        "api": {"image": IMAGE, "port": 8080, "http": {"load_balancer": "internal", "path": "/"},
                "deployment": {"strategy": "canary", "canary": {"percent": 10, "bake": "5m"},
                               "test_traffic": {"port": 8443}}},
        "pay": {"image": IMAGE, "port": 8080, "http": {"load_balancer": "internal", "path": "/pay/*"},
                "deployment": {"strategy": "blue_green", "test_traffic": {"header": {"x-test": "1"}}}}}}
    assert not [d for d in checks.run(model_of(data), data, Locator("spec.yaml")) if d.severity == "error"]
    alb = compiled(data)["alb"]
    listeners = of_type(alb, LISTENER)
    assert listeners["InternalTestListener8443"]["LoadBalancerArn"] == {"Ref": "InternalLoadBalancer"}
    rules = of_type(alb, RULE)
    assert rules["ApiInternalListenerRule"]["ListenerArn"] == {"Ref": "InternalHttpListener"}
    assert rules["ApiInternalTestListenerRule"]["ListenerArn"] == {"Ref": "InternalTestListener8443"}
    assert rules["PayInternalTestListenerRule"]["Priority"] == rules["PayInternalListenerRule"]["Priority"] - 1
    assert set(of_type(alb, TG)) >= {"ApiInternalAlternateTargetGroup", "PayInternalAlternateTargetGroup"}
    assert "ApiProductionListenerRuleArn" in alb["Outputs"]


def test_aliases_belong_to_their_services_alb_and_a_domain_on_two_albs_is_refused():
    zone = "Z0123456789ABCDEFGHIJ"
    data = {"app": "doors", "load_balancers": {"public": {}, "partners": {}}, "services": {
        "web": {"image": IMAGE, "port": 8080, "http": {"load_balancer": "public", "path": "/"}},
        "api": {"image": IMAGE, "port": 8080, "http": {"load_balancer": "partners", "path": "/",
                                                       "alias": ["api.example.com", "b2b.example.com"],
                                                       "hosted_zone": zone}}}}
    alb = compiled(data)["alb"]
    listeners = of_type(alb, LISTENER)
    assert "HttpsListener" not in listeners            # the public ALB has no alias: no HTTPS
    assert listeners["PartnersHttpsListener"]["LoadBalancerArn"] == {"Ref": "PartnersLoadBalancer"}
    records = of_type(alb, "AWS::Route53::RecordSet")
    assert {r["Name"]: r["AliasTarget"]["DNSName"] for r in records.values()} == {
        name: {"Fn::GetAtt": ["PartnersLoadBalancer", "DNSName"]} for name in ("api.example.com", "b2b.example.com")}
    attached = of_type(alb, "AWS::ElasticLoadBalancingV2::ListenerCertificate")
    assert [c["ListenerArn"] for c in attached.values()] == [{"Ref": "PartnersHttpsListener"}]
    data["services"]["web"]["http"].update(alias="api.example.com", hosted_zone=zone)
    assert ("FC283", "services.web.http.alias") in findings(data) or \
        ("FC283", "services.api.http.alias") in findings(data)
