"""compiler.spec.loader: positions, hostile inputs, and no exception for any bytes."""

import random

import pytest

from compiler.spec import loader
from compiler.spec.loader import ALIAS_BUDGET, CODES, MAX_BYTES, UnreadableFile, load, load_text

LOADERS = [loader._PyLoader] + ([loader._CLoader] if loader.CParser else [])


@pytest.fixture(params=LOADERS, ids=lambda cls: cls.__name__, autouse=True)
def parser(request, monkeypatch):
    """Every test runs with PyYAML's own parser and, when present, libyaml's."""
    monkeypatch.setattr(loader, "LOADER", request.param)


SAMPLE = b"""\
# a spec
app: shop
services:
  web:
    image: nginx   # trailing comment
    ports: [80, 443]
    tags: {team: "caf\xc3\xa9", on_call: yes}
"""


def codes(diags):
    return [(d.code, d.line) for d in diags]


def test_positions_of_keys_and_values_are_exact():
    data, loc, diags = load_text(SAMPLE, "s.yaml")
    assert [(d.code, d.path, d.line, d.col) for d in diags] == [("FC014", "services.web.tags.on_call", 7, 35)]
    assert data == {"app": "shop", "services": {"web": {
        "image": "nginx", "ports": [80, 443], "tags": {"team": "café", "on_call": True}}}}
    web = ("services", "web")
    assert loc.values[()] == (2, 1)
    assert loc.keys[("app",)] == (2, 1) and loc.values[("app",)] == (2, 6)
    assert loc.keys[("services",)] == (3, 1) and loc.values[("services",)] == (4, 3)
    assert loc.keys[web] == (4, 3) and loc.values[web] == (5, 5)
    assert loc.keys[web + ("image",)] == (5, 5) and loc.values[web + ("image",)] == (5, 12)
    assert loc.values[web + ("ports",)] == (6, 12)
    assert loc.values[web + ("ports", 0)] == (6, 13) and loc.values[web + ("ports", 1)] == (6, 17)
    assert loc.values[web + ("tags", "team")] == (7, 18)
    assert loc.keys[web + ("tags", "on_call")] == (7, 26)  # columns count characters, not bytes


def test_yaml_11_scalars_and_timestamps_kept_as_text():
    data, _, diags = load_text(b"a: yes\nb: 0x1F\nc: 1.5\nd: ~\ne: 2024-01-02\nf: '007'\ng: !!str 12\n", "f")
    # read as YAML 1.1 does, each surprise a located warning (FC014) saying what it became
    assert [(d.code, d.severity, d.path, d.line) for d in diags] == [("FC014", "warning", "a", 1),
                                                                     ("FC014", "warning", "b", 2)]
    assert "boolean true" in diags[0].message and "31" in diags[1].message and '"0x1F"' in diags[1].hint
    assert data == {"a": True, "b": 31, "c": 1.5, "d": None, "e": "2024-01-02", "f": "007", "g": "12"}


@pytest.mark.parametrize("text, became", [("10:30", "630"), ("1.10", "1.1"), ("yes", "true"),
                                          ("0x1F", "31"), ("1:20", "80"), ("1_000", "1000"), ("off", "false")])
def test_yaml_11_conversions_in_values_are_warned_and_quoted_ones_are_text(text, became):
    data, _, diags = load_text(f"v: {text}\nq: '{text}'\n".encode(), "f")
    assert data["q"] == text
    (warning,) = diags
    assert (warning.code, warning.severity, warning.path, warning.line, warning.col) == ("FC014", "warning", "v", 1, 4)
    assert became in warning.message and "quote it" in warning.hint


@pytest.mark.parametrize("text", ["8080", "0.5", "true", "false", "-3", "1.5", "~"])
def test_plain_numbers_and_booleans_are_not_warned(text):
    assert load_text(f"v: {text}\n".encode(), "f")[2] == []


def test_bom_and_crlf_are_accepted_with_the_same_positions():
    data, loc, diags = load_text(b"\xef\xbb\xbfapp: shop\r\nservices:\r\n  web: {port: 80}\r\n", "f")
    assert diags == [] and data == {"app": "shop", "services": {"web": {"port": 80}}}
    assert loc.values[("services", "web", "port")] == (3, 15)


def test_merge_keys_own_keys_win_and_earlier_sources_win():
    src = b"base: &b {cpu: 256, memory: 512}\nmore: &m {cpu: 1, port: 80}\nsvc:\n  <<: [*b, *m]\n  memory: 1024\n"
    data, loc, diags = load_text(src, "f")
    assert diags == []
    assert data["svc"] == {"memory": 1024, "cpu": 256, "port": 80}
    assert loc.values[("svc", "cpu")] == (1, 16)  # where the merged value is written


