"""Input-resolution sweeps: one spec analysed at many input sizes, one row per size.

Each size is a fresh analysis of the spec at that input (`Spec.with_input`, as `summary --input`
does), so a sweep is linear in the number of sizes. A row records what a user choosing a
resolution wants to know: the output shape, params (they change only where an fc reads a spatial
map), MACs, and whether the size is *valid*:

- **exact** — every window of every windowed layer tiles its padded input exactly:
  (n + p_b + p_a − span) mod s = 0, so the last window ends at the padded edge and no division was
  rounded (docs/formulas.md §1.5). A remainder that falls into the right padding loses no
  pixel, but that padding is then not fully read: the borders are treated unlike.
- **aligned** — wherever paths merge, their receptive fields are centred alike (the test of
  `analysis.merge_fields`).
- no layer fails (a `ShapeError` at some size is a row carrying the message, not an abort).

Sizes are written as `parse_sizes` reads them: ``224,227,320:640:32,600x1000``.
"""

from __future__ import annotations

from . import text
from .analysis import analyze, merge_fields
from .errors import ShapeError
from .layers import REGISTRY
from .receptive import at_input
from .records import record, replace
from .report import Diagnostic, Report
from .shapes import Shape, Window
from .spec import Spec

#: At most this many sizes in one sweep: a typo like 1:1000000 should be an error, not an hour.
MAX_SIZES = 10_000

#: The notes column names at most this many layers with a remainder, then says how many more.
NOTED_LAYERS = 3

_FORMS = "give integers like 224, ranges like 320:640:32 (stop included) or HxW like 600x1000"


def _integer(part: str, item: str) -> int:
    try:
        value = int(part)
    except ValueError:
        raise ValueError(f"size '{item}' is not understood: {_FORMS}") from None
    if value <= 0:
        raise ValueError(f"size '{item}': sizes must be positive integers")
    return value


def _range(item: str) -> range:
    """'320:640:32' → 320, 352, …, 640 (stop included); the step defaults to 1."""
    parts = item.split(":")
    if len(parts) not in (2, 3):
        raise ValueError(f"range '{item}' must be START:STOP or START:STOP:STEP, like 320:640:32")
    start, stop = (_integer(p, item) for p in parts[:2])
    try:
        step = int(parts[2]) if len(parts) == 3 else 1
    except ValueError:
        raise ValueError(f"size '{item}' is not understood: {_FORMS}") from None
    if step <= 0:
        raise ValueError(f"range '{item}': the step must be a positive integer")
    if stop < start:
        raise ValueError(f"range '{item}': the stop {stop} is below the start {start}")
    return range(start, stop + 1, step)


def parse_sizes(text: str, axes: int) -> tuple[tuple[int, ...], ...]:
    """'224,227,320:640:32,600x1000' → one tuple of `axes` spatial sizes per item, in order,
    duplicates dropped. N means N on every axis; HxW gives one size per axis."""
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or any(not item for item in items):
        raise ValueError(f"sizes '{text}' has an empty item: {_FORMS}, separated by commas")
    groups, count = [], 0
    for item in items:
        normal = item.lower().replace("×", "x")
        if ":" in normal:
            if "x" in normal:
                raise ValueError(f"range '{item}': ranges take single sizes (N on every axis);"
                                 " list HxW sizes one by one")
            sizes = _range(normal)
            group = ((n,) * axes for n in sizes)
            count += len(sizes)
        else:
            dims = tuple(_integer(part, item) for part in normal.split("x"))
            if len(dims) not in (1, axes):
                raise ValueError(
                    f"size '{item}' has {len(dims)} sizes but the spec has {axes} spatial"
                    f" ax{'es' if axes > 1 else 'is'}; give one size"
                    + (f", or {axes} joined by 'x'" if axes > 1 else ""))
            group = (dims * axes if len(dims) == 1 else dims,)
            count += 1
        if count > MAX_SIZES:  # checked before a range is expanded
            raise ValueError(f"sizes '{text}' give more than {MAX_SIZES:,} sizes; sweep a"
                             " narrower range or use a larger step")
        groups.append(group)
    return tuple(dict.fromkeys(size for group in groups for size in group))


@record
class Remainder:
    """A windowed layer whose windows do not tile its input exactly, on at least one axis."""

    layer: str
    op: str
    windows: tuple[Window, ...]


@record
class SweepRow:
    """The spec analysed at one input size: its report, or the error that size caused."""

    size: tuple[int, ...]
    report: Report | None = None
    error: str | None = None
    remainders: tuple[Remainder, ...] = ()  # layers whose windows leave a remainder
    misaligned: tuple[str, ...] = ()  # merges whose paths are not centred alike
    resized: tuple[str, ...] = ()  # layers whose weights differ from those at the spec's input

    @property
    def exact(self) -> bool:
        """Every window of every layer tiles exactly: (n + p_b + p_a − span) mod s = 0."""
        return self.error is None and not self.remainders

    @property
    def aligned(self) -> bool:
        """Every merge joins paths whose fields are centred alike."""
        return self.error is None and not self.misaligned

    @property
    def valid(self) -> bool:
        """Exact, aligned and without error: a size the network was made for."""
        return self.exact and self.aligned

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return self.report.warnings if self.report is not None else ()


def _misaligned(report: Report) -> tuple[str, ...]:
    """The merges (concat, add) whose inputs' fields are centred differently, by the very test
    the analysis warns with."""
    fields = {"input": at_input(len(report.input.spatial))}
    fields.update((r.name, r.rf) for r in report.rows)
    return tuple(r.name for r in report.rows if REGISTRY[r.op].arity is None and merge_fields(
        r.inputs, [fields[n] for n in r.inputs], report.input.spatial)[1] is not None)


