"""Graphs, blocks and the layer kinds that issue 3 added: every expected value is arithmetic."""

from fractions import Fraction

import pytest

from convcalc.analysis import analyze
from convcalc.check import check_spec
from convcalc.errors import ShapeError, SpecError
from convcalc.spec import parse_spec
from convcalc.yamlspec import parse_yaml


def spec(text, overrides=None):
    return parse_spec(parse_yaml(text, "g.yaml"), "g.yaml", overrides)


def report(text, overrides=None):
    return analyze(spec(text, overrides))


def fails(text, error, message):
    with pytest.raises(error) as caught:
        report(text)
    assert message in str(caught.value), str(caught.value)
    return str(caught.value)


BRANCHES = """
name: branches
input: [16, 8, 8]
layers:
  - {op: conv, name: stem, out: 64, kernel: 3, padding: 1}
  - {op: conv, name: a, from: stem, out: 32, kernel: 1}
  - {op: conv, name: b, from: stem, out: 48, kernel: 3, padding: 1}
  - {op: maxpool, name: c, from: stem, kernel: 3, stride: 1, padding: 1}
  - {op: concat, name: merged, from: [a, b, c]}
"""


def test_concat_sums_channels_and_keeps_inputs():
    r = report(BRANCHES)
    merged = r.row("merged")
    assert merged.output_shape.as_list() == [32 + 48 + 64, 8, 8]
    assert merged.inputs == ("a", "b", "c")
    assert r.row("a").inputs == ("stem",)
    # all three paths are centred alike: the merged field is the largest, 3 + 2 = 5
    assert merged.rf.axes[0].size == 5
    assert r.warnings == ()


def test_add_requires_equal_shapes_and_names_both_inputs():
    text = BRANCHES.replace("{op: concat, name: merged, from: [a, b, c]}",
                            "{op: add, name: merged, from: [a, b]}")
    message = fails(text, ShapeError, "g.yaml:9: layer 'merged' (add): shapes differ")
    assert "'a' is 32×8×8 but 'b' is 48×8×8" in message
    assert "no broadcasting" in message


def test_concat_requires_equal_spatial_sizes():
    text = BRANCHES.replace("{op: conv, name: a, from: stem, out: 32, kernel: 1}",
                            "{op: conv, name: a, from: stem, out: 32, kernel: 1, stride: 2}")
    fails(text, ShapeError, "spatial sizes differ: 'a' is 32×4×4 but 'b' is 48×8×8")


def test_merge_of_different_effective_strides_is_an_error():
    # a: 2×2 stride 2 on 16 → 8 with jump 2; b: 9×9 stride 1 on 16 → 8 with jump 1
    text = """
name: strides
input: [3, 16, 16]
layers:
  - {op: conv, name: a, out: 8, kernel: 2, stride: 2}
  - {op: conv, name: b, from: input, out: 8, kernel: 9, stride: 1}
  - {op: add, name: bad, from: [a, b]}
"""
    message = fails(text, ShapeError, "different effective strides")
    assert "'a' (size 2, jump 2, padding 0)" in message
    assert "'b' (size 9, jump 1, padding 0)" in message
    assert message.startswith("g.yaml:7:")


def test_misaligned_merge_warns_and_takes_the_hull():
    text = """
name: misaligned
input: [1, 8]
layers:
  - {op: conv, name: a, out: 1, kernel: 3, padding: 1}
  - {op: conv, name: b, from: input, out: 1, kernel: 2, padding: [[0, 1]]}
  - {op: add, name: sum, from: [a, b]}
"""
    r = report(text)
    # a reads [i-1, i+1], b reads [i, i+1]: centres i and i+1/2 differ; the hull is [i-1, i+1]
    axis = r.row("sum").rf.axes[0]
    assert (axis.size, axis.jump, axis.padding) == (3, 1, 1)
    (warning,) = [str(w) for w in r.warnings]
    assert "g.yaml:7: layer 'sum' (add): the merged paths are not centred alike" in warning
    assert "'a' (size 3, jump 1, padding 1)" in warning and "'b' (size 2, jump 1, padding 0)" in warning


