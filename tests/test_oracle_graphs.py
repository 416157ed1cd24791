"""Receptive fields through branches and merges, checked against a brute-force oracle.

`test_oracle.py` checks chains. Here the layers form a small graph: a layer may read any layer
above it (``from:``), and ``add`` / ``concat`` join two or three paths whose spatial sizes agree.
The engine merges the paths' Distill triples in closed form (`analysis.merge_fields`,
`receptive.union`): equal jumps are required, the merged field is the hull of the paths' windows,
and paths whose centres differ get a warning. The oracle knows none of that. For each unit of each
layer it lists the network-input positions the unit depends on, one spatial axis at a time:

- a conv or pooling layer reads the positions its window taps (`test_oracle.taps`), and the unit
  depends on everything those positions depend on;
- a merge's unit ``i`` reads unit ``i`` of every input, so it depends on the union of their sets.

As in the chain oracle, *virtual* coordinates read padding positions like any other, which gives
the theoretical window (size = max − min + 1, padding = −min of unit 0, jump = min(unit 1) −
min(unit 0)), while *actual* coordinates read nothing there and must stay inside that window. A
path's centre is the middle of unit 0's window, (min + max)/2 — with dilation the set has holes,
but its ends are the window's ends.

What the engine must then do at a merge, read off the oracle's sets:

- paths with different jumps: refuse the merge with a ShapeError ("different effective strides");
- otherwise its field is the oracle's union: hull of the paths' windows, the common jump;
- paths whose centres differ: a "not centred alike" warning on that merge, and only then.

Hypothesis grows random 1-D and 2-D graphs from layers that keep the size (stride 1, span − 1
padding split unevenly at random), layers with free windows, and layers whose window is chosen to
reach the size of an earlier node — so that paths of equal size, hence merges, are common, some
of them at different strides. The examples at the end pin oracle and engine to hand-derived
numbers.
"""

from __future__ import annotations

import re
from dataclasses import astuple, dataclass
from fractions import Fraction

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from convcalc.analysis import analyze
from convcalc.errors import ShapeError
from convcalc.spec import parse_spec
from convcalc.yamlspec import parse_yaml
from test_oracle import OPS, AxisWindow, Layer, OracleRF, layer_yaml, output_size, taps

MERGES = ("add", "concat")

#: Output channels of every generated conv (`test_oracle.layer_yaml` writes `out: 2`).
CONV_OUT = 2

# ---------------------------------------------------------------------------------------------
# Graphs and their YAML
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """One layer of a graph: a conv/pooling layer with one window per axis, or a merge."""

    name: str
    op: str
    inputs: tuple[str, ...]
    windows: tuple[AxisWindow, ...] = ()

    @property
    def is_merge(self) -> bool:
        return self.op in MERGES


@dataclass(frozen=True)
class Graph:
    input_sizes: tuple[int, ...]
    input_channels: int
    nodes: tuple[Node, ...]

    def prefix(self, length: int) -> "Graph":
        return Graph(self.input_sizes, self.input_channels, self.nodes[:length])


def node_yaml(node: Node, previous: str) -> str:
    """A flow mapping; `from:` is left out when the node reads the entry above (the default)."""
    if node.is_merge:
        return f"{{op: {node.op}, name: {node.name}, from: [{', '.join(node.inputs)}]}}"
    text = layer_yaml(node.name, Layer(node.op, node.windows))
    if node.inputs[0] != previous:
        text = f"{text[:-1]}, from: {node.inputs[0]}}}"
    return text


def graph_yaml(graph: Graph) -> str:
    sizes = ", ".join(map(str, graph.input_sizes))
    lines = ["name: oracle-graph", f"input: [{graph.input_channels}, {sizes}]", "layers:"]
    previous = "input"
    for node in graph.nodes:
        lines.append(f"  - {node_yaml(node, previous)}")
        previous = node.name
    return "\n".join(lines) + "\n"


def engine_report(graph: Graph):
    text = graph_yaml(graph)
    return analyze(parse_spec(parse_yaml(text, "oracle.yaml"), "oracle.yaml"))


# ---------------------------------------------------------------------------------------------
# The oracle: sets of input positions, walked down the graph and united at merges
# ---------------------------------------------------------------------------------------------


