"""Progressive delivery (issue #24): deployment strategies, rollback alarms, lifecycle hooks,
test traffic, the shift-revert hazard, `plan`'s deployment time, scheduled counts."""

from __future__ import annotations

from pathlib import Path

import cfnlint.api
import pytest
import yaml

from compiler import checks, cli, pipeline
from copilot_workspaces import ENV_PARTNER
from compiler.diagnostics import Locator
from compiler.diff import compute, templates
from compiler.pipeline import model_of
from compiler.plan import cost, make_plan, prices
from compiler.checks.deployment_strategy import linear_steps

ROOT = Path(__file__).resolve().parent.parent
ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
HOOK = "arn:aws:lambda:us-east-1:123456789012:function:smoke"


def spec(**services) -> dict:
    return {"app": "shop", "load_balancer": {"public": True}, "services": services}


def web(path="/", **deployment) -> dict:
    return {"image": f"{ECR}/web:1", "port": 8080, "http": {"path": path}, "deployment": deployment}


def built(data: dict) -> dict[str, dict]:
    return {stem: t.to_dict() for stem, t in pipeline.build_templates(model_of(data))}


def resources(tpl: dict, type_: str) -> dict[str, dict]:
    return {k: r["Properties"] for k, r in tpl["Resources"].items() if r["Type"] == type_}


def diagnose(data: dict) -> list[tuple[str, str]]:
    found = checks.run(model_of(data), data, Locator("spec.yaml"))
    return [(d.code, d.path) for d in found if d.code in ("FC225", "FC226")]


# --- normalize ---------------------------------------------------------------------------------

@pytest.mark.parametrize("deployment, expected", [
    ({}, ("ROLLING", None, None, None, False)),
    ({"strategy": "canary"}, ("CANARY", 5.0, 10, 15, True)),
    ({"strategy": "linear"}, ("LINEAR", 10.0, 6, 15, True)),
    ({"strategy": "blue_green", "bake": "5m"}, ("BLUE_GREEN", None, None, 5, True)),
    ({"strategy": "canary", "canary": {"percent": 10, "bake": "2m"}, "alarms": False},
     ("CANARY", 10.0, 2, 15, False)),
    ({"alarms": True}, ("ROLLING", None, None, None, True)),
])
def test_defaults_are_ecs_own(deployment, expected):
    d = model_of(spec(web=web(**deployment))).services[0].deployment
    assert (d.strategy, d.percent, d.step_bake, d.bake, d.alarms is not None) == expected


# --- templates ---------------------------------------------------------------------------------

def test_a_canary_service_on_slash_gets_its_own_production_rule_and_what_ecs_needs():
    out = built(spec(web=web(strategy="canary", canary={"percent": 10, "bake": "5m"})))
    alb, svcs = out["alb"], out["services"]
    groups = resources(alb, "AWS::ElasticLoadBalancingV2::TargetGroup")
    assert set(groups) == {"WebTargetGroup", "WebAlternateTargetGroup"}
    rule = alb["Resources"]["WebListenerRule"]["Properties"]
    assert rule["Priority"] == 50000
    assert rule["Conditions"][0]["PathPatternConfig"]["Values"] == ["/*"]
    assert rule["Actions"][0]["ForwardConfig"]["TargetGroups"] == [
        {"TargetGroupArn": {"Ref": "WebTargetGroup"}, "Weight": 100},
        {"TargetGroupArn": {"Ref": "WebAlternateTargetGroup"}, "Weight": 0}]
    service = svcs["Resources"]["WebEcsService"]["Properties"]
    dc = service["DeploymentConfiguration"]
    assert dc["Strategy"] == "CANARY"
    assert dc["CanaryConfiguration"] == {"CanaryPercent": 10.0, "CanaryBakeTimeInMinutes": 5}
    assert dc["BakeTimeInMinutes"] == 15
    assert dc["Alarms"]["Enable"] is True and dc["Alarms"]["Rollback"] is True
    assert {a["Ref"] for a in dc["Alarms"]["AlarmNames"]} == {
        "WebDeployErrorsAlarm", "WebDeployUnhealthyAlarm", "WebDeployLatencyAlarm"}
    advanced = service["LoadBalancers"][0]["AdvancedConfiguration"]
    assert advanced == {"AlternateTargetGroupArn": {"Ref": "WebAlternateTargetGroupArn"},
                        "ProductionListenerRule": {"Ref": "WebProductionListenerRuleArn"},
                        "RoleArn": {"Fn::GetAtt": ["WebEcsLoadBalancersRole", "Arn"]}}
    role = svcs["Resources"]["WebEcsLoadBalancersRole"]["Properties"]
    trust = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Service": ["ecs.amazonaws.com"]}
    assert set(trust["Condition"]) == {"StringEquals", "ArnLike"}
    statements = {s["Sid"]: s for s in role["Policies"][0]["PolicyDocument"]["Statement"]}
    assert statements["ListenerRules"]["Resource"] == [{"Ref": "WebProductionListenerRuleArn"}]
    assert statements["TargetGroups"]["Resource"] == [{"Ref": "WebTargetGroupArn"},
                                                      {"Ref": "WebAlternateTargetGroupArn"}]
    # every wired parameter is some stack's output
    outputs = {o for t in out.values() for o in t.get("Outputs", {})}
    assert set(svcs["Parameters"]) <= outputs


