"""One layer, explained: every number of its row with the arithmetic that produced it.

`explain(report, layer)` spells out, for one layer of an analysed network, the output-size formula
with its values substituted per axis, the parameters and MACs as products, the output's size in
elements, and the receptive-field step from the layer's input(s) to its output (docs/explain.md).
It is pure and returns an immutable `Explanation`; `renderable` lays it out for the terminal and
`explanation_dict` for JSON. `formula_column` is the one-line parameter arithmetic that
`summary --explain` shows for every layer.

The results come from the report: the row's shape, counts, windows and receptive field, and the
fields of its inputs. What the report does not keep is the receptive-field step of a layer without
a window (a transposed convolution, an upsampling, adaptive pooling, a crop) and the reason a
field becomes unknown; `_kind_math` asks the layer kind for them again. The few intermediate
values a formula needs (a dilated window's span, channels per group, the terms of params under a
counting convention, adaptive windows, pyramid bins) are computed below, each in one function
whose docstring is its formula. tests/test_explain.py evaluates every substituted equation that
is printed and checks that it gives the report's number.
"""

from __future__ import annotations

import re
from fractions import Fraction

from . import text
from .analysis import AXIS_NAMES
from .errors import UsageError, did_you_mean
from .layers import REGISTRY, LayerMath
from .receptive import UNKNOWN, AxisRF, ReceptiveField, Step, at_input, centre
from .records import record
from .report import LayerRow, Report
from .shapes import Window, per_axis

# ---------------------------------------------------------------------------------------------
# The result


@record
class Section:
    """A titled group of lines, e.g. 'parameters' and its arithmetic."""

    title: str
    lines: tuple[str, ...]


@record
class Explanation:
    """One layer explained: its row, the fields it starts from, and the lines that explain it.

    `before` holds the receptive field of each input ('input' is the network's input pixel);
    `dtypes` the (name, bytes per element) pairs the output's memory was counted in, for a batch
    of `batch` samples.
    """

    row: LayerRow
    before: tuple[tuple[str, ReceptiveField], ...]
    heading: str
    sections: tuple[Section, ...]
    warnings: tuple[str, ...] = ()
    dtypes: tuple[tuple[str, int], ...] = ()
    batch: int = 1

    def section(self, title: str) -> Section:
        return next(s for s in self.sections if s.title == title)


def explain(report: Report, layer: str, *, dtypes: tuple[tuple[str, int], ...] = ()
            ) -> Explanation:
    """Explain the layer named `layer` of `report`.

    `dtypes`, e.g. (("float32", 4),), adds the output's size in bytes for each type: the hook for
    a `--dtype` option. Raises UsageError (with a suggestion) for a name that is not a layer.
    """
    row = _row(report, layer)
    batch = getattr(report, "batch", 1)  # samples per batch: scales MACs and activations
    before = tuple((name, _field_of(report, name)) for name in row.inputs)
    math = _kind_math(row)
    sections = (
        Section("output shape", tuple(_shape_lines(row))),
        Section("parameters", tuple(_param_lines(row))),
        Section("MACs", tuple(_macs_lines(row, batch))),
        Section("output size", tuple(_size_lines(row, batch, dtypes))),
        Section("receptive field", tuple(_rf_lines(report, row, before, math))),
    )
    inputs = _joined(f"{name} {text.shape(s)}" for name, s in zip(row.inputs, row.input_shapes))
    window = text.window(row)
    heading = (f"{row.name} ({row.op}{' ' + window if window else ''}): {inputs} →"
               f" {text.shape(row.output_shape)}")
    warnings = tuple(str(w) for w in report.warnings if w.layer == row.name)
    return Explanation(row, before, heading, sections, warnings, tuple(dtypes), batch)


def formula_column(row: LayerRow) -> str:
    """The parameter arithmetic in the lecture's form, '5×5×48×256 = 307,200' (k×k×(C_in/g)×C_out,
    plus '+ C_out' with biases); empty for a layer without parameters."""
    return param_arithmetic(row) if row.params else ""


def param_terms(row: LayerRow) -> tuple[tuple[int, ...], ...]:
    """The products whose sum is the row's params under its counting convention: the kind's terms
    (weights, biases, γ and β); only the weights where params are kernel entries only; plus
    BatchNorm's 2×C running statistics where they are non-trainable parameters (Keras, Caffe)."""
    terms = row.param_terms
    if row.convention.weights_only:
        terms = terms[:1] if row.weights else ()
    if row.non_trainable:
        terms += ((2, row.output_shape.channels),)
    return terms


