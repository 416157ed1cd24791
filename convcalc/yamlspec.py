"""Strict YAML reading: a spec file becomes plain Python values that remember their line numbers.

PyYAML (with libyaml's C parser when present) only *composes* the node tree; converting scalars is
done here, by YAML 1.2's core rules, so that none of YAML 1.1's surprises slip through as numbers:
``yes``/``no``/``on``/``off`` stay strings, ``014`` is not octal, ``1:30`` is not base 60, ``1e3``
is not a number. Field validation later rejects such strings where an integer or boolean is
expected, with a hint (see `yaml11_hint`). Duplicate keys, tags and runaway alias expansion are
errors here.
"""

from __future__ import annotations

import re

from .errors import Location, SpecError

#: Nodes one document may hold: a guard against documents too large to be a network.
MAX_NODES = 5_000_000
#: Nodes that aliases may add by repeating anchored parts: a guard against "billion laughs".
MAX_ALIAS_NODES = 100_000
#: A plain number longer than this many characters is text: no network needs one.
MAX_LITERAL = 100
#: Nesting depth of mappings and sequences.
MAX_DEPTH = 64

_INT = re.compile(r"[-+]?(0|[1-9][0-9]*(_[0-9]+)*)")
_FLOAT = re.compile(r"[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]{1,3})?")
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}


class Quoted(str):
    """A quoted or block scalar: always text, never an expression or a number."""

    quoted = True


class Decimal(float):
    """A number written with a decimal point; `text` keeps it as written (0.0000002, not 2e-07),
    so exact values and published rounding can be read from it."""

    text: str


class YMap(dict):
    """A mapping that knows the line of the mapping itself and of each key."""

    line: int
    key_lines: dict

    def line_of(self, key) -> int:
        return self.key_lines.get(key, self.line)


class YList(list):
    """A sequence that knows its own line and the line of each item."""

    line: int
    item_lines: list

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


def yaml11_hint(value, wanted: str = "") -> str:
    """Why a string that looks like a number or boolean is not one here, and what to write.

    `wanted` ("integer", "boolean" or "") tailors the advice to what the field expects.
    """
    if not isinstance(value, str):
        return ""
    text = value.strip()
    if len(text) > MAX_LITERAL and re.fullmatch(r"[-+0-9_.eE]+", text):
        return f"; numbers longer than {MAX_LITERAL} characters are not accepted"
    if getattr(value, "quoted", False) and re.fullmatch(r"[-+]?[0-9_.]+|true|false", text):
        return "; remove the quotes to write a number or boolean"
    if text.lower() in {"yes", "no", "on", "off", "y", "n"}:
        advice = "write a number" if wanted == "integer" else "write true or false"
        return f"; YAML 1.1 would read '{text}' as a boolean, convcalc does not: {advice}"
    if re.fullmatch(r"[-+]?0[0-9]+", text):
        return (f"; a leading zero makes YAML 1.1 read '{text}' as octal, convcalc does not:"
                f" write {int(text)}")
    if re.fullmatch(r"[-+]?[0-9]+(:[0-5]?[0-9])+", text):
        return f"; YAML 1.1 reads '{text}' as a base-60 number: write the integer you mean"
    if re.fullmatch(r"[-+]?[0-9]+(\.[0-9]*)?[eE][-+]?[0-9]+", text):
        return f"; '{text}' is a string in YAML 1.1: write the integer out in full (e.g. 1_000)"
    return ""


def _scalar(node):
    return scalar_value(node.value, node.style)


def scalar_value(text: str, style):
    """A scalar's value from its text and PyYAML style (None or "" for plain, else a quote or a
    block indicator)."""
    if style:  # quoted or block scalar: always a string (plain is None or "")
        return Quoted(text)
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if len(text) > MAX_LITERAL:  # int() and Fraction() of huge literals are slow or refused:
        return text               # kept as text, so the field's check reports it
    if _INT.fullmatch(text):
        return int(text.replace("_", ""))
    if _FLOAT.fullmatch(text):
        number = Decimal(text)
        number.text = text
        return number
    return text


