"""Terminal rendering: tables for summary, compare, check, list and diff, and the one-layer
explanations, as `table` blocks. Nothing here computes; it lays out what the library produced."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from . import text
from .report import Report
from .table import Column, Line, Styled, Table

if TYPE_CHECKING:  # imported where used: a summary needs none of them
    from .check import CheckResult
    from .compare import Comparison


def warning_lines(report: Report) -> list:
    return [Line(f"warning: {w}", "yellow") for w in report.warnings]


#: Extra columns `summary --columns` can add: header and the row's value.
EXTRA_COLUMNS = ("ops", "memory", "trainable", "non_trainable", "buffers")  # + "formula"


def summary(report: Report, depth: int | None = None, columns=(), dtype: str = "fp32") -> list:
    from .memory import DTYPES, memory

    total = report.totals
    width = DTYPES[dtype]
    heads = [
        Column("layer", footer="total"),
        Column("op"),
        Column("output", footer=text.shape(total.output_shape)),
        Column("window"),
        Column("params", "right", text.count(total.params)),
        Column("%", "right", "100.0%" if total.params else ""),
        Column("RF", "right"),
        Column("jump", "right"),
        Column("MACs", "right", text.count(total.macs)),
    ]
    extra = {
        "ops": ("element-wise", lambda r: r.elementwise, total.elementwise, text.count),
        "memory": (f"output ({dtype})", lambda r: r.output_shape.numel * report.batch * width,
                   sum(r.output_shape.numel for r in report.rows) * report.batch * width,
                   text.size),
        "trainable": ("trainable", lambda r: r.trainable, total.trainable, text.count),
        "non_trainable": ("non-trainable", lambda r: r.non_trainable, total.non_trainable,
                          text.count),
        "buffers": ("buffers", lambda r: r.buffers, total.buffers, text.count),
        "formula": ("params arithmetic", _formula, None, str),
    }
    for column in columns:
        header, _, footer, shown = extra[column]
        heads.append(Column(header, "right", shown(footer) if footer is not None else ""))

    def cells(values):
        return [extra[c][3](v) if v else "" for c, v in zip(columns, values)]

    def share(params):
        return text.percent(Fraction(params, total.params)) if total.params and params else ""

    rows = []
    for item in report.view(depth):
        indent = "  " * item.level
        if item.kind == "layer":
            r = item.layer
            rows.append((indent + r.name, r.op, text.shape(r.output_shape), text.window(r),
                         text.count(r.params) if r.params else "", share(r.params),
                         text.rf_size(r.rf), text.rf_jump(r.rf),
                         text.count(r.macs) if r.macs else "",
                         *cells(extra[c][1](r) for c in columns)))
        elif item.kind == "header":
            g = item.group
            rows.append((Styled(indent + g.name, "bold"), Styled(g.label, "bold"), "", "",
                         Styled(text.count(g.params), "dim") if g.params else "",
                         Styled(share(g.params), "dim"), "", "",
                         Styled(text.count(g.macs), "dim") if g.macs else "",
                         *("" for _ in columns)))
        else:
            g = item.group
            rows.append((Styled(indent + g.name, "bold"), g.label, text.shape(g.output_shape),
                         "", text.count(g.params) if g.params else "", share(g.params),
                         text.rf_size(g.rf), text.rf_jump(g.rf),
                         text.count(g.macs) if g.macs else "",
                         *cells(_group_value(g, c, report.batch * width) for c in columns)))
    table = Table(tuple(heads), tuple(rows), f"{report.name} — input {text.shape(report.input)}")
    split = (f" (trainable {text.count(total.trainable)}, non-trainable"
             f" {text.count(total.non_trainable)})" if total.non_trainable else "")
    convention = ("" if report.convention.name == "torch"
                  else f" · counted as {report.convention.name}")
    footer = Line(
        f"weights {text.count(total.weights)} · biases {text.count(total.biases)} · params"
        f" {text.count(total.params)}{split} · buffers {text.count(total.buffers)} · MACs"
        f" {text.count(total.macs)} · FLOPs {text.count(total.flops)}{convention}")
    m = memory(report, dtype)
    batch = f", batch {report.batch}" if report.batch != 1 else ""
    lines = [Line(
        f"element-wise operations {text.count(total.elementwise)} · MACs with element-wise"
        f" {text.count(total.macs_with_elementwise)}"),
        Line(f"memory ({dtype}{batch}): params {text.size(m.params)} · input"
             f" {text.size(m.input)} · activations {text.size(m.activations)} · inference peak"
             f" {text.size(m.peak_inference)} · training ≈ {text.size(m.training)}")]
    outputs = []
    if len(report.outputs) > 1:
        outputs.append(Line("outputs: " + " · ".join(
            f"{name} {text.shape(report.row(name).output_shape)}" for name in report.outputs)))
    return [table, footer, *lines, *outputs, *warning_lines(report)]


def _formula(row) -> str:
    from .explain import formula_column

    return formula_column(row)


def _group_value(group, column: str, bytes_per_element: int):
    if column == "formula":
        return ""
    if column == "memory":
        return group.output_shape.numel * bytes_per_element
    return {"ops": group.elementwise, "trainable": group.trainable,
            "non_trainable": group.non_trainable, "buffers": group.buffers}[column]


def one_layer(report: Report) -> list:
    """The answer to `convcalc conv` / `convcalc pool`: every number with its arithmetic."""
    from . import explain

    row = report.rows[0]
    lines = [Line(f"{row.op}: {text.shape(row.input_shapes[0])} → {text.shape(row.output_shape)}",
                  "bold")]
    for axis, w in zip(("H", "W") if len(row.windows) == 2 else
                       [f"axis {i + 1}" for i in range(len(row.windows))], row.windows):
        rounding = ("⌈", "⌉") if row.attrs.get("ceil_mode") else ("⌊", "⌋")
        span = f"{w.span}" if w.dilation == 1 else f"({w.dilation}×({w.kernel}−1)+1)"
        dropped = (f" − {w.dropped} (the last window would start in the right padding)"
                   if w.dropped else "")
        lines.append(Line(
            f"  output {axis}: {rounding[0]}({w.size_in} + {w.pad_before} + {w.pad_after} − {span})"
            f" / {w.stride}{rounding[1]} + 1{dropped} = {w.size_out}"))
    lines.append(Line(f"  params: {explain.param_arithmetic(row) if row.params else '0'}"))
    if row.weights or row.biases:
        lines.append(Line(f"          weights {text.count(row.weights)}, biases"
                          f" {text.count(row.biases)}"))
    macs = explain.macs_terms(row, report.batch)
    lines.append(Line(f"  MACs:   {text.product(macs) + ' = ' + text.count(row.macs) if row.macs else '0'}"))
    lines.append(Line(f"  receptive field: size {text.rf_size(row.rf)}, jump"
                      f" {text.rf_jump(row.rf)}, padding {text.rf_padding(row.rf)}"))
    return [*lines, *warning_lines(report)]


def comparison(comp: Comparison) -> Table:
    from .compare import FIGURES

    first = comp.reports[0].name
    columns = (Column(""), *(Column(report.name, "right") for report in comp.reports))
    rows = []
    for figure in FIGURES:
        cells = []
        for i, report in enumerate(comp.reports):
            value = text.count(getattr(report.totals, figure))
            cells.append(value if i == 0 else f"{value} ({text.percent(comp.ratio(i, figure))})")
        rows.append((figure, *cells))
    fields = [r.spatial_rf for r in comp.reports]
    rows.append(("RF size", *(text.rf_size(rf) for _, rf in fields)))
    rows.append(("RF jump", *(text.rf_jump(rf) for _, rf in fields)))
    if any(r.rf.is_global for r in comp.reports):
        rows.append(("RF at", *(name for name, _ in fields)))
    rows.append(("output", *(text.shape(r.totals.output_shape) for r in comp.reports)))
    rows.append(("input", *(text.shape(r.input) for r in comp.reports)))
    return Table(columns, tuple(rows), f"relative to {first}")


def comparison_lines(comp: Comparison) -> list[Line]:
    """'two-3x3: 72.0% of one-5x5's params, …': the first spec against each other one, and each
    other one against the first, so both directions of every comparison are readable."""
    out = []
    pairs = [(0, j) for j in range(1, len(comp.reports))] + [(j, 0) for j in
                                                            range(1, len(comp.reports))]
    for i, j in pairs:
        parts = [f"{text.percent(comp.ratio(i, f, j))} of {comp.reports[j].name}'s {f}"
                 for f in ("params", "macs") if comp.ratio(i, f, j) is not None]
        if parts:
            out.append(Line(f"{comp.reports[i].name}: {', '.join(parts)}"))
    return out


def _value(v, like=None) -> str:
    from .expected import Rounded

    if isinstance(like, Rounded):
        return like.rounded(v) if v is not None else "?"
    if isinstance(v, Rounded):
        return str(v)
    if isinstance(v, tuple):
        return "×".join(text.fraction(Fraction(x)) if x is not None else "?" for x in v)
    return text.count(v) if isinstance(v, int) else text.fraction(v)


def check(results: list[CheckResult]) -> list:
    parts: list = []
    bad = [(r, f) for r in results for f in r.mismatches]
    if bad:
        columns = tuple(Column(name, "right" if name in ("expected", "computed") else "left")
                        for name in ("spec", "layer", "figure", "expected", "computed", "source"))
        rows = tuple((r.name, f.figure.layer or "totals", f.figure.key, _value(f.figure.value),
                      _value(f.computed, f.figure.value), f.figure.source) for r, f in bad)
        parts.append(Table(columns, rows, "mismatches"))
    for r in results:
        mark, style = ("ok", "green") if r.ok else ("MISMATCH", "red")
        parts.append(Line(f"{mark:8} {r.name}: {len(r.results) - len(r.mismatches)} of"
                          f" {len(r.results)} figures match", style))
    return parts


def listing(entries) -> Table:
    columns = (Column("name"), Column("input"), Column("params", "right"), Column("description"))
    return Table(columns, tuple((e["name"], "×".join(map(str, e["input"])), text.count(e["params"]),
                                 e["description"]) for e in entries))


def difference(diff) -> list:
    """`convcalc diff`: each cause of the difference, then the totals it adds up to."""
    a, b = diff.a, diff.b
    columns = (Column("cause", footer="total difference"), Column("layers", "right"),
               Column("params", "right", _signed(diff.params)),
               Column("MACs", "right", _signed(diff.macs)))
    table = Table(columns, tuple((cause.what, text.count(len(cause.layers)), _signed(cause.params),
                                  _signed(cause.macs)) for cause in diff.causes),
                  f"{b.name} − {a.name}")
    check = Line(
        f"params {text.count(a.totals.params)} ({a.name}, {a.convention.name}) → "
        f"{text.count(b.totals.params)} ({b.name}, {b.convention.name}); MACs"
        f" {text.count(a.totals.macs)} → {text.count(b.totals.macs)}; the causes add up to the"
        " differences exactly")
    return [table, check]


def _signed(n: int) -> str:
    return "0" if n == 0 else f"{'+' if n > 0 else '−'}{text.count(abs(n))}"
