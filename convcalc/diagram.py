"""The network as a diagram: Mermaid (renders in GitHub Markdown), Graphviz DOT, or JSON.

One function, `build`, decides what the diagram holds — a node per layer, or per block collapsed
at `depth` with the same rule as `Report.view`; an edge per input, re-attached to the collapsed
blocks and without self-loops or duplicates; the expanded blocks as nested clusters — and the
three writers only spell it out. Nothing here computes a figure: shapes, params and block totals
are the report's.
"""

from __future__ import annotations

from functools import cached_property

from . import text
from .records import record
from .report import Report
from .shapes import Shape

INPUT = "input"


@record
class Node:
    """One box: the network's input, a layer, or a collapsed block."""

    id: str
    name: str
    kind: str  # "input", "layer" or "group"
    op: str  # the layer kind, or the block's label ("basic ×2")
    lines: tuple[str, ...]  # the label, one entry per line
    output_shape: Shape
    params: int
    output: bool
    parent: str | None  # the id of the innermost expanded block around it


@record
class Cluster:
    """An expanded block, drawn as a box around its layers."""

    id: str
    name: str
    label: str
    params: int
    parent: str | None

    @property
    def title(self) -> str:
        """'layer1 · basic ×2 · 147,968 params'."""
        parts = [self.name] + ([self.label] if self.label not in ("", self.name) else [])
        if self.params:
            parts.append(f"{text.count(self.params)} params")
        return " · ".join(parts)


@record
class Diagram:
    name: str
    items: tuple[Node | Cluster, ...]  # in the order of the summary table: input first
    edges: tuple[tuple[str, str], ...]  # (from id, to id), in the order the layers read them

    @property
    def nodes(self) -> tuple[Node, ...]:
        return tuple(i for i in self.items if isinstance(i, Node))

    @property
    def clusters(self) -> tuple[Cluster, ...]:
        return tuple(i for i in self.items if isinstance(i, Cluster))

    @cached_property
    def _children(self) -> dict:
        children: dict = {}
        for item in self.items:
            children.setdefault(item.parent, []).append(item)
        return children

    def members(self, parent: str | None) -> tuple[Node | Cluster, ...]:
        """The nodes and clusters directly inside `parent` (None: the top level), in order."""
        return tuple(self._children.get(parent, ()))


def _lines(name: str, op: str, shape: Shape, params: int, window: str = "") -> tuple[str, ...]:
    head = f"{op} {window}" if window else op
    return (name, head, text.shape(shape)) + ((f"{text.count(params)} params",) if params else ())


def build(report: Report, depth: int | None = None) -> Diagram:
    """The nodes, edges and clusters of `report` with blocks nested `depth` deep or more
    collapsed (None: every layer shown)."""
    view = report.view(depth)
    collapsed = {item.group.name for item in view if item.kind == "group"}
    parents = {g.name: (g.path[-1] if g.path else None) for g in report.groups}

    def owner(layer: str) -> str:
        """The name of the node that shows `layer`: its outermost collapsed block, or itself."""
        if layer == INPUT:
            return INPUT
        return next((g for g in report.row(layer).path if g in collapsed), layer)

    outputs = {owner(name) for name in (report.outputs or (report.rows[-1].name,))}
    ids = {INPUT: "n0"}
    cluster_ids: dict[str, str] = {}
    items: list[Node | Cluster] = [Node("n0", INPUT, "input", INPUT,
                                        (INPUT, text.shape(report.input)), report.input, 0,
                                        output=False, parent=None)]
    for item in view:
        g, r = item.group, item.layer
        if item.kind == "header":
            cluster_ids[g.name] = f"c{len(cluster_ids)}"
            items.append(Cluster(cluster_ids[g.name], g.name, g.label, g.params,
                                 parent=cluster_ids.get(parents.get(g.name))))
        elif item.kind == "group":
            ids[g.name] = f"n{len(ids)}"
            items.append(Node(ids[g.name], g.name, "group", g.label,
                              _lines(g.name, g.label, g.output_shape, g.params),
                              g.output_shape, g.params, output=g.name in outputs,
                              parent=cluster_ids.get(parents.get(g.name))))
        else:
            ids[r.name] = f"n{len(ids)}"
            items.append(Node(ids[r.name], r.name, "layer", r.op,
                              _lines(r.name, r.op, r.output_shape, r.params, text.window(r)),
                              r.output_shape, r.params, output=r.name in outputs,
                              parent=cluster_ids.get(r.path[-1] if r.path else None)))

    edges: dict[tuple[str, str], None] = {}  # a dict keeps the first-seen order
    for r in report.rows:
        target = ids[owner(r.name)]
        for source in (ids[owner(i)] for i in r.inputs):
            if source != target:
                edges[(source, target)] = None
    return Diagram(report.name, tuple(items), tuple(edges))


