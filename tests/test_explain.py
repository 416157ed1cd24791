"""`explain`: one layer's numbers with the arithmetic that produced them.

The expected lines are written from the arithmetic by hand (docs/formulas.md): AlexNet's conv1 is
⌊(227 − 11)/4⌋ + 1 = 55 wide, its pool1 grows the field to 11 + (3 − 1)·4 = 19, and so on. Beyond
these, every built-in layer is explained, and every substituted equation the explanation prints
(`… = 11 + (3 − 1)·4 = 19`) is evaluated exactly and must hold: the printed result is the
report's number, so the arithmetic shown is the arithmetic that produced it.
"""

from __future__ import annotations

import json
import math
import re
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import pytest

from convcalc.analysis import analyze
from convcalc.errors import ConvcalcError, UsageError
from convcalc.explain import explain, explanation_dict, formula_column, renderable
from convcalc.spec import parse_spec
from convcalc.table import render
from convcalc.yamlspec import parse_yaml
from convcalc.zoo import builtin_specs, load


@lru_cache(maxsize=None)
def report_of(name: str):
    return analyze(load(name))


def written(*layers: str, input_shape=(3, 224, 224)):
    """The report of a small spec written here, one layer (a YAML flow mapping) per line."""
    text = (f"name: t\ninput: {list(input_shape)}\nlayers:\n"
            + "".join(f"  - {layer}\n" for layer in layers))
    return analyze(parse_spec(parse_yaml(text, "t.yaml"), "t.yaml"))


def all_lines(explanation) -> list[str]:
    return [line for section in explanation.sections for line in section.lines]


def section(explanation, title: str) -> list[str]:
    return list(explanation.section(title).lines)


# ---------------------------------------------------------------------------------------------
# An exact evaluator for the printed arithmetic

_RESULT = re.compile(r"−?(?:\d{1,3}(?:,\d{3})+|\d+)(?:/\d+)?")
_ARITHMETIC = re.compile(r"(?:[\d\s,/()+−×·⌊⌋⌈⌉]|max|min)+")
_NAMES = {"__builtins__": {}, "F": Fraction, "floor": math.floor, "ceil": math.ceil, "max": max,
          "min": min}


@lru_cache(maxsize=None)
def value(expression: str):
    """Evaluate printed arithmetic exactly ('⌊(227 + 0 + 0 − 11) / 4⌋ + 1', '34,944', '1/2');
    None when it is not pure arithmetic (it names a symbol, or is prose)."""
    if not _ARITHMETIC.fullmatch(expression):
        return None
    code = expression.replace("−", "-").replace("×", "*").replace("·", "*")
    code = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", code)
    code = (code.replace("⌊", "floor(").replace("⌋", ")").replace("⌈", "ceil(")
            .replace("⌉", ")"))
    code = re.sub(r"\d+", lambda m: f"F({m.group()})", code)
    try:
        result = eval(code, _NAMES)  # our own printed arithmetic, with no builtins
    except (SyntaxError, TypeError):
        return None
    return result if isinstance(result, (int, Fraction)) else None


@lru_cache(maxsize=None)
def equations(line: str) -> tuple[tuple[str, Fraction, Fraction], ...]:
    """Every 'ARITHMETIC = RESULT' in a line, evaluated: (arithmetic, its value, the result).

    A line reads 'label: symbols = values = result …'; the arithmetic is the longest tail of a
    segment (after ': ' or '(') that evaluates and has an operator, the result the longest head
    of the next segment (up to a space) that evaluates. ('217 = 54·4 + 1' is read as a
    statement, not checked.)
    """
    segments = line.split(" = ")
    found = []
    for left, right in zip(segments, segments[1:]):
        if not _RESULT.match(right):
            continue
        ends = sorted({len(right), *(m.start() for m in re.finditer(" ", right))}, reverse=True)
        result = next((v for v in (value(right[:end].rstrip(",:")) for end in ends)
                       if v is not None), None)
        if result is None:
            continue
        starts = [0, left.rfind(": ") + 2 if ": " in left else 0]
        starts += [m.end() for m in re.finditer(r"\(", left)]
        for start in sorted(set(starts)):
            computed = value(left[start:])
            if computed is not None and re.search(r"[−+×·/⌊⌈]|max|min", left[start:]):
                found.append((left[start:], computed, result))
                break
    return tuple(found)


