"""import-copilot for a whole app: every environment at once (--all-envs), Copilot's own
variables, apps of jobs only, source IPs never widened, every difference said, images for CI."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shlex
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))
import copilot_workspaces as corpus  # noqa: E402

from compiler import cli, pipeline  # noqa: E402

IMAGES = {"WEB_IMAGE": "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/web:1",
          "API_IMAGE": "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/api:1"}

WEB = """name: web
type: Load Balanced Web Service
image:
  build: web/Dockerfile
  port: 8080
http:
  path: /
  allowed_source_ips: [10.1.0.0/16, 192.0.2.1]
network:
  vpc:
    placement: private
publish:
  topics:
    - name: orders
variables:
  LOG_LEVEL: info
environments:
  prod:
    count:
      range: 2-6
      cpu_percentage: 60
    variables:
      LOG_LEVEL: warn
    http:
      healthcheck: /healthz
"""
API = """name: api
type: Load Balanced Web Service
image:
  build:
    context: api
    dockerfile: api/Dockerfile.prod
    target: runtime
    args: {VERSION: "1.2"}
  port: 80
http:
  path: api
  allowed_source_ips: [192.0.2.1/32, 10.1.0.0/16]
platform: linux/arm64
storage:
  volumes:
    data:
      path: /data
      efs: true
"""
WORKER = """name: worker
type: Worker Service
image:
  location: public.ecr.aws/docker/library/busybox:1.36
subscribe:
  topics:
    - name: orders
      service: web
environments:
  test:
    cpu: 512
    memory: 1024
"""
JOB = """name: report
type: Scheduled Job
on:
  schedule: "@daily"
image:
  location: public.ecr.aws/docker/library/busybox:1.36
storage:
  volumes:
    shared:
      path: /shared
      efs:
        id: {from_cfn: my-fs}
environments:
  prod:
    on:
      schedule: "0 3 * * *"
"""
ENVS = {
    "test": "name: test\ntype: Environment\n",
    "staging": "name: staging\ntype: Environment\nnetwork:\n  vpc:\n    cidr: 10.8.0.0/16\n",
    "prod": ("name: prod\ntype: Environment\nnetwork:\n  vpc:\n    flow_logs:\n      retention: 30\n"
             "http:\n  public:\n    ingress:\n      source_ips: [10.0.0.0/8, 192.0.2.0/24]\n"),
}
WARN = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<sev>warning|error): (?P<key>\S+): (?P<msg>.+)$")


workspace = corpus.write_workspace


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["import-copilot", *map(str, argv)])
    return code, out.getvalue(), err.getvalue()


def compiled(spec_text: str, folder: Path, env: str | None = None, lint: bool = False) -> dict[str, str]:
    folder.mkdir(parents=True)
    spec = folder / "spec.yaml"
    spec.write_text(spec_text)
    result = pipeline.compile_spec(str(spec), str(folder / "out"), lint=lint, values=IMAGES, env=env)
    assert result.status == pipeline.OK, [d.format() for d in result.diagnostics]
    if lint:
        assert [d for d in result.diagnostics if d.severity == "error"] == []
    return result.files


def containers(files: dict[str, str]) -> dict[str, dict]:
    """Task definition logical ID -> its main container's environment (name -> value)."""
    found = {}
    for text in files.values():
        for key, r in json.loads(text).get("Resources", {}).items():
            if r["Type"] == "AWS::ECS::TaskDefinition":
                main = r["Properties"]["ContainerDefinitions"][0]
                found[key] = {e["Name"]: e["Value"] for e in main.get("Environment", [])}
    return found


@pytest.fixture
def app(tmp_path):
    return workspace(tmp_path, {"web": WEB, "api": API, "worker": WORKER, "report": JOB}, ENVS)


