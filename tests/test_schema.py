"""The JSON Schema of the spec format (convcalc/schema.py): a valid schema, generated from the
registry so that no layer kind or field can be left out, and in agreement with the loader — every
built-in spec passes, and the mistakes an editor should flag are flagged, at the right place.

Editors such as VS Code's YAML extension implement draft 7, so each check runs under draft 2020-12
(what the schema declares) and under draft 7 (what editors apply).
"""

from __future__ import annotations

import copy
import json
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

jsonschema = pytest.importorskip("jsonschema")

from convcalc.errors import SpecError  # noqa: E402
from convcalc.expected import LAYER_FIGURES, TOTAL_FIGURES  # noqa: E402
from convcalc.fields import Bool, Choice, Int, Number, Padding, PerAxis  # noqa: E402
from convcalc.graph import ENTRY_KEYS  # noqa: E402
from convcalc.layers import ALIASES, REGISTRY  # noqa: E402
from convcalc.schema import schema_json, spec_schema  # noqa: E402
from convcalc.spec import TOP_LEVEL, parse_spec  # noqa: E402
from convcalc.yamlspec import parse_yaml  # noqa: E402
from convcalc.zoo import builtin_specs  # noqa: E402

SCHEMA = spec_schema()
DEFS = SCHEMA["$defs"]


def _draft7():
    schema = copy.deepcopy(SCHEMA)
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    return jsonschema.Draft7Validator(schema)


VALIDATORS = {"2020-12": jsonschema.Draft202012Validator(SCHEMA), "draft-7": _draft7()}


@pytest.fixture(params=sorted(VALIDATORS))
def validator(request):
    return VALIDATORS[request.param]


def spec(*layers, **top) -> dict:
    """A spec document: a 3×32×32 input, these layers, and any other top-level keys."""
    return {"name": "t", "input": [3, 32, 32], "layers": list(layers), **top}


CONV = {"op": "conv", "out": 8, "kernel": 3}


def problems(validator, doc) -> list[tuple[tuple, str]]:
    """Every error (nested ones included) as (path in the document, message)."""
    found = []

    def walk(errors):
        for error in errors:
            found.append((tuple(error.absolute_path), error.message))
            walk(error.context)

    walk(validator.iter_errors(doc))
    return found


# -- the schema itself ---------------------------------------------------------------------------

def test_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$id"] and SCHEMA["title"]


def test_schema_is_also_a_valid_draft_7_schema():
    jsonschema.Draft7Validator.check_schema(VALIDATORS["draft-7"].schema)


def test_schema_text_is_json_and_the_same_every_time():
    text = schema_json()
    assert text == schema_json()
    assert json.loads(text) == spec_schema()
    assert text.endswith("}\n")


def test_the_minimal_spec_used_below_is_valid(validator):
    assert problems(validator, spec(CONV)) == []


@pytest.mark.parametrize("name", sorted(builtin_specs()))
def test_every_builtin_spec_validates(validator, name):
    doc = yaml.safe_load(builtin_specs()[name].read_text(encoding="utf-8"))
    assert problems(validator, doc) == []


# -- what it rejects, and where ----------------------------------------------------------------

