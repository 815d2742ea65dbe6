"""`fargate-compile import-copilot`: Copilot workspaces -> specs, on hand-made workspaces and the corpus."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))
import copilot_workspaces as corpus  # noqa: E402

from compiler import cli  # noqa: E402
from compiler.importers.copilot import durations  # noqa: E402

WARNING = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): warning: (?P<key>\S+): (?P<msg>.+)$")


workspace = corpus.write_workspace


def run(capsys, *argv):
    code = cli.main(["import-copilot", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


WEB = """name: web
type: Load Balanced Web Service
image:
  location: public.ecr.aws/nginx/nginx:1.27
  port: 8080
http:
  path: api
  healthcheck:
    path: /health
    interval: 10s
    timeout: 5s
    healthy_threshold: 3
  deregistration_delay: 1m30s
cpu: 512
memory: 1024
count: 2
exec: on
network:
  vpc:
    placement: private
variables:
  LOG_LEVEL: info
environments:
  prod:
    count:
      range: 2-8
      cpu_percentage: 60
    image:
      build: ./Dockerfile
"""

JOB = """name: report
type: Scheduled Job
on:
  schedule: "0 */2 * * *"
retries: 3
timeout: 1h30m
image:
  location: public.ecr.aws/docker/library/busybox:1.36