def test_the_evaluator_reads_the_notation():
    assert value("⌊(227 + 0 + 0 − 11) / 4⌋ + 1") == 55
    assert value("⌈(175 + 0 + 0 − 2) / 2⌉ + 1") == 88
    assert value("189 − (−1)·32") == 221
    assert value("max(43 − 21, 35 − 17) + 21") == 43
    assert value("11×11×3×96 + 96") == 34_944
    assert value("1,161,600") == 1_161_600
    assert value("32 / (3/2)") == Fraction(64, 3)
    assert value("r + (k − 1)·j") is None
    assert equations("r' = r + (k − 1)·j = 11 + (3 − 1)·4 = 19") == (("11 + (3 − 1)·4", 19, 19),)
    assert equations("H and W: 500, of 544 (19 + 500 = 519 ≤ 544)") == (("19 + 500", 519, 519),)
    assert equations("(1 + 4)×2 = 5×2 = 10 features") == (("(1 + 4)×2", 10, 10), ("5×2", 10, 10))
    assert equations("217 = 54·4 + 1: rounded down") == ()


def assert_arithmetic_holds(explanation) -> int:
    """Every printed equation holds exactly; returns how many were checked."""
    checked = 0
    for line in all_lines(explanation):
        for arithmetic, computed, result in equations(line):
            assert computed == result, f"{explanation.row.name}: {line!r}: {arithmetic} ≠ {result}"
            checked += 1
    return checked


# ---------------------------------------------------------------------------------------------
# The lecture's AlexNet, by hand

ALEXNET = [
    ("conv1", "output shape", "H and W: ⌊(227 + 0 + 0 − 11) / 4⌋ + 1 = 55"),
    ("conv1", "parameters", "11×11×3×96 = 34,848"),  # the lecture's AlexNet has no biases
    ("conv1", "MACs", "96×55×55×11×11×3 = 105,415,200"),
    ("conv1", "output size", "C×H×W = 96×55×55 = 290,400 elements"),
    ("conv1", "receptive field", "before: an input pixel, size 1, jump 1, padding 0"),
    ("conv1", "receptive field", "  r' = r + (k − 1)·j = 1 + (11 − 1)·1 = 11"),
    ("conv1", "receptive field", "  j' = j·s = 1·4 = 4"),
    ("conv1", "receptive field", "  P' = P + p·j = 0 + 0·1 = 0"),
    ("pool1", "output shape", "H and W: ⌊(55 + 0 + 0 − 3) / 2⌋ + 1 = 27"),
    ("pool1", "parameters", "none: maxpool layers have no weights"),
    ("pool1", "receptive field", "before: 'norm1', size 11, jump 4, padding 0"),
    ("pool1", "receptive field", "  r' = r + (k − 1)·j = 11 + (3 − 1)·4 = 19"),
    ("pool1", "receptive field", "  j' = j·s = 4·2 = 8"),
    ("pool1", "receptive field", "  P' = P + p·j = 0 + 0·4 = 0"),
    ("pool1", "receptive field", "after: size 19, jump 8, padding 0"),
    # conv2 ran on two GPUs: each filter reads its own 96/2 = 48 channels
    ("conv2", "output shape", "H and W: ⌊(27 + 2 + 2 − 5) / 1⌋ + 1 = 27"),
    ("conv2", "parameters", "5×5×48×256 = 307,200"),
    ("conv2", "MACs", "256×27×27×5×5×48 = 223,948,800"),
    ("conv2", "receptive field", "  r' = r + (k − 1)·j = 19 + (5 − 1)·8 = 51"),
    ("conv2", "receptive field", "  P' = P + p·j = 0 + 2·8 = 16"),
    # fc6 reads conv5's 13×13×256 map directly (the lecture's table)
    ("fc6", "output shape", "256×13×13 = 43,264 input features → 4096 outputs"),
    ("fc6", "parameters", "43264×4096 = 177,209,344"),
    ("fc6", "MACs", "43264×4096 = 177,209,344"),
    ("fc6", "output size", "4,096 elements"),
    ("fc6", "receptive field", "before: 'relu5', size 163, jump 16, padding 64"),
    ("fc6", "receptive field", "after: global: the whole input, 227×227"),
]


