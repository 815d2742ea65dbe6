"""schema.validate: the complete example is clean; each mistake is one clear Diagnostic."""

from __future__ import annotations

import importlib.util
import json
import textwrap
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from compiler.diagnostics import Locator
from compiler.spec.schema import CODES, load_schema, validate

ROOT = Path(__file__).resolve().parent.parent
COMPLETE = ROOT / "examples" / "complete.yaml"


def load(text: str):
    """(data, locator) through the real loader when it exists, else a position-less stand-in."""
    if importlib.util.find_spec("compiler.spec.loader"):
        from compiler.spec.loader import load_text
        data, locator, diags = load_text(text.encode(), "spec.yaml")
        assert not diags, [d.format() for d in diags]
        return data, locator
    return yaml.safe_load(text), Locator("spec.yaml")


def check(text: str):
    data, locator = load(textwrap.dedent(text))
    return validate(data, locator)


def service(lines: str) -> str:
    """A minimal valid spec whose service `web` also has `lines`."""
    lines = textwrap.dedent(lines).strip("\n").splitlines()
    given = {line.split(":")[0] for line in lines}
    base = [line for line in ("image: nginx", "port: 80") if line.split(":")[0] not in given]
    body = "".join(f"    {line}\n" for line in base + lines)
    return f"app: shop\nservices:\n  web:\n{body}"


def test_schema_is_valid_draft_2020_12():
    Draft202012Validator.check_schema(load_schema())


def test_packaged_copy_is_the_repo_schema():
    packaged = ROOT / "compiler" / "data" / "spec.schema.json"
    assert json.loads(packaged.read_text()) == json.loads((ROOT / "schemas/spec.schema.json").read_text())


def test_every_property_has_a_description():
    def walk(schema, where):
        for name, sub in schema.get("properties", {}).items():
            assert "description" in sub, f"{where}.{name}"
            walk(sub, f"{where}.{name}")
        for key in ("additionalProperties", "items"):
            if isinstance(schema.get(key), dict):
                walk(schema[key], f"{where}.{key}")
        for alt in schema.get("anyOf", []):
            walk(alt, where)

    schema = load_schema()
    walk(schema, "")
    for name, sub in schema["$defs"].items():
        walk(sub, name)


def test_complete_example_is_clean():
    text = COMPLETE.read_text()
    assert text.startswith("# yaml-language-server: $schema=../schemas/spec.schema.json\n")
    assert check(text) == []


def test_minimal_spec_is_clean():
    assert check(service("")) == []


@pytest.mark.parametrize("text", [
    service("count: {range: '2-10', cpu_percentage: 70, memory_percentage: 80, requests: 1000}"),
    service("command: [npm, start]\nentrypoint: [/bin/sh, -c]"),
    service("healthcheck: {command: [CMD-SHELL, 'curl -f localhost'], interval: 10, retries: 3,"
            " timeout: 5, start_period: 0}"),
    service("storage: {readonly_fs: true, ephemeral: 20}"),
    service("exec: true\nspot: true\nstack: group-a\nplatform: linux/arm64\nplacement: public"),
    service("task_role: {policies: [{actions: [s3:GetObject], resources: ['arn:aws:s3:::b/*']}],"
            " managed_policies: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess']}"),
    service("http: {path: [/a/*, /b/*], hosts: [api.example.com], healthcheck: {success_codes: 200}}"),
    service("connect: {alias: web-api}\nvariables: {DEBUG: true, WORKERS: 4, NAME: x}"),
    service("sidecars: {envoy: {image: envoy, variables: {A: b}, secrets: {S: /p/s},"
            " command: [run], entrypoint: [sh]}}"),
    "app: shop\nnetwork: {vpc: {zones: [us-east-1a, us-east-1b]}, flow_logs: false}\n"
    "services: {web: {image: nginx, port: 80}}\n",
    "app: shop\nnetwork: {flow_logs: true}\nload_balancer: {access_logs: {bucket: my-logs, prefix: alb}}\n"
    "services: {web: {image: nginx, port: 80}}\n",
])
def test_documented_forms_are_clean(text):
    assert check(text) == []