def test_all_envs_equals_each_env_import_template_for_template(app, tmp_path):
    code, whole, err = run(app, "--all-envs")
    assert code == 0, err
    spec = yaml.safe_load(whole)
    assert sorted(spec["environments"]) == ["prod", "staging", "test"]
    for env in ("prod", "staging", "test"):
        code, one, err = run(app, "--env", env)
        assert code == 0, err
        alone = compiled(one, tmp_path / f"one-{env}")
        merged = compiled(whole, tmp_path / f"all-{env}", env=env)
        assert sorted(alone) == sorted(merged)
        for name in alone:
            assert alone[name] == merged[name], f"{env}: {name} differs between --env and --all-envs"
    # what differs per environment sits in its override, not in the base
    assert spec["environments"]["prod"]["services"]["web"]["count"] == {"range": "2-6", "cpu_percentage": 60}
    assert "count" not in spec["services"]["web"]
    assert spec["environments"]["staging"]["network"]["vpc"]["cidr"] == "10.8.0.0/16"
    assert spec["environments"]["prod"]["jobs"]["report"]["schedule"] == "0 3 * * *"


@pytest.mark.slow
def test_all_envs_compiles_lint_clean_in_every_environment(app, tmp_path):
    code, whole, err = run(app, "--all-envs")
    assert code == 0, err
    for env in ("prod", "test"):
        compiled(whole, tmp_path / env, env=env, lint=True)


def test_copilot_variables_with_copilot_names_and_values(app, tmp_path):
    code, text, err = run(app, "--env", "prod")
    assert code == 0, err
    assert yaml.safe_load(text)["copilot_variables"] is True
    files = compiled(text, tmp_path / "prod")
    env = containers(files)
    web, api, worker, job = env["WebTaskDefinition"], env["ApiTaskDefinition"], env["WorkerTaskDefinition"], \
        env["ReportTaskDefinition"]
    for name, values in (("web", web), ("api", api), ("worker", worker), ("report", job)):
        assert values["COPILOT_APPLICATION_NAME"] == "shop"
        assert values["COPILOT_ENVIRONMENT_NAME"] == "prod"
        assert values["COPILOT_SERVICE_NAME"] == name
        assert values["COPILOT_SERVICE_DISCOVERY_ENDPOINT"] == "prod.shop.local"   # Copilot's <env>.<app>.local
    # the load balancer's DNS name, wired from the alb stack's output through the root
    assert web["COPILOT_LB_DNS"] == {"Ref": "LoadBalancerDnsName"}
    services = json.loads(files["services.json"])
    assert "LoadBalancerDnsName" in services["Parameters"]
    root = json.loads(files["root.json"])
    stack = root["Resources"]["ServicesStack"]["Properties"]["Parameters"]
    assert stack["LoadBalancerDnsName"] == {"Fn::GetAtt": ["AlbStack", "Outputs.LoadBalancerDnsName"]}
    assert "COPILOT_LB_DNS" not in worker and "COPILOT_LB_DNS" not in job
    # the same JSON map of topic name -> ARN as ours, and the queue's URL
    assert web["COPILOT_SNS_TOPIC_ARNS"] == web["FC_SNS_TOPIC_ARNS"]
    body = web["COPILOT_SNS_TOPIC_ARNS"]["Fn::Sub"][0]
    assert json.loads(body.replace("${T0}", "arn")) == {"orders": "arn"}
    assert worker["COPILOT_QUEUE_URI"] == worker["FC_QUEUE_URL"] == {"Ref": "WorkerQueueUrl"}
    assert json.loads(api["COPILOT_MOUNT_POINTS"]) == {"data": "/data"}
    assert "COPILOT_MOUNT_POINTS" not in web


def test_copilot_names_taken_by_the_spec_are_refused(tmp_path):
    from compiler.pipeline import compile_spec

    spec = tmp_path / "s.yaml"
    spec.write_text("app: a\ncopilot_variables: true\nnetwork: {nat: none}\njobs:\n  j:\n"
                    "    image: public.ecr.aws/docker/library/busybox:1.36\n    schedule: '@daily'\n"
                    "    placement: public\n    variables:\n      COPILOT_SERVICE_NAME: x\n")
    result = compile_spec(str(spec), str(tmp_path / "out"), lint=False)
    assert result.status != pipeline.OK
    assert any(d.code == "FC254" and d.line == 10 for d in result.diagnostics), \
        [d.format() for d in result.diagnostics]


