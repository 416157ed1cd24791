"""The fast YAML reader agrees with PyYAML, or steps aside.

`yamlfast.fast_parse` reads the plain YAML that specs are written in; for anything else it returns
None and `parse_yaml` asks PyYAML. The whole contract is equivalence: whenever the fast reader
answers, its answer is exactly the slow path's — the same types (YMap, YList, Quoted, Decimal,
int, bool, None, str), the same key order, the same `.line`, `.key_lines`, `.item_lines` and
`Decimal.text`, and the same node count (for MAX_NODES). These tests compare the two on the
built-in specs, on the hostile corpus, on tables of tricky lines and on random documents that mix
the subset with everything outside it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, note, settings, strategies as st

from convcalc import yamlfast, yamlspec
from convcalc.errors import SpecError
from convcalc.yamlspec import Decimal, Quoted, YList, YMap, parse_yaml_slow, read_spec_text
from convcalc.zoo import builtin_specs

CORPUS = Path(__file__).parent / "corpus"


def bench_network(layers: int, kind: str) -> str:
    """`network` from bench/bench.py (a script, not a package)."""
    path = Path(__file__).parent.parent / "bench" / "bench.py"
    spec = importlib.util.spec_from_file_location("bench", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench.network(layers, kind)


def differences(fast, slow, path: str = "doc") -> str | None:
    """Where two converted documents differ, types and line numbers included; None if nowhere."""
    if type(fast) is not type(slow):
        return f"{path}: {type(fast).__name__} {fast!r} != {type(slow).__name__} {slow!r}"
    if isinstance(fast, YMap):
        if list(fast) != list(slow):
            return f"{path}: keys {list(fast)} != {list(slow)}"
        if (fast.line, fast.key_lines) != (slow.line, slow.key_lines):
            return f"{path}: lines {fast.line} {fast.key_lines} != {slow.line} {slow.key_lines}"
        for key in fast:
            if type(key) is not type(next(k for k in slow if k == key)):
                return f"{path}: key {key!r} is a {type(key).__name__}"
        pairs = [(fast[key], slow[key], f"{path}.{key}") for key in fast]
    elif isinstance(fast, YList):
        if len(fast) != len(slow):
            return f"{path}: {len(fast)} items != {len(slow)}"
        if (fast.line, fast.item_lines) != (slow.line, slow.item_lines):
            return f"{path}: lines {fast.line} {fast.item_lines} != {slow.line} {slow.item_lines}"
        pairs = [(a, b, f"{path}[{i}]") for i, (a, b) in enumerate(zip(fast, slow))]
    else:
        if isinstance(fast, Decimal) and fast.text != slow.text:
            return f"{path}: Decimal text {fast.text!r} != {slow.text!r}"
        return None if fast == slow else f"{path}: {fast!r} != {slow!r}"
    for a, b, where in pairs:
        found = differences(a, b, where)
        if found:
            return found
    return None


def fast(text: str):
    """The fast reader's answer; unlike `fast_parse`, a crash in it is not hidden."""
    try:
        return yamlfast._read(text)
    except yamlfast._Unsupported:
        return None


def slow(text: str):
    """The slow path's document, or the SpecError it raises."""
    try:
        return parse_yaml_slow(text, "f.yaml")
    except SpecError as error:
        return error


def node_counts(text: str) -> tuple:
    """The YAML nodes the fast reader and yamlspec's converter count (for MAX_NODES)."""
    reader = yamlfast._Reader(yamlfast._prepared(text))
    reader.document()
    converter = yamlspec._Converter("f.yaml")
    converter.convert(yaml.compose(text, Loader=yamlspec._loader()))
    return reader.count, converter.count


def assert_fast_agrees(text: str, must_accept: bool = False) -> None:
    answer, expected = fast(text), slow(text)
    if answer is None:
        assert not must_accept, "the fast reader fell back"
        return
    assert not isinstance(expected, SpecError), f"accepted what PyYAML refuses: {expected}"
    found = differences(answer, expected)
    assert found is None, found
    fast_count, slow_count = node_counts(text)
    assert fast_count == slow_count


# ---------------------------------------------------------------------------------------------
# Real specs and the hostile corpus
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, path", sorted(builtin_specs().items()))
def test_every_builtin_spec_is_read_fast_and_the_same(name, path):
    assert_fast_agrees(read_spec_text(path), must_accept=True)


def corpus_texts() -> list:
    texts = []
    for path in sorted(CORPUS.iterdir()):
        try:
            texts.append(pytest.param(read_spec_text(path), id=path.name))
        except SpecError:  # not a file, not UTF-8: never reaches a YAML reader
            continue
    return texts