@pytest.mark.parametrize("layer, title, line", ALEXNET, ids=[f"{l} {t}" for l, t, _ in ALEXNET])
def test_alexnet_lecture(layer, title, line):
    assert line in section(explain(report_of("alexnet-lecture"), layer), title)


def test_the_heading_names_the_window_and_the_inputs():
    assert explain(report_of("alexnet-lecture"), "conv1").heading == (
        "conv1 (conv 11×11 s4 p0): input 3×227×227 → 96×55×55")
    assert explain(report_of("resnet18"), "layer1.0.add").heading == (
        "layer1.0.add (add): layer1.0.bn2 64×56×56 and maxpool 64×56×56 → 64×56×56")


def test_grouped_conv_names_its_channels_per_group():
    lines = section(explain(report_of("alexnet-lecture"), "conv2"), "parameters")
    assert "C_in/g = 96/2 = 48 channels (its group's)" in lines[1]
    assert lines[2] == "weights 307,200, biases 0 (bias: false)"


def test_fc_reads_the_whole_input():
    lines = section(explain(report_of("alexnet-lecture"), "fc6"), "receptive field")
    assert lines[1].startswith("reads the whole input: every output reads every input feature")


def test_biases_are_added_where_the_spec_has_them():
    explanation = explain(report_of("alexnet-paper"), "conv1")
    assert section(explanation, "parameters")[0] == "11×11×3×96 + 96 = 34,944"
    assert formula_column(explanation.row) == "11×11×3×96 + 96 = 34,944"


# ---------------------------------------------------------------------------------------------
# Rounding and padding rules


def test_ceil_mode_rounds_up_and_keeps_a_last_window_on_real_pixels():
    # fcn32s: 500 + 2·100 = 700 → 698 → 349 → 175; then ⌈(175 − 2)/2⌉ + 1 = 87 + 1 = 88
    lines = section(explain(report_of("fcn32s"), "pool3"), "output shape")
    assert "H and W:" in lines
    assert "  ⌈(175 + 0 + 0 − 2) / 2⌉ + 1 = 88" in lines
    assert ("  173 / 2 is rounded up: the last window starts at (88 − 1)·2 = 174 < n + p_b ="
            " 175 + 0 = 175, on real pixels, so it stays") in lines


def test_ceil_mode_drops_a_window_that_would_start_in_the_padding():
    # N = 5 + 1 + 1 = 7: ⌈(7 − 2)/2⌉ + 1 = 4 windows, starting at 0, 2, 4, 6; 6 = n + p_b
    report = written("{op: maxpool, name: pool, kernel: 2, stride: 2, padding: 1, ceil_mode: true}",
                     input_shape=(1, 5, 5))
    lines = section(explain(report, "pool"), "output shape")
    assert "  ⌈(5 + 1 + 1 − 2) / 2⌉ + 1 − 1 = 3" in lines
    assert ("  ceil mode: the last of 4 windows would start at (4 − 1)·2 = 6 ≥ n + p_b = 5 + 1"
            " = 6, in the right padding: PyTorch drops it") in lines