"""


def test_durations_are_go_durations():
    assert durations.whole_seconds("10s") == 10
    assert durations.whole_seconds("1m30s") == 90
    assert durations.whole_seconds("1.5h") == 5400
    assert durations.whole_seconds("250ms") == 1          # AWS takes whole seconds: rounded up
    assert durations.seconds("250ms") * 4 == 1
    assert durations.whole_seconds(45) == 45               # a number is seconds
    for bad in ("10", "ten seconds", "-5s", "5 s", "", None, True):
        assert durations.whole_seconds(bad) is None, bad


def test_yaml_1_1_traps_on_key_and_on_value(tmp_path, capsys):
    root = workspace(tmp_path, {"web": WEB, "report": JOB})
    code, out, err = run(capsys, root)
    assert code == 0, err
    spec = yaml.safe_load(out)
    assert spec["jobs"]["report"]["schedule"] == "0 */2 * * *"   # `on:` was read as a key, not True
    assert spec["jobs"]["report"]["retries"] == 3
    assert spec["jobs"]["report"]["timeout"] == 5400
    assert spec["services"]["web"]["exec"] is True               # `exec: on`, Go's bool word


def test_translates_values_and_copilot_path_rule(tmp_path, capsys):
    root = workspace(tmp_path, {"web": WEB})
    code, out, err = run(capsys, root)
    assert code == 0, err
    web = yaml.safe_load(out)["services"]["web"]
    assert web["image"] == "public.ecr.aws/nginx/nginx:1.27" and web["port"] == 8080
    assert web["http"]["path"] == ["/api", "/api/*"]      # Copilot routes "api" as /api and /api/*
    assert web["http"]["healthcheck"] == {"path": "/health", "interval": 10, "timeout": 5, "healthy_threshold": 3}
    assert web["http"]["deregistration_delay"] == 90
    assert (web["cpu"], web["memory"], web["count"]) == (512, 1024, 2)
    assert web["placement"] == "private" and web["variables"] == {"LOG_LEVEL": "info"}
    assert web["discovery"] is True                         # Copilot registers every service in Cloud Map


def test_env_override_is_applied_and_located_inside_it(tmp_path, capsys):
    env = "name: prod\ntype: Environment\n"
    root = workspace(tmp_path, {"web": WEB}, envs={"prod": env})
    code, out, err = run(capsys, root)                      # the only environment is chosen
    assert code == 0, err
    spec = yaml.safe_load(out)
    assert spec["environment"] == "prod"
    web = spec["services"]["web"]
    assert web["count"] == {"range": "2-8", "cpu_percentage": 60}
    assert web["image"] == "${WEB_IMAGE}"    # the override builds the image: `location` no longer applies
    text = (root / "copilot" / "web" / "manifest.yml").read_text().splitlines()
    build = [m for m in map(WARNING.match, err.splitlines()) if m and m["key"] == "image.build"]
    assert build, err
    assert text[int(build[0]["line"]) - 1].strip().startswith("build:")       # the override's own line


def test_image_build_becomes_a_variable_with_a_warning_and_comment(tmp_path, capsys):
    manifest = WEB.replace("  location: public.ecr.aws/nginx/nginx:1.27\n", "  build: ./Dockerfile\n")
    root = workspace(tmp_path, {"web": manifest})
    code, out, err = run(capsys, root)
    assert code == 0
    assert yaml.safe_load(out)["services"]["web"]["image"] == "${WEB_IMAGE}"
    m = [m for m in map(WARNING.match, err.splitlines()) if m and m["key"] == "image.build"][0]
    assert m["file"].endswith("web/manifest.yml") and (m["line"], m["col"]) == ("4", "3")
    assert "push it and give its URI" in m["msg"]
    assert re.search(r"# not imported: image\.build .*\n\s+image: \$\{WEB_IMAGE\}", out)


def test_copilot_defaults_carried_and_said(tmp_path, capsys):
    manifest = "name: api\ntype: Backend Service\nimage:\n  location: nginx:1.27\n  port: 80\n"
    root = workspace(tmp_path, {"api": manifest})
    code, out, err = run(capsys, root)
    assert code == 0
    spec = yaml.safe_load(out)
    assert spec["services"]["api"]["placement"] == "public"
    assert spec["network"]["flow_logs"] is False and spec["network"]["nat"] == "none"
    assert spec["discovery"]["namespace"] == "dev.shop.local"
    assert "Copilot's default: tasks without network.vpc.placement run in public subnets" in out
    assert "run in public subnets" in err and ": warning: " in err
    assert "# Copilot's default: no VPC flow logs" in out


def test_every_untranslatable_key_is_reported_never_dropped(tmp_path, capsys):
    manifest = WEB + "taskdef_overrides:\n  - path: X\n    value: 1\nnlb:\n  port: 443/tcp\n  additional_listeners: []\nlogging:\n  destination:\n    Name: x\n"
    root = workspace(tmp_path, {"web": manifest})
    code, out, err = run(capsys, root)
    assert code == 0
    keys = {m["key"] for m in map(WARNING.match, err.splitlines()) if m}
    assert {"taskdef_overrides", "nlb.additional_listeners", "logging.destination"} <= keys
    assert out.count("# not imported:") >= 3


def test_unsupported_types_are_refused_with_reason(tmp_path, capsys):
    rdws = "name: rd\ntype: Request-Driven Web Service\nimage:\n  location: nginx\n  port: 80\n"
    root = workspace(tmp_path, {"rd": rdws, "web": WEB})
    code, out, err = run(capsys, root)
    assert code == 0
    assert "rd" not in yaml.safe_load(out)["services"]
    assert re.search(r"rd/manifest.yml:2:1: warning: type: Request-Driven Web Service is an App Runner", err)
    only = workspace(tmp_path / "b", {"rd": rdws})
    code, out, err = run(capsys, only)
    assert code == 1 and out == "" and "nothing to import" in err


def test_usage_and_unreadable_workspaces(tmp_path, capsys):
    envs = {"test": "name: test\ntype: Environment\n", "prod": "name: prod\ntype: Environment\n"}
    root = workspace(tmp_path, {"web": WEB}, envs=envs)
    code, _, err = run(capsys, root)
    assert code == 2 and "choose one with --env" in err and "prod, test" in err
    code, _, err = run(capsys, root, "--env", "staging")
    assert code == 2 and 'no environment "staging"' in err
    code, _, err = run(capsys, tmp_path / "nowhere")
    assert code == 2 and "no copilot/ directory" in err
    broken = workspace(tmp_path / "c", {"web": "name: web\nimage: [unclosed\n"})
    code, out, err = run(capsys, broken)
    assert code == 1 and out == ""
    assert re.search(r"web/manifest.yml:\d+:\d+: error: <root>: the manifest is not valid YAML", err)


def test_imported_vpc_environment(tmp_path, capsys):
    env = """name: prod
type: Environment
network:
  vpc:
    id: vpc-0123456789abcdef0
    subnets:
      public:
        - id: subnet-aaaa1111
        - id: subnet-bbbb2222
      private:
        - id: subnet-cccc3333
        - id: subnet-dddd4444
http:
  public:
    certificates: [arn:aws:acm:us-east-1:123456789012:certificate/abcd-1234]
