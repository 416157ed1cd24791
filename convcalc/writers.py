"""Machine-readable output: JSON (the documented contract), CSV and Markdown.

The JSON document is a contract other tools depend on (docs/spec.md, "JSON output"): counts are
JSON integers, an exact fractional receptive-field value is a string such as "1/2", an unknown one
is null. Output is deterministic: the same input gives byte-identical text.
"""

from __future__ import annotations

import json
from fractions import Fraction
from typing import TYPE_CHECKING

from . import text
from .expected import Rounded
from .receptive import ReceptiveField
from .report import LayerRow, Report

if TYPE_CHECKING:
    from .check import CheckResult
    from .compare import Comparison


def exact(value):
    """A Fraction as a JSON int, or a 'p/q' string when it is not whole; None stays null."""
    if value is None:
        return None
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    return value


def rf_dict(rf: ReceptiveField) -> dict:
    axes = rf.axes
    if all(a is not None and type(a.size) is type(a.jump) is type(a.padding) is int
           for a in axes):  # the common case, whole numbers: no conversion needed
        return {"size": [a.size for a in axes], "jump": [a.jump for a in axes],
                "padding": [a.padding for a in axes], "global": rf.is_global}

    def axis(attr):
        return [exact(getattr(a, attr)) if a is not None else None for a in axes]

    return {"size": axis("size"), "jump": axis("jump"), "padding": axis("padding"),
            "global": rf.is_global}


def layer_dict(row: LayerRow) -> dict:
    out = {
        "name": row.name,
        "op": row.op,
        "inputs": list(row.inputs),
        "output_shape": row.output_shape.as_list(),
        "weights": row.weights,
        "biases": row.biases,
        "params": row.params,
        "buffers": row.buffers,
        "macs": row.macs,
        "trainable": row.trainable,
        "non_trainable": row.non_trainable,
        "elementwise": row.elementwise,
        "rf": rf_dict(row.rf),
        "block_path": list(row.path),
    }
    if row.windows:
        out["window"] = _window_dict(row.windows)
    return out


def _window_dict(windows) -> dict:
    return {
        "kernel": [w.kernel for w in windows],
        "stride": [w.stride for w in windows],
        "padding": [[w.pad_before, w.pad_after] for w in windows],
        "dilation": [w.dilation for w in windows],
    }


def _text_list(names) -> str:
    return f"[{', '.join(map(_string, names))}]"


def layer_json(row: LayerRow, fragments: dict | None = None) -> str:
    """`layer_dict(row)` as json.dumps writes it (ensure_ascii=False), built as text: the C
    encoder spends about 15 µs on each layer's dictionary, most of writing a 100,000-layer
    network. Equal layers share their shape and windows (analysis.py), so their text is kept
    in `fragments` by identity — the rows keep the objects alive while one report is written —
    and the text of their counts by value.
    Lists of ints print as JSON already; names go through json's own escaping (an op is a
    registry key, a plain word); the uncommon cases (fractions, unknown or global fields, other
    than two axes) go through the encoder."""
    if fragments is None:
        fragments = {}
    shape, windows, rf = row.output_shape, row.windows, row.rf
    shape_text = fragments.get(id(shape))
    if shape_text is None:
        shape_text = fragments[id(shape)] = str(shape.as_list())
    a, b = rf.axes if len(rf.axes) == 2 else (None, None)
    if (a is not None and b is not None and not rf.is_global and type(a.size) is type(a.jump)
            is type(a.padding) is type(b.size) is type(b.jump) is type(b.padding) is int):
        rf_text = (f'{{"size": [{a.size}, {b.size}], "jump": [{a.jump}, {b.jump}],'
                   f' "padding": [{a.padding}, {b.padding}], "global": false}}')
    else:  # fractions, unknown axes, a global field, other than two axes
        rf_text = _compact(rf_dict(rf))
    counts = (row.weights, row.biases, row.norm, row.stats, row.macs, row.elementwise,
              id(row.convention))
    counts_text = fragments.get(counts)
    if counts_text is None:
        trainable, non_trainable = row.trainable, row.non_trainable
        counts_text = fragments[counts] = (
            f'"weights": {row.weights}, "biases": {row.biases},'
            f' "params": {trainable + non_trainable}, "buffers": {row.buffers},'
            f' "macs": {row.macs}, "trainable": {trainable},'
            f' "non_trainable": {non_trainable}, "elementwise": {row.elementwise}')
    text = (f'{{"name": {_string(row.name)}, "op": "{row.op}", "inputs": '
            f'{_text_list(row.inputs)}, "output_shape": {shape_text}, {counts_text},'
            f' "rf": {rf_text}, "block_path": {_text_list(row.path)}')
    if not windows:
        return text + "}"
    window_text = fragments.get(id(windows))
    if window_text is None:
        window_text = fragments[id(windows)] = _window_json(windows)
    return f'{text}, "window": {window_text}}}'