class GraphOracle:
    """Sizes, channels and dependency sets of every node of a graph, computed by enumeration."""

    def __init__(self, graph: Graph):
        self.nodes = {node.name: node for node in graph.nodes}
        self.sizes = {"input": graph.input_sizes}
        self.channels = {"input": graph.input_channels}
        for node in graph.nodes:
            sizes = [self.sizes[name] for name in node.inputs]
            if node.is_merge:
                assert len(set(sizes)) == 1, f"generated merge {node.name} of unequal sizes"
                self.sizes[node.name] = sizes[0]
                channels = [self.channels[name] for name in node.inputs]
                assert node.op == "concat" or len(set(channels)) == 1
                self.channels[node.name] = sum(channels) if node.op == "concat" else channels[0]
            else:
                out = tuple(output_size(w, n) for w, n in zip(node.windows, sizes[0]))
                assert None not in out, f"generated layer {node.name} does not fit"
                self.sizes[node.name] = out
                self.channels[node.name] = (CONV_OUT if node.op == "conv"
                                            else self.channels[node.inputs[0]])
        self._memo: dict = {}

    def field(self, name: str, axis: int, unit: int, actual: bool = False) -> frozenset[int]:
        """Network-input positions that `unit` of `name` depends on along `axis`.

        Virtual coordinates by default; with `actual`, a padding position reads nothing.
        """
        key = (name, axis, unit, actual)
        if key not in self._memo:
            self._memo[key] = self._walk(name, axis, unit, actual)
        return self._memo[key]

    def _walk(self, name, axis, unit, actual) -> frozenset[int]:
        if name == "input":
            return frozenset({unit})
        node = self.nodes[name]
        if node.is_merge:  # unit i of a merge reads unit i of every input
            return frozenset().union(*(self.field(i, axis, unit, actual) for i in node.inputs))
        source = node.inputs[0]
        n = self.sizes[source][axis]
        return frozenset(p for t in taps(node.windows[axis], unit) if not actual or 0 <= t < n
                         for p in self.field(source, axis, t, actual))

    def receptive_field(self, name: str, axis: int) -> OracleRF:
        """size = max − min + 1 and padding = −min of unit 0; jump = min(unit 1) − min(unit 0)."""
        unit0, unit1 = self.field(name, axis, 0), self.field(name, axis, 1)
        return OracleRF(size=max(unit0) - min(unit0) + 1, jump=min(unit1) - min(unit0),
                        padding=-min(unit0))

    def centre(self, name: str, axis: int) -> Fraction:
        """The middle of unit 0's window: (min + max)/2, holes or not."""
        unit0 = self.field(name, axis, 0)
        return Fraction(min(unit0) + max(unit0), 2)

    def axes(self) -> range:
        return range(len(self.sizes["input"]))

    def strides_differ(self, node: Node) -> bool:
        """Whether the merge's paths have different jumps on some axis: the engine refuses it."""
        return any(len({self.receptive_field(i, axis).jump for i in node.inputs}) > 1
                   for axis in self.axes())

    def centres_differ(self, node: Node) -> bool:
        """Whether the merge's paths have different centres on some axis: the engine warns."""
        return any(len({self.centre(i, axis) for i in node.inputs}) > 1 for axis in self.axes())

    def refused(self, graph: Graph) -> int | None:
        """Index of the first merge whose paths have different jumps, or None.

        Up to it every merge is aligned, so every node's sets are those of a uniform field
        (unit i's window starts at i·j − P) and units 0 and 1 give each path's jump.
        """
        for index, node in enumerate(graph.nodes):
            if node.is_merge and self.strides_differ(node):
                return index
        return None


# ---------------------------------------------------------------------------------------------
# Generated graphs
# ---------------------------------------------------------------------------------------------


KEEP, FREE, MATCH = "keep the size", "free", "match a size"


def _most_padding(op: str, kernel: int, span: int) -> int:
    """Padding allowed on one side: any for conv; for pooling half the kernel, dilation aside
    (PyTorch's pool2d_shape_check: kW/2 >= padW)."""
    return span - 1 if op == "conv" else kernel // 2


def _matching(op: str, n: int, m: int) -> list[tuple[int, int, int, int]]:
    """Every (kernel, stride, dilation, total padding) taking `n` to `m` in floor mode:
    ⌊(n + p − span)/s⌋ + 1 = m for the s paddings p from (m − 1)·s + span − n on."""
    found = []
    for kernel in range(1, 6):
        for dilation in range(1, 4) if op != "avgpool" else (1,):
            span = dilation * (kernel - 1) + 1
            for stride in range(1, 4):
                lowest = (m - 1) * stride + span - n
                found += [(kernel, stride, dilation, p) for p in range(lowest, lowest + stride)
                          if 0 <= p <= 2 * _most_padding(op, kernel, span)]
    return found


