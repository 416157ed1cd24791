"""Strict YAML loading: YAML 1.2 scalars, no YAML 1.1 surprises, no tags, bounded documents.

PyYAML alone follows YAML 1.1, where ``no`` is false, ``014`` is 12 and ``1:30`` is 90. A spec
that says ``bias: no`` or ``out: 014`` almost certainly means something else, so convcalc reads
scalars by YAML 1.2's core rules and, where a boolean or an integer is expected, rejects such
strings with a hint saying what to write instead.
"""

from __future__ import annotations

import time

import pytest

from convcalc import yamlspec
from convcalc.errors import SpecError
from convcalc.spec import load_spec, parse_spec
from convcalc.yamlspec import MAX_ALIAS_NODES, MAX_DEPTH, parse_yaml, read_spec_text


def load(text: str):
    return parse_yaml(text, "f.yaml")


def spec(text: str):
    return parse_spec(parse_yaml(text, "f.yaml"), "f.yaml")


def spec_with_layer(layer: str):
    """A spec whose only layer (line 4) is `layer`."""
    return spec(f"name: t\ninput: [3, 32, 32]\nlayers:\n  - {layer}\n")


def error_of(function, *args) -> str:
    with pytest.raises(SpecError) as error:
        function(*args)
    return str(error.value)


# ---------------------------------------------------------------------------------------------
# Scalars
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, value", [
    ("true", True), ("True", True), ("false", False), ("FALSE", False),
    ("null", None), ("~", None), ("", None),
    ("0", 0), ("42", 42), ("-3", -3), ("+5", 5), ("1_000", 1000), ("1_000_000", 1000000),
    ("1.5", 1.5), ("0.75", 0.75),
    # YAML 1.1 would turn each of these into a boolean or a number; YAML 1.2 keeps them text.
    ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"), ("y", "y"), ("n", "n"),
    ("014", "014"), ("1:30", "1:30"), ("1e3", "1e3"), ("0x1F", "0x1F"), ("1__0", "1__0"),
    # Quoted scalars are always text.
    ("'42'", "42"), ('"true"', "true"), ("'null'", "null"),
])
def test_scalars_follow_yaml_1_2_core(text, value):
    loaded = load(f"x: {text}\n")["x"]
    assert loaded == value
    if isinstance(value, (str, float)):
        assert isinstance(loaded, type(value))  # subclasses may remember how it was written
    else:
        assert type(loaded) is type(value)  # 1 is not True


def test_every_key_and_item_knows_its_line():
    doc = load("name: t\ninput: [3, 8, 8]\nlayers:\n  - {op: relu}\n  - op: conv\n    out: 4\n")
    assert doc.line_of("layers") == 3
    assert doc["layers"].line_of(0) == 4
    assert doc["layers"].line_of(1) == 5
    assert doc["layers"][1].line_of("out") == 6


def test_anchors_and_aliases_are_expanded():
    assert load("a: &x [1, 2]\nb: *x\n") == {"a": [1, 2], "b": [1, 2]}


# ---------------------------------------------------------------------------------------------
# Duplicate keys
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, message", [
    pytest.param("a: 1\nb: 2\na: 3\n", "f.yaml:3: duplicate key 'a' (first on line 1)",
                 id="top level"),
    pytest.param("x: {op: conv, kernel: 3, kernel: 5}\n",
                 "f.yaml:1: duplicate key 'kernel' (first on line 1)", id="flow mapping"),
    pytest.param("layers:\n  - op: conv\n    kernel: 3\n    out: 4\n    kernel: 5\n",
                 "f.yaml:5: duplicate key 'kernel' (first on line 3)", id="block mapping"),
])
def test_duplicate_keys_are_errors(text, message):
    assert error_of(load, text).startswith(message)


