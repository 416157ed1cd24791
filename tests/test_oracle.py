"""The engine's output sizes and receptive fields, checked against a brute-force oracle.

The engine computes both in closed form: ``out = ⌊(n + p_b + p_a − span)/s⌋ + 1`` (with PyTorch's
ceil-mode rule) and the receptive-field recurrence ``r' = r + (k−1)·j``, ``j' = j·s``,
``P' = P + p·j`` of Araujo, Norris & Sim (Distill 2019). The oracle below uses neither. It works
one spatial axis at a time (every layer here acts on each axis separately) and

- counts output positions by literally sliding a window along the padded input;
- finds which network-input positions a unit depends on by walking down the stack, layer by
  layer, listing the input positions each window tap reads.

The walk is done twice. In *virtual* coordinates every feature map is extended past both ends, so
a padding position is just a position < 0 or ≥ n that is read like any other: this gives the
theoretical window the Distill definitions describe (size = max − min + 1, padding = −min of
unit 0, jump = difference of the minima of units 1 and 0). In *actual* coordinates padding
positions read nothing: this gives what a unit really sees, which must lie inside that window.

Hypothesis generates small 1-D and 2-D stacks of conv, maxpool and avgpool layers, valid or not;
where the oracle finds a layer that cannot be applied, the engine must raise ShapeError naming it.
The example-based tests at the end pin the oracle itself to published and hand-derived values.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count

import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from convcalc.analysis import analyze
from convcalc.errors import ShapeError
from convcalc.spec import parse_spec
from convcalc.yamlspec import parse_yaml

# ---------------------------------------------------------------------------------------------
# The oracle: one layer on one axis, slid and walked position by position
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AxisWindow:
    """One layer's window along one axis, in the numbers the oracle needs."""

    kernel: int
    stride: int = 1
    dilation: int = 1
    pad_before: int = 0
    pad_after: int = 0
    ceil_mode: bool = False

    @property
    def span(self) -> int:
        """Input positions from the first tap to the last: d·(k−1) + 1."""
        return self.dilation * (self.kernel - 1) + 1


def output_size(window: AxisWindow, n: int) -> int | None:
    """How many windows fit along an input of `n`, counted one start position at a time.

    Start positions are measured in the padded input (0 is the first left-padding position) and go
    0, s, 2s, …. None means not even the first window fits: the engine refuses such a layer (and so
    does PyTorch in floor mode; see `test_ceil_mode_allows_one_window_overhanging_a_tiny_input`).
    """
    padded = window.pad_before + n + window.pad_after
    if window.span > padded and not window.ceil_mode:
        return None
    windows = 0
    for start in count(0, window.stride):
        if start + window.span <= padded:  # the window fits entirely
            windows += 1
            continue
        # Ceil mode: one more, overhanging window covers the positions the last full window left
        # unread, provided there are some and (PyTorch's rule) it starts inside the input or its
        # left padding rather than in the right padding.
        previous_end = start - window.stride + window.span
        if window.ceil_mode and previous_end < padded and start < window.pad_before + n:
            windows += 1
        return windows or None


def taps(window: AxisWindow, unit: int) -> range:
    """Positions of the layer's input that output `unit` reads; < 0 or ≥ n are padding."""
    first = unit * window.stride - window.pad_before
    return range(first, first + window.span, window.dilation)


def field(windows: list[AxisWindow], unit: int, sizes: list[int] | None = None) -> set[int]:
    """Network-input positions that `unit` of the last layer depends on, found by walking down.

    `windows[i]` is layer i and `sizes[i]` the size of its input. Without `sizes` the walk is in
    virtual coordinates (padding positions are read as if the maps went on forever); with them a
    padding position reads nothing, so the set is what the unit actually sees.
    """
    positions = {unit}
    for i in reversed(range(len(windows))):
        positions = {p for q in positions for p in taps(windows[i], q)
                     if sizes is None or 0 <= p < sizes[i]}
    return positions


@dataclass(frozen=True)
class OracleRF:
    """The Distill triple, read off the virtual fields of units 0 and 1."""

    size: int
    jump: int
    padding: int


def receptive_field(windows: list[AxisWindow]) -> OracleRF:
    """size = max − min + 1 and padding = −min of unit 0; jump = min(unit 1) − min(unit 0)."""
    unit0, unit1 = field(windows, 0), field(windows, 1)
    return OracleRF(size=max(unit0) - min(unit0) + 1, jump=min(unit1) - min(unit0),
                    padding=-min(unit0))


# ---------------------------------------------------------------------------------------------
# Generated stacks and their YAML
# ---------------------------------------------------------------------------------------------