def _window_json(windows) -> str:
    if len(windows) != 2:
        return _compact(_window_dict(windows))
    a, b = windows  # images, written out
    return (f'{{"kernel": [{a.kernel}, {b.kernel}], "stride": [{a.stride}, {b.stride}],'
            f' "padding": [[{a.pad_before}, {a.pad_after}], [{b.pad_before}, {b.pad_after}]],'
            f' "dilation": [{a.dilation}, {b.dilation}]}}')


def totals_dict(report: Report) -> dict:
    t = report.totals
    return {"weights": t.weights, "biases": t.biases, "params": t.params, "buffers": t.buffers,
            "macs": t.macs, "flops": t.flops, "trainable": t.trainable,
            "non_trainable": t.non_trainable, "elementwise": t.elementwise,
            "macs_with_elementwise": t.macs_with_elementwise,
            "output_shape": t.output_shape.as_list()}


def memory_dict(report: Report, dtype: str = "fp32") -> dict:
    from .memory import memory

    m = memory(report, dtype)
    return {"dtype": m.dtype, "bytes_per_element": m.bytes_per_element, "params": m.params,
            "input": m.input, "activations": m.activations,
            "peak_inference": m.peak_inference, "training": m.training}


class Encoded(list):
    """A list whose items are already JSON text: `dumps` writes them one per line as they are."""


def report_dict(report: Report, dtype: str = "fp32", encoded: bool = False) -> dict:
    """The JSON document of a report; with `encoded`, its layers are JSON text already
    (`layer_json`): what `dumps` writes, byte for byte, in a fraction of the time."""
    fragments: dict = {}
    return {
        "name": report.name,
        "input": report.input.as_list(),
        "convention": report.convention.name,
        "batch": report.batch,
        "layers": (Encoded(layer_json(r, fragments) for r in report.rows) if encoded
                   else [layer_dict(r) for r in report.rows]),
        "totals": totals_dict(report),
        "memory": memory_dict(report, dtype),
        "outputs": list(report.outputs),
        "warnings": [str(w) for w in report.warnings],
    }


_string = json.encoder.encode_basestring  # json's own escaping of a str (ensure_ascii=False)


def _compact(value) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def dumps(document: dict) -> str:
    """The document with one top-level key per line and one list item (a layer, a spec) per line:
    readable, diff-friendly, and written by json's C encoder (indent= would use the slow Python
    one: 14 s instead of about 1 s for 100,000 layers) — or, for an `Encoded` list, as it is."""
    pieces = []  # joined once at the end: a 100,000-layer document is copied once, not five times
    for key, value in document.items():
        pieces.append(f",\n  {_compact(key)}: " if pieces else f"{{\n  {_compact(key)}: ")
        encoded = isinstance(value, Encoded)
        if value and (encoded or isinstance(value, list)
                      and all(isinstance(v, dict) for v in value)):  # one item per line
            pieces += ("[\n    ", ",\n    ".join(value if encoded else map(_compact, value)),
                       "\n  ]")
        else:
            pieces.append(_compact(value))
    pieces.append("\n}\n" if pieces else "{\n\n}\n")
    return "".join(pieces)


CSV_COLUMNS = ("name", "op", "inputs", "output_shape", "weights", "biases", "params", "buffers",
               "macs", "rf_size", "rf_jump", "rf_padding", "rf_global", "trainable",
               "non_trainable")


