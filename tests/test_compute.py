"""Element-wise work, batch, memory and diff: every expected value written as arithmetic."""

import pytest
from typer.testing import CliRunner

from convcalc.analysis import analyze
from convcalc.cli import app
from convcalc.diff import difference
from convcalc.memory import memory, peak_live_elements
from convcalc.spec import parse_spec
from convcalc.yamlspec import parse_yaml
from convcalc.zoo import load

runner = CliRunner()


def report(layers: str, input="[4, 8, 8]", batch=1, convention=None):
    text = f"name: t\ninput: {input}\nlayers:\n" + "".join(f"  - {l}\n" for l in layers.split(";"))
    return analyze(parse_spec(parse_yaml(text, "t.yaml"), "t.yaml", convention=convention), batch)


@pytest.mark.parametrize("layer, work", [
    ("{op: conv, out: 6, kernel: 3, padding: 1}", 6 * 8 * 8),  # one bias addition per output
    ("{op: conv, out: 6, kernel: 3, padding: 1, bias: false}", 0),
    ("{op: batchnorm}", 2 * 4 * 8 * 8),  # a·x + b per element
    ("{op: relu}", 4 * 8 * 8),  # one evaluation per element
    ("{op: sigmoid}", 4 * 8 * 8),
    ("{op: dropout}", 0),  # the identity at inference
    ("{op: softmax}", 3 * 4 * 8 * 8),  # exp, sum, divide
    ("{op: lrn, size: 5}", (5 + 3) * 4 * 8 * 8),  # 5 squares summed, scale, power, divide
    ("{op: maxpool, kernel: 2}", 4 * 4 * 4 * (2 * 2 - 1)),  # 3 comparisons per output
    ("{op: avgpool, kernel: 2}", 4 * 4 * 4 * (2 * 2)),  # 3 additions and a division
    ("{op: avgpool, global: true}", 4 * 8 * 8),  # every input added once (63 + 1 division)
    ("{op: maxpool, global: true}", 4 * (8 * 8 - 1)),
    ("{op: avgpool, output: 3}", 4 * (8 + 3 - 1) ** 2),  # windows of 8 → 3: lengths 3, 4, 3
    ("{op: upsample, scale: 2, mode: bilinear}", 4 * 16 * 16 * 2 ** 2),
    ("{op: upsample, scale: 2}", 0),
    ("{op: fc, out: 10}", 10),  # bias additions
    ("{op: flatten}", 0),
])
def test_elementwise_work_per_kind(layer, work):
    assert report(layer).rows[0].elementwise == work


def test_residual_add_counts_one_addition_per_element_per_extra_input():
    r = report("{op: relu, name: a};{op: relu, name: b, from: input};"
               "{op: add, name: s, from: [a, b, input]}")
    assert r.row("s").elementwise == (3 - 1) * 4 * 8 * 8


def test_batch_scales_work_and_activations_never_params():
    one, eight = report("{op: conv, out: 6, kernel: 3}"), report("{op: conv, out: 6, kernel: 3}",
                                                                batch=8)
    assert eight.totals.macs == 8 * one.totals.macs == 8 * 6 * 6 * 6 * 3 * 3 * 4
    assert eight.totals.elementwise == 8 * 6 * 6 * 6
    assert eight.totals.params == one.totals.params == 3 * 3 * 4 * 6 + 6
    assert memory(eight).activations == 8 * 6 * 6 * 6 * 4  # fp32


@pytest.mark.parametrize("dtype, width", [("fp32", 4), ("fp16", 2), ("bf16", 2), ("int8", 1)])
def test_parameter_memory_by_dtype(dtype, width):
    r = report("{op: conv, out: 6, kernel: 3}")
    assert memory(r, dtype).params == (3 * 3 * 4 * 6 + 6) * width


def test_peak_live_memory_frees_a_tensor_after_its_last_reader():
    # input I (4·8·8 = 256); a = conv(I) 256; b = relu(a) 256; c = relu(b) 256
    chain = report("{op: conv, name: a, out: 4, kernel: 3, padding: 1};{op: relu, name: b};"
                   "{op: relu, name: c}")
    # while a runs: I + a; then I is freed; b: a + b; then a freed; c: b + c
    assert peak_live_elements(chain) == 2 * 256
    # a residual keeps I alive until the add: a: I + a, b: I + a + b (a freed), add: I + b + s
    residual = report("{op: conv, name: a, out: 4, kernel: 3, padding: 1};{op: relu, name: b};"
                      "{op: add, name: s, from: [b, input]}")
    assert peak_live_elements(residual) == 3 * 256


