"""The receptive-field chart: which layers it shows, the SVG's markers and tooltips (published
AlexNet values), gaps for unknown fields, fractions as p/q, determinism, and the terminal table."""

import re
import xml.etree.ElementTree as ET

import pytest

from convcalc.analysis import analyze
from convcalc.rfchart import rf_rows, svg, terminal
from convcalc.table import render
from convcalc.zoo import load

SVG = "{http://www.w3.org/2000/svg}"

# Receptive-field size and effective stride (jump) of TF-Slim's alexnet_v2, which has AlexNet's
# windows, as published in google-research/receptive_field, receptive_field/RECEPTIVE_FIELD_TABLE.md
# (docs/formulas.md §4.2 derives the same values; the table does not list pool2).
ALEXNET_PUBLISHED = [
    # layer, size, jump
    ("conv1", 11, 4),
    ("pool1", 19, 8),
    ("conv2", 51, 8),
    ("conv3", 99, 16),
    ("conv4", 131, 16),
    ("conv5", 163, 16),
    ("pool5", 195, 32),
]

ROI = """\
name: roi-head
input: [3, 64, 64]
layers:
  - {op: conv, name: conv1, out: 16, kernel: 3, padding: 1}
  - {op: maxpool, name: pool1, kernel: 2}
  - {op: conv, name: conv2, out: 32, kernel: 3, padding: 1}
  - {op: roipool, name: roi, output: 4, region: 8}
  - {op: conv, name: conv3, out: 32, kernel: 3, padding: 1}
  - {op: fc, name: head, out: 10}
"""

# conv k3 s2 p1: r = 3, j = 2.  Each deconv divides the jump by its stride (formulas.md §4.6):
# k4 s2 p1 reads m = ⌈4/2⌉ = 2 inputs, so r grows by j; k3 s2 p1 also reads m = 2.
DECONV = """\
name: upsampler
input: [8, 16, 16]
layers:
  - {op: conv, name: down, out: 16, kernel: 3, stride: 2, padding: 1}
  - {op: relu, name: relu}
  - {op: deconv, name: up1, out: 8, kernel: 4, stride: 2, padding: 1}
  - {op: deconv, name: up2, out: 8, kernel: 4, stride: 2, padding: 1}
  - {op: deconv, name: up3, out: 4, kernel: 3, stride: 2, padding: 1}
"""

ASYMMETRIC = """\
name: one-by-seven
input: [8, 32, 32]
layers:
  - {op: conv, name: wide, out: 8, kernel: [1, 7], padding: [0, 3]}
  - {op: conv, name: tall, out: 8, kernel: [7, 1], padding: [3, 0]}
"""


def report_of(name):
    return analyze(load(name))


def tree(text):
    return ET.fromstring(text.encode("utf-8"))


def layers(root):
    """{layer name: its <g class="layer"> element}, in chart order."""
    return {g.get("data-layer"): g for g in root.iter(f"{SVG}g") if g.get("class") == "layer"}


def tooltip(group):
    return group.find(f".//{SVG}title").text


def markers(group, kind):
    return [e for e in group if e.get("class") == kind]


def test_rows_are_the_layers_that_change_the_field_and_the_output():
    rows = rf_rows(report_of("alexnet-paper"))
    assert [r.name for r in rows] == ["conv1", "pool1", "conv2", "pool2", "conv3", "conv4",
                                      "conv5", "pool5", "fc6", "fc8"]
    assert [r.size[0] for r in rows[:8]] == [11, 19, 51, 67, 99, 131, 163, 195]
    assert rows[8].is_global and rows[8].size == (227, 227) and rows[8].jump == (None, None)
    assert rows[2].padding == (16, 16)


def test_every_layer_keeps_the_repeats():
    assert len(rf_rows(report_of("alexnet-paper"), every_layer=True)) == 22


def test_rows_follow_the_main_path_not_the_shortcuts():
    rows = rf_rows(report_of("resnet50"))
    names = [r.name for r in rows]
    assert names[:3] == ["conv1", "maxpool", "layer1.0.conv2"]
    assert names[-2:] == ["avgpool", "fc"]
    assert not any("downsample" in n for n in names)
    sizes = [r.size[0] for r in rows if not r.is_global]
    assert sizes == sorted(sizes) and sizes[-1] == 427  # 3×3 convs at jump 32 end layer4


