"""`fargate-compile plan`: figures checked against arithmetic done by hand in the comments.

Prices used below (compiler/data/prices.json, us-east-1 unless said otherwise):
  NAT gateway $0.045/h and $0.045/GB        public IPv4 $0.005/h       inter-AZ $0.01/GB each way
  interface endpoint $0.01/zone-h, $0.01/GB  ALB $0.0225/h, $0.008/LCU-h
  Fargate x86 $0.04048/vCPU-h, $0.004445/GB-h; ARM $0.03238, $0.00356; Spot = 30% of on-demand
  CloudWatch Logs ingestion $0.50/GB, vended (flow logs) $0.50/GB; hosted zone $0.50/month
  eu-central-1: NAT $0.052/h and $0.052/GB
730 hours a month. Default assumptions: 100 GB traffic, 1 LCU, 1 GB logs per task, 5 GB flow logs.
"""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import pytest

from builds import builds
from compiler import cli, pipeline
from compiler.plan import LIMITS, StackInfo, cost, diagram, make_plan, prices, report, rollout
from compiler.writer import serialize

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
TABLE = prices.load()


def app_of(name_or_path) -> object:
    path = name_or_path if isinstance(name_or_path, Path) else EXAMPLES / name_or_path
    build = builds(path)[0]     # the spec's own environment, with the values it names
    app, found = pipeline.validate(str(path), build.env, build.values)
    assert app is not None, [d.format() for d in found]
    return app


def plan_of(name, region="us-east-1", traffic=100.0):
    app = app_of(name)
    return make_plan(app, str(name), pipeline.build_templates(app), TABLE, region,
                     cost.Assumptions(traffic_gb=traffic))


def items(plan) -> dict[tuple[str, str], float]:
    return {(i.category, i.item): i.monthly for i in plan.costs}


def option(plan, key):
    return next(o for o in plan.egress.options if o.key == key)