REJECTED = [
    # (what, document, path of the error, part of its message)
    ("unknown op", spec({"op": "convolution", "out": 8, "kernel": 3}), ("layers", 0, "op"),
     "'convolution'"),
    ("unknown field on a conv", spec({**CONV, "shift": 1}), ("layers", 0), "'shift'"),
    ("conv without kernel", spec({"op": "conv", "out": 8}), ("layers", 0),
     "'kernel' is a required property"),
    ("unknown top-level key", spec(CONV, author="me"), (), "'author'"),
    ("missing input", {"name": "t", "layers": [CONV]}, (), "'input' is a required property"),
    ("non-integer kernel item", spec({**CONV, "kernel": [3, 1.5]}), ("layers", 0, "kernel"), ""),
    ("boolean kernel item", spec({**CONV, "kernel": [3, True]}), ("layers", 0, "kernel"), ""),
    ("kernel 0", spec({**CONV, "kernel": 0}), ("layers", 0, "kernel"), ""),
    ("negative padding", spec({**CONV, "padding": -1}), ("layers", 0, "padding"), ""),
    ("padding pair of three", spec({**CONV, "padding": [[0, 1, 2]]}), ("layers", 0, "padding"),
     ""),
    ("a word that is no mode", spec({"op": "upsample", "scale": 2, "mode": "cubic"}),
     ("layers", 0, "mode"), ""),
    ("dropout p above 1", spec({"op": "dropout", "p": 1.5}), ("layers", 0, "p"), ""),
    ("field of another kind", spec({"op": "relu", "out": 8}), ("layers", 0), "'out'"),
    ("merge without from", spec(CONV, {"op": "add"}), ("layers", 1),
     "'from' is a required property"),
    ("merge of one input", spec(CONV, {"op": "concat", "from": ["conv1"]}),
     ("layers", 1, "from"), ""),
    ("crop of three inputs", spec(CONV, {"op": "crop", "from": ["a", "b", "c"]}),
     ("layers", 1, "from"), ""),
    ("repeat 0", spec({**CONV, "repeat": 0}), ("layers", 0, "repeat"), ""),
    ("both op and block", spec({**CONV, "block": "b"}), ("layers", 0), ""),
    ("entry without op or block", spec({"out": 8}), ("layers", 0), "'op' is a required property"),
    ("empty layers", spec(), ("layers",), ""),
    ("input of five sizes", {**spec(CONV), "input": [3, 8, 8, 8, 8]}, ("input",), ""),
    ("param named i", spec(CONV, params={"i": 1}), ("params",), ""),
    ("param that is text", spec(CONV, params={"width": "wide"}), ("params", "width"), ""),
    ("expression in defaults", spec(CONV, defaults={"bias": "flag"}), ("defaults", "bias"), ""),
    ("default of no field", spec(CONV, defaults={"biases": False}), ("defaults",), "'biases'"),
    ("block named like a kind", spec(CONV, blocks={"conv": {"layers": [CONV]}}), ("blocks",), ""),
    ("block with an unknown key", spec(CONV, blocks={"b": {"layers": [CONV], "inputs": 1}}),
     ("blocks", "b"), "'inputs'"),
    ("block parameter with a list default",
     spec(CONV, blocks={"b": {"params": {"k": [1, 2]}, "layers": [CONV]}}),
     ("blocks", "b", "params", "k"), ""),
    ("unknown expected figure", spec(CONV, expected={"source": "s", "totals": {"flop": 1}}),
     ("expected", "totals"), "'flop'"),
    ("rf is no total", spec(CONV, expected={"source": "s", "totals": {"rf": 3}}),
     ("expected", "totals"), "'rf'"),
    ("tolerance without %", spec(CONV, expected={"source": "s", "tolerance": "5",
                                                 "totals": {"params": 1}}),
     ("expected", "tolerance"), ""),
    ("expected without figures", spec(CONV, expected={"source": "s"}), ("expected",), ""),
]


@pytest.mark.parametrize("what, doc, path, message", REJECTED, ids=[r[0] for r in REJECTED])
def test_schema_rejects(validator, what, doc, path, message):
    found = problems(validator, doc)
    assert any(where[:len(path)] == path and message in text for where, text in found), found


# -- agreement with the loader -------------------------------------------------------------------

AGREEMENT = [
    # (YAML text after "name: t\ninput: [3, 32, 32]\n", accepted by convcalc and by the schema)
    ("layers:\n  - {op: conv, out: 8, kernel: [3, 1], padding: same}", True),
    ("layers:\n  - {op: conv, out: 8, kernel: 3, padding: [[0, 1], [1, 0]], bias: false}", True),
    ("params: {w: 4}\nlayers:\n  - {op: conv, out: w*2, kernel: [1, w - 1]}", True),
    ("layers:\n  - {op: linear, out: 10}", True),
    ("layers:\n  - {op: maxpool, global: true}\n  - {op: dropout, p: 0.25}", True),
    ("layers:\n  - {op: conv, name: a, out: 8, kernel: 1}\n"
     "  - {op: conv, name: b, from: input, out: 8, kernel: 1}\n"
     "  - {op: concat, from: [a, b]}", True),
    ("blocks:\n  unit:\n    params: {c: null, deep: false}\n"
     "    layers:\n      - {op: conv, out: c, kernel: 3, padding: 1}\n"
     "      - {op: relu, if: deep}\n"
     "layers:\n  - {block: unit, name: 'u{i+1}', repeat: 2, c: 8 if i == 0 else 16}", True),
    ("defaults: {bias: false, stride: 1}\nlayers:\n  - {op: conv, out: 8, kernel: 3}", True),
    ("layers:\n  - {op: conv, out: 8, kernel: 3}\n"
     "expected:\n  source: s\n  tolerance: 0.5%\n  totals: {params: 224, gmacs: 0.0}\n"
     "  layers:\n    conv1: {output_shape: [8, 30, 30], rf: 3}", True),
    ("layers:\n  - {op: conv, out: 8, kernel: 3, stride: 0}", False),
    ("layers:\n  - {op: upsample, scale: 2, mode: trilinear}", False),
    ("layers:\n  - {op: conv, out: 8, kernel: 3, dilatation: 2}", False),
    ("layers:\n  - {op: fc, out: 10}\noutputs: []", False),
    ("layers:\n  - {op: relu}\nexpected: {totals: {params: 1.5}, source: s}", False),
]