def test_floor_mode_says_which_pixels_are_never_seen():
    # 224: (224 − 11) = 213 = 53·4 + 1; pixel 223 is never read, 227 would fit
    report = written("{op: conv, name: conv1, out: 96, kernel: 11, stride: 4}")
    lines = section(explain(report, "conv1"), "output shape")
    assert "  ⌊(224 + 0 + 0 − 11) / 4⌋ + 1 = 54" in lines
    assert ("  213 = 53·4 + 1: rounded down; the last 1 pixel is never seen (an input of 227"
            " would fit exactly)") in lines


def test_same_padding_is_resolved_tensorflow_style():
    # out = ⌈224/2⌉ = 112; total = 111·2 + 7 − 224 = 5: 2 before, 3 after
    report = written("{op: conv, name: stem, out: 64, kernel: 7, stride: 2, padding: same}")
    explanation = explain(report, "stem")
    assert section(explanation, "output shape")[1:] == [
        "H and W:",
        "  padding same (TensorFlow): out = ⌈n / s⌉ = ⌈224 / 2⌉ = 112",
        "  padding = max((out − 1)·s + span − n, 0) = max((112 − 1)·2 + 7 − 224, 0) = 5",
        "  p_b = ⌊5 / 2⌋ = 2, p_a = 5 − 2 = 3 (the odd pixel after)",
        "  ⌊(224 + 2 + 3 − 7) / 2⌋ + 1 = 112",
    ]
    assert "  P' = P + p·j = 0 + 2·1 = 2" in section(explanation, "receptive field")


def test_dilation_enters_through_the_span():
    # k = 3, d = 2: span 2·2 + 1 = 5, (32 − 5) + 1 = 28 outputs, field 5
    report = written("{op: conv, name: dil, out: 16, kernel: 3, dilation: 2}",
                     input_shape=(16, 32, 32))
    explanation = explain(report, "dil")
    assert section(explanation, "output shape")[1:] == [
        "H and W:",
        "  span = d·(k − 1) + 1 = 2·(3 − 1) + 1 = 5",
        "  ⌊(32 + 0 + 0 − 5) / 1⌋ + 1 = 28"]
    assert "  r' = r + (span − 1)·j = 1 + (5 − 1)·1 = 5" in section(explanation, "receptive field")


def test_unequal_axes_are_explained_one_by_one():
    report = written("{op: conv, name: c, out: 8, kernel: [1, 7], padding: [0, 3]}",
                     input_shape=(4, 17, 17))
    lines = section(explain(report, "c"), "receptive field")
    assert "  r' = r + (k − 1)·j = 1 + (1 − 1)·1 = 1" in lines[lines.index("H:"):]
    assert "  r' = r + (k − 1)·j = 1 + (7 − 1)·1 = 7" in lines[lines.index("W:"):]
    assert lines[-1] == "after: size 1×7, jump 1, padding 0×3"


# ---------------------------------------------------------------------------------------------
# Transposed convolution, upsampling, crop


def test_fcn_upscore_takes_the_field_from_jump_32_to_jump_1():
    explanation = explain(report_of("fcn32s"), "upscore")
    assert section(explanation, "output shape")[1] == (
        "H and W: (n − 1)·s − 2·p + d·(k − 1) + output_padding + 1 ="
        " (16 − 1)·32 − 2·0 + 1·(64 − 1) + 0 + 1 = 544")
    assert section(explanation, "parameters")[0] == "64×64×21×21 = 1,806,336"
    assert section(explanation, "MACs")[0] == "21×16×16×21×64×64 = 462,422,016"
    rf = section(explanation, "receptive field")
    assert rf[0] == "before: 'score_fr', size 404, jump 32, padding 189"
    assert rf[2:] == [
        "  output o reads input i through tap t when o + p − i·s = t·d (t = 0 … k − 1); the"
        " pattern repeats every s = 32 outputs",
        "  widest set of inputs one output reads: m = ⌈k / s⌉ = ⌈64 / 32⌉ = 2",
        "  output 0 reads from input i_first = ⌈(p − k + 1) / s⌉ = ⌈(0 − 64 + 1) / 32⌉ = −1",
        "  r' = r + (m − 1)·j = 404 + (2 − 1)·32 = 436",
        "  j' = j / s = 32 / 32 = 1",
        "  P' = P − i_first·j = 189 − (−1)·32 = 221",
        "after: size 436, jump 1, padding 221",
    ]