def param_arithmetic(row: LayerRow) -> str:
    """'11×11×3×96 + 96 = 34,944': the convention's terms and their sum, the row's params."""
    return " + ".join(text.product(t) for t in param_terms(row)) + f" = {text.count(row.params)}"


def renderable(explanation: Explanation) -> list:
    """The explanation for the terminal: a bold heading, bold section titles, plain lines."""
    from .table import Line

    lines = [Line(explanation.heading, "bold")]
    for section in explanation.sections:
        lines.append(Line(f"  {section.title}", "bold"))
        lines.extend(Line(f"    {line}") for line in section.lines)
    lines.extend(Line(f"warning: {w}", "yellow") for w in explanation.warnings)
    return lines


def explanation_dict(explanation: Explanation) -> dict:
    """The explanation for --format json: the key numbers as JSON integers (a fractional field
    value as 'p/q', an unknown one as null, as in the summary's JSON), and every line as text."""
    from .writers import rf_dict

    row = explanation.row
    out = {
        "name": row.name,
        "op": row.op,
        "inputs": list(row.inputs),
        "input_shapes": [s.as_list() for s in row.input_shapes],
        "output_shape": row.output_shape.as_list(),
        "batch": explanation.batch,
        "elements": row.output_shape.numel,
        "weights": row.weights,
        "biases": row.biases,
        "params": row.params,
        "buffers": row.buffers,
        "macs": row.macs,
        "rf_before": [{"from": name, **rf_dict(rf)} for name, rf in explanation.before],
        "rf": rf_dict(row.rf),
        "heading": explanation.heading,
        "sections": [{"title": s.title, "lines": list(s.lines)} for s in explanation.sections],
        "warnings": list(explanation.warnings),
    }
    if explanation.dtypes:
        elements = row.output_shape.numel * explanation.batch
        out["bytes"] = {name: elements * size for name, size in explanation.dtypes}
    return out


# ---------------------------------------------------------------------------------------------
# Finding the layer and what the report does not keep


def _row(report: Report, layer: str) -> LayerRow:
    try:
        return report.row(layer)
    except KeyError:
        pass
    names = [r.name for r in report.rows]
    members = [r.name for r in report.rows if layer in r.path]
    if members:
        raise UsageError(f"'{layer}' is a block of {report.name}, not a layer; explain one of"
                         f" its layers, such as '{members[0]}'")
    raise UsageError(f"{report.name} has no layer '{layer}'{did_you_mean(layer, names)}")


def _field_of(report: Report, name: str) -> ReceptiveField:
    """The field of a layer's output; the network's input is one pixel: r = 1, j = 1, P = 0."""
    return at_input(len(report.input.spatial)) if name == "input" else report.row(name).rf


def _kind_math(row: LayerRow) -> LayerMath:
    """The layer kind's computation for this row, done again: the row keeps the windows of
    convolutions and pooling, but not the receptive-field steps of other layers (transposed
    convolution, upsampling, adaptive pooling, crop), nor why a field becomes unknown."""
    kind = REGISTRY[row.op]
    if kind.arity == 1:
        return kind.analyze(row.attrs, row.input_shapes[0])
    return kind.analyze(row.attrs, row.input_shapes, row.inputs)


# ---------------------------------------------------------------------------------------------
# Numbers as the arithmetic writes them


def _num(value) -> str:
    """34944 → '34944', Fraction(1, 2) → '1/2', −1 with a minus sign; None → '?'."""
    if value is None:
        return "?"
    written = str(value) if isinstance(value, int) else text.fraction(value)
    return written.replace("-", "−")


def _factor(value) -> str:
    """A number inside a product: parenthesised when negative or not whole, '(1/2)', '(−1)'."""
    written = _num(value)
    whole = isinstance(value, int) or value.denominator == 1
    return f"({written})" if value < 0 or not whole else written


def _axis_names(axes: int) -> tuple[str, ...]:
    return AXIS_NAMES.get(axes, tuple(f"axis {i + 1}" for i in range(axes)))