@st.composite
def split_window(draw, op, kernel, stride, dilation, padding, ceil_mode) -> AxisWindow:
    """A window with `padding` in all, split at random between the two sides."""
    most = _most_padding(op, kernel, dilation * (kernel - 1) + 1)
    before = draw(st.integers(padding - min(padding, most), min(padding, most)))
    return AxisWindow(kernel, stride, dilation, before, padding - before, ceil_mode)


@st.composite
def unary_windows(draw, op: str, sizes: tuple[int, ...], target: tuple[int, ...],
                  styles=(KEEP, KEEP, FREE, MATCH, MATCH)):
    """Kernels 1–5, dilations 1–3, strides 1–3, in one of three `styles` for the whole layer:

    - keep the size: stride 1 and span − 1 padding split at random (an even kernel or an uneven
      split moves the centre); pooling then takes no dilation, its padding being limited to half
      the kernel;
    - free: any stride, up to 3 padding per side;
    - match a size: a window that makes the output `target` (an earlier node's size), so that
      paths of different jumps, or of equal jumps reached differently, meet at equal sizes.

    Where the free or matching window cannot exist on an axis, that axis keeps its size instead.
    Ceil mode is drawn for pooling and left to `output_size` to honour.
    """
    ceil_mode = op != "conv" and draw(st.booleans())
    style = draw(st.sampled_from(styles))
    windows = []
    for n, m in zip(sizes, target):
        kernel = draw(st.integers(1, 5))
        dilation = draw(st.integers(1, 3)) if op != "avgpool" else 1  # avgpool has no dilation
        keep_dilation = dilation if op == "conv" else 1
        keep = draw(split_window(op, kernel, 1, keep_dilation, keep_dilation * (kernel - 1),
                                 ceil_mode))
        window = keep
        if style == FREE:
            stride = draw(st.integers(1, 3))
            span = dilation * (kernel - 1) + 1
            pads = st.integers(0, min(_most_padding(op, kernel, span), 3))
            window = AxisWindow(kernel, stride, dilation, draw(pads), draw(pads), ceil_mode)
        elif style == MATCH and (choices := _matching(op, n, m)):
            # the stride first, so that a shrinking stride-1 window is as likely as a strided one
            stride = draw(st.sampled_from(sorted({c[1] for c in choices})))
            choice = draw(st.sampled_from([c for c in choices if c[1] == stride]))
            window = draw(split_window(op, *choice, ceil_mode))
        windows.append(window if output_size(window, n) is not None else keep)
    return style, tuple(windows)


@st.composite
def graphs(draw) -> Graph:
    """2–6 steps over a 1-D or 2-D input of 3–16 (1–3 channels), each one of

    - layer: a conv or pooling layer reading any earlier node, its window keeping the size,
      free, or made to reach the size of another earlier node;
    - merge: add or concat of 2–3 earlier nodes of equal spatial size (and, for add, equal
      channels), when there are such nodes; else a layer;
    - fork: two layers reading the same node, the second made to reach the first's size, and
      their merge.

    A graph that drew no merge ends with one: a size-keeping layer concatenated with its input.
    To steer half the merges toward paths of different strides, the generator labels each node
    with the product of the strides along its first inputs; whether a merge must be refused is
    the oracle's finding, not this label's.
    """
    axes = draw(st.sampled_from([1, 2]))
    input_sizes = tuple(draw(st.integers(3, 16)) for _ in range(axes))
    shapes = {"input": (input_sizes, draw(st.integers(1, 3)))}  # name → (sizes, channels)
    strides = {"input": (1,) * axes}  # name → product of strides, per axis (steering only)
    nodes = []

    def add(node: Node) -> None:
        nodes.append(node)
        shapes[node.name] = _shape_of(node, shapes)
        steps = node.windows or (AxisWindow(1),) * axes  # a merge: its first input's label
        strides[node.name] = tuple(s * w.stride for s, w in zip(strides[node.inputs[0]], steps))

    def layer(source: str, target: tuple[int, ...], styles=(KEEP, KEEP, FREE, MATCH, MATCH)):
        op = draw(st.sampled_from(OPS))
        style, windows = draw(unary_windows(op, shapes[source][0], target, styles))
        event(f"layer style: {style}")
        add(Node(f"n{len(nodes) + 1}", op, (source,), windows))

    for _ in range(draw(st.integers(2, 6))):
        step = draw(st.sampled_from(["layer", "layer", "merge", "fork"]))
        # latest first, so that shrinking leans toward the default input (the entry above)
        source = draw(st.sampled_from(list(reversed(shapes))))
        if step == "fork":  # two paths from one source, the second made to match the first
            layer(source, shapes[source][0], styles=(FREE, MATCH))
            first = nodes[-1].name
            layer(source, shapes[first][0], styles=(MATCH,))
            (sizes, channels), second = shapes[nodes[-1].name], nodes[-1].name
            if sizes == shapes[first][0]:  # no window may reach that size on some axis
                op = "add" if channels == shapes[first][1] else "concat"
                add(Node(f"n{len(nodes) + 1}", op, (first, second)))
            continue
        name = f"n{len(nodes) + 1}"
        merge = draw(merge_node(name, shapes, strides)) if step == "merge" else None
        if merge is not None:
            add(merge)
            continue
        # a size the source does not have yet, when there is one: paths that reach it at
        # different strides are what a merge must refuse
        others = sorted({sizes for sizes, _ in shapes.values()} - {shapes[source][0]})
        layer(source, draw(st.sampled_from(others or [shapes[source][0]])))
    if not any(node.is_merge for node in nodes):
        source = draw(st.sampled_from(list(reversed(shapes))))
        layer(source, shapes[source][0], styles=(KEEP,))
        add(Node(f"n{len(nodes) + 1}", "concat", (source, nodes[-1].name)))
    return Graph(input_sizes, shapes["input"][1], tuple(nodes))