OPS = ("conv", "maxpool", "avgpool")


@dataclass(frozen=True)
class Layer:
    """One generated layer: its op and one window per spatial axis."""

    op: str
    windows: tuple[AxisWindow, ...]

    def problem(self, sizes: tuple[int, ...]) -> str | None:
        """Why the engine must refuse this layer on these input sizes, or None."""
        if self.op != "conv" and any(max(w.pad_before, w.pad_after) > w.kernel // 2
                                     for w in self.windows):
            return "pooling padding above half the kernel (PyTorch refuses it)"
        if any(output_size(w, n) is None for w, n in zip(self.windows, sizes)):
            return "no window fits the padded input"
        return None


@dataclass(frozen=True)
class Stack:
    input_sizes: tuple[int, ...]
    layers: tuple[Layer, ...]

    def prefix(self, length: int) -> "Stack":
        return Stack(self.input_sizes, self.layers[:length])


def _one_or_list(values) -> str:
    """`3` when every axis agrees, else `[3, 5]`: both spellings must mean the same."""
    return str(values[0]) if len(set(values)) == 1 else f"[{', '.join(map(str, values))}]"


def _padding_yaml(windows) -> str:
    if all(w.pad_before == w.pad_after for w in windows):
        return _one_or_list([w.pad_before for w in windows])
    return "[" + ", ".join(f"[{w.pad_before}, {w.pad_after}]" for w in windows) + "]"


def layer_yaml(name: str, layer: Layer) -> str:
    """A flow mapping that leaves out every field equal to its default."""
    ws = layer.windows
    fields = {"op": layer.op, "name": name}
    if layer.op == "conv":
        fields["out"] = "2"
    kernels = [w.kernel for w in ws]
    fields["kernel"] = _one_or_list(kernels)
    strides = [w.stride for w in ws]
    default_strides = [1] * len(ws) if layer.op == "conv" else kernels
    if strides != default_strides:
        fields["stride"] = _one_or_list(strides)
    if any(w.pad_before or w.pad_after for w in ws):
        fields["padding"] = _padding_yaml(ws)
    if any(w.dilation != 1 for w in ws):
        fields["dilation"] = _one_or_list([w.dilation for w in ws])
    if ws[0].ceil_mode:
        fields["ceil_mode"] = "true"
    return "{" + ", ".join(f"{key}: {value}" for key, value in fields.items()) + "}"


def stack_yaml(stack: Stack) -> str:
    """Layers are named l1, l2, … so that an error message can be traced to its layer."""
    lines = ["name: oracle", f"input: [1, {', '.join(map(str, stack.input_sizes))}]", "layers:"]
    lines += [f"  - {layer_yaml(f'l{i}', layer)}" for i, layer in enumerate(stack.layers, 1)]
    return "\n".join(lines) + "\n"


def engine_rows(stack: Stack):
    text = stack_yaml(stack)
    return analyze(parse_spec(parse_yaml(text, "oracle.yaml"), "oracle.yaml")).rows


@st.composite
def layers(draw, axes: int) -> Layer:
    """Kernels 1–5, strides 1–4, dilations 1–3, any conv padding; pooling padding mostly within
    half the window and one time in eight one past it on one side, which the engine must refuse."""
    op = draw(st.sampled_from(OPS))
    ceil_mode = op != "conv" and draw(st.booleans())
    overpad = op != "conv" and draw(st.integers(0, 7)) == 0
    windows = []
    for axis in range(axes):
        kernel = draw(st.integers(1, 5))
        stride = draw(st.integers(1, 4))
        dilation = draw(st.integers(1, 3)) if op != "avgpool" else 1  # avgpool has no dilation
        span = dilation * (kernel - 1) + 1
        most = 3 if op == "conv" else kernel // 2  # PyTorch: pool padding ≤ kernel // 2
        before, after = draw(st.integers(0, most)), draw(st.integers(0, most))
        if overpad and axis == 0:
            before = kernel // 2 + 1
        windows.append(AxisWindow(kernel, stride, dilation, before, after, ceil_mode))
    return Layer(op, tuple(windows))


@st.composite
def stacks(draw) -> Stack:
    axes = draw(st.sampled_from([1, 2]))
    sizes = tuple(draw(st.lists(st.integers(1, 40), min_size=axes, max_size=axes)))
    return Stack(sizes, tuple(draw(st.lists(layers(axes), min_size=1, max_size=4))))