@pytest.mark.parametrize("kernel, stride", [(k, s) for k in range(1, 6) for s in range(1, 5)])
def test_transposed_closed_forms_agree_with_the_enumerated_step(kernel, stride):
    # without dilation m = ⌈k/s⌉ and i_first = ⌈(p − k + 1)/s⌉ (formulas.md §4.6); the printed
    # closed forms must give the step the analysis enumerated, at every padding
    layers = [f"{{op: deconv, name: d{p}, from: input, out: 1, kernel: {kernel}, stride: {stride},"
              f" padding: {p}}}" for p in range(kernel) if (8 - 1) * stride - 2 * p + kernel > 0]
    report = written(*layers, input_shape=(1, 8))
    for row in report.rows:
        assert assert_arithmetic_holds(explain(report, row.name)) >= 7


def test_fcn_crop_moves_the_padding_by_the_offset():
    rf = section(explain(report_of("fcn32s"), "score"), "receptive field")
    assert rf[1] == "('input' gives only the size: its field does not enter)"
    assert "  P' = P − offset·j = 221 − 19·1 = 202" in rf


def test_upsampling_nearest_and_bilinear():
    report = written("{op: upsample, name: nearest, from: input, scale: 2}",
                     "{op: upsample, name: bilinear, from: input, scale: 2, mode: bilinear}",
                     "{op: upsample, name: shrink, from: input, size: 6, mode: bilinear}",
                     "{op: concat, name: both, from: [nearest, bilinear]}",
                     input_shape=(1, 8))
    nearest = section(explain(report, "nearest"), "receptive field")
    assert nearest[1:] == [
        "L:",
        "  nearest, f = 16 / 8 = 2: output o copies input ⌊o / f⌋, one input (m = 1), and output"
        " 0 reads input 0 (i_first = 0)",
        "  r' = r + (m − 1)·j = 1 + (1 − 1)·1 = 1",
        "  j' = j / f = 1 / 2 = 1/2",
        "  P' = P − i_first·j = 0 − 0·1 = 0",
        "after: size 1, jump 1/2, padding 0"]
    assert "  P' = P − i_first·j = 0 − (−1)·1 = 1" in section(explain(report, "bilinear"),
                                                              "receptive field")
    assert section(explain(report, "shrink"), "receptive field")[1] == (
        "L: unknown from here on: bilinear resizing from 8 down to 6 reads unevenly spaced inputs")
    # j = 1/2 on both paths; centres (1 − 1)/2 − 0 = 0 and (2 − 1)/2 − 1 = −1/2 differ
    both = section(explain(report, "both"), "receptive field")
    assert "    'bilinear': (2 − 1)/2 − 1 = −1/2" in both
    assert "  r' = max(r − P) + P' = max(1 − 0, 2 − 1) + 1 = 2" in both


# ---------------------------------------------------------------------------------------------
# Merges, global and unknown fields


def test_resnet_add_checks_jumps_and_centres_then_takes_the_hull():
    # bn2: 3×3 twice after the stem's 11/4/5: r = 11 + 2·4 + 2·4 = 27, P = 5 + 4 + 4 = 13
    rf = section(explain(report_of("resnet18"), "layer1.0.add"), "receptive field")
    assert rf[:2] == ["before: 'layer1.0.bn2', size 27, jump 4, padding 13",
                      "before: 'maxpool', size 11, jump 4, padding 5"]
    assert rf[2:] == [
        "H and W:",
        "  jump 4 on every path (a merge needs equal jumps, or its units would not line up)",
        "  centre of unit 0, (r − 1)/2 − P:",
        "    'layer1.0.bn2': (27 − 1)/2 − 13 = 0",
        "    'maxpool': (11 − 1)/2 − 5 = 0",
        "  centred alike: the fields are nested, and the hull is the largest one",
        "  P' = max P = max(13, 5) = 13",
        "  r' = max(r − P) + P' = max(27 − 13, 11 − 5) + 13 = 27",
        "  j' = j = 4",
        "after: size 27, jump 4, padding 13",
    ]


