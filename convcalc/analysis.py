"""The analysis: walk a spec's graph once, in execution order, and produce an immutable `Report`.

Each layer's kind computes its output shape, counts and local window (`layers.py`); this module
threads shapes and receptive fields along the edges, merges fields where paths meet (checking that
they share the effective stride, and warning when their centres differ), and turns inexact windows
into warnings. The walk is linear in the number of layers and edges.
"""

from __future__ import annotations

from . import text
from .errors import ShapeError
from .layers import REGISTRY
from .receptive import ReceptiveField, at_input, doubled_centre, through, union, whole
from .records import replace
from .report import Diagnostic, LayerRow, Report
from .shapes import LayerProblem
from .spec import Spec

AXIS_NAMES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def _unseen_messages(windows) -> list[str]:
    """One message per group of axes whose windows leave input pixels unread at the end."""
    # A stride longer than the window skips pixels by design (a 1×1 stride-2 projection):
    # only windows that otherwise tile the input are warned about.
    short = [k for k, w in enumerate(windows) if w.unseen and w.stride <= w.span]
    if not short:
        return []  # the usual case, decided without naming the axes
    names = AXIS_NAMES.get(len(windows), tuple(f"axis {i}" for i in range(len(windows))))
    groups: dict = {}
    for k in short:
        w = windows[k]
        groups.setdefault((w.size_in, w.unseen, w.exact_size), []).append(names[k])
    messages = []
    for (size, unseen, exact), axes in groups.items():
        pixels = "pixel" if unseen == 1 else "pixels"
        messages.append(
            f"input {size} on {' and '.join(axes)} is not an exact fit: the output is rounded"
            f" down and the last {unseen} {pixels} {'is' if unseen == 1 else 'are'} never seen"
            f" (an input of {exact} would fit exactly)")
    return messages


def _describe(name: str, rf: ReceptiveField) -> str:
    return (f"'{name}' (size {text.rf_size(rf)}, jump {text.rf_jump(rf)}, padding"
            f" {text.rf_padding(rf)})")


def merge_fields(names, fields, input_sizes) -> tuple[ReceptiveField, str | None]:
    """The field after a merge, and a warning when the paths' centres differ.

    Raises LayerProblem when two paths have different effective strides.
    """
    if any(f.is_global for f in fields):
        return whole(input_sizes), None
    axes, misaligned = [], False
    for k in range(len(fields[0].axes)):
        column = [f.axes[k] for f in fields]
        if any(a is None for a in column):
            axes.append(None)
            continue
        for name, field, a in zip(names[1:], fields[1:], column[1:]):
            if a.jump != column[0].jump:
                raise LayerProblem(
                    f"the paths have different effective strides: {_describe(names[0], fields[0])}"
                    f" and {_describe(name, field)}; their units do not line up, so a merge"
                    " would mix positions — resample one path first")
        misaligned |= len({doubled_centre(a) for a in column}) > 1
        axes.append(union(column))
    warning = None
    if misaligned:
        paths = "; ".join(_describe(n, f) for n, f in zip(names, fields))
        warning = ("the merged paths are not centred alike (their fields start at different"
                   f" offsets): {paths}; the merged field is their hull")
    return ReceptiveField(tuple(axes)), warning


def analyze(spec: Spec, batch: int = 1) -> Report:
    """Compute every layer of `spec` at its input shape; `batch` scales the per-sample work
    (macs, element-wise operations) and activations, never the parameters."""
    shapes = {"input": spec.input}
    fields = {"input": at_input(len(spec.input.spatial))}
    rows, warnings = [], list(spec.warnings)
    for layer in spec.layers:
        kind = REGISTRY[layer.op]
        inputs = tuple(shapes[name] for name in layer.inputs)
        notes = []
        try:
            if kind.arity == 1:
                math = kind.analyze(layer.attrs, inputs[0])
            else:
                math = kind.analyze(layer.attrs, inputs, layer.inputs)
            if kind.arity is None:
                rf, warning = merge_fields(layer.inputs, [fields[n] for n in layer.inputs],
                                           spec.input.spatial)
                notes += [warning] if warning else []
            else:
                rf = fields[layer.inputs[0]]
        except LayerProblem as problem:
            raise ShapeError(f"layer '{layer.name}' ({layer.op}): {problem}",
                             spec.where(layer.line)) from None
        known = not rf.is_global and any(a is not None for a in rf.axes)
        if math.is_global:
            # a unit reading its whole input sees the whole image — unless what it reads was
            # already of unknown extent (an fc after RoI pooling sees one region)
            rf = whole(spec.input.spatial) if known or rf.is_global else rf
        elif math.steps is not None:
            rf = through(rf, math.steps)
        rf_notes = math.rf_notes if known else ()
        for message in (*_unseen_messages(math.windows), *math.notes, *rf_notes, *notes):
            warnings.append(Diagnostic(spec.where(layer.line), layer.name, layer.op, message))
        shapes[layer.name], fields[layer.name] = math.output, rf
        rows.append(LayerRow(
            name=layer.name,
            op=layer.op,
            inputs=layer.inputs,
            input_shapes=inputs,
            output_shape=math.output,
            weights=math.weights,
            biases=math.biases,
            norm=math.norm,
            stats=math.buffers,
            macs=math.macs * batch,
            elementwise=math.elementwise * batch,
            rf=rf,
            windows=math.windows,
            attrs=layer.attrs,
            param_terms=math.param_terms,
            macs_terms=math.macs_terms,
            line=layer.line,
            path=layer.path,
            convention=spec.convention,
        ))
    warnings += _resized_weights(spec, rows)
    return Report(spec.name, spec.file, spec.input, tuple(rows), tuple(warnings),
                  spec.description, spec.groups, spec.outputs, spec.convention, batch)


def _resized_weights(spec: Spec, rows) -> list[Diagnostic]:
    """With --input, say which layers' weights changed with the input size (an fc reading a
    spatial map): params depend on the input only there."""
    if spec.declared_input in (None, spec.input):
        return []
    try:
        declared = {r.name: r.weights for r in analyze(replace(spec, input=spec.declared_input,
                                                               declared_input=None)).rows}
    except ShapeError:
        return []
    return [Diagnostic(spec.where(r.line), r.name, r.op,
                       f"its weights depend on the input size: {r.weights:,} at"
                       f" {spec.input}, {declared[r.name]:,} at the spec's {spec.declared_input}")
            for r in rows if r.weights != declared.get(r.name, r.weights)]