@st.composite
def merge_node(draw, name: str, shapes: dict, strides: dict) -> Node | None:
    """A merge of 2–3 distinct nodes that fit together, or None when no two do; half the time,
    when some do, two of them with different `strides`."""
    groups: dict = {}
    for source, (sizes, channels) in shapes.items():
        groups.setdefault(("concat", sizes), []).append(source)
        groups.setdefault(("add", sizes, channels), []).append(source)
    candidates = sorted((key[0], tuple(names)) for key, names in groups.items() if len(names) > 1)
    if not candidates:
        return None
    mixed = [(op, names) for op, names in candidates if len({strides[n] for n in names}) > 1]
    if mixed and draw(st.booleans()):
        op, names = draw(st.sampled_from(mixed))
        first = draw(st.sampled_from(names))
        second = draw(st.sampled_from([n for n in names if strides[n] != strides[first]]))
        rest = [n for n in names if n not in (first, second)]
        third = draw(st.lists(st.sampled_from(rest), max_size=1)) if rest else []
        chosen = draw(st.permutations([first, second, *third]))
    else:
        op, names = draw(st.sampled_from(candidates))
        chosen = draw(st.lists(st.sampled_from(names), min_size=2, max_size=3, unique=True))
    return Node(name, op, tuple(chosen))


def _shape_of(node: Node, shapes: dict) -> tuple:
    sizes, channels = shapes[node.inputs[0]]
    if node.op == "concat":
        return sizes, sum(shapes[i][1] for i in node.inputs)
    if node.is_merge:
        return sizes, channels
    out = tuple(output_size(w, n) for w, n in zip(node.windows, sizes))
    return out, CONV_OUT if node.op == "conv" else channels


# ---------------------------------------------------------------------------------------------
# The property: engine and oracle agree node by node, and refuse the same merge
# ---------------------------------------------------------------------------------------------

CENTRE_WARNING = "not centred alike"


def check_agreement(graph: Graph, oracle: GraphOracle) -> None:
    """Every row of the engine against the oracle, for a graph whose merges are all aligned."""
    report = engine_report(graph)
    for row, node in zip(report.rows, graph.nodes, strict=True):
        assert row.name == node.name
        assert row.output_shape.spatial == oracle.sizes[node.name], f"output size of {node.name}"
        assert row.output_shape.channels == oracle.channels[node.name], f"channels of {node.name}"
        for axis in oracle.axes():
            expected = oracle.receptive_field(node.name, axis)
            rf = row.rf.axes[axis]
            assert (rf.size, rf.jump, rf.padding) == (expected.size, expected.jump,
                                                      expected.padding), f"field of {node.name}"
            # The first and last real units, not only 0 and 1: their windows start at i·j − P and
            # span r positions, and what they actually read lies inside.
            for unit in {0, oracle.sizes[node.name][axis] - 1}:
                start = unit * rf.jump - rf.padding
                virtual = oracle.field(node.name, axis, unit)
                assert (min(virtual), max(virtual)) == (start, start + rf.size - 1)
                assert oracle.field(node.name, axis, unit, actual=True) <= virtual
    warned = {d.layer for d in report.warnings if CENTRE_WARNING in d.message}
    assert warned == {node.name for node in graph.nodes
                      if node.is_merge and oracle.centres_differ(node)}, "centre warnings"


