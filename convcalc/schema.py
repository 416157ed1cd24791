"""The JSON Schema (draft 2020-12) of the spec format, generated from the layer registry.

Nothing here lists layer kinds or their fields by hand: every op, alias and field comes from
`layers.REGISTRY` and `layers.ALIASES` (each field's schema from `FieldType.schema()`, its
description from its one-line doc), the entry keys from `graph.ENTRY_KEYS`, the top-level keys from
`spec.TOP_LEVEL` and the expected figures from `expected.TOTAL_FIGURES` / `LAYER_FIGURES`. A new
layer kind therefore appears in the schema as soon as it is registered, and a new top-level key or
entry key without a schema here fails loudly (KeyError) instead of being left out.

What the schema can and cannot say (docs/editors.md):

- It accepts every spec the loader accepts, except where noted below, and rejects what it can:
  unknown keys, ops and fields, missing required fields, wrong types, out-of-range integers.
- Any plain (unquoted) string is an integer expression in a layer field, `repeat`, `if` or a block
  argument (expr.py). JSON Schema cannot tell a quoted string from a plain one, so such values
  accept any string made of the characters expressions use; `convcalc check` evaluates them.
- Rules that need the whole graph (names that exist, shapes that match, blocks that are defined,
  every expected figure having a source) are `convcalc check`'s alone.
- Stricter than the loader in one corner: a merge (`concat`, `add`) and `crop` must name their
  inputs in `from`, even on an entry that `if:` drops.

Only keywords that mean the same in draft 7 are used (`$ref` never has validating siblings), so
editors that implement draft 7, like VS Code's YAML extension, read the schema as intended.
"""

from __future__ import annotations

import copy
import json
from fractions import Fraction

from .conventions import CONVENTIONS
from .expected import LAYER_FIGURES, TOTAL_FIGURES
from .expr import MAX_LENGTH
from .fields import Field
from .graph import ENTRY_KEYS, MAX_NAME
from .layers import ALIASES, REGISTRY, LayerKind
from .spec import TOP_LEVEL

DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: A name, not an address: nothing is served there; editors find the schema by its path.
SCHEMA_ID = "urn:convcalc:spec"

_IDENTIFIER = "^[A-Za-z_][A-Za-z0-9_]*$"
_EXPRESSION = {"$ref": "#/$defs/expression"}
_COUNT = {"type": "integer", "minimum": 0}
_SCALAR_TYPES = ("integer", "number", "boolean")
_EXPRESSION_NOTE = "Also a plain (unquoted) string: an integer expression such as `planes*4`."


def _ref(name: str) -> dict:
    return {"$ref": f"#/$defs/{name}"}


def _identifier(excluded=()) -> dict:
    schema = {"type": "string", "pattern": _IDENTIFIER}
    if excluded:
        schema["not"] = {"enum": sorted(excluded)}
    return schema


# -- layer fields ----------------------------------------------------------------------------

def accepting_expressions(schema: dict) -> dict:
    """`schema` where every integer, number or boolean may also be an expression string.

    The loader evaluates a plain string wherever a value is read, and list items one by one
    (graph.Expander.value), so the expression goes beside every scalar, list items included.
    Alternatives become `anyOf`: an expression string may also match a word such as `same`, and
    `oneOf` would then reject it for matching twice. Schemas without scalars (a choice of words,
    like upsample's `mode`) are returned unchanged: an expression can never give a word.
    """
    if schema.get("type") in _SCALAR_TYPES:
        return {"anyOf": [schema, _EXPRESSION]}
    if "items" in schema:
        return {**schema, "items": accepting_expressions(schema["items"])}
    union = schema.get("oneOf", schema.get("anyOf"))
    if union is None:
        return schema
    members = []
    for alternative in map(accepting_expressions, union):
        flat = alternative["anyOf"] if set(alternative) == {"anyOf"} else [alternative]
        members += [m for m in flat if m not in members]
    if _EXPRESSION in members:  # listed once, last: the literal forms read first in an editor
        members = [m for m in members if m != _EXPRESSION] + [_EXPRESSION]
    rest = {k: v for k, v in schema.items() if k not in ("oneOf", "anyOf")}
    return {**rest, "anyOf": members}


def json_default(value):
    """A field's default as JSON, or None when there is none to show.

    Counts and flags stay integers and booleans. The defaults of real-valued fields are exact
    Fractions (LRN's α = 1/10000, dropout's p = 1/2); they become the float that prints as the
    same decimal (0.0001, 0.5): the field's own schema says "number", an editor inserts the default
    as the value, and convcalc reads that decimal back exactly (yamlspec keeps a number's text).
    A string such as "1/2" would instead be a plain string, i.e. an expression, and `/` must divide
    exactly. A Fraction with no finite decimal form gets no `default` (its doc still shows it).
    """
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return int(value)
        decimal = float(value)
        return decimal if Fraction(repr(decimal)) == value else None
    return value