@pytest.mark.parametrize("text", corpus_texts())
def test_corpus_files_fall_back_or_agree(text):
    assert_fast_agrees(text)


def test_a_generated_chain_takes_the_fast_path():
    text = bench_network(1_000, "chain")
    doc = yamlfast.fast_parse(text)
    assert doc is not None
    assert len(doc["layers"]) == 1_000
    assert differences(doc, parse_yaml_slow(text, "bench.yaml")) is None


def test_parse_yaml_uses_the_fast_reader(monkeypatch):
    monkeypatch.setattr(yamlspec, "parse_yaml_slow", None)  # calling it would fail
    assert yamlspec.parse_yaml("a: [1, 2]\n", "f.yaml") == {"a": [1, 2]}


def test_the_node_limit_set_in_yamlspec_applies(monkeypatch):
    monkeypatch.setattr(yamlspec, "MAX_NODES", 50)
    assert yamlfast.fast_parse("a: [" + ", ".join(["1"] * 60) + "]\n") is None
    assert_fast_agrees("a: [" + ", ".join(["1"] * 40) + "]\n", must_accept=True)


@pytest.mark.parametrize("limit", [1, 2, 3, 4])
@pytest.mark.parametrize("text", [
    "a: [[[1]]]\n",
    "a:\n  b:\n    c: 1\n",
    "a:\n- b: {c: [1]}\n",
    "- - 1\n",
    "a:\n  - {b: 1}\n  - {c: [d]}\n",
])
def test_the_depth_limit_set_in_yamlspec_applies(monkeypatch, limit, text):
    monkeypatch.setattr(yamlspec, "MAX_DEPTH", limit)
    assert_fast_agrees(text)


@pytest.mark.parametrize("text", [
    ("layers:\n  - {op: conv, name: a}\n  - {op: relu, name: b, from: [a, 'b c']}\n"
     "  - {op: add, p: 1.50, q: 1.50, r: -1, s: ~}\n"),
    "layers:\n- {a: 1}\n- {b: 2}\nnext: 3\n",                   # indentless
    "- {a: 1}\n- {a: 1}\n- {a: 1}\n",                             # equal lines, equal pairs
    "- {a: 1}\n# c\n- {b: 2}\n\n- {c: 3}\n- {d: 4}\n",             # runs cut by comments
    "- {a: 1}\n- {b: {c: 2}}\n- {d: 3}\n- {e: 4}\n",                # a nested mapping
    "- {a: 1}\n- {b:  2}\n- {c: 3}\n",                             # other spacing
    "- {a: 1}\n- {b: '}'}\n- {c: 3} # c\n- {}\n- { }\n",             # braces, comments, empty
    "x:\n  - {a: [1, 2], b: []}\n  - {a: '', b: [' , ']}\n",
])
def test_runs_of_flow_mappings_are_read_together_and_the_same(text):
    assert_fast_agrees(text, must_accept=True)


@pytest.mark.parametrize("odd", [0, 9, 10, 11, 24])
def test_a_run_read_in_chunks_stops_at_its_first_odd_line(monkeypatch, odd):
    monkeypatch.setattr(yamlfast, "_RUN_CHUNK", 10)
    lines = [f"  - {{op: conv, name: l{i}, from: [a, 'b'], p: 1.5}}" for i in range(25)]
    lines[odd] = "  - {a: {b: 1}}"  # not flat: read on its own, the rest of the run too
    assert_fast_agrees("x:\n" + "\n".join(lines) + "\n", must_accept=True)
    lines[odd] = "  - {a: 1, a: 2}"
    assert yamlfast.fast_parse("x:\n" + "\n".join(lines) + "\n") is None


@pytest.mark.parametrize("text", [
    "- {a: 1}\n- {b: 2, b: 3}\n- {c: 3}\n",  # a duplicate key in a run
    "- {a: 1}\n- {b: 2, 1_0: 3, 10: 4}\n",    # the same key, written twice differently
    "- {a: 1}\n- {~: 2}\n",                   # a key that is not a name
])
def test_runs_with_an_error_fall_back(text):
    assert yamlfast.fast_parse(text) is None
    assert isinstance(slow(text), SpecError)


@given(st.text(min_size=1).filter(lambda text: text[0].isalpha()))
@settings(max_examples=200, deadline=None, database=None)
def test_a_name_is_read_as_the_slow_path_reads_it(text):
    fast_value = yamlfast._Reader("a: 1\n").convert(text)
    assert typed(fast_value) == typed(yamlspec.scalar_value(text, ""))


