"""A 120-service app (90 behind the ALB, all on Service Connect) compiles into
stacks within CloudFormation's limits, lint-clean, with every service present;
services never move between stacks when services are appended."""

from __future__ import annotations

import json

import pytest
import yaml

from compiler.pipeline import OK, compile_spec

LIMITS = {"resources": 500, "parameters": 200, "outputs": 200, "bytes": 1_000_000}


def big_spec(n: int, routed_every: int = 4) -> dict:
    services = {}
    for i in range(n):
        svc = {
            "image": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/svc{i:03d}:1.0",
            "port": 8000 + i % 50,
            "connect": True,
        }
        if i % routed_every != routed_every - 1:
            svc["http"] = {"path": f"/svc{i:03d}/*"}
            if i % 10 == 0:
                svc["count"] = {"range": "1-4", "cpu_percentage": 60, "requests": 500}
        services[f"svc{i:03d}"] = svc
    return {"app": "big", "network": {"nat": "single"}, "load_balancer": {}, "services": services}


def write_spec(tmp_path, spec: dict, name: str = "spec.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


@pytest.mark.slow
def test_120_services_fit_the_limits_lint_clean_and_all_present(tmp_path):
    spec = big_spec(120)
    assert sum(1 for s in spec["services"].values() if "http" in s) == 90
    result = compile_spec(str(write_spec(tmp_path, spec)), str(tmp_path / "out"))
    assert result.status == OK, [d.format() for d in result.diagnostics][:10]
    assert [d for d in result.diagnostics if d.severity == "error"] == []
    templates = {name: json.loads(text) for name, text in result.files.items()}
    assert {"services.json", "services-2.json", "services-3.json", "services-4.json"} <= set(templates)
    for name, text in result.files.items():
        tpl = templates[name]
        assert len(tpl["Resources"]) <= LIMITS["resources"], name
        assert len(tpl.get("Parameters", {})) <= LIMITS["parameters"], name
        assert len(tpl.get("Outputs", {})) <= LIMITS["outputs"], name
        assert len(text.encode()) <= LIMITS["bytes"], name

    ecs_services = {
        (name, r["Properties"]["TaskDefinition"]["Ref"])
        for name, tpl in templates.items() if name.startswith("services")
        for r in tpl["Resources"].values() if r["Type"] == "AWS::ECS::Service"
    }
    assert len(ecs_services) == 120
    target_groups = [r for r in templates["alb.json"]["Resources"].values()
                     if r["Type"] == "AWS::ElasticLoadBalancingV2::TargetGroup"]
    assert len(target_groups) == 90
    root = templates["root.json"]["Resources"]
    assert {"ServicesStack", "Services2Stack", "Services3Stack", "Services4Stack"} <= set(root)


def _stack_of_each_service(result) -> dict[str, str]:
    placed = {}
    for name, text in result.files.items():
        if name.startswith("services"):
            for res in json.loads(text)["Resources"].values():
                if res["Type"] == "AWS::ECS::TaskDefinition":
                    family = res["Properties"]["Family"]
                    placed[family.rsplit("-", 1)[-1]] = name
    return placed


def test_appending_services_moves_no_existing_service(tmp_path):
    before = compile_spec(str(write_spec(tmp_path, big_spec(45), "a.yaml")), str(tmp_path / "a"), lint=False)
    after = compile_spec(str(write_spec(tmp_path, big_spec(75), "b.yaml")), str(tmp_path / "b"), lint=False)
    placed_before, placed_after = _stack_of_each_service(before), _stack_of_each_service(after)
    assert len(placed_before) == 45 and len(placed_after) == 75
    assert all(placed_after[svc] == stack for svc, stack in placed_before.items())


def test_pinned_service_lands_in_its_named_stack(tmp_path):
    spec = big_spec(5)
    spec["services"]["svc002"]["stack"] = "billing"
    result = compile_spec(str(write_spec(tmp_path, spec)), str(tmp_path / "out"), lint=False)
    assert _stack_of_each_service(result)["svc002"] == "services-billing.json"
    assert "ServicesBillingStack" in json.loads(result.files["root.json"])["Resources"]


@pytest.mark.parametrize("n,code", [(220, "FC222")])
def test_too_many_routed_services_for_one_alb_stack_is_an_error(tmp_path, n, code):
    spec = big_spec(n, routed_every=1000)
    result = compile_spec(str(write_spec(tmp_path, spec)), str(tmp_path / "out"), lint=False)
    assert result.status != OK
    assert code in {d.code for d in result.diagnostics}
    assert not (tmp_path / "out").exists()


def test_more_than_100_rules_on_a_listener_is_a_warning_not_an_error(tmp_path):
    spec = big_spec(110, routed_every=1000)
    result = compile_spec(str(write_spec(tmp_path, spec)), str(tmp_path / "out"), lint=False)
    assert result.status == OK
    warnings = [d for d in result.diagnostics if d.severity == "warning"]
    assert any("100" in d.message for d in warnings), [d.format() for d in warnings]