def field_schema(field: Field) -> dict:
    """One field of one layer kind: its type's schema (plus expressions), doc and default."""
    base = copy.deepcopy(field.type.schema())
    schema = accepting_expressions(base)
    default = ("required" if field.required else "optional" if field.default is None
               else f"default {field.default_text()}")
    text = f"{field.doc} — {field.type.describe()}; {default}."
    if schema != base:
        text += " " + _EXPRESSION_NOTE
    out = {"description": text, **schema}
    if not field.required and json_default(field.default) is not None:
        out["default"] = json_default(field.default)
    return out


def _inputs(arity: int | None) -> dict:
    """`from`: one layer name, or a list of as many as the kind takes."""
    names = {"type": "array", "items": {"type": "string"}}
    if arity is None:
        return {"description": "the inputs to merge: a list of two or more layer names",
                **names, "minItems": 2}
    if arity == 1:
        return {"description": "the input: a layer name (default: the entry above; `input` is the"
                               " network's or the block's input)",
                "anyOf": [{"type": "string"}, {**names, "minItems": 1, "maxItems": 1}]}
    return {"description": f"the {arity} inputs: a list of {arity} layer names",
            **names, "minItems": arity, "maxItems": arity}


def _entry_keys(arity: int | None) -> dict:
    """The keys every entry takes besides `op`/`block`, in `graph.ENTRY_KEYS` order."""
    schemas = {"name": _ref("name"), "from": _inputs(arity), "repeat": _ref("repeat"),
               "if": _ref("if")}
    return {key: schemas[key] for key in ENTRY_KEYS if key not in ("op", "block")}


def _ops(kind: LayerKind) -> list[str]:
    return [kind.op] + [alias for alias, target in ALIASES.items() if target == kind.op]


def layer_schema(kind: LayerKind) -> dict:
    """An entry `{op: KIND, ...}`: the entry keys and the kind's fields, nothing else."""
    properties = {"op": {"description": kind.doc, "enum": _ops(kind)}, **_entry_keys(kind.arity)}
    properties.update((field.name, field_schema(field)) for field in kind.fields)
    required = ["op"] + [field.name for field in kind.fields if field.required]
    if kind.arity != 1:  # the default input, the entry above, is only one
        required.append("from")
    return {"description": kind.doc, "type": "object", "properties": properties,
            "required": required, "additionalProperties": False}


def _op_names() -> dict:
    """`op`: every kind and alias, each with its one-line doc (shown by editors' completion)."""
    names = [(op, kind.doc) for op, kind in REGISTRY.items()]
    names += [(alias, f"Alias of `{target}`: {REGISTRY[target].doc}")
              for alias, target in ALIASES.items()]
    return {"description": "the layer kind", "type": "string",
            "anyOf": [{"const": op, "description": doc} for op, doc in names]}


def _layer() -> dict:
    """An entry with `op`: one `if`/`then` per op and alias picks that kind's schema."""
    branches = [{"if": {"properties": {"op": {"const": op}}, "required": ["op"]},
                 "then": _ref(f"layer.{ALIASES.get(op, op)}")}
                for op in [*REGISTRY, *ALIASES]]
    return {"type": "object", "required": ["op"], "allOf": branches}


# -- entries, blocks and the top level -----------------------------------------------------

def _entry() -> dict:
    return {
        "description": "a layer ({op: conv, out: 64, kernel: 3}) or a use of a block"
                       " ({block: basic, planes: 64})",
        "type": "object",
        "properties": {"op": _ref("op"),
                       "block": {"description": "the name of a block from `blocks:`",
                                 "type": "string"}},
        "if": {"required": ["block"]},
        "then": _ref("block_use"),
        "else": _ref("layer"),
    }


def _block_use() -> dict:
    return {
        "description": "a use of a block: its name, the entry keys, and the block's arguments",
        "type": "object",
        "properties": {"block": {"type": "string"}, **_entry_keys(1), "op": False},
        "required": ["block"],
        "propertyNames": _identifier(),
        "additionalProperties": _ref("argument"),
    }