def _own_weights(spec: Spec) -> dict[str, int]:
    """Each layer's weights at the spec's own input (empty when that input fails)."""
    own = spec if spec.declared_input is None else replace(
        spec, input=spec.declared_input, declared_input=None)
    try:
        return {r.name: r.weights for r in analyze(own).rows}
    except ShapeError:
        return {}


def _row(spec: Spec, size: tuple[int, ...], own_weights: dict[str, int]) -> SweepRow:
    try:
        report = analyze(spec.with_input(Shape(spec.input.channels, size)))
    except ShapeError as error:
        return SweepRow(size, error=str(error))
    return SweepRow(
        size, report,
        remainders=tuple(Remainder(r.name, r.op, r.windows) for r in report.rows
                         if any(w.remainder for w in r.windows)),
        misaligned=_misaligned(report),
        resized=tuple(r.name for r in report.rows
                      if r.weights != own_weights.get(r.name, r.weights)))


def sweep(spec: Spec, sizes) -> tuple[SweepRow, ...]:
    """The spec analysed at each spatial size (one tuple per size, one entry per axis)."""
    axes = len(spec.input.spatial)
    for size in sizes:
        if len(size) != axes:
            raise ValueError(f"size {'×'.join(map(str, size))} gives {len(size)} spatial"
                             f" size{'s' if len(size) != 1 else ''} but the spec has {axes} axes")
    own_weights = _own_weights(spec)
    return tuple(_row(spec, tuple(size), own_weights) for size in sizes)


def valid(rows) -> tuple[SweepRow, ...]:
    """The rows whose size tiles exactly everywhere, aligns at every merge and raises no error."""
    return tuple(row for row in rows if row.valid)


# --- rendering: a table for the terminal and the JSON document ---------------------------------


def _size(size: tuple[int, ...]) -> str:
    return "×".join(map(str, size))


def _remainder_note(remainder: Remainder) -> str:
    windows = remainder.windows
    rest = text.per_axis(w.remainder for w in windows)
    unseen = text.per_axis(w.unseen for w in windows)
    if all(w.unseen == 0 for w in windows):
        return f"{remainder.layer} rem {rest} in padding"
    return f"{remainder.layer} rem {rest}, {unseen} unseen"


def notes(row: SweepRow) -> str:
    """What makes a size invalid, in a few words: the error, or the layers with a remainder
    (the first few), the misaligned merges and the fc layers whose weights changed."""
    if row.error is not None:
        return f"error: {row.error}"
    parts = [_remainder_note(r) for r in row.remainders[:NOTED_LAYERS]]
    if len(row.remainders) > NOTED_LAYERS:
        more = len(row.remainders) - NOTED_LAYERS
        parts.append(f"{more} more layer{'s' if more > 1 else ''} with a remainder")
    parts += [f"{name} not centred alike" for name in row.misaligned]
    parts += [f"{name} weights changed" for name in row.resized]
    return "; ".join(parts)


def _title(rows, name: str, valid_only: bool) -> str:
    swept = f"{len(rows)} input size{'s' if len(rows) != 1 else ''}"
    if valid_only:
        kept = len(valid(rows))
        what = f"{kept} of {swept} tile exactly and align"
    else:
        what = swept
    return f"{name} — {what}" if name else what


def table(rows, name: str = "", valid_only: bool = False):
    """A table, one line per size; `valid_only` keeps the valid sizes (and drops the exact,
    aligned and notes columns, which would say nothing)."""
    from .table import Column, Table

    shown = valid(rows) if valid_only else rows
    columns = (Column("input"), Column("output"), Column("params", "right"),
               Column("MACs", "right"))
    if not valid_only:
        columns += (Column("exact"), Column("aligned"), Column("notes"))
    lines = []
    for row in shown:
        if row.report is None:
            cells = [_size(row.size), "—", "—", "—"]
        else:
            totals = row.report.totals
            cells = [_size(row.size), text.shape(totals.output_shape), text.count(totals.params),
                     text.count(totals.macs)]
        if not valid_only and row.error is not None:
            cells += ["—", "—", notes(row)]
        elif not valid_only:
            cells += ["yes" if row.exact else "no", "yes" if row.aligned else "no", notes(row)]
        lines.append(tuple(cells))
    return Table(columns, tuple(lines), _title(rows, name, valid_only))


def _row_dict(row: SweepRow) -> dict:
    totals = row.report.totals if row.report is not None else None
    return {
        "size": list(row.size),
        "input": row.report.input.as_list() if row.report is not None else None,
        "output_shape": totals.output_shape.as_list() if totals else None,
        "params": totals.params if totals else None,
        "macs": totals.macs if totals else None,
        "exact": row.exact,
        "aligned": row.aligned,
        "valid": row.valid,
        "remainders": [{"layer": r.layer, "op": r.op,
                        "remainder": [w.remainder for w in r.windows],
                        "unseen": [w.unseen for w in r.windows]}
                       for r in row.remainders],
        "misaligned": list(row.misaligned),
        "resized": list(row.resized),
        "error": row.error,
        "warnings": [str(w) for w in row.warnings],
    }


def rows_dict(rows, name: str = "", valid_only: bool = False) -> dict:
    """The JSON document: counts as integers, null where a size failed."""
    shown = valid(rows) if valid_only else rows
    return {"name": name, "swept": len(rows), "valid": len(valid(rows)),
            "sizes": [_row_dict(row) for row in shown]}
