"""Expanding a spec's layer list into a flat graph of nodes: blocks, repeats, conditions, `from`.

The result is a list of `Node`s in execution order — every node reads only nodes above it, so the
graph is acyclic by construction and one pass over it computes everything. Names are qualified by
the block instances and repeats that contain them (``layer3.2.conv1``); each node remembers that
path of `Group`s so that reports can collapse blocks (``summary --depth``).

Rules (docs/spec.md, "Graphs and blocks"):

- ``from:`` names a node's input(s): one name or a list; default, the entry above; ``input`` is the
  network's input (inside a block, the block's input). Inside a block only the block's own names are
  visible; at the top level a qualified name such as ``features.pool4`` reaches into a block.
- ``if: EXPR`` drops an entry when false; its name then stands for its input (the last one, when
  it has several: a dropped ``{op: add, from: [input, conv], if: residual}`` stands for ``conv``).
- ``repeat: N`` chains N copies named ``NAME.0`` … ``NAME.{N-1}``; ``i`` is the copy's index in
  expressions; ``NAME`` stands for the last copy. A name with ``{EXPR}`` parts is a template
  instead: ``name: "denselayer{i+1}"`` names the copies ``denselayer1`` … directly.
- ``block: B`` expands block B with the arguments given; its output is its last entry (or the
  block's ``output:``).
- Field values may be integer expressions over the parameters in scope (`expr.py`).
"""

from __future__ import annotations

import re
from types import MappingProxyType

from .errors import Location, SpecError, did_you_mean
from .expr import ExprError, evaluate
from .layers import ALIASES, REGISTRY
from .records import record
from .shapes import LayerProblem
from .yamlspec import YList, YMap, yaml11_hint

#: Layers one spec may expand to (blocks and repeats included): a guard against runaway repeats,
#: far above real networks (ResNet-152: 500 layers) and room for the 100,000-layer benchmark.
#: CONVCALC_MAX_LAYERS raises or lowers it.
MAX_LAYERS = 120_000


def max_layers() -> int:
    import os

    try:
        return max(1, int(os.environ.get("CONVCALC_MAX_LAYERS", MAX_LAYERS)))
    except ValueError:
        return MAX_LAYERS
#: Block uses one spec may expand (DenseNet-201 has about a hundred); each costs work even when
#: it yields no layer, so runaway repeats of blocks are refused early.
MAX_BLOCK_USES = 50_000
#: Blocks nested inside blocks.
MAX_BLOCK_DEPTH = 32
MAX_NAME = 200
ENTRY_KEYS = ("op", "block", "name", "from", "repeat", "if")
_FIELD = re.compile(r"\{([^{}]*)\}")
#: A layer name: ASCII letters, digits, '_' and '-', in parts joined by '.'.
_NAME = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")


@record
class Node:
    """One layer of the expanded graph."""

    name: str
    op: str
    attrs: MappingProxyType
    line: int | None
    inputs: tuple[str, ...]
    path: tuple[str, ...] = ()


@record
class Group:
    """A block instance or a repeat: a named group of consecutive nodes, for display and checks."""

    name: str
    label: str
    path: tuple[str, ...]
    line: int | None


@record
class BlockDef:
    name: str
    params: dict  # name → default (None: required)
    layers: YList
    output: str | None
    line: int


class _Scope:
    """One list being expanded: its name prefix, input, arguments, block path and the names
    seen so far (mutable, unlike the records)."""

    def __init__(self, prefix: str, input: str, env: dict, path: tuple[str, ...],
                 stack: tuple[str, ...], top: bool):
        self.prefix, self.input, self.env, self.path, self.stack, self.top = (
            prefix, input, env, path, stack, top)
        self.names: dict = {}
        self.pending: dict = {}
        self.counters: dict = {}


def is_identifier(name) -> bool:
    return isinstance(name, str) and name.isidentifier() and name.isascii()