def test_small_aliases_are_expanded():
    data, loc, diags = load_text(b"vars: &v {A: b}\nx: *v\ny: [*v]\n", "f")
    assert diags == [] and data["x"] == data["y"][0] == {"A": "b"}
    assert loc.values[("x",)] == (2, 4) and loc.values[("x", "A")] == (1, 14)


def test_every_problem_is_reported_not_only_the_first():
    src = b"app: a\napp: b\nservices: !Ref X\nx: 1\nx: 2\n1: y\n"
    data, _, diags = load_text(src, "f")
    assert codes(diags) == [("FC006", 2), ("FC007", 3), ("FC006", 5), ("FC011", 6)]
    assert "first on line 1" in diags[0].message and diags[0].path == "app"
    assert data == {"app": "a", "services": "X", "x": 1}


def _bomb(levels=9, width=9):
    lines = ["l0: &l0 [lol]"]
    for i in range(1, levels + 1):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return ("\n".join(lines) + "\n").encode()


def _merge_bomb(levels=9, width=9):
    lines = ["m0: &m0 {x: 1}"]
    for i in range(1, levels + 1):
        lines.append(f"m{i}: &m{i} {{<<: [" + ", ".join([f"*m{i - 1}"] * width) + "]}")
    return ("\n".join(lines) + "\n").encode()


HOSTILE = [
    ("empty", b"", "FC001", 1),
    ("only comments", b"# nothing\n\n   # here\n", "FC001", 1),
    ("null document", b"---\nnull\n", "FC001", 1),
    ("latin-1 byte", b"app: shop\nname: caf\xe9\n", "FC002", 2),
    ("utf-16", "app: x\n".encode("utf-16"), "FC002", 1),
    ("oversized", b"a: " + b"x" * MAX_BYTES, "FC003", 1),
    ("unclosed flow", b"app: shop\nservices: [a, b\n", "FC004", 3),
    ("tab indent", b"app: x\nservices:\n\tweb: 1\n", "FC004", 3),
    ("control char", b"app: x\nb: y\x00\n", "FC004", 2),
    ("undefined alias", b"app: x\nb: *nope\n", "FC004", 2),
    ("root list", b"- a\n- b\n", "FC005", 1),
    ("root scalar", b"\n\nhello\n", "FC005", 3),
    ("duplicate key", b"app: x\nservices: {}\napp: y\n", "FC006", 3),
    ("!Ref", b"app: x\nvpc: !Ref Vpc\n", "FC007", 2),
    ("!GetAtt", b"app: x\narn:\n  - !GetAtt Role.Arn\n", "FC007", 3),
    ("python object", b"app: !!python/object:os.system {}\n", "FC007", 1),
    ("!!binary", b"app: !!binary aGk=\n", "FC007", 1),
    ("bad explicit int", b"app: !!int abc\n", "FC007", 1),
    ("billion laughs", _bomb(), "FC008", None),
    ("merge bomb", _merge_bomb(), "FC008", None),
    ("many aliases", b"a: &a x\nb: [" + b", ".join([b"*a"] * (ALIAS_BUDGET + 1)) + b"]\n", "FC008", 2),
    ("recursive alias", b"app: x\na: &x [1, *x]\n", "FC008", 2),
    ("recursive merge", b"app: x\na: &x {<<: *x}\n", "FC008", 2),
    ("deep nesting", b"app: x\na: " + b"[" * 60 + b"]" * 60 + b"\n", "FC009", 2),
    ("deep block nesting", b"a:\n" + b"".join(b" " * i + b"- \n" for i in range(1, 60)), "FC009", 51),
    ("deep through alias", b"a: &a " + b"[" * 30 + b"]" * 30 + b"\nb: " + b"[" * 30 + b"*a" + b"]" * 30 + b"\n",
     "FC009", 2),
    ("two documents", b"app: x\n---\napp: y\n", "FC010", 2),
    ("int key", b"app: x\n1: y\n", "FC011", 2),
    ("bool key", b"app: x\nyes: y\n", "FC011", 2),
    ("complex key", b"app: x\n? [a]\n: b\n", "FC011", 2),
    ("merge of a scalar", b"app: x\nb:\n  <<: 1\n", "FC012", 3),
]


