"""The immutable result of an analysis: one row per layer, totals derived from the rows."""

from __future__ import annotations

from functools import cached_property
from types import MappingProxyType

from .conventions import DEFAULT, Convention
from .errors import Location
from .receptive import ReceptiveField
from .records import record, replace
from .shapes import Shape, Window


@record
class Diagnostic:
    """A warning about one layer, with the spec line it comes from."""

    location: Location
    layer: str
    op: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: layer '{self.layer}' ({self.op}): {self.message}"


@record
class LayerRow:
    """Everything computed for one layer."""

    name: str
    op: str
    inputs: tuple[str, ...]
    input_shapes: tuple[Shape, ...]
    output_shape: Shape
    weights: int
    biases: int
    norm: int
    stats: int
    macs: int
    elementwise: int
    rf: ReceptiveField
    windows: tuple[Window, ...]
    attrs: MappingProxyType
    param_terms: tuple[tuple[int, ...], ...]
    macs_terms: tuple[int, ...]
    line: int | None
    path: tuple[str, ...] = ()
    convention: Convention = DEFAULT

    @property
    def trainable(self) -> int:
        """Learned parameters: weights + biases + normalisation γ and β (the `weights`
        convention: kernel entries only)."""
        if self.convention.weights_only:
            return self.weights
        return self.weights + self.biases + self.norm

    @property
    def non_trainable(self) -> int:
        """Running statistics, where the convention counts them as parameters (Keras, Caffe)."""
        counted = self.convention.stats_are_params and not self.convention.weights_only
        return self.stats if counted else 0

    @property
    def params(self) -> int:
        """trainable + non-trainable; in the default (torch) convention PyTorch's numel of
        parameters: weights + biases + normalisation γ and β."""
        return self.trainable + self.non_trainable

    @property
    def buffers(self) -> int:
        """Running statistics not counted as parameters (PyTorch's BatchNorm buffers)."""
        return 0 if self.convention.stats_are_params else self.stats


@record
class Totals:
    weights: int
    biases: int
    params: int
    buffers: int
    macs: int
    trainable: int
    non_trainable: int
    elementwise: int
    output_shape: Shape

    @property
    def flops(self) -> int:
        """flops = 2 × macs: one multiplication and one addition per multiply-accumulate."""
        return 2 * self.macs

    @property
    def macs_with_elementwise(self) -> int:
        """Everything: macs plus the element-wise work, each element-wise operation counted as
        one (the "everything" totals of counters such as thop)."""
        return self.macs + self.elementwise


@record
class GroupTotals(Totals):
    """A block instance or repeat: the totals of its layers; its output is its last layer's."""

    name: str = ""
    label: str = ""
    level: int = 0
    rf: ReceptiveField | None = None


@record
class ViewRow:
    """One line of a table at some `--depth`: a layer, an expanded group's header, or a
    collapsed group standing for all its layers."""

    kind: str  # "layer", "header" or "group"
    level: int
    layer: LayerRow | None = None
    group: GroupTotals | None = None


def _sums(rows) -> tuple[int, ...]:
    """weights, biases, params, buffers, macs, trainable, non-trainable and element-wise work
    summed over `rows`:
    totals are never stored twice, always derived from the rows."""
    weights = biases = buffers = macs = trainable = non_trainable = elementwise = 0
    for r in rows:  # one pass: a network may have 100,000 rows
        weights += r.weights
        biases += r.biases
        buffers += r.buffers
        macs += r.macs
        trainable += r.trainable
        non_trainable += r.non_trainable
        elementwise += r.elementwise
    params = trainable + non_trainable  # as each row's params
    return (weights, biases, params, buffers, macs, trainable, non_trainable, elementwise)


@record
class Report:
    """A network analysed at one input shape."""

    name: str
    file: str
    input: Shape
    rows: tuple[LayerRow, ...]
    warnings: tuple[Diagnostic, ...]
    description: str = ""
    groups: tuple = ()
    outputs: tuple[str, ...] = ()
    convention: Convention = DEFAULT
    batch: int = 1

    @cached_property
    def totals(self) -> Totals:
        output = self.row(self.outputs[0]) if self.outputs else self.rows[-1]
        return Totals(*_sums(self.rows), output_shape=output.output_shape)

    def upto(self, output: str) -> "Report":
        """The network cut at `output`: only the layers computing it needs (it and its
        ancestors), with `output` as the only output — e.g. VGG16 up to fc7."""
        needed, stack = set(), [output]
        while stack:
            name = stack.pop()
            if name in needed or name == "input":
                continue
            needed.add(name)
            stack.extend(self._by_name[name].inputs)
        return replace(self, name=f"{self.name}@{output}",
                       rows=tuple(r for r in self.rows if r.name in needed),
                       warnings=tuple(w for w in self.warnings if w.layer in needed),
                       outputs=(output,))

    def totals_for(self, output: str) -> Totals:
        """The totals of the layers that computing `output` needs: it and all its ancestors."""
        return self.upto(output).totals

    @property
    def rf(self) -> ReceptiveField:
        """The receptive field of the network's (first) output."""
        return self.row(self.outputs[0]).rf if self.outputs else self.rows[-1].rf

    @property
    def spatial_rf(self) -> tuple[str, ReceptiveField]:
        """The last layer (on the first output's path) with a spatial output and a field that is
        not yet global, and its field: what a classifier 'sees' before its global pooling or fc."""
        name = self.outputs[0] if self.outputs else self.rows[-1].name
        row = self._by_name[name]
        while ((row.rf.is_global or not row.output_shape.spatial) and row.inputs
               and row.inputs[0] != "input"):
            row = self._by_name[row.inputs[0]]
        return row.name, row.rf

    @cached_property
    def _by_name(self) -> dict:
        return {r.name: r for r in self.rows}

    def row(self, name: str) -> LayerRow:
        return self._by_name[name]

    @cached_property
    def group_totals(self) -> dict[str, GroupTotals]:
        """Every group's sums, in one pass over the rows."""
        members: dict[str, list[LayerRow]] = {}
        for r in self.rows:
            for g in r.path:
                members.setdefault(g, []).append(r)
        labels = {g.name: g.label for g in self.groups}
        return {g: GroupTotals(*_sums(rows), rows[-1].output_shape, name=g,
                               label=labels.get(g, ""), level=rows[-1].path.index(g),
                               rf=rows[-1].rf)
                for g, rows in members.items()}

    def view(self, depth: int | None = None) -> tuple[ViewRow, ...]:
        """The rows to show when groups nested `depth` deep or more are collapsed (None: all)."""
        out, shown = [], set()
        totals = self.group_totals
        for r in self.rows:
            for level, g in enumerate(r.path):
                collapsed = depth is not None and level + 1 >= depth
                if g not in shown:
                    shown.add(g)
                    out.append(ViewRow("group" if collapsed else "header", level,
                                       group=totals[g]))
                if collapsed:
                    break
            else:
                out.append(ViewRow("layer", len(r.path), layer=r))
        return tuple(out)
