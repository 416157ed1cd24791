"""The `expected:` section of a spec: published figures, each with its source, to check against.

```yaml
expected:
  source: Krizhevsky et al. 2012, section 3      # applies to every figure below
  tolerance: 0%                                   # optional: relative, e.g. "0.5%" for rounded tables
  totals: {params: 60_965_224}
  layers:
    conv1: {weights: 34_848, output_shape: [96, 55, 55], rf: 11, source: lecture slide 12}
```

`gmacs` is compared after rounding to the decimals it is written with (``gmacs: 4.089`` matches
4,089,000,000 ± half a unit in the last place). `outputs: {NAME: {...}}` takes total figures for computing that output alone (the layers it
depends on), e.g. Inception v3's main classifier without its auxiliary head. A `source` (and a
`tolerance`) written in a group overrides the one above it. Every figure must
end up with a source: a published number without one is an error.
"""

from __future__ import annotations

import re
from fractions import Fraction

from .errors import Location, SpecError, did_you_mean
from .records import record
from .yamlspec import YMap, yaml11_hint

TOTAL_FIGURES = ("weights", "biases", "params", "buffers", "macs", "flops", "gmacs",
                 "trainable", "non_trainable", "output_shape")
LAYER_FIGURES = ("weights", "biases", "params", "buffers", "macs", "trainable", "non_trainable",
                 "output_shape", "rf")
_META = ("source", "tolerance")
#: Prefix of `Figure.layer` for a figure about what computing one output costs (its ancestors).
OUTPUT = "output:"


@record
class Rounded:
    """A figure published rounded to `decimals` places (e.g. torchvision's GFLOPS 4.089)."""

    value: Fraction
    decimals: int

    def matches(self, exact: Fraction) -> bool:
        """Does `exact`, rounded half to even to the same places, give the published value?"""
        scale = 10 ** self.decimals
        return round(exact * scale) == self.value * scale

    def rounded(self, exact: Fraction) -> str:
        """`exact` written with the same number of decimals."""
        whole, part = divmod(round(exact * 10 ** self.decimals), 10 ** self.decimals)
        return f"{whole}.{part:0{self.decimals}d}" if self.decimals else str(whole)

    def __str__(self) -> str:
        return self.rounded(self.value)


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


@record
class Figure:
    """One published number: of the totals (`layer` None) or of one layer."""

    layer: str | None
    key: str
    value: int | tuple[int, ...] | Rounded
    source: str
    tolerance: Fraction
    line: int


@record
class Expected:
    figures: tuple[Figure, ...]


def parse_tolerance(value, where: Location) -> Fraction:
    """'0.5%' or a fraction such as 0.005 → Fraction; must lie in [0, 1)."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]+(\.[0-9]+)?%", value.strip()):
        tol = Fraction(value.strip()[:-1]) / 100
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        tol = Fraction(getattr(value, "text", str(value)))
    else:
        raise SpecError(f"tolerance must be a percentage like '0.5%' or a fraction like 0.005,"
                        f" not {value!r}", where)
    if not 0 <= tol < 1:
        raise SpecError(f"tolerance must lie between 0% and 100%, not {value}", where)
    return tol


def _value(key: str, value, where: Location):
    def integer(v):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise SpecError(f"expected {key} must be a non-negative integer, not {v!r}"
                            f"{yaml11_hint(v, 'integer')}", where)
        return v

    if key == "gmacs":  # a published rounded figure: its decimals say how it was rounded
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise SpecError(f"expected gmacs must be a number like 4.089, not {value!r}", where)
        written = getattr(value, "text", str(value))
        if "e" in written.lower():
            raise SpecError(f"expected gmacs: write {written} as plain decimals, as published",
                            where)
        return Rounded(Fraction(written), _decimals(written))
    if key == "output_shape":
        if not isinstance(value, list) or not value:
            raise SpecError("expected output_shape must be a list like [96, 55, 55]", where)
        return tuple(integer(v) for v in value)
    if key == "rf" and isinstance(value, list):
        return tuple(integer(v) for v in value)
    return integer(value)


def _group(raw, allowed, layer, file, source, tolerance, line, out):
    where = Location(file, line)
    if not isinstance(raw, YMap):
        raise SpecError(f"expected figures must be a mapping like {{{allowed[0]}: 123}}", where)
    if "source" in raw:
        source = raw["source"]
        if not isinstance(source, str) or not source.strip():
            raise SpecError("source must be text naming where the figures come from",
                            Location(file, raw.line_of("source")))
    if "tolerance" in raw:
        tolerance = parse_tolerance(raw["tolerance"], Location(file, raw.line_of("tolerance")))
    for key, value in raw.items():
        if key in _META:
            continue
        at = Location(file, raw.line_of(key))
        if key not in allowed:
            raise SpecError(f"unknown expected figure '{key}'{did_you_mean(key, allowed)};"
                            f" allowed: {', '.join(allowed)}", at)
        if not source:
            raise SpecError(f"expected {key} has no source; add 'source:' naming the paper"
                            " table or documentation it comes from", at)
        out.append(Figure(layer, key, _value(key, value, at), source, tolerance, at.line))


def parse_expected(raw, where: Location, file: str, layer_names: set,
                   node_names: set | None = None) -> Expected:
    """Validate an `expected:` mapping against the spec's layer names."""
    if not isinstance(raw, YMap):
        raise SpecError("expected must be a mapping with 'source', 'totals' and/or 'layers'", where)
    sections = ("source", "tolerance", "totals", "outputs", "layers")
    for key in raw:
        if key not in sections:
            raise SpecError(f"unknown key '{key}' in expected{did_you_mean(key, sections)};"
                            f" allowed: {', '.join(sections)}", Location(file, raw.line_of(key)))
    source = raw.get("source", "")
    if not isinstance(source, str):
        raise SpecError("source must be text", Location(file, raw.line_of("source")))
    tolerance = Fraction(0)
    if "tolerance" in raw:
        tolerance = parse_tolerance(raw["tolerance"], Location(file, raw.line_of("tolerance")))
    figures: list[Figure] = []
    if "totals" in raw:
        _group(raw["totals"], TOTAL_FIGURES, None, file, source, tolerance,
               raw.line_of("totals"), figures)
    for section, allowed, kind in (("outputs", TOTAL_FIGURES, OUTPUT),
                                   ("layers", LAYER_FIGURES, "")):
        named = raw.get(section)
        if named is None:
            continue
        if not isinstance(named, YMap):
            raise SpecError(f"expected {section} must map layer names to figures",
                            Location(file, raw.line_of(section)))
        # `source:` / `tolerance:` here apply to every entry of the section
        local_source, local_tolerance = source, tolerance
        if "source" in named:
            local_source = named["source"]
        if "tolerance" in named:
            local_tolerance = parse_tolerance(named["tolerance"],
                                              Location(file, named.line_of("tolerance")))
        for name, group in named.items():
            if name in _META:
                continue
            line = named.line_of(name)
            if section == "outputs" and node_names is not None and name not in node_names:
                raise SpecError(f"expected outputs: '{name}' must be a layer (not a block)"
                                f"{did_you_mean(name, node_names)}", Location(file, line))
            if name not in layer_names:
                raise SpecError(f"expected figures for unknown layer '{name}'"
                                f"{did_you_mean(name, layer_names)}", Location(file, line))
            _group(group, allowed, kind + name, file, local_source, local_tolerance, line,
                   figures)
    if not figures:
        raise SpecError("expected lists no figures; add totals or layers", where)
    return Expected(tuple(figures))


