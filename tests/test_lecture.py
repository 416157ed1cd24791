"""The lecture's numbers, each written as the arithmetic the lecture does on its slides.

The built-in specs are loaded as a user would load them; every expected value below is computed
here from kernel sizes and channel counts, or quoted from a published table, never from convcalc.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

import pytest

from convcalc.analysis import analyze
from convcalc.spec import load_spec
from convcalc.zoo import builtin_specs


@lru_cache(maxsize=None)
def report(name: str):
    """The analysed built-in (a `Report` is immutable, so one per name will do)."""
    return analyze(load_spec(builtin_specs()[name]))


# ---------------------------------------------------------------------------------------------
# AlexNet as the lecture counts it: kernel entries only, fc6 read straight from conv5's 13×13×256
# ---------------------------------------------------------------------------------------------

ALEXNET_LECTURE = [
    ("conv1", 11 * 11 * 3 * 96, 34_848),
    ("conv2", 5 * 5 * 48 * 256, 307_200),  # two GPUs: each half sees 96/2 = 48 channels
    ("conv3", 3 * 3 * 256 * 384, 884_736),  # reads both halves
    ("conv4", 3 * 3 * 192 * 384, 663_552),  # 384/2 = 192 channels per half
    ("conv5", 3 * 3 * 192 * 256, 442_368),
    ("fc6", 13 * 13 * 256 * 4096, 177_209_344),
    ("fc7", 4096 * 4096, 16_777_216),
    ("fc8", 4096 * 1000, 4_096_000),
]


@pytest.mark.parametrize("layer, arithmetic, slide", ALEXNET_LECTURE,
                         ids=[name for name, _, _ in ALEXNET_LECTURE])
def test_alexnet_lecture_weights(layer, arithmetic, slide):
    assert arithmetic == slide  # the slide's figure is the arithmetic written out
    row = report("alexnet-lecture").row(layer)
    assert (row.weights, row.biases) == (arithmetic, 0)


def test_alexnet_lecture_only_these_layers_have_weights():
    rows = report("alexnet-lecture").rows
    assert {r.name: r.weights for r in rows if r.weights} == {
        name: weights for name, weights, _ in ALEXNET_LECTURE}


def test_alexnet_lecture_total():
    totals = report("alexnet-lecture").totals
    assert totals.weights == totals.params == sum(w for _, w, _ in ALEXNET_LECTURE) == 200_415_264
    assert totals.output_shape.as_list() == [1000]


@pytest.mark.parametrize("layer, shape", [
    ("conv1", [96, (227 - 11) // 4 + 1, (227 - 11) // 4 + 1]),  # 55
    ("pool1", [96, (55 - 3) // 2 + 1, (55 - 3) // 2 + 1]),  # 27
    ("conv2", [256, 27 + 2 * 2 - 5 + 1, 27 + 2 * 2 - 5 + 1]),  # 27
    ("pool2", [256, (27 - 3) // 2 + 1, (27 - 3) // 2 + 1]),  # 13
    ("conv5", [256, 13, 13]),
    ("fc6", [4096]),
])
def test_alexnet_lecture_shapes(layer, shape):
    assert report("alexnet-lecture").row(layer).output_shape.as_list() == shape


def test_alexnet_conv1_macs():
    # one 11×11×3 window per output element: 96·55·55 outputs
    assert report("alexnet-lecture").row("conv1").macs == (96 * 55 * 55) * (11 * 11 * 3)


# ---------------------------------------------------------------------------------------------
# AlexNet as published: biases, and pool5 to 6×6 before fc6
# ---------------------------------------------------------------------------------------------


def test_alexnet_paper_total_is_the_published_60_965_224():
    weights_and_biases = [
        11 * 11 * 3 * 96 + 96,
        5 * 5 * 48 * 256 + 256,
        3 * 3 * 256 * 384 + 384,
        3 * 3 * 192 * 384 + 384,
        3 * 3 * 192 * 256 + 256,
        6 * 6 * 256 * 4096 + 4096,
        4096 * 4096 + 4096,
        4096 * 1000 + 1000,
    ]
    assert sum(weights_and_biases) == 60_965_224
    assert report("alexnet-paper").totals.params == 60_965_224


def test_alexnet_paper_fc6_reads_pool5():
    paper = report("alexnet-paper")
    assert paper.row("pool5").output_shape.as_list() == [256, (13 - 3) // 2 + 1, (13 - 3) // 2 + 1]
    assert paper.row("fc6").weights == 6 * 6 * 256 * 4096 == 37_748_736
    assert paper.row("conv1").params == 11 * 11 * 3 * 96 + 96 == 34_944


def test_the_lecture_and_the_paper_differ_only_in_fc6_and_the_biases():
    lecture, paper = report("alexnet-lecture"), report("alexnet-paper")
    assert lecture.totals.weights - paper.totals.weights == (13 * 13 - 6 * 6) * 256 * 4096


# Published: google-research/receptive_field, receptive_field/RECEPTIVE_FIELD_TABLE.md,
# alexnet_v2 (TF-Slim's AlexNet, the same windows): RF, effective stride, effective padding.
ALEXNET_RECEPTIVE_FIELDS = [
    ("conv1", 11, 4, 0),
    ("pool1", 19, 8, 0),
    ("conv2", 51, 8, 16),
    ("conv3", 99, 16, 32),
    ("conv4", 131, 16, 48),
    ("conv5", 163, 16, 64),
    ("pool5", 195, 32, 64),
]


@pytest.mark.parametrize("layer, size, jump, padding", ALEXNET_RECEPTIVE_FIELDS,
                         ids=[row[0] for row in ALEXNET_RECEPTIVE_FIELDS])
def test_alexnet_receptive_fields_match_the_published_table(layer, size, jump, padding):
    rf = report("alexnet-paper").row(layer).rf
    assert not rf.is_global
    assert [(a.size, a.jump, a.padding) for a in rf.axes] == [(size, jump, padding)] * 2


def test_alexnet_receptive_fields_by_the_recurrence():
    # r' = r + (k − 1)·j and j' = j·s, layer by layer: (k, s) of conv1 … pool5
    windows = [(11, 4), (3, 2), (5, 1), (3, 2), (3, 1), (3, 1), (3, 1), (3, 2)]
    r, j, sizes = 1, 1, []
    for k, s in windows:
        r, j = r + (k - 1) * j, j * s
        sizes.append(r)
    # conv1, pool1, conv2, (pool2), conv3, conv4, conv5, pool5
    assert sizes == [11, 19, 51, 67, 99, 131, 163, 195]


def test_alexnet_fc6_sees_the_whole_image():
    rf = report("alexnet-paper").row("fc6").rf
    assert rf.is_global
    assert [a.size for a in rf.axes] == [227, 227]


# ---------------------------------------------------------------------------------------------
# Two 3×3 convolutions versus one 5×5 (VGG)
# ---------------------------------------------------------------------------------------------


def test_two_3x3_cost_72_percent_of_one_5x5_for_the_same_field():
    two, one = report("two-3x3"), report("one-5x5")
    assert two.totals.weights == 2 * 3 * 3 * 128 * 128 == 294_912
    assert one.totals.weights == 5 * 5 * 128 * 128 == 409_600
    assert Fraction(two.totals.weights, one.totals.weights) == Fraction(18, 25)  # 72%
    for network in (two, one):
        assert [a.size for a in network.rf.axes] == [5, 5]  # 1 + 2 + 2 = 5
        assert [a.jump for a in network.rf.axes] == [1, 1]
        assert network.totals.output_shape.as_list() == [128, 56, 56]


def test_two_3x3_and_one_5x5_macs():
    # same-size outputs, so MACs scale exactly like the weights: one window per output element
    assert report("two-3x3").totals.macs == 2 * (128 * 56 * 56) * (3 * 3 * 128)
    assert report("one-5x5").totals.macs == (128 * 56 * 56) * (5 * 5 * 128)


# ---------------------------------------------------------------------------------------------
# Inception: a 1×1 bottleneck before the 3×3
# ---------------------------------------------------------------------------------------------


def test_inception_1x1_bottleneck():
    naive, bottleneck = report("inception-naive"), report("inception-1x1")
    assert naive.totals.weights == 3 * 3 * 128 * 128 == 147_456
    assert bottleneck.totals.weights == 1 * 1 * 128 * 32 + 3 * 3 * 32 * 128 == 40_960
    assert bottleneck.row("reduce").weights == 128 * 32
    assert bottleneck.row("conv3x3").weights == 3 * 3 * 32 * 128
    assert naive.totals.output_shape == bottleneck.totals.output_shape
    assert bottleneck.totals.output_shape.as_list() == [128, 28, 28]
