"""docs/ci.md and .pre-commit-hooks.yaml: what they tell users to run exists, with those flags.

Every YAML block of docs/ci.md must parse; every `fargate-compile` command in a GitHub
`run:` or a GitLab `script:` line must be accepted by this version's argument parser; the
shell of each step must at least parse (`bash -n`). The pre-commit hooks are run the way
pre-commit runs them (entry + args + the staged file names), without pre-commit itself:
pre-commit installs a hook's repository with pip, which needs the package index.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from compiler.cli import main, parser_for

ROOT = Path(__file__).resolve().parent.parent
CI_DOC = ROOT / "docs" / "ci.md"
OPERATORS = {";", "&&", "||", "|", ">", ">>", "<", "&", "(", ")", "then", "else", "do", "fi", "done"}


def yaml_blocks() -> dict[str, dict]:
    """First comment line of each ```yaml block (its file name) -> parsed document."""
    # A fence closes only at the start of a line: the scripts inside echo '```' themselves.
    blocks = re.findall(r"^```yaml\n(.*?)^```$", CI_DOC.read_text(encoding="utf-8"), re.DOTALL | re.MULTILINE)
    parsed = {}
    for block in blocks:
        first = block.splitlines()[0]
        assert first.startswith("# "), f"a CI block must start with its file name: {first!r}"
        parsed[first[2:].strip()] = yaml.safe_load(block)
    return parsed


def github_scripts(workflow: dict) -> list[str]:
    scripts = []
    for name, job in workflow["jobs"].items():
        assert "runs-on" in job and job["steps"], name
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), step
            if "run" in step:
                scripts.append(step["run"])
    return scripts


def gitlab_scripts(pipeline: dict) -> list[str]:
    scripts = ["\n".join(pipeline["default"]["before_script"])]
    for name, job in pipeline.items():
        if isinstance(job, dict) and "script" in job:
            assert job["stage"] in pipeline["stages"], name
            scripts.append("\n".join(job["script"]))
    return scripts


def commands(script: str) -> list[list[str]]:
    """The argument lists of every `fargate-compile` command word in a shell script."""
    found = []
    for line in script.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        tokens = list(lexer)
        for i, token in enumerate(tokens):
            if token == "fargate-compile" and (i == 0 or tokens[i - 1] in OPERATORS):
                args = []
                for arg in tokens[i + 1:]:
                    if arg in OPERATORS:
                        break
                    args.append(arg)
                found.append(args)
    return found


def test_every_block_is_valid_yaml_and_both_ci_systems_are_there():
    blocks = yaml_blocks()
    assert set(blocks) == {".github/workflows/fargate-compile.yml", ".gitlab-ci.yml"}
    assert set(blocks[".github/workflows/fargate-compile.yml"]["jobs"]) == {"check", "diff", "deploy"}
    assert {"check", "diff", "deploy"} <= set(blocks[".gitlab-ci.yml"])


@pytest.mark.parametrize("name", [".github/workflows/fargate-compile.yml", ".gitlab-ci.yml"])
def test_every_fargate_compile_command_parses_and_every_script_is_shell(name, tmp_path):
    document = yaml_blocks()[name]
    scripts = github_scripts(document) if name.startswith(".github") else gitlab_scripts(document)
    found = [c for s in scripts for c in commands(s)]
    # What the recipe promises: a SARIF check, a diff gate, a compile for the deploy.
    assert any(c[:1] == ["check"] and "sarif" in c for c in found), found
    assert sum(1 for c in found if c[:1] == ["diff"]) >= 2, found
    assert any(c and c[0] not in ("check", "diff", "plan", "schema") for c in found), found
    for args in found:
        parser, rest = parser_for(args)
        try:
            parser.parse_args(rest)
        except SystemExit as exc:  # argparse refuses: the doc names a flag this version lacks
            pytest.fail(f"{name}: fargate-compile {' '.join(args)}: refused by the parser ({exc})")
    for script in scripts:
        shell = re.sub(r"\$\{\{.*?\}\}", "x", script)  # GitHub expressions are replaced before the shell runs
        run = subprocess.run(["bash", "-n"], input=shell, text=True, capture_output=True)
        assert run.returncode == 0, f"{name}: {run.stderr}\n{shell}"


def test_the_command_finder_sees_commands_and_ignores_text():
    script = ('echo "fargate-compile diff: x"\n'
              'fargate-compile diff "deployed/$STACK" "$SPEC" > diff.txt || status=$?\n'
              'if [ -n "$(ls)" ]; then fargate-compile check a.yaml; fi\n')
    assert commands(script) == [["diff", "deployed/$STACK", "$SPEC"], ["check", "a.yaml"]]
    parser, rest = parser_for(["diff", "a", "b", "--no-such-flag"])
    with pytest.raises(SystemExit):
        parser.parse_args(rest)


# --- pre-commit ------------------------------------------------------------------------------

def hooks() -> dict[str, dict]:
    manifest = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    for hook in manifest:  # the keys pre-commit's manifest schema requires
        assert {"id", "name", "entry", "language"} <= set(hook), hook
    return {hook["id"]: hook for hook in manifest}


def run_hook(hook: dict, args: list[str], files: list[str]) -> int:
    """What pre-commit executes: entry, then args, then (unless pass_filenames: false) the files."""
    entry = shlex.split(hook["entry"])
    assert entry[0] == "fargate-compile"  # the console script pyproject.toml declares
    argv = entry[1:] + args + (files if hook.get("pass_filenames", True) else [])
    return main(argv)


def test_pyproject_declares_the_hook_entry_point():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'fargate-compile = "compiler.cli:main"' in text


def test_the_check_hook_validates_the_staged_specs_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    good = tmp_path / "deploy" / "shop.yaml"
    good.parent.mkdir()
    good.write_text((ROOT / "examples" / "complete.yaml").read_text())
    bad = tmp_path / "deploy" / "bad.yaml"
    bad.write_text("app: shop\nservices:\n  web: {image: nginx, port: 99999}\n")
    hook = hooks()["fargate-compile-check"]
    assert hook["types"] == ["yaml"] and hook.get("pass_filenames", True)
    before = sorted(tmp_path.rglob("*"))
    assert run_hook(hook, [], ["deploy/shop.yaml"]) == 0
    assert run_hook(hook, [], ["deploy/shop.yaml", "deploy/bad.yaml"]) == 1
    assert "deploy/bad.yaml:3:" in capsys.readouterr().err
    assert sorted(tmp_path.rglob("*")) == before


def test_the_compile_hook_compiles_the_spec_in_its_args(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "deploy" / "app.yaml"
    spec.parent.mkdir()
    spec.write_text((ROOT / "examples" / "internal-only.yaml").read_text())
    hook = hooks()["fargate-compile"]
    assert hook["pass_filenames"] is False
    assert run_hook(hook, ["deploy/app.yaml"], ["deploy/app.yaml", "README.md"]) == 0
    assert (tmp_path / "templates_out").is_dir() and list((tmp_path / "templates_out").glob("*/root.json"))


def test_every_compiler_package_is_installed():
    """pre-commit (and any user) installs the repository with pip: a package missing from
    what pyproject.toml makes setuptools find is missing from every installed copy, whatever
    the tests here import. Every folder of Python code is a package (has __init__.py)."""
    import tomllib

    from setuptools import find_packages

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(find_packages(where=ROOT, **config["tool"]["setuptools"]["packages"]["find"]))
    code = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "compiler").rglob("*.py")}
    assert "compiler.lint.rules" in code and "compiler.cli" in code
    assert code - listed == set()