def test_errors_alarm_is_metric_math_over_both_groups():
    svcs = built(spec(web=web(strategy="blue_green", alarms={"errors_percent": 0.5, "latency_p99": "800ms"})))["services"]
    errors = svcs["Resources"]["WebDeployErrorsAlarm"]["Properties"]
    assert errors["Threshold"] == 0.5
    ids = [q["Id"] for q in errors["Metrics"]]
    assert ids == ["e1", "e2", "r1", "r2", "result"]
    assert errors["Metrics"][-1]["Expression"] == "MAX([100 * FILL(e1, 0) / FILL(r1, 1), 100 * FILL(e2, 0) / FILL(r2, 1)])"
    assert svcs["Resources"]["WebDeployLatencyAlarm"]["Properties"]["Threshold"] == 0.8


def test_rolling_services_are_unchanged_and_alarms_are_opt_in():
    svcs = built(spec(web=web()))["services"]
    dc = svcs["Resources"]["WebEcsService"]["Properties"]["DeploymentConfiguration"]
    assert set(dc) == {"MinimumHealthyPercent", "MaximumPercent", "DeploymentCircuitBreaker"}
    dc = built(spec(web=web(alarms=True)))["services"]["Resources"]["WebEcsService"]["Properties"]["DeploymentConfiguration"]
    assert "Strategy" not in dc and len(dc["Alarms"]["AlarmNames"]) == 3


def test_blue_green_with_hook_and_test_port():
    data = spec(api=web("/api/*", strategy="blue_green", hooks=[{"lambda": HOOK, "stages": ["post_test_traffic_shift"]}],
                        test_traffic={"port": 8443}))
    out = built(data)
    alb, svcs = out["alb"], out["services"]
    listener = alb["Resources"]["TestListener8443"]["Properties"]
    assert listener["Port"] == 8443
    test_rule = alb["Resources"]["ApiTestListenerRule"]["Properties"]
    assert test_rule["ListenerArn"] == {"Ref": "TestListener8443"}
    service = svcs["Resources"]["ApiEcsService"]["Properties"]
    assert service["LoadBalancers"][0]["AdvancedConfiguration"]["TestListenerRule"] == {"Ref": "ApiTestListenerRuleArn"}
    hook = service["DeploymentConfiguration"]["LifecycleHooks"][0]
    assert hook["HookTargetArn"] == HOOK and hook["LifecycleStages"] == ["POST_TEST_TRAFFIC_SHIFT"]
    policy = svcs["Resources"]["ApiEcsHooksRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    assert policy["Statement"] == [{"Sid": "InvokeHooks", "Effect": "Allow", "Action": ["lambda:InvokeFunction"],
                                    "Resource": [HOOK]}]