# ---------------------------------------------------------------------------------------------
# Tricky lines, answers written by hand
# ---------------------------------------------------------------------------------------------


def decimal(text: str) -> Decimal:
    number = Decimal(text)
    number.text = text
    return number


@pytest.mark.parametrize("text, value", [
    ("key: a b  # c", "a b"),
    ("key: a#b", "a#b"),
    ("key: AlexNet (lecture)", "AlexNet (lecture)"),
    ("key: torchvision 0.29 docs", "torchvision 0.29 docs"),
    ("key: k < 2", "k < 2"),
    ("key: http://x.org/a", "http://x.org/a"),
    ("key: Keras' block", "Keras' block"),
    ("key: -1", -1),
    ("key: 1_000", 1000),
    ("key: 1.50", decimal("1.50")),
    ("key: -.5", decimal("-.5")),
    ("key: 014", "014"),
    ("key: 1e3", "1e3"),
    ("key: yes", "yes"),
    ("key: ~", None),
    ("key:", None),
    ("key: True", True),
    ("# c\n---\nkey: 1", 1),
    ("key: 'a # b'", Quoted("a # b")),
    ('key: "42"  # quoted', Quoted("42")),
    ("key: ''", Quoted("")),
    ("key: >-\n  one\n  two\n", Quoted("one two")),
    ("key: >\n  one\n  two\n", Quoted("one two\n")),
    ("key: |-\n  one\n  # two\n", Quoted("one\n# two")),
    ("key: [-1, 'a, b', c d]", [-1, Quoted("a, b"), "c d"]),
    ("key: {op: add, from: [a, b]}", {"op": "add", "from": ["a", "b"]}),
    ("key: [{a: 1}, [], {}]", [{"a": 1}, [], {}]),
])
def test_tricky_values(text, value):
    doc = fast(text + "\n")
    assert doc is not None
    assert typed(doc["key"]) == typed(value)
    assert_fast_agrees(text + "\n")


def typed(value):
    """A value with the type of every part spelled out (a YMap counts as a dict)."""
    if isinstance(value, dict):
        return "dict", [(typed(key), typed(item)) for key, item in value.items()]
    if isinstance(value, list):
        return "list", [typed(item) for item in value]
    return type(value).__name__, value, getattr(value, "text", None)


@pytest.mark.parametrize("text, lines", [
    # (document, [(path, line of the node at path)]): a block value starts where its block does
    ("a:\n\n  # c\n  b: 1\n", [(("a",), 4)]),
    ("layers:\n- x\n-\n  # c\n  y: 2\nz: 1\n", [(("layers",), 2), (("layers", 1), 5)]),
    ("- k: 1\n  m: [1,\n    2]\n", []),  # a flow sequence over two lines: falls back
    ("x:\n  - {a: 1}\n  - b: 2\n    c: 3\n", [(("x",), 2), (("x", 0), 2), (("x", 1), 3)]),
])
def test_lines_follow_pyyaml(text, lines):
    doc = fast(text)
    assert (doc is None) == (not lines)
    for path, line in lines:
        node = doc
        for step in path:
            node = node[step]
        assert node.line == line
    assert_fast_agrees(text)


@pytest.mark.parametrize("text", [
    "x: &a 1\ny: *a\n",             # anchors and aliases
    "- {a: 1}\n- {b: &x 2}\n",       # an anchor in a run of flow mappings
    "x: !foo 1\n",                  # tags
    "x: 'it''s'\n",                 # a quote escaped by doubling
    'x: "a\\tb"\n',                 # an escape
    "x: a\n  b\n",                  # a plain scalar continued on the next line
    "x: [a,\n  b]\n",               # a flow sequence over two lines
    "a: 1\na: 2\n",                 # a duplicate key
    "? a\n: 1\n",                   # a complex key
    "\tx: 1\n",                     # a tab
    "a: 1\n---\nb: 2\n",             # a second document
    "--- # c\na: 1\n",              # a document marker with something after it
    "x: |2\n   a\n",                # a block scalar with an indentation indicator
    "x: >-\n  a\n\n  b\n",          # a blank line inside a block scalar
    "x: >-\n  a\n    b\n",          # a more-indented line inside a block scalar
    "<<: {a: 1}\n",                 # a merge key
    "1.5: a\n",                     # a key that is not a name
    "x: a: b\n",                    # ': ' inside a plain scalar
    "x:\n-\n- a\n",                 # an empty item
    "a: 1\n",                       # fine, but: a root scalar below
    "42\n",
    "",
    "# only a comment\n",
    "\ufeffa: 1\n",                 # a byte order mark
])
def test_outside_the_subset_falls_back(text):
    if text == "a: 1\n":
        assert fast(text) == {"a": 1}
        return
    assert yamlfast.fast_parse(text) is None
    assert_fast_agrees(text)