CASES = [
    # (spec, code, dotted path, text the message must contain)
    (service("port: true"), "FC101", "services.web.port", "true is not an integer"),
    (service("port: 70000"), "FC102", "services.web.port", "70000 is above the maximum 65535"),
    (service("port: 80.0"), "FC101", "services.web.port", "80.0"),
    (service("cpu: 300"), "FC103", "services.web.cpu", "300 is not one of 256, 512"),
    (service("cpu: '256'"), "FC101", "services.web.cpu", "'256' is not an integer"),
    (service("helthcheck: {command: [true]}"), "FC100", "services.web.helthcheck", "'helthcheck'"),
    (service("count: x"), "FC101", "services.web.count", "'x' is not an integer or a mapping"),
    (service("count: {range: '2..10'}"), "FC104", "services.web.count.range", "'2..10'"),
    (service("count: {cpu_percentage: 70}"), "FC105", "services.web.count", "missing required key 'range'"),
    (service("http: {healthcheck: {interval: -5}}"), "FC102", "services.web.http.healthcheck.interval",
     "-5 is below the minimum 5"),
    (service("http: {healthcheck: {success_codes: '2xx'}}"), "FC104",
     "services.web.http.healthcheck.success_codes", "'2xx'"),
    (service("http: {path: [/a, /b, /c, /d, /e, /f]}"), "FC102", "services.web.http.path", "found 6 items"),
    (service("http: {deregistration_delay: 4000}"), "FC102", "services.web.http.deregistration_delay", "4000"),
    (service("connect: {alias: Web}"), "FC104", "services.web.connect.alias", "'Web'"),
    (service("variables: {1BAD: x}"), "FC104", "services.web.variables.1BAD", "'1BAD'"),
    (service("variables: {GOOD: [1]}"), "FC101", "services.web.variables.GOOD", "a list is not a string"),
    (service("logging: {retention_days: 31}"), "FC103", "services.web.logging.retention_days", "31"),
    (service("deployment: {max_percent: 250}"), "FC102", "services.web.deployment.max_percent", "250"),
    (service("storage: {ephemeral: 500}"), "FC102", "services.web.storage.ephemeral", "500"),
    (service("healthcheck: {interval: 10}"), "FC105", "services.web.healthcheck", "'command'"),
    (service("sidecars: {log: {port: 1}}"), "FC105", "services.web.sidecars.log", "'image'"),
    (service("task_role: {policies: [{actions: ['*'], resources: ['*']}]}"), "FC104",
     "services.web.task_role.policies[0].actions[0]", "'*'"),
    (service("platform: linux/amd64"), "FC103", "services.web.platform", "'linux/amd64'"),
    (service("exec: 1"), "FC101", "services.web.exec", "1 is not a boolean"),
    ("app: Shop\nservices: {web: {image: nginx, port: 80}}\n", "FC104", "app", "'Shop'"),
    ("app: shop\nservices: {}\n", "FC102", "services", "found 0 entries"),
    ("app: shop\nservices: {Web: {image: nginx, port: 80}}\n", "FC104", "services.Web", "'Web'"),
    ("services: {web: {image: nginx, port: 80}}\n", "FC105", "<root>", "missing required key 'app'"),
    ("app: shop\nnetwork: {nat: singel}\nservices: {web: {image: nginx, port: 80}}\n", "FC103",
     "network.nat", "'singel' is not one of none, single, per_az"),
    ("app: shop\nnetwork: {vpc: {cidr: 10.0.0.0/8}}\nservices: {web: {image: nginx, port: 80}}\n",
     "FC104", "network.vpc.cidr", "'10.0.0.0/8'"),
    ("app: shop\nnetwork: {vpc: {azs: 2, zones: [eu-west-1a, eu-west-1b]}}\nservices: {web: {image: n, port: 1}}\n",
     "FC106", "network.vpc.azs", "zones"),
    ("app: shop\nnetwork: {endpoints: [s3, s3]}\nservices: {web: {image: nginx, port: 80}}\n",
     "FC106", "network.endpoints", "'s3' appears more than once"),
    ("app: shop\nnetwork: {flow_logs: 'yes'}\nservices: {web: {image: nginx, port: 80}}\n",
     "FC101", "network.flow_logs", "'yes' is not a boolean or a mapping"),
    ("app: shop\nload_balancer: {https: {certificate_arn: 'arn:aws:iam::1:x'}}\n"
     "services: {web: {image: nginx, port: 80}}\n", "FC104", "load_balancer.https.certificate_arn", "arn:aws:iam"),
    ("app: shop\nload_balancer: {access_logs: {prefix: p}}\nservices: {web: {image: nginx, port: 80}}\n",
     "FC105", "load_balancer.access_logs", "'bucket'"),
]