def convcalc_accepts(text: str) -> bool:
    try:
        parse_spec(parse_yaml(text, "t.yaml"), "t.yaml")
    except SpecError:
        return False
    return True


@pytest.mark.parametrize("body, accepted", AGREEMENT)
def test_schema_and_loader_agree(validator, body, accepted):
    text = "name: t\ninput: [3, 32, 32]\n" + body + "\n"
    assert convcalc_accepts(text) is accepted
    assert (problems(validator, yaml.safe_load(text)) == []) is accepted


LOADER_ONLY = [
    # a word could be a parameter's name, so the schema takes it as an expression
    "layers:\n  - {op: conv, out: 8, kernel: 3, padding: full}",
    "layers:\n  - {op: deconv, out: 8, kernel: 2, padding: same}",
    # JSON Schema cannot tell a quoted string (text, never an expression) from a plain one
    "layers:\n  - {op: conv, out: 8, kernel: '3'}",
    # names and sources need the whole spec
    "layers:\n  - {op: relu, from: nowhere}",
    "layers:\n  - {op: relu, name: a}\n  - {op: relu, name: a}",
    "layers:\n  - {op: relu}\nexpected: {totals: {params: 0}}",
]


@pytest.mark.parametrize("body", LOADER_ONLY)
def test_what_only_the_loader_catches(validator, body):
    """The schema's limits (docs/editors.md): these pass the schema, and convcalc check refuses."""
    text = "name: t\ninput: [3, 32, 32]\n" + body + "\n"
    assert not convcalc_accepts(text)
    assert problems(validator, yaml.safe_load(text)) == []


# -- generated from the registry -----------------------------------------------------------------

def example_value(ftype):
    """A value that the field type accepts, chosen from the type alone."""
    if isinstance(ftype, Bool):
        return True
    if isinstance(ftype, Choice):
        return ftype.choices[-1]
    if isinstance(ftype, Number):
        return 0
    if isinstance(ftype, (Int, PerAxis)):
        return max(ftype.minimum, 1) + 1
    if isinstance(ftype, Padding):
        return [[0, 1], [1, 0]]
    raise AssertionError(f"no example for {ftype!r}: teach this test the new field type")


def full_layer(op: str) -> dict:
    """A layer of kind `op` with every one of its fields written, and inputs for its arity."""
    kind = REGISTRY[ALIASES.get(op, op)]
    layer = {"op": op, **{f.name: example_value(f.type) for f in kind.fields}}
    if kind.arity != 1:
        layer["from"] = ["a", "b", "c"][:kind.arity or 3]
    return layer


@pytest.mark.parametrize("op", [*REGISTRY, *ALIASES])
def test_every_kind_takes_every_one_of_its_fields(validator, op):
    assert problems(validator, spec(full_layer(op))) == []


@pytest.mark.parametrize("op", [*REGISTRY, *ALIASES])
def test_every_kind_rejects_a_field_it_does_not_have(validator, op):
    assert problems(validator, spec({**full_layer(op), "no_such_field": 1})) != []


@pytest.mark.parametrize("op, field", [(op, f.name) for op, kind in REGISTRY.items()
                                       for f in kind.fields if f.required])
def test_every_required_field_is_required(validator, op, field):
    layer = full_layer(op)
    del layer[field]
    assert any(f"'{field}' is a required property" in text
               for _, text in problems(validator, spec(layer)))


