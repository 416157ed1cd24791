"""Input-resolution sweeps: size lists, one analysis per size, and which sizes are valid.

Expected values are worked out by hand from the layers' windows, never read off the program: a
size is exact when every window's remainder (n + p_b + p_a − span) mod s is 0.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
from pathlib import Path

import pytest
from convcalc.table import render

from convcalc import writers
from convcalc.sweep import MAX_SIZES, notes, parse_sizes, rows_dict, sweep, table, valid
from convcalc.zoo import load


def rendered(renderable) -> str:
    """What the CLI prints when not on a terminal (table.render), lines right-stripped."""
    return render(renderable).rstrip("\n")


# --- parse_sizes --------------------------------------------------------------------------------


@pytest.mark.parametrize("text, axes, expected", [
    ("224", 2, ((224, 224),)),
    ("224,227", 2, ((224, 224), (227, 227))),
    (" 224 , 227 ", 2, ((224, 224), (227, 227))),
    ("220:223", 1, ((220,), (221,), (222,), (223,))),                     # stop included, step 1
    ("320:400:32", 2, ((320, 320), (352, 352), (384, 384))),              # 416 > 400: stops at 384
    ("320:384:32", 2, ((320, 320), (352, 352), (384, 384))),              # 384 = 320 + 2·32: kept
    ("600x1000", 2, ((600, 1000),)),
    ("600×1000", 2, ((600, 1000),)),
    ("8x16x16", 3, ((8, 16, 16),)),
    ("16", 3, ((16, 16, 16),)),
    ("224,224,220:224:4", 2, ((224, 224), (220, 220))),                   # duplicates dropped
])
def test_parse_sizes(text, axes, expected):
    assert parse_sizes(text, axes) == expected


def test_the_issues_example_gives_four_sizes_and_eleven_from_the_range():
    sizes = parse_sizes("224,227,256,299,320:640:32", 2)
    assert len(sizes) == 4 + (640 - 320) // 32 + 1
    assert [s[0] for s in sizes] == [224, 227, 256, 299, *range(320, 640 + 1, 32)]


FORMS = "give integers like 224, ranges like 320:640:32 (stop included) or HxW like 600x1000"


@pytest.mark.parametrize("text, axes, message", [
    ("", 2, f"sizes '' has an empty item: {FORMS}, separated by commas"),
    ("224,", 2, f"sizes '224,' has an empty item: {FORMS}, separated by commas"),
    ("abc", 2, f"size 'abc' is not understood: {FORMS}"),
    ("0", 2, "size '0': sizes must be positive integers"),
    ("-3", 2, "size '-3': sizes must be positive integers"),
    ("1:5:0", 2, "range '1:5:0': the step must be a positive integer"),
    ("1:5:a", 2, f"size '1:5:a' is not understood: {FORMS}"),
    ("0:5", 2, "size '0:5': sizes must be positive integers"),
    ("640:320", 2, "range '640:320': the stop 320 is below the start 640"),
    ("1:2:3:4", 2, "range '1:2:3:4' must be START:STOP or START:STOP:STEP, like 320:640:32"),
    ("600x1000:1200", 2, "range '600x1000:1200': ranges take single sizes (N on every axis); list"
                         " HxW sizes one by one"),
    ("3x224x224", 2, "size '3x224x224' has 3 sizes but the spec has 2 spatial axes; give one"
                     " size, or 2 joined by 'x'"),
    ("600x1000", 1, "size '600x1000' has 2 sizes but the spec has 1 spatial axis; give one size"),
    (f"1:{MAX_SIZES + 1}", 2, f"sizes '1:{MAX_SIZES + 1}' give more than 10,000 sizes; sweep a"
                              " narrower range or use a larger step"),
    ("1:1000000000000", 2, "sizes '1:1000000000000' give more than 10,000 sizes; sweep a narrower"
                           " range or use a larger step"),                   # never expanded
])
def test_parse_sizes_refuses_bad_text_with_a_clear_message(text, axes, message):
    with pytest.raises(ValueError) as error:
        parse_sizes(text, axes)
    assert str(error.value) == message


def test_exactly_the_maximum_number_of_sizes_is_accepted():
    assert len(parse_sizes(f"1:{MAX_SIZES}", 1)) == MAX_SIZES


# --- AlexNet (the lecture's): 224 against 227 ---------------------------------------------------

#: conv1 11×11 s4 → pool1 3 s2 → conv2 5×5 p2 → pool2 3 s2 → conv3..5 3×3 p1 → fc6 on the map.
ALEXNET_FC6 = 4096 * 256  # fc6 weights per position of conv5's map


def test_alexnet_at_224_leaves_a_pixel_unseen_and_227_tiles_exactly():
    at224, at227 = sweep(load("alexnet-lecture"), parse_sizes("224,227", 2))
    conv1 = at224.report.row("conv1").windows[0]
    assert conv1.size_out == (224 - 11) // 4 + 1 == 54
    assert conv1.remainder == (224 - 11) % 4 == 1
    assert conv1.unseen == 1                             # no padding absorbs it
    assert not at224.exact and at224.aligned and not at224.valid
    assert at224.remainders[0].layer == "conv1"
    assert at227.report.row("conv1").windows[0].size_out == (227 - 11) // 4 + 1 == 55
    assert at227.exact and at227.valid and at227.remainders == ()


def test_alexnet_fc6_weights_follow_the_size_of_conv5s_map():
    at224, at227 = sweep(load("alexnet-lecture"), parse_sizes("224,227", 2))
    # 224: 54 → pool1 (54 − 3)//2 + 1 = 26 → pool2 (26 − 3)//2 + 1 = 12; 227: 55 → 27 → 13
    assert at224.report.row("fc6").weights == 12 * 12 * ALEXNET_FC6
    assert at227.report.row("fc6").weights == 13 * 13 * ALEXNET_FC6
    assert at224.resized == ("fc6",)                     # fc7, fc8 read 4096 features either way
    assert at227.resized == ()                           # the spec's own size
    assert (at227.report.totals.params - at224.report.totals.params
            == (13 * 13 - 12 * 12) * ALEXNET_FC6)
    assert any("its weights depend on the input size" in w.message for w in at224.warnings)


def alexnet_tiles_exactly(n: int) -> bool:
    """Layer by layer: every window's (input + padding − span) must divide by its stride."""
    if (n - 11) % 4:                          # conv1 11×11 s4 p0
        return False
    pool1_in = (n - 11) // 4 + 1
    if (pool1_in - 3) % 2:                    # pool1 3×3 s2
        return False
    conv2_out = (pool1_in - 3) // 2 + 1       # conv2 5×5 p2 s1: (m + 4 − 5) % 1 = 0 always
    if (conv2_out - 3) % 2:                   # pool2 3×3 s2
        return False
    return True                               # conv3..5 3×3 p1 s1: always exact; fc: no window


