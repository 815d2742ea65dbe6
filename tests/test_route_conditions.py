"""Route conditions and rewrites (http.headers, methods, query, source_ips, rewrite, on `http`
and on each additional rule): normalize, FC284 at the spec's lines, the rules read back from
alb.json (the shifted deployment's too), routing order, environment overrides, diff."""

from __future__ import annotations

import copy
import fnmatch
import ipaddress
import json

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from compiler import checks
from compiler import model as m
from compiler.diagnostics import Locator
from compiler.diff import compute, templates
from compiler.pipeline import build_templates, model_of, validate
from compiler.spec.environments import select
from compiler.state import placement, routing
from compiler.spec.normalize.http import strip_prefix_rewrite

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/abcd-1234"
RULE = "AWS::ElasticLoadBalancingV2::ListenerRule"


def spec(**services_http) -> dict:
    services = {name: {"image": IMAGE, "port": 8080, "http": http} for name, http in services_http.items()}
    return {"app": "shop", "load_balancer": {"https": {"certificate_arn": CERT}}, "services": services}


def rules(data: dict) -> dict[str, dict]:
    alb = dict(build_templates(model_of(data)))["alb"].to_dict()
    return {k: r["Properties"] for k, r in alb["Resources"].items() if r["Type"] == RULE}


# ---------------------------------------------------------------- normalize

def test_normalize_reads_every_condition_and_rewrite():
    http = model_of(spec(api={
        "path": "/api/*",
        "headers": {"X-Canary": "on", "User-Agent": ["*Mobile*", "*Android*"]},
        "methods": ["GET", "HEAD"],
        "query": {"version": ["v2", "v3"]},
        "source_ips": ["10.0.0.0/8"],
        "rewrite": {"strip_prefix": "/api", "host": {"regex": "^(.*)$", "replace": "internal.example.com"}},
    })).services[0].http
    c = http.conditions
    assert c.headers == (("X-Canary", ("on",)), ("User-Agent", ("*Mobile*", "*Android*")))
    assert c.methods == ("GET", "HEAD") and c.query == (("version", ("v2", "v3")),)
    assert c.source_ips == ("10.0.0.0/8",)
    assert c.url_rewrite == m.Rewrite("^/api/?(.*)$", "/$1")
    assert c.host_rewrite == m.Rewrite("^(.*)$", "internal.example.com")
    assert (c.values, c.wildcards, c.narrowing) == (8, 4, True)


def test_strip_prefix_escapes_the_prefix_and_keeps_the_rest_of_the_path():
    import re
    rw = strip_prefix_rewrite("/v1.2/")
    assert rw.regex == r"^/v1\.2/?(.*)$"
    for before, after in [("/v1.2/users?x=1", "/users?x=1"), ("/v1.2", "/"), ("/v1.2/", "/")]:
        assert re.sub(rw.regex, rw.replace.replace("$1", r"\1"), before) == after
    assert not re.match(rw.regex, "/v1x2/users")


def test_conditions_or_a_rewrite_turn_the_default_route_into_a_rule_on_everything():
    app = model_of(spec(web={"path": "/", "headers": {"X-Beta": "1"}}, api={"path": "/api/*"}))
    web = next(s for s in app.services if s.name == "web").http
    assert not web.is_default and web.paths == ("/*",) and web.priority is not None
    app = model_of(spec(web={"path": "/", "rewrite": {"host": {"regex": ".*", "replace": "x.example.com"}}}))
    assert not app.services[0].http.is_default
    assert model_of(spec(web={"path": "/"})).services[0].http.is_default


# ---------------------------------------------------------------- the built rules

def test_the_rules_carry_the_conditions_and_transforms():
    found = rules(spec(
        api={"path": "/api/*", "rewrite": {"strip_prefix": "/api"},
             "additional_rules": [{"path": "/api/*", "headers": {"X-Canary": "on"}, "target_port": 8080}]},
        beta={"path": "/api/*", "query": {"version": "v2"}, "methods": ["GET"], "source_ips": ["10.0.0.0/8"],
              "rewrite": {"path": {"regex": "^/api/(.*)$", "replace": "/$1"},
                          "host": {"regex": "^(.*)$", "replace": "internal.example.com"}}},
        web={"path": "/"}))
    beta = found["BetaListenerRule"]
    assert beta["Conditions"] == [
        {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}},
        {"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": ["GET"]}},
        {"Field": "query-string", "QueryStringConfig": {"Values": [{"Key": "version", "Value": "v2"}]}},
        {"Field": "source-ip", "SourceIpConfig": {"Values": ["10.0.0.0/8"]}},
    ]
    assert beta["Transforms"] == [
        {"Type": "host-header-rewrite",
         "HostHeaderRewriteConfig": {"Rewrites": [{"Regex": "^(.*)$", "Replace": "internal.example.com"}]}},
        {"Type": "url-rewrite", "UrlRewriteConfig": {"Rewrites": [{"Regex": "^/api/(.*)$", "Replace": "/$1"}]}},
    ]
    canary = found["ApiRule1ListenerRule"]
    assert canary["Conditions"][1] == {"Field": "http-header", "HttpHeaderConfig": {
        "HttpHeaderName": "X-Canary", "Values": ["on"]}}
    assert "Transforms" not in canary
    assert found["ApiListenerRule"]["Transforms"][0]["UrlRewriteConfig"]["Rewrites"][0]["Regex"] == "^/api/?(.*)$"
    # Narrower first: the header rule and the query/method/source rule before the plain /api/* rule.
    api = found["ApiListenerRule"]["Priority"]
    assert canary["Priority"] < api and beta["Priority"] < api


