"""Field types of layer kinds: each checks a YAML value, says what it accepts, and gives its schema.

A layer kind declares its fields once (`Field`); validation, the docs table of docs/spec.md and the
JSON Schema all come from these declarations.
"""

from __future__ import annotations

from fractions import Fraction

from .errors import Location, SpecError
from .records import record
from .yamlspec import yaml11_hint

#: Marks a field that has no default: the spec must give it.
REQUIRED = object()


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _fail(what: str, value, where: Location, expected: str):
    shown = f"'{value}'" if isinstance(value, str) else repr(value)
    if len(shown) > 60:
        shown = shown[:40] + f"… ({len(shown)} characters)"
    if isinstance(value, (dict, list)):
        shown = "a mapping" if isinstance(value, dict) else "a list"
    wanted = "integer" if "integer" in expected else "boolean" if "true" in expected else ""
    raise SpecError(f"{what} must be {expected}, not {shown}{yaml11_hint(value, wanted)}", where)


class FieldType:
    """What a field accepts. Subclasses implement `check`, `describe` and `schema`.

    `literals` are the strings the field takes as they are; any other plain string in a spec is
    an integer expression (see expr.py).
    """

    literals: frozenset = frozenset()
    #: What a misplaced YAML 1.1 habit should be written as instead ("integer", "boolean", "").
    wanted: str = ""

    def check(self, value, what: str, where: Location):  # pragma: no cover - interface
        raise NotImplementedError

    def takes_int(self, value: int) -> bool:
        """Does `check` accept this int as it is? A quick answer for the usual case; False sends
        the value through `check`, which accepts it or says why not."""
        return False

    def describe(self) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def schema(self) -> dict:  # pragma: no cover - interface
        raise NotImplementedError


@record
class Int(FieldType):
    """An integer with a lower bound (1 for sizes, 0 for padding-like counts)."""

    wanted = "integer"

    minimum: int = 1

    def takes_int(self, value):
        return value >= self.minimum

    def check(self, value, what, where):
        if not _is_int(value):
            _fail(what, value, where, "an integer")
        if value < self.minimum:
            bound = "positive" if self.minimum == 1 else f">= {self.minimum}"
            raise SpecError(f"{what} must be {bound}, not {value}", where)
        return value

    def describe(self):
        return "positive integer" if self.minimum == 1 else f"integer >= {self.minimum}"

    def schema(self):
        return {"type": "integer", "minimum": self.minimum}


@record
class PerAxis(FieldType):
    """An integer for every spatial axis, or a list with one integer per axis."""

    wanted = "integer"

    minimum: int = 1

    def takes_int(self, value):
        return value >= self.minimum

    def check(self, value, what, where):
        item = Int(self.minimum)
        if isinstance(value, list):
            if not value:
                raise SpecError(f"{what} must not be an empty list", where)
            return tuple(item.check(v, what, where) for v in value)
        return item.check(value, what, where)

    def describe(self):
        return f"{Int(self.minimum).describe()}, or a list: one per spatial axis"

    def schema(self):
        one = Int(self.minimum).schema()
        return {"oneOf": [one, {"type": "array", "items": one, "minItems": 1}]}


class Padding(FieldType):
    """Zero padding: int, one per axis, [before, after] per axis, 'same' (TensorFlow) or 'valid'."""

    literals = frozenset({"same", "valid", "half"})

    def takes_int(self, value):
        return value >= 0

    def check(self, value, what, where):
        if isinstance(value, str) and value in ("same", "valid", "half"):
            return value
        if _is_int(value):
            return Int(0).check(value, what, where)
        if isinstance(value, list) and value:
            if all(isinstance(v, list) for v in value):
                pairs = []
                for pair in value:
                    if len(pair) != 2:
                        raise SpecError(f"{what}: each per-side entry must be [before, after],"
                                        f" not a list of {len(pair)}", where)
                    pairs.append(tuple(Int(0).check(v, what, where) for v in pair))
                return tuple(pairs)
            return tuple(Int(0).check(v, what, where) for v in value)
        _fail(what, value, where, "an integer >= 0, a list per axis, [[before, after], ...],"
              " 'same' or 'valid'")

    def describe(self):
        return ("integer >= 0, a list (one per axis), [[before, after], ...], `same` (TensorFlow:"
                " the odd pixel at the end), `half` (⌊span/2⌋ each side, Darknet's pad=1) or"
                " `valid` (0)")

    def schema(self):
        nonneg = {"type": "integer", "minimum": 0}
        return {"oneOf": [
            nonneg,
            {"enum": ["same", "valid", "half"]},
            {"type": "array", "items": nonneg, "minItems": 1},
            {"type": "array", "minItems": 1,
             "items": {"type": "array", "items": nonneg, "minItems": 2, "maxItems": 2}},
        ]}


class Bool(FieldType):
    wanted = "boolean"

    def check(self, value, what, where):
        if not isinstance(value, bool):
            _fail(what, value, where, "true or false")
        return value

    def describe(self):
        return "true or false"

    def schema(self):
        return {"type": "boolean"}


@record
class Number(FieldType):
    """A real number, kept exact as a Fraction (dropout rates, LRN constants)."""

    minimum: float | None = None
    maximum: float | None = None

    def check(self, value, what, where):
        if not (_is_int(value) or isinstance(value, float)):
            _fail(what, value, where, "a number")
        exact = Fraction(getattr(value, "text", str(value)))
        if (self.minimum is not None and exact < Fraction(str(self.minimum))) or (
                self.maximum is not None and exact > Fraction(str(self.maximum))):
            raise SpecError(f"{what} must lie in [{self.minimum}, {self.maximum}], not {value}",
                            where)
        return exact

    def describe(self):
        if self.minimum is not None and self.maximum is not None:
            return f"number in [{self.minimum}, {self.maximum}]"
        return "number"

    def schema(self):
        out = {"type": "number"}
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        return out


class Choice(FieldType):
    """One of a fixed set of words."""

    def __init__(self, *choices: str):
        self.choices = choices
        self.literals = frozenset(choices)

    def check(self, value, what, where):
        if value not in self.choices:
            _fail(what, value, where, "one of " + ", ".join(self.choices))
        return str(value)

    def describe(self):
        return " or ".join(f"'{c}'" for c in self.choices)

    def schema(self):
        return {"enum": list(self.choices)}


@record
class Field:
    """One field of a layer kind: its name, type, default and a one-line description."""

    name: str
    type: FieldType
    default: object
    doc: str

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def default_text(self) -> str:
        if self.required:
            return "required"
        if self.default is None:
            return "—"
        if isinstance(self.default, bool):
            return str(self.default).lower()
        return str(self.default)