# ---------------------------------------------------------------------------------------------
# YAML 1.1 surprises where a boolean or an integer is expected
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "y", "n", "Yes", "OFF"])
def test_yaml_1_1_booleans_are_refused_with_a_hint(word):
    message = error_of(spec_with_layer, f"{{op: conv, out: 4, kernel: 3, bias: {word}}}")
    assert message.startswith("f.yaml:4: layer 'conv1' (conv): bias")
    assert f"YAML 1.1 would read '{word}' as a boolean" in message
    assert "write true or false" in message


def test_yaml_1_1_booleans_are_refused_in_defaults_too():
    message = error_of(spec, "name: t\ninput: [3, 8, 8]\ndefaults: {bias: no}\n"
                             "layers: [{op: conv, out: 4, kernel: 3}]\n")
    assert message.startswith("f.yaml:3: defaults: bias must be true or false, not 'no'")
    assert "write true or false" in message


@pytest.mark.parametrize("text, hint", [
    ("014", "a leading zero makes YAML 1.1 read '014' as octal, convcalc does not: write 14"),
    ("1:30", "YAML 1.1 reads '1:30' as a base-60 number: write the integer you mean"),
    ("1e3", "'1e3' is a string in YAML 1.1: write the integer out in full (e.g. 1_000)"),
])
def test_yaml_1_1_numbers_are_refused_with_a_hint(text, hint):
    layer = error_of(spec_with_layer, f"{{op: conv, out: {text}, kernel: 3}}")
    assert layer.startswith("f.yaml:4: layer 'conv1' (conv): out")
    assert hint in layer

    shape = error_of(spec, f"name: t\ninput: [3, {text}, 8]\nlayers: [{{op: relu}}]\n")
    assert shape.startswith("f.yaml:2: input sizes must be positive integers")
    assert hint in shape

    figure = error_of(spec, "name: t\ninput: [3, 8, 8]\nlayers: [{op: relu}]\n"
                            f"expected: {{source: s, totals: {{params: {text}}}}}\n")
    assert figure.startswith("f.yaml:4: expected params must be a non-negative integer")
    assert hint in figure


def test_underscores_group_digits():
    loaded = spec("name: t\ninput: [3, 1_024, 1_024]\nlayers:\n  - {op: conv, out: 1_000,"
                  " kernel: 3}\nexpected: {source: s, totals: {params: 27_001_000}}\n")
    assert loaded.input.as_list() == [3, 1024, 1024]
    assert loaded.layers[0].attrs["out"] == 1000
    assert loaded.expected.figures[0].value == 27001000


@pytest.mark.parametrize("quoted", ["'64'", '"64"'])
def test_quoted_numbers_are_text_not_numbers(quoted):
    message = error_of(spec_with_layer, f"{{op: conv, out: {quoted}, kernel: 3}}")
    assert message.startswith("f.yaml:4: layer 'conv1' (conv): out must be an integer, not '64'")
    assert "remove the quotes" in message


def test_quoted_numbers_are_refused_in_the_input_shape():
    message = error_of(spec, "name: t\ninput: ['3', 8, 8]\nlayers: [{op: relu}]\n")
    assert message.startswith("f.yaml:2: input sizes must be positive integers, not '3'")


# ---------------------------------------------------------------------------------------------
# Tags, merge keys, several documents
# ---------------------------------------------------------------------------------------------




@pytest.mark.parametrize("value", [
    "!foo 4",
    "!foo [1, 2]",
    "!foo {a: 1}",
    "!!python/object:os.system 4",
    "!!binary aGVsbG8=",
])
def test_tags_are_refused(value):
    assert "tag" in error_of(load, f"name: t\nx: {value}\n")


def test_a_str_tag_never_yields_a_number():
    try:
        value = load("x: !!str 4\n")["x"]
    except SpecError:
        return  # refusing the tag is as good as keeping the string
    assert value == "4"


def test_merge_keys_are_refused():
    message = error_of(load, "base: &b {x: 1}\nc:\n  <<: *b\n")
    assert message.startswith("f.yaml:3: YAML merge keys ('<<') are not supported")


