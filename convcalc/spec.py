"""Loading a spec: YAML → a validated, immutable `Spec` whose every part knows its line.

The top level takes `name`, `input`, `layers` and optionally `description`, `defaults`,
`expected`, `source` and `notes`. Each layer takes `op`, an optional `name` and the fields its kind
declares in `layers.REGISTRY`; input channels are always inferred, never written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType

from .errors import Location, SpecError, did_you_mean
from .expected import Expected, parse_expected
from .layers import ALIASES, REGISTRY
from .shapes import LayerProblem, Shape
from .yamlspec import YList, YMap, parse_yaml, read_spec_text, yaml11_hint

TOP_LEVEL = ("name", "description", "input", "defaults", "layers", "expected", "source", "notes")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
MAX_NAME = 200


@dataclass(frozen=True)
class LayerSpec:
    """One layer as written: its (possibly generated) name, kind, checked fields and line."""

    name: str
    op: str
    attrs: MappingProxyType
    line: int


@dataclass(frozen=True)
class Spec:
    """A whole validated spec."""

    name: str
    input: Shape
    layers: tuple[LayerSpec, ...]
    file: str
    description: str = ""
    source: str = ""
    notes: str = ""
    expected: Expected | None = None

    def where(self, line: int | None) -> Location:
        return Location(self.file, line)

    def with_input(self, shape: Shape) -> "Spec":
        """The same spec analysed at another input shape."""
        from dataclasses import replace

        return replace(self, input=shape)


def _text(doc: YMap, key: str, file: str, required: bool = False) -> str:
    value = doc.get(key)
    if value is None:
        if required:
            raise SpecError(f"missing '{key}:' at the top level", Location(file, doc.line))
        return ""
    if not isinstance(value, str):
        raise SpecError(f"'{key}' must be text; quote it", Location(file, doc.line_of(key)))
    return value


def parse_input(value, where: Location) -> Shape:
    """`input: [C, L]`, `[C, H, W]` or `[C, D, H, W]` of positive integers."""
    if not isinstance(value, list) or not 2 <= len(value) <= 4:
        raise SpecError("input must be a list of channels then 1 to 3 spatial sizes, like"
                        " [3, 224, 224]", where)
    for v in value:
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            raise SpecError(f"input sizes must be positive integers, not {v!r}"
                            f"{yaml11_hint(v)}", where)
    return Shape(value[0], tuple(value[1:]))


def _defaults(doc: YMap, file: str) -> dict:
    raw = doc.get("defaults")
    if raw is None:
        return {}
    where = Location(file, doc.line_of("defaults"))
    if not isinstance(raw, YMap):
        raise SpecError("defaults must be a mapping of field: value, like {bias: false}", where)
    declared = {}
    for kind in REGISTRY.values():
        for field in kind.fields:
            declared.setdefault(field.name, field)
    out = {}
    for key, value in raw.items():
        at = Location(file, raw.line_of(key))
        if key not in declared:
            raise SpecError(f"defaults: no layer kind has a field '{key}'"
                            f"{did_you_mean(key, declared)}", at)
        out[key] = declared[key].type.check(value, f"defaults: {key}", at)
    return out


def _generated_name(op: str, counters: dict, taken: set) -> str:
    """conv1, conv2, … per op, skipping names that a layer elsewhere gives explicitly."""
    while True:
        counters[op] = counters.get(op, 0) + 1
        name = f"{op}{counters[op]}"
        if name not in taken:
            return name


def _layer(raw, line: int, index: int, defaults: dict, counters: dict, taken: set,
           file: str) -> LayerSpec:
    where = Location(file, line)
    if not isinstance(raw, YMap):
        raise SpecError(f"layer {index + 1} must be a mapping like {{op: conv, out: 64,"
                        f" kernel: 3}}, not {type(raw).__name__}", where)
    op = raw.get("op")
    if op is None:
        raise SpecError(f"layer {index + 1} has no 'op'; choose one of: "
                        f"{', '.join(REGISTRY)}", where)
    if not isinstance(op, str):
        raise SpecError(f"op must be a layer kind's name, not {op!r}", where)
    op = ALIASES.get(op, op)
    if op not in REGISTRY:
        raise SpecError(f"unknown op '{op}'{did_you_mean(op, [*REGISTRY, *ALIASES])}; run"
                        " 'convcalc summary --help' for the list", where)
    kind = REGISTRY[op]
    name = raw["name"] if "name" in raw else _generated_name(op, counters, taken)
    if not isinstance(name, str) or not _NAME.fullmatch(name) or len(name) > MAX_NAME:
        raise SpecError(f"layer name {name!r} must start with a letter or '_' and use only"
                        f" letters, digits, '_', '.' and '-' (at most {MAX_NAME})", where)
    fields = {f.name: f for f in kind.fields}
    attrs = {}
    for key, value in raw.items():
        if key in ("op", "name"):
            continue
        at = Location(file, raw.line_of(key))
        if key not in fields:
            hint = did_you_mean(key, fields)
            allowed = ", ".join(fields) or "no fields"
            raise SpecError(f"layer '{name}' ({op}): unknown field '{key}'{hint}; {op} takes"
                            f" {allowed}", at)
        attrs[key] = fields[key].type.check(value, f"layer '{name}' ({op}): {key}", at)
    for field in kind.fields:
        if field.name in attrs:
            continue
        if field.name in defaults:
            attrs[field.name] = defaults[field.name]
        elif field.required:
            raise SpecError(f"layer '{name}' ({op}): missing '{field.name}' ({field.doc})", where)
        else:
            attrs[field.name] = field.default
    try:
        kind.validate(attrs)
    except LayerProblem as problem:
        raise SpecError(f"layer '{name}' ({op}): {problem}", where) from None
    return LayerSpec(name, op, MappingProxyType(attrs), line)


def parse_spec(doc, file: str) -> Spec:
    """Validate a parsed YAML document as a spec."""
    if not isinstance(doc, YMap):
        raise SpecError("a spec must be a mapping with 'name', 'input' and 'layers'",
                        Location(file, getattr(doc, "line", 1)))
    for key in doc:
        if key not in TOP_LEVEL:
            raise SpecError(f"unknown top-level key '{key}'{did_you_mean(key, TOP_LEVEL)};"
                            f" allowed: {', '.join(TOP_LEVEL)}", Location(file, doc.line_of(key)))
    name = _text(doc, "name", file, required=True)
    if "input" not in doc:
        raise SpecError("missing 'input:' (channels then spatial size, like [3, 224, 224])",
                        Location(file, doc.line))
    shape = parse_input(doc["input"], Location(file, doc.line_of("input")))
    defaults = _defaults(doc, file)
    raw_layers = doc.get("layers")
    if not isinstance(raw_layers, YList) or not raw_layers:
        raise SpecError("'layers:' must be a non-empty list of layers",
                        Location(file, doc.line_of("layers")))
    counters: dict = {}
    taken = {raw["name"] for raw in raw_layers if isinstance(raw, YMap) and "name" in raw
             and isinstance(raw["name"], str)}
    layers, seen = [], {}
    for i, raw in enumerate(raw_layers):
        layer = _layer(raw, raw_layers.line_of(i), i, defaults, counters, taken, file)
        if layer.name == "input":
            raise SpecError("'input' names the network's input; choose another layer name",
                            Location(file, layer.line))
        if layer.name in seen:
            raise SpecError(f"layer name '{layer.name}' is used twice (first on line"
                            f" {seen[layer.name]}); names must be unique",
                            Location(file, layer.line))
        seen[layer.name] = layer.line
        layers.append(layer)
    expected = None
    if "expected" in doc:
        expected = parse_expected(doc["expected"], Location(file, doc.line_of("expected")),
                                  file, set(seen))
    return Spec(
        name=name,
        input=shape,
        layers=tuple(layers),
        file=file,
        description=_text(doc, "description", file),
        source=_text(doc, "source", file),
        notes=_text(doc, "notes", file),
        expected=expected,
    )


def load_spec(path, display: str | None = None) -> Spec:
    """Read, parse and validate a spec file; `display` is the name used in messages."""
    file = display or str(path)
    return parse_spec(parse_yaml(read_spec_text(path), file), file)