@pytest.mark.parametrize("src,code,line", [case[1:] for case in HOSTILE], ids=[case[0] for case in HOSTILE])
def test_hostile_inputs_are_located_diagnostics(src, code, line):
    data, loc, diags = load_text(src, "bad.yaml")
    assert code in CODES
    assert [d.code for d in diags].count(code) >= 1, diags
    found = next(d for d in diags if d.code == code)
    assert found.file == "bad.yaml" and found.line >= 1 and found.col >= 1
    if line is not None:
        assert found.line == line, found
    fatal = code in {"FC001", "FC002", "FC003", "FC004", "FC005", "FC008", "FC009", "FC010"}
    assert (data is None) == fatal
    # bounded work: at most the budget of expanded nodes was ever recorded
    assert len(loc.values) <= ALIAS_BUDGET + 100


def test_bomb_is_refused_at_an_alias_of_the_bomb():
    data, loc, diags = load_text(_bomb(), "f")
    assert data is None and [d.code for d in diags] == ["FC008"]
    assert str(ALIAS_BUDGET) in diags[0].message and diags[0].path.startswith("l")


def test_tab_indentation_gets_a_hint():
    _, _, diags = load_text(b"app: x\nservices:\n\tweb: 1\n", "f")
    assert "tabs" in diags[0].hint


def test_load_reads_files_and_refuses_unreadable_ones(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_bytes(b"app: shop\n")
    data, loc, diags = load(str(spec))
    assert data == {"app": "shop"} and loc.file == str(spec) and diags == []
    spec.write_bytes(b"a: " + b"x" * (3 * MAX_BYTES))
    assert [d.code for d in load(str(spec))[2]] == ["FC003"]
    for path in (tmp_path / "missing.yaml", tmp_path):
        with pytest.raises(UnreadableFile):
            load(str(path))


YAMLISH = list(b"  \n\n\t-:?,[]{}&*!|>'\"#%@`<=~abcxyz019.") + [0xC3, 0xA9, 0xFF, 0x00, 0x0D]


def _mutate(rng, src: bytes) -> bytes:
    out = bytearray(src)
    for _ in range(rng.randint(1, 6)):
        at = rng.randrange(len(out) + 1)
        action = rng.randrange(3)
        if action == 0:
            out[at:at] = bytes([rng.choice(YAMLISH)])
        elif action == 1:
            del out[at:at + rng.randint(1, 4)]
        else:
            out[at:at] = out[rng.randrange(len(out)):][:rng.randint(1, 12)]
    return bytes(out)


def test_fuzz_no_exception_escapes():
    rng = random.Random(0)
    seeds = [SAMPLE, _bomb(3, 3), b"a: &a {x: [1, *a]}\n", b"base: &b {c: 1}\ns:\n  <<: *b\n"]
    inputs = [bytes(rng.randrange(256) for _ in range(rng.randrange(40))) for _ in range(200)]
    inputs += [bytes(rng.choice(YAMLISH) for _ in range(rng.randrange(60))) for _ in range(300)]
    inputs += [_mutate(rng, rng.choice(seeds)) for _ in range(500)]
    for src in inputs:
        data, loc, diags = load_text(src, "fuzz.yaml")
        assert data is not None or diags, src
        assert all(d.code in CODES and d.line >= 1 and d.col >= 1 for d in diags), src
        assert data is None or isinstance(data, dict)


PATHS = [
    ("latin-1 byte in a value", b"app: shop\nservices:\n  web:\n    image: caf\xe9\n", "FC002", "services.web.image"),
    ("latin-1 byte in a key", b"app: shop\nservices:\n  caf\xe9:\n    port: 1\n", "FC002", "services"),
    ("control char in a value", b"app: x\nb:\n  c: [1, \"y\x07\"]\n", "FC004", "b.c[1]"),
    ("unclosed flow", b"app: shop\nnetwork:\n  endpoints: [s3, logs\nservices: {}\n", "FC004", "network.endpoints"),
    ("tab indent", b"app: x\nservices:\n  web:\n\tport: 1\n", "FC004", "services.web"),
    ("duplicate anchor", b"a: &x 1\nb:\n  c: &x 2\n", "FC004", "b.c"),
    ("deep block nesting", b"a:\n" + b"".join(b"  " * i + b"k%d:\n" % i for i in range(1, 60)), "FC009",
     "a." + ".".join(f"k{i}" for i in range(1, 50))),
    ("deep flow nesting", b"app: x\ncmd: " + b"[" * 60 + b"]" * 60 + b"\n", "FC009", "cmd" + "[0]" * 49),
]


@pytest.mark.parametrize("src,code,path", [case[1:] for case in PATHS], ids=[case[0] for case in PATHS])
def test_fatal_problems_name_the_path_where_they_happen(src, code, path):
    _, _, diags = load_text(src, "bad.yaml")
    assert [(d.code, d.path) for d in diags] == [(code, path)]