class Expander:
    """Expands the top-level layer list; `nodes`, `groups` and `readers` are its result."""

    def __init__(self, file: str, blocks: dict, defaults: dict, params: dict,
                 convention=None):
        from .conventions import DEFAULT

        self.file, self.blocks, self.defaults, self.params = file, blocks, defaults, params
        self.convention = convention or DEFAULT
        self.nodes: list[Node] = []
        self.groups: list[Group] = []
        self.index: dict[str, Node] = {}
        self.readers: dict[str, int] = {}
        self.instances = 0  # block uses expanded: limited by MAX_BLOCK_USES
        self.limit = max_layers()  # read once: os.environ costs microseconds per look-up
        self._least: dict[str, int] = {}  # block name → least_layers of one use
        #: checked fields by what they depend on (`_memo_key`): equal entries share one mapping
        self._fields: dict = {}
        #: the defaults a layer gets, by its op and the names of the fields it writes
        self._filled: dict = {}

    def at(self, line) -> Location:
        return Location(self.file, line)

    # -- values ----------------------------------------------------------------------------
    def value(self, raw, env, what, line, literals=frozenset(), wanted=""):
        """Evaluate plain strings as expressions (quoted strings stay text), lists item by item."""
        if isinstance(raw, list):
            return [self.value(v, env, what, line, literals, wanted) for v in raw]
        if isinstance(raw, str) and not getattr(raw, "quoted", False) and raw not in literals:
            try:
                return evaluate(raw, env)
            except ExprError as error:
                hint = yaml11_hint(raw, wanted)
                if hint:  # a YAML 1.1 habit, not a broken expression: say that first
                    raise SpecError(f"{what}: '{raw}' is not a value here{hint}",
                                    self.at(line)) from None
                raise SpecError(f"{what}: cannot evaluate '{raw}': {error}",
                                self.at(line)) from None
        return raw

    # -- names -----------------------------------------------------------------------------
    def generated(self, base: str, scope: _Scope) -> str:
        while True:
            scope.counters[base] = scope.counters.get(base, 0) + 1
            name = f"{base}{scope.counters[base]}"
            if name not in scope.pending and name not in scope.names:
                return name

    def lookup(self, name, scope: _Scope, line, reader: str) -> str:
        if not isinstance(name, str):
            raise SpecError(f"from: layer names must be text, not {name!r}", self.at(line))
        if name == "input":
            return scope.input
        if name in scope.names:
            return scope.names[name]
        if name == reader:
            raise SpecError(f"layer '{name}' reads itself; name an earlier layer in from",
                            self.at(line))
        if name in scope.pending:
            raise SpecError(f"from: '{name}' is defined later, on line {scope.pending[name]}; a"
                            " layer can only read layers above it (layers run in the order"
                            " written, so reading a later one would make a cycle)", self.at(line))
        if scope.top and name in self.index:
            return name
        known = ["input", *scope.names]
        raise SpecError(f"from: unknown layer '{name}'{did_you_mean(name, known)}", self.at(line))

    def inputs(self, raw: YMap, scope: _Scope, previous: str, line, reader: str) -> tuple:
        spec = raw.get("from")
        if spec is None:
            return (previous,)
        names = spec if isinstance(spec, list) else [spec]
        if not names:
            raise SpecError("from: needs at least one layer name", self.at(line))
        return tuple(self.lookup(n, scope, line, reader) for n in names)

    # -- expansion -------------------------------------------------------------------------
    def expand(self, entries: YList, scope: _Scope) -> str:
        """Expand a list of entries; return the name that stands for the list's output."""
        for i, raw in enumerate(entries):
            if isinstance(raw, YMap) and isinstance(raw.get("name"), str):
                scope.pending.setdefault(raw["name"], entries.line_of(i))
        previous = scope.input
        for i, raw in enumerate(entries):
            previous = self.entry(raw, entries.line_of(i), scope, previous)
        return previous

    def entry(self, raw, line, scope: _Scope, previous: str) -> str:
        if not isinstance(raw, YMap):
            raise SpecError("each layer must be a mapping like {op: conv, out: 64, kernel: 3}",
                            self.at(line))
        if ("op" in raw) == ("block" in raw):
            raise SpecError("each entry needs exactly one of 'op' (a layer) or 'block' (a block"
                            " from blocks:)", self.at(line))
        name = raw.get("name")
        template = isinstance(name, str) and "{" in name
        if template and "repeat" not in raw:
            raise SpecError(f"a name with {{…}} ({name}) names the copies of a repeat; add"
                            " repeat: N", self.at(line))
        if name is not None and not template:
            self.check_name(name, line)
            if name in scope.names:
                raise SpecError(f"layer name '{name}' is used twice in the same list; names"
                                " must be unique", self.at(line))
        if "if" in raw:
            keep = self.value(raw["if"], scope.env, "if", raw.line_of("if"))
            if not isinstance(keep, bool):
                raise SpecError(f"if: must be true or false, not {keep!r}",
                                self.at(raw.line_of("if")))
            if not keep:  # the entry stands for its input (with several, for the last one)
                inputs = self.inputs(raw, scope, previous, line, name)
                if name is not None:
                    scope.names[name] = inputs[-1]
                    scope.pending.pop(name, None)
                return inputs[-1]
        base = raw.get("op") if "op" in raw else raw.get("block")
        if not isinstance(base, str):
            raise SpecError(f"op/block must be a name, not {base!r}", self.at(line))
        local = (name if name is not None and not template
                 else self.generated(ALIASES.get(base, base), scope))
        scope.pending.pop(local, None)
        inputs = self.inputs(raw, scope, previous, line, local)
        if "repeat" not in raw:
            out = self.instance(raw, line, scope, local, inputs, scope.env, scope.path)
        else:
            count = self.value(raw["repeat"], scope.env, "repeat", raw.line_of("repeat"))
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise SpecError(f"repeat must be a positive integer, not {count!r}"
                                f"{yaml11_hint(count)}", self.at(raw.line_of("repeat")))
            limit = self.limit
            if count > limit:
                raise SpecError(f"repeat {count:,} exceeds the limit of {limit:,} layers"
                                " (CONVCALC_MAX_LAYERS raises it)", self.at(raw.line_of("repeat")))
            least = count * self.least_layers(raw)
            if len(self.nodes) + least > limit:
                raise SpecError(f"repeat {count:,} of {base} expands to at least {least:,} layers,"
                                f" more than the limit of {limit:,} (CONVCALC_MAX_LAYERS raises"
                                " it)", self.at(raw.line_of("repeat")))
            if template:  # copies named by the template, directly in this list (no group)
                path = scope.path
            else:
                group = scope.prefix + local
                self.groups.append(Group(group, f"{base} ×{count}", scope.path, line))
                path = scope.path + (group,)
            before = len(self.nodes)
            instances_before = self.instances
            for k in range(count):
                if k == 1:  # one copy made: refuse now if all of them would pass the limits
                    projected = before + (len(self.nodes) - before) * count
                    uses = self.instances - instances_before
                    if uses and self.instances + (count - 1) * uses > MAX_BLOCK_USES:
                        raise SpecError(
                            f"repeat {count:,} of {base} would expand more than"
                            f" {MAX_BLOCK_USES:,} block uses; write a smaller repeat",
                            self.at(raw.line_of("repeat")))
                    if projected > self.limit:
                        raise SpecError(
                            f"repeat {count:,} of {base} would expand to about {projected:,}"
                            f" layers, more than the limit of {self.limit:,}"
                            " (CONVCALC_MAX_LAYERS raises it)", self.at(raw.line_of("repeat")))
                env = {**scope.env, "i": k}
                copy = self.fill(name, env, line) if template else f"{local}.{k}"
                if template and copy in scope.names:
                    raise SpecError(f"layer name '{copy}' is used twice in the same list",
                                    self.at(line))
                out = self.instance(raw, line, scope, copy, inputs, env, path)
                scope.names[copy] = out
                scope.pending.pop(copy, None)
                inputs = (out,)
        if not template:
            scope.names[local] = out
        return out

    def least_layers(self, raw) -> int:
        """A lower bound of the layers one copy of an entry yields, read from the spec without
        expanding it: a layer is 1, a block the sum over its entries that have no `if:`, each
        times its repeat when that is written as a number. Nested blocks that double at each
        level are refused by it at once, not after expanding the first copies."""
        if "op" in raw:
            return 1
        name = raw.get("block")
        definition = self.blocks.get(name) if isinstance(name, str) else None
        if definition is None:  # an error the expansion reports with its line
            return 0
        if definition.name not in self._least:
            self._least[definition.name] = 0  # a block that uses itself is refused later
            total = 0
            for entry in definition.layers:
                if isinstance(entry, YMap) and "if" not in entry:
                    repeat = entry.get("repeat", 1)
                    copies = repeat if isinstance(repeat, int) and repeat > 0 else 1
                    total += copies * self.least_layers(entry)
                    if total > self.limit:  # enough to refuse: stop before the numbers grow
                        break
            self._least[definition.name] = total
        return self._least[definition.name]

    def check_name(self, name, line) -> None:
        if (not isinstance(name, str) or len(name) > MAX_NAME or not _NAME.fullmatch(name)
                or name == "input"):
            raise SpecError(f"layer name {name!r} must be letters, digits, '_' and '-' in"
                            f" parts joined by '.', at most {MAX_NAME} long, and not 'input'",
                            self.at(line))

    def fill(self, template: str, env: dict, line) -> str:
        """'denselayer{i+1}' with i = 0 → 'denselayer1': each {…} is an expression."""
        def one(match):
            value = self.value(match.group(1), env, f"name {template}", line)
            if isinstance(value, bool) or not isinstance(value, int):
                raise SpecError(f"name {template}: {{{match.group(1)}}} must give an integer",
                                self.at(line))
            return str(value)

        name = _FIELD.sub(one, template)
        self.check_name(name, line)
        return name

    def instance(self, raw, line, scope, local, inputs, env, path) -> str:
        qualified = scope.prefix + local
        if qualified in self.index:
            raise SpecError(f"layer name '{qualified}' is used twice", self.at(line))
        if "block" in raw:
            return self.block(raw, line, scope, qualified, inputs, env, path)
        return self.layer(raw, line, scope, qualified, inputs, env, path)

    def block(self, raw, line, scope, qualified, inputs, env, path) -> str:
        name = raw["block"]
        if name not in self.blocks:
            raise SpecError(f"unknown block '{name}'{did_you_mean(name, self.blocks)}; define"
                            " it under blocks:", self.at(line))
        definition = self.blocks[name]
        if name in scope.stack:
            chain = " → ".join((*scope.stack, name))
            raise SpecError(f"block '{name}' uses itself ({chain}); blocks cannot recurse",
                            self.at(line))
        if len(scope.stack) >= MAX_BLOCK_DEPTH:
            raise SpecError(f"blocks nested deeper than {MAX_BLOCK_DEPTH}", self.at(line))
        if len(inputs) != 1:
            raise SpecError(f"block '{name}' takes one input, not {len(inputs)}", self.at(line))
        args = dict(self.params)
        for key, value in raw.items():
            if key in ENTRY_KEYS:
                continue
            at = raw.line_of(key)
            if key not in definition.params:
                raise SpecError(f"block '{name}' has no parameter '{key}'"
                                f"{did_you_mean(key, definition.params)}; it takes"
                                f" {', '.join(definition.params) or 'none'}", self.at(at))
            args[key] = self.value(value, env, f"block '{name}': {key}", at)
            if args[key] is None or isinstance(args[key], (str, dict)):
                raise SpecError(f"block '{name}': {key} must be an integer, true/false or a list"
                                " of integers", self.at(at))
        for key, default in definition.params.items():
            if key not in args or (key in self.params and key not in raw):
                if default is None:
                    raise SpecError(f"block '{name}' needs '{key}'", self.at(line))
                args[key] = default
        self.instances += 1
        if self.instances > MAX_BLOCK_USES:
            raise SpecError(f"the spec expands more than {MAX_BLOCK_USES:,} block uses; use"
                            " fewer or larger blocks", self.at(line))
        self.groups.append(Group(qualified, name, path, line))
        inner = _Scope(prefix=qualified + ".", input=inputs[0], env=args,
                       path=path + (qualified,), stack=scope.stack + (name,), top=False)
        out = self.expand(definition.layers, inner)
        if definition.output is not None:
            out = self.lookup(definition.output, inner, definition.line, "")
        return out

    def layer(self, raw, line, scope, qualified, inputs, env, path) -> str:
        op = ALIASES.get(raw["op"], raw["op"])
        if op not in REGISTRY:
            raise SpecError(f"unknown op '{op}'{did_you_mean(op, [*REGISTRY, *ALIASES])}; the"
                            f" ops are: {', '.join(REGISTRY)}", self.at(line))
        kind = REGISTRY[op]
        arity = kind.arity
        if arity == 1 and len(inputs) == 1:
            pass  # the usual case, before any message is worded
        elif arity == 1:
            raise SpecError(f"{_label(qualified, op)} takes one input, not {len(inputs)}",
                            self.at(line))
        elif arity is None and len(inputs) < 2:
            raise SpecError(f"{_label(qualified, op)} merges several inputs: give from:"
                            " [a, b, ...]", self.at(line))
        elif arity not in (1, None) and len(inputs) != arity:
            raise SpecError(f"{_label(qualified, op)} takes {arity} inputs in from:, not"
                            f" {len(inputs)}", self.at(line))
        key = _memo_key(op, raw, env)
        attrs = self._fields.get(key) if key is not None else None
        if attrs is None:
            attrs = MappingProxyType(self.fields(raw, line, op, kind, _label(qualified, op),
                                                 env))
            if key is not None:
                self._fields[key] = attrs
        if len(self.nodes) >= self.limit:
            raise SpecError(f"the spec expands to more than {self.limit:,} layers"
                            " (CONVCALC_MAX_LAYERS raises the limit)", self.at(line))
        node = Node(qualified, op, attrs, line, inputs, path)
        self.nodes.append(node)
        self.index[qualified] = node
        for name in inputs:
            self.readers[name] = self.readers.get(name, 0) + 1
        return qualified

    def fields(self, raw, line, op, kind, label, env) -> dict:
        """A layer entry's fields checked, with defaults filled in."""
        fields = kind.field_map
        attrs = {}
        for key, value in raw.items():
            if key in ENTRY_KEYS:
                continue
            field = fields.get(key)
            if field is not None and type(value) is int and field.type.takes_int(value):
                attrs[key] = value  # the usual case, accepted without wording a message
                continue
            at = raw.line_of(key)
            if field is None:
                allowed = ", ".join(fields) or "no fields"
                raise SpecError(f"{label}: unknown field '{key}'{did_you_mean(key, fields)};"
                                f" {op} takes {allowed}", self.at(at))
            ftype = field.type
            value = self.value(value, env, f"{label}: {key}", at, ftype.literals, ftype.wanted)
            attrs[key] = ftype.check(value, f"{label}: {key}", self.at(at))
        written = (op, *attrs)
        filled = self._filled.get(written)
        if filled is None:
            filled = self._filled[written] = self.filled(op, kind, attrs, label, line)
        attrs.update(filled)
        try:
            kind.validate(attrs)
        except LayerProblem as problem:
            raise SpecError(f"{label}: {problem}", self.at(line)) from None
        return attrs

    def filled(self, op: str, kind, written: dict, label: str, line) -> tuple:
        """(name, value) for each field a layer leaves out: the spec's `defaults:` where the kind
        takes them, else the convention's, else the field's own; a missing required field is an
        error. It depends only on which fields are written, so it is worked out once per set."""
        by_convention = self.convention.defaults_for(op, written)
        out = []
        for f in kind.fields:
            if f.name in written:
                continue
            if f.name in self.defaults and kind.takes_default(f.name, written):
                value, at = self.defaults[f.name]
                try:  # a default reaches the kinds whose field takes its value
                    out.append((f.name, f.type.check(value, f"defaults: {f.name}", self.at(at))))
                    continue
                except SpecError:
                    pass
            if f.name in by_convention:
                out.append((f.name, by_convention[f.name]))
                continue
            if f.required:
                raise SpecError(f"{label}: missing '{f.name}' ({f.doc})", self.at(line))
            out.append((f.name, f.default))
        return tuple(out)