def test_alexnet_markers_carry_the_published_values():
    root = tree(svg(report_of("alexnet-paper")))
    groups = layers(root)
    assert list(groups) == [r.name for r in rf_rows(report_of("alexnet-paper"))]
    for name, size, jump in ALEXNET_PUBLISHED:
        g = groups[name]
        assert len(markers(g, "size")) == 1 and len(markers(g, "jump")) == 1
        assert re.search(rf"\bsize {size}, jump {jump}\b", tooltip(g)), tooltip(g)
    assert tooltip(groups["conv2"]) == "conv2 (conv): size 51, jump 8, padding 16"
    for name in ("fc6", "fc8"):  # global: a diamond at the input's extent, no jump
        assert len(markers(groups[name], "global")) == 1
        assert not markers(groups[name], "jump")
        assert "whole 227×227 input" in tooltip(groups[name])


def test_svg_is_a_sized_self_contained_document():
    text = svg(report_of("alexnet-paper"))
    root = tree(text)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert root.get("width") == "900" and root.get("font-family") == "sans-serif"
    assert "input 227" in text
    assert "href" not in text and "<script" not in text


def test_title_is_escaped():
    root = tree(svg(report_of("alexnet-paper"), title="AlexNet <paper> & \"friends\""))
    assert root.find(f"{SVG}title").text == "AlexNet <paper> & \"friends\""


def test_output_is_deterministic():
    assert svg(report_of("resnet50")) == svg(report_of("resnet50"))


def test_unknown_fields_are_gaps_not_zeros(write_spec):
    root = tree(svg(report_of(write_spec(ROI, "roi.yaml"))))
    groups = layers(root)
    assert list(groups) == ["conv1", "pool1", "conv2", "roi", "head"]
    for name, op in (("roi", "roipool"), ("head", "fc")):
        g = groups[name]
        assert not markers(g, "size") and not markers(g, "jump")
        assert [e.text for e in markers(g, "unknown")] == ["?"]
        assert tooltip(g) == f"{name} ({op}): receptive field unknown"
    size_lines = [p for p in root.iter(f"{SVG}polyline") if p.get("class") == "size-line"]
    assert len(size_lines) == 1 and len(size_lines[0].get("points").split()) == 3


def test_fractions_show_as_p_over_q(write_spec):
    report = report_of(write_spec(DECONV, "deconv.yaml"))
    groups = layers(tree(svg(report)))
    assert tooltip(groups["up1"]) == "up1 (deconv): size 5, jump 1, padding 3"
    assert tooltip(groups["up2"]) == "up2 (deconv): size 6, jump 1/2, padding 4"
    assert tooltip(groups["up3"]) == "up3 (deconv): size 13/2, jump 1/4, padding 4"
    assert ">1/4<" in svg(report)  # the y axis reaches below one pixel


def test_axes_that_differ_are_drawn_apart(write_spec):
    text = svg(report_of(write_spec(ASYMMETRIC, "asym.yaml")))
    groups = layers(tree(text))
    assert tooltip(groups["wide"]) == "wide (conv): size 1×7, jump 1, padding 0×3"
    assert "H solid, W dashed" in text
    assert len(markers(groups["wide"], "size")) == 2  # H = 1 and W = 7
    assert len(markers(groups["wide"], "jump")) == 1  # equal jumps drawn once


def printed(renderable) -> str:
    return render(renderable)


def test_terminal_table_shows_the_values():
    text = printed(terminal(report_of("alexnet-paper")))
    for name, size, jump in ALEXNET_PUBLISHED:
        assert re.search(rf"{name}\s+\w+\s+{size}\s+{jump}\s", text), name
    assert "global" in text and "┊ marks the input's 227" in text


def test_terminal_marks_the_input_until_a_field_passes_it():
    lines = printed(terminal(report_of("resnet50"))).splitlines()

    def line(name):
        return next(text for text in lines if text.split()[:1] == [name])

    assert "┊" in line("layer3.3.conv2")  # 203 < 224
    assert "┊" not in line("layer3.4.conv2")  # 235 > 224: the bar has passed the input
    assert "┊" in line("avgpool")  # global: exactly the input's 224


@pytest.mark.parametrize("name", ["fcn32s", "inception_v3", "fast-rcnn", "densenet121"])
def test_zoo_charts_parse(name):
    report = report_of(name)
    root = tree(svg(report))
    assert len(layers(root)) == len(rf_rows(report))
    assert render(terminal(report), limit=120)