def test_the_shifted_production_and_test_rules_carry_the_conditions():
    data = spec(api={"path": "/api/*", "headers": {"X-Tenant": "acme"}, "rewrite": {"strip_prefix": "/api"}})
    data["services"]["api"]["deployment"] = {"strategy": "blue_green",
                                             "test_traffic": {"header": {"X-Test": "1"}}}
    found = rules(data)
    production, test = found["ApiListenerRule"], found["ApiTestListenerRule"]
    tenant = {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Tenant", "Values": ["acme"]}}
    assert tenant in production["Conditions"] and tenant in test["Conditions"]
    assert production["Transforms"] == test["Transforms"] and production["Transforms"][0]["Type"] == "url-rewrite"
    assert test["Priority"] == production["Priority"] - 1


def test_specs_without_the_new_keys_build_rules_without_transforms():
    found = rules(spec(api={"path": "/api/*"}, web={"path": "/"}))
    assert [set(r) for r in found.values()] == [{"ListenerArn", "Priority", "Conditions", "Actions", "Tags"}]


def test_an_environment_override_adds_conditions():
    data = spec(api={"path": "/api/*"})
    data["environments"] = {"prod": {"services": {"api": {"http": {
        "source_ips": ["203.0.113.0/24"],
        "additional_rules": [{"path": "/admin/*", "methods": ["GET"], "rewrite": {"strip_prefix": "/admin"}}]}}}}}
    prod, _, problems = select(data, Locator("spec.yaml"), "prod")
    assert not problems
    found = rules(prod)
    assert {"Field": "source-ip", "SourceIpConfig": {"Values": ["203.0.113.0/24"]}} in found["ApiListenerRule"]["Conditions"]
    assert found["ApiRule1ListenerRule"]["Transforms"][0]["Type"] == "url-rewrite"
    assert "source-ip" not in json.dumps(rules(data))


# ---------------------------------------------------------------- FC284, located

BAD = """\
app: shop
load_balancer: {https: {certificate_arn: "arn:aws:acm:us-east-1:123456789012:certificate/abcd-1234"}}
services:
  api:
    image: x
    port: 8080
    http:
      path: [/a/*, /b/*]
      hosts: [a.example.com]
      headers: {Host: x.example.com, X-A: [one, two]}
      query: {"a&b": "x=y"}
      source_ips: [10.0.0.1/8]
      rewrite:
        path: {regex: "^/(?=a)(.*)$", replace: "/$1"}
        strip_prefix: /c
        host: {regex: "^(.*)$", replace: "$2.example.com"}
      additional_rules:
        - path: /z/*
          headers: {X-Q: ["*a*", "*b*", "?c?"]}
          query: {k: "*"}
          methods: [GET]
"""


def test_fc284_reports_every_problem_at_its_line(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(BAD)
    _, found = validate(str(path))
    found = [d for d in found if d.code == "FC284"]
    where = sorted((d.line, d.path, d.severity) for d in found)
    assert where == [
        (7, "services.api.http", "error"),                              # 2 + 1 + 5 = 8 evaluations
        (10, "services.api.http.headers.Host", "error"),
        (11, "services.api.http.query.a&b", "error"),                   # the key
        (11, "services.api.http.query.a&b", "error"),                   # the value
        (12, "services.api.http.source_ips[0]", "error"),
        (14, "services.api.http.rewrite.path.regex", "error"),
        (15, "services.api.http.rewrite.strip_prefix", "error"),
        (16, "services.api.http.rewrite.host.replace", "error"),
        (18, "services.api.http.additional_rules[0]", "error"),         # 6 evaluations
        (18, "services.api.http.additional_rules[0]", "error"),         # 8 wildcards
    ], found


def test_fc284_counts_the_test_rules_header():
    data = spec(api={"path": "/api/*", "headers": {"X-A": ["1", "2"]}, "methods": ["GET", "HEAD"]})
    assert not _fc284(data)
    data["services"]["api"]["deployment"] = {"strategy": "blue_green", "test_traffic": {"header": {"X-Test": "1"}}}
    (problem,) = _fc284(data)
    assert "X-Test" in problem.message and "6 match evaluations" in problem.message


def _fc284(data: dict) -> list:
    return [d for d in checks.run(model_of(data), data, Locator("spec.yaml")) if d.code == "FC284"]


def test_routes_that_differ_only_in_conditions_are_not_duplicates():
    data = spec(a={"path": "/api/*"}, b={"path": "/api/*", "headers": {"X-A": "1"}})
    assert not [d for d in checks.run(model_of(data), data, Locator("s")) if d.code in ("FC206", "FC281")]
    data = spec(a={"path": "/api/*", "headers": {"x-a": "1"}}, b={"path": "/api/*", "headers": {"X-A": "1"}})
    assert [d.code for d in checks.run(model_of(data), data, Locator("s")) if d.severity == "error"] == ["FC206"]


def test_a_conditioned_catch_all_does_not_hide_the_default_service():
    data = spec(web={"path": "/"}, beta={"path": "/*", "headers": {"X-Beta": "1"}})
    assert not [d for d in checks.run(model_of(data), data, Locator("s")) if d.code == "FC206"]


# ---------------------------------------------------------------- routing order

def _http(**http) -> m.Http:
    return model_of(spec(s=http)).services[0].http


def test_covers_with_conditions():
    plain, header = _http(path="/api/*"), _http(path="/api/*", headers={"X-A": "on"})
    assert routing.covers(plain, header) and not routing.covers(header, plain)
    assert routing.covers(_http(path="/api/*", headers={"x-a": "o*"}), _http(path="/api/v2/*", headers={"X-A": "ON"}))
    assert not routing.covers(_http(path="/*", headers={"X-A": "on"}), _http(path="/x", headers={"X-B": "on"}))
    assert routing.covers(_http(path="/*", methods=["GET", "HEAD"]), _http(path="/x", methods=["GET"]))
    assert not routing.covers(_http(path="/*", methods=["GET"]), _http(path="/x", methods=["GET", "POST"]))
    assert routing.covers(_http(path="/*", source_ips=["10.0.0.0/8"]), _http(path="/x", source_ips=["10.1.0.0/16"]))
    assert not routing.covers(_http(path="/*", source_ips=["10.0.0.0/8"]), _http(path="/x", source_ips=["::/0"]))
    assert routing.covers(_http(path="/*", query={"v": "*"}), _http(path="/x", query={"V": "2"}))
    assert not routing.covers(_http(path="/*", query={"v": "2"}), _http(path="/x"))
    # A rewrite changes nothing about what matches.
    assert routing.covers(_http(path="/api/*", rewrite={"strip_prefix": "/api"}), _http(path="/api/*", methods=["GET"]))


HEADERS = [{}, {}, {"X-A": "on"}, {"X-A": ["on", "off"]}, {"X-A": "o*"}, {"x-a": "on", "X-B": "1"}]
METHODS = [[], [], ["GET"], ["GET", "HEAD"], ["POST"]]
QUERY = [{}, {}, {"v": "2"}, {"v": ["2", "3"]}, {"V": "*"}]
SOURCES = [[], [], ["10.0.0.0/8"], ["10.1.0.0/16"], ["10.0.0.0/8", "192.168.0.0/16"]]
conditions = st.fixed_dictionaries({"headers": st.sampled_from(HEADERS), "methods": st.sampled_from(METHODS),
                                    "query": st.sampled_from(QUERY), "source_ips": st.sampled_from(SOURCES)})
SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
REQUESTS = [
    ({"x-a": a, "x-b": b}, method, {"v": v}, ip)
    for a in ("on", "off", "oops", None) for b in ("1", None) for method in ("GET", "HEAD", "POST")
    for v in ("2", "3", None) for ip in ("10.1.2.3", "10.2.0.1", "192.168.1.1", "172.16.0.1")
]


def _matches(c: m.Conditions, request) -> bool:
    """ALB's evaluation, written apart from routing.py: every condition, any of its values."""
    headers, method, query, ip = request
    glob = lambda value, pattern: value is not None and fnmatch.fnmatchcase(value.lower(), pattern.lower())
    return (all(any(glob(headers.get(n.lower()), p) for p in vs) for n, vs in c.headers)
            and (not c.methods or method in c.methods)
            and all(any(glob(query.get(k.lower()), p) for p in vs) for k, vs in c.query)
            and (not c.source_ips or any(ipaddress.ip_address(ip) in ipaddress.ip_network(n) for n in c.source_ips)))


@SETTINGS
@given(outer=conditions, inner=conditions)
def test_conditions_cover_is_sound(outer, inner):
    a, b = _http(path="/api/*", **outer).conditions, _http(path="/api/*", **inner).conditions
    if routing.conditions_cover(a, b):
        assert all(_matches(a, r) for r in REQUESTS if _matches(b, r))


route = st.fixed_dictionaries({"path": st.sampled_from(["/*", "/api/*", "/api/v2/*", "/x"]), "c": conditions})


@pytest.mark.slow
@SETTINGS
@given(routes=st.dictionaries(st.text(alphabet="abcdef", min_size=1, max_size=4), route, min_size=1, max_size=8))
def test_no_assigned_priority_lets_a_broader_rule_match_first(routes):
    data = spec(**{n: {"path": r["path"], **{k: v for k, v in r["c"].items() if v}} for n, r in routes.items()})
    app = model_of(data)
    assume(not any(d.severity == "error" for d in checks.run(app, data, Locator("s"))
                   if d.code in ("FC206", "FC281", "FC284")))
    ruled = [s for s in app.routed_services if not s.http.is_default]
    assert len({s.http.priority for s in ruled}) == len(ruled)
    for a in ruled:
        for b in ruled:
            if a is not b and a.http.priority < b.http.priority and routing.covers(a.http, b.http):
                assert routing.covers(b.http, a.http), (a.name, a.http, b.name, b.http)
    assert placement.place(app, placement.record(app)) == app


# ---------------------------------------------------------------- diff

def _side(tmp_path, name: str, data: dict) -> templates.TemplateSet:
    """One side of a diff: `data` written as a spec and compiled."""
    (tmp_path / name).write_text(yaml.safe_dump(data))
    found, problems = templates.from_spec(str(tmp_path / name))
    assert found is not None, problems
    return found


def test_a_condition_change_updates_the_rule_in_place_without_hazard(tmp_path):
    old = spec(api={"path": "/api/*", "headers": {"X-A": "1"}}, web={"path": "/"})
    new = copy.deepcopy(old)
    new["services"]["api"]["http"]["headers"] = {"X-A": "2"}
    new["services"]["api"]["http"]["rewrite"] = {"strip_prefix": "/api"}

    diff = compute(_side(tmp_path, "a.yaml", old), _side(tmp_path, "b.yaml", new))
    assert not diff.hazards
    (change,) = [c for c in diff.changes.modified().values() if c.type == RULE]
    assert not change.replacement and change.id == "ApiListenerRule"


def test_fc206_warns_when_an_explicit_priority_puts_the_broader_rule_first():
    def warnings(a: int, b: int) -> list:
        data = spec(a={"path": "/api/*", "priority": a},
                    b={"path": "/api/*", "headers": {"X-A": "1"}, "priority": b})
        return [(d.code, d.path) for d in checks.run(model_of(data), data, Locator("s")) if d.code == "FC206"]

    assert warnings(10, 20) == [("FC206", "services.b.http.path")]   # b's header rule is never reached
    assert warnings(20, 10) == []                                     # the narrower rule first: fine


def test_the_shadowing_lint_rule_knows_conditions():
    from compiler.lint.rules.ListenerRuleShadowed import _conditions, _covers
    path = {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}}
    header = {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-A", "Values": ["on"]}}
    query = {"Field": "query-string", "QueryStringConfig": {"Values": [{"Key": "v", "Value": "2"}]}}
    plain, narrow = _conditions([path]), _conditions([path, header, query])
    assert _covers(plain, narrow) and not _covers(narrow, plain)


def test_source_ips_the_load_balancer_never_admits_are_a_warning():
    data = spec(api={"path": "/api/*", "source_ips": ["192.168.0.0/16", "10.1.0.0/16"]})
    data["load_balancer"]["allowed_cidrs"] = ["10.0.0.0/8"]
    found = _fc284(data)
    assert [(d.path, d.severity) for d in found] == [("services.api.http.source_ips[0]", "warning")]


def test_the_default_service_moving_to_a_rule_is_a_hazard(tmp_path):
    old = spec(web={"path": "/"}, api={"path": "/api/*"})
    new = copy.deepcopy(old)
    new["services"]["web"]["http"]["rewrite"] = {"host": {"regex": "^(.*)$", "replace": "web.internal"}}

    diff = compute(_side(tmp_path, "a.yaml", old), _side(tmp_path, "b.yaml", new))
    assert [(h.kind, h.id) for h in diff.hazards] == [("default-moved", "HttpsListener")]
    assert "WebListenerRule" in diff.hazards[0].message
    back = compute(_side(tmp_path, "c.yaml", new), _side(tmp_path, "d.yaml", old))         # the rule goes in cleanup: no gap
    assert not [h for h in back.hazards if h.kind == "default-moved"]