def test_header_test_rule_sits_one_priority_before_its_production_rule():
    data = spec(api=web("/api/*", strategy="linear", test_traffic={"header": {"X-Canary": "1"}}),
                other=web("/other/*"))
    app = model_of(data)
    alb = built(data)["alb"]
    production = alb["Resources"]["ApiListenerRule"]["Properties"]
    test = alb["Resources"]["ApiTestListenerRule"]["Properties"]
    assert test["Priority"] == production["Priority"] - 1
    assert test["Conditions"][-1] == {"Field": "http-header",
                                      "HttpHeaderConfig": {"HttpHeaderName": "X-Canary", "Values": ["1"]}}
    priorities = [s.http.priority for s in app.routed_services]
    assert production["Priority"] - 1 not in priorities


def test_service_connect_only_service_shifts_with_its_own_alarms_and_test_header():
    data = spec(orders={"image": f"{ECR}/o:1", "port": 9000, "connect": True,
                        "deployment": {"strategy": "linear", "test_traffic": {"header": {"X-Canary": "1"}}}})
    svcs = built(data)["services"]
    service = svcs["Resources"]["OrdersEcsService"]["Properties"]
    assert "LoadBalancers" not in service
    assert service["DeploymentConfiguration"]["Alarms"]["AlarmNames"] == [
        "shop-dev-orders-deploy-5xx", "shop-dev-orders-deploy-p99"]
    alias = service["ServiceConnectConfiguration"]["Services"][0]["ClientAliases"][0]
    assert alias["TestTrafficRules"] == {"Header": {"Name": "X-Canary", "Value": {"Exact": "1"}}}
    dims = svcs["Resources"]["OrdersDeployErrorsAlarm"]["Properties"]["Metrics"][0]["MetricStat"]["Metric"]["Dimensions"]
    assert [d["Name"] for d in dims] == ["ClusterName", "ServiceName", "DiscoveryName"]


def test_scheduled_count_becomes_scheduled_actions():
    svc = web(strategy="rolling")
    svc["count"] = {"range": "2-10", "cpu_percentage": 60, "schedule": [
        {"cron": "0 20 * * 1-5", "range": "0-0", "timezone": "Europe/Paris"},
        {"cron": "0 7 * * 1-5", "range": "2-10"}]}
    target = built(spec(web=svc))["services"]["Resources"]["WebScalableTarget"]["Properties"]
    assert target["ScheduledActions"] == [
        {"ScheduledActionName": "web-window-1", "Schedule": "cron(0 20 ? * 2-6 *)", "Timezone": "Europe/Paris",
         "ScalableTargetAction": {"MinCapacity": 0, "MaxCapacity": 0}},
        {"ScheduledActionName": "web-window-2", "Schedule": "cron(0 7 ? * 2-6 *)", "Timezone": "UTC",
         "ScalableTargetAction": {"MinCapacity": 2, "MaxCapacity": 10}}]


@pytest.mark.slow
def test_progressive_example_lints_clean():
    app, found = pipeline.validate(str(ROOT / "examples" / "progressive.yaml"))
    assert app is not None, [d.format() for d in found]
    for stem, t in pipeline.build_templates(app):
        matches = cfnlint.api.lint(t.to_json(), config=cfnlint.api.ManualArgs(regions=["us-east-1"]))
        assert [m for m in matches if m.rule.id.startswith("E")] == [], stem


# --- checks ------------------------------------------------------------------------------------

WORKER = {"image": f"{ECR}/w:1"}


