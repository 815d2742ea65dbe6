"""compiler.checks: each rule as a (mutation of a small valid spec, code, path, value) row."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from builds import all_builds
from compiler import checks
from compiler.spec import schema
from compiler.diagnostics import ERROR, WARNING, Locator, errors
from compiler.pipeline import model_of

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
DELETE = object()

BASE = {
    "app": "shop",
    "load_balancer": {},
    "services": {
        "web": {"image": f"{ECR}/web:1", "port": 80, "http": {"path": "/"}},
        "api": {"image": f"{ECR}/api:1", "port": 8080, "http": {"path": "/api/*"}},
    },
}

PRIVATE_ENDPOINTS = ["ecr.api", "ecr.dkr", "logs", "s3"]
NO_NAT = {("network", "nat"): "none", ("network", "endpoints"): PRIVATE_ENDPOINTS}
SIX_ZONES = [f"us-east-1{z}" for z in "abcdef"]
SUBNETS = {"public": ["10.0.0.0/24", "10.0.1.0/24"], "private": ["10.0.2.0/23", "10.0.4.0/23"]}


def apply(mutation, data: dict) -> dict:
    data = copy.deepcopy(data)
    if callable(mutation):
        mutation(data)
        return data
    for path, value in mutation.items():
        node = data
        for part in path[:-1]:
            node = node.setdefault(part, {})
        if value is DELETE:
            node.pop(path[-1], None)
        else:
            node[path[-1]] = copy.deepcopy(value)
    return data


def diagnose(data: dict):
    # BASE's public ALB serves plain HTTP on purpose; the FC262 warning that draws is
    # tested in tests/test_security_strict.py and left out of the findings here.
    return [d for d in checks.run(model_of(data), data, Locator("spec.yaml")) if d.code != "FC262"]


def _pinned(data: dict) -> None:
    for i in range(31):
        data["services"][f"s{i}"] = {"image": f"{ECR}/s:1", "port": 80, "stack": "a"}


def _crowded(data: dict) -> None:
    for i in range(101):
        data["services"][f"r{i}"] = {"image": f"{ECR}/r:1", "port": 80,
                                     "http": {"path": f"/r{i}/*"}}


def _policy(actions, resources):
    return {("services", "api", "task_role"): {
        "policies": [{"actions": actions, "resources": resources}]}}


S, A = ("services", "web"), ("services", "api")

CASES = [
    # id, mutation, code, dotted path, text the message must contain
    ("memory-not-for-cpu", {(*S, "memory"): 4096}, "FC201", "services.web.memory", "4096"),
    ("memory-16-vcpu", {(*S, "cpu"): 16384, (*S, "memory"): 40000},
     "FC201", "services.web.memory", "32768-122880 in steps of 8192"),
    ("alb-timeout-not-below-interval",
     {(*S, "http", "healthcheck"): {"interval": 10, "timeout": 10}},
     "FC202", "services.web.http.healthcheck.timeout", "10"),
    ("alb-timeout-vs-default-interval", {(*S, "http", "healthcheck"): {"timeout": 30}},
     "FC202", "services.web.http.healthcheck.timeout", "interval 30"),
    ("alb-success-codes", {(*S, "http", "healthcheck"): {"success_codes": "200-199"}},
     "FC202", "services.web.http.healthcheck.success_codes", "200-199"),
    ("container-timeout",
     {(*S, "healthcheck"): {"command": ["CMD", "true"], "interval": 5, "timeout": 6}},
     "FC203", "services.web.healthcheck.timeout", "6"),
    ("vpc-too-small", {("network", "vpc"): {"cidr": "10.0.0.0/24", "zones": SIX_ZONES}},
     "FC204", "network.vpc.cidr", "/23"),
    ("vpc-host-bits", {("network", "vpc"): {"cidr": "10.0.0.1/16"}},
     "FC204", "network.vpc.cidr", "10.0.0.1/16"),
    ("subnet-outside-vpc",
     {("network", "vpc", "subnets"): {**SUBNETS, "public": ["10.0.0.0/24", "10.1.0.0/24"]}},
     "FC205", "network.vpc.subnets.public[1]", "10.1.0.0/24"),
    ("subnet-overlap",
     {("network", "vpc", "subnets"): {**SUBNETS, "private": ["10.0.2.0/23", "10.0.3.0/24"]}},
     "FC205", "network.vpc.subnets.private[1]", "10.0.2.0/23"),
    ("subnet-count", {("network", "vpc"): {"azs": 3, "subnets": {
        "public": SUBNETS["public"], "private": ["10.0.2.0/23", "10.0.4.0/23", "10.0.6.0/23"]}}},
     "FC205", "network.vpc.subnets.public", "2 public subnet(s) for 3 zones"),
    ("alb-subnet-too-small",
     {("network", "vpc", "subnets"): {**SUBNETS, "public": ["10.0.0.0/28", "10.0.1.0/24"]}},
     "FC205", "network.vpc.subnets.public[0]", "/27"),
    ("subnet-host-bits",
     {("network", "vpc", "subnets"): {**SUBNETS, "public": ["10.0.0.1/24", "10.0.1.0/24"]}},
     "FC205", "network.vpc.subnets.public[0]", "10.0.0.1/24"),
    ("two-default-routes", {(*A, "http", "path"): "/"},
     "FC206", "services.api.http.path", "web"),
    ("same-route", {("services", "api2"): {"image": f"{ECR}/a:1", "port": 1,
                                           "http": {"path": "/api/*"}}},
     "FC206", "services.api2.http.path", "/api/*"),
    ("same-route-hosts-any-order",
     {(*A, "http", "hosts"): ["a.example.com", "B.example.com"],
      ("services", "api2"): {"image": f"{ECR}/a:1", "port": 1,
                             "http": {"path": "/api/*", "hosts": ["b.example.com",
                                                                  "a.example.com"]}}},
     "FC206", "services.api2.http.path", "a.example.com"),
    ("duplicate-priority",
     {(*S, "http"): {"path": "/w/*", "priority": 5}, (*A, "http", "priority"): 5},
     "FC206", "services.api.http.priority", "5"),
    ("too-many-values",
     {(*A, "http"): {"path": ["/a", "/b", "/c"], "hosts": ["a.x.com", "b.x.com", "c.x.com"]}},
     "FC206", "services.api.http", "6 values"),
    ("too-many-paths", {(*A, "http", "path"): ["/a", "/b", "/c", "/d"]},
     "FC206", "services.api.http.path", "/d"),
    ("host-without-dot", {(*A, "http", "hosts"): ["localhost"]},
     "FC206", "services.api.http.hosts[0]", "localhost"),
    ("http-without-alb", {("load_balancer",): DELETE, (*A, "http"): DELETE},
     "FC207", "services.web.http", "load_balancer"),
    ("sidecar-port", {(*S, "sidecars"): {"proxy": {"image": f"{ECR}/p:1", "port": 80}}},
     "FC208", "services.web.sidecars.proxy.port", "80"),
    ("sidecar-ports-clash",
     {(*A, "sidecars"): {"a": {"image": f"{ECR}/p:1", "port": 9000},
                         "b": {"image": f"{ECR}/p:1", "port": 9000}}},
     "FC208", "services.api.sidecars.b.port", "9000"),
    ("sidecar-named-like-service", {(*S, "sidecars"): {"web": {"image": f"{ECR}/p:1"}}},
     "FC208", "services.web.sidecars.web", "web"),
    ("logical-id-collision",
     {("services", "web-1"): {"image": f"{ECR}/a:1", "port": 1},
      ("services", "web1"): {"image": f"{ECR}/a:1", "port": 1}},
     "FC209", "services.web1", "Web1"),
    ("endpoints-missing", {("network", "nat"): "none", ("network", "endpoints"): ["s3"]},
     "FC210", "network.endpoints", "'ecr.api', 'ecr.dkr' and 'logs'"),
    ("no-endpoints-at-all", {("network", "nat"): "none"},
     "FC210", "network.nat", "'s3'"),
    ("public-image-without-nat", {**NO_NAT, (*S, "image"): "nginx:1.27"},
     "FC210", "services.web.image", "nginx:1.27"),
    ("ecr-public-without-nat",
     {**NO_NAT, (*S, "sidecars"): {"log": {"image": "public.ecr.aws/aws/fluent-bit:2"}}},
     "FC210", "services.web.sidecars.log.image", "public.ecr.aws/aws/fluent-bit:2"),
    ("secretsmanager-endpoint",
     {**NO_NAT, (*A, "secrets"): {
         "DB": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db"}},
     "FC210", "services.api.secrets.DB", "secretsmanager"),
    ("ssm-endpoint", {**NO_NAT, (*A, "secrets"): {"DB": "/shop/dev/db"}},
     "FC210", "services.api.secrets.DB", "'ssm'"),
    ("exec-endpoint", {**NO_NAT, (*A, "exec"): True},
     "FC210", "services.api.exec", "ssmmessages"),
    ("requests-without-http",
     {("services", "worker"): {"image": f"{ECR}/w:1", "port": 1,
                               "count": {"range": "1-3", "requests": 100}}},
     "FC211", "services.worker.count.requests", "100"),
    ("range-inverted", {(*S, "count"): {"range": "5-2", "cpu_percentage": 50}},
     "FC211", "services.web.count.range", "5-2"),
    ("range-never-runs", {(*S, "count"): {"range": "0-0", "cpu_percentage": 50}},
     "FC211", "services.web.count.range", "0-0"),
    ("no-scaling-target", {(*S, "count"): {"range": "1-3"}},
     "FC211", "services.web.count", "1-3"),
    ("service-wildcard-action", _policy(["s3:*"], ["arn:aws:s3:::b/*"]),
     "FC212", "services.api.task_role.policies[0].actions[0]", "s3:*"),
    ("wildcard-action", _policy(["s3:GetObject", "s3:Get*"], ["arn:aws:s3:::b/*"]),
     "FC212", "services.api.task_role.policies[0].actions[1]", "s3:Get*"),
    ("aws-key-in-variables", {(*A, "variables"): {"AWS_SECRET_ACCESS_KEY": "x"}},
     "FC213", "services.api.variables.AWS_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"),
    ("aws-key-in-sidecar-variables",
     {(*A, "sidecars"): {"db": {"image": f"{ECR}/db:1", "variables": {"AWS_ACCESS_KEY_ID": "x"}}}},
     "FC213", "services.api.sidecars.db.variables.AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"),
    ("deployment-stuck", {(*S, "deployment"): {"max_percent": 150}},
     "FC214", "services.web.deployment.max_percent", "max_percent 150"),
    ("deployment-stuck-min", {(*S, "count"): 4, (*S, "deployment"): {
        "min_healthy_percent": 100, "max_percent": 100}},
     "FC214", "services.web.deployment.max_percent", "125"),
    ("default-namespace-from-bad-app", {("app",): "shop-", (*A, "discovery"): True},
     "FC215", "app", "shop-.dev.local"),
    ("alias-twice", {(*S, "connect"): {"alias": "svc"}, (*A, "connect"): {"alias": "svc"}},
     "FC215", "services.api.connect.alias", "svc"),
    ("alias-is-discovery-name", {(*S, "connect"): {"alias": "api"}, (*A, "discovery"): True},
     "FC215", "services.api.discovery", "Service Connect name of service web"),
    ("connect-suffix-collides",
     {(*S, "connect"): True, (*S, "discovery"): True,
      ("services", "web-connect"): {"image": f"{ECR}/a:1", "port": 1, "discovery": True}},
     "FC215", "services.web-connect.discovery", "'web-connect'"),
    ("allowed-cidr-host-bits", {("load_balancer", "allowed_cidrs"): ["10.0.0.1/8"]},
     "FC216", "load_balancer.allowed_cidrs[0]", "10.0.0.1/8"),
    ("unknown-ssl-policy",
     {("load_balancer", "https"): {"certificate_arn": "arn:aws:acm:us-east-1:1:certificate/x",
                                   "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-07"}},
     "FC216", "load_balancer.https.ssl_policy", "ELBSecurityPolicy-TLS13-1-2-2021-07"),
    ("too-many-pinned", _pinned, "FC217", "services.s30.stack", "31"),
    ("compiler-tag", {("tags",): {"fargate-compile:application": "x"}},
     "FC218", "tags.fargate-compile:application", "fargate-compile:application"),
    ("variable-and-secret",
     {(*A, "variables"): {"DB_URL": "x"}, (*A, "secrets"): {"DB_URL": "/shop/db-url"}},
     "FC219", "services.api.secrets.DB_URL", "DB_URL"),
    ("zones-two-regions", {("network", "vpc"): {"zones": ["us-east-1a", "us-west-2b"]}},
     "FC221", "network.vpc.zones", "us-west-2"),
    ("vpc-multicast", {("network", "vpc"): {"cidr": "224.0.0.0/16"}},
     "FC204", "network.vpc.cidr", "multicast"),
    ("vpc-link-local", {("network", "vpc"): {"cidr": "169.254.0.0/16"}},
     "FC204", "network.vpc.cidr", "link-local"),
    ("count-above-ecs-limit", {(*S, "count"): 5001}, "FC211", "services.web.count", "5001"),
    ("range-above-ecs-limit", {(*S, "count"): {"range": "1-99999", "cpu_percentage": 50}},
     "FC211", "services.web.count.range", "1-99999"),
    ("too-many-tags", {("tags",): {f"k{i}": "v" for i in range(47)}}, "FC218", "tags", "at most 46"),
    ("pseudo-parameter-in-value", {(*A, "variables"): {"REGION": "${AWS::Region}"}},
     "FC223", "services.api.variables.REGION", "${AWS::Region}"),
    ("attribute-in-arn", _policy(["s3:GetObject"], ["arn:aws:s3:::${Bucket.Arn}/*"]),
     "FC223", "services.api.task_role.policies[0].resources[0]", "${Bucket.Arn}"),
    ("resource-not-an-arn", _policy(["s3:GetObject"], ["my-bucket/*"]),
     "FC212", "services.api.task_role.policies[0].resources[0]", "'my-bucket/*' is not a resource ARN"),
    ("managed-policy-not-ascii",
     {(*A, "task_role"): {"managed_policies": ["arn:aws:iam::aws:policy/Ok", "arn:aws:iam::aws:policy/ü"]}},
     "FC212", "services.api.task_role.managed_policies[1]", "policy/ü"),
    ("tag-value-line-break", {("tags",): {"note": "two\nlines"}}, "FC218", "tags.note", "'\\n'"),
    ("task-definition-over-64-kib", {(*A, "variables"): {f"V{i}": "x" * 1000 for i in range(70)}},
     "FC224", "services.api.variables", "ECS takes at most 64 KiB"),
    ("logical-id-in-command", {(*A, "command"): ["echo", "${VpcId}"]},
     "FC223", "services.api.command[1]", "${VpcId}"),
]


# Inputs the schema already rejects (checks only ever see schema-valid data): the rules
# still say something sensible about them rather than crash.
DEFENSIVE_CASES = [
    ("cpu-not-fargate", {(*S, "cpu"): 300}, "FC201", "services.web.cpu", "300"),
    ("subnets-no-private", {("network", "vpc", "subnets"): {"public": SUBNETS["public"]}},
     "FC205", "network.vpc.subnets.private", "0 private"),
    ("subnet-below-aws-minimum",
     {("network", "vpc", "subnets"): {**SUBNETS, "private": ["10.0.2.0/29", "10.0.4.0/23"]}},
     "FC205", "network.vpc.subnets.private[0]", "10.0.2.0/29"),
    ("path-without-slash", {(*A, "http", "path"): "api/*"},
     "FC206", "services.api.http.path", "api/*"),
    ("path-too-long", {(*A, "http", "path"): ["/x", "/" + "a" * 130]},
     "FC206", "services.api.http.path[1]", "131"),
    ("star-action", _policy(["*"], ["*"]),
     "FC212", "services.api.task_role.policies[0].actions[0]", "'*'"),
    ("no-resources", _policy(["s3:GetObject"], []),
     "FC212", "services.api.task_role.policies[0].resources", "resource"),
    ("bad-namespace", {("discovery",): {"namespace": "shop_internal"}, (*A, "connect"): True},
     "FC215", "discovery.namespace", "shop_internal"),
    ("alias-invalid", {(*S, "connect"): {"alias": "-bad"}},
     "FC215", "services.web.connect.alias", "-bad"),
    ("allowed-cidr-twice",
     {("load_balancer", "allowed_cidrs"): ["192.0.2.0/24", "198.51.100.0/24", "192.0.2.0/24"]},
     "FC216", "load_balancer.allowed_cidrs[2]", "192.0.2.0/24"),
    ("access-log-prefix",
     {("load_balancer", "access_logs"): {"bucket": "shop-logs", "prefix": "AWSLogs/x"}},
     "FC216", "load_balancer.access_logs.prefix", "AWSLogs/x"),
    ("reserved-tag", {("tags",): {"aws:owner": "me"}}, "FC218", "tags.aws:owner", "aws:owner"),
    ("zone-twice", {("network", "vpc"): {"zones": ["us-east-1a", "us-east-1b", "us-east-1a"]}},
     "FC221", "network.vpc.zones[2]", "us-east-1a"),
]


def test_base_spec_is_clean():
    assert diagnose(BASE) == []


def test_shell_style_variables_are_not_references():
    data = apply({(*A, "command"): ["sh", "-c", "echo ${HOME} ${port} ${MY_VAR} $PATH"],
                  ("tags",): {"46-tags-fit": "yes", **{f"k{i}": "v" for i in range(45)}}}, BASE)
    assert diagnose(data) == []


@pytest.mark.parametrize("mutation, code, path, text",
                         [c[1:] for c in CASES + DEFENSIVE_CASES],
                         ids=[c[0] for c in CASES + DEFENSIVE_CASES])
def test_rule(mutation, code, path, text):
    found = diagnose(apply(mutation, BASE))
    assert [(d.code, d.path, d.severity) for d in found] == [(code, path, ERROR)], \
        "\n".join(d.format() for d in found)
    assert text in found[0].message, found[0].message


WARNING_CASES = [
    ("old-tls-policy",
     {("load_balancer", "https"): {"certificate_arn": "arn:aws:acm:us-east-1:1:certificate/x",
                                   "ssl_policy": "ELBSecurityPolicy-2016-08"}},
     "FC216", "load_balancer.https.ssl_policy", "TLS 1.0"),
    ("over-100-rules", _crowded, "FC206", "services.r99.http", "102 rules"),
    ("default-route-shadowed", {(*A, "http", "path"): "/*"},
     "FC206", "services.api.http.path", "/*"),
    ("route-shadowed-by-explicit-priority",
     {(*A, "http", "priority"): 10,
      ("services", "admin"): {"image": f"{ECR}/admin:1", "port": 81,
                              "http": {"path": "/api/admin/*"}}},
     "FC206", "services.admin.http.path", "api's rule (priority 10)"),
    ("priority-on-default-route", {(*S, "http", "priority"): 7},
     "FC206", "services.web.http.priority", "7"),
    ("name-tag", {("tags",): {"Name": "x"}}, "FC218", "tags.Name", "Name"),
    ("exec-readonly", {(*A, "exec"): True, (*A, "storage"): {"readonly_fs": True}},
     "FC220", "services.api.exec", "readonly_fs"),
    ("password-in-sidecar-variables",
     {(*A, "sidecars"): {"db": {"image": f"{ECR}/db:1", "variables": {"DB_PASSWORD": "x"}}}},
     "FC213", "services.api.sidecars.db.variables.DB_PASSWORD", "DB_PASSWORD"),
]


@pytest.mark.parametrize("mutation, code, path, text",
                         [c[1:] for c in WARNING_CASES], ids=[c[0] for c in WARNING_CASES])
def test_warning(mutation, code, path, text):
    found = diagnose(apply(mutation, BASE))
    assert [(d.code, d.path, d.severity) for d in found] == [(code, path, WARNING)], \
        "\n".join(d.format() for d in found)
    assert text in found[0].message, found[0].message


@pytest.mark.parametrize("mutation", [c[1] for c in CASES + WARNING_CASES],
                         ids=[c[0] for c in CASES + WARNING_CASES])
def test_cases_are_schema_valid(mutation):
    """The table holds inputs a user can really write: the schema lets them through."""
    assert schema.validate(apply(mutation, BASE), Locator("spec.yaml")) == []


def test_rule_modules_are_well_formed():
    codes = [rule.CODE for rule in checks.RULES]
    assert len(codes) == len(set(codes))
    assert all(c.startswith("FC2") for c in codes)
    for rule in checks.RULES:
        doc = (rule.__doc__ or "").strip()
        assert doc and "\n" not in doc, rule.__name__


def test_findings_are_located_and_sorted():
    data = apply({(*S, "memory"): 4096, (*A, "exec"): True,
                  (*A, "storage"): {"readonly_fs": True}}, BASE)
    locator = Locator("spec.yaml", values={
        ("services", "web", "memory"): (9, 13), ("services", "api", "exec"): (4, 11)})
    found = [d for d in checks.run(model_of(data), data, locator) if d.code != "FC262"]  # see diagnose()
    assert [(d.line, d.col, d.code) for d in found] == [(4, 11, "FC220"), (9, 13, "FC201")]
    assert found[0].severity == "warning"
    assert found[1].format().startswith("spec.yaml:9:13: error: services.web.memory: ")


@pytest.mark.parametrize("cpu, memory", [(256, 512), (256, 2048), (512, 4096), (1024, 8192),
                                         (2048, 16384), (4096, 30720), (8192, 61440),
                                         (16384, 122880)])
def test_valid_fargate_sizes_pass(cpu, memory):
    assert diagnose(apply({(*S, "cpu"): cpu, (*S, "memory"): memory}, BASE)) == []


def test_short_container_health_check_interval_alone_passes():
    """`interval: 5` alone is valid: the default timeout follows it down (to 4), as the ALB's does."""
    data = apply({(*S, "healthcheck"): {"command": ["CMD", "true"], "interval": 5}}, BASE)
    assert diagnose(data) == []
    web = next(s for s in model_of(data).services if s.name == "web")
    assert (web.healthcheck.interval, web.healthcheck.timeout) == (5, 4)