#: Separates a key's fields from the parameters in scope (no YAML value is this object).
_PARAMETERS = object()


def _label(qualified: str, op: str) -> str:
    return f"layer '{qualified}' ({op})"


def _frozen(value, strings: list):
    """A hashable stand-in for a YAML value that tells apart what the checks tell apart: 1, 1.0
    and true; a plain string (an expression) and a quoted one; 0.1 written in two ways. Plain
    strings found are added to `strings`."""
    kind = type(value)
    if kind is int:
        return value
    if kind is str:
        strings.append(value)
    elif isinstance(value, list):
        return (list, tuple(_frozen(item, strings) for item in value))
    elif isinstance(value, float):
        return (kind, getattr(value, "text", repr(value)))
    return (kind, value)


def _memo_key(op: str, raw, env: dict):
    """What a layer entry's checked fields depend on: its op, its written fields and — when one
    of them holds an expression — the parameters in scope. None when that cannot be a key (a
    mapping where a value should be): such an entry is checked on its own."""
    strings: list = []
    items = [op]
    try:
        for key, value in raw.items():
            if key not in ENTRY_KEYS:
                items += (key, value if type(value) is int else _frozen(value, strings))
        if strings:  # an expression may read the parameters
            items.append(_PARAMETERS)
            for name, value in env.items():
                items += (name, _frozen(value, strings))
        key = tuple(items)
        hash(key)
    except TypeError:
        return None
    return key


