"""Never a traceback (issue 5): whatever a user writes, convcalc ends with a valid result or one clean
`ConvcalcError` line on stderr — exit 2 (1 only for a `check` mismatch), nothing on stdout.

Four kinds of test, all bounded so that the file runs in about half a minute
(CONVCALC_FUZZ_SCALE=N runs N times as many examples):

- valid specs drawn at random (chains and graphs, blocks with params and repeats, every layer kind,
  1-D to 3-D inputs): analysing them raises nothing but `ConvcalcError`, and every report obeys
  invariants derived from first principles (totals are the rows' sums, the textbook count formulas,
  concat adds channels, JSON holds only integers and is deterministic, params do not depend on the
  input size when nothing reads a spatial map's feature count);
- every built-in spec mutated at random (text and structure) and run through the CLI;
- expressions built from random tokens inside specs (block arguments and field values);
- tests/corpus/: hostile or once-crashing files, each run through the CLI within a CPU budget.

A bug found here is not fixed here: its corpus file is marked `xfail(strict=True)` in
`KNOWN_BUGS` below, and the fuzzers steer clear of its trigger (see `KNOWN_BUG_TRIGGERS`) until it
is fixed. Remove both entries with the fix.
"""

from __future__ import annotations

import copy
import json
import os
import re
import signal
import time
from contextlib import contextmanager
from math import prod
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from convcalc import render, writers
from convcalc.analysis import analyze
from convcalc.cli import app
from convcalc.errors import ConvcalcError
from convcalc.layers import REGISTRY
from convcalc.shapes import Shape
from convcalc.spec import parse_spec
from convcalc.table import render as render_text
from convcalc.yamlspec import Quoted, YList, YMap, parse_yaml
from convcalc.zoo import builtin_specs

CORPUS = Path(__file__).parent / "corpus"
#: CPU seconds one corpus file may take for all its commands together ("refused quickly").
CPU_BUDGET = 5.0
#: Known-slow corpus files (KNOWN_SLOW) are stopped after this much CPU instead: each takes from
#: several seconds to minutes today, and waiting 5 s apiece would double the file's run time.
#: Once the marker is removed with the fix, the full CPU_BUDGET applies.
SLOW_PROBE = 0.5
#: CPU seconds one fuzzed example may take before it counts as a hang.
EXAMPLE_BUDGET = 10.0
#: CONVCALC_FUZZ_SCALE=20 multiplies every example count, for a long fuzzing session.
SCALE = int(os.environ.get("CONVCALC_FUZZ_SCALE", "1"))
FUZZ = dict(deadline=None, database=None, print_blob=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                   HealthCheck.filter_too_much, HealthCheck.data_too_large])


#: Corpus files that still show a bug: why, and the fix the lead owes. Remove an entry (and its
#: KNOWN_BUG_TRIGGERS line, if any) with the fix; strict=True makes a fixed bug fail loudly.
KNOWN_BUGS: dict = {}

#: Corpus files that are not hostile but the largest work convcalc accepts, with their own CPU
#: budget: 120,000 layers (the limit) as JSON, as a table and checked take 8–15 s of CPU on
#: the project's machine (docs/performance.md) — linear, not stuck.
BUDGETS = {"repeat-at-limit.yaml": 40.0}

#: Text that reaches a known bug (see KNOWN_BUGS); the mutation fuzzer discards such mutants until
#: the bug is fixed. Remove a line together with the corpus file's xfail marker.
KNOWN_BUG_TRIGGERS: dict = {}


# -- the clean-exit contract -------------------------------------------------------------------------

class OverBudget(BaseException):
    """Raised by the CPU timer. A BaseException, so that neither convcalc's guard (which turns
    every Exception into exit 3) nor CliRunner swallows it: the test fails at once instead of
    hanging."""


@contextmanager
def cpu_budget(seconds: float):
    """Interrupt the code inside after `seconds` of CPU time (SIGPROF, POSIX only).

    An exception raised by a signal handler is lost when it lands in a `__del__` or a garbage
    collector callback ("Exception ignored in ..."), so the timer keeps firing every 0.1 s: it
    does not raise inside such callbacks, and raises again when the code is still running a
    second after the last raise; in between it stays quiet, so that the clean-up on the way out
    (CliRunner restoring sys.stdout) is not interrupted."""
    if not hasattr(signal, "setitimer"):
        yield
        return
    last = []

    def in_callback(frame) -> bool:
        while frame is not None:
            if frame.f_code.co_name in ("__del__", "gc_callback", "_remove", "callback"):
                return True
            frame = frame.f_back
        return False

    def expire(signum, frame):
        now = time.process_time()
        if in_callback(frame):
            return  # it would be swallowed: try again at the next tick
        if not last or now - last[-1] > 1.0:
            last.append(now)
            raise OverBudget(f"more than {seconds:g} s of CPU time")

    previous = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds, 0.1)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def no_floats(text: str):
    raise AssertionError(f"a float in the JSON output: {text}")


def line_count(path: Path) -> int:
    """An upper bound on the lines of a file, counting every line break YAML knows."""
    data = path.read_bytes()
    try:
        return len(data.decode("utf-8").splitlines()) + 1
    except UnicodeDecodeError:
        return data.count(b"\n") + 1


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def assert_clean_exit(result, command: str, shown: str, lines: int | None = None,
                      fmt: str = "table"):
    """The contract of issue 5 for one CLI run on the spec file `shown` (as named on the command
    line); returns the parsed JSON document when one was written."""
    output = result.stdout + result.stderr
    allowed = (0, 1, 2) if command == "check" else (0, 2)
    assert result.exit_code in allowed, f"exit {result.exit_code}: {result.stderr}"
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__} escaped: {result.exception!r}")
    assert "Traceback" not in output
    if result.exit_code == 2:
        assert result.stdout == "", "an error left output on stdout"
        assert result.stderr.endswith("\n")
        lines_out = re.split(r"\r\n|\r|\n", result.stderr[:-1])
        assert len(lines_out) == 1, f"{len(lines_out)} lines on stderr: {result.stderr[:300]!r}"
        line = lines_out[0]
        match = re.match(rf"convcalc: {re.escape(shown)}(?::(\d+))?: \S", line)
        assert match, f"not 'convcalc: FILE:LINE: message': {line[:300]!r}"
        if match.group(1) and lines is not None:
            assert 1 <= int(match.group(1)) <= lines, f"line {match.group(1)} of {lines}"
        return None
    assert result.stdout, "success without output"
    assert result.stderr == ""
    if fmt == "json":
        document = json.loads(result.stdout, parse_float=no_floats)
        if command == "summary":
            check_report_document(document)
        return document
    return None


# -- invariants of a report, from first principles ----------------------------------------------------

COUNTS = ("weights", "biases", "params", "buffers", "macs", "trainable", "non_trainable",
          "elementwise")
RF_VALUE = re.compile(r"-?[0-9]+/[0-9]+")
#: What each convention counts as params (docs/spec.md, "Conventions"): kernel entries only, and
#: whether BatchNorm's running statistics are non-trainable params rather than buffers.
WEIGHTS_ONLY = {"weights"}
STATS_ARE_PARAMS = {"keras", "caffe"}


def is_int(value) -> bool:
    return type(value) is int


