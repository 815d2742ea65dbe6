"""Every combination the spec allows compiles lint-clean, or is refused with located errors.

The catalogue (tests/combinations.py) holds one small fragment per feature or setting.
Each combination is built in this process first (load -> check -> stacks); then every
distinct template (by content hash: most pairs share their network, root or alb
template) is linted once, through the lint pool, with cfn-lint and our rules. A
combination passes when

- building it raised nothing (a raise is what the CLI reports as a compiler bug, exit 3);
- it was refused with at least one error, every error located (line and column in the
  spec file), or
- it was built and its templates have no cfn-lint error and no finding of our rules
  (warnings included: the rules' warnings are defects AWS accepts).

Always run: every fragment alone and every pair of the CORE fragments. The whole product
(every pair of the catalogue and a seeded sample of triples) takes several minutes on
two cores: set FC_COMBINATIONS=all (CI does) to run it.
"""

from __future__ import annotations

import hashlib
import os
import traceback
from dataclasses import dataclass, field

import pytest
import yaml

import combinations as catalogue  # tests/ is on sys.path (rootdir conftest)
from compiler.lint.runner import lint_templates
from compiler.pipeline import OK, build

TRIPLES = 150
OUR_RULES = ("E9", "W9")
# The whole product in this many slices, one test each: pytest-xdist spreads them over its
# workers (a template two slices share is linted once, unless both lint it at the same moment:
# the lint cache is the run's, tests/conftest.py).
SLICES = 8


@dataclass
class Outcome:
    combo: catalogue.Combination
    crashed: str = ""
    errors: list = field(default_factory=list)          # the spec's errors (refused)
    templates: dict = field(default_factory=dict)       # file name -> content hash


def _build_all(combos, tmp_path) -> tuple[list[Outcome], dict[str, str]]:
    outcomes, texts = [], {}
    for index, combo in enumerate(combos):
        spec = tmp_path / f"c{index}" / "spec.yaml"
        spec.parent.mkdir()
        spec.write_text(yaml.safe_dump(combo.spec, sort_keys=False))
        outcome = Outcome(combo)
        try:
            built = build(str(spec), str(tmp_path / "out"), env=combo.env, values=combo.values)
        except Exception:          # noqa: BLE001 - any raise is the compiler bug under test
            outcome.crashed = traceback.format_exc(limit=-3)
        else:
            if built.status == OK:
                for name, text in built.files.items():
                    digest = hashlib.sha256(text.encode()).hexdigest()
                    texts[digest] = text
                    outcome.templates[name] = digest
            else:
                outcome.errors = [d for d in built.diagnostics if d.severity == "error"]
                outcome.errors.append(str(spec)) if not outcome.errors else None
        outcomes.append(outcome)
    return outcomes, texts


def _problems(outcomes: list[Outcome], texts: dict[str, str]) -> list[str]:
    findings: dict[str, list] = {}
    for d in lint_templates(texts, jobs=min(2, os.cpu_count() or 1)):
        findings.setdefault(d.file, []).append(d)
    problems = []
    for o in outcomes:
        if o.crashed:
            problems.append(f"{o.combo.id}: compiler bug\n{o.crashed}")
        elif o.errors:
            spec_errors = [e for e in o.errors if not isinstance(e, str)]
            if not spec_errors:
                problems.append(f"{o.combo.id}: refused without an error")
            for e in spec_errors:
                if e.line < 1 or e.col < 1 or not e.path:
                    problems.append(f"{o.combo.id}: unlocated error {e.format()}")
        else:
            for name, digest in sorted(o.templates.items()):
                for d in findings.get(digest, ()):
                    if d.severity == "error" or d.code.startswith(OUR_RULES):
                        problems.append(f"{o.combo.id}: {name}: {d.code} {d.path}: {d.message}")
    return problems


def _check(combos, tmp_path) -> tuple[list[Outcome], list[str]]:
    outcomes, texts = _build_all(combos, tmp_path)
    return outcomes, _problems(outcomes, texts)


