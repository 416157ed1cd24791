"""Fitting other tools: the pre-commit hook definition, JUnit output, SVG export and shell
completion."""

import shlex
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml
from typer.testing import CliRunner

from convcalc.cli import app, complete_spec
from convcalc.zoo import builtin_specs

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()

WRONG = """
name: wrong
input: [128, 8, 8]
defaults: {bias: false}
layers:
  - {op: conv, name: c, out: 128, kernel: 3, padding: 1}
expected:
  source: a deliberately wrong table
  totals: {weights: 147_457, output_shape: [128, 8, 8]}
  layers:
    c: {rf: 3}
"""


def test_pre_commit_hook_definition_is_valid():
    # pre-commit's manifest: a list of hooks, each with id, name, entry and language
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert isinstance(hooks, list) and len(hooks) == 1
    hook = hooks[0]
    assert {"id", "name", "entry", "language"} <= set(hook)
    assert hook["language"] == "python"  # pre-commit installs this repository with pip
    assert hook["id"] == "convcalc-check"


def test_pre_commit_hook_entry_runs_on_spec_files(tmp_path):
    hook = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())[0]
    program, *arguments = shlex.split(hook["entry"])
    assert program == "convcalc"
    good = str(builtin_specs()["two-3x3"])
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(WRONG)
    # pre-commit appends the changed files' names to the entry
    assert runner.invoke(app, [*arguments, good]).exit_code == 0
    result = runner.invoke(app, [*arguments, good, str(wrong)])
    assert result.exit_code == 1  # a mismatch fails the commit


def test_hook_file_pattern_selects_spec_folders():
    import re

    pattern = re.compile(yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())[0]["files"])
    assert pattern.search("specs/resnet.yaml") and pattern.search("models/specs/a.yml")
    assert pattern.search("architectures/torchvision/resnet50.yaml")
    assert not pattern.search(".github/workflows/ci.yaml")


def test_junit_output_has_one_test_case_per_figure(tmp_path):
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(WRONG)
    result = runner.invoke(app, ["check", "two-3x3", str(wrong), "--format", "junit"])
    assert result.exit_code == 1
    root = ElementTree.fromstring(result.stdout)
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["two-3x3", "wrong"]
    # two-3x3 publishes 3 figures (weights, output shape, rf); wrong.yaml 3, one of them wrong
    assert [len(s.findall("testcase")) for s in suites] == [3, 3]
    assert root.get("tests") == "6" and root.get("failures") == "1"
    (failure,) = root.iter("failure")
    assert failure.get("message") == f"expected {147_457:,}, computed {3 * 3 * 128 * 128:,}"
    assert "a deliberately wrong table" in failure.text


def test_junit_output_of_every_built_in_passes():
    result = runner.invoke(app, ["check", "--all", "--format", "junit"])
    assert result.exit_code == 0
    root = ElementTree.fromstring(result.stdout)
    assert len(root.findall("testsuite")) == len(builtin_specs())
    assert root.get("failures") == "0" and not list(root.iter("failure"))


def test_a_spec_error_writes_no_junit(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ninput: [3, 8, 8]\nlayers:\n  - {op: conv, out: 4}\n")
    result = runner.invoke(app, ["check", str(bad), "--format", "junit"])
    assert result.exit_code == 2 and result.stdout == ""


def test_summary_svg_saves_the_table(tmp_path):
    picture = tmp_path / "two.svg"
    result = runner.invoke(app, ["summary", "two-3x3", "--svg", str(picture)])
    assert result.exit_code == 0
    svg = ElementTree.parse(picture).getroot()
    assert svg.tag.endswith("svg")
    assert f"{2 * 3 * 3 * 128 * 128:,}".replace(",", "") in picture.read_text().replace(",", "")


def test_summary_svg_refuses_other_formats(tmp_path):
    result = runner.invoke(app, ["summary", "two-3x3", "--format", "json", "--svg",
                                 str(tmp_path / "x.svg")])
    assert result.exit_code == 2 and not (tmp_path / "x.svg").exists()


def test_completion_offers_built_in_names_and_yaml_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "resnet-mine.yaml").write_text("name: x\n")
    (tmp_path / "notes.txt").write_text("")
    (tmp_path / "specs").mkdir()
    offered = [value for value, _ in complete_spec("res")]
    assert "resnet50" in offered and "resnext50_32x4d" in offered
    assert "resnet-mine.yaml" in offered
    assert all(v.startswith("res") for v in offered)
    assert [value for value, _ in complete_spec("sp")] == [
        *(n for n in builtin_specs() if n.startswith("sp")), "specs/"]
    assert "notes.txt" not in [value for value, _ in complete_spec("no")]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_are_offered(shell):
    result = runner.invoke(app, ["--show-completion", shell], prog_name="convcalc")
    assert result.exit_code == 0
    assert "_CONVCALC_COMPLETE" in result.stdout