def _block() -> dict:
    return {
        "description": "a parameterised sub-network, used as {block: NAME, ...arguments}",
        "type": "object",
        "properties": {
            "params": {"description": "the block's parameters and their defaults (null: the"
                                      " argument is required)",
                       "type": ["object", "null"],
                       "propertyNames": _identifier({"i", "input", *ENTRY_KEYS}),
                       "additionalProperties": {"type": ["integer", "boolean", "null"]}},
            "layers": {"description": "the block's layers; `input` is the block's input",
                       "type": "array", "minItems": 1, "items": _ref("entry")},
            "output": {"description": "the layer that is the block's output (default: the last)",
                       "type": ["string", "null"]},
            "doc": {"description": "what the block is, for readers"},
        },
        "required": ["layers"],
        "additionalProperties": False,
    }


def _defaults() -> dict:
    """`defaults:` takes every field name; the loader accepts a value that suits any kind
    declaring the field, and applies it to the kinds whose field takes it."""
    declared: dict[str, tuple[str, Field]] = {}
    takers: dict[str, list[str]] = {}
    types: dict[str, list[dict]] = {}
    for op, kind in REGISTRY.items():
        everything = {field.name: None for field in kind.fields}
        for field in kind.fields:
            declared.setdefault(field.name, (op, field))  # as spec._defaults does
            types.setdefault(field.name, []).append(field.type.schema())
            if kind.takes_default(field.name, everything):
                takers.setdefault(field.name, []).append(op)
    properties = {}
    for name in sorted(declared):
        op, field = declared[name]
        applies = ", ".join(takers.get(name, [])) or "none"
        distinct = []
        for schema in types[name]:
            if schema not in distinct:
                distinct.append(schema)
        accepted = (copy.deepcopy(distinct[0]) if len(distinct) == 1
                    else {"anyOf": copy.deepcopy(distinct)})
        properties[name] = {
            "description": f"`{name}` for every layer that has it and takes a default ({applies});"
                           f" {field.type.describe()}"
                           + (" (or what another kind with this field accepts)"
                              if len(distinct) > 1 else "")
                           + ". A written value, not an expression.",
            **accepted}
    return {"description": "field values for every layer whose kind has that field, e.g."
                           " {bias: false}",
            "type": ["object", "null"], "properties": properties,
            "additionalProperties": False}


# -- expected figures ------------------------------------------------------------------------

_FIGURE_DOCS = {
    "weights": "kernel entries",
    "biases": "bias entries",
    "params": "weights + biases + BatchNorm's γ and β",
    "buffers": "running statistics (BatchNorm: 2·C)",
    "macs": "multiply-accumulates of conv, deconv and fc layers",
    "flops": "2 × macs",
    "gmacs": "MACs in billions as published, rounded (4.089): matches when the exact value"
             " rounds to it",
    "output_shape": "channels, then the spatial sizes",
    "rf": "receptive-field size: one integer for every axis, or a list",
}


def _figure(key: str) -> dict:
    if key == "gmacs":
        schema = {"type": "number", "minimum": 0}
    elif key == "output_shape":
        schema = {"type": "array", "items": _COUNT, "minItems": 1}
    elif key == "rf":
        schema = {"anyOf": [_COUNT, {"type": "array", "items": _COUNT}]}
    else:
        schema = dict(_COUNT)
    return {"description": _FIGURE_DOCS.get(key, "a published figure"), **schema}


def _figures(keys) -> dict:
    """Published figures of the totals or of one layer, with an optional source and tolerance."""
    properties = {key: _figure(key) for key in keys}
    properties["source"] = {"description": "where these figures come from (overrides the one"
                                           " above)", "type": "string", "pattern": "\\S"}
    properties["tolerance"] = _ref("tolerance")
    return {"type": "object", "properties": properties, "additionalProperties": False}


def _named_figures(what: str, figures: str) -> dict:
    return {
        "description": f"{what} → figures; `source` and `tolerance` here apply to every entry",
        "type": "object",
        "properties": {"source": {"type": "string"}, "tolerance": _ref("tolerance")},
        "additionalProperties": _ref(figures),
    }


def _expected() -> dict:
    return {
        "description": "published figures that `convcalc check` compares, each with a source",
        "type": "object",
        "properties": {
            "source": {"description": "where the figures below come from", "type": "string"},
            "tolerance": _ref("tolerance"),
            "totals": _ref("figures.totals"),
            "outputs": _named_figures("an output layer (computing it alone)", "figures.totals"),
            "layers": _named_figures("a layer, block or repeat group", "figures.layer"),
        },
        "anyOf": [{"required": [section]} for section in ("totals", "outputs", "layers")],
        "additionalProperties": False,
    }


def _tolerance() -> dict:
    return {"description": "relative tolerance: a percentage such as '0.5%', or a fraction such"
                           " as 0.005 (default 0%)",
            "anyOf": [{"type": "string", "pattern": "^\\s*[0-9]+(\\.[0-9]+)?%\\s*$"},
                      {"type": "number", "minimum": 0, "exclusiveMaximum": 1}]}