# ---------------------------------------------------------------------------------------------
# Random documents: the subset mixed with everything outside it
# ---------------------------------------------------------------------------------------------

# Scalars and keys the subset reads, then ones it must leave to PyYAML (or that PyYAML refuses).
SCALARS = [
    "a", "conv", "l0", "x y", "x  y", "AlexNet (lecture)", "torchvision 0.29 docs", "k < 2", "n*n",
    "1+1", "a'b", 'a"b', "é×", "-1", "+5", "0", "42", "1_000", "1__0", "1.50", "-.5", ".5", "1.",
    "1e3", "1.0e-3", "014", "0x1F", "1:30", "true", "False", "NULL", "null", "~", "yes", "no",
    "'q'", '"q"', "''", '""', "'a b'", "'a # b'", '"a: b"', "a\u00a0b", "x" * 1100, "1" * 150]
ODD_SCALARS = [
    "a:b", "a#b", "a #b", "a: b", "a:", "-", "- x", "-x", "--x", "---", "...", "?x", "? x", ":x",
    "<<", "=", "&a", "&a x", "*a", "!t x", "!!str 1", "%x", "@x", "`x", "|", ">", ">-", "'it''s'",
    '"a\\nb"', '"a\\"b"', "a,b", "a, b", "[a]", "{a: 1}", "a[b]", "a{b}", "a]", "a}", "#", "# c",
    "a\tb", "a\u2028b", "a\x85b", "\ufeffa", "a\rb", "a\x00b", "\x7f",
]
KEYS = ["a", "b", "c", "d", "op", "name", "from", "out", "kernel", "stride", "k1", "k2", "x.y",
        "a-b", "layer_1", "a b", "1", "01", "1_0", "é×", "x" * 300]
ODD_KEYS = ["10", "true", "null", "~", "1.5", "<<", "=", "a:b", "-a", "'q'", '"q"', "? a", "[a]",
            "&x a", "!t a", "y" * 1100]
TEXT = ["hello world", "a: b # c", "# not a comment", "'quoted'", "- item", "[x"]
ODD_TEXT = ["  more indented", "", "trailing  ", "x\ty"]
HEADERS = [">-", ">", "|-", "|"]
ODD_HEADERS = [">+", "|2", ">- # c", ">-  ", "|\t"]


def mostly(draw, usual: list, odd: list):
    """One of `usual`, or one time in fifty one of `odd` (a document draws dozens)."""
    return draw(st.sampled_from(odd if draw(st.integers(0, 49)) == 17 else usual))


def keys():
    return st.integers(0, 49).flatmap(lambda n: st.sampled_from(ODD_KEYS if n == 17 else KEYS))


@st.composite
def flow(draw, depth=0):
    """A flow value, written on one line (or, sometimes, over two)."""
    kind = draw(st.sampled_from(["scalar"] * 3 + (["seq", "map"] if depth < 3 else [])))
    if kind == "scalar":
        return mostly(draw, SCALARS, ODD_SCALARS)
    comma = mostly(draw, [", ", ",", " , ", ",  "], [",\n  "])
    if kind == "seq":
        items = draw(st.lists(flow(depth + 1), max_size=4))
        return "[" + comma.join(items) + mostly(draw, [""], [","]) + "]"
    colon = mostly(draw, [": ", ":  "], [":", " : "])
    pairs = draw(st.lists(st.tuples(keys(), flow(depth + 1)), max_size=4))
    return "{" + comma.join(k + colon + v for k, v in pairs) + "}"


def comment(draw) -> str:
    return mostly(draw, ["", "", "", " # c", "  # c: d"], ["#c", " #", " #\t"])


