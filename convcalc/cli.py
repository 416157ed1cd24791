"""The command line: parse arguments, call the library, render. No arithmetic here.

Every `ConvcalcError` becomes one line on stderr (``file:line: message``) and exit code 2 (1 for a
`check` mismatch); output is produced only after all computing succeeded, so a failure never
leaves half a table or half a JSON document behind.
"""

from __future__ import annotations

import functools
import os
import sys
from enum import Enum
from typing import List, Optional

import typer

from . import __version__
from .errors import ConvcalcError, UsageError

COUNTING = (
    "Counting conventions: weights = kernel entries; biases = bias entries; params = weights +"
    " biases + trainable normalisation parameters (PyTorch's numel of parameters); buffers ="
    " running statistics; macs = multiply-accumulates of conv and fc layers only (the convention"
    " of torchvision's GFLOPS and the ResNet paper's FLOPs); flops = 2 × macs."
)

app = typer.Typer(
    help="Exact shapes, parameters, MACs and receptive fields of convolutional networks.\n\n"
         + COUNTING,
    add_completion=True,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class ShortFormat(str, Enum):
    table = "table"
    json = "json"


class CheckFormat(str, Enum):
    table = "table"
    json = "json"
    junit = "junit"


def complete_spec(incomplete: str) -> list:
    """Shell completion for spec arguments: built-in names, then YAML files and folders."""
    from pathlib import Path

    from .zoo import builtin_specs

    names = [(name, "built-in") for name in builtin_specs() if name.startswith(incomplete)]
    folder, _, stem = incomplete.rpartition("/")
    base = Path(folder or ".")
    try:
        entries = sorted(base.iterdir()) if base.is_dir() else []
    except OSError:
        entries = []
    paths = [(f"{folder + '/' if folder else ''}{e.name}{'/' if e.is_dir() else ''}", "")
             for e in entries if e.name.startswith(stem) and not e.name.startswith(".")
             and (e.is_dir() or e.suffix in (".yaml", ".yml"))]
    return names + paths


FORMAT = typer.Option(Format.table, "--format", "-f", help="Output format.")
SPEC = typer.Argument(..., metavar="SPEC",
                      help="A spec file, or a built-in name (see 'convcalc list').",
                      autocompletion=complete_spec)
SHORT_FORMAT = typer.Option(ShortFormat.table, "--format", "-f", help="Output format.")
INPUT = typer.Option(None, "--input", "-i", metavar="CxHxW",
                     help="Override the spec's input shape, e.g. 3x224x224.")
SET = typer.Option(None, "--set", metavar="NAME=VALUE",
                   help="Override one of the spec's params, e.g. --set B=3 (repeatable).")
BATCH = typer.Option(1, "--batch", "-b", min=1,
                     help="Samples per batch: scales MACs, element-wise work and activations.")


class DType(str, Enum):
    fp32 = "fp32"
    fp16 = "fp16"
    bf16 = "bf16"
    int8 = "int8"


DTYPE = typer.Option(DType.fp32, "--dtype", help="Element type for memory figures.")
CONVENTION = typer.Option(None, "--convention", "-c", metavar="NAME",
                          help="Count as torch (default), keras, caffe, darknet or weights do"
                               " (docs/spec.md, Conventions).")


_TRACEBACK = False


def _debug() -> bool:
    """Show Python tracebacks (for bug reports): --traceback or CONVCALC_DEBUG=1."""
    return _TRACEBACK or os.environ.get("CONVCALC_DEBUG", "") not in ("", "0")


def guarded(command):
    """Turn library errors into one stderr line and an exit code; never show a traceback."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ConvcalcError as error:
            if _debug():
                raise
            typer.echo(f"convcalc: {one_line(str(error))}", err=True)
            raise typer.Exit(error.exit_code) from None
        except BrokenPipeError:
            sys.stderr.close()
            raise typer.Exit(0) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as error:  # a bug: say so briefly, unless asked for the traceback
            if _debug():
                raise
            typer.echo(f"convcalc: internal error ({type(error).__name__}: {error}); please report"
                       " it with the spec, and run with CONVCALC_DEBUG=1 for the traceback",
                       err=True)
            raise typer.Exit(3) from None

    return run


def one_line(message: str) -> str:
    """An error is one line: control characters a spec smuggled into a name are shown escaped."""
    return "".join(ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode()
                   for ch in message)


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _show(*blocks, svg: Optional[str] = None) -> None:
    """Print blocks (`table.Line`, `table.Table`, or lists of them) to stdout, fitted to the
    terminal; with `svg`, first save them as an SVG picture."""
    from .table import render, terminal_width, use_colour

    if svg is not None:
        from .picture import save_svg

        save_svg(blocks, svg)
    _write(render(blocks, terminal_width(sys.stdout), use_colour(sys.stdout)))


def _overrides(settings) -> dict:
    """['B=3', 'bn=false'] → {'B': 3, 'bn': False}."""
    out = {}
    for item in settings or []:
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name:
            raise UsageError(f"--set '{item}' must look like NAME=VALUE, e.g. --set B=3")
        if value in ("true", "false"):
            out[name] = value == "true"
            continue
        try:
            out[name] = int(value)
        except ValueError:
            raise UsageError(f"--set {name}: '{value}' must be an integer or true/false") from None
    return out


def _split_cut(argument: str) -> tuple[str, Optional[str]]:
    """'vgg16@classifier.3' → ('vgg16', 'classifier.3'): the network up to that layer."""
    from pathlib import Path

    if "@" in argument and not Path(argument).exists():
        name, _, layer = argument.rpartition("@")
        return name, layer
    return argument, None


def _report(argument: str, input_text: Optional[str], settings=None, convention=None,
            batch: int = 1):
    """Analyse a spec argument; SPEC@LAYER cuts the network at that layer."""
    from .analysis import analyze
    from .errors import did_you_mean

    argument, cut = _split_cut(argument)
    report = analyze(_load(argument, input_text, settings, convention), batch)
    if cut is None:
        return report
    if cut not in {r.name for r in report.rows}:
        raise UsageError(f"{argument} has no layer '{cut}'"
                         f"{did_you_mean(cut, [r.name for r in report.rows])}")
    return report.upto(cut)


def _load(argument: str, input_text: Optional[str], settings=None, convention=None):
    from .shapes import Shape
    from .zoo import load

    spec = load(argument, _overrides(settings), convention)
    if input_text:
        dims = _dims(input_text, "--input")
        axes = len(spec.input.spatial)
        if len(dims) != axes + 1:
            raise UsageError(f"--input '{input_text}' must give channels and {axes} spatial"
                             f" size{'s' if axes > 1 else ''}, like the spec's input {spec.input}")
        spec = spec.with_input(Shape(dims[0], dims[1:]))
    return spec


def _dims(text: str, what: str) -> tuple:
    from .shapes import parse_dims

    try:
        return parse_dims(text, what)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _emit_report(report, fmt: Format, one_layer: bool = False, depth=None, svg=None,
                 columns=(), dtype: str = "fp32") -> None:
    if fmt is Format.table:  # a table needs neither json nor csv
        from . import render

        _show(render.one_layer(report) if one_layer
              else render.summary(report, depth, columns, dtype), svg=svg)
        return
    from . import writers

    if fmt is Format.json:
        _write(writers.dumps(writers.report_dict(report, dtype, encoded=True)))
    elif fmt is Format.csv:
        _write(writers.report_csv(report))
    else:
        _write(writers.report_markdown(report))


def _version(value: bool):
    if value:
        typer.echo(f"convcalc {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Show the version and exit."),
         traceback: bool = typer.Option(False, "--traceback", hidden=True,
                                        help="Show the Python traceback of an error.")):
    """Exact shapes, parameters, MACs and receptive fields of convolutional networks."""
    global _TRACEBACK
    _TRACEBACK = traceback


@app.command()
@guarded
def summary(
    spec: str = SPEC,
    input: Optional[str] = INPUT,
    set: Optional[List[str]] = SET,
    convention: Optional[str] = CONVENTION,
    depth: int = typer.Option(3, "--depth", "-d", min=1,
                              help="Expand blocks this many levels deep (1: top level only)."),
    batch: int = BATCH,
    dtype: DType = DTYPE,
    columns: Optional[str] = typer.Option(
        None, "--columns", metavar="LIST",
        help="Extra columns, comma-separated: ops (element-wise work), memory (output bytes),"
             " trainable, non_trainable, buffers."),
    explain: bool = typer.Option(False, "--explain",
                                 help="Add each layer's parameter arithmetic as a column."),
    format: Format = FORMAT,
    svg: Optional[str] = typer.Option(None, "--svg", metavar="FILE",
                                      help="Also save the table as an SVG picture."),
):
    """Layer-by-layer table: output shape, window, params, receptive field, MACs.

    Blocks deeper than --depth are collapsed into one row with their totals; JSON, CSV and
    Markdown always list every layer. SPEC@LAYER keeps only what computing LAYER needs.

    Example: convcalc summary resnet50 --depth 2 --input 3x320x320
    """
    if svg is not None and format is not Format.table:
        raise UsageError("--svg saves the table: use it without --format")
    extra = _columns(columns) + (("formula",) if explain else ())
    _emit_report(_report(spec, input, set, convention, batch), format, depth=depth, svg=svg,
                 columns=extra, dtype=dtype.value)


def _columns(text: Optional[str]) -> tuple:
    from .errors import did_you_mean
    from .render import EXTRA_COLUMNS

    names = tuple(c.strip() for c in (text or "").split(",") if c.strip())
    for name in names:
        if name not in EXTRA_COLUMNS:
            raise UsageError(f"--columns: unknown column '{name}'"
                             f"{did_you_mean(name, EXTRA_COLUMNS)}; choose from"
                             f" {', '.join(EXTRA_COLUMNS)}")
    return names


def _number_or_list(text: str, what: str):
    """'3' → 3, '3x5' → [3, 5], 'same'/'valid' kept: the YAML values a spec would hold."""
    if text in ("same", "valid", "half"):
        return text
    parts = text.lower().replace(",", "x").split("x")
    try:
        values = [int(p) for p in parts]
    except ValueError:
        raise UsageError(f"{what} '{text}' must be an integer or integers joined by 'x'") from None
    return values[0] if len(values) == 1 else values


def _one_layer_spec(op: str, input_text: str, fields: dict, convention=None):
    from .spec import parse_spec
    from .yamlspec import YList, YMap

    def ymap(values: dict) -> YMap:
        m = YMap(values)
        m.line, m.key_lines = None, {}
        return m

    dims = _dims(input_text, "--input")
    shape = YList(dims)
    shape.line, shape.item_lines = None, []
    layers = YList([ymap({"op": op, **{k: v for k, v in fields.items() if v is not None}})])
    layers.line, layers.item_lines = None, []
    return parse_spec(ymap({"name": op, "input": shape, "layers": layers}), "command line",
                      convention=convention)


@app.command()
@guarded
def conv(
    input: str = typer.Option(..., "--input", "-i", metavar="CxHxW", help="Input shape."),
    out: int = typer.Option(..., "--out", "-o", help="Output channels."),
    kernel: str = typer.Option(..., "--kernel", "-k", help="Kernel: 3 or 3x5."),
    stride: str = typer.Option("1", "--stride", "-s", help="Stride: 2 or 2x1."),
    padding: Optional[str] = typer.Option(None, "--padding", "-p",
                                          help="Padding: 1, 1x2, same, valid or half (default 0,"
                                               " or the convention's)."),
    dilation: str = typer.Option("1", "--dilation", "-d", help="Dilation: 1 or 2x2."),
    groups: int = typer.Option(1, "--groups", "-g", help="Channel groups."),
    bias: Optional[bool] = typer.Option(None, "--bias/--no-bias",
                                        help="One bias per output channel (default: yes, or"
                                             " the convention's)."),
    convention: Optional[str] = CONVENTION,
    format: Format = FORMAT,
):
    """One convolution: output size, params with their arithmetic, MACs, receptive field.

    Example: convcalc conv --input 3x227x227 --out 96 --kernel 11 --stride 4
    """
    from .analysis import analyze

    spec = _one_layer_spec("conv", input, {
        "out": out, "kernel": _number_or_list(kernel, "--kernel"),
        "stride": _number_or_list(stride, "--stride"),
        "padding": _number_or_list(padding, "--padding") if padding is not None else None,
        "dilation": _number_or_list(dilation, "--dilation"), "groups": groups, "bias": bias},
        convention)
    _emit_report(analyze(spec), format, one_layer=True)


class PoolKind(str, Enum):
    max = "max"
    avg = "avg"


@app.command()
@guarded
def pool(
    input: str = typer.Option(..., "--input", "-i", metavar="CxHxW", help="Input shape."),
    kernel: str = typer.Option(..., "--kernel", "-k", help="Window: 3 or 3x2."),
    stride: Optional[str] = typer.Option(None, "--stride", "-s", help="Stride (default: kernel)."),
    padding: Optional[str] = typer.Option(None, "--padding", "-p",
                                          help="Padding: 1, 1x0, same, valid or half (default 0,"
                                               " or the convention's)."),
    ceil_mode: Optional[bool] = typer.Option(None, "--ceil-mode/--floor-mode",
                                             help="Round the output size up or down (default:"
                                                  " down, or the convention's)."),
    kind: PoolKind = typer.Option(PoolKind.max, "--kind", help="max or avg pooling."),
    convention: Optional[str] = CONVENTION,
    format: Format = FORMAT,
):
    """One pooling layer: output size with its arithmetic and receptive field.

    Example: convcalc pool --input 96x55x55 --kernel 3 --stride 2
    """
    from .analysis import analyze

    spec = _one_layer_spec(f"{kind.value}pool", input, {
        "kernel": _number_or_list(kernel, "--kernel"),
        "stride": _number_or_list(stride, "--stride") if stride else None,
        "padding": _number_or_list(padding, "--padding") if padding is not None else None,
        "ceil_mode": ceil_mode}, convention)
    _emit_report(analyze(spec), format, one_layer=True)


@app.command()
@guarded
def compare(
    specs: List[str] = typer.Argument(..., help="Two or more spec files or built-in names.",
                                      autocompletion=complete_spec),
    input: Optional[str] = INPUT,
    set: Optional[List[str]] = SET,
    convention: Optional[str] = CONVENTION,
    format: ShortFormat = SHORT_FORMAT,
):
    """Specs side by side: params, MACs, receptive field, output — each relative to the first.

    SPEC@LAYER compares the network up to that layer (e.g. vgg16@classifier.3 fcn32s@fc7).
    Example: convcalc compare two-3x3 one-5x5
    """
    from .compare import Comparison

    if len(specs) < 2:
        raise UsageError("compare needs at least two specs, e.g. convcalc compare two-3x3 one-5x5")
    comparison = Comparison(tuple(_report(s, input, set, convention) for s in specs))
    if format is ShortFormat.json:
        from . import writers

        _write(writers.dumps(writers.comparison_dict(comparison)))
    else:
        from . import render

        _show(render.comparison(comparison), *render.comparison_lines(comparison))


@app.command()
@guarded
def check(
    specs: Optional[List[str]] = typer.Argument(None, help="Spec files or built-in names.",
                                                autocompletion=complete_spec),
    all: bool = typer.Option(False, "--all", help="Check every built-in architecture."),
    convention: Optional[str] = CONVENTION,
    format: CheckFormat = typer.Option(CheckFormat.table, "--format", "-f",
                                       help="table, json, or junit (JUnit XML for CI)."),
):
    """Recompute specs and compare them with their published 'expected:' figures.

    Exit code 0 when every figure matches, 1 on a mismatch, 2 on a spec or usage error
    (then nothing is written to stdout). --format junit writes one test case per figure.
    Example: convcalc check specs/*.yaml --format junit > convcalc-junit.xml
    """
    from .check import check_spec
    from .zoo import builtin_specs, load

    names = list(specs or [])
    if all:
        names += [str(path) for path in builtin_specs().values()]
    if not names:
        raise UsageError("name the specs to check, or use --all for every built-in architecture")
    results = [check_spec(load(name, convention=convention)) for name in names]
    if format is CheckFormat.json:
        from . import writers

        _write(writers.dumps(writers.check_dict(results)))
    elif format is CheckFormat.junit:
        from . import writers

        _write(writers.check_junit(results))
    else:
        from . import render

        _show(render.check(results))
    if not all_ok(results):
        raise typer.Exit(1)


def all_ok(results) -> bool:
    return all(r.ok for r in results)


@app.command()
@guarded
def schema():
    """Print the JSON Schema (draft 2020-12) of the spec format, for editors (docs/editors.md).

    Generated from the registry of layer kinds, so it always matches what convcalc accepts.
    Example: convcalc schema > convcalc.schema.json
    """
    from .schema import schema_json

    _write(schema_json())


@app.command()
@guarded
def rf(
    spec: str = SPEC,
    input: Optional[str] = INPUT,
    set: Optional[List[str]] = SET,
    convention: Optional[str] = CONVENTION,
    plot: Optional[str] = typer.Option(None, "--plot", metavar="FILE",
                                       help="Write an SVG chart of the field's growth."),
    every_layer: bool = typer.Option(False, "--all", help="Every layer on the path, not only"
                                                          " those that change the field."),
    format: ShortFormat = SHORT_FORMAT,
):
    """How the receptive field grows: size, jump and padding along the path to the output.

    Example: convcalc rf alexnet-paper --plot alexnet-rf.svg
    """
    from . import rfchart

    report = _report(spec, input, set, convention)
    if plot is not None:
        picture = rfchart.svg(report, every_layer=every_layer)
        try:
            with open(plot, "w", encoding="utf-8") as out:
                out.write(picture)
        except OSError as error:
            raise UsageError(f"--plot {plot}: cannot write the file: {error.strerror}") from None
    if format is ShortFormat.json:
        from . import writers

        _write(writers.dumps({
            "name": report.name, "input": report.input.as_list(),
            "layers": [{"name": row.name, "op": row.op, "rf": writers.rf_dict(row.rf)}
                       for row in rfchart.rf_rows(report, every_layer)],
            "warnings": [str(w) for w in report.warnings]}))
    elif plot is None:
        from . import render

        _show(rfchart.terminal(report, every_layer), *render.warning_lines(report))


@app.command()
@guarded
def diff(
    specs: List[str] = typer.Argument(..., help="Two specs (or one, with --conventions).",
                                      autocompletion=complete_spec),
    conventions: Optional[str] = typer.Option(
        None, "--conventions", metavar="A,B",
        help="Count the first spec as A and the second (or the same one) as B, e.g. torch,keras."),
    input: Optional[str] = INPUT,
    format: ShortFormat = SHORT_FORMAT,
):
    """Why two specs' (or two conventions') params and MACs differ, cause by cause, adding up to
    the total difference exactly.

    Example: convcalc diff resnet50 keras-resnet50
    """
    from .diff import difference

    names = [c.strip() for c in conventions.split(",")] if conventions else [None, None]
    if len(names) != 2:
        raise UsageError("--conventions takes two names, like torch,keras")
    if len(specs) == 1 and conventions:
        specs = [specs[0], specs[0]]
    if len(specs) != 2:
        raise UsageError("diff takes two specs, or one spec and --conventions A,B")
    result = difference(_report(specs[0], input, None, names[0]),
                        _report(specs[1], input, None, names[1]))
    if format is ShortFormat.json:
        from . import writers

        _write(writers.dumps(writers.difference_dict(result)))
    else:
        from . import render

        _show(render.difference(result))


@app.command("explain")
@guarded
def explain_(
    spec: str = SPEC,
    layer: str = typer.Argument(..., help="The layer's (qualified) name, as summary shows it."),
    input: Optional[str] = INPUT,
    set: Optional[List[str]] = SET,
    convention: Optional[str] = CONVENTION,
    batch: int = BATCH,
    dtype: DType = DTYPE,
    format: ShortFormat = SHORT_FORMAT,
):
    """One layer, every number with its arithmetic: output size, params, MACs, memory and the
    receptive-field step from its input.

    Example: convcalc explain alexnet-lecture conv2
    """
    from . import explain as explaining
    from .memory import DTYPES

    report = _report(spec, input, set, convention, batch)
    result = explaining.explain(report, layer, dtypes=((dtype.value, DTYPES[dtype.value]),))
    if format is ShortFormat.json:
        from . import writers

        _write(writers.dumps(explaining.explanation_dict(result)))
    else:
        _show(explaining.renderable(result))


@app.command()
@guarded
def sweep(
    spec: str = SPEC,
    sizes: str = typer.Option(..., "--sizes", metavar="LIST",
                              help="Input sizes: 224,227 and ranges 320:640:32 (stop included);"
                                   " 600x1000 for H×W."),
    valid: bool = typer.Option(False, "--valid", help="Only the sizes at which every window"
                                                      " tiles exactly and every merge aligns."),
    set: Optional[List[str]] = SET,
    convention: Optional[str] = CONVENTION,
    format: ShortFormat = SHORT_FORMAT,
):
    """The network at many input sizes: output, params, MACs and what does not fit.

    Example: convcalc sweep resnet50 --sizes 224:512:32
    """
    from . import sweep as sweeping

    loaded = _load(spec, None, set, convention)
    try:
        chosen = sweeping.parse_sizes(sizes, len(loaded.input.spatial))
    except ValueError as error:
        raise UsageError(f"--sizes: {error}") from None
    rows = sweeping.sweep(loaded, chosen)
    if format is ShortFormat.json:
        from . import writers

        _write(writers.dumps(sweeping.rows_dict(rows, loaded.name, valid_only=valid)))
    else:
        _show(sweeping.table(rows, loaded.name, valid_only=valid))


@app.command()
@guarded
def solve(
    input: int = typer.Option(..., "--input", "-i", min=1, help="Input size on one axis."),
    output: Optional[int] = typer.Option(None, "--output", "-o", min=1,
                                         help="The output size wanted."),
    keep_size: bool = typer.Option(False, "--keep-size",
                                   help="Which paddings keep the size (⌈n/s⌉)."),
    kernel: Optional[int] = typer.Option(None, "--kernel", "-k", min=1, help="Fix the kernel."),
    stride: Optional[int] = typer.Option(None, "--stride", "-s", min=1, help="Fix the stride."),
    padding: Optional[str] = typer.Option(None, "--padding", "-p", metavar="P|B,A",
                                          help="Fix the padding: 1, or before,after."),
    dilation: Optional[int] = typer.Option(None, "--dilation", "-d", min=1,
                                           help="Fix the dilation."),
    ceil_mode: bool = typer.Option(False, "--ceil-mode", help="Also pooling that rounds up."),
    format: ShortFormat = SHORT_FORMAT,
):
    """Inverse questions: which kernel, stride, padding and dilation give an output size.

    Example: convcalc solve --input 224 --output 112 --kernel 3
    """
    from . import solve as solving

    if keep_size == (output is not None):
        raise UsageError("give --output M, or --keep-size with --kernel K")
    try:
        if keep_size:
            if kernel is None:
                raise UsageError("--keep-size needs --kernel")
            found = solving.keep_size(input, kernel, stride or 1, dilation or 1)
        else:
            pads = solving.parse_padding(padding) if padding is not None else None
            found = solving.solve(input, output, kernel, stride, pads, dilation, ceil_mode)
    except ValueError as error:
        raise UsageError(str(error)) from None
    if format is ShortFormat.json:
        from . import writers

        _write(writers.dumps(solving.solutions_dict(found)))
    else:
        _show(solving.table(found))


class GraphFormat(str, Enum):
    mermaid = "mermaid"
    dot = "dot"
    json = "json"


@app.command()
@guarded
def graph(
    spec: str = SPEC,
    input: Optional[str] = INPUT,
    set: Optional[List[str]] = SET,
    convention: Optional[str] = CONVENTION,
    depth: Optional[int] = typer.Option(None, "--depth", "-d", min=1,
                                        help="Collapse blocks nested this deep (default: none)."),
    format: GraphFormat = typer.Option(GraphFormat.mermaid, "--format", "-f",
                                       help="mermaid (GitHub Markdown), dot (Graphviz) or json."),
):
    """The network as a diagram: a node per layer (or per collapsed block), an edge per input.

    Example: convcalc graph resnet18 --format dot --depth 2 | dot -Tsvg > resnet18.svg
    """
    from . import diagram

    report = _report(spec, input, set, convention)
    if format is GraphFormat.mermaid:
        _write(diagram.mermaid(report, depth))
    elif format is GraphFormat.dot:
        _write(diagram.dot(report, depth))
    else:
        from . import writers

        _write(writers.dumps(diagram.graph_dict(report, depth)))


@app.command("list")
@guarded
def list_(convention: Optional[str] = CONVENTION, format: ShortFormat = SHORT_FORMAT):
    """The built-in architectures, with their input and total params.

    Example: convcalc list
    """
    from .analysis import analyze
    from .zoo import builtin_specs, load

    entries = []
    for name, path in builtin_specs().items():
        spec = load(str(path), convention=convention)
        entries.append({"name": name, "description": spec.description, "input":
                        spec.input.as_list(), "params": analyze(spec).totals.params})
    if format is ShortFormat.json:
        from . import writers

        _write(writers.dumps({"architectures": entries}))
    else:
        from . import render

        _show(render.listing(entries))


def run() -> None:
    """Console-script entry point."""
    import sys

    # counts are exact Python ints, whatever their size: print them in full (parsing long
    # literals is guarded in yamlspec, where a huge one would be slow)
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)
    # A command is one short pass that builds millions of small acyclic objects for a large
    # network; the cyclic collector re-scanned them all again and again (the JSON stage of
    # 30,000 layers took 3x as long with it, docs/performance.md) and would free nothing:
    # reference counting does.
    import gc

    gc.disable()
    _keep_only_invoked_command(sys.argv[1:])
    app()


def _command_name(info) -> str:
    return info.name or info.callback.__name__.lower().replace("_", "-")


def _keep_only_invoked_command(args) -> None:
    """`convcalc summary …` needs only `summary`: typer builds every registered command's click
    object at each start (about 15 ms for thirteen), so the others are dropped. The top-level
    help, completion and unknown commands keep them all."""
    if not args or "_CONVCALC_COMPLETE" in os.environ:
        return
    chosen = [info for info in app.registered_commands if _command_name(info) == args[0]]
    if chosen:
        app.registered_commands[:] = chosen