@pytest.mark.parametrize("layers, message", [
    ("- {op: relu, from: nothere}", "g.yaml:4: from: unknown layer 'nothere'"),
    ("- {op: relu, name: x, from: x}", "g.yaml:4: layer 'x' reads itself"),
    ("- {op: relu, name: x, from: y}\n  - {op: relu, name: y}",
     "g.yaml:4: from: 'y' is defined later, on line 5"),
    ("- {op: concat, name: c}", "layer 'c' (concat) merges several inputs"),
    ("- {op: relu, name: r, from: [input, input]}", "layer 'r' (relu) takes one input, not 2"),
])
def test_graph_errors(layers, message):
    with pytest.raises(SpecError) as caught:
        report(f"name: e\ninput: [3, 8, 8]\nlayers:\n  {layers}\n")
    assert message in str(caught.value)


def test_unknown_name_suggests_a_close_one():
    with pytest.raises(SpecError, match=r"unknown layer 'stme' \(did you mean 'stem'\?\)"):
        report(BRANCHES.replace("from: stem, out: 48", "from: stme, out: 48"))


def test_unused_branch_warns_with_its_line():
    r = report(BRANCHES.replace("from: [a, b, c]", "from: [a, b]"))
    assert [str(w) for w in r.warnings] == [
        "g.yaml:8: layer 'c' (maxpool): its output is never used: no layer reads it and it is not"
        " in outputs"]


def test_several_outputs():
    text = BRANCHES + "outputs: [a, merged]\n"
    r = report(text)
    assert r.outputs == ("a", "merged")
    assert r.totals.output_shape.as_list() == [32, 8, 8]  # the first output's
    assert r.totals.params == sum(row.params for row in r.rows)


BLOCKS = """
name: blocks
input: [3, 32, 32]
defaults: {bias: false}
blocks:
  unit:
    params: {planes: null, stride: 1, project: false}
    layers:
      - {op: conv, name: conv1, out: planes, kernel: 3, stride: stride, padding: 1}
      - {op: conv, name: conv2, out: planes*2, kernel: 1}
      - {op: conv, name: proj, from: input, out: planes*2, kernel: 1, stride: stride, if: project}
      - {op: add, name: add, from: [conv2, proj]}
layers:
  - {op: conv, name: stem, out: 16, kernel: 3, padding: 1}
  - {block: unit, name: stage, repeat: 3, planes: 8*(i+1) if false else 8, stride: 2 if i == 0 else 1, project: i == 0}
"""


def test_blocks_repeat_if_and_qualified_names():
    r = report(BLOCKS)
    names = [row.name for row in r.rows]
    assert names[:5] == ["stem", "stage.0.conv1", "stage.0.conv2", "stage.0.proj", "stage.0.add"]
    assert "stage.1.proj" not in names  # dropped by if: its name stands for the block input
    assert r.row("stage.1.add").inputs == ("stage.1.conv2", "stage.0.add")
    assert r.row("stage.2.conv1").path == ("stage", "stage.2")
    assert r.row("stage.0.conv1").output_shape.as_list() == [8, 16, 16]
    # weights: stem 3·3·3·16; copy 0: 3·3·16·8 + 8·16 + 16·16; copies 1, 2: 3·3·16·8 + 8·16
    assert r.totals.weights == 3*3*3*16 + (3*3*16*8 + 8*16 + 16*16) + 2 * (3*3*16*8 + 8*16)
    groups = r.group_totals
    assert groups["stage"].weights == r.totals.weights - 3*3*3*16
    assert groups["stage.1"].weights == 3*3*16*8 + 8*16