def test_jobs_only_workspace_imports_and_compiles(tmp_path):
    root = workspace(tmp_path, {"report": JOB.replace("efs:\n        id: {from_cfn: my-fs}", "efs: false")})
    code, text, err = run(root)
    assert code == 0, err
    spec = yaml.safe_load(text)
    assert "services" not in spec and list(spec["jobs"]) == ["report"]
    files = compiled(text, tmp_path / "c", lint=True)
    assert sorted(files) == ["jobs.json", "network.json", "root.json", "services.json"]
    services = json.loads(files["services.json"])["Resources"]
    assert {r["Type"] for r in services.values()} == {"AWS::ECS::Cluster", "AWS::EC2::SecurityGroup"}


def _messages(err: str) -> list[dict]:
    found = []
    for line in err.splitlines():
        m = WARN.match(line)
        if m:
            found.append(m.groupdict())
    return found


def test_source_ips_become_the_load_balancer_cidrs_where_exact(tmp_path):
    same = workspace(tmp_path / "a", {"web": WEB, "api": API})
    code, text, err = run(same, "--env", "dev")
    assert code == 0, err
    spec = yaml.safe_load(text)
    assert spec["load_balancer"]["allowed_cidrs"] == ["10.1.0.0/16", "192.0.2.1/32"]
    assert not any(m["key"] == "http.allowed_source_ips" for m in _messages(err))
    # the environment's ingress and the services' lists: the narrower where one holds the other
    code, text, err = run(workspace(tmp_path / "b", {"web": WEB}, {"prod": ENVS["prod"]}))
    assert yaml.safe_load(text)["load_balancer"]["allowed_cidrs"] == ["10.1.0.0/16", "192.0.2.1/32"]


def test_source_ips_that_differ_become_the_routes_source_ip_conditions(tmp_path):
    other = API.replace("[192.0.2.1/32, 10.1.0.0/16]", "[198.51.100.0/24]")
    root = workspace(tmp_path, {"web": WEB.replace("  allowed_source_ips: [10.1.0.0/16, 192.0.2.1]\n", ""),
                                "api": other})
    code, text, err = run(root)
    assert code == 0, err
    spec = yaml.safe_load(text)
    assert spec["services"]["api"]["http"]["source_ips"] == ["198.51.100.0/24"]   # Copilot's rule condition
    assert "source_ips" not in spec["services"]["web"]["http"]                    # web had no limit in Copilot
    assert "allowed_cidrs" not in spec["load_balancer"]
    assert not [m for m in _messages(err) if m["sev"] == "error"]
    assert "FC505" not in text and "not imported: api" not in text


def test_every_difference_is_a_located_warning(app):
    code, _, err = run(app, "--env", "test")
    assert code == 0, err
    said = {(Path(m["file"]).parent.name, m["key"]): m["msg"] for m in _messages(err)}
    assert "NAT gateway per zone" in said[("web", "network.vpc.placement")]
    assert "no VPC flow logs" in said[("test", "network")]
    assert "<env>.<app>.local" in said[("copilot", "application")]
    assert "dead-letter queue" in said[("worker", "subscribe")]
    assert "move the data" in said[("api", "storage.volumes.data.efs")]
    assert "from_cfn" in said[("report", "storage.volumes.shared.efs.id")]
    alias = workspace(app.parent / "alias", {"web": WEB.replace("  path: /\n", "  path: /\n  alias: www.example.com\n")})
    code, text, err = run(alias)
    said = {m["key"]: m["msg"] for m in _messages(err)}
    assert "HTTPS lost" in said["http.alias"]
    assert yaml.safe_load(text)["services"]["web"]["http"]["hosts"] == ["www.example.com"]


def test_efs_from_cfn_is_left_out(app):
    code, text, err = run(app, "--env", "test")
    assert "storage" not in yaml.safe_load(text)["jobs"]["report"]
    assert "from_cfn" not in yaml.safe_load(text)["jobs"]["report"].get("image", "")


_REPR = re.compile(r"\{'|'\}|\['|'\]|\bNone\b|(?:^|[\s(])'[^'\s]+'")