def _joined(names) -> str:
    """['D', 'H', 'W'] → 'D, H and W'."""
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _by_axis(names, per_axis_lines) -> list[str]:
    """Axes whose lines are identical are written once, labelled 'H and W'."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for name, lines in zip(names, per_axis_lines):
        groups.setdefault(tuple(lines), []).append(name)
    out = []
    for lines, axes in groups.items():
        if len(lines) == 1:
            out.append(f"{_joined(axes)}: {lines[0]}")
        else:
            out.append(f"{_joined(axes)}:")
            out.extend(f"  {line}" for line in lines)
    return out


def _symbols(axes: int, symbol: str = "k") -> str:
    """'k×k' for a 2-D kernel: one factor per spatial axis."""
    return "×".join([symbol] * axes)


# ---------------------------------------------------------------------------------------------
# Output shape


def _shape_lines(row: LayerRow) -> list[str]:
    op, inp, out = row.op, row.input_shapes[0], row.output_shape
    names = _axis_names(len(out.spatial))
    if row.windows:
        head = [f"channels: {out.channels}"
                + (", one per filter" if op == "conv" else " (kept: pooling works per channel)")]
        return head + _by_axis(names, [_window_lines(row, w) for w in row.windows])
    if op in ("maxpool", "avgpool"):
        if all(n == 1 for n in out.spatial):
            return [f"global: one value per channel, {text.shape(out)}"]
        return [f"adaptive: the output size is given, {text.shape(out)}; window i spans"
                " ⌊i·n/o⌋ … ⌈(i + 1)·n/o⌉ − 1 (see the receptive field)"]
    if op == "deconv":
        return [f"channels: {out.channels}, one per filter"] + _by_axis(names, [
            [_deconv_size_line(row, axis)] for axis in range(len(out.spatial))])
    if op == "upsample":
        return [f"channels: {out.channels} (kept)"] + _by_axis(names, [
            [_upsample_size_line(row, n, m, axis)]
            for axis, (n, m) in enumerate(zip(inp.spatial, out.spatial))])
    if op == "crop":
        offsets = per_axis(row.attrs["offset"], len(out.spatial), "offset")
        kept = [[f"{m}, keeping positions {o} … {o + m - 1} of {n} ({o} + {m} = {o + m} ≤ {n})"]
                for n, m, o in zip(inp.spatial, out.spatial, offsets)]
        return ([f"channels: {out.channels} (kept); the spatial size of '{row.inputs[1]}'"]
                + _by_axis(names, kept))
    if op == "concat":
        channels = " + ".join(str(s.channels) for s in row.input_shapes)
        spatial = "×".join(map(str, out.spatial))
        return [f"channels: {channels} = {out.channels} (concatenated)",
                f"spatial size: {spatial}, equal on every input"]
    if op == "add":
        return [f"every input is {text.shape(inp)}: the element-wise sum has the same shape"]
    if op == "fc":
        return [f"{_flat(inp)} input features → {out.channels} outputs"]
    if op == "flatten":
        return [f"{_flat(inp)} features"]
    if op == "reshape":
        return [f"the {_flat(inp)} elements laid out as {text.shape(out)}"
                f" ({_flat(out)})"]
    if op == "spp":
        return [_spp_line(row)]
    if op == "roipool":
        region = "×".join(map(str, per_axis(row.attrs["region"], len(inp.spatial), "region")))
        return [f"one region of {region} cells of the {text.shape(inp)} map, max-pooled to"
                f" {text.shape(out)} whatever the region's size"]
    return [f"the same as its input: {text.shape(out)}"]


def _flat(shape) -> str:
    """'256×6×6 = 9,216': the number of elements with its product (just the count for a vector)."""
    if not shape.spatial:
        return text.count(shape.channels)
    return f"{text.shape(shape)} = {text.count(shape.numel)}"


def span_line(w: Window) -> str:
    """span = d·(k − 1) + 1: the input positions from a dilated window's first tap to its last."""
    return f"span = d·(k − 1) + 1 = {w.dilation}·({w.kernel} − 1) + 1 = {w.span}"


def same_padding_lines(w: Window) -> list[str]:
    """TensorFlow's 'same': out = ⌈n/s⌉, total = max((out − 1)·s + span − n, 0), the odd pixel
    after: p_b = ⌊total/2⌋, p_a = total − p_b (docs/formulas.md §1.4)."""
    total = w.pad_before + w.pad_after
    return [
        f"padding same (TensorFlow): out = ⌈n / s⌉ = ⌈{w.size_in} / {w.stride}⌉ = {w.size_out}",
        f"padding = max((out − 1)·s + span − n, 0) = max(({w.size_out} − 1)·{w.stride} + {w.span}"
        f" − {w.size_in}, 0) = {total}",
        f"p_b = ⌊{total} / 2⌋ = {w.pad_before}, p_a = {total} − {w.pad_before} = {w.pad_after}"
        " (the odd pixel after)",
    ]