@settings(max_examples=150, deadline=None)
@given(graphs())
def test_engine_agrees_with_the_brute_force_oracle_on_graphs(graph):
    oracle = GraphOracle(graph)
    refused = oracle.refused(graph)
    merges = [node for node in graph.nodes[:refused] if node.is_merge]
    event(f"{len(graph.input_sizes)}-D")
    event(f"merges before any refusal: {min(len(merges), 2)}{'+' if len(merges) > 1 else ''}")
    event(f"merge with centres differing: {any(oracle.centres_differ(n) for n in merges)}")
    if refused is None:
        event("accepted")
        check_agreement(graph, oracle)
        return
    event("refused: different effective strides")
    node = graph.nodes[refused]
    with pytest.raises(ShapeError, match=re.escape(
            f"layer '{node.name}' ({node.op}): the paths have different effective strides")):
        engine_report(graph)
    check_agreement(graph.prefix(refused), oracle)  # everything above it still has to agree


# ---------------------------------------------------------------------------------------------
# Oracle and engine pinned to hand-derived numbers
# ---------------------------------------------------------------------------------------------

SAME_1 = AxisWindow(1)
SAME_3 = AxisWindow(3, pad_before=1, pad_after=1)
SAME_5 = AxisWindow(5, pad_before=2, pad_after=2)
POOL_SAME_3 = AxisWindow(3, stride=1, pad_before=1, pad_after=1)
SHIFTED_2 = AxisWindow(2, pad_before=0, pad_after=1)  # keeps the size, window 0 … 1: off-centre


def both_fields(graph: Graph, name: str) -> tuple[list[tuple], list[tuple]]:
    """(size, jump, padding) of `name` on every axis, from the oracle and from the engine."""
    oracle = GraphOracle(graph)
    row = next(row for row in engine_report(graph).rows if row.name == name)
    found = [astuple(oracle.receptive_field(name, axis)) for axis in oracle.axes()]
    return found, [(a.size, a.jump, a.padding) for a in row.rf.axes]


def centre_warnings(graph: Graph) -> list[str]:
    return [d.layer for d in engine_report(graph).warnings if CENTRE_WARNING in d.message]


def test_inception_like_concat_is_the_largest_branch_and_centred():
    """1×1, 3×3 (padding 1), 5×5 (padding 2) and a 3×3 stride-1 max-pool, all on the 8×8 input
    and all centred on the same pixel: the concat's field is the 5×5 one, (5, 1, 2) on each
    axis, with 2 + 2 + 2 + 3 channels and no warning."""
    graph = Graph((8, 8), 3, (
        Node("b1", "conv", ("input",), (SAME_1,) * 2),
        Node("b3", "conv", ("input",), (SAME_3,) * 2),
        Node("b5", "conv", ("input",), (SAME_5,) * 2),
        Node("pool", "maxpool", ("input",), (POOL_SAME_3,) * 2),
        Node("mixed", "concat", ("b1", "b3", "b5", "pool")),
    ))
    oracle_rf, engine_rf = both_fields(graph, "mixed")
    assert oracle_rf == engine_rf == [(5, 1, 2)] * 2
    assert engine_report(graph).rows[-1].output_shape.as_list() == [2 + 2 + 2 + 3, 8, 8]
    assert not GraphOracle(graph).centres_differ(graph.nodes[-1])
    assert centre_warnings(graph) == []


MISALIGNED = Graph((8,), 2, (
    Node("a", "conv", ("input",), (SAME_3,)),  # unit 0 reads −1 … 1, centre 0
    Node("b", "conv", ("input",), (SHIFTED_2,)),  # unit 0 reads 0 … 1, centre 1/2
    Node("sum", "add", ("a", "b")),
    Node("down", "conv", ("sum",), (AxisWindow(3, stride=2, pad_before=1, pad_after=1),)),
))