def parse_blocks(raw, file: str) -> dict:
    """`blocks: {NAME: {params: {...}, layers: [...], output: NAME}}` → BlockDef per name."""
    if raw is None:
        return {}
    if not isinstance(raw, YMap):
        raise SpecError("blocks must map block names to {params, layers}", Location(file, 1))
    out = {}
    for name, body in raw.items():
        line = raw.line_of(name)
        where = Location(file, line)
        if not is_identifier(name) or name in REGISTRY or name in ALIASES:
            raise SpecError(f"block name '{name}' must be an identifier that is not a layer"
                            " kind", where)
        if not isinstance(body, YMap):
            raise SpecError(f"block '{name}' must be a mapping with params and layers", where)
        for key in body:
            if key not in ("params", "layers", "output", "doc"):
                raise SpecError(f"block '{name}': unknown key '{key}'"
                                f"{did_you_mean(key, ('params', 'layers', 'output', 'doc'))};"
                                " a block takes params, layers, output and doc",
                                Location(file, body.line_of(key)))
        params = body.get("params") or YMap()
        if not isinstance(params, YMap):
            raise SpecError(f"block '{name}': params must map names to defaults (null: required)",
                            Location(file, body.line_of("params")))
        for key, default in params.items():
            at = Location(file, params.line_of(key))
            if not is_identifier(key) or key in ("i", "input") or key in ENTRY_KEYS:
                raise SpecError(f"block '{name}': parameter name '{key}' must be an identifier"
                                " other than i, input and the entry keys", at)
            if default is not None and not isinstance(default, int):
                raise SpecError(f"block '{name}': parameter '{key}' defaults must be integers,"
                                f" true/false or null (required), not {default!r}"
                                f"{yaml11_hint(default)}", at)
        layers = body.get("layers")
        if not isinstance(layers, YList) or not layers:
            raise SpecError(f"block '{name}' needs a non-empty 'layers:' list", where)
        output = body.get("output")
        if output is not None and not isinstance(output, str):
            raise SpecError(f"block '{name}': output must name one of its layers", where)
        out[name] = BlockDef(name, dict(params), layers, output, line)
    return out