def half_padding_line(w: Window) -> str:
    """Caffe's and Darknet's 'half' padding: p = ⌊span/2⌋ on both sides."""
    return (f"padding half (Caffe, Darknet): p = ⌊span / 2⌋ = ⌊{w.span} / 2⌋ = {w.pad_before} on"
            " both sides")


def _window_lines(row: LayerRow, w: Window) -> list[str]:
    """⌊(n + p_b + p_a − span) / s⌋ + 1, or ⌈ ⌉ in ceil mode with PyTorch's correction."""
    ceil = bool(row.attrs.get("ceil_mode"))
    lines = [span_line(w)] if w.dilation != 1 else []
    if row.attrs.get("padding") == "same":
        lines += same_padding_lines(w)
    elif row.attrs.get("padding") == "half":
        lines.append(half_padding_line(w))
    low, high = ("⌈", "⌉") if ceil else ("⌊", "⌋")
    dropped = f" − {w.dropped}" if w.dropped else ""
    lines.append(f"{low}({w.size_in} + {w.pad_before} + {w.pad_after} − {w.span}) /"
                 f" {w.stride}{high} + 1{dropped} = {w.size_out}")
    lines += _rounding_lines(w, ceil)
    return lines


def _rounding_lines(w: Window, ceil: bool) -> list[str]:
    """What the rounding did: an exact fit, pixels left unread, or ceil mode's last window."""
    reach = w.size_in + w.pad_before + w.pad_after - w.span
    if ceil:
        windows = w.size_out + w.dropped
        start = (windows - 1) * w.stride
        inside = w.size_in + w.pad_before
        if w.dropped:
            return [f"ceil mode: the last of {windows} windows would start at"
                    f" ({windows} − 1)·{w.stride} = {start} ≥ n + p_b = {w.size_in} +"
                    f" {w.pad_before} = {inside}, in the right padding: PyTorch drops it"]
        if reach % w.stride == 0:
            return [f"{reach} / {w.stride} is exact: ceil and floor agree"]
        return [f"{reach} / {w.stride} is rounded up: the last window starts at"
                f" ({windows} − 1)·{w.stride} = {start} < n + p_b = {w.size_in} + {w.pad_before}"
                f" = {inside}, on real pixels, so it stays"]
    if w.remainder == 0:
        return []
    line = f"{reach} = {reach // w.stride}·{w.stride} + {w.remainder}: rounded down"
    if w.stride > w.span:
        return [line + "; the stride is longer than the window, which skips pixels by design"]
    if w.unseen:
        pixels = "pixel is" if w.unseen == 1 else "pixels are"
        return [line + f"; the last {w.unseen} {pixels} never seen (an input of {w.exact_size}"
                " would fit exactly)"]
    return [line + "; the remainder falls into the padding after the input"]


def _deconv_axis(row: LayerRow, axis: int) -> tuple[int, int, int, int, int]:
    """(k, s, d, p, output_padding) of a transposed convolution on one axis."""
    axes = len(row.output_shape.spatial)
    return tuple(per_axis(row.attrs[name], axes, name)[axis]
                 for name in ("kernel", "stride", "dilation", "padding", "output_padding"))


def _deconv_size_line(row: LayerRow, axis: int) -> str:
    k, s, d, p, extra = _deconv_axis(row, axis)
    n, out = row.input_shapes[0].spatial[axis], row.output_shape.spatial[axis]
    return (f"(n − 1)·s − 2·p + d·(k − 1) + output_padding + 1 = ({n} − 1)·{s} − 2·{p} +"
            f" {d}·({k} − 1) + {extra} + 1 = {out}")


def _upsample_size_line(row: LayerRow, n: int, m: int, axis: int) -> str:
    if row.attrs["scale"] is None:
        return f"{m} (the given size; {n} → {m})"
    scale = per_axis(row.attrs["scale"], len(row.output_shape.spatial), "scale")[axis]
    return f"n·scale = {n}·{scale} = {m}"