class _Converter:
    def __init__(self, file: str):
        import yaml

        self.file = file
        self.count = 0
        self.aliased = 0
        self.seen: set[int] = set()
        self.resolver = yaml.resolver.Resolver()
        self.implicit: dict = {}

    def where(self, node) -> Location:
        return Location(self.file, node.start_mark.line + 1)

    def explicit_tag(self, node) -> bool:
        """Was a tag written (`!foo`, `!!str`, `!!python/object`)? Compare with the implicit one."""
        import yaml

        if isinstance(node, yaml.ScalarNode):
            key = (node.value, not node.style)
            implicit = self.implicit.get(key)
            if implicit is None:  # resolving is slow and specs repeat their values: remember
                implicit = self.implicit[key] = self.resolver.resolve(
                    yaml.ScalarNode, node.value, (not node.style, bool(node.style)))
        else:
            implicit = self.resolver.resolve(type(node), None, (True, False))
        return node.tag != implicit

    def convert(self, node, depth: int = 0):
        import yaml

        self.count += 1
        if id(node) in self.seen:
            self.aliased += 1
            if self.aliased > MAX_ALIAS_NODES:
                raise SpecError(f"aliases expand the document by more than {MAX_ALIAS_NODES:,}"
                                " YAML nodes (an alias bomb?); write the spec out plainly",
                                self.where(node))
        else:
            self.seen.add(id(node))
        if self.count > MAX_NODES:
            raise SpecError(f"the document holds more than {MAX_NODES:,} YAML nodes; split it"
                            " into blocks and repeats", self.where(node))
        if depth > MAX_DEPTH:
            raise SpecError(f"nesting deeper than {MAX_DEPTH} levels; flatten the spec",
                            self.where(node))
        if self.explicit_tag(node):
            raise SpecError(f"YAML tag '{node.tag}' is not supported; remove it (a spec holds"
                            " only plain values)", self.where(node))
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node)
        if isinstance(node, yaml.SequenceNode):
            out = YList(self.convert(item, depth + 1) for item in node.value)
            out.line = node.start_mark.line + 1
            out.item_lines = [item.start_mark.line + 1 for item in node.value]
            return out
        out = YMap()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise SpecError("YAML merge keys ('<<') are not supported; write the keys out",
                                self.where(key_node))
            key = self.convert(key_node, depth + 1)
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise SpecError(f"a mapping key must be a plain name, not {key!r}",
                                self.where(key_node))
            if key in out:
                raise SpecError(f"duplicate key '{key}' (first on line {out.key_lines[key]});"
                                " remove one of them", self.where(key_node))
            out[key] = self.convert(value_node, depth + 1)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out


def _loader():
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str, file: str):
    """Parse one YAML document into YMap/YList/scalars; every failure is a `SpecError`.

    The plain YAML that specs are written in is read by `yamlfast`, many times faster; anything
    else (and every error) goes through PyYAML.
    """
    from .yamlfast import fast_parse

    doc = fast_parse(text)
    return doc if doc is not None else parse_yaml_slow(text, file)


def parse_yaml_slow(text: str, file: str):
    """`parse_yaml` by PyYAML alone: what `yamlfast.fast_parse` must agree with."""
    import yaml

    try:
        node = yaml.compose(text, Loader=_loader())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        context = ""
        if exc.context and exc.context_mark and exc.context_mark.line + 1 != line:
            context = f" ({exc.context} on line {exc.context_mark.line + 1})"
        raise SpecError(f"YAML syntax error: {problem}{context}; check the indentation and"
                        " brackets", Location(file, line)) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        line = text[: exc.position].count("\n") + 1 if isinstance(exc.position, int) else None
        char = exc.character
        shown = f"U+{char:04X}" if isinstance(char, int) else f"U+{ord(char):04X}"
        raise SpecError(f"character {shown} is not allowed in YAML; remove it",
                        Location(file, line)) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"YAML error: {exc}", Location(file)) from None
    except RecursionError:
        raise SpecError(f"nesting deeper than {MAX_DEPTH} levels; flatten the spec",
                        Location(file)) from None
    if node is None or (isinstance(node, yaml.ScalarNode) and node.value == "" and not node.style):
        # nothing at all, or only a '---' line (an empty plain scalar)
        raise SpecError("the spec is empty; it needs at least 'name', 'input' and 'layers'",
                        Location(file, 1))
    return _Converter(file).convert(node)


def read_spec_text(path) -> str:
    """Read a spec file as UTF-8, turning every OS or decoding problem into a `SpecError`."""
    from pathlib import Path

    path = Path(path)
    where = Location(str(path))
    if path.is_dir():
        raise SpecError("is a directory, not a spec file; name a .yaml file inside it", where)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SpecError("no such file; check the path, or run 'convcalc list' for the built-in"
                        " names", where) from None
    except OSError as exc:
        raise SpecError(f"cannot read the file: {exc.strerror}", where) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SpecError(f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x}); save it"
                        " as UTF-8", Location(str(path), line)) from None
