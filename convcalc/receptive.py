"""Receptive-field arithmetic (Araujo, Norris & Sim, "Computing Receptive Fields of Convolutional
Neural Networks", Distill 2019), one spatial axis at a time.

For every axis a unit of a feature map is described by three numbers, all relative to the
network's input:

- size ``r``: how many input positions one unit depends on;
- jump ``j`` (effective stride): how far apart in the input two neighbouring units' fields are;
- padding ``P`` (effective padding): unit ``i``'s field starts at input position ``i·j − P``.

A layer with span ``k`` (dilation folded in), stride ``s`` and padding-before ``p`` maps them by

    r' = r + (k − 1)·j        j' = j·s        P' = P + p·j

Values are `Fraction`s so that fractional jumps (transposed convolutions) stay exact. A field is
*global* once one unit reads the whole input (fully-connected layers, global pooling); its jump and
padding then mean nothing and are `None`. An *unknown* axis (`None`) follows a layer whose windows
are not uniform, such as adaptive pooling that does not divide its input.
"""

from __future__ import annotations

from fractions import Fraction

from .records import record


@record
class Step:
    """One layer's local window on one axis: span k (dilation folded in), stride s, padding p."""

    span: int
    stride: int
    pad_before: int


@record
class AxisRF:
    """Receptive field of one unit along one input axis; jump/padding are None once global."""

    size: int | Fraction
    jump: int | Fraction | None
    padding: int | Fraction | None


@record
class ReceptiveField:
    """Per input axis (None where unknown), and whether one unit sees the whole input."""

    axes: tuple[AxisRF | None, ...]
    is_global: bool = False


def at_input(axes: int) -> ReceptiveField:
    """An input pixel sees itself: r = 1, j = 1, P = 0 on every axis.

    Values stay Python ints until a fractional stride (a transposed convolution) makes them
    `Fraction`s; both are exact, and ints are much faster.
    """
    one = AxisRF(1, 1, 0)
    return ReceptiveField((one,) * axes)


def advance(axis: AxisRF | None, step: Step) -> AxisRF | None:
    """r' = r + (k−1)·j;  j' = j·s;  P' = P + p·j  (unknown stays unknown)."""
    if axis is None or axis.jump is None:
        return axis
    jump = axis.jump
    return AxisRF(axis.size + (step.span - 1) * jump, jump * step.stride,
                  axis.padding + step.pad_before * jump)


#: The steps of a layer after which no axis's field is known (reshape, RoI pooling).
UNKNOWN = "unknown"


def through(rf: ReceptiveField, steps) -> ReceptiveField:
    """Apply one layer's steps (one per axis; None on an axis means that axis becomes unknown)."""
    if rf.is_global:
        return rf
    if steps == UNKNOWN or len(steps) != len(rf.axes):
        return ReceptiveField((None,) * len(rf.axes))
    if len(steps) == 2 and steps[0] is not None and steps[1] is not None:  # images, unrolled
        return ReceptiveField((advance(rf.axes[0], steps[0]), advance(rf.axes[1], steps[1])))
    return ReceptiveField(tuple(None if s is None else advance(a, s)
                                for a, s in zip(rf.axes, steps)))


def centre(axis: AxisRF) -> Fraction:
    """Input position of the centre of unit 0's field: −P + (r − 1)/2."""
    return Fraction(axis.size - 1) / 2 - axis.padding


def doubled_centre(axis: AxisRF):
    """2 × the centre, (r − 1) − 2P: exact and whole for whole fields, so comparing centres
    needs no Fractions."""
    return axis.size - 1 - 2 * axis.padding


def union(axes: list[AxisRF]) -> AxisRF:
    """The field of a unit that reads several units with equal jump: the hull of their fields.

    Unit 0's fields start at −P_k and end at −P_k + r_k − 1; the merged field runs from the first
    start to the last end. When the fields are centred alike this is simply the largest one.
    """
    start = min(-a.padding for a in axes)
    end = max(-a.padding + a.size for a in axes)
    return AxisRF(end - start, axes[0].jump, -start)


def whole(input_sizes) -> ReceptiveField:
    """The field of a unit that reads every input position."""
    return ReceptiveField(tuple(AxisRF(n, None, None) for n in input_sizes), is_global=True)