def spp_bins(levels, axes: int) -> tuple[int, ...]:
    """Bins of each pyramid level: l^axes (l×l in 2-D); their sum × C is the output length."""
    return tuple(level ** axes for level in levels)


def _spp_line(row: LayerRow) -> str:
    inp, axes = row.input_shapes[0], len(row.input_shapes[0].spatial)
    levels = row.attrs["levels"]
    levels = levels if isinstance(levels, tuple) else (levels,)
    bins = spp_bins(levels, axes)
    written = " + ".join(_symbols(axes, str(level)) for level in levels)
    return (f"C×({written}) = {inp.channels}×({' + '.join(map(str, bins))}) ="
            f" {inp.channels}×{sum(bins)} = {text.count(row.output_shape.channels)} features,"
            " whatever the input size")


# ---------------------------------------------------------------------------------------------
# Parameters, MACs, output size


def per_group(channels: int, groups: int) -> int:
    """Channels each group sees: C/g (a grouped convolution's filters read C_in/g channels)."""
    return channels // groups


def _param_lines(row: LayerRow) -> list[str]:
    op, convention = row.op, row.convention
    if not row.params:
        lines = [f"none: {op} layers have no weights"]
        if op == "batchnorm":
            lines = ["none: affine is false, so there are no γ and β"]
        if row.trainable != row.weights + row.biases + row.norm:
            lines = [f"none counted: the {convention.name} convention counts kernel entries only"]
    else:
        lines = [param_arithmetic(row)]
        axes = len(row.output_shape.spatial)
        biases = " + C_out" if row.biases and not convention.weights_only else ""
        if op == "conv":
            groups, c_in = row.attrs["groups"], row.input_shapes[0].channels
            reads = (f"all C_in = {c_in} channels" if groups == 1 else
                     f"C_in/g = {c_in}/{groups} = {per_group(c_in, groups)} channels (its group's)")
            lines.append(f"= {_symbols(axes)}×(C_in/g)×C_out{biases}:"
                         f" each of the {row.output_shape.channels} filters reads {reads} through"
                         f" its {'×'.join(str(w.kernel) for w in row.windows)} window")
        elif op == "deconv":
            groups, c_out = row.attrs["groups"], row.output_shape.channels
            lines.append(f"= {_symbols(axes)}×C_in×(C_out/g){biases}"
                         f" (PyTorch's weight is C_in × C_out/g × {_symbols(axes)})"
                         + ("" if groups == 1 else f", with C_out/g = {c_out}/{groups} ="
                                                   f" {per_group(c_out, groups)}"))
        elif op == "fc":
            lines.append(f"= in×out{biases.replace('C_out', 'out')}: every one of the"
                         f" {_flat(row.input_shapes[0])} inputs to every output")
        elif op == "batchnorm" and row.norm:
            lines.append(f"= 2×C: γ and β for each of the {row.output_shape.channels} channels")
        if row.non_trainable:
            lines.append(f"{'+ ' if row.trainable else '= '}2×C: the running mean and variance,"
                         f" non-trainable parameters in the {convention.name} convention")
        if op != "batchnorm":
            lines.append(f"weights {text.count(row.weights)}, biases {text.count(row.biases)}"
                         + ("" if row.biases or "bias" not in row.attrs else " (bias: false)"))
    if convention.weights_only and row.biases + row.norm:
        lines.append(f"not counted: {text.count(row.biases + row.norm)} biases and normalisation"
                     f" parameters (the {convention.name} convention counts kernel entries only)")
    if row.buffers:
        lines.append(f"buffers: {bn_buffers_arithmetic(row)}: running mean and variance, not"
                     " parameters")
    return lines


def bn_buffers_arithmetic(row: LayerRow) -> str:
    """BatchNorm's buffers = 2·C: a running mean and a running variance per channel."""
    return f"2×{row.output_shape.channels} = {text.count(row.buffers)}"


def macs_terms(row: LayerRow, batch: int) -> tuple[int, ...]:
    """The factors whose product is the row's MACs: the batch (when above 1), then the kind's."""
    return ((batch,) if batch != 1 else ()) + row.macs_terms


