"""Every class of bad input, through the command line: one line on stderr, exit code 2, no output.

Each message starts with the spec's ``file:line:`` so an editor can jump to it, says what is wrong
and how to fix it, and nothing is written to stdout: a failure never leaves half a table or half
a JSON document behind. No input may ever produce a Python traceback.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from convcalc.cli import app

HEAD = "name: bad\ninput: [3, 32, 32]\nlayers:\n"  # the first layer is on line 4

BAD_SPECS = [
    pytest.param("name: bad\ninput: [3, 32, 32]\nlayers: [{op: relu]\n",
                 "bad.yaml:3:", "YAML syntax error", id="yaml syntax"),
    pytest.param(HEAD + "  - {op: conv, out: 8, kernel: 3}\n  - {op: cnv, out: 8, kernel: 3}\n",
                 "bad.yaml:5:", "unknown op 'cnv' (did you mean 'conv'?)", id="unknown op"),
    pytest.param(HEAD + "  - {op: conv, out: 8, kernal: 3}\n",
                 "bad.yaml:4:", "layer 'conv1' (conv): unknown field 'kernal' (did you mean"
                 " 'kernel'?)", id="unknown key"),
    pytest.param(HEAD + "  - op: conv\n    out: 8\n    kernel: 3\n    kernel: 5\n",
                 "bad.yaml:7:", "duplicate key 'kernel' (first on line 6)", id="duplicate key"),
    pytest.param(HEAD + "  - {op: conv, out: 8, kernel: -3}\n",
                 "bad.yaml:4:", "layer 'conv1' (conv): kernel must be positive, not -3",
                 id="negative kernel"),
    pytest.param(HEAD + "  - {op: conv, out: 8, kernel: 0}\n",
                 "bad.yaml:4:", "layer 'conv1' (conv): kernel must be positive, not 0",
                 id="zero kernel"),
    pytest.param(HEAD + "  - {op: conv, out: 8, kernel: 3}\n  - {op: conv, out: 8, kernel: 35,"
                 " padding: 1}\n", "bad.yaml:5:", "layer 'conv2' (conv): kernel 35 is larger than"
                 " the padded input 32 (30 + padding 1+1)", id="kernel larger than the input"),
    pytest.param("name: bad\ninput: [3, 8, 8]\nlayers:\n"
                 + "".join(f"  - {{op: maxpool, name: pool{n}, kernel: 2}}\n" for n in range(1, 5)),
                 "bad.yaml:7:", "layer 'pool4' (maxpool): kernel 2 is larger than the padded"
                 " input 1", id="output collapses to nothing"),
    pytest.param(HEAD + "  - {op: conv, out: 4.5, kernel: 3}\n",
                 "bad.yaml:4:", "layer 'conv1' (conv): out must be an integer, not 4.5",
                 id="wrong type"),
    pytest.param(HEAD + "  - {op: conv, out: 8, kernel: 3, bias: no}\n",
                 "bad.yaml:4:", "YAML 1.1 would read 'no' as a boolean, convcalc does not: write"
                 " true or false", id="yaml 1.1 boolean"),
    pytest.param(HEAD + "  - {op: conv, out: 8, kernel: 3, groups: 2}\n",
                 "bad.yaml:4:", "layer 'conv1' (conv): input channels 3 are not divisible by"
                 " groups 2", id="groups do not divide the input channels"),
    pytest.param(HEAD + "  - {op: conv, out: 5, kernel: 3, groups: 3}\n",
                 "bad.yaml:4:", "layer 'conv1' (conv): out 5 is not divisible by groups 3",
                 id="groups do not divide the output channels"),
    pytest.param(HEAD + "  - {op: flatten}\n  - {op: conv, out: 8, kernel: 3}\n",
                 "bad.yaml:5:", "layer 'conv1' (conv): conv needs spatial axes",
                 id="conv after flatten"),
    pytest.param("name: bad\ninput: [3, 32, 32]\nlayer:\n  - {op: relu}\n",
                 "bad.yaml:3:", "unknown top-level key 'layer' (did you mean 'layers'?)",
                 id="unknown top-level key"),
    pytest.param("name: bad\ninput: [3, 32, 32]\n",
                 "bad.yaml:1:", "'layers:' must be a non-empty list", id="missing layers"),
    pytest.param("name: bad\nlayers: [{op: relu}]\n",
                 "bad.yaml:1:", "missing 'input:'", id="missing input"),
    pytest.param(HEAD + "  - {op: conv, out: 8, kernel: 3}\nexpected:\n  totals: {params: 224}\n",
                 "bad.yaml:6:", "expected params has no source; add 'source:'",
                 id="expected figure without a source"),
]


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def assert_one_line_error(result, prefix: str, message: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception)  # only SystemExit(2) left the command
    [line] = result.stderr.splitlines()
    assert line.startswith(f"convcalc: {prefix} ")
    assert message in line


@pytest.mark.parametrize("text, prefix, message", BAD_SPECS)
def test_a_bad_spec_is_one_line_on_stderr(write_spec, text, prefix, message):
    assert_one_line_error(invoke("summary", write_spec(text)), prefix, message)


#: One bad spec per place an error can come from: the YAML reader, the field checks, the shape
#: arithmetic, the expected figures. (The CliRunner test above covers every case in-process.)
IN_A_REAL_PROCESS = [p for p in BAD_SPECS if p.id in (
    "yaml syntax", "duplicate key", "unknown op", "yaml 1.1 boolean", "output collapses to nothing",
    "expected figure without a source")]


@pytest.mark.parametrize("text, prefix, message", IN_A_REAL_PROCESS)
def test_a_bad_spec_never_shows_a_traceback(write_spec, text, prefix, message):
    path = write_spec(text)
    process = subprocess.run([sys.executable, "-m", "convcalc", "summary", path],
                             capture_output=True, text=True, timeout=60)
    assert process.returncode == 2
    assert process.stdout == ""
    assert "Traceback" not in process.stderr
    assert process.stderr.startswith(f"convcalc: {prefix} ")
    assert message in process.stderr


@pytest.mark.parametrize("format", ["table", "json", "csv", "markdown"])
def test_a_late_error_leaves_nothing_half_written(write_spec, format):
    # Three layers compute fine before the fourth fails: none of them may reach stdout.
    path = write_spec("name: bad\ninput: [3, 8, 8]\nlayers:\n"
                      + "".join(f"  - {{op: maxpool, name: pool{n}, kernel: 2}}\n"
                                for n in range(1, 5)))
    result = invoke("summary", path, "--format", format)
    assert_one_line_error(result, "bad.yaml:7:", "layer 'pool4' (maxpool)")


@pytest.mark.parametrize("command", [["summary"], ["check"], ["compare", "two-3x3"]])
def test_every_command_reports_spec_errors_alike(write_spec, command):
    path = write_spec(HEAD + "  - {op: conv, out: 8, kernel: 0}\n"
                      "expected: {source: s, totals: {params: 1}}\n")
    assert_one_line_error(invoke(*command, path), "bad.yaml:4:",
                          "kernel must be positive, not 0")


def test_an_unknown_builtin_name_suggests_the_closest():
    result = invoke("summary", "inception-naiv")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("convcalc: 'inception-naiv' is neither a spec file nor a"
                                    " built-in architecture (did you mean 'inception-naive'?)")
    assert "convcalc list" in result.stderr


def test_a_missing_file_is_named():
    result = invoke("summary", "nowhere/missing.yaml")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("convcalc: nowhere/missing.yaml: no such file")


def test_a_directory_is_named(tmp_path):
    result = invoke("summary", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"convcalc: {tmp_path}: is a directory")


def test_a_file_that_is_not_utf8_is_named(write_spec, tmp_path):
    (tmp_path / "latin1.yaml").write_bytes(b"name: caf\xe9\ninput: [3, 8, 8]\nlayers: []\n")
    result = invoke("summary", "latin1.yaml")
    assert result.exit_code == 2
    assert result.stderr.startswith("convcalc: latin1.yaml:1: the file is not UTF-8 text")


@pytest.mark.parametrize("args, message", [
    (["summary", "two-3x3", "--input", "128x0x56"], "--input '128x0x56' must contain only"
                                                    " positive integers"),
    (["summary", "two-3x3", "--input", "big"], "--input 'big' must be integers joined by 'x'"),
    (["summary", "two-3x3", "--input", "128"], "--input '128' must give channels and 2 spatial"
                                               " sizes, like the spec's input 128×56×56"),
    (["conv", "--input", "3x32x32", "--out", "8", "--kernel", "three"],
     "--kernel 'three' must be an integer"),
    (["compare", "two-3x3"], "compare needs at least two specs"),
    (["check"], "name the specs to check, or use --all"),
])
def test_bad_command_line_arguments(args, message):
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"convcalc: {message}")


@pytest.mark.parametrize("shape", ["3x224", "3x8x224x224"])
def test_an_input_override_must_keep_the_number_of_spatial_axes(shape):
    # Otherwise 3x224 would silently analyse a 1-D AlexNet, with other numbers.
    result = invoke("summary", "alexnet-lecture", "--input", shape)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"convcalc: --input '{shape}' must give channels and 2"
                                    " spatial sizes")


def test_traceback_flag_shows_the_python_traceback_for_bug_reports(tmp_path):
    import subprocess
    import sys

    bad = tmp_path / "bad.yaml"
    bad.write_text("name: t\ninput: [3, 8, 8]\nlayers:\n  - {op: conv, out: 4, kernel: 0}\n")
    plain = subprocess.run([sys.executable, "-m", "convcalc", "summary", str(bad)],
                           capture_output=True, text=True)
    debug = subprocess.run([sys.executable, "-m", "convcalc", "--traceback", "summary", str(bad)],
                           capture_output=True, text=True)
    assert plain.returncode == 2 and "Traceback" not in plain.stderr
    assert debug.returncode != 0 and "Traceback (most recent call last)" in debug.stderr
    assert "kernel must be positive, not 0" in debug.stderr