# ---------------------------------------------------------------------------------------------
# The property: engine and oracle agree layer by layer, and refuse the same layer
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OracleLayer:
    """What the oracle finds for one layer: its input sizes, then its output sizes or why the
    engine must refuse it."""

    input_sizes: tuple[int, ...]
    output_sizes: tuple[int, ...] | None
    problem: str | None


def walk(stack: Stack) -> list[OracleLayer]:
    """The oracle's sizes layer by layer, up to and including the first refused layer."""
    found, sizes = [], stack.input_sizes
    for layer in stack.layers:
        problem = layer.problem(sizes)
        if problem:
            return found + [OracleLayer(sizes, None, problem)]
        out = tuple(output_size(w, n) for w, n in zip(layer.windows, sizes))
        found.append(OracleLayer(sizes, out, None))
        sizes = out
    return found


def check_agreement(stack: Stack) -> None:
    """Every row of the engine against the oracle, for a stack the oracle accepts."""
    found = walk(stack)
    for depth, (row, oracle) in enumerate(zip(engine_rows(stack), found, strict=True), 1):
        assert row.output_shape.spatial == oracle.output_sizes, f"output size of l{depth}"
        for axis in range(len(stack.input_sizes)):
            windows = [layer.windows[axis] for layer in stack.layers[:depth]]
            sizes = [layer.input_sizes[axis] for layer in found[:depth]]
            expected = receptive_field(windows)
            rf = row.rf.axes[axis]
            assert (rf.size, rf.jump, rf.padding) == (expected.size, expected.jump,
                                                      expected.padding), f"field of l{depth}"
            # The first and last real units, not only units 0 and 1, start at i·j − P and span
            # r positions; what they actually read (padding reads nothing) lies inside that window.
            for unit in {0, oracle.output_sizes[axis] - 1}:
                start = unit * rf.jump - rf.padding
                virtual = field(windows, unit)
                assert (min(virtual), max(virtual)) == (start, start + rf.size - 1)
                assert field(windows, unit, sizes) <= virtual


@settings(max_examples=200, deadline=None)
@given(stacks())
def test_engine_agrees_with_the_brute_force_oracle(stack):
    found = walk(stack)
    refused = found[-1].problem
    event(f"refused: {refused}" if refused else "accepted")
    if not refused:
        check_agreement(stack)
        return
    with pytest.raises(ShapeError, match=f"layer 'l{len(found)}'"):
        engine_rows(stack)
    if len(found) > 1:  # the layers before the refused one still have to agree
        check_agreement(stack.prefix(len(found) - 1))


# ---------------------------------------------------------------------------------------------
# The oracle itself, pinned to published and hand-derived values
# ---------------------------------------------------------------------------------------------

CONV11_4 = AxisWindow(11, 4)
POOL3_2 = AxisWindow(3, 2)
CONV5_PAD2 = AxisWindow(5, pad_before=2, pad_after=2)
CONV3_PAD1 = AxisWindow(3, pad_before=1, pad_after=1)
POOL2_2 = AxisWindow(2, 2)


def test_oracle_reproduces_alexnet_v2_from_the_receptive_field_table():
    """google-research/receptive_field, RECEPTIVE_FIELD_TABLE.md, alexnet_v2 at 224:
    conv1 → pool1 → conv2 → (pool2) → conv3 → conv4 → conv5 → pool5."""
    stack = [CONV11_4, POOL3_2, CONV5_PAD2, POOL3_2, CONV3_PAD1, CONV3_PAD1, CONV3_PAD1, POOL3_2]
    published = {1: (11, 4, 0), 2: (19, 8, 0), 3: (51, 8, 16), 5: (99, 16, 32),
                 6: (131, 16, 48), 7: (163, 16, 64), 8: (195, 32, 64)}
    for depth, (size, jump, padding) in published.items():
        assert receptive_field(stack[:depth]) == OracleRF(size, jump, padding)


def test_oracle_reproduces_vgg_16_from_the_receptive_field_table():
    """The same table, vgg_16: conv1_1 → (conv1_2) → pool1 → conv2_1 → (conv2_2) → pool2."""
    stack = [CONV3_PAD1, CONV3_PAD1, POOL2_2, CONV3_PAD1, CONV3_PAD1, POOL2_2]
    published = {1: (3, 1, 1), 3: (6, 2, 2), 4: (10, 2, 4), 6: (16, 4, 6)}
    for depth, (size, jump, padding) in published.items():
        assert receptive_field(stack[:depth]) == OracleRF(size, jump, padding)