def report_csv(report: Report) -> str:
    """One row per layer; shapes and per-axis values joined by 'x'."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in report.rows:
        rf = rf_dict(r.rf)
        writer.writerow([
            r.name, r.op, ";".join(r.inputs), "x".join(map(str, r.output_shape.as_list())),
            r.weights, r.biases, r.params, r.buffers, r.macs,
            *("" if all(v is None for v in rf[k]) else
              "x".join("" if v is None else str(v) for v in rf[k])
              for k in ("size", "jump", "padding")),
            str(r.rf.is_global).lower(), r.trainable, r.non_trainable,
        ])
    return buffer.getvalue()


def report_markdown(report: Report) -> str:
    total = report.totals.params
    lines = [f"## {report.name}", "", f"Input: {text.shape(report.input)}", "",
             "| layer | op | output | window | params | % params | RF | jump | MACs |",
             "|---|---|---|---|---:|---:|---:|---:|---:|"]
    for r in report.rows:
        share = text.percent(Fraction(r.params, total)) if total else ""
        lines.append(f"| {r.name} | {r.op} | {text.shape(r.output_shape)} | {text.window(r)} |"
                     f" {text.count(r.params)} | {share} | {text.rf_size(r.rf)} |"
                     f" {text.rf_jump(r.rf)} | {text.count(r.macs)} |")
    t = report.totals
    lines.append(f"| **total** | | **{text.shape(t.output_shape)}** | | **{text.count(t.params)}**"
                 f" | | | | **{text.count(t.macs)}** |")
    if report.warnings:
        lines += ["", *(f"- warning: {w}" for w in report.warnings)]
    return "\n".join(lines) + "\n"


def comparison_dict(comparison: Comparison) -> dict:
    from .compare import FIGURES

    specs = []
    for i, report in enumerate(comparison.reports):
        specs.append({
            "name": report.name,
            "totals": totals_dict(report),
            "rf": rf_dict(report.rf),
            "spatial_rf": {"layer": report.spatial_rf[0], **rf_dict(report.spatial_rf[1])},
            "relative_to_first": {f: exact(comparison.ratio(i, f)) for f in FIGURES},
        })
    return {"specs": specs}


def check_dict(results: list[CheckResult]) -> dict:
    def value(v, like=None):
        if isinstance(like, Rounded):
            return like.rounded(v) if v is not None else None
        if isinstance(v, Rounded):
            return str(v)
        return [exact(x) for x in v] if isinstance(v, tuple) else exact(v)

    return {
        "ok": all(r.ok for r in results),
        "specs": [{
            "name": r.name,
            "file": r.file,
            "ok": r.ok,
            "figures": [{
                "layer": f.figure.layer,
                "figure": f.figure.key,
                "expected": value(f.figure.value),
                "computed": value(f.computed, f.figure.value),
                "tolerance": exact(f.figure.tolerance),
                "ok": f.ok,
                "source": f.figure.source,
            } for f in r.results],
        } for r in results],
    }


def _figure_text(value, like=None) -> str:
    if isinstance(like, Rounded):
        return like.rounded(value) if value is not None else "unknown"
    if isinstance(value, Rounded):
        return str(value)
    if isinstance(value, tuple):
        return "×".join("?" if v is None else text.fraction(Fraction(v)) for v in value)
    return "unknown" if value is None else f"{value:,}" if isinstance(value, int) else str(value)


def check_junit(results: list[CheckResult]) -> str:
    """JUnit XML, as CI systems render test results: one test suite per spec, one test case per
    published figure, a <failure> with expected and computed when it does not match."""
    from xml.etree import ElementTree as ET

    failures = sum(len(r.mismatches) for r in results)
    root = ET.Element("testsuites", name="convcalc check",
                      tests=str(sum(len(r.results) for r in results)), failures=str(failures))
    for r in results:
        suite = ET.SubElement(root, "testsuite", name=r.name, file=r.file,
                              tests=str(len(r.results)), failures=str(len(r.mismatches)),
                              errors="0", skipped="0")
        for f in r.results:
            where = f.figure.layer or "totals"
            case = ET.SubElement(suite, "testcase", classname=r.name,
                                 name=f"{where} {f.figure.key}", file=r.file,
                                 line=str(f.figure.line))
            if not f.ok:
                expected = _figure_text(f.figure.value)
                computed = _figure_text(f.computed, f.figure.value)
                failure = ET.SubElement(case, "failure",
                                        message=f"expected {expected}, computed {computed}")
                failure.text = (f"{r.file}:{f.figure.line}: {where} {f.figure.key}: expected"
                                f" {expected} ({f.figure.source}), computed {computed}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def difference_dict(diff) -> dict:
    a, b = diff.a.totals, diff.b.totals
    return {
        "a": {"name": diff.a.name, "convention": diff.a.convention.name},
        "b": {"name": diff.b.name, "convention": diff.b.convention.name},
        "params": {"a": a.params, "b": b.params, "difference": diff.params},
        "macs": {"a": a.macs, "b": b.macs, "difference": diff.macs},
        "causes": [{"what": c.what, "layers": list(c.layers), "params": c.params,
                    "macs": c.macs} for c in diff.causes],
    }