def test_depth_collapses_groups():
    r = report(BLOCKS)
    top = r.view(1)
    assert [(v.kind, (v.layer or v.group).name) for v in top] == [("layer", "stem"), ("group", "stage")]
    assert top[1].group.output_shape.as_list() == [16, 16, 16]
    two = r.view(2)
    assert [v.kind for v in two] == ["layer", "header", "group", "group", "group"]
    assert len(r.view(None)) == 1 + 1 + 3 + 4 + 3 + 3


def test_block_argument_expressions():
    # planes: 8*(i+1) if false else 8 → 8 in every copy; the projection only in copy 0
    r = report(BLOCKS)
    assert r.row("stage.2.conv1").output_shape.channels == 8
    assert r.row("stage.2.conv2").output_shape.channels == 8 * 2


@pytest.mark.parametrize("old, new, message", [
    ("planes: 8*(i+1) if false else 8, ", "", "block 'unit' needs 'planes'"),
    ("planes: 8*(i+1) if false else 8", "planez: 8", "block 'unit' has no parameter 'planez' (did you mean 'planes'?)"),
    ("stride: 2 if i == 0 else 1", "stride: 2 if j == 0 else 1", "unknown name 'j'"),
    ("{block: unit,", "{block: unti,", "unknown block 'unti' (did you mean 'unit'?)"),
    ("repeat: 3", "repeat: 1_000_000_000", "repeat 1,000,000,000 exceeds the limit"),
    ("repeat: 3", "repeat: 0", "repeat must be a positive integer"),
    ("out: planes*2, kernel: 1}", "out: planes/3, kernel: 1}", "8 / 3 is not a whole number"),
])
def test_block_errors(old, new, message):
    assert old in BLOCKS
    with pytest.raises(SpecError) as caught:
        report(BLOCKS.replace(old, new, 1))
    assert message in str(caught.value)


def test_block_recursion_is_refused_with_the_chain():
    text = """
name: loop
input: [3, 8, 8]
blocks:
  a:
    layers:
      - {block: b}
  b:
    layers:
      - {block: a}
layers:
  - {block: a}
"""
    with pytest.raises(SpecError, match="block 'a' uses itself \\(a → b → a\\)"):
        report(text)


def test_params_and_set_overrides():
    text = """
name: yolo-like
input: [4, 7, 7]
params: {S: 7, B: 2, C: 20}
layers:
  - {op: fc, out: S*S*(B*5+C)}
  - {op: reshape, shape: [B*5+C, S, S]}
"""
    assert report(text).totals.output_shape.as_list() == [2*5 + 20, 7, 7]
    assert report(text, {"B": 3}).totals.output_shape.as_list() == [3*5 + 20, 7, 7]
    with pytest.raises(SpecError, match="--set Q: the spec has no parameter 'Q'"):
        report(text, {"Q": 1})
    with pytest.raises(SpecError, match="--set B: expected an integer"):
        report(text, {"B": True})


def test_deconv_counts_per_input_element_and_has_fractional_jump():
    # FCN-32s's upscore: 21 channels, kernel 64, stride 32, no bias, on a 16×16 map
    text = """
name: up
input: [21, 16, 16]
layers:
  - {op: deconv, name: up, out: 21, kernel: 64, stride: 32, bias: false}
"""
    row = report(text).row("up")
    assert row.output_shape.as_list() == [21, (16 - 1) * 32 + 64, (16 - 1) * 32 + 64]
    assert row.weights == 21 * 21 * 64 * 64
    assert row.macs == (21 * 16 * 16) * 21 * 64 * 64  # every input element × its kernel slice
    axis = row.rf.axes[0]
    # output o reads inputs i with 0 ≤ o − 32·i ≤ 63: i = ⌊o/32⌋ − 1 and ⌊o/32⌋, two inputs
    assert axis.jump == Fraction(1, 32)
    assert axis.size == 1 + (2 - 1) * 1
    assert axis.padding == 1  # output 0 reads inputs −1 and 0: its field starts at −1