@pytest.mark.parametrize("window, n, expected", [
    (AxisWindow(11, 4), 224, (224 - 11) // 4 + 1),  # AlexNet's conv1: 54, 1 pixel unread
    (AxisWindow(11, 4), 227, (227 - 11) // 4 + 1),  # 55: starts 0, 4, …, 216 fit exactly
    (AxisWindow(3, 2), 7, 3),  # starts 0, 2, 4
    (AxisWindow(3, 2, ceil_mode=True), 6, 2 + 1),  # full at 0, 2; one at 4 reads the unread 5
    (AxisWindow(3, 2, ceil_mode=True), 7, 3),  # 0, 2, 4 tile 7 exactly: nothing left to cover
    (AxisWindow(3, 3, pad_before=1, pad_after=1, ceil_mode=True), 6, 2 + 1),  # 3rd at 6 of 0…7
    # Kernel 1, stride 2, ceil mode: the extra window would start at 6 (resp. 32), past the
    # input, so PyTorch drops it (pytorch/pytorch#45357, fixed by #46558; 32 → 16 in #57178).
    (AxisWindow(1, 2, ceil_mode=True), 6, 3),
    (AxisWindow(1, 2, ceil_mode=True), 32, 16),
    (AxisWindow(3, 1, dilation=2), 5, 1),  # one dilated window reads 0, 2, 4
    (AxisWindow(3, 1, dilation=2), 4, None),  # span 5 > 4
])
def test_oracle_output_size_by_hand(window, n, expected):
    assert output_size(window, n) == expected


def pytorch_output_size(window: AxisWindow, n: int) -> int:
    """PyTorch's pooling_output_shape: the closed form the oracle must not use, to compare with."""
    numerator = n + window.pad_before + window.pad_after - window.span
    if not window.ceil_mode:
        return numerator // window.stride + 1
    out = -(-numerator // window.stride) + 1
    if (out - 1) * window.stride >= n + window.pad_before:
        out -= 1
    return out


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40), st.integers(1, 6), st.integers(1, 5), st.integers(1, 3),
       st.integers(0, 4), st.integers(0, 4), st.booleans())
def test_oracle_output_size_matches_pytorchs_formula(n, kernel, stride, dilation, before, after,
                                                     ceil_mode):
    window = AxisWindow(kernel, stride, dilation, before, after, ceil_mode)
    assume(window.span <= n + before + after)  # else both refuse (see the test at the end)
    # Ceil mode exists only for pooling, whose padding PyTorch limits to half the window; beyond
    # that a window could lie wholly in the right padding and PyTorch's formula would drop it.
    assume(not ceil_mode or max(before, after) <= kernel // 2)
    assert output_size(window, n) == pytorch_output_size(window, n)


def test_oracle_field_of_dilated_convolutions_has_holes():
    """Kernel 3 dilated by 2 then by 4 (spans 5 and 9): unit 0 reads every other position of
    0 … 12, a field of size 1 + (5 − 1) + (9 − 1) = 13 that holds only 7 positions."""
    stack = [AxisWindow(3, dilation=2), AxisWindow(3, dilation=4)]
    assert field(stack, 0) == set(range(0, 13, 2))
    assert receptive_field(stack) == OracleRF(size=13, jump=1, padding=0)


def test_oracle_counts_asymmetric_padding_before_only():
    """Padding [2, 0]: unit 0's window is −2 … 0, two of them padding, so P = 2, and it
    actually sees only position 0."""
    stack = [AxisWindow(3, pad_before=2)]
    assert receptive_field(stack) == OracleRF(size=3, jump=1, padding=2)
    assert field(stack, 0, sizes=[5]) == {0}


def test_ceil_mode_allows_one_window_overhanging_a_tiny_input():
    """PyTorch's ceil mode keeps one window that overhangs an input smaller than the window,
    as long as it overhangs by less than the stride: maxpool 2/2 on 1 gives ⌈(1 − 2)/2⌉ + 1 = 1
    (checked against torch.nn.MaxPool2d(2, 2, ceil_mode=True) on a 1×1 input), while 5/2 on 1
    gives ⌈(1 − 5)/2⌉ + 1 = −1: nothing."""
    assert output_size(AxisWindow(2, 2, ceil_mode=True), 1) == 1
    assert output_size(AxisWindow(5, 2, ceil_mode=True), 1) is None
    stack = Stack((1,), (Layer("maxpool", (AxisWindow(2, 2, ceil_mode=True),)),))
    assert engine_rows(stack)[0].output_shape.spatial == (1,)
    stack = Stack((1,), (Layer("maxpool", (AxisWindow(5, 2, ceil_mode=True),)),))
    with pytest.raises(ShapeError, match="the output would be empty"):
        engine_rows(stack)