"""`diff`: where the difference between two reports' params and MACs comes from.

Two specs (torchvision's ResNet-50 and Keras'), or one spec under two conventions, are compared
layer by layer: layers are paired by name where the two share names, otherwise by position among
the layers that count something (same kind, same output channels), and each pair's difference is
split into its parts — kernel entries, biases, normalisation γ and β, running statistics counted
as parameters, MACs. Layers without a partner count whole. Every layer's figures enter exactly
once, so the causes add up to the total difference exactly.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from .records import record
from .report import LayerRow, Report

#: The parts of a layer's params, as the row's counting convention counts them.
PARTS = ("weights", "biases", "norm", "stats")
PART_NAMES = {
    "weights": "kernel entries",
    "biases": "biases",
    "norm": "normalisation γ and β",
    "stats": "BatchNorm running statistics counted as (non-trainable) parameters",
}


def counted(row: LayerRow) -> dict[str, int]:
    """A row's params split into its parts; the parts sum to row.params."""
    weights_only = row.convention.weights_only
    return {
        "weights": row.weights,
        "biases": 0 if weights_only else row.biases,
        "norm": 0 if weights_only else row.norm,
        "stats": row.non_trainable,
    }


@record
class Cause:
    """One reason for a difference: what it is, the layers it concerns (B's names where paired),
    and how much of the params and MACs difference (B − A) it explains."""

    what: str
    layers: tuple[str, ...]
    params: int
    macs: int


@record
class Difference:
    a: Report
    b: Report
    causes: tuple[Cause, ...]

    @property
    def params(self) -> int:
        return self.b.totals.params - self.a.totals.params

    @property
    def macs(self) -> int:
        return self.b.totals.macs - self.a.totals.macs


def _counts(row: LayerRow) -> bool:
    return bool(row.params or row.macs or row.stats)


def _signature(row: LayerRow) -> tuple:
    """What must agree for two layers to be counterparts: kind, channels in and out, kernel."""
    kernel = tuple(w.kernel for w in row.windows) or row.attrs.get("kernel")
    return (row.op, row.input_shapes[0].channels, row.output_shape.channels, kernel)


def pair(a: Report, b: Report) -> tuple[list[tuple[LayerRow, LayerRow]], list, list]:
    """Pairs of layers that correspond, then A's and B's layers without a partner."""
    rows_a = [r for r in a.rows if _counts(r)]
    rows_b = [r for r in b.rows if _counts(r)]
    names_b = {r.name: r for r in rows_b}
    shared = [r for r in rows_a if r.name in names_b]
    if len(shared) * 2 >= min(len(rows_a), len(rows_b)):  # mostly the same names: pair by name
        pairs = [(r, names_b[r.name]) for r in shared]
        paired_b = {r.name for r in shared}
        rest_a = [r for r in rows_a if r.name not in paired_b]
        rest_b = [r for r in rows_b if r.name not in paired_b]
    else:  # different naming schemes: pair by position among layers of the same signature
        pairs, rest_a, rest_b = [], [], []
        matcher = SequenceMatcher(a=[_signature(r) for r in rows_a],
                                  b=[_signature(r) for r in rows_b], autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                pairs += list(zip(rows_a[i1:i2], rows_b[j1:j2]))
            else:
                rest_a += rows_a[i1:i2]
                rest_b += rows_b[j1:j2]
    # second chance: leftovers of the same signature, in order (a shortcut listed elsewhere)
    waiting: dict[tuple, list] = {}
    for r in rest_b:
        waiting.setdefault(_signature(r), []).append(r)
    unpaired_a = []
    for r in rest_a:
        partners = waiting.get(_signature(r))
        if partners:
            pairs.append((r, partners.pop(0)))
        else:
            unpaired_a.append(r)
    unpaired_b = [r for rows in waiting.values() for r in rows]
    return pairs, unpaired_a, unpaired_b


def difference(a: Report, b: Report) -> Difference:
    pairs, only_a, only_b = pair(a, b)
    grouped: dict[str, list] = {}  # what → [layers, params, macs]

    def add(what: str, layer: str, params: int, macs: int) -> None:
        entry = grouped.setdefault(what, [[], 0, 0])
        entry[0].append(layer)
        entry[1] += params
        entry[2] += macs

    for ra, rb in pairs:
        parts_a, parts_b = counted(ra), counted(rb)
        for part in PARTS:
            delta = parts_b[part] - parts_a[part]
            if delta:
                what = PART_NAMES[part]
                if part == "weights":  # a kernel that differs is worth naming per layer
                    what = f"kernel of {rb.name} ({rb.op})"
                add(what, rb.name, delta, 0)
        if rb.macs != ra.macs:
            add(f"MACs of {rb.name} ({rb.op}: {ra.output_shape} → {rb.output_shape})"
                if ra.output_shape != rb.output_shape else f"MACs of {rb.name} ({rb.op})",
                rb.name, 0, rb.macs - ra.macs)
    for r in only_a:
        add(f"only in {a.name}: {r.name} ({r.op})", r.name, -r.params, -r.macs)
    for r in only_b:
        add(f"only in {b.name}: {r.name} ({r.op})", r.name, r.params, r.macs)
    causes = [Cause(what, tuple(layers), params, macs)
              for what, (layers, params, macs) in grouped.items()]
    causes.sort(key=lambda c: (-abs(c.params), -abs(c.macs), c.what))
    result = Difference(a, b, tuple(causes))
    assert sum(c.params for c in causes) == result.params  # every layer counted once
    assert sum(c.macs for c in causes) == result.macs
    return result