@pytest.mark.parametrize("services, expected", [
    ({"w": {**WORKER, "deployment": {"strategy": "canary"}}}, [("FC225", "services.w.deployment.strategy")]),
    ({"w": web(strategy="canary", linear={"percent": 10})}, [("FC225", "services.w.deployment.linear")]),
    ({"w": web(strategy="canary", canary={"percent": 10.05})}, [("FC225", "services.w.deployment.canary.percent")]),
    ({"w": web(strategy="blue_green", bake="90s")}, [("FC225", "services.w.deployment.bake")]),
    ({"w": web(strategy="blue_green", bake="25h")}, [("FC225", "services.w.deployment.bake")]),
    ({"w": web(strategy="linear", linear={"percent": 3, "bake": "1h"})}, [("FC225", "services.w.deployment.linear")]),
    ({"w": web(strategy="canary", canary={"bake": "24h"}, bake="10h")}, [("FC225", "services.w.deployment.canary")]),
    ({"w": web(hooks=[{"lambda": HOOK, "stages": ["pre_scale_up"]}])}, [("FC225", "services.w.deployment.hooks")]),
    ({"w": web(strategy="blue_green", hooks=[{"lambda": "smoke", "stages": ["pre_scale_up"]}])},
     [("FC225", "services.w.deployment.hooks[0].lambda")]),
    ({"w": web(strategy="blue_green", hooks=[{"lambda": HOOK, "stages": ["test_traffic_shift"]}])},
     [("FC225", "services.w.deployment.hooks[0].stages")]),
    ({"w": web(test_traffic={"port": 8443})}, [("FC225", "services.w.deployment.test_traffic")]),
    ({"w": web(strategy="blue_green", test_traffic={"port": 80})}, [("FC225", "services.w.deployment.test_traffic.port")]),
    ({"w": {**WORKER, "deployment": {"alarms": True}}}, [("FC225", "services.w.deployment.alarms")]),
    ({"w": {**web("/w/*", strategy="blue_green", test_traffic={"header": {"X-T": "1"}}), "http": {"path": "/w/*", "priority": 1}}},
     [("FC225", "services.w.deployment.test_traffic.header")]),
    ({"w": {**web(strategy="canary"), "count": {"range": "1-3", "requests": 100}}}, [("FC225", "services.w.count.requests")]),
    ({"w": web(strategy="canary"), "v": {**web(), "http": {"path": "/v/*", "priority": 50000}}},
     [("FC225", "services.v.http.priority")]),
    ({"w": web(strategy="linear", linear={"percent": 20, "bake": "3m"}, bake="10m",
               hooks=[{"lambda": HOOK, "stages": ["post_scale_up"]}], test_traffic={"header": {"X-T": "1"}})}, []),
])
def test_deployment_checks(services, expected):
    assert diagnose(spec(**services)) == expected


def test_schedule_checks():
    svc = web()
    svc["count"] = {"range": "1-3", "cpu_percentage": 50, "schedule": [
        {"cron": "0 25 * * *", "range": "3-1", "timezone": "Mars/Olympus"}, {"cron": "@daily", "range": "0-0"}]}
    assert diagnose(spec(w=svc)) == [("FC226", "services.w.count.schedule[0].cron"),
                                     ("FC226", "services.w.count.schedule[0].range"),
                                     ("FC226", "services.w.count.schedule[0].timezone")]


@pytest.mark.parametrize("percent, steps", [(50, 1), (10, 9), (11, 9), (3, 33), (100, 0), (33.3, 3)])
def test_linear_steps_as_cloudformation_counts_them(percent, steps):
    assert linear_steps(percent) == steps


# --- diff --------------------------------------------------------------------------------------