def test_private_services_without_nat_and_every_endpoint_pass():
    data = apply({**NO_NAT, (*A, "exec"): True, (*A, "secrets"): {"K": "/shop/k"},
                  ("network", "endpoints"): PRIVATE_ENDPOINTS + ["ssm", "ssmmessages"]}, BASE)
    assert diagnose(data) == []


def test_public_services_need_no_endpoints():
    data = apply({("network", "nat"): "none", (*S, "placement"): "public",
                  (*A, "placement"): "public", (*S, "image"): "nginx:1.27"}, BASE)
    assert diagnose(data) == []


# The complete example of SPEC.md, verbatim.
COMPLETE = """
app: shop
environment: dev
tags: {team: web}
network:
  vpc:
    cidr: 10.10.0.0/20
    azs: 2
    subnets:
      public:  [10.10.0.0/24, 10.10.1.0/24]
      private: [10.10.8.0/23, 10.10.10.0/23]
  nat: none
  endpoints: [s3, ecr.api, ecr.dkr, logs, ssm]
  flow_logs:
    retention_days: 30
    traffic: ALL
load_balancer:
  public: true
  allowed_cidrs: [0.0.0.0/0]
  idle_timeout: 60
  https:
    certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/abcd-1234
    ssl_policy: ELBSecurityPolicy-TLS13-1-2-2021-06
  access_logs: false
  deletion_protection: false
discovery:
  namespace: shop.internal
services:
  frontend:
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/reactdevtest:latest
    port: 3000
    cpu: 256
    memory: 512
    count: 2
    placement: private
    platform: linux/x86_64
    http:
      path: /
      hosts: []
      healthcheck:
        path: /
        success_codes: "200"
        healthy_threshold: 5
        unhealthy_threshold: 2
        interval: 30
        timeout: 5
        grace_period: 60
      deregistration_delay: 60
      stickiness: false
    connect: true
    variables: {NODE_ENV: production}
    secrets:
      API_KEY: /shop/dev/api-key
    logging:
      retention_days: 30
    deployment:
      min_healthy_percent: 100
      max_percent: 200
      rollback: true
  backend:
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/backenddevtest:latest
    port: 5000
    http:
      path: /api/*
      priority: 10
      healthcheck: {path: /api/health}
    connect: true
  quotes:
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/random-quote:1.0
    port: 8080
    discovery: true
  web:
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/nginx:1.27
    port: 80
    http: {path: /web/*}
    sidecars:
      php-fpm:
        image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/php-fpm:8.3
        port: 9000
        essential: true
"""

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.yaml"))


