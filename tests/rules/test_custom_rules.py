"""Our cfn-lint rules (compiler/lint/rules/): each bad fixture gives exactly the expected
findings, each good fixture none; the compile's lint step runs them; and every
template the test suite compiles (examples, e2e specs, the scale spec) is clean."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cfnlint.api
import pytest
import yaml
from cfnlint.rules import RulesCollection

from builds import all_builds  # tests/builds.py: every environment and --var a spec asks for
from compiler.lint.runner import lint_templates
from compiler.pipeline import compile_spec
from compiler.lint.rules import RULES_DIR
from compiler.lint.rules.ListenerRuleShadowed import glob_covers

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
IDS = {"E9001", "E9002", "W9003", "W9004", "W9005", "E9006", "E9021", "E9022", "E9023", "E9026", "E9030", "E9282"}

SG = "Resources/Group/Properties"
ENV = "Resources/Task/Properties/ContainerDefinitions/0/Environment"
BAD = {
    "e9001-rule-apostrophe.json": [("E9001", f"{SG}/SecurityGroupIngress/0/Description")],
    "e9001-ampersand-on-group-reference.json": [("E9001", "Resources/Standalone/Properties/Description")],
    "e9001-too-long.json": [("E9001", f"{SG}/SecurityGroupEgress/0/Description"),
                            ("E9001", "Resources/GroupSub/Properties/GroupDescription")],
    "e9001-join-and-if.json": [("E9001", f"{SG}/GroupDescription"),
                               ("E9001", f"{SG}/SecurityGroupEgress/0/Description")],
    "e9002-sixty-one-outbound.json": [("E9002", SG), ("E9002", "Resources/Empty/Properties")],
    "e9002-group-reference-counts-for-ipv6.json": [("E9002", SG)],
    "w9003-desired-count-on-scaled-service.json": [
        ("W9003", "Resources/Other/Properties/DesiredCount"),
        ("W9003", "Resources/Scaled/Properties/DesiredCount")],
    "w9004-writable-sidecar.json": [("W9004", "Resources/Mixed/Properties/ContainerDefinitions/1"),
                                    ("W9004", "Resources/Mixed/Properties/ContainerDefinitions/2")],
    "w9005-shadowed-rules.json": [("W9005", "Resources/ApiV2/Properties/Priority"),
                                  ("W9005", "Resources/Version/Properties/Priority"),
                                  ("W9005", "Resources/Www/Properties/Priority")],
    "e9006-control-characters.json": [("E9006", f"{ENV}/{i}/Value") for i in range(4)],
    "e9021-long-common-name.json": [("E9021", "Resources/Long/Properties/DomainName")],
    "e9022-dead-letter-retention.json": [("E9022", "Resources/Defaults/Properties/MessageRetentionPeriod"),
                                         ("E9022", "Resources/Same/Properties/MessageRetentionPeriod")],
    "e9030-listener-rule-condition-limits.json": [
        ("E9030", "Resources/FourValues/Properties/Conditions/0"),
        ("E9030", "Resources/HostHeader/Properties/Conditions/1/HttpHeaderConfig/HttpHeaderName"),
        ("E9030", "Resources/LowerMethod/Properties/Conditions/1/HttpRequestMethodConfig/Values/0"),
        ("E9030", "Resources/SixEvaluations/Properties/Conditions"),
        ("E9030", "Resources/SixWildcards/Properties/Conditions"),
        ("E9030", "Resources/TwoPaths/Properties/Conditions/1"),
        ("E9030", "Resources/TwoRewrites/Properties/Transforms/1")],
    "e9282-target-group-on-two-load-balancers.json": [("E9282", "Resources/AdminShared/Properties/Actions/0"),
                                                      ("E9282", "Resources/ApiOnPublic/Properties/Actions/0")],
    "e9023-two-mount-targets-one-subnet.json": [("E9023", "Resources/Literal2/Properties/SubnetId"),
                                                ("E9023", "Resources/MountTarget2/Properties/SubnetId")],
    "e9026-listener-ports.json": [("E9026", "Resources/Udp/Properties/Port"),
                                  ("E9026", "Resources/M50/Properties/LoadBalancerArn")],
}


@pytest.fixture(scope="module")
def ours() -> RulesCollection:
    rules = RulesCollection()
    rules.create_from_directory(RULES_DIR)
    return rules


def findings(text: str, rules: RulesCollection) -> list[tuple[str, str]]:
    return sorted((m.rule.id, "/".join(map(str, getattr(m, "path", None) or [])))
                  for m in cfnlint.api.lint(text, rules=rules))


def test_every_rule_is_loaded_with_an_id_description_and_aws_source(ours):
    assert {r.id for r in ours} == IDS
    for rule in ours:
        assert rule.shortdesc and rule.description and rule.source_url.startswith("https://")
        assert "fargate-compile" in rule.tags


def test_every_rule_has_a_bad_and_a_good_fixture():
    covered = {expected[0] for found in BAD.values() for expected in found}
    assert covered == IDS
    assert sorted(p.name for p in (FIXTURES / "bad").iterdir()) == sorted(BAD)
    assert len(list((FIXTURES / "good").iterdir())) >= len(IDS)


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_fixture(name, ours):
    assert findings((FIXTURES / "bad" / name).read_text(), ours) == sorted(BAD[name])


@pytest.mark.parametrize("path", sorted((FIXTURES / "good").iterdir()), ids=lambda p: p.stem)
def test_good_fixture(path, ours):
    assert findings(path.read_text(), ours) == []


def test_lone_surrogates_and_control_characters_in_keys(ours):
    """cfn-lint's own JSON decoder refuses a lone surrogate escape (E0000), so the
    rule is shown one on a template built in memory, as a program would hand it over."""
    from cfnlint.template import Template

    [rule] = [r for r in ours if r.id == "E9006"]
    template = Template("t.json", {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {
        "DisplayName": "half \ud83d", "Tags": [{"Key": "a\x1bb", "Value": "ok"}]}}}})
    assert sorted("/".join(map(str, m.path)) for m in rule.match(template)) == [
        "Resources/Topic/Properties/DisplayName", "Resources/Topic/Properties/Tags/0/Key"]


@pytest.mark.parametrize("pattern, other, expected", [
    ("/api/*", "/api/v2/*", True),
    ("/api/*", "/api", False),
    ("/api*", "/api", True),
    ("*", "/anything?*", True),
    ("/v?/*", "/v1/items/*", True),
    ("/v?/x", "/v10/x", False),
    ("/v?/x", "/v*/x", False),          # * may be empty or long: not one character
    ("/a*b", "/a*c*b", True),
    ("/a*b*", "/a?b", True),
    ("/a?b", "/a*b", False),
    ("/exact", "/exact", True),
    ("/exact", "/Exact", False),
])
def test_glob_covers(pattern, other, expected):
    assert glob_covers(pattern, other) is expected


def test_the_compile_lint_step_runs_our_rules():
    """A bad template fails through the same entry point the pipeline lints with."""
    text = (FIXTURES / "bad" / "e9001-rule-apostrophe.json").read_text()
    found = lint_templates({"services.json": text}, use_cache=False)
    assert [(d.code, d.severity) for d in found if d.code in IDS] == [("E9001", "error")]


def test_a_compile_whose_template_breaks_a_rule_fails_as_a_compiler_bug(monkeypatch, tmp_path):
    """The pipeline end to end: the apostrophe the examples used to carry is exit 3 now."""
    from compiler.state import naming
    from compiler.pipeline import LINT_FAILED

    monkeypatch.setattr(naming, "ec2_description", lambda text: text.replace("other services of the app",
                                                                              "app's other services"))
    result = compile_spec(str(ROOT / "examples" / "internal-only.yaml"), str(tmp_path), use_cache=False)
    assert result.status == LINT_FAILED
    assert {d.code for d in result.diagnostics if d.severity == "error"} == {"E9001"}
    assert not (tmp_path / result.app.stack_name).exists()


def test_the_cfn_lint_command_line_takes_the_rules_directory():
    """What the README tells users to run."""
    bad = FIXTURES / "bad" / "w9004-writable-sidecar.json"
    cfn_lint = Path(sys.executable).parent / "cfn-lint"  # the console script of this environment
    run = subprocess.run([str(cfn_lint), "--append-rules", RULES_DIR, "--format", "parseable", "--", str(bad)],
                         capture_output=True, text=True)
    assert "W9004" in run.stdout, run.stdout + run.stderr
    assert run.returncode != 0


def _builds() -> list:
    return all_builds(sorted((ROOT / "examples").glob("*.yaml"))
                      + sorted((ROOT / "tests" / "e2e" / "specs").glob("*.yaml")))


def _scale_spec(tmp_path: Path) -> Path:
    from test_scale import big_spec  # tests/ is on sys.path (rootdir conftest)

    path = tmp_path / "scale.yaml"
    path.write_text(yaml.safe_dump(big_spec(120), sort_keys=False))
    return path


def _at_the_limits(tmp_path: Path) -> Path:
    """59 distinct routed ports (the ALB's outbound quota of 60, with the rule that matches
    nothing and keeps EC2's allow-all default away), 20 long-named services sharing one more
    port (a description past 255 characters unless bounded), 30 allowed cidrs on two
    listeners (60 inbound rules)."""
    services = {}
    for i in range(59):
        services[f"s{i:02d}"] = {"image": "nginx", "port": 8000 + i, "http": {"path": f"/s{i:02d}/*"}}
    for i in range(20):
        name = f"a-rather-long-service-name-{i:01d}"[:28] if i < 10 else f"another-long-service-name-{i}"
        services[name] = {"image": "nginx", "port": 8000, "http": {"path": f"/{name}/*"}}
    spec = {"app": "limits", "network": {"nat": "single"},
            "load_balancer": {"allowed_cidrs": [f"198.51.{i}.0/24" for i in range(30)],
                              "https": {"certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/x"}},
            "services": services}
    path = tmp_path / "limits.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


@pytest.mark.slow
@pytest.mark.parametrize("spec", _builds() + ["scale-120", "at-the-limits"], ids=str)
def test_every_compiled_template_passes_our_rules(spec, tmp_path, ours):
    """Warnings included: the compile itself fails only on our errors (exit 3)."""
    if isinstance(spec, str):
        path = {"scale-120": _scale_spec, "at-the-limits": _at_the_limits}[spec](tmp_path)
        result = compile_spec(str(path), str(tmp_path / "out"), lint=False)
    else:
        result = compile_spec(str(spec.spec), str(tmp_path / "out"), lint=False, env=spec.env,
                              values=spec.values, write_lock=False)  # never write beside the repo's specs
    assert result.files, [d.format() for d in result.diagnostics]
    for name, text in result.files.items():
        assert findings(text, ours) == [], name
    if spec == "at-the-limits":
        resources = json.loads(result.files["alb.json"])["Resources"]
        group = resources["AlbSecurityGroup"]["Properties"]
        egress = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::EC2::SecurityGroupEgress"]
        assert (len(group["SecurityGroupIngress"]), len(group["SecurityGroupEgress"]) + len(egress)) == (60, 60)
        [shared] = [r for r in egress if r["FromPort"] == 8000]
        assert len(shared["Description"]) <= 255 and shared["Description"].endswith("more")