@pytest.mark.parametrize("kernel, stride, padding, size, start", [
    (2, 2, 0, 1, 0),  # output o reads ⌊o/2⌋ only
    (4, 2, 0, 2, -1),  # ⌊o/2⌋ − 1 and ⌊o/2⌋
    (3, 2, 1, 2, 0),  # o = 0 reads 0; o = 1 reads 0 and 1
    (4, 2, 1, 2, -1),  # o = 0 reads −1 and 0 (taps 3 and 1)
])
def test_deconv_field_is_the_widest_set_of_inputs_an_output_reads(kernel, stride, padding, size,
                                                                   start):
    text = f"""
name: up
input: [1, 9]
layers:
  - {{op: deconv, name: up, out: 1, kernel: {kernel}, stride: {stride}, padding: {padding}}}
"""
    axis = report(text).row("up").rf.axes[0]
    assert (axis.size, axis.jump, -axis.padding) == (size, Fraction(1, stride), start)


def test_a_deconv_after_a_strided_conv_sees_exactly_one_unit():
    # conv k3 s2: field 3, jump 2; deconv k2 s2 reads one conv unit per output: field stays 3
    text = """
name: updown
input: [1, 15, 15]
layers:
  - {op: conv, name: c, out: 1, kernel: 3, stride: 2}
  - {op: deconv, name: up, out: 1, kernel: 2, stride: 2}
"""
    axis = report(text).row("up").rf.axes[0]
    assert (axis.size, axis.jump) == (3, 1)