def test_complete_example_has_no_findings():
    assert diagnose(yaml.safe_load(COMPLETE)) == []


@pytest.mark.parametrize("build", all_builds(EXAMPLES), ids=str)
def test_examples_have_no_errors(build):
    from compiler.pipeline import validate

    app, found = validate(str(build.spec), build.env, build.values)
    assert errors(found) == [] and app is not None


def test_services_stack_over_a_megabyte_is_refused_when_measured():
    from compiler.pipeline import build_templates
    from compiler.writer import serialize

    def sizes(app):
        return {stem: len(serialize(t).encode()) for stem, t in build_templates(app)}

    data = apply({("services", f"s{i:02d}"): {"image": f"{ECR}/s:1", "port": 80,
                                              "variables": {f"V{j}": "x" * 1000 for j in range(55)}}
                  for i in range(30)}, BASE)
    app = model_of(data)
    assert diagnose(data) == []             # each task definition fits ECS
    [found] = checks.task_size.stack_sizes(app, sizes(app), Locator("spec.yaml"))
    assert (found.code, found.path) == ("FC224", "services.s27")   # the 30th in services.json
    assert "the services stack (services web to s27)" in found.message
    base = model_of(BASE)
    assert checks.task_size.stack_sizes(base, sizes(base), Locator("spec.yaml")) == []