def test_training_estimate_keeps_every_activation_and_its_gradient():
    r = report("{op: conv, name: a, out: 4, kernel: 3, padding: 1};{op: relu, name: b}")
    m = memory(r)
    assert m.training == (256 + 2 * (256 + 256)) * 4  # input + 2 × Σ outputs, fp32
    assert m.input == 256 * 4


def test_diff_explains_keras_counting_of_resnet50_to_the_last_parameter():
    torch, keras = analyze(load("resnet50")), analyze(load("resnet50", convention="keras"))
    d = difference(torch, keras)
    # 53 BatchNorm layers, 2·C running statistics each: the torch report's buffers
    assert d.params == torch.totals.buffers == 53_120
    assert [(c.what, len(c.layers), c.params) for c in d.causes] == [
        ("BatchNorm running statistics counted as (non-trainable) parameters", 53, 53_120)]


def test_diff_of_two_specs_sums_exactly():
    d = difference(analyze(load("alexnet-paper")), analyze(load("alexnet-lecture")))
    # the lecture's fc6 reads 13·13·256 inputs instead of 6·6·256, and has no biases anywhere
    kernel = (13 * 13 - 6 * 6) * 256 * 4096
    biases = 96 + 256 + 384 + 384 + 256 + 4096 + 4096 + 1000
    assert d.params == kernel - biases == 200_415_264 - 60_965_224
    assert sum(c.params for c in d.causes) == d.params
    assert {c.what: c.params for c in d.causes}["biases"] == -biases


def test_diff_of_v1_and_v15_is_three_strided_convolutions():
    d = difference(analyze(load("resnet50")), analyze(load("resnet50-v1")))
    # v1.5 runs each stage's first 1×1 conv at the larger resolution: 128×56×56 vs 128×28×28 …
    per_stage = [128 * (56 * 56 - 28 * 28) * 256, 256 * (28 * 28 - 14 * 14) * 512,
                 512 * (14 * 14 - 7 * 7) * 1024]
    assert d.params == 0 and d.macs == -sum(per_stage)
    assert sorted(-c.macs for c in d.causes) == sorted(per_stage)


def test_diff_command():
    out = runner.invoke(app, ["diff", "resnet50", "--conventions", "torch,keras"])
    assert out.exit_code == 0 and "+53,120" in out.stdout
    assert runner.invoke(app, ["diff", "resnet50"]).exit_code == 2


def test_columns_and_memory_footer():
    out = runner.invoke(app, ["summary", "two-3x3", "--columns", "ops,memory", "--dtype",
                              "fp16"]).stdout
    assert "element-wise" in out and "output (fp16)" in out
    # params 2·3·3·128·128 fp16 = 589,824 bytes = 576.0 KiB
    assert "params 576.0 KiB" in out


@pytest.mark.parametrize("name", sorted(__import__("convcalc.zoo", fromlist=["x"]).builtin_specs()))
def test_sweep_works_on_every_built_in(name):
    from convcalc.sweep import sweep

    spec = load(name)
    own = spec.input.spatial
    rows = sweep(spec, [own, tuple(n + 32 for n in own)])
    assert len(rows) == 2
    assert rows[0].error is None and rows[0].report.totals.params == analyze(spec).totals.params


def test_json_contract_has_the_convention_compute_and_memory_fields():
    import json

    doc = json.loads(runner.invoke(app, ["summary", "resnet18", "--format", "json", "--batch",
                                         "2", "--dtype", "fp16"]).stdout)
    assert doc["convention"] == "torch" and doc["batch"] == 2
    for key in ("trainable", "non_trainable", "elementwise"):
        assert all(type(layer[key]) is int for layer in doc["layers"])
    totals = doc["totals"]
    assert totals["macs_with_elementwise"] == totals["macs"] + totals["elementwise"]
    assert totals["params"] == totals["trainable"] + totals["non_trainable"] == 11_689_512
    memory = doc["memory"]
    assert memory["dtype"] == "fp16" and memory["bytes_per_element"] == 2
    assert memory["params"] == 2 * 11_689_512 and memory["input"] == 2 * 3 * 224 * 224 * 2
    assert all(type(memory[k]) is int for k in ("activations", "peak_inference", "training"))