@st.composite
def block_mapping(draw, indent: int, depth: int) -> list:
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        key = mostly(draw, KEYS, ODD_KEYS)
        forms = ["scalar", "scalar", "flow", "text", "extra"]
        if depth < 4:
            forms += ["nested", "nested", "indentless"]
        form = draw(st.sampled_from(forms))
        pad = " " * indent
        if form == "scalar":
            lines.append(f"{pad}{key}: {mostly(draw, SCALARS, ODD_SCALARS)}{comment(draw)}")
        elif form == "flow":
            lines.append(f"{pad}{key}: {draw(flow())}{comment(draw)}")
        elif form == "text":
            margin = pad + " " * mostly(draw, [2], [1, 4, 0])
            body = [mostly(draw, TEXT, ODD_TEXT) for _ in range(draw(st.integers(1, 3)))]
            lines.append(f"{pad}{key}: {mostly(draw, HEADERS, ODD_HEADERS)}")
            lines.extend(margin + text if text else "" for text in body)
        elif form == "extra":
            lines.append(draw(st.sampled_from(["", "# comment", pad + "# indented comment",
                                               "   ", pad + "  # deeper comment"])))
        elif form == "nested":
            lines.append(f"{pad}{key}:{comment(draw)}")
            lines.extend(draw(block(indent + draw(st.sampled_from([2, 2, 1, 4])), depth + 1)))
        else:
            lines.append(f"{pad}{key}:")
            lines.extend(draw(block_sequence(indent, depth + 1)))
    return lines


@st.composite
def block_sequence(draw, indent: int, depth: int) -> list:
    lines = []
    pad = " " * indent
    for _ in range(draw(st.integers(1, 6))):
        forms = ["scalar", "flow", "map", "map"] + (["compact", "nested"] if depth < 4 else [])
        form = draw(st.sampled_from(forms))
        if form == "scalar":
            lines.append(f"{pad}- {mostly(draw, SCALARS, ODD_SCALARS)}{comment(draw)}")
        elif form == "flow":
            lines.append(f"{pad}- {draw(flow())}{comment(draw)}")
        elif form == "map":  # runs of these lines are read together
            pairs = draw(st.lists(st.tuples(keys(), flow(2)), min_size=1, max_size=5))
            lines.append(pad + "- {" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"
                         + mostly(draw, [""], [" # c", " "]))
        elif form == "compact":
            gap = draw(st.sampled_from([1, 1, 2]))
            inner = draw(block_mapping(indent + 1 + gap, depth + 1))
            first = next((i for i, line in enumerate(inner) if line.strip()
                          and not line.strip().startswith("#")), 0)
            inner[first] = pad + "-" + " " * gap + inner[first].lstrip(" ")
            lines.extend(inner)
        else:
            lines.append(f"{pad}-{comment(draw)}")
            lines.extend(draw(block(indent + draw(st.sampled_from([2, 2, 1])), depth + 1)))
    return lines


@st.composite
def block(draw, indent: int, depth: int) -> list:
    if draw(st.integers(0, 3)) == 0:
        return draw(block_sequence(indent, depth))
    return draw(block_mapping(indent, depth))


@st.composite
def documents(draw) -> str:
    lines = draw(block(draw(st.sampled_from([0, 0, 0, 2])), 0))
    for _ in range(mostly(draw, [0] * 6 + [1], [2, 3])):  # a mutation: odd indent, a stray char
        at = draw(st.integers(0, len(lines) - 1))
        line = lines[at]
        change = draw(st.sampled_from(["indent", "dedent", "char", "drop", "copy", "marker"]))
        if change == "indent":
            lines[at] = " " + line
        elif change == "dedent":
            lines[at] = line.removeprefix(" ")
        elif change == "char":
            where = draw(st.integers(0, len(line)))
            char = draw(st.sampled_from(list("\t:#-?&*!|>'\"%@`{}[],\r ")))
            lines[at] = line[:where] + char + line[where:]
        elif change == "drop":
            del lines[at]
            lines = lines or ["a: 1"]
        elif change == "copy":
            lines.insert(at, line)
        else:
            lines.insert(at, draw(st.sampled_from(["---", "...", "%YAML 1.2", "--- !t"])))
    end = draw(st.sampled_from(["\n", "\n", "", "\n\n"]))
    start = mostly(draw, ["", "", "---\n", "# c\n---\n"], ["--- # c\n", "%YAML 1.2\n---\n"])
    text = start + "\n".join(lines) + end
    return text.replace("\n", "\r\n") if draw(st.integers(0, 9)) == 0 else text


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(documents())
def test_random_documents_fall_back_or_agree(text):
    note(text)
    answer, expected = fast(text), slow(text)
    event("refused by PyYAML" if isinstance(expected, SpecError)
          else "fast" if answer is not None else "fell back")
    if isinstance(expected, SpecError):
        assert answer is None, f"fast reader accepted what PyYAML refuses: {expected}"
    elif answer is not None:
        assert_fast_agrees(text)


@pytest.mark.parametrize("text", ["- ---\r\n- a\r\n", "- ---\r\n", "- ---\n", "a: ---\n"])
def test_three_dashes_inside_a_line_are_a_scalar(text):
    """Found by the random documents in CI: the node count read a marker inside a line."""
    assert_fast_agrees(text)
