"""The importer's YAML reader has the spec loader's budgets (#22): an alias bomb is refused
before it grows, deep nesting is refused without a recursion error or a crash."""

from __future__ import annotations

import resource

import pytest

from compiler.importers.copilot import yamlread
from compiler.spec.loader import ALIAS_BUDGET, MAX_DEPTH

LAUGHS = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9))


@pytest.mark.parametrize("text, message", [
    (LAUGHS, f"more than {ALIAS_BUDGET} nodes"),
    ("[" * 100_000, f"deeper than {MAX_DEPTH} levels"),
    ("a:\n" + "".join(" " * (i + 1) + "b:\n" for i in range(200)), f"deeper than {MAX_DEPTH} levels"),
])
def test_hostile_manifests_are_refused_with_a_located_error(tmp_path, text, message):
    assert len(LAUGHS) < 700
    path = tmp_path / "manifest.yml"
    path.write_text(text)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(yamlread.Unreadable) as caught:
        yamlread.read(str(path), "manifest.yml")
    (diagnostic,) = caught.value.args
    assert diagnostic.code == "FC500" and message in diagnostic.message and diagnostic.line >= 1
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000   # KiB: no blow-up


def test_small_aliases_still_expand(tmp_path):
    path = tmp_path / "manifest.yml"
    path.write_text("base: &b {cpu: 256}\nweb: *b\nlist: [*b, *b]\n")
    data, _ = yamlread.read(str(path), "manifest.yml")
    assert data == {"base": {"cpu": 256}, "web": {"cpu": 256}, "list": [{"cpu": 256}, {"cpu": 256}]}