def test_googlenet_concat_sums_the_channels():
    explanation = explain(report_of("googlenet"), "inception3a.concat")
    assert section(explanation, "output shape") == [
        "channels: 64 + 128 + 32 + 32 = 256 (concatenated)",
        "spatial size: 28×28, equal on every input"]
    assert len([l for l in section(explanation, "receptive field") if l.startswith("before:")]) == 4


def test_global_pooling_and_what_follows_it():
    report = report_of("resnet18")
    assert section(explain(report, "avgpool"), "receptive field")[1] == (
        "reads the whole input: it pools each channel to one value, so one unit depends on every"
        " input position")
    fc = section(explain(report, "fc"), "receptive field")
    assert fc[1:] == ["'avgpool' already reads the whole input; so does every layer after it",
                      "after: global: the whole input, 224×224"]


def test_an_unknown_field_says_why():
    report = report_of("fast-rcnn")
    roi = section(explain(report, "roi_pool5"), "receptive field")
    assert roi[1:] == ["unknown from here on: the receptive field of a pooled region depends on"
                       " where the region lies", "after: unknown"]
    fc6 = section(explain(report, "fc6"), "receptive field")
    assert "but that input's field is unknown since 'roi_pool5'" in fc6[1]
    relu7 = section(explain(report, "relu7"), "receptive field")
    assert relu7[1].startswith("unknown since 'roi_pool5' (the receptive field of a pooled region")


def test_adaptive_pooling_even_and_uneven():
    # 7 → 3 reads [0, 3), [2, 5), [4, 7): k = 3, s = 2; 7 → 6 reads [0, 2), [1, 3), …, [5, 7):
    # k = 2, s = 1; 14 → 6 reads 3 or 4 inputs from 0, 2, 4, 7, 9, 11: no single window
    report = written("{op: avgpool, name: even, from: input, output: [3, 6]}",
                     "{op: avgpool, name: uneven, from: input, output: 6}",
                     input_shape=(8, 7, 14))
    even = section(explain(report, "even"), "receptive field")
    assert even[1:3] == [
        "H:", "  adaptive 7 → 3: window i covers ⌊i·n/o⌋ … ⌈(i + 1)·n/o⌉ − 1, starting at 0, 2, 4,"
        " all 3 wide and 2 apart: a window k = 3, s = 2, p = 0"]
    uneven = section(explain(report, "uneven"), "receptive field")
    assert "  adaptive 7 → 6: window i covers ⌊i·n/o⌋ … ⌈(i + 1)·n/o⌉ − 1, starting at 0, 1, 2," \
           " 3, 4, 5, all 2 wide and 1 apart: a window k = 2, s = 1, p = 0" in uneven
    assert ("W: unknown from here on: adaptive pooling from 14 to 6 uses windows of unequal size"
            " or spacing") in uneven


# ---------------------------------------------------------------------------------------------
# Every layer of every built-in


#: Kinds whose JSON is checked on every layer; the others on every 7th.
SPECIAL = {"deconv", "upsample", "crop", "concat", "add", "spp", "roipool", "reshape", "fc"}


def test_every_layer_of_every_builtin_is_explained_and_its_arithmetic_holds():
    checked = 0
    for name in builtin_specs():
        report = report_of(name)
        for index, row in enumerate(report.rows):
            explanation = explain(report, row.name)
            checked += assert_arithmetic_holds(explanation)
            if row.param_terms:
                assert section(explanation, "parameters")[0].endswith(f"= {row.params:,}")
            if row.op in SPECIAL or index % 7 == 0:
                json.dumps(explanation_dict(explanation))
    assert checked > 20_000  # the evaluator is not idle: about four equations per layer