# -- Mermaid ---------------------------------------------------------------------------------

_MERMAID_ESCAPES = {"&": "#amp;", '"': "#quot;", "<": "#lt;", ">": "#gt;"}
_MERMAID_SHAPES = {"input": ('(["', '"])'), "layer": ('["', '"]'), "group": ('[["', '"]]')}


def _mermaid_text(value: str) -> str:
    """Mermaid's entity codes for the characters that would end or mark up a quoted label."""
    return "".join(_MERMAID_ESCAPES.get(c, c) for c in value)


def mermaid(report: Report, depth: int | None = None) -> str:
    """A Mermaid flowchart (top-down) that GitHub renders inside a ```mermaid block: layers as
    boxes, collapsed blocks as double-sided boxes, the input as a stadium, outputs outlined."""
    diagram = build(report, depth)
    lines = ["flowchart TD"]

    def emit(parent, indent):
        for item in diagram.members(parent):
            if isinstance(item, Cluster):
                lines.append(f'{indent}subgraph {item.id}["{_mermaid_text(item.title)}"]')
                emit(item.id, indent + "  ")
                lines.append(f"{indent}end")
            else:
                left, right = _MERMAID_SHAPES[item.kind]
                label = "<br/>".join(_mermaid_text(line) for line in item.lines)
                lines.append(f"{indent}{item.id}{left}{label}{right}")

    emit(None, "  ")
    lines += [f"  {a} --> {b}" for a, b in diagram.edges]
    outputs = [n.id for n in diagram.nodes if n.output]
    if outputs:
        lines += ["  classDef output stroke-width:3px,stroke:#d9480f",
                  f"  class {','.join(outputs)} output"]
    return "\n".join(lines) + "\n"


# -- Graphviz DOT ----------------------------------------------------------------------------

_DOT_NODE_ATTRS = {
    "input": 'shape=ellipse',
    "layer": 'shape=box, style=rounded',
    "group": 'shape=box, style="rounded,filled", fillcolor="#eeeeee"',
}
_DOT_CLUSTER_ATTRS = ('style=rounded; color="#888888"; fontcolor="#555555"; labeljust=l;'
                      ' fontname="Helvetica"; fontsize=9')


def _dot_escape(value: str) -> str:
    """Backslashes and double quotes escaped for a DOT double-quoted string."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _dot_string(value: str) -> str:
    return f'"{_dot_escape(value)}"'


def _dot_label(lines) -> str:
    """The lines joined by DOT's centred line break `\\n`."""
    return '"' + "\\n".join(_dot_escape(line) for line in lines) + '"'


def dot(report: Report, depth: int | None = None) -> str:
    """A Graphviz digraph, top to bottom: expanded blocks are `cluster_` subgraphs, collapsed
    blocks grey boxes, the input an ellipse, outputs drawn with a double, bold outline."""
    diagram = build(report, depth)
    lines = [f"digraph {_dot_string(diagram.name)} {{",
             "  rankdir=TB;",
             '  node [fontname="Helvetica", fontsize=10];',
             '  edge [arrowsize=0.7];']

    def emit(parent, indent):
        for item in diagram.members(parent):
            if isinstance(item, Cluster):
                lines.extend([f"{indent}subgraph cluster_{item.id} {{",
                              f"{indent}  label={_dot_string(item.title)};",
                              f"{indent}  {_DOT_CLUSTER_ATTRS};"])
                emit(item.id, indent + "  ")
                lines.append(f"{indent}}}")
            else:
                attrs = [f"label={_dot_label(item.lines)}", _DOT_NODE_ATTRS[item.kind]]
                if item.output:
                    attrs.append('peripheries=2, penwidth=1.5, color="#d9480f"')
                lines.append(f"{indent}{item.id} [{', '.join(attrs)}];")

    emit(None, "  ")
    lines += [f"  {a} -> {b};" for a, b in diagram.edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


# -- JSON ------------------------------------------------------------------------------------

def graph_dict(report: Report, depth: int | None = None) -> dict:
    """The diagram as data: nodes in order (input first), edges as [from id, to id], and the
    expanded blocks as clusters listing their parent cluster and their direct member nodes."""
    diagram = build(report, depth)
    return {
        "name": diagram.name,
        "nodes": [{"id": n.id, "name": n.name, "label": "\n".join(n.lines), "op": n.op,
                   "output_shape": n.output_shape.as_list(), "params": n.params, "kind": n.kind,
                   "output": n.output, "cluster": n.parent} for n in diagram.nodes],
        "edges": [[a, b] for a, b in diagram.edges],
        "clusters": [{"id": c.id, "name": c.name, "label": c.label, "params": c.params,
                      "parent": c.parent,
                      "nodes": [n.id for n in diagram.members(c.id) if isinstance(n, Node)]}
                     for c in diagram.clusters],
    }