def _macs_lines(row: LayerRow, batch: int) -> list[str]:
    if not row.macs_terms:
        return ["none: only conv, deconv and fc layers are counted (not pooling, activations,"
                " normalisation or sums)"]
    axes = len(row.output_shape.spatial)
    shape = "×".join(("C", *_axis_names(axes)))
    legend = {
        "conv": f"= {shape} of the output × {_symbols(axes)}×(C_in/g): one window per output"
                " element",
        "deconv": f"= {'×'.join(('C', *_axis_names(len(row.input_shapes[0].spatial))))} of the"
                  f" input × (C_out/g)×{_symbols(axes)}: counted per input element",
        "fc": "= in×out: one per weight",
    }[row.op]
    if batch != 1:
        legend = legend.replace("= ", f"= batch {batch} × ", 1)
    return [f"{text.product(macs_terms(row, batch))} = {text.count(row.macs)}", legend]


def _size_lines(row: LayerRow, batch: int, dtypes) -> list[str]:
    """The output's size in elements (per sample, then for the batch), and in bytes for each
    (dtype name, bytes per element) given: elements × batch × bytes."""
    out = row.output_shape
    symbols = "×".join(("C", *_axis_names(len(out.spatial))))
    per_sample = " per sample" if batch != 1 else ""
    if out.spatial:
        lines = [f"{symbols} = {text.shape(out)} = {text.count(out.numel)} elements{per_sample}"]
    else:
        lines = [f"{text.count(out.numel)} elements{per_sample}"]
    elements = out.numel * batch
    if batch != 1:
        lines.append(f"batch of {batch}: {batch}×{text.count(out.numel)} = {text.count(elements)}"
                     " elements")
    for name, size in dtypes:
        lines.append(f"{name} ({size} bytes each): {text.count(elements)}×{size} ="
                     f" {text.count(elements * size)} bytes")
    return lines


# ---------------------------------------------------------------------------------------------
# Receptive field


def _per_axis(values) -> str:
    """One value if every axis agrees, else them all joined by '×' (as the summary shows them)."""
    texts = [_num(v) for v in values]
    return texts[0] if len(set(texts)) == 1 else "×".join(texts)


def _field_text(rf: ReceptiveField) -> str:
    if rf.is_global:
        return f"global: the whole input, {'×'.join(_num(a.size) for a in rf.axes)}"
    if all(a is None for a in rf.axes):
        return "unknown"
    axes = [a or AxisRF(None, None, None) for a in rf.axes]
    return (f"size {_per_axis(a.size for a in axes)}, jump {_per_axis(a.jump for a in axes)},"
            f" padding {_per_axis(a.padding for a in axes)}")


def _before_line(name: str, rf: ReceptiveField) -> str:
    if name == "input":
        return f"before: an input pixel, {_field_text(rf)}"
    return f"before: '{name}', {_field_text(rf)}"


def _since(report: Report, name: str, holds) -> str:
    """The first layer on the way to `name` from which `holds(field)` is true (walking back
    through inputs whose field it holds for)."""
    while True:
        earlier = [i for i in report.row(name).inputs if i != "input"
                   and holds(report.row(i).rf)]
        if not earlier:
            return name
        name = earlier[0]


def _unknown_reason(report: Report, name: str) -> str:
    """Why the field of layer `name` became unknown, in the words of its layer kind."""
    row = report.row(name)
    if row.op == "spp":
        return "each feature pools one bin of its level, and bins differ in size and place"
    notes = _kind_math(row).rf_notes
    if notes:
        return re.sub(r", so (the receptive field|it) is unknown from here on$", "", notes[0])
    return "no single window (k, s, p) describes which inputs it reads"


def _rf_lines(report: Report, row: LayerRow, before, math: LayerMath) -> list[str]:
    kind = REGISTRY[row.op]
    if kind.arity == 2:  # a crop: the second input gives only the size
        lines = [_before_line(*before[0]),
                 f"('{before[1][0]}' gives only the size: its field does not enter)"]
    else:
        lines = [_before_line(name, rf) for name, rf in before]
    if kind.arity is None:
        lines += _merge_lines(report, row, before)
    else:
        lines += _single_input_lines(report, row, before[0], math)
    lines.append(f"after: {_field_text(row.rf)}")
    return lines


