"""The analysis: walk a spec's layers once, in order, and produce an immutable `Report`.

Each layer's kind computes its output shape, counts and local window (`layers.py`); this module
threads shapes and receptive fields from layer to layer and turns inexact windows into warnings.
The walk is linear in the number of layers.
"""

from __future__ import annotations

from .errors import ShapeError
from .layers import REGISTRY
from .receptive import at_input, through, whole
from .report import Diagnostic, LayerRow, Report
from .shapes import LayerProblem
from .spec import Spec

AXIS_NAMES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def _unseen_messages(windows) -> list[str]:
    """One message per group of axes whose windows leave input pixels unread at the end."""
    names = AXIS_NAMES.get(len(windows), tuple(f"axis {i}" for i in range(len(windows))))
    groups: dict = {}
    for name, w in zip(names, windows):
        if w.unseen:
            groups.setdefault((w.size_in, w.unseen, w.exact_size), []).append(name)
    messages = []
    for (size, unseen, exact), axes in groups.items():
        pixels = "pixel" if unseen == 1 else "pixels"
        messages.append(
            f"input {size} on {' and '.join(axes)} is not an exact fit: the output is rounded"
            f" down and the last {unseen} {pixels} {'is' if unseen == 1 else 'are'} never seen"
            f" (an input of {exact} would fit exactly)")
    return messages


def analyze(spec: Spec) -> Report:
    """Compute every layer of `spec` at its input shape."""
    shape = spec.input
    rf = at_input(len(shape.spatial))
    previous = "input"
    rows, warnings = [], []
    for layer in spec.layers:
        where = spec.where(layer.line)
        try:
            math = REGISTRY[layer.op].analyze(layer.attrs, shape)
        except LayerProblem as problem:
            raise ShapeError(f"layer '{layer.name}' ({layer.op}): {problem}", where) from None
        if math.is_global:
            rf = whole(spec.input.spatial)
        elif math.steps is not None:
            rf = through(rf, math.steps)
        for message in (*_unseen_messages(math.windows), *math.notes):
            warnings.append(Diagnostic(where, layer.name, layer.op, message))
        rows.append(LayerRow(
            name=layer.name,
            op=layer.op,
            inputs=(previous,),
            input_shape=shape,
            output_shape=math.output,
            weights=math.weights,
            biases=math.biases,
            norm=math.norm,
            buffers=math.buffers,
            macs=math.macs,
            rf=rf,
            windows=math.windows,
            attrs=layer.attrs,
            param_terms=math.param_terms,
            macs_terms=math.macs_terms,
            line=layer.line,
        ))
        shape, previous = math.output, layer.name
    return Report(spec.name, spec.file, spec.input, tuple(rows), tuple(warnings),
                  spec.description)