def test_every_kind_and_alias_is_an_op_with_its_doc():
    ops = {choice["const"]: choice["description"] for choice in DEFS["op"]["anyOf"]}
    assert set(ops) == {*REGISTRY, *ALIASES}
    for op, kind in REGISTRY.items():
        assert ops[op] == kind.doc
    routes = {branch["if"]["properties"]["op"]["const"]: branch["then"]["$ref"]
              for branch in DEFS["layer"]["allOf"]}
    assert routes == {op: f"#/$defs/layer.{ALIASES.get(op, op)}" for op in [*REGISTRY, *ALIASES]}


@pytest.mark.parametrize("op", REGISTRY)
def test_every_field_is_declared_with_its_doc_and_default(op):
    kind = REGISTRY[op]
    layer = DEFS[f"layer.{op}"]
    entry_keys = {key for key in ENTRY_KEYS if key != "block"}
    assert set(layer["properties"]) == entry_keys | {f.name for f in kind.fields}
    for field in kind.fields:
        declared = layer["properties"][field.name]
        assert declared["description"].startswith(field.doc)
        assert ("default" in declared) == (not field.required and field.default is not None)
    assert {f.name for f in kind.fields if f.required} <= set(layer["required"])


def test_defaults_take_every_field_name_of_every_kind():
    names = {f.name for kind in REGISTRY.values() for f in kind.fields}
    assert set(DEFS["defaults"]["properties"]) == names
    assert list(DEFS["defaults"]["properties"]) == sorted(names)


def test_top_level_keys_and_expected_figures_come_from_the_loader():
    assert list(SCHEMA["properties"]) == list(TOP_LEVEL)
    assert set(DEFS["figures.totals"]["properties"]) == {*TOTAL_FIGURES, "source", "tolerance"}
    assert set(DEFS["figures.layer"]["properties"]) == {*LAYER_FIGURES, "source", "tolerance"}


# -- values: expressions and defaults ------------------------------------------------------------

@pytest.mark.parametrize("layer", [
    {"op": "conv", "out": "planes*4", "kernel": 3},
    {"op": "conv", "out": 8, "kernel": ["k", 1], "stride": "2 if i == 0 else 1"},
    {"op": "conv", "out": 8, "kernel": 3, "bias": "not downsample"},
    {"op": "conv", "out": 8, "kernel": 3, "padding": "k // 2"},
    {"op": "conv", "out": 8, "kernel": 3, "padding": [["p", 0], [0, "p"]]},
    {"op": "lrn", "size": "n"},
    {**CONV, "repeat": "depth - 1", "if": "depth > 1"},
])
def test_integer_and_boolean_fields_take_expressions(validator, layer):
    assert problems(validator, spec(layer)) == []


def test_defaults_are_json_numbers_and_counts_stay_integers():
    alpha = DEFS["layer.lrn"]["properties"]["alpha"]["default"]
    assert alpha == 1 / 10_000 and Fraction(repr(alpha)) == Fraction(1, 10_000)
    assert DEFS["layer.dropout"]["properties"]["p"]["default"] == 1 / 2
    assert DEFS["layer.lrn"]["properties"]["k"]["default"] == 2
    for op, kind in REGISTRY.items():
        for field in kind.fields:
            default = DEFS[f"layer.{op}"]["properties"][field.name].get("default")
            if not isinstance(field.type, Number):
                assert not isinstance(default, float), (op, field.name, default)
    assert DEFS["layer.conv"]["properties"]["stride"]["default"] == 1
    assert type(DEFS["layer.conv"]["properties"]["stride"]["default"]) is int


# -- docs/editors.md -----------------------------------------------------------------------------

def test_editors_md_examples_are_valid(validator):
    text = (Path(__file__).resolve().parent.parent / "docs" / "editors.md").read_text()
    assert "convcalc schema > convcalc.schema.json" in text
    example = text.split("```yaml\n")[1].split("```")[0]
    assert example.startswith("# yaml-language-server: $schema=./convcalc.schema.json\n")
    assert convcalc_accepts(example)
    assert problems(validator, yaml.safe_load(example)) == []
    settings = json.loads(text.split("```json\n")[1].split("```")[0])
    assert settings == {"yaml.schemas": {"./convcalc.schema.json": ["specs/*.yaml"]}}