def write_spec(tmp_path, text: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- the price table -------------------------------------------------------------------------

def test_price_table_covers_the_promised_regions_with_a_date_and_sources():
    assert set(TABLE.region_names) >= {"us-east-1", "us-east-2", "us-west-2", "eu-west-1",
                                       "eu-central-1", "ap-southeast-1", "ap-northeast-1"}
    assert TABLE.hours_per_month == 730
    assert TABLE.label == f"list prices as known on {TABLE.taken}"
    assert len(TABLE.taken) == 10 and TABLE.taken[4] == "-" and TABLE.taken[7] == "-"
    assert all(url.startswith("https://aws.amazon.com/") for _, url in TABLE.sources)
    for name in TABLE.region_names:
        p = TABLE.region(name)
        assert p.nat_hour > 0 and p.interface_endpoint_hour > 0 and p.fargate_vcpu_hour > p.fargate_arm_vcpu_hour


def test_unknown_region_names_the_known_ones():
    with pytest.raises(prices.UnknownRegion) as info:
        TABLE.region("mars-north-1")
    assert "mars-north-1" in str(info.value)
    assert "us-east-1" in str(info.value) and "ap-northeast-1" in str(info.value)


# --- inventory -----------------------------------------------------------------------------------

@pytest.mark.parametrize("spec", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_inventory_matches_the_built_templates(spec):
    app = app_of(spec)
    built = pipeline.build_templates(app)
    plan = make_plan(app, str(spec), built, TABLE, "us-east-1", cost.Assumptions())
    assert [s.stem for s in plan.stacks] == [stem for stem, _ in built]
    assert plan.stacks[0].file == "root.json"
    for info, (_, template) in zip(plan.stacks, built):
        assert info.resources == len(template.resources) == sum(n for _, n in info.by_type)
        assert info.parameters == len(template.parameters)
        assert info.outputs == len(template.outputs)
        assert info.bytes == len(serialize(template, "json").encode("utf-8"))


def test_inventory_of_the_complete_example_by_type():
    plan = plan_of("complete.yaml")
    stacks = {s.stem: s for s in plan.stacks}
    assert set(stacks) == {"root", "network", "endpoints", "alb", "services"}
    # endpoints asked for: s3, ecr.api, ecr.dkr, logs, ssm -> five VPCEndpoint resources
    assert dict(stacks["endpoints"].by_type)["AWS::EC2::VPCEndpoint"] == 5
    # four services
    assert dict(stacks["services"].by_type)["AWS::ECS::Service"] == 4
    assert dict(stacks["root"].by_type) == {"AWS::CloudFormation::Stack": 4}


def test_stack_near_a_limit_is_flagged():
    info = StackInfo("services", "services.json", 450, (("AWS::IAM::Role", 450),), 10, 199, 10_000)
    assert info.usage()["resources"] == 450 / 500
    assert info.warnings == ("resources at 90% of CloudFormation's limit of 500",
                             "outputs at 100% of CloudFormation's limit of 200")
    assert LIMITS == {"resources": 500, "parameters": 200, "outputs": 200, "bytes": 1_000_000}


# --- monthly cost ---------------------------------------------------------------------------------

def test_cost_of_the_complete_example_by_hand():
    got = items(plan_of("complete.yaml"))
    # interface endpoints ecr.api, ecr.dkr, logs, ssm: 4 × 2 zones × 730 × 0.01 = 58.40
    assert got[("Interface endpoints", "hours (ecr.api, ecr.dkr, logs, ssm)")] == pytest.approx(58.40)
    # nat none: all 100 GB through the endpoints: 100 × 0.01 = 1.00
    assert got[("Interface endpoints", "data processed")] == pytest.approx(1.00)
    assert got[("Gateway endpoints", "s3")] == 0
    # ALB 730 × 0.0225 = 16.425; 1 LCU × 730 × 0.008 = 5.84
    assert got[("Load balancer", "ALB hours")] == pytest.approx(16.425)
    assert got[("Load balancer", "LCU-hours")] == pytest.approx(5.84)
    # internet-facing ALB in 2 zones: 2 × 730 × 0.005 = 7.30
    assert got[("Public IPv4 addresses", "2 internet-facing ALB (one per zone)")] == pytest.approx(7.30)
    # frontend 2 × 730 × (0.25 × 0.04048 + 0.5 × 0.004445) = 2 × 730 × 0.0123425 = 18.02005
    assert got[("Fargate", "frontend (Linux/x86)")] == pytest.approx(18.02005)
    # backend 1 × 730 × 0.0123425 = 9.010025
    assert got[("Fargate", "backend (Linux/x86)")] == pytest.approx(9.010025)
    # logs: 5 tasks × 1 GB × 0.50 = 2.50; flow logs 5 GB × 0.50 = 2.50; namespace 0.50
    assert got[("Logs", "container log ingestion")] == pytest.approx(2.50)
    assert got[("Logs", "VPC flow-log ingestion (ALL)")] == pytest.approx(2.50)
    assert got[("Service discovery", "private DNS namespace shop.internal")] == pytest.approx(0.50)
    assert not any(category == "NAT gateways" for category, _ in got)
    # 58.40 + 1.00 + 16.425 + 5.84 + 7.30 + 18.02005 + 3 × 9.010025 + 2.50 + 2.50 + 0.50 = 139.515125
    assert sum(got.values()) == pytest.approx(139.515125)


def test_cost_of_nat_per_az_in_three_zones_by_hand():
    got = items(plan_of("private-nat.yaml"))
    # 3 NAT gateways: 3 × 730 × 0.045 = 98.55; data 100 GB × 0.045 = 4.50
    assert got[("NAT gateways", "hours")] == pytest.approx(98.55)
    assert got[("NAT gateways", "data processed")] == pytest.approx(4.50)
    assert ("NAT gateways", "cross-zone traffic to the single NAT") not in got
    # public IPv4: 3 ALB nodes + 3 NAT EIPs = 6 × 730 × 0.005 = 21.90
    assert got[("Public IPv4 addresses", "3 internet-facing ALB (one per zone) + 3 NAT Elastic IPs")] == \
        pytest.approx(21.90)
    # web autoscales 2-10: the minimum, 2 × 730 × 0.0123425 = 18.02005
    assert got[("Fargate", "web (Linux/x86)")] == pytest.approx(18.02005)
    # worker ARM 1 vCPU / 2 GB: 730 × (1 × 0.03238 + 2 × 0.00356) = 730 × 0.0395 = 28.835
    assert got[("Fargate", "worker (Linux/ARM)")] == pytest.approx(28.835)


def test_cost_follows_the_region():
    got = items(plan_of("private-nat.yaml", region="eu-central-1"))
    # 3 × 730 × 0.052 = 113.88; 100 GB × 0.052 = 5.20
    assert got[("NAT gateways", "hours")] == pytest.approx(113.88)
    assert got[("NAT gateways", "data processed")] == pytest.approx(5.20)


def test_single_nat_pays_cross_zone_traffic_and_one_elastic_ip():
    got = items(plan_of("internal-only.yaml", traffic=200))
    # 1 × 730 × 0.045 = 32.85; 200 GB × 0.045 = 9.00; half the traffic crosses zones,
    # both directions: 200 × 1/2 × 2 × 0.01 = 2.00
    assert got[("NAT gateways", "hours")] == pytest.approx(32.85)
    assert got[("NAT gateways", "data processed")] == pytest.approx(9.00)
    assert got[("NAT gateways", "cross-zone traffic to the single NAT")] == pytest.approx(2.00)
    # the spec's ssmmessages endpoint: 1 × 2 × 730 × 0.01 = 14.60; its traffic is counted at the NAT
    assert got[("Interface endpoints", "hours (ssmmessages)")] == pytest.approx(14.60)
    assert got[("Interface endpoints", "data processed")] == 0
    # no ALB, one NAT EIP: 1 × 730 × 0.005 = 3.65
    assert got[("Public IPv4 addresses", "1 NAT Elastic IP")] == pytest.approx(3.65)
    assert not any(category == "Load balancer" for category, _ in got)


def test_public_spot_task_pays_for_its_ip_at_spot_price():
    got = items(plan_of("public-tasks.yaml"))
    # Spot: 30% of 730 × (0.25 × 0.04048 + 0.5 × 0.004445) = 0.3 × 9.010025 = 2.7030075
    assert got[("Fargate", "api (Linux/x86, Spot: on-demand − 70%)")] == pytest.approx(2.7030075)
    # 2 ALB nodes + 1 public task = 3 × 730 × 0.005 = 10.95
    assert got[("Public IPv4 addresses", "2 internet-facing ALB (one per zone) + 1 public task")] == \
        pytest.approx(10.95)
    # flow_logs: false -> no flow-log line; no NAT, no endpoints
    assert not any("flow-log" in item for _, item in got)
    assert not any(category in ("NAT gateways", "Interface endpoints") for category, _ in got)


# --- egress advice ----------------------------------------------------------------------------------

def test_egress_options_of_the_complete_example_by_hand():
    plan = plan_of("complete.yaml")
    single, per_az, endpoints = (option(plan, k) for k in (cost.NAT_SINGLE, cost.NAT_PER_AZ, cost.ENDPOINTS))
    # single: 730 × (0.045 + 0.005) = 36.50 fixed; 0.045 + 1/2 × 2 × 0.01 = 0.055 per GB
    assert (single.fixed, single.per_gb) == (pytest.approx(36.50), pytest.approx(0.055))
    # per_az: 2 × 36.50 = 73.00; 0.045 per GB
    assert (per_az.fixed, per_az.per_gb) == (pytest.approx(73.00), pytest.approx(0.045))
    # endpoints: the services need ecr.api, ecr.dkr, logs, ssm (frontend's /shop/dev/api-key) + s3
    assert endpoints.endpoints == ("ecr.api", "ecr.dkr", "logs", "s3", "ssm")
    assert (endpoints.fixed, endpoints.per_gb) == (pytest.approx(58.40), pytest.approx(0.01))
    # at 100 GB: 36.50 + 5.50 = 42.00; 73.00 + 4.50 = 77.50; 58.40 + 1.00 = 59.40
    assert [o.monthly for o in plan.egress.options] == [pytest.approx(42.00), pytest.approx(77.50),
                                                        pytest.approx(59.40)]
    assert endpoints.current and not single.current
    assert plan.egress.cheapest == cost.NAT_SINGLE
    even = {(b.a, b.b): b.traffic_gb for b in plan.egress.break_evens}
    # single vs endpoints: (58.40 − 36.50) / (0.055 − 0.01) = 21.90 / 0.045 = 486.67 GB
    assert even[(cost.NAT_SINGLE, cost.ENDPOINTS)] == pytest.approx(486.6667, abs=1e-3)
    # single vs per_az: (73.00 − 36.50) / (0.055 − 0.045) = 3,650 GB
    assert even[(cost.NAT_SINGLE, cost.NAT_PER_AZ)] == pytest.approx(3650)
    # per_az vs endpoints: (58.40 − 73.00) / (0.045 − 0.01) < 0: never
    assert even[(cost.NAT_PER_AZ, cost.ENDPOINTS)] is None
    assert plan.egress.flips == ((pytest.approx(486.6667, abs=1e-3), cost.NAT_SINGLE, cost.ENDPOINTS),)


@pytest.mark.parametrize("traffic, cheapest", [(486, cost.NAT_SINGLE), (487, cost.ENDPOINTS)])
def test_cheapest_egress_flips_at_the_break_even(traffic, cheapest):
    plan = plan_of("complete.yaml", traffic=traffic)
    assert plan.egress.cheapest == cheapest
    # 486: single 36.50 + 26.73 = 63.23 vs endpoints 58.40 + 4.86 = 63.26
    # 487: single 36.50 + 26.785 = 63.285 vs endpoints 58.40 + 4.87 = 63.27
    expected = {486: (63.23, 63.26), 487: (63.285, 63.27)}[traffic]
    assert (option(plan, cost.NAT_SINGLE).monthly, option(plan, cost.ENDPOINTS).monthly) == \
        (pytest.approx(expected[0]), pytest.approx(expected[1]))


def test_infeasible_endpoints_are_never_the_advice():
    # private-nat pulls from public.ecr.aws and ghcr.io: endpoints cannot reach them.
    plan = plan_of("private-nat.yaml", traffic=6000)
    endpoints = option(plan, cost.ENDPOINTS)
    assert not endpoints.feasible and "public.ecr.aws/nginx/nginx:1.27" in endpoints.note
    # 3 zones: single 36.50 + (0.045 + 2/3 × 0.02) per GB; per_az 3 × 36.50 = 109.50 + 0.045 per GB
    # break-even (109.50 − 36.50) / (2/3 × 0.02) = 73 / 0.013333 = 5,475 GB
    assert plan.egress.flips == ((pytest.approx(5475), cost.NAT_SINGLE, cost.NAT_PER_AZ),)
    # at 6,000 GB endpoints (65.70 + 60 = 125.70) would be cheapest, but per_az
    # (109.50 + 270 = 379.50) beats single (36.50 + 350 = 386.50) among the feasible ones
    assert endpoints.monthly == pytest.approx(125.70)
    assert plan.egress.cheapest == cost.NAT_PER_AZ


def test_break_even_says_never_for_parallel_lines():
    a = cost.EgressOption("a", "A", 10.0, 0.05, 15.0, (), True, "", False)
    b = cost.EgressOption("b", "B", 30.0, 0.05, 35.0, (), True, "", False)
    be = cost.break_even(a, b)
    assert be.traffic_gb is None and be.text.startswith("never") and "$20.00" in be.text
    c = cost.EgressOption("c", "C", 40.0, 0.01, 41.0, (), True, "", False)
    # 10 + 0.05 T = 40 + 0.01 T -> T = 30 / 0.04 = 750
    assert cost.break_even(a, c).traffic_gb == pytest.approx(750)


def test_no_egress_advice_without_private_services():
    plan = plan_of("public-tasks.yaml")
    assert not plan.egress.applicable and plan.egress.options == ()


def test_no_nat_priced_in_an_existing_vpc(tmp_path):
    # The compiler makes no NAT gateway in an existing VPC (FC260 refuses `nat` there), so
    # neither the costs nor the egress options may price one.
    plan = plan_of("existing-vpc.yaml")
    assert not plan.egress.applicable and plan.egress.options == () and plan.egress.cheapest is None
    assert "vpc-0a1b2c3d4e5f60718 exists already" in plan.egress.reason
    assert "endpoints the spec lists are priced above" in plan.egress.reason
    assert not [i for i in plan.costs if "NAT" in i.category or "NAT" in i.item]
    # 4 interface endpoints (ecr.api, ecr.dkr, logs, secretsmanager) × 2 zones × 730 h × $0.01 = $58.40
    assert items(plan)[("Interface endpoints", "hours (ecr.api, ecr.dkr, logs, secretsmanager)")] \
        == pytest.approx(58.40)
    text = report.to_text(plan)
    assert "nat: single" not in text and "nat: per_az" not in text and "Egress options" in text
    # Without endpoints (the owner's routing is trusted; FC210 only warns) nothing is "priced above".
    spec = write_spec(tmp_path, """
app: t
network:
  vpc: {id: vpc-0123456789abcdef0, subnets: {private: [subnet-0123456789abcdef1, subnet-0123456789abcdef2]}}
services:
  worker: {image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/w:1}
""")
    bare = make_plan(app_of(spec), "spec.yaml", pipeline.build_templates(app_of(spec)), TABLE, "us-east-1",
                     cost.Assumptions())
    assert not bare.egress.applicable and bare.egress.options == ()
    assert "priced above" not in bare.egress.reason
    assert not [i for i in bare.costs if "NAT" in i.category]


def test_required_endpoints_follow_secrets_and_exec(tmp_path):
    spec = write_spec(tmp_path, """
app: t
network: {nat: single}
services:
  a:
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/a:1
    port: 80
    exec: true
    secrets: {DB: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"}
  b:
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/b:1
    port: 81
    secrets: {KEY: /t/key}
""")
    assert cost.required_endpoints(app_of(spec)) == (
        "ecr.api", "ecr.dkr", "logs", "s3", "secretsmanager", "ssm", "ssmmessages")


# --- deploy time --------------------------------------------------------------------------------------

@pytest.mark.parametrize("n, low, high, expected", [
    (4, 100, 200, (8, 4, 4, 1)),     # start 4 new, then stop 4 old
    (4, 50, 100, (4, 2, 2, 2)),      # stop 2, start 2, twice
    (2, 50, 200, (4, 1, 2, 1)),
    (10, 100, 150, (15, 10, 5, 2)),
    (3, 100, 133, (3, 3, 0, None)),  # floor(3.99) = 3: no room to start one, none may stop
    (1, 100, 150, (1, 1, 0, None)),
    (0, 100, 200, (0, 0, 0, 0)),
])
def test_batching(n, low, high, expected):
    assert rollout.batching(n, low, high) == expected


def test_rollout_follows_the_health_check_settings():
    plan = plan_of("complete.yaml")
    front = next(r for r in plan.rollouts if r.service == "frontend")
    # interval 30 × healthy_threshold 5 = 150 s
    check = next(c for c in front.new_task if c.name == "ALB health-check wait")
    assert check.seconds == 150
    # 60 s start + 15 s registration + 150 s = 225 s; drain: deregistration delay 60 s
    assert front.healthy_seconds == 225 and front.drain_seconds == 60
    # 2 tasks, 100/200: U = 4, L = 2, one batch of 2: 1 × 285 s
    assert (front.batch_size, front.batches, front.worst_case_seconds) == (2, 1, 285)
    assert front.dominant.name == "ALB health-check wait"
    assert front.dominant_share == pytest.approx(150 / 285)
    assert front.grace_period == 60


def test_rollout_with_fast_checks():
    plan = plan_of("private-endpoints.yaml")
    front = next(r for r in plan.rollouts if r.service == "frontend")
    # interval 10 × healthy 2 = 20 s; 60 + 15 + 20 = 95 s; deregistration 15 s; 1 batch: 110 s
    assert (front.healthy_seconds, front.drain_seconds, front.worst_case_seconds) == (95, 15, 110)


def test_dominating_deregistration_delay_is_named(tmp_path):
    spec = write_spec(tmp_path, """
app: t
network: {nat: single}
load_balancer: {}
services:
  api:
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1
    port: 80
    count: 4
    http:
      healthcheck: {interval: 5, healthy_threshold: 2}
      deregistration_delay: 300
    deployment: {min_healthy_percent: 50, max_percent: 100}
""")
    r = rollout.estimate(app_of(spec).services[0])
    # new task: 60 + 15 + 5 × 2 = 85 s; drain 300 s; batch 385 s
    # 4 tasks, 50/100: U = 4, L = 2 -> 2 batches of 2 -> 770 s
    assert (r.healthy_seconds, r.drain_seconds, r.batches, r.worst_case_seconds) == (85, 300, 2, 770)
    # 300 / 385 = 77.9%
    assert report.dominant_text(r) == ("the 300-second deregistration delay (deregistration_delay 300 s) "
                                       "is 78% of this service's rollout")


def test_unrouted_services_wait_for_their_container_check_or_40_seconds():
    plan = plan_of("internal-only.yaml")
    by_name = {r.service: r for r in plan.rollouts}
    # scheduler: container health check, default interval 30 s: 60 + 30 = 90 s, no drain
    assert (by_name["scheduler"].healthy_seconds, by_name["scheduler"].drain_seconds) == (90, 0)
    # runner: no container health check: ECS counts it 40 s after RUNNING: 60 + 40 = 100 s
    assert by_name["runner"].healthy_seconds == 100 and not by_name["runner"].routed


# --- diagram --------------------------------------------------------------------------------------------

def routes(app):
    return [diagram.route_label(s.http) for s in app.routed_services]


@pytest.mark.parametrize("spec", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_diagram_has_every_service_and_route(spec):
    app = app_of(spec)
    g = diagram.build(app)
    mermaid, dot = diagram.to_mermaid(g), diagram.to_dot(g)
    for s in app.services:
        assert s.name in mermaid and s.name in dot
    for label in routes(app):
        assert f'|"{diagram.mermaid_text(label)}"|' in mermaid
        assert f'label="{diagram.dot_text(label)}"' in dot
    connected = [s for s in app.services if s.connect]
    n = len(connected)
    assert mermaid.count('<-.->|"Service Connect"|') == n * (n - 1) // 2
    assert dot.count('label="Service Connect"') == n * (n - 1) // 2
    assert mermaid.count("subgraph ") == [line.strip() for line in mermaid.splitlines()].count("end") == 3
    assert dot.count("{") == dot.count("}")


def test_diagram_shows_zones_subnets_and_nat_routes():
    app = app_of("private-nat.yaml")
    dot = diagram.to_dot(diagram.build(app))
    for cidr in app.network.public_subnets + app.network.private_subnets:
        assert cidr in dot
    # per_az: each zone's private subnet routes to its own NAT
    for i in range(3):
        assert f'private_{i} -> nat_{i} [label="0.0.0.0/0"];' in dot
    [routed] = app.routed_services
    assert f'label="#{routed.http.priority}: host blog.example.com; path /*"' in dot


def test_labels_are_escaped():
    assert diagram.mermaid_text('a"b#c<d>|e') == "a#quot;b#35;c#lt;d#gt;#124;e"
    assert diagram.dot_text('say "hi"\\n\nok') == 'say \\"hi\\"\\\\n ok'
    g = diagram.Graph('x"y')
    g.add(diagram.Node("n", ('he said "go" \\l',)), g.top)
    dot = diagram.to_dot(g)
    assert 'digraph "x\\"y"' in dot and 'label="he said \\"go\\" \\\\l"' in dot


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
@pytest.mark.parametrize("spec", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_svg_renders_every_service(spec):
    app = app_of(spec)
    svg = diagram.render_svg(diagram.to_dot(diagram.build(app)), shutil.which("dot"))
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    text = html.unescape(svg)        # Graphviz writes '-' as &#45;
    for s in app.services:
        assert f">{s.name}</text>" in text


# --- reports and the command line ------------------------------------------------------------------------

def run_cli(capsys, *argv):
    code = cli.main(["plan", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_text_report(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, EXAMPLES / "complete.yaml")
    assert code == 0 and "error" not in err
    assert "$139.52" in out and "$58.40" in out
    assert "486.7 GB/month" in out
    assert f"list prices as known on {TABLE.taken}" in out
    assert "the 150-second ALB health-check wait" in out
    assert list(tmp_path.iterdir()) == []            # nothing written, no templates_out


def test_cli_json_has_every_number(capsys):
    code, out, _ = run_cli(capsys, EXAMPLES / "complete.yaml", "--format", "json", "--traffic-gb", "487")
    data = json.loads(out)
    assert code == 0
    assert data["assumptions"]["traffic_gb"] == 487
    assert data["egress"]["cheapest"] == cost.ENDPOINTS
    assert data["cost"]["total_monthly_usd"] == pytest.approx(
        sum(i["monthly_usd"] for i in data["cost"]["items"]), abs=1e-3)
    assert data["prices"]["taken"] == TABLE.taken and data["prices"]["hours_per_month"] == 730
    assert data["prices"]["values"]["nat_hour"] == 0.045
    assert {r["service"] for r in data["rollout"]} == {"frontend", "backend", "quotes", "web"}
    assert data["stacks"][0]["file"] == "root.json"


def test_cli_markdown_has_tables_and_mermaid(capsys):
    code, out, _ = run_cli(capsys, EXAMPLES / "private-nat.yaml", "--format", "markdown")
    assert code == 0
    assert "```mermaid\nflowchart LR" in out and "| **total** |" in out
    assert "| nat: per_az | $109.50 |" in out


def test_cli_writes_the_diagram(capsys, tmp_path):
    code, out, _ = run_cli(capsys, EXAMPLES / "complete.yaml", "--diagram-dir", tmp_path / "d")
    assert code == 0
    dot = (tmp_path / "d" / "shop-dev.dot").read_text()
    assert dot.startswith('digraph "shop-dev"') and "frontend" in dot
    svg = tmp_path / "d" / "shop-dev.svg"
    assert svg.exists() == (shutil.which("dot") is not None)
    assert str(tmp_path / "d" / "shop-dev.dot") in out


def test_cli_unknown_region_is_a_usage_error(capsys):
    code, out, err = run_cli(capsys, EXAMPLES / "complete.yaml", "--region", "eu-south-9")
    assert code == 2 and out == ""
    assert "eu-south-9" in err and "eu-central-1" in err and "us-west-2" in err


@pytest.mark.parametrize("argv", [["--traffic-gb", "-1"], ["--traffic-gb", "lots"], ["--format", "pdf"]])
def test_cli_bad_flags_are_usage_errors(capsys, argv):
    code, _, err = run_cli(capsys, EXAMPLES / "complete.yaml", *argv)
    assert code == 2 and "usage:" in err


def test_cli_unreadable_spec_is_a_usage_error(capsys, tmp_path):
    code, _, err = run_cli(capsys, tmp_path / "missing.yaml")
    assert code == 2 and "cannot read" in err


def test_cli_invalid_spec_is_reported_like_compile(capsys, tmp_path):
    spec = write_spec(tmp_path, "app: Shop\nservices: {}\n")
    code, out, err = run_cli(capsys, spec)
    assert code == 1 and out == ""
    app, found = pipeline.validate(str(spec))
    assert app is None
    lines = err.splitlines()
    assert lines[:-1] == [d.format() for d in found]
    assert lines[0].startswith(f"{spec}:1:")


def test_cli_notes_zones_of_another_region(capsys):
    code, out, _ = run_cli(capsys, EXAMPLES / "public-tasks.yaml", "--region", "eu-west-1")
    assert code == 0 and "zones in us-east-1 but the prices are for eu-west-1" in out


# --- workers, jobs, publish/subscribe (examples/event-driven.yaml) ---------------------
# SNS $0.50 per million publishes, SQS $0.40 (standard) / $0.50 (FIFO) per million requests,
# Step Functions $0.025 per 1,000 transitions, alarms $0.10 per metric per month.

@pytest.mark.parametrize("expression, runs", [
    ("rate(1 hour)", 730), ("rate(5 minutes)", 8760), ("rate(1 day)", 730 / 24),
    ("cron(30 2 * * ? *)", 730 / 24),                 # every day
    ("cron(0 9 ? * 2-6 *)", 5 * 730 / 24 / 7),        # weekdays
    ("cron(0/15 * * * ? *)", 4 * 24 * 730 / 24),
    ("cron(0 0 1 * ? *)", 1), ("cron(0 0 1 1 ? *)", 1 / 12),
    ("cron(0 10 ? * 6L *)", 1),                       # the last Friday of the month
])
def test_job_runs_per_month(expression, runs):
    assert cost.runs_per_month(expression, 730) == pytest.approx(runs)


def test_messaging_and_job_costs_by_hand():
    items = {(i.category, i.item): i.monthly for i in plan_of("event-driven.yaml").costs}
    assert items[("Messaging", "SNS topic api/orders: publishes")] == pytest.approx(0.50)   # 1 M × $0.50
    assert items[("Messaging", "SQS queue of fulfilment: requests")] == pytest.approx(0.80)  # 2 M × $0.40
    assert items[("Messaging", "SQS queue of ledger (FIFO): requests")] == pytest.approx(1.00)  # 2 M × $0.50
    # fulfilment scales from 0: 2 tracking alarms × 2 metrics + the wake-up alarm's 2 = 6 × $0.10
    assert items[("Messaging", "queue-scaling alarms of fulfilment")] == pytest.approx(0.60)
    # nightly-report: 730/24 runs × 10 min × (0.5 vCPU × $0.04048 + 1 GB × $0.004445)
    runs = 730 / 24
    fargate = runs * 10 / 60 * (0.5 * 0.04048 + 1 * 0.004445)
    assert items[("Jobs", "nightly-report (Linux/x86): Fargate")] == pytest.approx(fargate)
    assert items[("Jobs", "nightly-report: Step Functions")] == pytest.approx(runs * 2 / 1000 * 0.025)
    # The workers: fulfilment starts at 0 tasks, ledger runs 1.
    assert items[("Fargate", "fulfilment (Linux/x86)")] == 0


def test_private_publishers_and_subscribers_need_sns_and_sqs_endpoints_without_nat():
    assert {"sns", "sqs"} <= set(cost.required_endpoints(app_of("event-driven.yaml")))


def test_rollout_of_workers_and_jobs():
    plan = plan_of("event-driven.yaml")
    by_name = {r.service: r for r in plan.rollouts}
    fulfilment = by_name["fulfilment"]
    assert fulfilment.drain == () and fulfilment.worst_case_seconds == 0   # range starts at 0
    assert any("worker (no port)" in n for n in by_name["ledger"].notes)
    assert [n for n in plan.notes if n.startswith("job nightly-report: no rollout")]


def test_diagram_draws_topics_queues_and_the_schedule():
    text = diagram.to_mermaid(diagram.build(app_of("event-driven.yaml")))
    assert "SNS topic<br/>payments (FIFO)" in text and "SQS queue (FIFO)<br/>of ledger" in text
    assert "cron(30 2 * * ? *)" in text and "runTask.sync" in text
    assert '-->|"receive; scales at 150 msgs/task"|' in text