@pytest.mark.parametrize("layer, at_least", [("conv1", 7), ("conv2", 8), ("fc6", 3)])
def test_the_evaluator_checks_each_kind_of_line(layer, at_least):
    # output size, params, MACs, elements, r', j', P' (and C_in/g for conv2); fc6: features,
    # params, MACs
    assert assert_arithmetic_holds(explain(report_of("alexnet-lecture"), layer)) >= at_least


def test_the_printed_results_are_the_reports_numbers():
    report = report_of("fcn32s")
    for row in report.rows:
        lines = all_lines(explain(report, row.name))
        for line in lines:
            for prefix, attr in (("r' = ", "size"), ("j' = ", "jump"), ("P' = ", "padding")):
                if line.strip().startswith(prefix):
                    result = value(line.rsplit(" = ", 1)[1])
                    assert result in {getattr(a, attr) for a in row.rf.axes}, (row.name, line)


@pytest.mark.parametrize("convention", ["torch", "keras", "caffe", "weights"])
def test_the_arithmetic_holds_in_every_convention_and_batch(convention):
    # the parameter terms follow the convention, the MACs the batch
    for name in ("alexnet-paper", "resnet18", "fcn32s", "googlenet-paper", "densenet-block"):
        report = analyze(load(name, convention=convention), 8)
        for row in report.rows:
            explanation = explain(report, row.name)
            assert_arithmetic_holds(explanation)
            assert formula_column(row) == (section(explanation, "parameters")[0] if row.params
                                           else "")


def test_keras_counts_the_running_statistics_as_parameters():
    # γ, β and the running mean and variance of 64 channels: 2·64 + 2·64
    report = analyze(load("resnet18", convention="keras"))
    assert section(explain(report, "bn1"), "parameters")[0] == "2×64 + 2×64 = 256"
    assert formula_column(report.row("bn1")) == "2×64 + 2×64 = 256"


def test_the_weights_convention_counts_kernel_entries_only():
    report = analyze(load("resnet18", convention="weights"))
    assert formula_column(report.row("fc")) == "512×1000 = 512,000"
    assert section(explain(report, "fc"), "parameters")[-1] == (
        "not counted: 1,000 biases and normalisation parameters (the weights convention counts"
        " kernel entries only)")
    assert formula_column(report.row("bn1")) == ""


def test_a_batch_multiplies_the_macs_and_the_activations():
    report = analyze(load("alexnet-lecture"), 8)
    explanation = explain(report, "conv1", dtypes=(("fp16", 2),))
    assert section(explanation, "MACs")[0] == "8×96×55×55×11×11×3 = 843,321,600"
    assert section(explanation, "output size") == [
        "C×H×W = 96×55×55 = 290,400 elements per sample",
        "batch of 8: 8×290,400 = 2,323,200 elements",
        "fp16 (2 bytes each): 2,323,200×2 = 4,646,400 bytes"]
    assert explanation_dict(explanation)["bytes"] == {"fp16": 8 * 96 * 55 * 55 * 2}


# ---------------------------------------------------------------------------------------------
# Names, the summary column, JSON and rendering


def test_an_unknown_layer_is_a_usage_error_with_a_suggestion():
    with pytest.raises(UsageError) as error:
        explain(report_of("alexnet-lecture"), "cnv2")
    assert isinstance(error.value, ConvcalcError)
    assert str(error.value) == "alexnet-lecture has no layer 'cnv2' (did you mean 'conv2'?)"


def test_a_block_name_asks_for_one_of_its_layers():
    with pytest.raises(UsageError, match="'layer1' is a block of resnet18, not a layer; explain"
                                         " one of its layers, such as 'layer1.0.conv1'"):
        explain(report_of("resnet18"), "layer1")