def test_several_documents_are_refused():
    message = error_of(load, "a: 1\n---\nb: 2\n")
    assert message.startswith("f.yaml:2: YAML syntax error")


@pytest.mark.parametrize("key", ["[1, 2]", "true", "null"])
def test_mapping_keys_must_be_plain_names(key):
    assert "a mapping key must be a plain name" in error_of(load, f"? {key}\n: 3\n")


# ---------------------------------------------------------------------------------------------
# Bounded documents: alias expansion and nesting
# ---------------------------------------------------------------------------------------------


def billion_laughs(levels: int = 9) -> str:
    """Each level is a list of ten aliases of the level below: 10**levels leaves."""
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for n in range(1, levels + 1):
        lines.append(f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_quickly():
    start = time.process_time()  # CPU time: a busy machine must not fail the test
    message = error_of(load, billion_laughs())
    elapsed = time.process_time() - start
    assert f"aliases expand the document by more than {MAX_ALIAS_NODES:,} YAML nodes" in message
    # Expanding 10**9 nodes would take hours and gigabytes; refusal stops after MAX_ALIAS_NODES.
    assert elapsed < 10


def test_the_alias_limit_counts_expanded_aliases(monkeypatch):
    document = billion_laughs(levels=2)  # 10 + 10·10 aliased copies of anchored lists
    assert load(document)["l2"][0][0] == ["lol"] * 10
    monkeypatch.setattr(yamlspec, "MAX_ALIAS_NODES", 1000)
    assert "more than 1,000 YAML nodes" in error_of(load, document)


def test_the_node_limit_counts_every_node(monkeypatch):
    monkeypatch.setattr(yamlspec, "MAX_NODES", 50)
    assert "holds more than 50 YAML nodes" in error_of(load, "a: [" + ", ".join(["1"] * 60) + "]\n")


@pytest.mark.parametrize("depth", [2 * MAX_DEPTH, 100_000])
def test_deep_nesting_is_refused(depth):
    message = error_of(load, "a: " + "[" * depth + "]" * depth + "\n")
    assert message.startswith("f.yaml:1: ")
    assert "nesting" in message or "depth" in message


def test_deep_mappings_are_refused():
    depth = 2 * MAX_DEPTH
    message = error_of(load, "a: " + "{b: " * depth + "1" + "}" * depth + "\n")
    assert message.startswith(f"f.yaml:1: nesting deeper than {MAX_DEPTH} levels")


def test_reasonable_nesting_is_fine():
    assert load("a: [[[[[[1]]]]]]\n") == {"a": [[[[[[1]]]]]]}


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


GOOD = "name: t\ninput: [3, 8, 8]\nlayers:\n  - {op: relu}\n"


def test_a_file_that_is_not_utf8_names_the_line_and_byte(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"name: t\ninput: [3, 8, 8]\ndescription: caf\xe9\nlayers: [{op: relu}]\n")
    message = error_of(load_spec, path)
    assert message.startswith(f"{path}:3: the file is not UTF-8 text (byte 0xe9)")


def test_a_utf8_byte_order_mark_is_fine(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_spec(path).name == "t"


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n", "--- # nothing\n"])
def test_an_empty_file_is_an_error(tmp_path, text):
    path = tmp_path / "empty.yaml"
    path.write_text(text)
    assert error_of(load_spec, path) == (f"{path}:1: the spec is empty; it needs at least"
                                         " 'name', 'input' and 'layers'")


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", "42\n"])
def test_a_spec_must_be_a_mapping(tmp_path, text):
    path = tmp_path / "list.yaml"
    path.write_text(text)
    assert error_of(load_spec, path).startswith(f"{path}:1: a spec must be a mapping")


def test_a_directory_is_not_a_spec(tmp_path):
    assert error_of(read_spec_text, tmp_path).startswith(f"{tmp_path}: is a directory")


def test_a_missing_file_is_an_error(tmp_path):
    path = tmp_path / "missing.yaml"
    assert error_of(load_spec, path).startswith(f"{path}: no such file")