def test_valid_alexnet_sizes_between_200_and_240():
    rows = sweep(load("alexnet-lecture"), parse_sizes("200:240:1", 2))
    expected = [n for n in range(200, 241) if alexnet_tiles_exactly(n)]
    # n ≡ 3 (mod 4) for conv1, then its output (n − 7)/4 odd, then pool1's (n − 3)/8 odd:
    # n = 16c + 3, i.e. 211 and 227
    assert expected == [16 * 13 + 3, 16 * 14 + 3] == [211, 227]
    assert [row.size for row in valid(rows)] == [(n, n) for n in expected]


def test_a_size_too_small_is_an_error_row_not_an_exception():
    rows = sweep(load("alexnet-lecture"), parse_sizes("32,227", 2))
    failed = rows[0]
    # conv1 (32 − 11)//4 + 1 = 6 → pool1 (6 − 3)//2 + 1 = 2 → conv2 keeps 2 → pool2's 3 > 2
    assert failed.report is None
    assert failed.error == (
        "architectures/alexnet-lecture.yaml:24: layer 'pool2' (maxpool): kernel 3 is larger than"
        " the padded input 2 (2 + padding 0+0), so the output would be empty; use a smaller"
        " kernel, more padding or a larger input")
    assert not failed.exact and not failed.aligned and not failed.valid
    assert failed.warnings == ()
    assert notes(failed) == f"error: {failed.error}"
    assert rows[1].valid and valid(rows) == (rows[1],)