def test_misaligned_pair_merges_to_the_hull_and_warns():
    """Length 8: conv k3 p1 (window −1 … 1) and conv k2 padding [[0, 1]] (window 0 … 1) both
    keep 8; their sum's window is the hull −1 … 1: size 3, jump 1, padding 1. Centres 0 and 1/2
    differ, so the add warns."""
    oracle = GraphOracle(MISALIGNED)
    assert (oracle.centre("a", 0), oracle.centre("b", 0)) == (0, Fraction(1, 2))
    assert oracle.field("sum", 0, 0) == {-1, 0, 1}
    oracle_rf, engine_rf = both_fields(MISALIGNED, "sum")
    assert oracle_rf == engine_rf == [(3, 1, 1)]
    assert engine_report(MISALIGNED).rows[2].output_shape.as_list() == [2, 8]
    assert centre_warnings(MISALIGNED) == ["sum"]


def test_a_layer_after_a_misaligned_merge_grows_from_the_hull():
    """conv k3 s2 p1 after the hull (3, 1, 1): r = 3 + 2·1 = 5, j = 1·2 = 2, P = 1 + 1·1 = 2.
    By hand: its unit 0 reads sum's units −1, 0, 1, whose windows cover −2 … 2; its unit 1 reads
    units 1, 2, 3, covering 0 … 4, so the jump is 0 − (−2) = 2."""
    oracle = GraphOracle(MISALIGNED)
    assert oracle.field("down", 0, 0) == set(range(-2, 3))
    assert oracle.field("down", 0, 1) == set(range(0, 5))
    oracle_rf, engine_rf = both_fields(MISALIGNED, "down")
    assert oracle_rf == engine_rf == [(3 + 2 * 1, 1 * 2, 1 + 1 * 1)]
    assert engine_report(MISALIGNED).rows[-1].output_shape.spatial == ((8 + 2 - 3) // 2 + 1,)


def test_residual_add_is_centred():
    """Two 3-wide 'same' convs and a skip from the input: fields 5 and 1, both centred on 0, so
    the add's field is the conv path's (5, 1, 2) and there is no warning."""
    graph = Graph((10,), 2, (
        Node("c1", "conv", ("input",), (SAME_3,)),
        Node("c2", "conv", ("c1",), (SAME_3,)),
        Node("res", "add", ("c2", "input")),
    ))
    oracle_rf, engine_rf = both_fields(graph, "res")
    assert oracle_rf == engine_rf == [(1 + 2 + 2, 1, 1 + 1)]
    assert centre_warnings(graph) == []


def test_misaligned_on_one_axis_of_two_warns():
    """2-D, 6×6: a 3×3 'same' conv and a conv 1 wide on H but 2 wide with padding [0, 1] on W.
    H: fields (3, 1, 1) and (1, 1, 0), both centred on 0 → hull (3, 1, 1). W: (3, 1, 1) and
    (2, 1, 0), centres 0 and 1/2 → hull −1 … 1 = (3, 1, 1), and a warning."""
    graph = Graph((6, 6), 1, (
        Node("a", "conv", ("input",), (SAME_3, SAME_3)),
        Node("b", "conv", ("input",), (SAME_1, SHIFTED_2)),
        Node("cat", "concat", ("a", "b")),
    ))
    oracle_rf, engine_rf = both_fields(graph, "cat")
    assert oracle_rf == engine_rf == [(3, 1, 1), (3, 1, 1)]
    assert centre_warnings(graph) == ["cat"]


def test_equal_sizes_with_different_strides_are_refused():
    """Length 8: a valid conv k5 gives (8 − 5) + 1 = 4 with jump 1; max-pool 2/2 gives 8/2 = 4
    with jump 2. Same shape [2, 4], so add accepts the shapes — but unit i of one path sits at
    input i, of the other at 2i: the engine must refuse the merge."""
    graph = Graph((8,), 2, (
        Node("valid", "conv", ("input",), (AxisWindow(5),)),
        Node("pool", "maxpool", ("input",), (AxisWindow(2, stride=2),)),
        Node("sum", "add", ("valid", "pool")),
    ))
    oracle = GraphOracle(graph)
    assert oracle.sizes["valid"] == oracle.sizes["pool"] == (4,)
    jumps = [oracle.receptive_field(name, 0).jump for name in ("valid", "pool")]
    assert jumps == [1, 2]
    assert oracle.refused(graph) == 2
    with pytest.raises(ShapeError, match=re.escape(
            "layer 'sum' (add): the paths have different effective strides")):
        engine_report(graph)
