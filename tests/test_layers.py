"""Every layer kind, one small spec at a time: output shape, counts, padding rules, receptive field.

Each expected value is written as the arithmetic that produces it, from first principles:

- output size per axis: ⌊(n + p_before + p_after − span) / s⌋ + 1, where span = d·(k − 1) + 1;
- conv weights: k_1·…·k_n · (C_in / groups) · C_out; biases: C_out;
- conv MACs: one window per output element, C_out·H_out·W_out · k·k · C_in/groups;
- fc weights and MACs: in · out; batchnorm: γ, β (params) and running mean, variance (buffers);
- every other layer: no parameters, no MACs.

Layers are driven through the real loader: a spec is written as YAML text, parsed and analysed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from convcalc.analysis import analyze
from convcalc.errors import ShapeError
from convcalc.spec import parse_spec
from convcalc.yamlspec import parse_yaml


def analyze_layers(input_shape: list[int], *layers: str):
    """Analyse a spec with this input and these layers (YAML flow mappings), one per line from 4."""
    text = (f"name: t\ninput: {input_shape}\nlayers:\n"
            + "".join(f"  - {layer}\n" for layer in layers))
    return analyze(parse_spec(parse_yaml(text, "f.yaml"), "f.yaml"))


def only_row(input_shape: list[int], layer: str):
    """The row of `layer` applied to `input_shape`.

    A spec's input always has a spatial axis, so a flat input ``[F]`` is made by flattening an
    ``[F, 1]`` map first.
    """
    if len(input_shape) == 1:
        return analyze_layers([*input_shape, 1], "{op: flatten}", layer).rows[-1]
    [row] = analyze_layers(input_shape, layer).rows
    return row


# ---------------------------------------------------------------------------------------------
# Output shape and counts of one layer
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """What one layer produces and counts; compared as a whole so a failure shows every field."""

    output: list[int]
    weights: int = 0
    biases: int = 0
    params: int = 0
    buffers: int = 0
    macs: int = 0

    @classmethod
    def of(cls, row) -> "Counts":
        return cls(row.output_shape.as_list(), row.weights, row.biases, row.params, row.buffers,
                   row.macs)


def case(id: str, input_shape: list[int], layer: str, **expected):
    return pytest.param(input_shape, layer, Counts(**expected), id=id)


CONV = [
    case("alexnet conv1", [3, 227, 227], "{op: conv, out: 96, kernel: 11, stride: 4}",
         output=[96, (227 - 11) // 4 + 1, (227 - 11) // 4 + 1],
         weights=11 * 11 * 3 * 96, biases=96, params=11 * 11 * 3 * 96 + 96,
         macs=(96 * 55 * 55) * (11 * 11 * 3)),
    case("3x3 padding 1 keeps the size", [128, 56, 56],
         "{op: conv, out: 128, kernel: 3, padding: 1, bias: false}",
         output=[128, 56 + 1 + 1 - 3 + 1, 56 + 1 + 1 - 3 + 1],
         weights=3 * 3 * 128 * 128, params=3 * 3 * 128 * 128,
         macs=(128 * 56 * 56) * (3 * 3 * 128)),
    case("1x1", [256, 14, 14], "{op: conv, out: 64, kernel: 1}",
         output=[64, 14, 14], weights=1 * 1 * 256 * 64, biases=64, params=256 * 64 + 64,
         macs=(64 * 14 * 14) * 256),
    case("grouped, alexnet conv2", [96, 27, 27],
         "{op: conv, out: 256, kernel: 5, padding: 2, groups: 2}",
         output=[256, 27 + 2 + 2 - 5 + 1, 27 + 2 + 2 - 5 + 1],
         weights=5 * 5 * (96 // 2) * 256, biases=256, params=5 * 5 * 48 * 256 + 256,
         macs=(256 * 27 * 27) * (5 * 5 * 48)),
    case("depthwise", [32, 14, 14],
         "{op: conv, out: 32, kernel: 3, padding: 1, groups: 32, bias: false}",
         output=[32, 14, 14], weights=3 * 3 * 1 * 32, params=3 * 3 * 32,
         macs=(32 * 14 * 14) * (3 * 3 * 1)),
    case("dilated: span 2*(3-1)+1 = 5, no extra weights", [16, 32, 32],
         "{op: conv, out: 8, kernel: 3, dilation: 2, bias: false}",
         output=[8, 32 - 5 + 1, 32 - 5 + 1], weights=3 * 3 * 16 * 8, params=3 * 3 * 16 * 8,
         macs=(8 * 28 * 28) * (3 * 3 * 16)),
    case("asymmetric padding [[before, after], ...]", [3, 8, 8],
         "{op: conv, out: 4, kernel: 3, padding: [[0, 1], [2, 0]]}",
         output=[4, 8 + 0 + 1 - 3 + 1, 8 + 2 + 0 - 3 + 1],
         weights=3 * 3 * 3 * 4, biases=4, params=3 * 3 * 3 * 4 + 4,
         macs=(4 * 7 * 8) * (3 * 3 * 3)),
    case("padding per axis", [3, 8, 8], "{op: conv, out: 4, kernel: 3, padding: [0, 1]}",
         output=[4, 8 - 3 + 1, 8 + 2 - 3 + 1], weights=3 * 3 * 3 * 4, biases=4,
         params=3 * 3 * 3 * 4 + 4, macs=(4 * 6 * 8) * (3 * 3 * 3)),
    case("'same' with stride 2: ceil(224/2)", [3, 224, 224],
         "{op: conv, out: 8, kernel: 3, stride: 2, padding: same}",
         output=[8, -(-224 // 2), -(-224 // 2)], weights=3 * 3 * 3 * 8, biases=8,
         params=3 * 3 * 3 * 8 + 8, macs=(8 * 112 * 112) * (3 * 3 * 3)),
    case("'same' with stride 1 keeps the size", [3, 10, 10],
         "{op: conv, out: 2, kernel: 5, padding: same, bias: false}",
         output=[2, 10, 10], weights=5 * 5 * 3 * 2, params=5 * 5 * 3 * 2,
         macs=(2 * 10 * 10) * (5 * 5 * 3)),
    case("'valid' is no padding", [3, 10, 10],
         "{op: conv, out: 2, kernel: 3, padding: valid, bias: false}",
         output=[2, 10 - 3 + 1, 10 - 3 + 1], weights=3 * 3 * 3 * 2, params=3 * 3 * 3 * 2,
         macs=(2 * 8 * 8) * (3 * 3 * 3)),
    case("rectangular kernel and stride", [3, 10, 12],
         "{op: conv, out: 2, kernel: [1, 3], stride: [1, 2], bias: false}",
         output=[2, 10 - 1 + 1, (12 - 3) // 2 + 1], weights=1 * 3 * 3 * 2, params=1 * 3 * 3 * 2,
         macs=(2 * 10 * 5) * (1 * 3 * 3)),
    case("1-D", [4, 100], "{op: conv, out: 8, kernel: 5, stride: 2, padding: 2}",
         output=[8, (100 + 2 + 2 - 5) // 2 + 1], weights=5 * 4 * 8, biases=8,
         params=5 * 4 * 8 + 8, macs=(8 * 50) * (5 * 4)),
    case("1-D dilated and grouped", [4, 10], "{op: conv, out: 6, kernel: 3, dilation: 2, groups: 2}",
         output=[6, 10 - (2 * (3 - 1) + 1) + 1], weights=3 * (4 // 2) * 6, biases=6,
         params=3 * 2 * 6 + 6, macs=(6 * 6) * (3 * 2)),
    case("3-D", [3, 16, 112, 112], "{op: conv, out: 64, kernel: 3, padding: 1}",
         output=[64, 16, 112, 112], weights=3 * 3 * 3 * 3 * 64, biases=64,
         params=3 * 3 * 3 * 3 * 64 + 64, macs=(64 * 16 * 112 * 112) * (3 * 3 * 3 * 3)),
    case("3-D, kernel and stride per axis", [64, 16, 56, 56],
         "{op: conv, out: 64, kernel: [3, 1, 1], stride: [2, 1, 1], bias: false}",
         output=[64, (16 - 3) // 2 + 1, 56, 56], weights=3 * 1 * 1 * 64 * 64,
         params=3 * 64 * 64, macs=(64 * 7 * 56 * 56) * (3 * 1 * 1 * 64)),
]

POOL = [
    case("maxpool, alexnet pool1", [96, 55, 55], "{op: maxpool, kernel: 3, stride: 2}",
         output=[96, (55 - 3) // 2 + 1, (55 - 3) // 2 + 1]),
    case("maxpool stride defaults to the kernel", [64, 224, 224], "{op: maxpool, kernel: 2}",
         output=[64, (224 - 2) // 2 + 1, (224 - 2) // 2 + 1]),
    case("maxpool padded, resnet stem", [64, 112, 112],
         "{op: maxpool, kernel: 3, stride: 2, padding: 1}",
         output=[64, (112 + 1 + 1 - 3) // 2 + 1, (112 + 1 + 1 - 3) // 2 + 1]),
    case("maxpool ceil_mode, googlenet: ceil(109/2)+1", [64, 112, 112],
         "{op: maxpool, kernel: 3, stride: 2, ceil_mode: true}",
         output=[64, -(-(112 - 3) // 2) + 1, -(-(112 - 3) // 2) + 1]),
    case("maxpool ceil_mode: a window may not start in the right padding", [3, 5, 5],
         "{op: maxpool, kernel: 2, stride: 2, padding: 1, ceil_mode: true}",
         output=[3, 3, 3]),
    case("maxpool dilated: span 5, stride 3", [1, 10], "{op: maxpool, kernel: 3, dilation: 2}",
         output=[1, (10 - (2 * (3 - 1) + 1)) // 3 + 1]),
    case("maxpool 1-D", [4, 9], "{op: maxpool, kernel: 3}", output=[4, (9 - 3) // 3 + 1]),
    case("maxpool 3-D", [64, 16, 56, 56], "{op: maxpool, kernel: [1, 2, 2]}",
         output=[64, 16, 56 // 2, 56 // 2]),
    case("avgpool", [8, 4, 4], "{op: avgpool, kernel: 2}", output=[8, 2, 2]),
    case("avgpool 'same': ceil(7/2)", [8, 7, 7], "{op: avgpool, kernel: 3, stride: 2, padding: same}",
         output=[8, -(-7 // 2), -(-7 // 2)]),
    case("avgpool adaptive", [256, 13, 13], "{op: avgpool, output: 6}", output=[256, 6, 6]),
    case("maxpool adaptive per axis", [8, 8, 8], "{op: maxpool, output: [3, 4]}",
         output=[8, 3, 4]),
    case("avgpool global", [512, 7, 7], "{op: avgpool, global: true}", output=[512, 1, 1]),
    case("maxpool global 1-D", [16, 50], "{op: maxpool, global: true}", output=[16, 1]),
    case("avgpool global 3-D", [512, 2, 7, 7], "{op: avgpool, global: true}",
         output=[512, 1, 1, 1]),
]

FLATTEN_FC_NORM = [
    case("flatten", [256, 6, 6], "{op: flatten}", output=[256 * 6 * 6]),
    case("flatten 1-D", [16, 50], "{op: flatten}", output=[16 * 50]),
    case("fc", [4096], "{op: fc, out: 1000}", output=[1000], weights=4096 * 1000, biases=1000,
         params=4096 * 1000 + 1000, macs=4096 * 1000),
    case("linear is fc", [4096], "{op: linear, out: 1000}", output=[1000],
         weights=4096 * 1000, biases=1000, params=4096 * 1000 + 1000, macs=4096 * 1000),
    case("fc reads a feature map as its flattened vector", [256, 6, 6], "{op: fc, out: 4096}",
         output=[4096], weights=6 * 6 * 256 * 4096, biases=4096,
         params=6 * 6 * 256 * 4096 + 4096, macs=6 * 6 * 256 * 4096),
    case("fc without bias", [512], "{op: fc, out: 10, bias: false}", output=[10],
         weights=512 * 10, params=512 * 10, macs=512 * 10),
    case("batchnorm: gamma, beta; running mean, variance", [64, 56, 56], "{op: batchnorm}",
         output=[64, 56, 56], params=2 * 64, buffers=2 * 64),
    case("batchnorm without affine", [64, 56, 56], "{op: batchnorm, affine: false}",
         output=[64, 56, 56], buffers=2 * 64),
    case("batchnorm without running stats", [64, 56, 56],
         "{op: batchnorm, running_stats: false}", output=[64, 56, 56], params=2 * 64),
    case("batchnorm on features", [4096], "{op: batchnorm}", output=[4096], params=2 * 4096,
         buffers=2 * 4096),
]


@pytest.mark.parametrize("input_shape, layer, expected", CONV + POOL + FLATTEN_FC_NORM)
def test_one_layer(input_shape, layer, expected):
    assert Counts.of(only_row(input_shape, layer)) == expected


@pytest.mark.parametrize("layer", [
    "{op: lrn}", "{op: lrn, size: 5, alpha: 0.0001, beta: 0.75, k: 2}", "{op: relu}",
    "{op: dropout}", "{op: dropout, p: 0.3}", "{op: softmax}", "{op: relu6}", "{op: leaky_relu}",
    "{op: leaky_relu, slope: 0.2}", "{op: elu}", "{op: gelu}", "{op: sigmoid}", "{op: tanh}",
    "{op: silu}", "{op: hardswish}", "{op: hardsigmoid}",
])
@pytest.mark.parametrize("input_shape", [[96, 55, 55], [4096], [8, 20], [8, 4, 10, 10]],
                         ids=["2-D", "features", "1-D", "3-D"])
def test_parameter_free_layers_keep_the_shape(input_shape, layer):
    assert Counts.of(only_row(input_shape, layer)) == Counts(output=input_shape)


def test_a_layers_counts_do_not_depend_on_the_layers_around_it():
    report = analyze_layers([3, 227, 227], "{op: conv, out: 96, kernel: 11, stride: 4}",
                            "{op: relu}", "{op: maxpool, kernel: 3, stride: 2}",
                            "{op: conv, out: 256, kernel: 5, padding: 2, groups: 2}")
    conv2 = report.rows[-1]  # reads pool1's 96×27×27
    assert (conv2.weights, conv2.macs) == (5 * 5 * 48 * 256, (256 * 27 * 27) * (5 * 5 * 48))


# ---------------------------------------------------------------------------------------------
# TensorFlow's 'same' padding: out = ⌈n/s⌉, total = max((out−1)·s + span − n, 0), odd pixel after
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size, kernel, stride, dilation, pads", [
    (224, 3, 2, 1, (0, 1)),  # total (112−1)·2 + 3 − 224 = 1: the odd pixel goes at the end
    (224, 7, 2, 1, (2, 3)),  # total 111·2 + 7 − 224 = 5
    (225, 3, 2, 1, (1, 1)),  # out ⌈225/2⌉ = 113, total 112·2 + 3 − 225 = 2
    (224, 4, 1, 1, (1, 2)),  # total 223 + 4 − 224 = 3
    (10, 5, 1, 1, (2, 2)),   # total 9 + 5 − 10 = 4
    (10, 3, 1, 2, (2, 2)),   # dilated span 2·(3−1) + 1 = 5, total 4
    (7, 3, 3, 1, (1, 1)),    # out ⌈7/3⌉ = 3, total 2·3 + 3 − 7 = 2
    (5, 1, 2, 1, (0, 0)),    # out 3, total 2·2 + 1 − 5 = 0
    (6, 1, 4, 1, (0, 0)),    # out 2, total 4 + 1 − 6 < 0, so 0
])
def test_same_padding_puts_the_odd_pixel_at_the_end(size, kernel, stride, dilation, pads):
    row = only_row([1, size], f"{{op: conv, out: 1, kernel: {kernel}, stride: {stride},"
                              f" dilation: {dilation}, padding: same}}")
    [window] = row.windows
    assert (window.pad_before, window.pad_after) == pads
    assert row.output_shape.as_list() == [1, -(-size // stride)]


# ---------------------------------------------------------------------------------------------
# PyTorch's ceil_mode: round up, but the last window must start inside the input or left padding
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size, kernel, stride, padding, floor_out, ceil_out", [
    # (5 + 2 − 2)/2 = 2.5: floor 2 + 1 = 3; ceil 3 + 1 = 4, but window 4 would start at 3·2 = 6,
    # past the input and its left padding (5 + 1 = 6 positions), so PyTorch drops it: 3.
    (5, 2, 2, 1, 3, 3),
    # (6 − 3)/2 = 1.5: floor 1 + 1 = 2; ceil 2 + 1 = 3, and window 3 starts at 4 < 6.
    (6, 3, 2, 0, 2, 3),
    # (112 − 3)/2 = 54.5: 55 or 56 (GoogLeNet's pools use ceil_mode).
    (112, 3, 2, 0, 55, 56),
    # (55 − 3)/2 = 26 exactly: both modes agree.
    (55, 3, 2, 0, 27, 27),
    # (5 + 2 − 3)/3 = 1.33: floor 2; ceil 3, but window 3 would start at 6 ≥ 5 + 1: 2.
    (5, 3, 3, 1, 2, 2),
    # (7 − 2)/2 = 2.5: floor 3; ceil 4, window 4 starts at 6 < 7.
    (7, 2, 2, 0, 3, 4),
    # (14 + 2 − 3)/2 = 6.5: floor 7; ceil 8, window 8 starts at 14 < 14 + 1.
    (14, 3, 2, 1, 7, 8),
    # Without padding too (PyTorch ≥ 1.x checks whenever ceil_mode is on, see aten Pool.h):
    # (5 − 1)/3 = 1.33: floor 2; ceil 3, but window 3 would start at 6 ≥ 5: 2.
    (5, 1, 3, 0, 2, 2),
])
def test_ceil_mode_follows_pytorch(size, kernel, stride, padding, floor_out, ceil_out):
    layer = f"{{op: maxpool, kernel: {kernel}, stride: {stride}, padding: {padding}"
    assert only_row([1, size], layer + "}").output_shape.as_list() == [1, floor_out]
    assert only_row([1, size], layer + ", ceil_mode: true}").output_shape.as_list() == [1, ceil_out]


# ---------------------------------------------------------------------------------------------
# Input pixels that no window reads
# ---------------------------------------------------------------------------------------------


def test_alexnet_conv1_at_224_never_sees_the_last_pixel():
    report = analyze_layers([3, 224, 224], "{op: conv, out: 96, kernel: 11, stride: 4}")
    # (224 − 11)/4 = 53.25: 54 windows; the last covers 53·4 … 53·4 + 10 = 222, so pixel 223
    # is never read. 224 + (4 − (224 − 11) % 4) = 227 makes the windows tile exactly.
    assert report.rows[0].output_shape.as_list() == [96, (224 - 11) // 4 + 1, (224 - 11) // 4 + 1]
    [warning] = report.warnings
    message = str(warning)
    assert message.startswith("f.yaml:4: layer 'conv1' (conv): input 224 on H and W")
    assert "the last 1 pixel is never seen" in message
    assert "an input of 227 would fit exactly" in message


def test_alexnet_conv1_at_227_fits_exactly():
    report = analyze_layers([3, 227, 227], "{op: conv, out: 96, kernel: 11, stride: 4}")
    assert report.rows[0].output_shape.as_list() == [96, 55, 55]
    assert report.warnings == ()


def test_unseen_pixels_are_counted_and_the_next_exact_size_named():
    # (8 − 3)/3 = 1.67: windows [0, 3) and [3, 6); pixels 6 and 7 are never read; 9 fits.
    report = analyze_layers([3, 8, 8], "{op: maxpool, kernel: 3, stride: 3}")
    [warning] = report.warnings
    assert "the last 2 pixels are never seen (an input of 9 would fit exactly)" in str(warning)


def test_unseen_pixels_are_reported_per_axis():
    report = analyze_layers([3, 224, 227], "{op: conv, out: 96, kernel: 11, stride: 4}")
    [warning] = report.warnings
    assert "input 224 on H is not an exact fit" in str(warning)


def test_skipping_only_padding_is_not_a_warning():
    # (8 + 2 − 3)/2 = 3.5: 4 windows over padded positions 0…8; the input is 1…8, all read.
    report = analyze_layers([3, 8, 8], "{op: conv, out: 4, kernel: 3, stride: 2, padding: 1}")
    assert report.rows[0].output_shape.as_list() == [4, 4, 4]
    assert report.warnings == ()


# ---------------------------------------------------------------------------------------------
# Receptive fields: r' = r + (k − 1)·j, j' = j·s, P' = P + p·j
# ---------------------------------------------------------------------------------------------


def rf_of(row) -> list[tuple]:
    """(size, jump, padding) per axis, None for an unknown axis."""
    return [None if a is None else (a.size, a.jump, a.padding) for a in row.rf.axes]


@pytest.mark.parametrize("input_shape, layers, expected", [
    pytest.param([3, 32, 32], ["{op: conv, out: 8, kernel: 3, padding: 1}"], (3, 1, 1),
                 id="3x3 padding 1"),
    pytest.param([3, 227, 227], ["{op: conv, out: 96, kernel: 11, stride: 4}"], (11, 4, 0),
                 id="alexnet conv1"),
    pytest.param([3, 32, 32], ["{op: conv, out: 8, kernel: 3, padding: 1}", "{op: relu}",
                               "{op: conv, out: 8, kernel: 3, padding: 1}"],
                 (3 + (3 - 1) * 1, 1, 1 + 1 * 1), id="two 3x3 see 5"),
    pytest.param([3, 32, 32], ["{op: conv, out: 8, kernel: 3, dilation: 2, padding: 2}"],
                 (2 * (3 - 1) + 1, 1, 2), id="dilation folds into the span"),
    pytest.param([3, 224, 224], ["{op: conv, out: 64, kernel: 7, stride: 2, padding: 3}",
                                 "{op: maxpool, kernel: 3, stride: 2, padding: 1}"],
                 (7 + (3 - 1) * 2, 2 * 2, 3 + 1 * 2), id="resnet stem"),
    pytest.param([3, 224, 224], ["{op: conv, out: 8, kernel: 3, stride: 2, padding: same}"],
                 (3, 2, 0), id="'same' pads after only, so P stays 0"),
    pytest.param([8, 12, 12], ["{op: avgpool, output: 6}"], (12 // 6, 12 // 6, 0),
                 id="adaptive with uniform windows: kernel = stride = 12/6"),
    pytest.param([8, 56, 56], ["{op: batchnorm}", "{op: relu}", "{op: dropout}"], (1, 1, 0),
                 id="pointwise layers leave it alone"),
])
def test_receptive_field(input_shape, layers, expected):
    row = analyze_layers(input_shape, *layers).rows[-1]
    assert not row.rf.is_global
    assert rf_of(row) == [expected] * (len(input_shape) - 1)


def test_receptive_field_of_vgg_a_matches_the_published_table():
    """google-research/receptive_field, RECEPTIVE_FIELD_TABLE.md, vgg_a: RF, effective stride,
    effective padding of conv1_1, pool1, conv2_1, pool2, conv3_1, conv3_2, pool3."""
    conv = "{op: conv, out: 8, kernel: 3, padding: 1}"
    pool = "{op: maxpool, kernel: 2}"
    report = analyze_layers([3, 224, 224], conv, pool, conv, pool, conv, conv, pool)
    published = [(3, 1, 1), (4, 2, 1), (8, 2, 3), (10, 4, 3), (18, 4, 7), (26, 4, 11),
                 (30, 8, 11)]
    assert [rf_of(row)[0] for row in report.rows] == published


@pytest.mark.parametrize("input_shape, layer, expected", [
    pytest.param([4, 100], "{op: conv, out: 4, kernel: 5, stride: 2, padding: 2}",
                 [(5, 2, 2)], id="1-D"),
    pytest.param([4, 8, 16, 16], "{op: conv, out: 4, kernel: [3, 1, 1], padding: [1, 0, 0]}",
                 [(3, 1, 1), (1, 1, 0), (1, 1, 0)], id="3-D, temporal kernel only"),
    pytest.param([4, 16, 16], "{op: conv, out: 4, kernel: [1, 7], padding: [0, 3]}",
                 [(1, 1, 0), (7, 1, 3)], id="1x7"),
])
def test_receptive_field_per_axis(input_shape, layer, expected):
    assert rf_of(only_row(input_shape, layer)) == expected


@pytest.mark.parametrize("layers", [
    ["{op: fc, out: 10}"],
    ["{op: flatten}", "{op: fc, out: 10}", "{op: relu}"],
    ["{op: avgpool, global: true}"],
    ["{op: maxpool, output: 1}"],
], ids=["fc", "after fc", "global pooling", "adaptive to 1"])
def test_a_unit_that_reads_everything_has_a_global_field(layers):
    row = analyze_layers([8, 20, 30], *layers).rows[-1]
    assert row.rf.is_global
    assert [a.size for a in row.rf.axes] == [20, 30]


def test_flatten_keeps_each_features_field():
    report = analyze_layers([8, 20, 20], "{op: conv, out: 4, kernel: 3}", "{op: flatten}")
    assert rf_of(report.rows[-1]) == [(3, 1, 0), (3, 1, 0)]
    assert not report.rows[-1].rf.is_global


def test_adaptive_pooling_with_unequal_windows_makes_the_field_unknown():
    # PyTorch's windows for 5 → 3: [0, 2), [1, 4), [3, 5): sizes 2, 3, 2.
    report = analyze_layers([8, 5, 5], "{op: avgpool, output: 3}", "{op: relu}")
    assert rf_of(report.rows[-1]) == [None, None]
    assert report.warnings
    assert all("receptive field is unknown" in str(w) for w in report.warnings)


def test_adaptive_pooling_with_uniform_but_overlapping_windows_keeps_the_field():
    # PyTorch: window i is [⌊i·n/o⌋, ⌈(i+1)·n/o⌉): for n = 7, o = 3 that is [0,3), [2,5), [4,7).
    report = analyze_layers([8, 7, 7], "{op: avgpool, output: 3}")
    assert rf_of(report.rows[-1]) == [(3, 2, 0), (3, 2, 0)]
    assert report.warnings == ()


def test_an_unknown_field_is_reported_once_per_layer():
    report = analyze_layers([8, 5, 5], "{op: avgpool, output: 3}")
    assert len(report.warnings) == 1


# ---------------------------------------------------------------------------------------------
# Layers that do not fit their input
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("input_shape, layer, message", [
    ([3, 8, 8], "{op: conv, out: 4, kernel: 9}", "kernel 9 is larger than the padded input 8"),
    ([3, 8, 8], "{op: conv, out: 4, kernel: 3, dilation: 4}",
     "kernel 3 (dilated to 9) is larger than the padded input 8"),
    ([3, 8, 8], "{op: conv, out: 4, kernel: 3, groups: 2}",
     "input channels 3 are not divisible by groups 2"),
    ([3, 8, 8], "{op: conv, out: 4, kernel: [3, 3, 3]}",
     "kernel has 3 entries but the input has 2 spatial axes"),
    ([192], "{op: conv, out: 4, kernel: 3}", "conv needs spatial axes"),
    ([3, 8, 8], "{op: maxpool, kernel: 3, padding: 2}", "padding 2 is more than half the kernel 3"),
    ([3, 1, 1], "{op: maxpool, kernel: 2}", "kernel 2 is larger than the padded input 1"),
])
def test_a_layer_that_does_not_fit_is_a_shape_error(input_shape, layer, message):
    with pytest.raises(ShapeError) as error:
        only_row(input_shape, layer)
    line = 4 if len(input_shape) > 1 else 5  # after the flatten that makes a flat input
    assert str(error.value).startswith(f"f.yaml:{line}: layer '")
    assert message in str(error.value)