# --- ResNet-50: adaptive pooling keeps params; stride-2 layers want odd sizes --------------------

RESNET50_PARAMS = 25_557_032  # torchvision's resnet50
RESNET50_FC_MACS = 2048 * 1000


def test_resnet50_params_do_not_change_and_macs_grow_with_the_map():
    at224, at256 = sweep(load("resnet50"), parse_sizes("224:256:32", 2))
    assert at224.report.totals.params == at256.report.totals.params == RESNET50_PARAMS
    assert at224.resized == at256.resized == ()
    # every map before the adaptive pool is 8/7 as wide at 256 (112 → 128, …, 7 → 8), so every
    # conv's MACs grow by (8/7)²; the fc after the pool reads 2048 features at both sizes
    macs224, macs256 = at224.report.totals.macs, at256.report.totals.macs
    assert (macs256 - RESNET50_FC_MACS) * 7 * 7 == (macs224 - RESNET50_FC_MACS) * 8 * 8


def odd_at_every_halving(n: int, halvings: int) -> bool:
    """A stride-2 window with (p_b + p_a) = span − 1 (7×7 p3, 3×3 p1, 1×1 p0) has remainder
    (m − 1) mod 2: it tiles exactly only an odd m, which it maps to (m − 1)/2 + 1."""
    for _ in range(halvings):
        if n % 2 == 0:
            return False
        n = (n - 1) // 2 + 1
    return True


def test_resnet50_tiles_exactly_only_at_32k_plus_1():
    rows = sweep(load("resnet50"), parse_sizes("224:258:1,512,513", 2))
    # five stride-2 layers in a row (conv1, maxpool, layer2-4's first 3×3 and 1×1 downsample)
    expected = [n for n in [*range(224, 259), 512, 513] if odd_at_every_halving(n, 5)]
    assert expected == [7 * 32 + 1, 8 * 32 + 1, 16 * 32 + 1]  # 225, 257, 513
    assert [row.size[0] for row in valid(rows)] == expected
    at224 = rows[0]
    # at 224 the remainders fall into the padding: (224 + 3 + 3 − 7) % 2 = 1 ≤ p_a = 3
    assert at224.remainders[0].layer == "conv1"
    assert at224.remainders[0].windows[0].remainder == 1
    assert at224.remainders[0].windows[0].unseen == 0
    assert at224.warnings == ()                          # no pixel is lost, so no warning


# --- VGG-D: an fc reads the flattened map -------------------------------------------------------


def test_vgg_d_fc6_grows_with_the_input_and_only_multiples_of_32_tile():
    rows = sweep(load("vgg-d"), parse_sizes("224:256:1", 2))
    at224, at256 = rows[0], rows[-1]
    # five 2×2 stride-2 pools: 224 → 7, 256 → 8; 3×3 p1 convs keep the size
    assert (at256.report.totals.params - at224.report.totals.params
            == (8 * 8 - 7 * 7) * 512 * 4096)
    assert at256.resized == ("fc6",)
    # a 2×2 s2 pool has remainder m mod 2: five even sizes in a row, n = 32k
    assert [row.size[0] for row in valid(rows)] == [7 * 32, 8 * 32]


# --- merges: centred alike or not ---------------------------------------------------------------

MERGE = """\
name: same-vs-p1
input: [8, 12, 12]
layers:
  - {op: conv, name: a, from: input, out: 8, kernel: 3, stride: 2, padding: same}
  - {op: conv, name: b, from: input, out: 8, kernel: 3, stride: 2, padding: 1}
  - {op: add, name: sum, from: [a, b]}
"""


