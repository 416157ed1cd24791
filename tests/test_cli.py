"""The command line, driven through CliRunner: exit codes, exact output, the JSON contract.

Expected numbers are written as the lecture's arithmetic, never taken from the program. Rendered
tables are compared with golden files in tests/golden/ (see conftest.py for --update-golden).
"""

from __future__ import annotations

import csv
import gc
import io
import json
import subprocess
import sys

import pytest
import typer.main
from typer.testing import CliRunner

import convcalc
from convcalc.cli import app
from convcalc.zoo import builtin_specs

#: The lecture's AlexNet: weights of its eight weight-bearing layers (no biases).
ALEXNET_LECTURE = {
    "conv1": 11 * 11 * 3 * 96,
    "conv2": 5 * 5 * 48 * 256,
    "conv3": 3 * 3 * 256 * 384,
    "conv4": 3 * 3 * 192 * 384,
    "conv5": 3 * 3 * 192 * 256,
    "fc6": 13 * 13 * 256 * 4096,
    "fc7": 4096 * 4096,
    "fc8": 4096 * 1000,
}
ALEXNET_LECTURE_LAYERS = 21  # 5 conv, 3 fc, 7 relu, 2 lrn, 2 maxpool, 2 dropout

#: Total params of the built-ins whose arithmetic fits on a line.
HAND_COUNTED_PARAMS = {
    "alexnet-lecture": sum(ALEXNET_LECTURE.values()),
    "alexnet-paper": (11 * 11 * 3 * 96 + 96) + (5 * 5 * 48 * 256 + 256)
    + (3 * 3 * 256 * 384 + 384) + (3 * 3 * 192 * 384 + 384) + (3 * 3 * 192 * 256 + 256)
    + (6 * 6 * 256 * 4096 + 4096) + (4096 * 4096 + 4096) + (4096 * 1000 + 1000),
    "two-3x3": 2 * 3 * 3 * 128 * 128,
    "one-5x5": 5 * 5 * 128 * 128,
    "inception-naive": 3 * 3 * 128 * 128,
    "inception-1x1": 1 * 1 * 128 * 32 + 3 * 3 * 32 * 128,
}


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def ok(*args: str):
    """Run a command that must succeed silently on stderr; return its stdout."""
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return result.stdout


def line_of(text: str, first_cell: str) -> str:
    """The line of a rendered table whose first cell is `first_cell`."""
    [line] = [line for line in text.splitlines() if line.split()[:1] == [first_cell]]
    return line


# ---------------------------------------------------------------------------------------------
# summary
# ---------------------------------------------------------------------------------------------


def test_summary_table():
    out = ok("summary", "alexnet-lecture")
    assert out.startswith("alexnet-lecture — input 3×227×227")
    for name, weights in ALEXNET_LECTURE.items():
        assert f"{weights:,}" in line_of(out, name)
    assert "96×55×55" in line_of(out, "conv1")
    assert "11×11 s4 p0" in line_of(out, "conv1")
    assert "5×5 s1 p2 g2" in line_of(out, "conv2")
    total = line_of(out, "total")
    assert f"{sum(ALEXNET_LECTURE.values()):,}" in total
    assert "1000" in total


def test_summary_table_matches_the_golden_file(golden):
    golden("alexnet-lecture.summary.txt", ok("summary", "alexnet-lecture"))


def test_summary_json_matches_the_golden_file(golden):
    golden("alexnet-lecture.summary.json", ok("summary", "alexnet-lecture", "--format", "json"))


def test_summary_is_deterministic():
    assert ok("summary", "alexnet-paper", "-f", "json") == ok("summary", "alexnet-paper", "-f",
                                                              "json")


def test_summary_csv():
    rows = list(csv.DictReader(io.StringIO(ok("summary", "alexnet-lecture", "--format", "csv"))))
    assert len(rows) == ALEXNET_LECTURE_LAYERS
    assert {row["name"]: int(row["weights"]) for row in rows if int(row["weights"])} == \
        ALEXNET_LECTURE
    conv1 = rows[0]
    assert (conv1["name"], conv1["op"], conv1["output_shape"]) == ("conv1", "conv", "96x55x55")
    assert int(conv1["macs"]) == (96 * 55 * 55) * (11 * 11 * 3)
    assert conv1["rf_size"] == "11x11"