def test_deconv_output_padding_and_padding():
    text = """
name: up
input: [8, 7, 7]
layers:
  - {op: deconv, name: up, out: 4, kernel: 3, stride: 2, padding: 1, output_padding: 1, groups: 2}
"""
    row = report(text).row("up")
    # (n − 1)·s − 2p + d·(k − 1) + output_padding + 1
    assert row.output_shape.spatial == ((7 - 1) * 2 - 2 * 1 + 1 * (3 - 1) + 1 + 1,) * 2
    assert row.weights == 8 * (4 // 2) * 3 * 3
    assert row.biases == 4


def test_upsample_crop_spp_roipool_reshape():
    text = """
name: kinds
input: [256, 13, 13]
layers:
  - {op: upsample, name: up, scale: 2}
  - {op: crop, name: cropped, from: [up, input], offset: 3}
  - {op: spp, name: spp, from: input, levels: [1, 2, 4]}
  - {op: roipool, name: roi, from: input, output: 7, region: 10}
  - {op: fc, name: fc, from: roi, out: 10}
  - {op: reshape, name: r, from: fc, shape: [10, 1, -1]}
outputs: [cropped, spp, r]
"""
    r = report(text)
    assert r.row("up").output_shape.as_list() == [256, 26, 26]
    assert r.row("up").rf.axes[0].jump == Fraction(1, 2)
    assert r.row("cropped").output_shape.as_list() == [256, 13, 13]
    assert r.row("cropped").rf.axes[0].padding == 0 - 3 * Fraction(1, 2)  # P' = P − offset·j
    assert r.row("spp").output_shape.as_list() == [256 * (1 + 2 * 2 + 4 * 4)]
    assert r.row("spp").rf.is_global
    assert r.row("roi").output_shape.as_list() == [256, 7, 7]
    assert r.row("roi").rf.axes == (None, None)
    assert r.row("fc").params == 256 * 7 * 7 * 10 + 10
    assert r.row("r").output_shape.as_list() == [10, 1, 1]
    assert any("depends on where the region lies" in str(w) for w in r.warnings)


def test_group_figures_in_expected():
    text = BLOCKS + """expected:
  source: arithmetic
  layers:
    stage.1: {weights: 1280}
    stage: {output_shape: [16, 16, 16]}
"""
    result = check_spec(spec(text))
    assert [f.ok for f in result.results] == [3*3*16*8 + 8*16 == 1280, True]


def test_name_templates_name_the_copies_directly():
    text = """
name: tpl
input: [8, 8, 8]
layers:
  - {op: conv, name: "layer{i+1}", out: 8, kernel: 3, padding: 1, repeat: 3}
  - {op: relu, from: layer2}
"""
    r = report(text)
    assert [row.name for row in r.rows] == ["layer1", "layer2", "layer3", "relu1"]
    assert r.row("layer3").rf.axes[0].size == 1 + 3 * 2
    assert r.groups == ()  # a template adds no grouping level
    with pytest.raises(SpecError, match="names the copies of a repeat"):
        report(text.replace(", repeat: 3", ""))


def test_a_dropped_merge_stands_for_its_last_input():
    text = """
name: optional-add
input: [8, 4, 4]
blocks:
  unit:
    params: {residual: true}
    layers:
      - {op: conv, name: c, out: 8, kernel: 1}
      - {op: add, name: add, from: [input, c], if: residual}
layers:
  - {block: unit, name: a, residual: false}
  - {block: unit, name: b}
"""
    r = report(text)
    assert [row.name for row in r.rows] == ["a.c", "b.c", "b.add"]
    assert r.row("b.c").inputs == ("a.c",)
    assert r.row("b.add").inputs == ("a.c", "b.c")


def test_an_fc_after_roi_pooling_is_not_global_and_notes_are_not_repeated():
    text = """
name: roi
input: [8, 32, 32]
layers:
  - {op: roipool, output: 2, region: 4}
  - {op: fc, out: 12}
  - {op: reshape, shape: [3, 2, 2]}
"""
    r = report(text)
    assert not r.row("fc1").rf.is_global and r.row("fc1").rf.axes == (None, None)
    assert len(r.warnings) == 1  # only roipool's: reshape adds nothing to an unknown field


def test_reshape_of_a_global_vector_stays_global_without_a_warning():
    r = report("name: g\ninput: [4, 7, 7]\nlayers:\n  - {op: fc, out: 12}\n"
               "  - {op: reshape, shape: [3, 2, 2]}\n")
    assert r.row("reshape1").rf.is_global and r.warnings == ()


def test_expected_outputs_cover_only_what_that_output_needs():
    text = BRANCHES + """outputs: [merged, a]
expected:
  source: arithmetic
  outputs:
    a: {params: 16*3*3*64 + 64 + 64*32 + 32}
"""
    text = text.replace("{params: 16*3*3*64 + 64 + 64*32 + 32}",
                        f"{{params: {16*3*3*64 + 64 + 64*32 + 32}}}")
    result = check_spec(spec(text))
    assert [f.ok for f in result.results] == [True]


def test_defaults_apply_where_they_mean_something():
    text = """
name: d
input: [3, 8, 8]
defaults: {padding: 1, stride: 2, bias: false}
layers:
  - {op: conv, out: 4, kernel: 3}
  - {op: maxpool, kernel: 2}
  - {op: avgpool, global: true}
  - {op: fc, out: 10}
"""
    r = report(text)
    # conv: padding 1 and stride 2 from defaults: ⌊(8 + 2 − 3)/2⌋ + 1 = 4, no bias
    assert r.row("conv1").output_shape.spatial == (4, 4) and r.row("conv1").biases == 0
    # maxpool: takes stride 2 but never a default padding: ⌊(4 − 2)/2⌋ + 1 = 2
    assert r.row("maxpool1").output_shape.spatial == (2, 2)
    assert r.row("fc1").params == 4 * 10  # bias: false reaches the fc too


@pytest.mark.parametrize("line, message", [
    ("- {op: maxpool, kernel: 2, ceil_mode: on}",
     "ceil_mode: 'on' is not a value here; YAML 1.1 would read 'on' as a boolean"),
    ("- {op: conv, out: '8', kernel: 3}", "remove the quotes to write a number"),
    ("- {op: conv, out: no, kernel: 3}", "YAML 1.1 would read 'no' as a boolean, convcalc does not: write a number"),
])
def test_yaml_habits_get_a_hint_not_an_expression_error(line, message):
    with pytest.raises(SpecError) as caught:
        report(f"name: h\ninput: [3, 8, 8]\nlayers:\n  {line}\n")
    assert message in str(caught.value)


def test_a_default_reaches_only_the_kinds_that_accept_its_value():
    # padding: same suits conv (TensorFlow's rule) but not deconv, whose padding is an integer
    text = """
name: d
input: [3, 8, 8]
defaults: {padding: same}
layers:
  - {op: conv, out: 4, kernel: 3}
  - {op: deconv, out: 4, kernel: 2, stride: 2}
"""
    r = report(text)
    assert r.row("conv1").output_shape.spatial == (8, 8)  # same: ⌈8/1⌉
    assert r.row("deconv1").output_shape.spatial == ((8 - 1) * 2 + 2,) * 2  # padding 0
    with pytest.raises(SpecError, match="defaults: padding must be"):
        report(text.replace("padding: same", "padding: sideways"))


BN_NET = """
name: bn
input: [3, 8, 8]
layers:
  - {op: conv, name: c, out: 16, kernel: 3, padding: 1}
  - {op: batchnorm, name: bn}
  - {op: maxpool, name: p, kernel: 2, stride: 2}
  - {op: fc, name: f, out: 10}
"""


@pytest.mark.parametrize("convention, params, trainable, non_trainable, buffers", [
    # torch: 3·3·3·16 + 16 conv, 2·16 BN γβ, 16·4·4·10 + 10 fc; BN mean/var are 2·16 buffers
    ("torch", 3*3*3*16 + 16 + 2*16 + 16*4*4*10 + 10, 3*3*3*16 + 16 + 2*16 + 16*4*4*10 + 10, 0, 2*16),
    # keras: the moving mean and variance are non-trainable params
    ("keras", 3*3*3*16 + 16 + 4*16 + 16*4*4*10 + 10, 3*3*3*16 + 16 + 2*16 + 16*4*4*10 + 10, 2*16, 0),
    # weights (the lecture): no biases by default, kernel entries only
    ("weights", 3*3*3*16 + 16*4*4*10, 3*3*3*16 + 16*4*4*10, 0, 2*16),
])
def test_conventions_count_differently(convention, params, trainable, non_trainable, buffers):
    t = report(BN_NET.replace("name: bn\n", f"name: bn\nconvention: {convention}\n")).totals
    assert (t.params, t.trainable, t.non_trainable, t.buffers) == (
        params, trainable, non_trainable, buffers)


def test_caffe_rounds_pooling_up_and_darknet_pads():
    text = "name: p\ninput: [1, 9, 9]\nlayers:\n  - {op: conv, out: 1, kernel: 3, stride: 2}\n" \
           "  - {op: maxpool, kernel: 2, stride: 2}\n"
    # torch: conv ⌊(9 − 3)/2⌋ + 1 = 4, pool ⌊(4 − 2)/2⌋ + 1 = 2
    assert report(text).totals.output_shape.spatial == (2, 2)
    # caffe: the pool rounds up: ⌈(4 − 2)/2⌉ + 1 = 2 too; on 9 directly ⌈(9 − 2)/2⌉ + 1 = 5
    caffe = report(text.replace("name: p\n", "name: p\nconvention: caffe\n")
                   .replace("{op: conv, out: 1, kernel: 3, stride: 2}\n  - ", ""))
    assert caffe.totals.output_shape.spatial == (5, 5)
    # darknet: conv pads ⌊3/2⌋ = 1: ⌊(9 + 2 − 3)/2⌋ + 1 = 5; maxpool 'same': ⌈5/2⌉ = 3
    darknet = report(text.replace("name: p\n", "name: p\nconvention: darknet\n"))
    assert darknet.totals.output_shape.spatial == (3, 3)


def test_a_spec_default_beats_the_convention_and_an_unknown_convention_is_refused():
    text = BN_NET.replace("name: bn\n", "name: bn\nconvention: weights\ndefaults: {bias: true}\n")
    assert report(text).row("c").biases == 16
    with pytest.raises(SpecError, match="unknown convention 'kerass' \\(did you mean 'keras'\\?\\)"):
        report(BN_NET.replace("name: bn\n", "name: bn\nconvention: kerass\n"))


@pytest.mark.parametrize("fields, learned", [
    ("", 2 * 8),  # γ and β
    (", scale: false", 8),  # Keras' BatchNormalization(scale=False): β only
    (", center: false", 8),
    (", affine: false", 0),
])
def test_batchnorm_learns_gamma_and_or_beta(fields, learned):
    r = report(f"name: b\ninput: [8, 4, 4]\nlayers:\n  - {{op: batchnorm{fields}}}\n")
    assert r.totals.params == learned and r.totals.buffers == 2 * 8


# --- limits: layers and block uses are counted apart -----------------------------------------

REPEATED = """name: limits
input: [4, 8, 8]
blocks:
  res:
    layers:
      - {op: conv, name: a, out: 4, kernel: 3, padding: 1}
      - {op: conv, name: b, out: 4, kernel: 3, padding: 1}
      - {op: add, name: s, from: [input, b]}
layers:
  - {block: res, name: stage, repeat: COUNT}
"""


def expanded(count: int):
    text = REPEATED.replace("COUNT", str(count))
    return parse_spec(parse_yaml(text, "limits.yaml"), "limits.yaml")


def test_the_layer_limit_counts_layers_not_block_uses(monkeypatch):
    monkeypatch.setenv("CONVCALC_MAX_LAYERS", "30")
    assert len(expanded(10).layers) == 10 * 3  # 30 layers (and 10 block uses) fit a limit of 30
    with pytest.raises(SpecError, match=r"limits.yaml:10: repeat 11 of res expands to at least"
                                        r" 33 layers, more than the limit of 30"):
        expanded(11)


def test_block_uses_have_their_own_limit(monkeypatch):
    from convcalc import graph

    monkeypatch.setattr(graph, "MAX_BLOCK_USES", 5)
    assert len(expanded(5).layers) == 5 * 3
    with pytest.raises(SpecError, match="repeat 6 of res would expand more than 5 block uses"):
        expanded(6)


def test_blocks_that_double_at_each_level_are_refused_before_expanding():
    levels = "\n".join(f"  b{k}: {{layers: [{{block: b{k - 1}, repeat: 2}}]}}"
                       for k in range(1, 25))
    text = (f"name: x\ninput: [1, 1]\nblocks:\n  b0: {{layers: [{{op: relu, repeat: 2}}]}}\n"
            f"{levels}\nlayers:\n  - {{block: b24, repeat: 2}}\n")
    with pytest.raises(SpecError, match=f"x.yaml:30: repeat 2 of b24 expands to at least"
                                        f" {2 ** 26:,} layers, more than the limit of 120,000"):
        parse_spec(parse_yaml(text, "x.yaml"), "x.yaml")


def test_the_lower_bound_skips_entries_with_if(monkeypatch):
    monkeypatch.setenv("CONVCALC_MAX_LAYERS", "10")
    text = """name: x
input: [1, 4, 4]
blocks:
  maybe:
    params: {big: false}
    layers:
      - {op: relu, repeat: 1000, if: big}
      - {op: relu}
layers:
  - {block: maybe, repeat: 5}
"""
    assert len(parse_spec(parse_yaml(text, "x.yaml"), "x.yaml").layers) == 5  # 1000 × 5 dropped
