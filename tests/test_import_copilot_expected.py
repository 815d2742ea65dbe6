"""Imported Copilot manifests against what Copilot itself generated for them.

`tests/data/copilot/expected/` holds the stack templates (and parameters) Copilot's
own tests expect for some manifests. Each pair here is imported (with the environment the
template was generated for), compiled, and the values that decide how the service runs are
compared: container port, task count, cpu/memory, health check, deregistration delay,
grace period, public IP (placement).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))
import copilot_workspaces as corpus  # noqa: E402

from compiler import cli, pipeline  # noqa: E402

EXPECTED = corpus.CORPUS / "expected"
MANIFESTS = corpus.CORPUS / "manifests"

# (manifest, environment, expected template, expected parameters)
PAIRS = [
    ("stack-testdata-workloads__svc-manifest.yml", "test",
     "stack-testdata-workloads__svc-test.stack.yml", "stack-testdata-workloads__svc-test.params.json"),
    ("stack-testdata-workloads__svc-manifest.yml", "staging",
     "stack-testdata-workloads__svc-staging.stack.yml", "stack-testdata-workloads__svc-staging.params.json"),
    ("stack-testdata-workloads__svc-manifest.yml", "prod",
     "stack-testdata-workloads__svc-prod.stack.yml", "stack-testdata-workloads__svc-prod.params.json"),
    ("stack-testdata-stacklocal__manifest.yml", None,
     "stack-testdata-stacklocal__autoscaling-svc-cf.yml", "stack-testdata-stacklocal__cf.params.json"),
] + [
    (f"stack-testdata-workloads-backend__{m}-manifest.yml", None,
     f"stack-testdata-workloads-backend__{t}.yml", f"stack-testdata-workloads-backend__{p}.json")
    for m, t, p in [("http-full-config", "http-full-config-template", "http-full-config-params"),
                    ("http-only-path", "http-only-path-template", "http-only-path-params"),
                    ("https-path-alias", "https-path-alias-template", "https-path-alias-params"),
                    ("simple", "simple-template", "simple-params"),
                    ]
] + [("stack-testdata-workloads-backend__simple-manifest-without-port-config.yml", None,
      "stack-testdata-workloads-backend__simple-template-without-port-config.yml",
      "stack-testdata-workloads-backend__simple-params-without-port-config.json")]


class _CfnLoader(yaml.SafeLoader):
    """Copilot's templates use !Ref, !Sub, ... : keep them as {"!Tag": value}."""