@pytest.mark.slow
def test_every_fragment_alone_and_every_pair_of_the_core(tmp_path):
    combos = catalogue.singles() + catalogue.pairs(catalogue.by_name(catalogue.CORE))
    outcomes, problems = _check(combos, tmp_path)
    assert not problems, "\n".join(problems)
    # The catalogue means something only if most of it compiles: every fragment alone does,
    # except those that exist to be refused where the compiler cannot make them right.
    refused_alone = {o.combo.id for o in outcomes[:len(catalogue.CATALOGUE)] if o.errors}
    assert refused_alone == {"alias-long", "strict"}, refused_alone   # strict: a public ALB needs https


def test_the_catalogue_covers_what_issue_21_names():
    names = {f.name for f in catalogue.CATALOGUE}
    assert {"existing-vpc", "existing-vpc-cidr", "nat-none", "nat-per-az", "endpoints", "efs-managed",
            "efs-existing", "efs-job", "efs-sidecar", "alias", "alias-wildcard", "alias-list",
            "own-certificate", "strict", "environments", "variables", "worker", "job", "fifo",
            "topics", "sidecar", "exec", "arm64", "spot", "china", "govcloud", "many-services"} <= names
    assert set(catalogue.CORE) <= names
    assert len(catalogue.CATALOGUE[-1].spec["services"]) >= 30


def test_known_refusals_are_located_at_their_cause(tmp_path):
    """Pairs that must be refused, and where: what the compiler cannot make right."""
    expected = {
        ("existing-vpc", "zones"): ("FC260", "network.vpc.zones"),
        ("alias", "govcloud"): ("FC241", "services.web.http.alias"),
        ("existing-vpc-no-zones", "efs-managed"): ("FC260", "network.vpc.subnets.private[0]"),
        ("existing-vpc", "efs-existing"): ("FC260", "services.web.storage.volumes.data.efs"),
        ("own-certificate", "govcloud", "alias-long"): ("FC241", "services.web.http.alias"),
        ("nat-none", "alias-long"): ("FC241", "services.web.http.alias"),
    }
    combos = [catalogue.Combination(catalogue.by_name(names)) for names in expected]
    outcomes, problems = _check(combos, tmp_path)
    assert not problems, "\n".join(problems)
    for names, o in zip(expected, outcomes):
        assert expected[names] in {(e.code, e.path) for e in o.errors}, (names, [e.format() for e in o.errors])


@pytest.mark.slow
def test_several_and_existing_albs_meet_the_network_posture_environments_jobs_and_regions(tmp_path):
    """Issue 26's fragments with what they must meet: each pair compiles lint-clean or is
    refused with located errors (strict: the public ALB has no HTTPS; environments: prod's
    override writes load_balancer beside load_balancers; china: zones beside an existing VPC)."""
    others = ("existing-vpc", "existing-vpc-cidr", "nat-none", "strict", "environments", "job", "china",
              "variables", "efs-managed", "alias")
    combos = [catalogue.Combination(catalogue.by_name((mine, other)))
              for mine in ("load-balancers", "existing-alb") for other in others]
    combos.append(catalogue.Combination(catalogue.by_name(("load-balancers", "existing-alb"))))
    outcomes, problems = _check(combos, tmp_path)
    assert not problems, "\n".join(problems)
    refused = {o.combo.id: sorted({e.code for e in o.errors}) for o in outcomes if o.errors}
    assert refused == {"load-balancers+strict": ["FC261"], "existing-alb+strict": ["FC261"],
                       "load-balancers+environments": ["FC283"], "existing-alb+environments": ["FC283"],
                       "existing-alb+china": ["FC260"]}, refused


def test_the_slices_make_the_whole_product_once():
    combos = catalogue.pairs() + catalogue.triples(TRIPLES)
    sliced = [c for index in range(SLICES) for c in combos[index::SLICES]]
    assert sorted(c.id for c in sliced) == sorted(c.id for c in combos)
    assert len({c.id for c in combos}) == len(combos)


@pytest.mark.combinations
@pytest.mark.skipif(os.environ.get("FC_COMBINATIONS") != "all",
                    reason="the whole product takes minutes: FC_COMBINATIONS=all runs it (CI does)")
@pytest.mark.slow
@pytest.mark.parametrize("index", range(SLICES), ids=lambda i: f"slice{i + 1}of{SLICES}")
def test_every_pair_of_the_catalogue_and_a_sample_of_triples(index, tmp_path):
    combos = catalogue.pairs() + catalogue.triples(TRIPLES)
    _, problems = _check(combos[index::SLICES], tmp_path)
    assert not problems, "\n".join(problems)
