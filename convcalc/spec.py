"""Loading a spec: YAML → a validated, immutable `Spec` whose every part knows its line.

The top level takes `name`, `input`, `layers` and optionally `description`, `params`, `defaults`,
`blocks`, `outputs`, `expected`, `source` and `notes`. Each layer takes `op`, an optional `name`,
`from`, `repeat`, `if`, and the fields its kind declares in `layers.REGISTRY`; input channels are
always inferred, never written. `graph.py` expands blocks and repeats into a flat list of nodes.
"""

from __future__ import annotations

from .conventions import CONVENTIONS, DEFAULT, Convention
from .errors import Location, SpecError, did_you_mean
from .expected import Expected, parse_expected
from .graph import Expander, Group, Node, _Scope, is_identifier, parse_blocks
from .layers import REGISTRY
from .records import record, replace
from .report import Diagnostic
from .shapes import Shape
from .yamlspec import YList, YMap, parse_yaml, read_spec_text, yaml11_hint

TOP_LEVEL = ("name", "description", "convention", "input", "params", "defaults", "blocks",
             "layers", "outputs", "expected", "source", "notes")


@record
class Spec:
    """A whole validated spec, expanded into a graph of nodes in execution order."""

    name: str
    input: Shape
    layers: tuple[Node, ...]
    file: str
    groups: tuple[Group, ...] = ()
    outputs: tuple[str, ...] = ()
    params: tuple[tuple[str, object], ...] = ()
    warnings: tuple[Diagnostic, ...] = ()
    description: str = ""
    source: str = ""
    notes: str = ""
    expected: Expected | None = None
    declared_input: Shape | None = None  # the spec's own input, when --input replaced it
    convention: Convention = DEFAULT

    def where(self, line: int | None) -> Location:
        return Location(self.file, line)

    def with_input(self, shape: Shape) -> "Spec":
        """The same spec analysed at another input shape."""
        return replace(self, input=shape, declared_input=self.declared_input or self.input)


def _text(doc: YMap, key: str, file: str, required: bool = False) -> str:
    value = doc.get(key)
    if value is None:
        if required:
            raise SpecError(f"missing '{key}:' at the top level", Location(file, doc.line))
        return ""
    if not isinstance(value, str):
        raise SpecError(f"'{key}' must be text; quote it", Location(file, doc.line_of(key)))
    return str(value)


def parse_input(value, where: Location) -> Shape:
    """`input: [C, L]`, `[C, H, W]` or `[C, D, H, W]` of positive integers."""
    if not isinstance(value, list) or not 2 <= len(value) <= 4:
        raise SpecError("input must be a list of channels then 1 to 3 spatial sizes, like"
                        " [3, 224, 224]", where)
    for v in value:
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            shown = repr(v) if len(repr(v)) <= 60 else repr(v)[:40] + "…"
            raise SpecError(f"input sizes must be positive integers, not {shown}"
                            f"{yaml11_hint(v, 'integer')}", where)
    return Shape(value[0], tuple(value[1:]))


def _defaults(doc: YMap, file: str) -> dict:
    """`defaults: {bias: false}` → {field: (value, line)}. A value is checked here against every
    kind declaring the field (it must suit at least one), and again against each layer's own
    field when it is applied (graph.py): `padding: same` suits conv but not deconv."""
    raw = doc.get("defaults")
    if raw is None:
        return {}
    where = Location(file, doc.line_of("defaults"))
    if not isinstance(raw, YMap):
        raise SpecError("defaults must be a mapping of field: value, like {bias: false}", where)
    declared: dict = {}
    for kind in REGISTRY.values():
        for field in kind.fields:
            declared.setdefault(field.name, []).append(field)
    out = {}
    for key, value in raw.items():
        at = Location(file, raw.line_of(key))
        if key not in declared:
            raise SpecError(f"defaults: no layer kind has a field '{key}'"
                            f"{did_you_mean(key, declared)}", at)
        first_error = None
        for field in declared[key]:
            try:
                field.type.check(value, f"defaults: {key}", at)
                break
            except SpecError as error:
                first_error = first_error or error
        else:
            raise first_error
        out[key] = (value, at.line)
    return out


