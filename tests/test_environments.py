"""environments.select and variables.substitute: stages on the loaded data, locations kept;
and the command line's --env, --all-envs and --var."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from compiler import pipeline
from compiler.spec import environments, loader, normalize, variables
from compiler.cli import main

ROOT = Path(__file__).resolve().parent.parent

BASE = """\
app: shop
environment: dev
load_balancer: {}
services:
  api:
    image: nginx:1.27
    port: 80
    http: {path: /}
    variables: {A: "1", B: "2"}
    command: [serve, --fast]
environments:
  prod:
    load_balancer:
      https: {certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/abc}
    services:
      api:
        count: {range: "2-8", cpu_percentage: 50}
        variables: {B: "3"}
        command: [serve]
        http:
"""


def load(tmp_path, text: str):
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    return spec, *loader.load(str(spec))[:2]


def test_mappings_merge_lists_and_scalars_replace_and_null_changes_nothing(tmp_path):
    _, data, locator = load(tmp_path, BASE)
    merged, _, found = environments.select(data, locator, "prod")
    assert found == []
    api = merged["services"]["api"]
    assert api["variables"] == {"A": "1", "B": "3"}            # merged key by key
    assert api["command"] == ["serve"]                          # a list replaces
    assert api["count"] == {"range": "2-8", "cpu_percentage": 50}
    assert api["http"] == {"path": "/"}                         # bare `http:` is no override
    assert merged["load_balancer"]["https"]["certificate_arn"].endswith("/abc")
    assert merged["environment"] == "prod"
    assert data["services"]["api"]["variables"] == {"A": "1", "B": "2"}   # the input is not changed


def test_overridden_values_point_at_the_override(tmp_path):
    _, data, locator = load(tmp_path, BASE)
    _, moved, _ = environments.select(data, locator, "prod")
    assert moved.position(("services", "api", "variables", "B")) == (18, 24)
    assert moved.position(("services", "api", "variables", "A")) == (9, 20)   # still the base's
    assert moved.position(("services", "api", "count", "range")) == (17, 24)
    assert moved.position(("environment",)) == (12, 3)


def test_errors_inside_an_override_name_its_line_all_at_once(tmp_path):
    spec, _, _ = load(tmp_path, BASE.replace('cpu_percentage: 50', 'cpu_percentage: 500')
                      .replace('{B: "3"}', '{B: "3"}\n        cpu: 300'))
    app, found = pipeline.validate(str(spec), "prod")
    assert app is None
    assert {(d.path, d.line) for d in found if d.severity == "error"} == {
        ("services.api.count.cpu_percentage", 17), ("services.api.cpu", 19)}
    # dev does not apply the override, but every compile checks every override's shape (issue 21)
    app, found = pipeline.validate(str(spec))
    assert app is None
    assert {(d.path, d.line) for d in found if d.severity == "error"} == {
        ("services.api.count.cpu_percentage", 17), ("services.api.cpu", 19)}
    assert all(d.message.endswith("(in environment prod)") for d in found if d.severity == "error")


def test_an_unselected_environment_with_keys_one_level_too_far_out_fails_check_and_compile(tmp_path, capsys):
    from compiler.cli import main

    spec = tmp_path / "spec.yaml"
    spec.write_text("app: shop\nservices:\n  web: {image: nginx}\nenvironments:\n  extra:\n"
                    "    image: nginx\n    port: 80\n    cpuu: 256\n")
    assert main(["check", str(spec)]) == 1
    err = capsys.readouterr().err
    assert {line.split(": error: ")[0] for line in err.splitlines() if ": error: " in line} == {
        f"{spec}:6:5", f"{spec}:7:5", f"{spec}:8:5"}
    assert main([str(spec), "--output-dir", str(tmp_path / "out")]) == 1
    assert not (tmp_path / "out").exists()


def test_environment_names_and_unknown_env(tmp_path):
    spec, data, locator = load(tmp_path, BASE)
    assert environments.names(data) == ["dev", "prod"]
    assert pipeline.environment_names(str(spec)) == ["dev", "prod"]
    with pytest.raises(environments.UnknownEnvironment, match="it defines: dev, prod"):
        environments.select(data, locator, "stage")
    assert environments.select(data, locator, "dev")[0] is data      # the spec's own, no override


def test_the_default_environment_is_normalize_s():
    assert normalize.normalize({"app": "a", "services": {"s": {"image": "x", "port": 1}}}).environment \
        == environments.DEFAULT_ENVIRONMENT


@pytest.mark.parametrize("text, values, expected", [
    ("img:${TAG}", {"TAG": "1.2"}, "img:1.2"),
    ("${TAG:-latest}", {}, "latest"),
    ("${TAG:-latest}", {"TAG": ""}, ""),                # set but empty: the value, as given
    ("$${TAG} ${AWS::Region}", {}, "${TAG} ${AWS::Region}"),
    ("${COUNT}", {"COUNT": "3"}, 3),                    # a whole reference reads like YAML
    ("${FLAG}", {"FLAG": "true"}, True),
    ("${TAG}", {"TAG": "1.10"}, "1.10"),                # never a float
    ("${TAG}", {"TAG": "007"}, "007"),
    ("v${COUNT}", {"COUNT": "3"}, "v3"),
])
def test_substitution(text, values, expected):
    locator = loader.Locator("s.yaml")
    out = variables.substitute({"k": text}, locator, values)
    assert out.diagnostics == [] and out.data == {"k": expected}


def test_keys_and_the_environments_block_are_not_substituted():
    out = variables.substitute({"${K}": "x", "environments": {"p": {"v": "${UNSET}"}}},
                               loader.Locator("s.yaml"), {})
    assert out.diagnostics == [] and out.data == {"${K}": "x", "environments": {"p": {"v": "${UNSET}"}}}


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


def test_secret_looking_values_never_appear_in_messages(tmp_path):
    spec, _, _ = load(tmp_path, BASE.replace("port: 80", "port: ${DB_PASSWORD}")
                      .replace("image: nginx:1.27", "image: ${IMAGE}"))
    status, _, err = run([str(spec), "--no-cache", "--var", "DB_PASSWORD=hunter2-not-a-port",
                          "--var", "IMAGE=bad image"])
    assert status == 1
    assert "hunter2" not in err and "'${DB_PASSWORD}' is not an integer" in err
    assert "'bad image'" in err                          # an ordinary variable's value is shown


def test_cli_env_all_envs_and_var(tmp_path, monkeypatch):
    spec, _, _ = load(tmp_path, BASE.replace("nginx:1.27", "nginx:${TAG}"))
    out = tmp_path / "out"
    status, _, err = run([str(spec), "--env", "stage", "--output-dir", str(out), "--var", "TAG=1"])
    assert status == 2 and "environment 'stage' is not defined" in err and not out.exists()
    status, _, err = run([str(spec), "--var", "no-equals", "--output-dir", str(out)])
    assert status == 2 and "NAME=VALUE" in err
    monkeypatch.setenv("TAG", "from-env")
    status, stdout, err = run([str(spec), "--all-envs", "--no-lint", "--output-dir", str(out), "--var", "TAG=1.27"])
    assert status == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["shop-dev", "shop-prod"]
    prod = json.loads((out / "shop-prod" / "services.json").read_text())
    [container] = prod["Resources"]["ApiTaskDefinition"]["Properties"]["ContainerDefinitions"]
    assert container["Image"] == "nginx:1.27"           # --var wins over the environment
    assert prod["Resources"]["ApiScalableTarget"]["Properties"]["MinCapacity"] == 2
    status, stdout, _ = run([str(spec), "--env", "prod", "--no-lint", "--output-dir", str(out)])
    assert status == 0 and "compiled" in stdout          # another TAG value: not the cached build
    [container] = json.loads((out / "shop-prod" / "services.json").read_text())[
        "Resources"]["ApiTaskDefinition"]["Properties"]["ContainerDefinitions"]
    assert container["Image"] == "nginx:from-env"


def test_plan_takes_env(tmp_path):
    spec, _, _ = load(tmp_path, BASE)
    status, stdout, _ = run(["plan", str(spec), "--env", "prod", "--format", "json"])
    assert status == 0
    assert json.loads(stdout)["stack"] == "shop-prod"
    assert run(["plan", str(spec), "--env", "stage"])[0] == 2


def test_check_reports_an_overrides_shape_error_once_across_environments(tmp_path, capsys):
    from compiler.cli import main

    spec = tmp_path / "spec.yaml"
    spec.write_text("app: shop\nservices:\n  web: {image: nginx}\nenvironments:\n  prod:\n"
                    "    services:\n      web: {cpu: 333}\n  stage: {}\n")
    assert main(["check", str(spec)]) == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if ": error: " in line]
    assert len(errors) == 1 and errors[0].startswith(f"{spec}:7:"), errors