def _tagged(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {"!" + suffix: value}


_CfnLoader.add_multi_constructor("!", _tagged)


def _resolve(value, params: dict):
    if isinstance(value, dict) and "!Ref" in value and value["!Ref"] in params:
        return params[value["!Ref"]]
    if isinstance(value, dict) and "Ref" in value and value["Ref"] in params:
        return params[value["Ref"]]
    return value


def _of_type(resources: dict, kind: str) -> list[dict]:
    return [r.get("Properties", {}) for r in resources.values() if r.get("Type") == kind]


def _scaling(resources: dict) -> dict:
    """Min/max capacity and the target of each predefined metric (CPU, memory, requests)."""
    out = {}
    for target in _of_type(resources, "AWS::ApplicationAutoScaling::ScalableTarget"):
        out["min"], out["max"] = int(target["MinCapacity"]), int(target["MaxCapacity"])
    for policy in _of_type(resources, "AWS::ApplicationAutoScaling::ScalingPolicy"):
        conf = policy.get("TargetTrackingScalingPolicyConfiguration", {})
        metric = conf.get("PredefinedMetricSpecification", {}).get("PredefinedMetricType")
        if metric:
            out[metric] = int(conf["TargetValue"])
    return out


def _copilot_values(template: dict, params: dict) -> dict:
    res = template.get("Resources", template)    # stacklocal's expected file is a fragment
    if not _of_type(res, "AWS::ECS::Service"):
        return {"scaling": _scaling(res)}
    port = int(params["ContainerPort"]) if params.get("ContainerPort") else -1
    out = {"scaling": _scaling(res), "port": None if port == -1 else port,   # Copilot's -1: no port
           "cpu": int(params["TaskCPU"]), "memory": int(params["TaskMemory"]),
           "count": int(params["TaskCount"])}
    tgs = _of_type(res, "AWS::ElasticLoadBalancingV2::TargetGroup")
    if tgs:
        tg = tgs[0]
        out["hc_path"] = _resolve(tg.get("HealthCheckPath", "/"), params)
        for key in ("HealthCheckIntervalSeconds", "HealthCheckTimeoutSeconds", "HealthyThresholdCount",
                    "UnhealthyThresholdCount"):
            if key in tg:
                out[key] = int(tg[key])
        attrs = {a["Key"]: a["Value"] for a in tg.get("TargetGroupAttributes", [])}
        out["deregistration"] = int(attrs["deregistration_delay.timeout_seconds"])
    svc = _of_type(res, "AWS::ECS::Service")[0]
    if "HealthCheckGracePeriodSeconds" in svc and tgs:
        out["grace"] = int(_resolve(svc["HealthCheckGracePeriodSeconds"], params))
    awsvpc = svc["NetworkConfiguration"]["AwsvpcConfiguration"]
    out["public_ip"] = awsvpc.get("AssignPublicIp") == "ENABLED"
    return out


def _our_values(files: dict, copilot: dict) -> dict:
    resources = {}
    for name, text in files.items():
        resources.update({f"{name}:{k}": v for k, v in json.loads(text).get("Resources", {}).items()})
    scaling = _scaling(resources)
    if set(copilot) == {"scaling"}:
        return {"scaling": scaling}
    task = _of_type(resources, "AWS::ECS::TaskDefinition")[0]
    main = task["ContainerDefinitions"][0]
    ports = main.get("PortMappings") or []
    svc = _of_type(resources, "AWS::ECS::Service")[0]
    targets = _of_type(resources, "AWS::ApplicationAutoScaling::ScalableTarget")
    out = {"scaling": scaling, "port": ports[0]["ContainerPort"] if ports else None,
           "cpu": int(task["Cpu"]), "memory": int(task["Memory"]),
           # autoscaled: the service starts at the scalable target's minimum (Copilot's TaskCount)
           "count": targets[0]["MinCapacity"] if targets else svc.get("DesiredCount", 1)}
    # The route's own target group: not an additional rule's (<Key>Rule<N>...) nor an NLB's.
    tgs = [r.get("Properties", {}) for k, r in sorted(resources.items())
           if r.get("Type") == "AWS::ElasticLoadBalancingV2::TargetGroup" and "Rule" not in k and "Nlb" not in k]
    if tgs:
        tg = tgs[0]
        out["hc_path"] = tg.get("HealthCheckPath")
        for key in ("HealthCheckIntervalSeconds", "HealthCheckTimeoutSeconds", "HealthyThresholdCount",
                    "UnhealthyThresholdCount"):
            if key in copilot:
                out[key] = tg[key]
        attrs = {a["Key"]: a["Value"] for a in tg.get("TargetGroupAttributes", [])}
        out["deregistration"] = int(attrs["deregistration_delay.timeout_seconds"])
        if "grace" in copilot:
            out["grace"] = svc.get("HealthCheckGracePeriodSeconds")
    awsvpc = svc["NetworkConfiguration"]["AwsvpcConfiguration"]
    out["public_ip"] = awsvpc.get("AssignPublicIp") == "ENABLED"
    return out


@pytest.mark.parametrize("manifest, env, template, params", PAIRS, ids=[f"{p[2]}" for p in PAIRS])
def test_imported_values_match_what_copilot_generated(tmp_path, manifest, env, template, params):
    data = yaml.safe_load((MANIFESTS / manifest).read_text())
    ws = corpus.Workspace("ws", [f"manifests/{manifest}"], env_name=env)
    root = corpus.assemble(ws, tmp_path)
    spec = tmp_path / "spec.yaml"
    argv = ["import-copilot", str(root), "--output", str(spec)] + (["--env", env] if env else [])
    with contextlib.redirect_stderr(io.StringIO()) as err, contextlib.redirect_stdout(io.StringIO()):
        assert cli.main(argv) == 0, err.getvalue()
    text = spec.read_text()
    values = {v: "123456789012.dkr.ecr.us-west-2.amazonaws.com/app:1" for v in re.findall(r"\$\{(\w+)\}", text)}
    result = pipeline.compile_spec(str(spec), str(tmp_path / "out"), lint=False, values=values)
    assert result.status == pipeline.OK, [d.format() for d in result.diagnostics]

    params_data = json.loads((EXPECTED / params).read_text())["Parameters"]
    copilot = _copilot_values(yaml.load((EXPECTED / template).read_text(), Loader=_CfnLoader), params_data)
    ours = _our_values(result.files, copilot)
    assert ours == copilot, f"{data['name']} ({env}): ours {ours} vs Copilot's {copilot}"