@pytest.mark.parametrize("n, aligned, exact", [
    # 'same': total = (⌈n/2⌉ − 1)·2 + 3 − n: 1 → (0, 1) for even n, 2 → (1, 1) for odd n;
    # b's (1, 1) is centred like (1, 1) only. b's remainder (n + 2 − 3) % 2 is 0 for odd n.
    (10, False, False),
    (11, True, True),
    (12, False, False),
    (13, True, True),
])
def test_a_merge_of_same_and_explicit_padding_aligns_at_odd_sizes(write_spec, n, aligned, exact):
    (row,) = sweep(load(write_spec(MERGE)), parse_sizes(str(n), 2))
    assert row.aligned is aligned and row.exact is exact and row.valid is (aligned and exact)
    assert row.misaligned == (() if aligned else ("sum",))
    assert row.report.totals.output_shape.spatial == (-(-n // 2),) * 2


def test_one_and_three_axes(write_spec):
    one = write_spec("name: one\ninput: [1, 100]\nlayers:\n"
                     "  - {op: conv, out: 1, kernel: 5, stride: 4}\n", "one.yaml")
    rows = sweep(load(one), parse_sizes("97:101", 1))
    # (n − 5) % 4 == 0: n ≡ 1 (mod 4), so 97 and 101
    assert [row.size for row in valid(rows)] == [(97,), (101,)]
    three = write_spec("name: three\ninput: [1, 8, 8, 8]\nlayers:\n"
                       "  - {op: maxpool, kernel: 2}\n", "three.yaml")
    (row,) = sweep(load(three), parse_sizes("8x9x8", 3))
    assert [w.remainder for w in row.remainders[0].windows] == [0, (9 - 2) % 2, 0]
    assert notes(row) == "maxpool1 rem 0×1×0, 0×1×0 unseen"


def test_sweep_refuses_a_size_with_the_wrong_number_of_axes():
    with pytest.raises(ValueError, match="size 224 gives 1 spatial size but the spec has 2 axes"):
        sweep(load("alexnet-lecture"), ((224,),))


# --- rendering ----------------------------------------------------------------------------------


def test_the_valid_table_lists_the_sizes_with_their_totals():
    rows = sweep(load("alexnet-lecture"), parse_sizes("200:240:1", 2))
    out = rendered(table(rows, "alexnet-lecture", valid_only=True))
    assert out.splitlines()[0] == "alexnet-lecture — 2 of 41 input sizes tile exactly and align"
    body = [line.split() for line in out.splitlines()[3:5]]  # after title, header, rule
    # at 211: conv1 51 → pool1 25 → pool2 12, so fc6 reads 12·12·256 like at 224
    assert body[1][:3] == ["227×227", "1000", f"{200_415_264:,}"]
    assert body[0][:2] == ["211×211", "1000"]
    assert body[0][2] == f"{200_415_264 - (13 * 13 - 12 * 12) * ALEXNET_FC6:,}"


def test_the_table_shows_why_a_size_is_not_valid():
    rows = sweep(load("alexnet-lecture"), parse_sizes("224,32", 2))
    lines = rendered(table(rows, "alexnet-lecture")).splitlines()
    assert lines[0] == "alexnet-lecture — 2 input sizes"
    assert lines[1].split() == ["input", "output", "params", "MACs", "exact", "aligned", "notes"]
    assert lines[3].endswith("no     yes      conv1 rem 1, 1 unseen; pool1 rem 1, 1 unseen;"
                             " pool2 rem 1, 1 unseen; fc6 weights changed")
    assert lines[4].split()[:6] == ["32×32", "—", "—", "—", "—", "—"]
    assert "error: architectures/alexnet-lecture.yaml:24: layer 'pool2'" in lines[4]


def test_notes_name_three_layers_then_count_the_rest():
    (row,) = sweep(load("resnet50"), parse_sizes("224", 2))
    # conv1, maxpool, and the 3×3 s2 and 1×1 s2 downsample of layer2, layer3 and layer4
    assert len(row.remainders) == 2 + 3 * 2
    assert notes(row) == ("conv1 rem 1 in padding; maxpool rem 1 in padding; layer2.0.conv2 rem 1"
                          " in padding; 5 more layers with a remainder")


def test_rows_dict_is_json_with_integer_counts_and_nulls_for_errors():
    rows = sweep(load("alexnet-lecture"), parse_sizes("224,227,32", 2))
    document = json.loads(writers.dumps(rows_dict(rows, "alexnet-lecture")))
    assert document["name"] == "alexnet-lecture"
    assert document["swept"] == 3 and document["valid"] == 1
    at224, at227, at32 = document["sizes"]
    assert at227["params"] == 200_415_264 and isinstance(at227["macs"], int)
    assert at227["input"] == [3, 227, 227] and at227["output_shape"] == [1000]
    assert at227["valid"] is True and at227["remainders"] == []
    assert at224["remainders"][0] == {"layer": "conv1", "op": "conv", "remainder": [1, 1],
                                      "unseen": [1, 1]}
    assert at224["resized"] == ["fc6"]
    assert at32["params"] is None and at32["output_shape"] is None
    assert at32["error"].startswith("architectures/alexnet-lecture.yaml:24:")
    only = rows_dict(rows, "alexnet-lecture", valid_only=True)
    assert [s["size"] for s in only["sizes"]] == [[227, 227]] and only["swept"] == 3


# --- docs/resolution.md shows real output -------------------------------------------------------

RESOLUTION_MD = Path(__file__).resolve().parent.parent / "docs" / "resolution.md"


def _run_documented(command: str) -> str:
    """What `convcalc sweep …` / `convcalc solve …` prints, through the library functions the
    CLI renders (until the commands are wired, this stands in for CliRunner)."""
    from convcalc import solve as solving

    parser = argparse.ArgumentParser(prog="convcalc", exit_on_error=False)
    commands = parser.add_subparsers(dest="command")
    swept = commands.add_parser("sweep")
    swept.add_argument("spec")
    swept.add_argument("--sizes")
    swept.add_argument("--valid", action="store_true")
    swept.add_argument("--format", default="table")
    solved = commands.add_parser("solve")
    for option in ("input", "output", "kernel", "stride", "dilation"):
        solved.add_argument(f"--{option}", type=int)
    solved.add_argument("--padding")
    solved.add_argument("--ceil-mode", action="store_true")
    solved.add_argument("--keep-size", action="store_true")
    solved.add_argument("--format", default="table")
    words = shlex.split(command)
    assert words[0] == "convcalc"
    a = parser.parse_args(words[1:])
    if a.command == "sweep":
        spec = load(a.spec)
        rows = sweep(spec, parse_sizes(a.sizes, len(spec.input.spatial)))
        if a.format == "json":
            return writers.dumps(rows_dict(rows, spec.name, valid_only=a.valid))
        return rendered(table(rows, spec.name, valid_only=a.valid))
    if a.keep_size:
        solutions = solving.keep_size(a.input, a.kernel, a.stride or 1, a.dilation or 1)
    else:
        padding = solving.parse_padding(a.padding) if a.padding else None
        solutions = solving.solve(a.input, a.output, a.kernel, a.stride, padding, a.dilation,
                                  a.ceil_mode)
    if a.format == "json":
        return writers.dumps(solving.solutions_dict(solutions))
    return rendered(solving.table(solutions))


def _documented_runs():
    """(command, shown lines) for every fenced block that starts with '$ convcalc'."""
    blocks = re.findall(r"^```\n\$ (convcalc [^\n]*)\n(.*?)^```$", RESOLUTION_MD.read_text(),
                        re.S | re.M)
    return [pytest.param(command, shown.rstrip("\n").split("\n"), id=command)
            for command, shown in blocks]


def test_resolution_md_has_runs_of_both_commands():
    commands = [run.values[0].split()[1] for run in _documented_runs()]
    assert commands.count("sweep") >= 5 and commands.count("solve") >= 5


@pytest.mark.parametrize("command, shown", _documented_runs())
def test_resolution_md_shows_real_output(command, shown):
    """Each block is the command's output; a line '…' stands for lines cut from a long table."""
    actual = _run_documented(command).rstrip("\n").split("\n")
    chunks, chunk = [], []
    for line in shown:
        if line == "…":
            chunks.append(chunk)
            chunk = []
        else:
            chunk.append(line)
    chunks.append(chunk)
    if len(chunks) == 1:
        assert actual == shown
        return
    position = 0
    for chunk in chunks:
        starts = [i for i in range(position, len(actual) - len(chunk) + 1)
                  if actual[i:i + len(chunk)] == chunk]
        assert starts, f"not in the output of {command!r}: {chunk}"
        position = starts[0] + len(chunk)
    assert shown[0] == actual[0] and shown[-1] == actual[-1]