def test_task_size_counts_the_variables_the_compiler_adds():
    """FC224 counts what the main container gets beyond the spec's text: FC_SNS_TOPIC_ARNS for
    20 topics (~2.5 KB once deployed) and, with copilot_variables, its COPILOT_* copy and the
    other COPILOT_* variables. 60 variables of 1 KB fit beside the first, not beside both."""
    topics = [{"name": f"events-of-kind-{i:02d}"} for i in range(20)]
    data = apply({(*A, "variables"): {f"V{j}": "x" * 1000 for j in range(60)},
                  (*A, "publish"): {"topics": topics}}, BASE)
    assert diagnose(data) == []
    [found] = diagnose(apply({("copilot_variables",): True}, data))
    assert (found.code, found.path) == ("FC224", "services.api.variables"), found


def test_more_specific_route_first_is_not_shadowed():
    """/api/v2/* before /api/*, or a host rule before a hostless one: both are reachable."""
    data = apply({(*A, "http", "priority"): 20,
                  ("services", "v2"): {"image": f"{ECR}/v2:1", "port": 81,
                                       "http": {"path": "/api/v2/*", "priority": 10}},
                  ("services", "host"): {"image": f"{ECR}/h:1", "port": 82,
                                         "http": {"path": "/api/*", "hosts": ["a.example.com"],
                                                  "priority": 5}}},
                 BASE)
    assert diagnose(data) == []


def test_spot_on_arm64_is_allowed():
    """Fargate Spot supports ARM64 on platform 1.4.0+ (services run LATEST)."""
    data = apply({(*S, "spot"): True, (*S, "platform"): "linux/arm64"}, BASE)
    assert diagnose(data) == []


def test_zone_count_follows_explicit_subnets_when_azs_is_not_given():
    data = apply({("network", "vpc"): {"cidr": "10.5.0.0/16", "subnets": {
        "public": ["10.5.0.0/24", "10.5.1.0/24", "10.5.2.0/24"],
        "private": ["10.5.8.0/22", "10.5.12.0/22", "10.5.16.0/22"]}}}, BASE)
    app = model_of(data)
    assert app.network.az_count == 3
    assert [d for d in checks.run(app, data, Locator("spec.yaml")) if d.severity == "error"] == []
