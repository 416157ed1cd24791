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
    # (with stride 1 the windows reach the end of the padded input: nothing is ever unseen)
    short = [k for k, w in enumerate(windows) if w.stride > 1 and w.unseen and w.stride <= w.span]
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


def _computed(math):
    """A layer's math and the warnings its windows give: what the analysis keeps per distinct
    layer."""
    return math, tuple(_unseen_messages(math.windows))


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
    # A layer's math depends only on its fields and its input shapes (the names it reads appear
    # only in errors, which end the analysis): networks repeat the same layer at the same shape
    # again and again, so it is computed once per distinct (fields, input shapes). The fields
    # are keyed by identity — the expansion gives equal layers one shared mapping (graph.py),
    # and the spec keeps it alive — the shapes by value. Results are immutable: safe to share.
    memo: dict = {}
    convention = spec.convention
    for layer in spec.layers:
        kind = REGISTRY[layer.op]
        names = layer.inputs
        notes = ()
        try:
            if kind.arity == 1:
                first = shapes[names[0]]
                inputs = (first,)
                key = (id(layer.attrs), first.channels, first.spatial)
                found = memo.get(key)
                if found is None:
                    found = memo[key] = _computed(kind.analyze(layer.attrs, first))
                rf = fields[names[0]]
            else:
                inputs = tuple(shapes[name] for name in names)
                key = (id(layer.attrs), *[(shape.channels, shape.spatial) for shape in inputs])
                found = memo.get(key)
                if found is None:
                    found = memo[key] = _computed(kind.analyze(layer.attrs, inputs, names))
                if kind.arity is None:
                    rf, warning = merge_fields(names, [fields[n] for n in names],
                                               spec.input.spatial)
                    notes = (warning,) if warning else ()
                else:
                    rf = fields[names[0]]
        except LayerProblem as problem:
            raise ShapeError(f"layer '{layer.name}' ({layer.op}): {problem}",
                             spec.where(layer.line)) from None
        math, unseen = found
        known = False  # is any axis of the field known? (worked out only where it matters)
        if math.is_global or math.rf_notes:
            known = not rf.is_global and any(a is not None for a in rf.axes)
        if math.is_global:
            # a unit reading its whole input sees the whole image — unless what it reads was
            # already of unknown extent (an fc after RoI pooling sees one region)
            rf = whole(spec.input.spatial) if known or rf.is_global else rf
        elif math.steps is not None:
            rf = through(rf, math.steps)
        if unseen or math.notes or notes or (math.rf_notes and known):
            rf_notes = math.rf_notes if known else ()
            for message in (*unseen, *math.notes, *rf_notes, *notes):
                warnings.append(Diagnostic(spec.where(layer.line), layer.name, layer.op,
                                           message))
        shapes[layer.name], fields[layer.name] = math.output, rf
        rows.append(LayerRow(layer.name, layer.op, names, inputs, math.output, math.weights,
                             math.biases, math.norm, math.buffers, math.macs * batch,
                             math.elementwise * batch, rf, math.windows, layer.attrs,
                             math.param_terms, math.macs_terms, layer.line, layer.path,
                             convention))
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