def check_report_document(doc: dict) -> None:
    """What every `summary --format json` document must satisfy, whatever the network."""
    assert set(doc) >= {"name", "input", "convention", "batch", "layers", "totals", "memory",
                        "outputs", "warnings"}
    convention, batch = doc["convention"], doc["batch"]
    assert is_int(batch) and batch >= 1
    axes = len(doc["input"]) - 1
    assert 1 <= axes <= 3 and all(is_int(n) and n > 0 for n in doc["input"])
    shapes = {"input": doc["input"]}
    for layer in doc["layers"]:
        name = layer["name"]
        assert name not in shapes, f"layer {name} appears twice"
        for key in COUNTS:
            assert is_int(layer[key]) and layer[key] >= 0, (name, key, layer[key])
        assert layer["params"] == layer["trainable"] + layer["non_trainable"], name
        if convention in WEIGHTS_ONLY:  # the lecture: params are kernel entries only
            assert layer["trainable"] == layer["weights"] and layer["non_trainable"] == 0, name
        else:  # trainable = weights + biases + BatchNorm's γ and β
            norm = layer["trainable"] - layer["weights"] - layer["biases"]
            assert norm == 0 or (layer["op"] == "batchnorm" and norm > 0), (name, norm)
        if layer["op"] != "batchnorm":  # only BatchNorm keeps running statistics
            assert layer["non_trainable"] == 0 and layer["buffers"] == 0, name
        elif convention in STATS_ARE_PARAMS:
            assert layer["buffers"] == 0, name
        else:
            assert layer["non_trainable"] == 0, name
        out = layer["output_shape"]
        assert out and all(is_int(n) and n > 0 for n in out), (name, out)
        ins = [shapes[i] for i in layer["inputs"]]  # every input is computed above the layer
        if layer["op"] == "concat":
            assert out[0] == sum(s[0] for s in ins), (name, out, ins)
            assert all(s[1:] == out[1:] for s in ins)
        if layer["op"] == "add":
            assert all(s == out for s in ins), (name, out, ins)
        rf = layer["rf"]
        for key in ("size", "jump", "padding"):
            assert len(rf[key]) == axes
            for v in rf[key]:
                assert v is None or is_int(v) or (isinstance(v, str) and RF_VALUE.fullmatch(v))
        assert isinstance(rf["global"], bool)
        shapes[name] = out
    totals = doc["totals"]
    for key in COUNTS:
        assert totals[key] == sum(layer[key] for layer in doc["layers"]), key
    assert totals["flops"] == 2 * totals["macs"]
    assert totals["macs_with_elementwise"] == totals["macs"] + totals["elementwise"]
    memory, width = doc["memory"], doc["memory"]["bytes_per_element"]  # docs/formulas.md
    numel = [prod(layer["output_shape"]) * batch for layer in doc["layers"]]
    into = prod(doc["input"]) * batch
    assert memory["params"] == totals["params"] * width
    assert memory["input"] == into * width
    assert memory["activations"] == sum(numel) * width
    assert memory["training"] == (into + 2 * sum(numel)) * width
    assert max([into, *numel]) * width <= memory["peak_inference"] <= (into + sum(numel)) * width
    assert doc["outputs"] and all(o in shapes and o != "input" for o in doc["outputs"])
    assert totals["output_shape"] == shapes[doc["outputs"][0]]
    assert all(isinstance(w, str) and "\n" not in w for w in doc["warnings"])


def per_axis(value, axes: int) -> tuple:
    return tuple(value) if isinstance(value, tuple) else (value,) * axes