def side(tmp_path, text: str, name: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    found_side, found = templates.from_spec(str(path))
    assert found_side is not None, [d.format() for d in found]
    return found_side


def test_image_only_edit_shows_no_hazard_and_a_shifted_rule_edit_does(tmp_path):
    text = (ROOT / "examples" / "progressive.yaml").read_text()
    old = side(tmp_path, text, "a.yaml")
    image = compute(old, side(tmp_path, text.replace("nginx/nginx:1.27", "nginx/nginx:1.28"), "b.yaml"))
    assert image.hazards == [] and image.as_json()["stacks"]["services.json"]["modified"]
    route = compute(old, side(tmp_path, text.replace("/checkout/*", "/pay/*"), "c.yaml"))
    assert {(h.kind, h.id) for h in route.hazards} == {("shift-revert", "CheckoutListenerRule"),
                                                      ("shift-revert", "CheckoutTestListenerRule")}
    back = compute(old, side(tmp_path, text.replace("strategy: canary", "strategy: rolling")
                             .replace("canary: {percent: 10, bake: 5m}", ""), "d.yaml"))
    assert ("shift-revert", "WebListenerRule") in {(h.kind, h.id) for h in back.hazards}


# --- plan --------------------------------------------------------------------------------------

def test_plan_gives_each_service_its_deployment_time_and_prices_the_schedule():
    app, found = pipeline.validate(str(ROOT / "examples" / "progressive.yaml"))
    plan = make_plan(app, "progressive.yaml", pipeline.build_templates(app), prices.load(), "us-east-1",
                     cost.Assumptions())
    times = {d.service: d for d in plan.deployments}
    rolls = {r.service: r for r in plan.rollouts}
    web_ = times["web"]
    assert web_.strategy == "canary"
    assert web_.seconds == rolls["web"].healthy_seconds + 5 * 60 + 10 * 60 + rolls["web"].drain_seconds
    checkout = times["checkout"]
    assert checkout.seconds == rolls["checkout"].healthy_seconds + 4 * 3 * 60 + 15 * 60 + rolls["checkout"].drain_seconds
    saving = [i for i in plan.costs if i.item == "orders: scheduled count"]
    assert len(saving) == 1 and saving[0].monthly < 0
    # Mon-Fri 20:00-07:00 and the weekend at 0 tasks: 65 of 168 hours at 2
    assert "0.77 tasks" in saving[0].assumption


# A minimal Copilot service (the corpus helper's), with rollback alarms.
COPILOT = ENV_PARTNER + "deployment:\n  rollback_alarms: %s\n"


@pytest.mark.parametrize("alarms, expected", [
    ("[shop-errors, shop-latency]", ["shop-errors", "shop-latency"]),
    ("{cpu_utilization: 70}", True),
])
def test_copilot_rollback_alarms_map_to_deployment_alarms(tmp_path, capsys, alarms, expected):
    cdir = tmp_path / "ws" / "copilot"
    (cdir / "web").mkdir(parents=True)
    (cdir / ".workspace").write_text("application: shop\n")
    (cdir / "web" / "manifest.yml").write_text(COPILOT % alarms)
    code = cli.main(["import-copilot", str(tmp_path / "ws")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert yaml.safe_load(out)["services"]["web"]["deployment"]["alarms"] == expected


def test_alb_capacity_counts_what_shifted_services_output():
    from compiler.checks import alb_capacity
    from compiler.checks.deployment_strategy import alb_extra
    app, _ = pipeline.validate(str(ROOT / "examples" / "progressive.yaml"))
    alb = dict(pipeline.build_templates(app))["alb"]
    routed = app.routed_services
    base = alb_capacity.FIXED_OUTPUTS + len(routed) + sum(1 for s in routed if s.scaling and s.scaling.requests)
    assert base + alb_extra(app)[0] == len(alb.outputs)


def test_a_services_stack_over_500_resources_is_refused_before_lint():
    from compiler.checks.deployment_strategy import stack_resources
    many = {f"s{i}": {**web(f"/s{i}/*", strategy="canary", alarms={"names": ["x"]},
                            hooks=[{"lambda": HOOK, "stages": ["post_scale_up"]}]),
                      "connect": True, "discovery": True, "exec": True,
                      "count": {"range": "1-4", "cpu_percentage": 50, "memory_percentage": 50}}
            for i in range(30)}
    data = spec(**many)
    found = [d for d in checks.run(model_of(data), data, Locator("spec.yaml")) if d.code == "FC225"]
    assert [(d.path, "500" in d.message) for d in found] == [("services.s29", True)]