def test_summary_markdown():
    out = ok("summary", "alexnet-lecture", "--format", "markdown")
    assert out.startswith("## alexnet-lecture\n")
    assert "| conv1 | conv | 96×55×55 | 11×11 s4 p0 | 34,848 |" in out
    assert f"**{sum(ALEXNET_LECTURE.values()):,}**" in out


def test_summary_input_override():
    document = json.loads(ok("summary", "alexnet-paper", "--input", "3x224x224", "-f", "json"))
    assert document["input"] == [3, 224, 224]
    layers = {layer["name"]: layer for layer in document["layers"]}
    # 224 → conv1 ⌊(224−11)/4⌋+1 = 54 → pool1 26 → conv2 26 → pool2 12 → conv3-5 12 → pool5 5
    assert layers["conv1"]["output_shape"] == [96, (224 - 11) // 4 + 1, (224 - 11) // 4 + 1]
    assert layers["pool5"]["output_shape"] == [256, 5, 5]
    assert layers["fc6"]["weights"] == 5 * 5 * 256 * 4096
    assert any("conv1" in w and "would fit exactly" in w for w in document["warnings"])


# ---------------------------------------------------------------------------------------------
# The JSON contract
# ---------------------------------------------------------------------------------------------

COUNTS = ("weights", "biases", "params", "buffers", "macs")


def is_int(value) -> bool:
    return type(value) is int  # not a bool, a float or a string


def is_shape(value) -> bool:
    return isinstance(value, list) and len(value) >= 1 and all(is_int(v) and v > 0 for v in value)


def check_contract(document: dict) -> None:
    assert isinstance(document["name"], str)
    assert is_shape(document["input"]) and len(document["input"]) >= 2
    axes = len(document["input"]) - 1
    assert isinstance(document["layers"], list) and document["layers"]
    for layer in document["layers"]:
        assert isinstance(layer["name"], str)
        assert isinstance(layer["op"], str)
        assert isinstance(layer["inputs"], list)
        assert layer["inputs"] and all(isinstance(i, str) for i in layer["inputs"])
        assert is_shape(layer["output_shape"])
        for key in COUNTS:
            assert is_int(layer[key]) and layer[key] >= 0, (layer["name"], key, layer[key])
        rf = layer["rf"]
        assert type(rf["global"]) is bool
        for key in ("size", "jump", "padding"):
            assert isinstance(rf[key], list) and len(rf[key]) == axes
            # exact: an int, a 'p/q' string for a fraction, or null when unknown
            assert all(v is None or is_int(v) or isinstance(v, str) for v in rf[key])
    totals = document["totals"]
    for key in (*COUNTS, "flops"):
        assert is_int(totals[key]), (key, totals[key])
    assert is_shape(totals["output_shape"])
    assert isinstance(document["warnings"], list)
    assert all(isinstance(w, str) for w in document["warnings"])


def test_json_contract_of_the_lecture_alexnet():
    document = json.loads(ok("summary", "alexnet-lecture", "--format", "json"))
    check_contract(document)
    conv1 = document["layers"][0]
    assert {key: conv1[key] for key in ("name", "op", "inputs", "output_shape", *COUNTS)} == {
        "name": "conv1", "op": "conv", "inputs": ["input"], "output_shape": [96, 55, 55],
        "weights": 11 * 11 * 3 * 96, "biases": 0, "params": 11 * 11 * 3 * 96, "buffers": 0,
        "macs": (96 * 55 * 55) * (11 * 11 * 3),
    }
    assert conv1["rf"] == {"size": [11, 11], "jump": [4, 4], "padding": [0, 0], "global": False}
    assert document["layers"][-1]["rf"]["global"] is True


@pytest.mark.parametrize("name", sorted(builtin_specs()))
def test_json_contract_and_totals_of_every_builtin(name):
    document = json.loads(ok("summary", name, "--format", "json"))
    check_contract(document)
    layers, totals = document["layers"], document["totals"]
    for key in COUNTS:
        assert totals[key] == sum(layer[key] for layer in layers), key
    assert totals["flops"] == 2 * totals["macs"]
    for layer in layers:
        assert layer["params"] >= layer["weights"] + layer["biases"]


def test_one_layer_json_follows_the_contract():
    check_contract(json.loads(ok("conv", "--input", "3x227x227", "--out", "96", "--kernel", "11",
                                 "--stride", "4", "--format", "json")))


# ---------------------------------------------------------------------------------------------
# conv and pool: one layer with its arithmetic
# ---------------------------------------------------------------------------------------------


def test_conv_explains_the_lecture_question():
    out = ok("conv", "--input", "3x227x227", "--out", "96", "--kernel", "11", "--stride", "4")
    assert "11×11×3×96 + 96 = 34,944" in out
    assert "96×55×55" in out
    assert f"{(96 * 55 * 55) * (11 * 11 * 3):,}" in out  # MACs


def test_conv_with_same_padding_groups_and_no_bias():
    out = ok("conv", "-i", "64x56x56", "-o", "128", "-k", "3", "-s", "2", "-p", "same", "-g", "2",
             "--no-bias")
    assert "64×56×56 → 128×28×28" in out
    assert f"3×3×32×128 = {3 * 3 * 32 * 128:,}" in out


def test_pool():
    out = ok("pool", "--input", "96x55x55", "--kernel", "3", "--stride", "2")
    assert "96×55×55 → 96×27×27" in out


def test_pool_ceil_mode():
    out = ok("pool", "--input", "64x112x112", "--kernel", "3", "--stride", "2", "--ceil-mode")
    assert "64×112×112 → 64×56×56" in out  # ⌈(112 − 3)/2⌉ + 1 = 56, not 55


def test_avg_pool_json():
    document = json.loads(ok("pool", "-i", "8x7x7", "-k", "2", "--kind", "avg", "-f", "json"))
    [layer] = document["layers"]
    assert (layer["op"], layer["output_shape"], layer["params"]) == ("avgpool", [8, 3, 3], 0)


# ---------------------------------------------------------------------------------------------
# compare
# ---------------------------------------------------------------------------------------------


def test_compare_two_3x3_with_one_5x5_prints_72_percent():
    # 2·3·3·128² / 5·5·128² = 18/25 = 72.0%, and the other way round 25/18 = 138.9%
    out = ok("compare", "two-3x3", "one-5x5")
    assert "two-3x3: 72.0% of one-5x5's params" in out
    assert "one-5x5: 138.9% of two-3x3's params" in out


def test_compare_shows_each_spec_relative_to_the_first():
    out = ok("compare", "one-5x5", "two-3x3")
    assert "72.0%" in line_of(out, "params")  # 18/25 of the first's params
    assert f"{2 * 3 * 3 * 128 * 128:,}" in line_of(out, "params")
    assert f"{5 * 5 * 128 * 128:,}" in line_of(out, "params")


def test_compare_json():
    document = json.loads(ok("compare", "two-3x3", "one-5x5", "--format", "json"))
    two, one = document["specs"]
    assert (two["name"], one["name"]) == ("two-3x3", "one-5x5")
    assert two["totals"]["params"] == 2 * 3 * 3 * 128 * 128
    assert one["totals"]["params"] == 5 * 5 * 128 * 128
    assert two["rf"]["size"] == one["rf"]["size"] == [5, 5]


# ---------------------------------------------------------------------------------------------
# check
# ---------------------------------------------------------------------------------------------


def test_check_all_builtins_match_their_published_figures():
    result = invoke("check", "--all")
    assert result.exit_code == 0, result.output
    for name in builtin_specs():
        assert f"ok       {name}:" in result.stdout


WRONG = """\
name: wrong
input: [3, 227, 227]
layers:
  - {op: conv, name: conv1, out: 96, kernel: 11, stride: 4}
expected:
  source: a slide that forgot the biases
  totals: {params: 34_848}
  layers:
    conv1: {output_shape: [96, 55, 55], rf: 11}
"""


def test_check_reports_a_mismatch_with_exit_code_1(write_spec):
    result = invoke("check", write_spec(WRONG, "wrong.yaml"))
    assert result.exit_code == 1
    assert result.stderr == ""
    row = line_of(result.stdout, "wrong")
    assert "params" in row
    assert f"{11 * 11 * 3 * 96:,}" in row  # expected: weights only
    assert f"{11 * 11 * 3 * 96 + 96:,}" in row  # computed: with the 96 biases
    assert "a slide that forgot the biases" in row
    assert "MISMATCH wrong: 2 of 3 figures match" in result.stdout


def test_check_json_gives_expected_and_computed(write_spec):
    result = invoke("check", write_spec(WRONG, "wrong.yaml"), "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["ok"] is False
    [params] = [f for f in document["specs"][0]["figures"] if not f["ok"]]
    assert (params["layer"], params["figure"]) == (None, "params")
    assert (params["expected"], params["computed"]) == (11 * 11 * 3 * 96, 11 * 11 * 3 * 96 + 96)


def test_check_with_a_spec_error_exits_2(write_spec):
    path = write_spec(WRONG.replace("kernel: 11", "kernel: 0"), "broken.yaml")
    result = invoke("check", path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("convcalc: broken.yaml:4: layer 'conv1' (conv): kernel")


def test_check_without_expected_figures_is_an_error(write_spec):
    result = invoke("check", write_spec("name: t\ninput: [3, 8, 8]\nlayers: [{op: relu}]\n"))
    assert result.exit_code == 2
    assert "has no 'expected:' figures" in result.stderr


# ---------------------------------------------------------------------------------------------
# list, version, help
# ---------------------------------------------------------------------------------------------


def test_list_shows_every_builtin_with_its_params():
    out = ok("list")
    for name in builtin_specs():
        assert line_of(out, name)
    for name, params in HAND_COUNTED_PARAMS.items():
        assert f"{params:,}" in line_of(out, name).split()


def test_list_json():
    entries = json.loads(ok("list", "--format", "json"))["architectures"]
    assert [e["name"] for e in entries] == list(builtin_specs())
    by_name = {e["name"]: e for e in entries}
    for name, params in HAND_COUNTED_PARAMS.items():
        assert by_name[name]["params"] == params


def test_version():
    assert ok("--version") == f"convcalc {convcalc.__version__}\n"


def test_python_dash_m_help():
    process = subprocess.run([sys.executable, "-m", "convcalc", "--help"], capture_output=True,
                             text=True, timeout=60)
    assert process.returncode == 0
    assert "Usage" in process.stdout
    for command in ("summary", "conv", "pool", "compare", "check", "list"):
        assert command in process.stdout


COMMANDS = sorted(typer.main.get_command(app).commands)


def test_the_commands_are_the_documented_ones():
    assert {"summary", "conv", "pool", "compare", "check", "list"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    out = ok(command, "--help")
    assert "Example" in out
    assert f"convcalc {command}" in out


def test_a_spec_cut_at_a_layer_compares_what_that_layer_needs():
    # FCN-32s's fc6/fc7 are convolutions with exactly VGG16's fc6/fc7 weights: up to fc7 both
    # hold the 13 convolutions plus 7·7·512·4096 + 4096 and 4096·4096 + 4096 parameters
    vgg_convs = 138_357_544 - (102_764_544 + 16_781_312 + 4_097_000)
    out = ok("compare", "vgg16@classifier.3", "fcn32s@fc7", "--format", "json")
    specs = json.loads(out)["specs"]
    assert [s["name"] for s in specs] == ["vgg16@classifier.3", "fcn32s@fc7"]
    assert specs[0]["totals"]["params"] == specs[1]["totals"]["params"] == (
        vgg_convs + 102_764_544 + 16_781_312)
    assert specs[1]["totals"]["output_shape"] == [4096, 16, 16]  # a heat map, not a vector


def test_a_cut_at_an_unknown_layer_is_a_usage_error():
    result = invoke("summary", "vgg16@classifer.3")
    assert result.exit_code == 2 and result.stdout == ""
    assert "vgg16 has no layer 'classifer.3' (did you mean 'classifier.3'?)" in result.stderr


@pytest.mark.parametrize("argv", [["summary", "two-3x3"], ["list"], ["summary", "--help"],
                                  ["frobnicate"], ["--help"], []])
def test_the_entry_point_keeps_what_each_invocation_needs(argv, monkeypatch, capsys):
    """run() drops the commands not invoked (start-up time); the others must still work."""
    from convcalc import cli

    monkeypatch.setattr(cli.app, "registered_commands", list(cli.app.registered_commands))
    monkeypatch.setattr(sys, "argv", ["convcalc", *argv])
    with pytest.raises(SystemExit) as exit:
        cli.run()
    out, err = capsys.readouterr()
    if argv[:1] == ["frobnicate"]:
        assert exit.value.code == 2 and err.splitlines()[-1] == "Error: No such command 'frobnicate'."
    elif argv in (["--help"], []):
        assert all(name in out + err for name in ("summary", "compare", "explain", "list"))
    elif argv[-1] == "--help":
        # click names the program from how Python was started (`python -m pytest` differs)
        assert exit.value.code == 0 and out.startswith("Usage: ")
        assert out.splitlines()[0].endswith("convcalc summary [OPTIONS] {SPEC}")
    else:
        assert exit.value.code == 0 and out
    gc.enable()  # run() turns the collector off for the process it runs