"""
    root = workspace(tmp_path, {"web": WEB}, envs={"prod": env})
    code, out, err = run(capsys, root, "--env", "prod")
    assert code == 0, err
    spec = yaml.safe_load(out)
    assert spec["network"]["vpc"] == {"id": "vpc-0123456789abcdef0",
                                      "subnets": {"public": ["subnet-aaaa1111", "subnet-bbbb2222"],
                                                  "private": ["subnet-cccc3333", "subnet-dddd4444"]}}
    assert "nat" not in spec["network"]
    assert spec["load_balancer"]["https"]["certificate_arn"].endswith("certificate/abcd-1234")


def test_output_file_written_atomically(tmp_path, capsys):
    root = workspace(tmp_path, {"web": WEB})
    target = tmp_path / "spec.yaml"
    code, out, err = run(capsys, root, "--output", target)
    assert code == 0 and out == ""
    assert yaml.safe_load(target.read_text())["app"] == "shop"
    assert f"{target}: written (1 complete; environment dev)" in err


# -- the corpus ----------------------------------------------------------------------------

FARGATE_TYPES = {"Load Balanced Web Service", "Backend Service", "Worker Service", "Scheduled Job"}


def _assembled(tmp_path_factory):
    into = tmp_path_factory.mktemp("copilot")
    return [(ws, corpus.assemble(ws, into)) for ws in corpus.workspaces()]


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """Every corpus workspace imported: (workspace, exit code, spec text, stderr)."""
    import contextlib
    import io

    results = []
    for ws, root in _assembled(tmp_path_factory):
        argv = ["import-copilot", str(root)] + (["--env", ws.env_name] if ws.env_name else [])
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(argv)
        results.append((ws, code, out.getvalue(), err.getvalue()))
    return results


def test_corpus_every_fargate_workload_imports(imported):
    types = {r["file"]: r["copilot_type"] for r in corpus.rows()}
    covered = set()
    for ws, code, out, err in imported:
        kinds = {types[f] for f in ws.workloads}
        if kinds & FARGATE_TYPES:
            covered |= {f for f in ws.workloads if types[f] in FARGATE_TYPES}
            assert code == 0, (ws.name, err)
            assert "Traceback" not in err
            spec = yaml.safe_load(out)
            assert spec.get("services") or spec.get("jobs")
        for line in err.splitlines():
            assert (WARNING.match(line) or re.match(r"^[^:]+:\d+:\d+: error: ", line)
                    or line.endswith("the workspace cannot be read; no spec was written")), line
    # every Load Balanced Web, Backend, Worker and Scheduled Job manifest of the corpus was imported
    assert covered == {f for f, t in types.items() if t in FARGATE_TYPES}


def _compile(spec_text: str, tmp_path: Path, values: dict | None = None, env: str | None = None):
    from compiler import pipeline

    spec = tmp_path / "imported.yaml"
    spec.write_text(spec_text)
    result = pipeline.compile_spec(str(spec), str(tmp_path / "out"), lint=False, values=values or {}, env=env)
    assert result.status == pipeline.OK, [d.format() for d in result.diagnostics]
    resources = {}
    for text in result.files.values():
        resources.update(yaml.safe_load(text).get("Resources", {}))
    return resources


def _types(resources: dict) -> list[str]:
    return sorted(r["Type"] for r in resources.values())


def test_domain_alias_and_efs_volume_compile(tmp_path, capsys):
    manifest = """name: blog
type: Load Balanced Web Service
image:
  location: public.ecr.aws/docker/library/wordpress:6
  port: 80
http:
  path: '/'
  alias: blog.example.com
  hosted_zone: Z0123456789ABCDEFGHIJ
network:
  vpc:
    placement: private
storage:
  volumes:
    wp:
      path: /var/www/html
      read_only: false
      efs: true
sidecars:
  backup:
    image: public.ecr.aws/docker/library/busybox:1.36
    essential: false
    mount_points:
      - source_volume: wp
        path: /data
        read_only: true
"""
    root = workspace(tmp_path, {"blog": manifest})
    code, out, err = run(capsys, root)
    assert code == 0, err
    blog = yaml.safe_load(out)["services"]["blog"]
    assert blog["http"]["alias"] == "blog.example.com" and blog["http"]["hosted_zone"] == "Z0123456789ABCDEFGHIJ"
    assert blog["storage"]["volumes"]["wp"] == {"path": "/var/www/html", "read_only": False, "efs": True}
    res = _compile(out, tmp_path)
    types = _types(res)
    for kind in ("AWS::EFS::FileSystem", "AWS::EFS::MountTarget", "AWS::EFS::AccessPoint",
                 "AWS::CertificateManager::Certificate", "AWS::Route53::RecordSet"):
        assert kind in types, kind
    fs = next(r for r in res.values() if r["Type"] == "AWS::EFS::FileSystem")
    assert fs["Properties"]["Encrypted"] is True
    task = next(r for r in res.values() if r["Type"] == "AWS::ECS::TaskDefinition")
    mounts = {c["Name"]: c.get("MountPoints") for c in task["Properties"]["ContainerDefinitions"]}
    assert {"ContainerPath": "/var/www/html", "ReadOnly": False, "SourceVolume": "wp"} in mounts["blog"]
    assert {"ContainerPath": "/data", "ReadOnly": True, "SourceVolume": "wp"} in mounts["backup"]
    cert = next(r for r in res.values() if r["Type"] == "AWS::CertificateManager::Certificate")
    assert cert["Properties"]["ValidationMethod"] == "DNS"