def _params(doc: YMap, file: str, overrides: dict) -> dict:
    """Top-level `params: {S: 7, B: 2}`, then command-line overrides (`--set B=3`)."""
    raw = doc.get("params")
    if raw is None:
        raw = YMap()
        raw.line, raw.key_lines = doc.line, {}
    if not isinstance(raw, YMap):
        raise SpecError("params must map names to integers or true/false",
                        Location(file, doc.line_of("params")))
    out = {}
    for key, value in raw.items():
        at = Location(file, raw.line_of(key))
        if not is_identifier(key) or key in ("i", "input"):
            raise SpecError(f"params: '{key}' must be an identifier other than i and input", at)
        if not isinstance(value, int):
            raise SpecError(f"params: {key} must be an integer or true/false, not {value!r}"
                            f"{yaml11_hint(value)}", at)
        out[key] = value
    for key, value in overrides.items():
        if key not in out:
            raise SpecError(f"--set {key}: the spec has no parameter '{key}'"
                            f"{did_you_mean(key, out)}; its params are: "
                            f"{', '.join(out) or 'none'}", Location(file))
        if isinstance(out[key], bool) != isinstance(value, bool):
            wanted = "true/false" if isinstance(out[key], bool) else "an integer"
            raise SpecError(f"--set {key}: expected {wanted}, not {value!r}", Location(file))
        out[key] = value
    return out


def _unused(nodes, readers, outputs, file) -> tuple[Diagnostic, ...]:
    """A layer nobody reads that is not an output is probably a mistake: say so."""
    return tuple(
        Diagnostic(Location(file, n.line), n.name, n.op,
                   "its output is never used: no layer reads it and it is not in outputs")
        for n in nodes if not readers.get(n.name) and n.name not in outputs)


def _convention(doc: YMap, file: str, override: str | None) -> Convention:
    """`convention: keras` in the spec, unless the command line says otherwise."""
    name = override or doc.get("convention") or DEFAULT.name
    if not isinstance(name, str) or name not in CONVENTIONS:
        where = Location(file, None if override else doc.line_of("convention"))
        what = "--convention" if override else "convention"
        shown = name if isinstance(name, str) else ("a list" if isinstance(name, list)
                                                    else "a mapping")
        raise SpecError(f"{what}: unknown convention '{shown}'{did_you_mean(shown, CONVENTIONS)};"
                        f" choose one of {', '.join(CONVENTIONS)}", where)
    return CONVENTIONS[name]


def parse_spec(doc, file: str, overrides: dict | None = None,
               convention: str | None = None) -> Spec:
    """Validate a parsed YAML document as a spec and expand it into a graph; `convention`
    (a name) overrides the spec's."""
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
    params = _params(doc, file, overrides or {})
    raw_layers = doc.get("layers")
    if not isinstance(raw_layers, YList) or not raw_layers:
        raise SpecError("'layers:' must be a non-empty list of layers",
                        Location(file, doc.line_of("layers")))
    rules = _convention(doc, file, convention)
    expander = Expander(file, parse_blocks(doc.get("blocks"), file), _defaults(doc, file), params,
                        rules)
    top = _Scope(prefix="", input="input", env=dict(params), path=(), stack=(), top=True)
    last = expander.expand(raw_layers, top)
    nodes = tuple(expander.nodes)
    if not nodes:
        raise SpecError("every layer was dropped by 'if:'; nothing is left to analyse",
                        Location(file, doc.line_of("layers")))
    outputs = (last,)
    if "outputs" in doc:
        raw = doc["outputs"]
        line = doc.line_of("outputs")
        names = raw if isinstance(raw, list) else [raw]
        if not names:
            raise SpecError("outputs must name at least one layer", Location(file, line))
        outputs = tuple(expander.lookup(n, top, line, "") for n in names)
    if "input" in outputs:
        raise SpecError("an output must be a layer, not the input", Location(file, doc.line))
    expected = None
    if "expected" in doc:
        known = set(expander.index) | {g.name for g in expander.groups}
        expected = parse_expected(doc["expected"], Location(file, doc.line_of("expected")),
                                  file, known, set(expander.index))
    return Spec(
        name=name,
        input=shape,
        layers=nodes,
        file=file,
        groups=tuple(expander.groups),
        outputs=outputs,
        params=tuple(params.items()),
        warnings=_unused(nodes, expander.readers, outputs, file),
        description=_text(doc, "description", file),
        source=_text(doc, "source", file),
        notes=_text(doc, "notes", file),
        expected=expected,
        convention=rules,
    )


def load_spec(path, overrides: dict | None = None, display: str | None = None,
              convention: str | None = None) -> Spec:
    """Read, parse and validate a spec file; `overrides` replace values of its `params`;
    `display` is the file name used in messages (built-ins: ``architectures/…``); `convention`
    replaces the spec's counting convention."""
    file = display or str(path)
    return parse_spec(parse_yaml(read_spec_text(path), file), file, overrides, convention)