@pytest.mark.parametrize("spec, layer, column", [
    ("two-3x3", "conv1", "3×3×128×128 = 147,456"),
    ("two-3x3", "relu1", ""),
    ("alexnet-lecture", "conv2", "5×5×48×256 = 307,200"),
    ("alexnet-lecture", "fc8", "4096×1000 = 4,096,000"),
    ("resnet18", "bn1", "2×64 = 128"),
    ("fcn32s", "upscore", "64×64×21×21 = 1,806,336"),
])
def test_formula_column(spec, layer, column):
    assert formula_column(report_of(spec).row(layer)) == column


def test_json_has_the_numbers_as_integers_and_the_lines_as_text():
    document = explanation_dict(explain(report_of("fcn32s"), "upscore"))
    assert document["params"] == 64 * 64 * 21 * 21
    assert document["macs"] == 21 * 16 * 16 * 21 * 64 * 64
    assert document["elements"] == 21 * 544 * 544
    assert document["rf_before"] == [{"from": "score_fr", "size": [404, 404], "jump": [32, 32],
                                      "padding": [189, 189], "global": False}]
    assert document["rf"] == {"size": [436, 436], "jump": [1, 1], "padding": [221, 221],
                              "global": False}
    assert [s["title"] for s in document["sections"]] == [
        "output shape", "parameters", "MACs", "output size", "receptive field"]
    assert all(isinstance(line, str) for s in document["sections"] for line in s["lines"])
    assert json.loads(json.dumps(document)) == document


def test_bytes_per_dtype_hook():
    explanation = explain(report_of("alexnet-lecture"), "conv1", dtypes=(("float32", 4),))
    assert section(explanation, "output size")[-1] == (
        "float32 (4 bytes each): 290,400×4 = 1,161,600 bytes")
    assert explanation_dict(explanation)["bytes"] == {"float32": 96 * 55 * 55 * 4}


def test_renderable_prints_plain_lines_under_bold_titles():
    lines = render(renderable(explain(report_of("alexnet-lecture"), "conv2"))).splitlines()
    assert lines[0] == "conv2 (conv 5×5 s1 p2 g2): pool1 96×27×27 → 256×27×27"
    assert "  parameters" in lines
    assert "    5×5×48×256 = 307,200" in lines


def test_warnings_of_the_layer_come_with_it():
    explanation = explain(report_of("fast-rcnn"), "roi_pool5")
    assert explanation.warnings == (
        "architectures/papers/fast-rcnn.yaml:35: layer 'roi_pool5' (roipool): the receptive field"
        " of a pooled region depends on where the region lies, so it is unknown from here on",)


# ---------------------------------------------------------------------------------------------
# docs/explain.md shows the real output


def rendered(spec: str, layer: str) -> str:
    """What `convcalc explain SPEC LAYER` prints, as docs/explain.md shows it."""
    from typer.testing import CliRunner

    from convcalc.cli import app

    result = CliRunner().invoke(app, ["explain", spec, layer])
    assert result.exit_code == 0, result.output
    return result.stdout.rstrip("\n")


def formula_listing(spec: str) -> str:
    """The formula column of `summary --explain`, one layer per line."""
    rows = report_of(spec).rows
    width = max(len(r.name) for r in rows)
    return "\n".join(f"{r.name:<{width}}   {formula_column(r)}".rstrip() for r in rows)


@pytest.mark.parametrize("spec, layer", [("alexnet-lecture", "conv2"),
                                         ("resnet50", "layer2.0.add"), ("fcn32s", "upscore")])
def test_docs_show_the_real_explanation(spec, layer):
    docs = (Path(__file__).resolve().parent.parent / "docs" / "explain.md").read_text("utf-8")
    assert f"$ convcalc explain {spec} {layer}\n{rendered(spec, layer)}\n```" in docs, (
        "docs/explain.md is stale: paste the output of rendered() in tests/test_explain.py")


def test_docs_show_the_real_formula_column():
    docs = (Path(__file__).resolve().parent.parent / "docs" / "explain.md").read_text("utf-8")
    assert f"(the formula column)\n{formula_listing('two-3x3')}\n```" in docs