def _top_level() -> dict:
    text = {"type": ["string", "null"]}
    schemas = {
        "name": {"description": "the network's name", "type": "string"},
        "description": {"description": "one line, shown by `convcalc list`", **text},
        "convention": {"description": "whose counting the figures follow (default torch); "
                                      + "; ".join(f"{c.name}: {c.doc}"
                                                  for c in CONVENTIONS.values()),
                       "enum": list(CONVENTIONS)},
        "input": {"description": "one sample: channels, then 1 to 3 spatial sizes, like"
                                 " [3, 224, 224]",
                  "type": "array", "items": {"type": "integer", "minimum": 1},
                  "minItems": 2, "maxItems": 4},
        "params": {"description": "named integers or booleans used in expressions; `--set"
                                  " NAME=VALUE` overrides them",
                   "type": ["object", "null"], "propertyNames": _identifier({"i", "input"}),
                   "additionalProperties": {"type": ["integer", "boolean"]}},
        "defaults": _ref("defaults"),
        "blocks": {"description": "parameterised sub-networks, by name",
                   "type": ["object", "null"],
                   "propertyNames": _identifier({*REGISTRY, *ALIASES}),
                   "additionalProperties": _ref("block")},
        "layers": {"description": "the layers, in execution order", "type": "array",
                   "minItems": 1, "items": _ref("entry")},
        "outputs": {"description": "the output layer(s) (default: the last layer)",
                    "anyOf": [{"type": "string"},
                              {"type": "array", "items": {"type": "string"}, "minItems": 1}]},
        "expected": _ref("expected"),
        "source": {"description": "where the network comes from", **text},
        "notes": {"description": "anything a reader should know", **text},
    }
    return {key: schemas[key] for key in TOP_LEVEL}


def _defs() -> dict:
    defs = {
        "argument": {"description": "a block argument: an integer, true/false, a list, or an"
                                    " expression",
                     "anyOf": [{"type": ["integer", "boolean"]}, _EXPRESSION,
                               {"type": "array", "items": _ref("argument")}]},
        "block": _block(),
        "block_use": _block_use(),
        "defaults": _defaults(),
        "entry": _entry(),
        "expected": _expected(),
        "expression": {"description": "an integer expression over the params in scope and `i`:"
                                      " integers, + - * // / %, comparisons, and, or, not,"
                                      " A if C else B",
                       "type": "string", "minLength": 1, "maxLength": MAX_LENGTH,
                       "pattern": "^[A-Za-z0-9_\\s+*/%()<>=!-]+$"},
        "figures.layer": _figures(LAYER_FIGURES),
        "figures.totals": _figures(TOTAL_FIGURES),
        "if": {"description": "keep the entry only when this is true; a dropped entry's name"
                              " stands for its input",
               "anyOf": [{"type": "boolean"}, _EXPRESSION]},
        "layer": _layer(),
        "name": {"description": "the entry's name: letters, digits, _ and - in parts joined by"
                              " '.'; with {EXPR} parts (and repeat), a template naming each copy",
                 "type": "string",
                 "anyOf": [{"pattern": "^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$",
                            "maxLength": MAX_NAME, "not": {"const": "input"}},
                           {"pattern": "\\{[^{}]*\\}"}]},
        "op": _op_names(),
        "repeat": {"description": "N chained copies named NAME.0 … NAME.{N-1}; `i` is the copy's"
                                  " index",
                   "anyOf": [{"type": "integer", "minimum": 1}, _EXPRESSION]},
        "tolerance": _tolerance(),
    }
    defs.update((f"layer.{op}", layer_schema(kind)) for op, kind in REGISTRY.items())
    return dict(sorted(defs.items()))


def spec_schema() -> dict:
    """The JSON Schema of a convcalc spec, built from the registry (same input, same schema).

    A deep copy, so that a caller changing it cannot change the shared pieces it is built from.
    """
    return copy.deepcopy({
        "$schema": DIALECT,
        "$id": SCHEMA_ID,
        "title": "convcalc spec",
        "description": "A network for convcalc: its input, its layers and the figures published"
                       " about it (docs/spec.md). Generated by `convcalc schema`; `convcalc"
                       " check` remains the authority.",
        "type": "object",
        "properties": _top_level(),
        "required": ["name", "input", "layers"],
        "additionalProperties": False,
        "$defs": _defs(),
    })


def schema_json() -> str:
    """The schema as the text `convcalc schema` prints: indented, byte-identical run to run."""
    return json.dumps(spec_schema(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