def test_no_python_repr_in_any_message(app, tmp_path):
    only_override = """name: lone
type: Backend Service
environments:
  prod:
    image:
      location: public.ecr.aws/docker/library/busybox:1.36
"""
    root = workspace(tmp_path / "x", {"lone": only_override, "bad": "name: Bad_Name\ntype: Worker Service\n"
                                      "image: {location: x, port: 1}\nplatform: {osfamily: windows}\n"
                                      "secrets: {A: {secretsmanager: mysql}}\nvariables: {B: {from_cfn: y}}\n"})
    texts = []
    for argv in ([app, "--env", "test"], [app, "--all-envs"], [root, "--env", "dev"]):
        code, out, err = run(*argv)
        texts.append(err)
        texts += [line for line in out.splitlines() if line.lstrip().startswith("#")]
    for ws, where in ((w, corpus.assemble(w, tmp_path / "corpus")) for w in corpus.workspaces()):
        code, out, err = run(where, *(["--env", ws.env_name] if ws.env_name else []))
        texts.append(err)
    joined = "\n".join(texts)
    assert "no image for this environment" in joined
    for line in joined.splitlines():
        assert not _REPR.search(line), line


def test_images_listing_parses_and_builds_what_copilot_built(app, tmp_path):
    listing = tmp_path / "images.json"
    code, _, err = run(app, "--all-envs", "--images", listing)
    assert code == 0, err
    images = {i["workload"]: i for i in json.loads(listing.read_text())["images"]}
    assert sorted(images) == ["api", "web"]            # worker and report pull an image
    web, api = images["web"], images["api"]
    assert (web["dockerfile"], web["context"], web["variable"]) == ("web/Dockerfile", "web", "WEB_IMAGE")
    assert (api["dockerfile"], api["context"], api["target"], api["args"]) == \
        ("api/Dockerfile.prod", "api", "runtime", {"VERSION": "1.2"})
    assert api["platform"] == "linux/arm64" and web["platform"] == "linux/amd64"
    assert api["build"] == ["docker", "build", "--platform", "linux/arm64", "--file", "api/Dockerfile.prod",
                            "--tag", "${REGISTRY}/shop/api:${TAG}", "--target", "runtime",
                            "--build-arg", "VERSION=1.2", "api"]
    for image in images.values():
        build, push = image["commands"]
        assert shlex.split(build) == image["build"] and shlex.split(push) == image["push"]
        assert image["var"] == f"--var {image['variable']}=${{REGISTRY}}/{image['repository']}:${{TAG}}"


def test_subscriptions_follow_renamed_publishers_and_outside_ones_are_said(tmp_path):
    publisher = WEB.replace("name: web", "name: Web_Front")
    worker = WORKER.replace("      service: web\n", "      service: Web_Front\n    - name: products\n"
                            "      service: orders\n")
    root = workspace(tmp_path, {"web": publisher, "worker": worker})
    code, text, err = run(root)
    assert code == 0, err
    topics = yaml.safe_load(text)["services"]["worker"]["subscribe"]["topics"]
    assert topics[0] == {"name": "orders", "service": "web-front"}
    said = [m for m in _messages(err) if m["key"] == "subscribe.topics[1]"]
    assert len(said) == 1 and "not published by a workload of this workspace" in said[0]["msg"]
    assert said[0]["line"] == "9"


def test_jobs_only_cluster_stays_put_when_a_service_is_added(tmp_path):
    """The cluster and the task security group of an app of jobs are where an app with services
    has them: adding the first service (or removing the last) replaces neither."""
    jobs_only = (Path(__file__).resolve().parent.parent / "examples" / "scheduled-jobs.yaml").read_text()
    with_service = jobs_only + ("services:\n  web:\n    image: public.ecr.aws/nginx/nginx:1.27\n"
                                "    placement: public\n")
    before = json.loads(compiled(jobs_only, tmp_path / "a")["services.json"])["Resources"]
    after = json.loads(compiled(with_service, tmp_path / "b")["services.json"])["Resources"]
    for logical in ("Cluster", "ServicesSecurityGroup"):
        assert before[logical] == after[logical], logical
    jobs = json.loads(compiled(jobs_only, tmp_path / "c")["root.json"])["Resources"]["JobsStack"]
    assert jobs["Properties"]["Parameters"]["ServicesSecurityGroupId"] == {
        "Fn::GetAtt": ["ServicesStack", "Outputs.ServicesSecurityGroupId"]}