@pytest.mark.parametrize("text, code, path, fragment", CASES)
def test_one_clear_diagnostic_per_mistake(text, code, path, fragment):
    diags = check(text)
    assert [(d.code, d.path) for d in diags] == [(code, path)], [d.format() for d in diags]
    assert fragment in diags[0].message
    assert code in CODES


def test_unknown_key_suggests_the_nearest_and_is_located_at_the_key():
    [diag] = check(service("helthcheck: {command: [true]}"))
    assert diag.message == "unknown key 'helthcheck'"
    assert diag.hint == "did you mean 'healthcheck'?"
    assert diag.format().endswith("unknown key 'helthcheck' (did you mean 'healthcheck'?)")


def test_unknown_key_without_a_near_miss_lists_the_allowed_keys():
    [diag] = check("app: shop\ndiscovery: {zzz: 1}\nservices: {web: {image: nginx, port: 80}}\n")
    assert diag.hint == "allowed keys: namespace"


def test_misspelt_choice_is_suggested():
    [diag] = check("app: shop\nnetwork: {nat: singel}\nservices: {web: {image: nginx, port: 80}}\n")
    assert diag.hint == "did you mean 'single'?"


def test_type_error_says_what_is_allowed():
    [diag] = check(service("port: true"))
    assert diag.message == "true is not an integer (expected an integer 1..65535)"


def test_every_error_in_a_file_is_reported():
    text = service("""
        port: true
        cpu: 3
        helthcheck: {}
        http: {healthcheck: {interval: 1}}
    """) + "network: {nat: maybe}\n"
    got = {(d.code, d.path) for d in check(text)}
    assert got == {
        ("FC101", "services.web.port"),
        ("FC103", "services.web.cpu"),
        ("FC100", "services.web.helthcheck"),
        ("FC102", "services.web.http.healthcheck.interval"),
        ("FC103", "network.nat"),
    }


def test_diagnostics_are_sorted_and_unique():
    diags = check(service("sidecars: {a: {}, b: {}}\ncpu: x\nport: 0"))
    assert diags == sorted(set(diags))
    assert len(diags) == 4


def test_positions_come_from_the_locator():
    locator = Locator("spec.yaml",
                      values={(): (1, 1), ("services", "web"): (4, 5), ("services", "web", "port"): (5, 11)},
                      keys={("services", "web", "prot"): (6, 5)})
    data = {"app": "shop", "services": {"web": {"image": "n", "port": True, "prot": 1}}}
    got = {(d.path, d.line, d.col) for d in validate(data, locator)}
    assert got == {("services.web.port", 5, 11), ("services.web.prot", 6, 5)}
    del data["services"]["web"]["image"]
    assert ("services.web", 4, 5) in {(d.path, d.line, d.col) for d in validate(data, locator)}