def _single_input_lines(report, row, before, math) -> list[str]:
    name, rf = before
    known = not rf.is_global and any(a is not None for a in rf.axes)
    if rf.is_global:
        origin = _since(report, name, lambda f: f.is_global)
        return [f"'{origin}' already reads the whole input; so does every layer after it"]
    if math.is_global:
        what = {"fc": "every output reads every input feature",
                "spp": "its 1×1 level pools the whole map",
                }.get(row.op, "it pools each channel to one value")
        if not known:
            origin = _since(report, name, lambda f: all(a is None for a in f.axes))
            return [f"reads the whole input ({what}), but that input's field is unknown since"
                    f" '{origin}' ({_unknown_reason(report, origin)}): after it one unit sees"
                    " one region, not the whole image, so the field stays unknown"]
        return [f"reads the whole input: {what}, so one unit depends on every input position"]
    if not known:
        origin = _since(report, name, lambda f: all(a is None for a in f.axes))
        return [f"unknown since '{origin}' ({_unknown_reason(report, origin)}): it stays"
                " unknown"]
    if math.steps is None:
        if row.op in ("flatten", "reshape"):
            return ["each feature is one unit of the input and keeps its field: r, j, P"
                    " unchanged"]
        return ["each output reads only the input unit at its position: r, j, P unchanged"]
    if math.steps == UNKNOWN:
        return [f"unknown from here on: {_unknown_reason(report, row.name)}"]
    names = _axis_names(len(rf.axes))
    per_axis_lines = []
    for axis, (a, step, after) in enumerate(zip(rf.axes, math.steps, row.rf.axes)):
        if a is None:
            origin = _since(report, name, lambda f, k=axis: f.axes[k] is None)
            per_axis_lines.append([f"unknown since '{origin}': it stays unknown"])
        elif step is None:
            per_axis_lines.append([f"unknown from here on: {_unknown_reason(report, row.name)}"])
        else:
            per_axis_lines.append(_step_lines(row, axis, a, step, after))
    return _by_axis(names, per_axis_lines)


def _step_lines(row: LayerRow, axis: int, a: AxisRF, step: Step, after: AxisRF) -> list[str]:
    """The reads that define the layer's step on one axis, then the recurrence with values."""
    if row.windows:
        w = row.windows[axis]
        if w.dilation == 1:
            return _recurrence(a, step, after)
        return [span_line(w)] + _recurrence(a, step, after, kernel="span")
    if row.op == "deconv":
        return _deconv_reads(row, axis, step) + _recurrence(a, step, after, upsampling="s")
    if row.op == "upsample":
        return _upsample_reads(row, axis, step) + _recurrence(a, step, after, upsampling="f")
    if row.op == "crop":
        offset = -step.pad_before
        return [f"keeps the input's units from {offset} on: unit o is input unit o + {offset}",
                f"r' = r = {_num(after.size)}",
                f"j' = j = {_num(after.jump)}",
                f"P' = P − offset·j = {_num(a.padding)} − {offset}·{_factor(a.jump)} ="
                f" {_num(after.padding)}"]
    if row.op in ("maxpool", "avgpool"):
        return _adaptive_reads(row, axis, step) + _recurrence(a, step, after)
    return _recurrence(a, step, after)  # pragma: no cover - every kind with steps is above


def _recurrence(a: AxisRF, step: Step, after: AxisRF, upsampling: str = "",
                kernel: str = "k") -> list[str]:
    """r' = r + (k − 1)·j,  j' = j·s,  P' = P + p·j, with the values substituted. A layer that
    upsamples by s (`upsampling` names s) has stride 1/s and reads m inputs from i_first on."""
    k, p = step.span, step.pad_before
    if upsampling:
        factor = 1 / Fraction(step.stride)
        return [f"r' = r + (m − 1)·j = {_num(a.size)} + ({k} − 1)·{_factor(a.jump)} ="
                f" {_num(after.size)}",
                f"j' = j / {upsampling} = {_num(a.jump)} / {_factor(factor)} = {_num(after.jump)}",
                f"P' = P − i_first·j = {_num(a.padding)} − {_factor(-p)}·{_factor(a.jump)} ="
                f" {_num(after.padding)}"]
    return [f"r' = r + ({kernel} − 1)·j = {_num(a.size)} + ({k} − 1)·{_factor(a.jump)} ="
            f" {_num(after.size)}",
            f"j' = j·s = {_factor(a.jump)}·{_factor(step.stride)} = {_num(after.jump)}",
            f"P' = P + p·j = {_num(a.padding)} + {_factor(p)}·{_factor(a.jump)} ="
            f" {_num(after.padding)}"]