def test_bash_completes_built_in_names_end_to_end():
    import os
    import shutil
    import subprocess

    program = shutil.which("convcalc")
    if program is None:
        pytest.skip("convcalc is not installed on PATH")
    env = dict(os.environ, _CONVCALC_COMPLETE="complete_bash",
               COMP_WORDS="convcalc summary resnet1", COMP_CWORD="2")
    out = subprocess.run([program], env=env, capture_output=True, text=True).stdout.split()
    assert {"resnet101", "resnet152", "resnet18"} <= set(out)


def test_rf_command_prints_plots_and_writes_json(tmp_path):
    # AlexNet's published fields (google-research/receptive_field, alexnet_v2): 11 … 195
    table = runner.invoke(app, ["rf", "alexnet-paper"])
    assert table.exit_code == 0
    for size in (11, 19, 51, 99, 131, 163, 195):
        assert f" {size} " in table.stdout
    picture = tmp_path / "rf.svg"
    plotted = runner.invoke(app, ["rf", "alexnet-paper", "--plot", str(picture)])
    assert plotted.exit_code == 0 and plotted.stdout == ""
    assert ElementTree.parse(picture).getroot().tag.endswith("svg")
    import json

    doc = json.loads(runner.invoke(app, ["rf", "two-3x3", "--format", "json"]).stdout)
    # conv1 and conv2 change the field (3, then 3 + 2 = 5); the output relu2 always ends the path
    assert [layer["name"] for layer in doc["layers"]] == ["conv1", "conv2", "relu2"]
    assert [layer["rf"]["size"] for layer in doc["layers"]] == [[3, 3], [5, 5], [5, 5]]


def test_graph_and_schema_commands_run():
    assert "flowchart TD" in runner.invoke(app, ["graph", "two-3x3"]).stdout
    assert runner.invoke(app, ["graph", "resnet18", "--format", "dot", "--depth", "1"]
                         ).stdout.startswith("digraph")
    import json

    schema = json.loads(runner.invoke(app, ["schema"]).stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_explain_sweep_and_solve_commands_are_wired():
    out = runner.invoke(app, ["explain", "alexnet-lecture", "conv2"])
    assert out.exit_code == 0 and "5×5×48×256 = 307,200" in out.stdout  # k×k×(C_in/g)×C_out
    bad = runner.invoke(app, ["explain", "alexnet-lecture", "cnv2"])
    assert bad.exit_code == 2 and "did you mean 'conv2'" in bad.stderr
    import json

    rows = json.loads(runner.invoke(app, ["sweep", "alexnet-lecture", "--sizes", "224,227",
                                          "--format", "json"]).stdout)
    assert rows  # 224 leaves a remainder of (224 − 11) mod 4 = 1, 227 tiles exactly
    sized = runner.invoke(app, ["sweep", "alexnet-lecture", "--sizes", "1:0"])
    assert sized.exit_code == 2 and sized.stdout == ""
    solved = runner.invoke(app, ["solve", "--input", "56", "--keep-size", "--kernel", "3"])
    assert solved.exit_code == 0 and "⌊(56 + 1 + 1 − 3) / 1⌋ + 1 = 56" in solved.stdout
    assert runner.invoke(app, ["solve", "--input", "56"]).exit_code == 2


def test_summary_explain_adds_the_parameter_arithmetic():
    out = runner.invoke(app, ["summary", "two-3x3", "--explain"]).stdout
    assert out.count("3×3×128×128 = 147,456") == 2
