"""`convcalc graph`: the network as a Mermaid, DOT or JSON diagram.

Expected node and edge counts are written from the architectures (torchvision's ResNet-18 has a
four-layer stem, four stages of two basic blocks, then avgpool, flatten and fc), never copied from
the program. The Mermaid and DOT texts are checked by small independent parsers here, and the DOT
text also by Graphviz's own `dot` when it is installed.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from convcalc import diagram
from convcalc.analysis import analyze
from convcalc.writers import dumps
from convcalc.zoo import load

ROOT = Path(__file__).resolve().parent.parent

#: Built-ins with branches, merges, nested blocks and several outputs, and depths to draw them at.
SPECS = ("two-3x3", "basic-block-64", "resnet18", "googlenet", "faster-rcnn-rpn", "densenet121")
DEPTHS = (1, 2, 3, None)

#: torchvision's ResNet-18 at --depth 1: the stem, the four stages as one node each, the head.
RESNET18_TOP = ("conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4",
                "avgpool", "flatten", "fc")
RESNET18_BLOCKS = 4 * 2  # four stages of two basic blocks, each ending in one residual add
RESNET18_LAYERS = (4  # stem: conv1, bn1, relu, maxpool
                   + RESNET18_BLOCKS * 7  # conv1, bn1, relu1, conv2, bn2, add, relu2
                   + 3 * 2  # layer2.0 to layer4.0 downsample: a 1×1 conv and its batchnorm
                   + 3)  # avgpool, flatten, fc
GOOGLENET_INCEPTIONS = 9  # 3a, 3b, 4a–4e, 5a, 5b
INCEPTION_BRANCHES = 4  # 1×1; 1×1→3×3; 1×1→3×3; pool→1×1


def report(name):
    return analyze(load(name))


def graph(name, depth=None):
    return diagram.graph_dict(report(name), depth)


def incoming(g, node_name):
    ids = {n["name"]: n["id"] for n in g["nodes"]}
    return [a for a, b in g["edges"] if b == ids[node_name]]


# -- what the diagram holds --------------------------------------------------------------------

def test_two_3x3_is_a_chain_of_its_four_layers_after_the_input():
    g = graph("two-3x3")
    layers = 2 + 2  # two 3×3 convs, two relus
    assert [n["name"] for n in g["nodes"]] == ["input", "conv1", "relu1", "conv2", "relu2"]
    assert len(g["nodes"]) == layers + 1
    assert g["edges"] == [["n0", "n1"], ["n1", "n2"], ["n2", "n3"], ["n3", "n4"]]
    assert [n["name"] for n in g["nodes"] if n["output"]] == ["relu2"]
    assert g["clusters"] == []


def test_a_node_is_labelled_with_name_op_window_shape_and_params_when_not_zero():
    conv, relu = graph("two-3x3")["nodes"][1:3]
    assert conv["label"] == f"conv1\nconv 3×3 s1 p1\n128×56×56\n{3 * 3 * 128 * 128:,} params"
    assert conv["params"] == 3 * 3 * 128 * 128 and conv["output_shape"] == [128, 56, 56]
    assert relu["label"] == "relu1\nrelu\n128×56×56"
    assert graph("two-3x3")["nodes"][0] == {
        "id": "n0", "name": "input", "label": "input\n128×56×56", "op": "input",
        "output_shape": [128, 56, 56], "params": 0, "kind": "input", "output": False,
        "cluster": None}


def test_basic_block_merges_the_shortcut_from_the_input():
    g = graph("basic-block-64")
    assert sorted(incoming(g, "add")) == ["n0", "n3"]  # conv2 and the identity shortcut
    assert len(g["edges"]) == 5 + 1  # one input per layer, a second one for the add


def test_resnet18_at_depth_1_shows_each_stage_as_one_node_holding_its_residual_adds():
    r = report("resnet18")
    g = diagram.graph_dict(r, depth=1)
    assert [n["name"] for n in g["nodes"]] == ["input", *RESNET18_TOP]
    stages = [n for n in g["nodes"] if n["name"].startswith("layer")]
    assert [n["kind"] for n in stages] == ["group"] * 4
    assert [n["op"] for n in stages] == ["basic ×2"] * 4
    assert not any(n["op"] == "add" for n in g["nodes"])
    adds = [row for row in r.rows if row.op == "add"]
    assert len(adds) == RESNET18_BLOCKS
    assert all(row.path[0] in {"layer1", "layer2", "layer3", "layer4"} for row in adds)
    ids = [n["id"] for n in g["nodes"]]
    assert g["edges"] == [[a, b] for a, b in zip(ids, ids[1:])]  # a chain: the skips are inside
    assert g["clusters"] == []


def test_resnet18_at_full_depth_every_add_reads_two_inputs():
    g = graph("resnet18")
    assert len(g["nodes"]) == RESNET18_LAYERS + 1
    adds = [n["name"] for n in g["nodes"] if n["op"] == "add"]
    assert len(adds) == RESNET18_BLOCKS
    assert all(len(incoming(g, name)) == 2 for name in adds)
    assert len(g["edges"]) == RESNET18_LAYERS + RESNET18_BLOCKS  # one per layer, one more per add
    clusters = {c["name"]: c for c in g["clusters"]}
    assert len(clusters) == 4 + RESNET18_BLOCKS
    by_id = {c["id"]: c["name"] for c in g["clusters"]}
    assert by_id[clusters["layer2.1"]["parent"]] == "layer2"
    assert clusters["layer2"]["parent"] is None
    assert clusters["layer2"]["label"] == "basic ×2"


def test_googlenet_inception_concats_merge_four_branches():
    g = graph("googlenet")
    concats = [n["name"] for n in g["nodes"] if n["op"] == "concat"]
    assert len(concats) == GOOGLENET_INCEPTIONS
    assert all(len(incoming(g, name)) == INCEPTION_BRANCHES for name in concats)
    # the four branches fork from the module's input
    ids = {n["name"]: n["id"] for n in g["nodes"]}
    assert sum(1 for a, _ in g["edges"] if a == ids["maxpool2"]) == INCEPTION_BRANCHES


def test_googlenet_at_depth_2_keeps_the_merge_with_its_branches_collapsed():
    g = graph("googlenet", depth=2)
    assert len(incoming(g, "inception3a.concat")) == INCEPTION_BRANCHES
    assert {n["kind"] for n in g["nodes"] if n["name"].startswith("inception3a.branch1")} == {
        "group"}


def test_faster_rcnn_rpn_marks_both_heads_as_outputs():
    g = graph("faster-rcnn-rpn")
    outputs = [n["name"] for n in g["nodes"] if n["output"]]
    assert outputs == ["rpn.rpn_cls_score", "rpn.rpn_bbox_pred"]
    ids = {n["name"]: n["id"] for n in g["nodes"]}
    assert sum(1 for a, _ in g["edges"] if a == ids["rpn.rpn_relu"]) == 2  # the fork
    collapsed = graph("faster-rcnn-rpn", depth=1)
    assert [n["name"] for n in collapsed["nodes"] if n["output"]] == ["rpn"]


@pytest.mark.parametrize("name", SPECS)
@pytest.mark.parametrize("depth", DEPTHS)
def test_nodes_follow_the_summary_tables_collapse_rule(name, depth):
    r = report(name)
    shown = [item.layer.name if item.kind == "layer" else item.group.name
             for item in r.view(depth) if item.kind != "header"]
    headers = [item.group.name for item in r.view(depth) if item.kind == "header"]
    g = diagram.graph_dict(r, depth)
    assert [n["name"] for n in g["nodes"]] == ["input", *shown]
    assert [c["name"] for c in g["clusters"]] == headers


@pytest.mark.parametrize("name", SPECS)
@pytest.mark.parametrize("depth", DEPTHS)
def test_edges_attach_to_the_node_that_shows_each_layer(name, depth):
    """Every input of every layer, seen from the nodes that contain them: no edge inside a
    node, none twice, and every endpoint a node."""
    r = report(name)
    g = diagram.graph_dict(r, depth)
    ids = {n["name"]: n["id"] for n in g["nodes"]}

    def shown_as(layer):
        if layer == "input":
            return ids["input"]
        (node,) = [ids[x] for x in (layer, *r.row(layer).path) if x in ids]
        return node

    expected = {(shown_as(i), shown_as(row.name)) for row in r.rows for i in row.inputs}
    expected = {(a, b) for a, b in expected if a != b}
    edges = [tuple(e) for e in g["edges"]]
    assert len(edges) == len(set(edges))
    assert set(edges) == expected


def test_json_is_deterministic_and_names_only_declared_nodes():
    r = report("googlenet")
    first, second = diagram.graph_dict(r, 2), diagram.graph_dict(report("googlenet"), 2)
    assert dumps(first) == dumps(second)
    declared = {n["id"] for n in first["nodes"]}
    assert all(a in declared and b in declared for a, b in first["edges"])
    for c in first["clusters"]:
        assert all(n in declared for n in c["nodes"])
    for node in first["nodes"]:
        assert {"id", "name", "label", "op", "output_shape", "params", "kind"} <= set(node)
    json.loads(dumps(first))


# -- Mermaid ---------------------------------------------------------------------------------

_MERMAID_NODE = re.compile(r'^\s*(\S+?)(\(\[|\[\[|\[)"(.*)"(\]\)|\]\]|\])$')
_MERMAID_EDGE = re.compile(r"^\s*(\S+) --> (\S+)$")
_SAFE_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parse_mermaid(source: str):
    """Node ids, edges, subgraph nesting and classes of a flowchart, by a parser written here."""
    lines = source.splitlines()
    assert lines[0] == "flowchart TD"
    nodes, edges, parents, stack, classes = {}, [], {}, [], {}
    for line in lines[1:]:
        if m := re.match(r'^\s*subgraph (\S+)\["(.*)"\]$', line):
            parents[m[1]] = stack[-1] if stack else None
            stack.append(m[1])
        elif line.strip() == "end":
            stack.pop()
        elif m := _MERMAID_NODE.match(line):
            assert '"' not in m[3], line
            nodes[m[1]] = stack[-1] if stack else None
        elif m := _MERMAID_EDGE.match(line):
            edges.append((m[1], m[2]))
        elif m := re.match(r"^\s*class (\S+) (\w+)$", line):
            classes[m[2]] = m[1].split(",")
        else:
            assert line.strip().startswith("classDef "), line
    assert not stack, "a subgraph is not closed"
    return nodes, edges, parents, classes


@pytest.mark.parametrize("name", SPECS)
@pytest.mark.parametrize("depth", DEPTHS)
def test_mermaid_ids_are_safe_and_every_edge_joins_declared_nodes(name, depth):
    r = report(name)
    nodes, edges, parents, classes = parse_mermaid(diagram.mermaid(r, depth))
    assert all(_SAFE_ID.match(i) for i in (*nodes, *parents))
    assert all(a in nodes and b in nodes and a != b for a, b in edges)
    assert len(edges) == len(set(edges))
    g = diagram.graph_dict(r, depth)
    assert len(nodes) == len(g["nodes"]) and len(edges) == len(g["edges"])
    assert sorted(classes["output"]) == sorted(n["id"] for n in g["nodes"] if n["output"])
    assert parents == {c["id"]: c["parent"] for c in g["clusters"]}
    assert nodes == {n["id"]: n["cluster"] for n in g["nodes"]}


def test_mermaid_for_two_3x3():
    text = diagram.mermaid(report("two-3x3"))
    assert text.splitlines()[:3] == [
        "flowchart TD",
        '  n0(["input<br/>128×56×56"])',
        f'  n1["conv1<br/>conv 3×3 s1 p1<br/>128×56×56<br/>{3 * 3 * 128 * 128:,} params"]',
    ]
    assert "  class n4 output" in text


def test_mermaid_escapes_what_would_end_or_mark_up_a_label():
    assert diagram._mermaid_text('a "b" <c> & d') == "a #quot;b#quot; #lt;c#gt; #amp; d"


# -- DOT -------------------------------------------------------------------------------------

_DOT_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def parse_dot(source: str):
    """Declared node ids, edges and cluster nesting of a digraph, by a parser written here."""
    assert source.startswith("digraph ")
    bare = _DOT_STRING.sub('""', source)  # braces inside labels do not count
    depth = 0
    for char in bare:
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0, "a '}' closes nothing"
    assert depth == 0, "unbalanced braces"
    nodes, edges, parents, stack = {}, [], {}, []
    for line in bare.splitlines()[1:]:
        if m := re.match(r"^\s*subgraph cluster_(\w+) \{$", line):
            parents[m[1]] = stack[-1] if stack else None
            stack.append(m[1])
        elif line.strip() == "}" and stack:
            stack.pop()
        elif m := re.match(r"^\s*(\w+) -> (\w+);$", line):
            edges.append((m[1], m[2]))
        elif m := re.match(r"^\s*(\w+) \[label=", line):
            nodes[m[1]] = stack[-1] if stack else None
    return nodes, edges, parents


@pytest.mark.parametrize("name", SPECS)
@pytest.mark.parametrize("depth", DEPTHS)
def test_dot_declares_every_edge_endpoint_and_nests_clusters_as_blocks(name, depth):
    r = report(name)
    nodes, edges, parents = parse_dot(diagram.dot(r, depth))
    assert all(a in nodes and b in nodes and a != b for a, b in edges)
    g = diagram.graph_dict(r, depth)
    assert [list(e) for e in edges] == g["edges"]
    assert parents == {c["id"]: c["parent"] for c in g["clusters"]}
    assert nodes == {n["id"]: n["cluster"] for n in g["nodes"]}


def test_dot_marks_outputs_and_labels_clusters_with_their_block():
    text = diagram.dot(report("faster-rcnn-rpn"))
    marked = [line.split()[0] for line in text.splitlines() if "peripheries=2" in line]
    g = graph("faster-rcnn-rpn")
    assert marked == [n["id"] for n in g["nodes"] if n["output"]]
    assert "rankdir=TB;" in text
    resnet = diagram.dot(report("resnet18"), depth=2)
    assert f'label="layer1 · basic ×2 · {2 * (2 * 3 * 3 * 64 * 64 + 2 * 2 * 64):,} params";' \
        in resnet


GRAPHVIZ = shutil.which("dot")


def render(source: str) -> str:
    done = subprocess.run([GRAPHVIZ, "-Tsvg"], input=source.encode(), capture_output=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr == b"", done.stderr.decode()
    return done.stdout.decode()


@pytest.mark.skipif(GRAPHVIZ is None, reason="Graphviz's dot is not installed")
@pytest.mark.parametrize("name,depth", [("two-3x3", None), ("basic-block-64", None),
                                        ("resnet18", 2), ("resnet18", None), ("googlenet", 2),
                                        ("faster-rcnn-rpn", None)])
def test_graphviz_draws_the_dot_text(name, depth):
    svg = render(diagram.dot(report(name), depth))
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg


@pytest.mark.skipif(GRAPHVIZ is None, reason="Graphviz's dot is not installed")
def test_dot_escapes_quotes_and_backslashes(write_spec):
    name = 'say "hi" \\ {x}'
    path = write_spec(f"name: '{name}'\ninput: [3, 8, 8]\nlayers:\n  - {{op: relu}}\n")
    text = diagram.dot(analyze(load(path)))
    assert text.startswith('digraph "say \\"hi\\" \\\\ {x}" {')
    parse_dot(text)
    assert "<svg" in render(text)


# -- the docs show real output ---------------------------------------------------------------

def fenced(markdown: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", markdown, flags=re.S)


def test_docs_show_the_output_of_the_commands_they_name():
    doc = (ROOT / "docs" / "diagrams.md").read_text(encoding="utf-8")
    assert diagram.mermaid(report("two-3x3")) in fenced(doc, "mermaid")
    assert diagram.mermaid(report("resnet18"), depth=2) in fenced(doc, "mermaid")
    assert diagram.dot(report("basic-block-64")) in fenced(doc, "dot")
    assert diagram.graph_dict(report("basic-block-64")) in [json.loads(block) for block in
                                                            fenced(doc, "json")]
    assert "convcalc graph resnet18 --format dot --depth 2 | dot -Tsvg > resnet18.svg" in doc