def _deconv_reads(row: LayerRow, axis: int, step: Step) -> list[str]:
    k, s, d, p, _ = _deconv_axis(row, axis)
    m, first = step.span, -step.pad_before
    lines = [f"output o reads input i through tap t when o + p − i·s = t·d (t = 0 … k − 1);"
             f" the pattern repeats every s = {s} outputs"]
    if d == 1:
        lines += [f"widest set of inputs one output reads: m = ⌈k / s⌉ = ⌈{k} / {s}⌉ = {m}",
                  f"output 0 reads from input i_first = ⌈(p − k + 1) / s⌉ = ⌈({p} − {k} + 1) /"
                  f" {s}⌉ = {_num(first)}"]
    else:
        lines += [f"widest set of inputs one output reads (outputs 0 … {s - 1} enumerated, as"
                  f" dilation {d} leaves gaps): m = {m}",
                  f"output 0 reads from input i_first = {_num(first)}"]
    return lines


def _upsample_reads(row: LayerRow, axis: int, step: Step) -> list[str]:
    n, m = row.input_shapes[0].spatial[axis], row.output_shape.spatial[axis]
    factor = f"f = {m} / {n} = {_num(Fraction(m, n))}"
    if row.attrs["mode"] == "nearest":
        return [f"nearest, {factor}: output o copies input ⌊o / f⌋, one input (m = 1), and"
                " output 0 reads input 0 (i_first = 0)"]
    return [f"bilinear, {factor}: output o mixes inputs ⌊x⌋ and ⌊x⌋ + 1 at x = (o + ½)/f − ½, two"
            " inputs (m = 2), and output 0 reads inputs −1 and 0 (i_first = −1)"]


def adaptive_starts(n: int, o: int, count: int) -> list[int]:
    """Where PyTorch's first `count` adaptive windows start: window i covers ⌊i·n/o⌋ …
    ⌈(i + 1)·n/o⌉ − 1."""
    return [i * n // o for i in range(min(count, o))]


def _adaptive_reads(row: LayerRow, axis: int, step: Step) -> list[str]:
    n, o = row.input_shapes[0].spatial[axis], row.output_shape.spatial[axis]
    shown = ", ".join(map(str, adaptive_starts(n, o, 8))) + (", …" if o > 8 else "")
    return [f"adaptive {n} → {o}: window i covers ⌊i·n/o⌋ … ⌈(i + 1)·n/o⌉ − 1, starting at"
            f" {shown}, all {step.span} wide and {step.stride} apart: a window k = {step.span},"
            f" s = {step.stride}, p = 0"]


def _merge_lines(report: Report, row: LayerRow, before) -> list[str]:
    """The hull of the paths' fields, after checking that their jumps agree and whether their
    centres do (docs/formulas.md §4.4)."""
    if any(rf.is_global for _, rf in before):
        origin = next(name for name, rf in before if rf.is_global)
        return [f"'{origin}' already reads the whole input; so does the merge"]
    names = _axis_names(len(row.rf.axes))
    per_axis_lines = []
    for axis, after in enumerate(row.rf.axes):
        column = [(name, rf.axes[axis]) for name, rf in before]
        missing = [name for name, a in column if a is None]
        if missing:
            per_axis_lines.append([f"unknown on the path through '{missing[0]}': the merge's"
                                   " field is unknown too"])
            continue
        per_axis_lines.append(_hull_lines(column, after))
    return _by_axis(names, per_axis_lines)


def _hull_lines(column, after: AxisRF) -> list[str]:
    jump = column[0][1].jump
    lines = [f"jump {_num(jump)} on every path (a merge needs equal jumps, or its units would"
             " not line up)",
             "centre of unit 0, (r − 1)/2 − P:"]
    lines += [f"  '{name}': ({_num(a.size)} − 1)/2 − {_factor(a.padding)} = {_num(centre(a))}"
              for name, a in column]
    if len({centre(a) for _, a in column}) == 1:
        lines.append("centred alike: the fields are nested, and the hull is the largest one")
    else:
        lines.append("not centred alike: the hull covers every path's field (see the warning)")
    paddings = ", ".join(_num(a.padding) for _, a in column)
    ends = ", ".join(f"{_num(a.size)} − {_factor(a.padding)}" for _, a in column)
    lines += [f"P' = max P = max({paddings}) = {_num(after.padding)}",
              f"r' = max(r − P) + P' = max({ends}) + {_factor(after.padding)} = {_num(after.size)}",
              f"j' = j = {_num(after.jump)}"]
    return lines