def check_counts(report) -> None:
    """Each row's counts by the textbook formulas (docs/spec.md, "Counting conventions" and
    "Conventions"), from its fields and its input shapes."""
    convention = report.convention.name
    for row in report.rows:
        a, inp, out = row.attrs, row.input_shapes[0], row.output_shape
        weights = biases = norm = stats = macs = 0
        if row.op == "conv":
            k = prod(per_axis(a["kernel"], len(inp.spatial)))
            weights = k * (inp.channels // a["groups"]) * a["out"]
            biases = a["out"] if a["bias"] else 0
            macs = out.numel * k * (inp.channels // a["groups"])
        elif row.op == "deconv":
            k = prod(per_axis(a["kernel"], len(inp.spatial)))
            weights = k * inp.channels * (a["out"] // a["groups"])
            biases = a["out"] if a["bias"] else 0
            macs = inp.numel * (a["out"] // a["groups"]) * k
        elif row.op == "fc":
            weights = macs = inp.numel * a["out"]
            biases = a["out"] if a["bias"] else 0
        elif row.op == "batchnorm":  # γ (scale) and β (center) per channel, when affine
            norm = (a["scale"] + a["center"]) * inp.channels if a["affine"] else 0
            stats = 2 * inp.channels if a["running_stats"] else 0  # running mean and variance
        assert (row.weights, row.biases, row.norm, row.stats, row.macs) == (
            weights, biases, norm, stats, macs), row.name
        trainable = weights if convention in WEIGHTS_ONLY else weights + biases + norm
        non_trainable = stats if convention in STATS_ARE_PARAMS else 0
        assert (row.trainable, row.non_trainable) == (trainable, non_trainable), row.name
        assert row.params == trainable + non_trainable
        assert row.buffers == (0 if convention in STATS_ARE_PARAMS else stats), row.name


def full_output(report, table: bool = True) -> str:
    """Every renderer, so that a crash in any of them is caught: JSON, CSV, Markdown and the
    table, as wide as it needs and stacked for a 40-column terminal. Returns the JSON."""
    text = writers.dumps(writers.report_dict(report))
    # what the command line writes: the same text, built without the json encoder
    assert writers.dumps(writers.report_dict(report, encoded=True)) == text
    writers.report_csv(report)
    writers.report_markdown(report)
    if table:
        render_text(render.summary(report, depth=2))
        narrow = render_text(render.summary(report), limit=40)
        for line in narrow.splitlines():  # too wide only where one part is longer than 40
            assert len(line) <= 40 or " · " not in line.strip(), line
    return text


def analyse_text(text: str, file: str = "fuzz.yaml"):
    """Load and analyse a spec given as text: a report, or the ConvcalcError it raised."""
    try:
        spec = parse_spec(parse_yaml(text, file), file)
        return spec, analyze(spec)
    except ConvcalcError as error:
        assert str(error).startswith(file), str(error)
        assert "\n" not in str(error), str(error)
        return None, error


# -- (a) random valid specs ------------------------------------------------------------------------

ELEMENTWISE = ("relu", "relu6", "elu", "gelu", "sigmoid", "tanh", "silu", "hardswish",
               "hardsigmoid", "softmax")
SIZES = {1: 40, 2: 20, 3: 7}

BLOCKS = {
    "unit": """\
  unit:                       # shape-preserving conv-bn-relu, optionally residual
    params: {planes: null, k: 1, residual: false}
    layers:
      - {op: conv, name: conv, out: planes, kernel: 2*k+1, padding: k}
      - {op: batchnorm, name: bn}
      - {op: relu, name: act}
      - {op: add, name: add, from: [input, act], if: residual}
""",
    "dense": """\
  dense:                      # DenseNet-style: concat the input with growth new channels
    params: {growth: null}
    layers:
      - {op: conv, name: conv, out: growth, kernel: 3, padding: 1}
      - {op: concat, name: cat, from: [input, conv]}
""",
    "down": """\
  down:
    params: {planes: null, s: 1}
    layers:
      - {op: conv, out: planes, kernel: 3, stride: s, padding: 1}
      - {op: relu}
""",
    "fork": """\
  fork:                       # output: names a layer that is not the last one
    params: {w: 2}
    layers:
      - {op: conv, name: a, out: w, kernel: 1}
      - {op: relu, name: b}
      - {op: conv, name: side, from: a, out: 1, kernel: 1}
    output: b
""",
}


def flow(value) -> str:
    """A value written as convcalc's zoo writes it: flow style, plain scalars."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Quoted):
        return json.dumps(value)  # a double-quoted YAML scalar
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + "}"
    return str(value)


def out_size(n, k, s, d, before, after) -> int:
    """⌊(n + p_b + p_a − d·(k−1) − 1) / s⌋ + 1 (PyTorch's Conv and Pool)."""
    return (n + before + after - d * (k - 1) - 1) // s + 1


class NetDrawer:
    """Draws a valid spec entry by entry, tracking each tensor's shape at the spec's input so that
    every field fits. `fixed` tracks whether the current shape is independent of the input size
    (after global or adaptive pooling, SPP, RoI pooling or resizing to a size)."""

    def __init__(self, draw, agnostic: bool):
        self.draw = draw
        self.agnostic = agnostic
        self.entries: list[dict] = []
        self.blocks: set[str] = set()
        self.named: list[str] = []  # names a later `from:` may use (all at the top level)
        self.expected: dict[str, list] = {}  # layer name → its shape by the formulas above
        self.serial = 0
        self.params = {"P": draw(st.integers(1, 6)), "flag": draw(st.booleans())}
        axes = draw(st.integers(1, 3))
        self.input = [draw(st.integers(1, 6))] + [draw(st.integers(1, SIZES[axes]))
                                                  for _ in range(axes)]
        self.shape = (self.input[0], tuple(self.input[1:]))
        self.convention = draw(st.sampled_from([None, "torch", "keras", "caffe", "darknet",
                                                "weights"]))
        self.fixed = False
        self.current: str | None = "input"  # the name of the entry above (None: unnamed)

    # -- drawing helpers -----------------------------------------------------------------------
    def pick(self, values):
        return self.draw(st.sampled_from(list(values)))

    def num(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, max(lo, hi)))

    def axis_ints(self, lo: int, highs) -> tuple:
        """(what to write, one value per axis): one integer for every axis, or a list."""
        if self.draw(st.booleans()):
            v = self.num(lo, min(highs))
            return v, [v] * len(highs)
        values = [self.num(lo, h) for h in highs]
        return list(values), values

    def new_name(self, prefix="n") -> str:
        self.serial += 1
        return f"{prefix}{self.serial}"

    def add(self, entry: dict, shape, fixed=None, name: bool | None = None) -> str | None:
        """Append an entry that produces `shape`; name it (so later entries may read it) at random."""
        if name is None:
            name = self.draw(st.booleans())
        if name and "name" not in entry:
            entry = {"name": self.new_name(), **entry}
        self.entries.append(entry)
        self.shape = shape
        if fixed is not None:
            self.fixed = fixed
        self.current = entry.get("name")
        if self.current is not None and "{" not in self.current:
            self.named.append(self.current)
            if "op" in entry and "repeat" not in entry:
                self.expected[self.current] = [shape[0], *shape[1]]
        return self.current

    def ensure_named(self) -> str:
        """The current tensor's name, adding a named identity layer if it has none."""
        if self.current is None:
            self.add({"op": self.pick(ELEMENTWISE)}, self.shape, name=True)
        return self.current

    def groups(self, channels: int) -> int:
        return self.pick([g for g in (1, 2, 3, 4) if channels % g == 0])

    # -- layer kinds on a spatial map ----------------------------------------------------------
    def conv(self):
        c, sp = self.shape
        g = self.groups(c)
        out = g * self.num(1, 4)
        dil_w, dil = self.axis_ints(1, [2] * len(sp))
        stride_w, stride = self.axis_ints(1, [3] * len(sp))
        style = self.pick(["int", "axis", "pairs", "same", "valid", "half", "unwritten"])
        if style == "unwritten" and self.convention == "darknet":
            style = "darknet"  # Darknet pads convolutions by half the kernel by default
        if style == "int":
            pw = self.num(0, 2)
            pads = [(pw, pw)] * len(sp)
        elif style == "axis":
            pw, each = self.axis_ints(0, [2] * len(sp))
            pads = [(p, p) for p in each]
        elif style == "pairs":
            pads = [(self.num(0, 2), self.num(0, 2)) for _ in sp]
            pw = [list(p) for p in pads]
        else:
            pw, pads = style, [(0, 0)] * len(sp)
        highs = [(n + b + a - 1) // d + 1 for n, (b, a), d in zip(sp, pads, dil)]
        kernel_w, kernel = self.axis_ints(1, [min(5, h) for h in highs])
        if style in ("half", "darknet"):  # ⌊span/2⌋ on both sides: any kernel fits
            pads = [((d * (k - 1) + 1) // 2,) * 2 for k, d in zip(kernel, dil)]
        if style == "same":  # TensorFlow: ⌈n / s⌉ whatever the kernel
            size = tuple(-(-n // s) for n, s in zip(sp, stride))
        else:
            size = tuple(out_size(n, k, s, d, b, a)
                         for n, k, s, d, (b, a) in zip(sp, kernel, stride, dil, pads))
        entry = {"op": "conv", "out": out, "kernel": kernel_w}
        if stride != [1] * len(sp) or self.draw(st.booleans()):
            entry["stride"] = stride_w
        if style not in ("unwritten", "darknet"):
            entry["padding"] = pw
        if dil != [1] * len(sp):
            entry["dilation"] = dil_w
        if g > 1:
            entry["groups"] = g
        if self.draw(st.booleans()):
            entry["bias"] = self.draw(st.booleans())
        self.add(entry, (out, size))

    def pool(self):
        c, sp = self.shape
        op = self.pick(["maxpool", "avgpool"])
        kind = self.pick(["window", "window", "adaptive", "global"])
        if kind == "global":
            return self.add({"op": op, "global": True}, (c, (1,) * len(sp)), fixed=True)
        if kind == "adaptive":
            written, size = self.axis_ints(1, [4] * len(sp))
            return self.add({"op": op, "output": written}, (c, tuple(size)), fixed=True)
        kernel_w, kernel = self.axis_ints(1, [min(4, n) for n in sp])
        pad_w, pad = self.axis_ints(0, [k // 2 for k in kernel])
        dil_w, dil = 1, [1] * len(sp)
        if op == "maxpool" and self.draw(st.booleans()):
            dil_w, dil = self.axis_ints(1, [2] * len(sp))
        stride_w, stride = (None, kernel) if self.draw(st.booleans()) else self.axis_ints(
            1, [3] * len(sp))
        ceil = self.draw(st.booleans())
        size = []
        for n, k, s, d, p in zip(sp, kernel, stride, dil, pad):
            span = d * (k - 1) + 1
            if span > n + 2 * p:
                return self.add({"op": "relu"}, self.shape)  # dilated past the input: skip it
            if ceil:  # PyTorch: ⌈⌉, and the last window must start inside input or left padding
                o = -(-(n + 2 * p - span) // s) + 1
                if (o - 1) * s >= n + p:
                    o -= 1
            else:
                o = (n + 2 * p - span) // s + 1
            size.append(o)
        entry = {"op": op, "kernel": kernel_w}
        if stride_w is not None:
            entry["stride"] = stride_w
        if any(pad) or self.convention == "darknet":  # Darknet's max pools pad 'same' unless told
            entry["padding"] = pad_w
        if any(d != 1 for d in dil):
            entry["dilation"] = dil_w
        entry["ceil_mode"] = ceil
        self.add(entry, (c, tuple(size)))

    def deconv(self):
        c, sp = self.shape
        g = self.groups(c)
        out = g * self.num(1, 3)
        kernel_w, kernel = self.axis_ints(1, [3] * len(sp))
        stride_w, stride = self.axis_ints(1, [3] * len(sp))
        dil_w, dil = self.axis_ints(1, [2] * len(sp))
        extra_w, extra = self.axis_ints(0, [max(s, d) - 1 for s, d in zip(stride, dil)])
        room = [((n - 1) * s + d * (k - 1) + e) // 2
                for n, k, s, d, e in zip(sp, kernel, stride, dil, extra)]
        pad_w, pad = self.axis_ints(0, room)
        size = tuple((n - 1) * s - 2 * p + d * (k - 1) + e + 1
                     for n, k, s, d, p, e in zip(sp, kernel, stride, dil, pad, extra))
        entry = {"op": "deconv", "out": out, "kernel": kernel_w, "stride": stride_w,
                 "padding": pad_w, "output_padding": extra_w, "dilation": dil_w, "groups": g}
        self.add(entry, (out, size))

    def upsample(self):
        c, sp = self.shape
        mode = self.pick(["nearest", "bilinear"])
        if self.draw(st.booleans()):
            written, scale = self.axis_ints(1, [3] * len(sp))
            self.add({"op": "upsample", "scale": written, "mode": mode},
                     (c, tuple(n * f for n, f in zip(sp, scale))))
        else:
            written, size = self.axis_ints(1, [12] * len(sp))
            self.add({"op": "upsample", "size": written, "mode": mode}, (c, tuple(size)),
                     fixed=True)

    def spp(self):
        c, sp = self.shape
        levels = self.draw(st.lists(st.integers(1, max(1, min(min(sp), 4))), min_size=1,
                                    max_size=3, unique=True))
        written = levels if len(levels) > 1 or self.draw(st.booleans()) else levels[0]
        self.add({"op": "spp", "levels": written, "mode": self.pick(["max", "avg"])},
                 (c * sum(level ** len(sp) for level in levels), ()), fixed=True)

    def roipool(self):
        c, sp = self.shape
        region_w, _ = self.axis_ints(1, list(sp))
        output_w, output = self.axis_ints(1, [3] * len(sp))
        self.add({"op": "roipool", "output": output_w, "region": region_w}, (c, tuple(output)),
                 fixed=True)

    def crop(self):
        """A crop of the current map to the size of its 2×2 max pool (FCN's pattern)."""
        c, sp = self.shape
        if min(sp) < 2:
            return self.conv()
        source = self.ensure_named()
        small = tuple(n // 2 for n in sp)
        reference = self.add({"op": "maxpool", "kernel": 2, "padding": 0, "ceil_mode": False},
                             (c, small), name=True)
        offset_w, _ = self.axis_ints(0, [n - m for n, m in zip(sp, small)])
        self.add({"op": "crop", "from": [source, reference], "offset": offset_w}, (c, small))

    def reshape(self):
        c, sp = self.shape
        choices = [("-1", -1, (c * prod(sp), ())), ("keep", [-1, *sp], (c, sp)),
                   ("line", [c, prod(sp)], (c, (prod(sp),)))]
        if len(sp) >= 2:
            choices.append(("merge", [c * sp[0], *sp[1:]], (c * sp[0], sp[1:])))
        _, written, shape = self.pick(choices)
        self.add({"op": "reshape", "shape": written}, shape)

    def flatten(self):
        c, sp = self.shape
        self.add({"op": "flatten"}, (c * prod(sp), ()))

    def branches(self):
        """Two or three parallel paths from the current tensor, merged by concat or add."""
        c, sp = self.shape
        source = self.ensure_named()
        merge = self.pick(["concat", "add"])
        width = self.num(1, 6)
        heads, channels = [], []
        if self.draw(st.booleans()):  # the source itself joins the merge
            heads.append(source)
            channels.append(c)
            width = c
        for _ in range(self.num(2 - len(heads), 3 - len(heads))):
            out = width if merge == "add" else self.num(1, 6)
            if sp:  # a shape-preserving convolution: stride 1, padding d·q for kernel 2q+1
                q, d = self.num(0, 2), self.num(1, 2)
                entry = {"op": "conv", "from": source, "out": out, "kernel": 2 * q + 1,
                         "padding": d * q, "dilation": d}
            else:
                entry = {"op": "fc", "from": source, "out": out}
            heads.append(self.add(entry, (out, sp), name=True))
            channels.append(out)
        shape = (sum(channels) if merge == "concat" else width, sp)
        self.add({"op": merge, "from": heads}, shape)

    def block(self):
        c, sp = self.shape
        kind = self.pick(sorted(BLOCKS))
        self.blocks.add(kind)
        repeat = self.num(1, 3)
        entry = {"block": kind}
        if self.draw(st.booleans()):
            entry["name"] = self.new_name("b")
        if repeat > 1 or self.draw(st.booleans()):
            entry["repeat"] = repeat
        if kind == "unit":
            planes = self.num(1, 6)
            entry["planes"] = self.pick([planes, f"{planes} + 0*i", f"{2 * planes} // 2",
                                         f"i*0 + {planes}"]) if repeat > 1 else planes
            entry["k"] = self.num(0, 2)
            entry["residual"] = (self.pick(["true", "i >= 0", "not false"]) if planes == c
                                 else "i > 0" if repeat > 1 else "false")
            shape = (planes, sp)
        elif kind == "dense":
            growth = self.num(1, 4)
            entry["growth"] = (self.pick([growth, f"{growth} + i - i"]) if "repeat" in entry
                               else growth)
            shape = (c + repeat * growth, sp)
        elif kind == "down":
            planes = self.num(1, 6)
            entry["planes"] = planes
            first = self.num(1, 2)
            entry["s"] = f"{first} if i == 0 else 1" if "repeat" in entry else first
            shape = (planes, tuple((n - 1) // first + 1 for n in sp))
        else:
            w = self.num(1, 4)
            entry["w"] = w
            shape = (w, sp)
        self.add(entry, shape, name="name" in entry)

    def conditional(self):
        """A shape-preserving entry kept or dropped by `if:` (a dropped one stands for its input)."""
        condition, _ = self.pick([("true", True), ("false", False), ("flag", None),
                                  ("not flag", None), ("P > 0", True), ("P < 0", False),
                                  ("1 == 1 and not false", True)])
        op = self.pick(("batchnorm", "dropout", *ELEMENTWISE))
        self.add({"op": op, "if": condition}, self.shape)

    def repeated(self):
        c, sp = self.shape
        count = self.num(1, 4)
        template = self.draw(st.booleans())
        name = f"t{self.serial + 1}x{{i}}" if template else None
        self.serial += 1
        if sp and self.draw(st.booleans()):
            entry = {"op": "conv", "out": c, "kernel": 3, "padding": 1}
        else:
            entry = {"op": self.pick(("batchnorm", "relu", "dropout", "tanh"))}
        if template:
            entry = {"name": Quoted(name), **entry}
        entry["repeat"] = count
        self.entries.append(entry)
        self.current = None

    def elementwise(self):
        op = self.pick(("batchnorm", "lrn", "dropout", "leaky_relu", *ELEMENTWISE))
        entry = {"op": op}
        if op == "batchnorm":
            for field in ("affine", "scale", "center", "running_stats"):
                if self.draw(st.booleans()):
                    entry[field] = self.draw(st.booleans())
        elif op == "lrn":
            entry.update(size=self.num(1, 7), alpha=self.pick(["0.0001", "1", "0.5"]),
                         beta=self.pick(["0.75", "1"]), k=self.pick(["2", "1.0"]))
        elif op == "dropout":
            entry["p"] = self.pick(["0", "0.5", "1", "0.25", "1.0"])
        elif op == "leaky_relu":
            entry["slope"] = self.pick(["0.01", "0.2", "1"])
        self.add(entry, self.shape)

    def fc(self):
        out = self.pick([self.num(1, 16), "P", "P*2 + 1"])
        value = {"P": self.params["P"], "P*2 + 1": 2 * self.params["P"] + 1}.get(out, out)
        entry = {"op": self.pick(["fc", "linear"]), "out": out}
        if self.draw(st.booleans()):
            entry["bias"] = self.draw(st.booleans())
        self.add(entry, (value, ()), fixed=True)  # `out` features, whatever the input

    # -- the whole network ---------------------------------------------------------------------
    def step(self):
        c, sp = self.shape
        reads_features = not self.agnostic or self.fixed  # fc/flatten/reshape only where safe
        if sp:
            kinds = ["conv", "conv", "pool", "pool", "deconv", "upsample", "spp", "roipool", "crop",
                     "branches", "block", "block", "conditional", "repeated", "elementwise"]
            if reads_features:
                kinds += ["reshape", "flatten", "fc"]
            if len(self.entries) > 12 or max(sp) > 2000:  # keep sizes and lengths small
                kinds = ["pool", "conv", "spp", "elementwise"]
        else:
            kinds = ["fc", "fc", "elementwise", "conditional", "repeated", "branches"]
        getattr(self, self.pick(kinds))()

    def text(self) -> str:
        lines = ["# drawn by tests/test_fuzz.py", "name: fuzz",
                 f"input: {flow(self.input)}", f"params: {flow(self.params)}"]
        if self.convention:
            lines.append(f"convention: {self.convention}")
        if self.draw(st.booleans()):
            lines.append(f"defaults: {flow({'bias': self.draw(st.booleans())})}")
        if self.blocks:
            lines.append("blocks:")
            lines += [BLOCKS[b].rstrip("\n") for b in sorted(self.blocks)]
        lines.append("layers:")
        lines += [f"  - {flow(e)}" for e in self.entries]
        if self.named and self.draw(st.booleans()):
            outputs = self.draw(st.lists(st.sampled_from(self.named), min_size=1, max_size=2,
                                         unique=True))
            lines.append(f"outputs: {flow(outputs)}")
        return "\n".join(lines) + "\n"


@st.composite
def networks(draw, agnostic: bool = False):
    net = NetDrawer(draw, agnostic)
    for _ in range(draw(st.integers(1, 10))):
        net.step()
    if agnostic and draw(st.booleans()):  # a classifier head that makes the fc size-independent
        if net.shape[1]:
            getattr(net, draw(st.sampled_from(["pool", "spp"])))()
        if net.fixed:
            net.fc()
    net.spec_text = net.text()
    return net


def check_valid_report(spec, report, expected_shapes) -> str:
    check_counts(report)
    for row in report.rows:
        assert all(n > 0 for n in row.output_shape.as_list()), row.name
        if row.name in expected_shapes:  # PyTorch's size formulas, as the drawer applied them
            assert row.output_shape.as_list() == expected_shapes[row.name], row.name
    text = full_output(report)
    document = json.loads(text, parse_float=no_floats)
    check_report_document(document)
    return text


@settings(max_examples=200 * SCALE, **FUZZ)
@given(networks())
def test_random_valid_specs_analyse_cleanly(net):
    """Drawn specs analyse without anything but ConvcalcError, and reports obey the invariants."""
    text = net.spec_text
    note(text)
    with cpu_budget(EXAMPLE_BUDGET):
        spec, report = analyse_text(text)
        if spec is None:
            event(f"refused: {type(report).__name__}")
            return
        event("analysed")
        first = check_valid_report(spec, report, net.expected)
        again = full_output(analyze(parse_spec(parse_yaml(text, "fuzz.yaml"), "fuzz.yaml")),
                            table=False)
    assert first == again, "the same spec gave different JSON"


@settings(max_examples=120 * SCALE, **FUZZ)
@given(networks(agnostic=True), st.data())
def test_params_do_not_depend_on_the_input_size(net, data):
    """Weights never depend on H×W… unless something reads a map's feature count. An fc whose
    input has no spatial size above 1 is not enough (flatten → fc reads C·H·W features with no
    spatial axis left); what is enough: fc, flatten and reshape only after the shape stopped
    depending on the input (global or adaptive pooling, SPP, RoI pooling, resizing to a size).
    Such a network has the same params at two input sizes."""
    text = net.spec_text
    note(text)
    with cpu_budget(EXAMPLE_BUDGET):
        spec, report = analyse_text(text)
        if spec is None:
            return
        grow = [data.draw(st.integers(0, 9)) for _ in spec.input.spatial]
        assume(any(grow))
        other = Shape(spec.input.channels, tuple(n + g for n, g in zip(spec.input.spatial, grow)))
        try:
            resized = analyze(spec.with_input(other))
        except ConvcalcError:
            event("refused at the second size")
            return
        full_output(resized, table=False)
    event("compared")
    assert [(r.name, r.params) for r in resized.rows] == [(r.name, r.params) for r in report.rows]
    assert resized.totals.params == report.totals.params
    assert not any("depend on the input size" in w.message for w in resized.warnings)


HEAD_SPEC = "name: head\ninput: [3, 8, 8]\nlayers:\n  - {op: conv, out: 4, kernel: 3, padding: 1}\n"


@pytest.mark.parametrize("head, grows", [
    # flatten → fc: the fc's input has no spatial axis at all, yet it reads 4·H·W features
    ("  - {op: flatten}\n  - {op: fc, out: 10}\n", True),
    ("  - {op: fc, out: 10}\n", True),  # an fc straight on the map: 4·H·W·10 weights
    ("  - {op: avgpool, global: true}\n  - {op: flatten}\n  - {op: fc, out: 10}\n", False),
    ("  - {op: avgpool, output: 2}\n  - {op: fc, out: 10}\n", False),  # 4·2·2·10, any input
    ("  - {op: spp, levels: [1, 2]}\n  - {op: fc, out: 10}\n", False),  # 4·(1 + 4)·10
])
def test_which_heads_make_params_depend_on_the_input(head, grows):
    """The control for the property above: "no fc reads a map with a spatial size > 1" is not
    enough (flatten first, and the fc reads C·H·W features); pooling to a fixed size is."""
    spec, small = analyse_text(HEAD_SPEC + head)
    large = analyze(spec.with_input(Shape(3, (16, 16))))
    fc = small.rows[-1].weights, large.rows[-1].weights
    assert fc == ((4 * 8 * 8 * 10, 4 * 16 * 16 * 10) if grows else (fc[0], fc[0]))
    assert (small.totals.params != large.totals.params) == grows


# -- (b) mutated built-in specs ---------------------------------------------------------------------


ODD_VALUES = ('"3"', "'text'", "[3]", "[]", "[[1, 2], [3]]", "{a: 3}", "{}", "true", "false",
              "null", "~", "3.0", "0.5", "-0.0", "yes", "off", "1e3", "1.5e3", "014", "1:30",
              "-1", "0", "1" + "0" * 30, "99999999999999999999", "i", "i +", "((1)", "2 if",
              "x y", ".nan", "ä", "*nowhere", "&anchor 3", "!!str 3", "|", ">", "'", '"',
              "input", "conv")
HUGE = ("1" + "0" * 30, "-1" + "0" * 30, str(2**63), str(2**64 + 1), "1_000_000_000",
        "123456789012345678901234567890123456789")
NUMBER = re.compile(r"(?<![\w.])[0-9][0-9_]*(?:\.[0-9]+)?(?![\w.])")
KEY_VALUE = re.compile(r"(?P<key>[A-Za-z_][\w.]*): (?P<value>\[[^\[\]\n]*\]|[^,{}\[\]\n#]+)")
OP = re.compile(r"\b(op|block): ([\w.-]+)")
#: Junk text: any character (control characters included), and YAML's indicators.
JUNK = st.text(st.characters(blacklist_categories=("Cs",))
               | st.sampled_from("\n\t\\ {}[]:,#&*!|>'\"%@`-?"), min_size=1, max_size=8)


def replace_match(text: str, match, group: str, new: str) -> str:
    return text[:match.start(group)] + new + text[match.end(group):]


@st.composite
def text_mutation(draw, text: str) -> bytes:
    lines = text.split("\n")
    kind = draw(st.sampled_from(["delete line", "duplicate line", "swap lines", "truncate",
                                 "insert junk", "insert bytes", "negate", "huge", "zero",
                                 "odd value", "op name", "unknown key", "delete field"]))
    event(f"text: {kind}")
    line = draw(st.integers(0, len(lines) - 1))
    if kind == "delete line":
        del lines[line]
    elif kind == "duplicate line":
        lines.insert(line, lines[line])
    elif kind == "swap lines":
        other = draw(st.integers(0, len(lines) - 1))
        lines[line], lines[other] = lines[other], lines[line]
    elif kind == "truncate":
        return text[:draw(st.integers(0, len(text)))].encode()
    elif kind == "insert junk":
        at = draw(st.integers(0, len(text)))
        return (text[:at] + draw(JUNK) + text[at:]).encode()
    elif kind == "insert bytes":
        data = text.encode()
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
    elif kind in ("negate", "huge", "zero"):
        numbers = list(NUMBER.finditer(text))
        if not numbers:
            return text.encode()
        match = draw(st.sampled_from(numbers))
        new = {"negate": "-" + match.group(), "zero": "0"}.get(kind) or draw(st.sampled_from(HUGE))
        return (text[:match.start()] + new + text[match.end():]).encode()
    elif kind in ("odd value", "delete field"):
        pairs = list(KEY_VALUE.finditer(text))
        if not pairs:
            return text.encode()
        match = draw(st.sampled_from(pairs))
        if kind == "delete field":
            return (text[:match.start()] + text[match.end():]).encode()
        return replace_match(text, match, "value", draw(st.sampled_from(ODD_VALUES))).encode()
    elif kind == "op name":
        ops = list(OP.finditer(text))
        if not ops:
            return text.encode()
        match = draw(st.sampled_from(ops))
        new = draw(st.sampled_from([*REGISTRY, "linear", "Conv", "conv2d", "", "input",
                                    match.group(2)[:-1], match.group(2) + "x", "basic"]))
        return (text[:match.start(2)] + new + text[match.end(2):]).encode()
    else:  # unknown key: at the top level, or inside a flow mapping
        if draw(st.booleans()) or "{" not in lines[line]:
            lines.insert(line, draw(st.sampled_from(["bogus: 1", "layer: []", "Name: x"])))
        else:
            brace = lines[line].index("{") + 1
            lines[line] = (lines[line][:brace] + draw(st.sampled_from(["bogus: 1, ", "kernal: 3, ",
                                                                      "op: relu, ", "from: x, "]))
                           + lines[line][brace:])
    return "\n".join(lines).encode()


def paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from paths(value, prefix + (index,))


ODD_OBJECTS = ("3", [3], [], {}, {"a": 3}, True, False, None, 3.5, 0, -1, 10**30, "zz", "i +",
               [[1, 2]], "same", "input")
#: A fresh copy of one of them: a later mutation may change what it inserted, and a shared
#: constant that changes makes the generation flaky.
ODD_OBJECT = st.sampled_from(ODD_OBJECTS).map(copy.deepcopy)


@st.composite
def structure_mutation(draw, text: str) -> bytes:
    doc = yaml.safe_load(text)
    for _ in range(draw(st.integers(1, 3))):
        candidates = list(paths(doc))[1:]
        if not candidates:
            break
        path = draw(st.sampled_from(candidates))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        last, value = path[-1], parent[path[-1]]
        kinds = ["delete", "retype", "duplicate", "unknown key", "swap"]
        if isinstance(value, int) and not isinstance(value, bool):
            kinds += ["negate", "huge", "zero"]
        kind = draw(st.sampled_from(kinds))
        event(f"structure: {kind}")
        if kind == "delete":
            del parent[last]
        elif kind == "retype":
            parent[last] = draw(ODD_OBJECT)
        elif kind == "negate":
            parent[last] = -value
        elif kind == "huge":
            parent[last] = draw(st.sampled_from([10**30, -10**30, 2**63, 10**12]))
        elif kind == "zero":
            parent[last] = 0
        elif kind == "duplicate" and isinstance(parent, list):
            parent.insert(last, value)
        elif kind == "swap" and isinstance(parent, list) and len(parent) > 1:
            other = draw(st.integers(0, len(parent) - 1))
            parent[last], parent[other] = parent[other], parent[last]
        elif isinstance(value, dict):
            value[draw(st.sampled_from(["bogus", "kernal", "op", "block", "from", "repeat",
                                        "if", "name"]))] = draw(ODD_OBJECT)
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "Name", "stride"]))] = value
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, default_flow_style=None,
                          width=300).encode()


def run_spec_file(path: Path, shown: str):
    """summary --format json, then check: both must keep the contract. (A spec that summary
    refuses, check refuses alike while loading it; check runs only on the others, to save time.)"""
    lines = line_count(path) if path.is_file() else None
    summary = invoke("summary", shown, "--format", "json")
    assert_clean_exit(summary, "summary", shown, lines, fmt="json")
    if summary.exit_code == 0:
        assert_clean_exit(invoke("check", shown), "check", shown, lines)
    return summary


def triggers_known_bug(data: bytes) -> bool:
    text = data.decode("utf-8", errors="replace")
    return any(pattern.search(text) for pattern in KNOWN_BUG_TRIGGERS.values())


BUILTINS = sorted(builtin_specs().items())


@pytest.mark.parametrize("name, path", BUILTINS, ids=[name for name, _ in BUILTINS])
@settings(max_examples=4 * SCALE, **FUZZ)
@given(data=st.data())
def test_mutated_builtin_specs_exit_cleanly(name, path, data, tmp_path, monkeypatch):
    """Every built-in spec, mutated in its text or its structure, exits 0, 1 or 2 cleanly."""
    monkeypatch.chdir(tmp_path)
    text = path.read_text(encoding="utf-8")
    mutate = data.draw(st.sampled_from([text_mutation, structure_mutation]))
    mutant = data.draw(mutate(text))
    if data.draw(st.booleans()):  # a second mutation on top
        mutant = data.draw(text_mutation(mutant.decode("utf-8", errors="replace")))
    assume(not triggers_known_bug(mutant))
    (tmp_path / "mutant.yaml").write_bytes(mutant)
    note(mutant.decode("utf-8", errors="replace"))
    with cpu_budget(EXAMPLE_BUDGET):
        summary = run_spec_file(tmp_path / "mutant.yaml", "mutant.yaml")
    event(f"summary exit {summary.exit_code}")


# -- odd values in every field ---------------------------------------------------------------------

#: Values of every wrong type and size, as YAML text.
ODD_FIELD_VALUES = ("[a]", "{a: 1}", "[]", "{}", "null", "0", "-1", "true", "1.5", '""', "[[1]]",
                    "[[1, 2], [3, 4]]", "[1, [2]]", "[true]", "[null]", "[1.5]", "same", "valid",
                    "half", "'same'", "i", "1" + "0" * 30, "-1" + "0" * 30, "[0]", "[-1]",
                    "[1, 2, 3, 4, 5]", "[-1, -1]", "0.0", "1.0e5", "[2, 0]",
                    "[[0, 0], [0, 0], [0, 0]]", "[input]", "conv", "yes", "014")
#: The fields a layer kind needs to be valid, so that the odd value is the only fault.
REQUIRED_FIELDS = {"conv": {"out": 4, "kernel": 3}, "deconv": {"out": 4, "kernel": 3},
                   "fc": {"out": 3}, "reshape": {"shape": -1}, "spp": {"levels": 1},
                   "roipool": {"output": 2, "region": 2}, "maxpool": {"kernel": 2},
                   "avgpool": {"kernel": 2}, "upsample": {"scale": 2}}
ENTRY_KEYS = ("from", "repeat", "if", "name", "op")


@st.composite
def odd_field_specs(draw) -> str:
    axes = draw(st.integers(1, 3))
    op = draw(st.sampled_from(sorted(REGISTRY)))
    field = draw(st.sampled_from([f.name for f in REGISTRY[op].fields] + list(ENTRY_KEYS)))
    fields = {k: v for k, v in REQUIRED_FIELDS.get(op, {}).items() if k != field}
    if REGISTRY[op].arity != 1 and field != "from":
        fields["from"] = "[r, r]"
    fields[field] = draw(st.sampled_from(ODD_FIELD_VALUES))
    size = {1: "[4, 9]", 2: "[4, 9, 9]", 3: "[4, 5, 5, 5]"}[axes]
    return (f"name: x\ninput: {size}\nlayers:\n  - {{op: relu, name: r}}\n"
            f"  - {{op: {op}, {', '.join(f'{k}: {v}' for k, v in fields.items())}}}\n"
            "  - {op: relu}\nexpected:\n  source: s\n  totals: {params: 0}\n")


@settings(max_examples=200 * SCALE, **FUZZ)
@given(odd_field_specs())
def test_odd_values_in_every_field_are_refused_cleanly(text):
    """Every field of every layer kind (and every entry key) given a value of the wrong type or
    size: a ConvcalcError, or a report every renderer and `check` can print."""
    from convcalc.check import check_spec

    note(text)
    with cpu_budget(EXAMPLE_BUDGET):
        spec, report = analyse_text(text)
        if spec is not None:
            full_output(report)
            render_text(render.check([check_spec(spec)]))


TOP_KEYS_SPEC = {"name": "x", "input": "[3, 8, 8]",
                 "layers": "\n  - {op: conv, out: 4, kernel: 3}\n  - {op: batchnorm}"}


def top_level_cases() -> list:
    from convcalc.spec import TOP_LEVEL

    return list(TOP_LEVEL)


@pytest.mark.parametrize("key", top_level_cases())
def test_odd_values_at_the_top_level_are_refused_cleanly(key):
    """Every top-level key given every odd value: a ConvcalcError or a report, as summary and
    check would compute it."""
    from convcalc.check import check_spec

    for value in ("[a]", "{a: 1}", "[]", "{}", "null", "5", "-1", "true", "1.5", '""', "[[1]]",
                  "[{op: relu}]"):
        text = "".join(f"{k}: {v}\n" for k, v in {**TOP_KEYS_SPEC, key: value}.items())
        spec, report = analyse_text(text, "top.yaml")
        if spec is not None:
            full_output(report, table=False)
            if spec.expected is not None:
                check_spec(spec)


# -- (c) expressions inside specs ---------------------------------------------------------------------

TOKENS = ("0", "1", "2", "3", "7", "12", "007", "99999999999", "i", "a", "c", "P", "flag", "zz",
          "+", "-", "*", "/", "//", "%", "(", ")", "==", "!=", "<", "<=", ">", ">=", "if", "else",
          "and", "or", "not", "true", "false", "=", "!", "**", ".", "1e3", "_")


def expressions(atoms, max_leaves: int, tokens=TOKENS):
    def grow(inner):
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "//", "/", "%", "==", "!=", "<",
                                              "<=", ">", ">=", "and", "or"]), inner)
            .map(" ".join),
            inner.map(lambda e: f"({e})"), inner.map(lambda e: f"not {e}"),
            inner.map(lambda e: f"-{e}"),
            st.tuples(inner, inner, inner).map(lambda t: f"{t[0]} if {t[1]} else {t[2]}"))

    well_formed = st.recursive(atoms, grow, max_leaves=max_leaves)
    soup = st.lists(st.sampled_from(tokens), min_size=1, max_size=10).map(" ".join)
    return st.one_of(well_formed, well_formed, soup)


ANY_EXPR = expressions(st.one_of(st.integers(0, 12).map(str),
                                 st.sampled_from(["i", "a", "c", "P", "flag", "true", "false",
                                                  "zz", "99999999999"])), 8)
#: Repeat counts stay small: a repeat near the layer limit is slow (repeat-at-limit.yaml).
SMALL_EXPR = expressions(st.sampled_from(["0", "1", "2", "3", "P", "i", "true"]), 3,
                         tokens=("0", "1", "2", "3", "P", "i", "zz", "+", "-", "*", "//", "(",
                                 ")", "<", "if", "else", "not", "true", "!", "."))

EXPRESSION_SPEC = """\
name: exprs
input: [4, 12, 12]
params: {P: 3, flag: true}
blocks:
  b:
    params: {a: 2, c: 4}
    layers:
      - {op: conv, name: conv, out: E_out, kernel: E_kernel, stride: E_stride, padding: E_pad}
      - {op: relu, name: act, if: E_if}
      - {op: maxpool, name: pool, kernel: E_pool, if: E_ifpool}
layers:
  - {block: b, name: blk, repeat: S_repeat, a: E_a, c: E_c}
  - {op: conv, name: "n{E_name}", repeat: 2, out: E_out2, kernel: 1, dilation: E_dil}
  - {op: upsample, scale: E_scale}
  - {op: avgpool, output: E_output}
  - {op: fc, out: E_fc}
"""
PLACEHOLDERS = re.findall(r"\b[ES]_\w+", EXPRESSION_SPEC)


#: Values that fit each placeholder (most of the time: they may still clash with each other),
#: so that most drawn specs get far enough to be analysed.
FITTING = {
    "E_out": ("c", "a * 2", "c + 1", "4"), "E_kernel": ("1", "3", "a + 1", "1 if flag else 3"),
    "E_stride": ("1", "2", "a - 1"), "E_pad": ("0", "1", "a // 2"),
    "E_if": ("true", "flag", "a > 1", "not flag or true"), "E_pool": ("1", "2", "a"),
    "E_ifpool": ("false", "c < 0", "a == 3"), "S_repeat": ("1", "2", "P - 1"),
    "E_a": ("2", "i + 1", "P"), "E_c": ("4", "i * 2 + 1", "P + i"),
    "E_name": ("i", "i + 1", "i * 10"), "E_out2": ("8", "P * 2", "P + 1"),
    "E_dil": ("1", "2", "P"), "E_scale": ("1", "2", "P - 1"), "E_output": ("1", "2", "P"),
    "E_fc": ("10", "P * 3"),
}


@st.composite
def expression_values(draw) -> dict:
    """Fitting values everywhere but in up to four random places, which get random expressions
    (well formed or token soup)."""
    wild = draw(st.lists(st.sampled_from(PLACEHOLDERS), max_size=4, unique=True))
    values = {}
    for key in PLACEHOLDERS:
        if key not in wild:
            values[key] = draw(st.sampled_from(FITTING[key]))
            continue
        values[key] = draw(SMALL_EXPR if key.startswith("S_") else ANY_EXPR)
        if key in ("E_kernel", "E_stride", "E_dil", "E_a", "E_c") and draw(st.booleans()):
            values[key] = [values[key], draw(ANY_EXPR)]  # a list: one value per axis
    return values


def substitute(node, values: dict):
    """The parsed template with each placeholder replaced by a plain (unquoted) string: an
    expression, exactly as if it had been written unquoted in the YAML."""
    if isinstance(node, YMap):
        out = YMap((k, substitute(v, values)) for k, v in node.items())
        out.line, out.key_lines = node.line, node.key_lines
        return out
    if isinstance(node, YList):
        out = YList(substitute(v, values) for v in node)
        out.line, out.item_lines = node.line, node.item_lines
        return out
    if isinstance(node, Quoted) and "E_name" in node:
        return Quoted(node.replace("E_name", values["E_name"]))
    if isinstance(node, str) and node in values:
        value = values[node]
        return [str(v) for v in value] if isinstance(value, list) else str(value)
    return node


@settings(max_examples=200 * SCALE, **FUZZ)
@given(values=expression_values())
def test_expressions_in_specs_evaluate_or_fail_cleanly(values):
    """Field values and block arguments built from random tokens: a report that obeys the
    invariants, or a ConvcalcError naming the file — never another exception."""
    note(repr(values))
    doc = substitute(parse_yaml(EXPRESSION_SPEC, "exprs.yaml"), values)
    with cpu_budget(EXAMPLE_BUDGET):
        try:
            report = analyze(parse_spec(doc, "exprs.yaml"))
        except ConvcalcError as error:
            assert str(error).startswith("exprs.yaml:") and "\n" not in str(error), str(error)
            event("refused")
            return
        event("analysed")
        check_counts(report)
        check_report_document(json.loads(full_output(report, table=False),
                                         parse_float=no_floats))


@settings(max_examples=100 * SCALE, **FUZZ)
@given(values=expression_values())
def test_expressions_written_into_yaml_exit_cleanly(values, tmp_path, monkeypatch):
    """The same expressions pasted into the YAML text unquoted, through the CLI: YAML syntax they
    break (an expression starting with '*' or '!') is a clean error too."""
    monkeypatch.chdir(tmp_path)
    text = EXPRESSION_SPEC
    for key in sorted(values, key=len, reverse=True):
        value = values[key]
        text = text.replace(key, flow(value) if isinstance(value, list) else value)
    note(text)
    (tmp_path / "exprs.yaml").write_text(text, encoding="utf-8")
    with cpu_budget(EXAMPLE_BUDGET):
        run_spec_file(tmp_path / "exprs.yaml", "exprs.yaml")


# -- the corpus ----------------------------------------------------------------------------------


#: The known bugs that are about time: their corpus files get SLOW_PROBE, not CPU_BUDGET.
KNOWN_SLOW = {name for name, reason in KNOWN_BUGS.items() if "CPU budget" in reason}


def corpus_cases() -> list:
    cases = []
    for path in sorted(CORPUS.iterdir()):
        if path.name.startswith("."):
            continue
        marks = ()
        if path.name in KNOWN_BUGS:
            marks = pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[path.name])
        budget = SLOW_PROBE if path.name in KNOWN_SLOW else BUDGETS.get(path.name, CPU_BUDGET)
        cases.append(pytest.param(path, budget, id=path.name, marks=marks))
    return cases


def test_known_bugs_name_corpus_files():
    files = {p.name for p in CORPUS.iterdir()}
    assert set(KNOWN_BUGS) <= files
    assert set(KNOWN_BUG_TRIGGERS) <= set(KNOWN_BUGS)


def test_corpus_yaml_files_say_what_they_test():
    """Each corpus file opens with a one-line YAML comment, unless it is deliberately not YAML
    (empty, binary, another encoding) or a directory."""
    unexplained = []
    for path in CORPUS.iterdir():
        if not path.is_file():
            continue
        try:
            first = path.read_bytes().decode("utf-8").lstrip("\ufeff").split("\n")[0]
        except UnicodeDecodeError:
            continue
        if path.stat().st_size and not first.startswith("# "):
            unexplained.append(path.name)
    assert unexplained == []


@pytest.mark.parametrize("path, budget", corpus_cases())
def test_corpus_file_exits_cleanly_and_quickly(path, budget, monkeypatch):
    """Each corpus file through the CLI — summary as JSON and as a table, and check — keeps the
    clean-exit contract, and is done (refused or computed) within the CPU budget."""
    monkeypatch.chdir(CORPUS)
    lines = line_count(path) if path.is_file() else None
    start = time.process_time()
    with cpu_budget(budget):
        for args, command, fmt in ((("summary", path.name, "--format", "json"), "summary", "json"),
                                   (("summary", path.name), "summary", "table"),
                                   (("check", path.name), "check", "table")):
            assert_clean_exit(invoke(*args), command, path.name, lines, fmt)
    assert time.process_time() - start < budget
