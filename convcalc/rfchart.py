"""Receptive-field growth, drawn: the layers worth showing, an SVG line chart of size and jump per
layer on a log₂ scale, and the same rows as a terminal table with log₂ bars.

Nothing here computes a field; it lays out the fields the analysis produced (docs/formulas.md §4,
docs/receptive-fields.md). The SVG is written by hand, deterministically: the same report gives
byte-identical text.
"""

from __future__ import annotations

import math
from fractions import Fraction
from xml.sax.saxutils import escape, quoteattr

from . import text
from .layers import REGISTRY
from .receptive import ReceptiveField, at_input
from .records import record
from .report import LayerRow, Report
from .table import Column, Line, Styled, Table


@record
class RFRow:
    """One layer on the chart: its name, its op and its receptive field."""

    name: str
    op: str
    rf: ReceptiveField

    @property
    def size(self) -> tuple:
        """Size per input axis (the input's extent once global), None where unknown."""
        return tuple(a.size if a else None for a in self.rf.axes)

    @property
    def jump(self) -> tuple:
        """Jump (effective stride) per axis; None where unknown or global."""
        return tuple(a.jump if a else None for a in self.rf.axes)

    @property
    def padding(self) -> tuple:
        """Effective padding per axis; None where unknown or global."""
        return tuple(a.padding if a else None for a in self.rf.axes)

    @property
    def is_global(self) -> bool:
        return self.rf.is_global


def _extent(rf: ReceptiveField) -> tuple:
    """How large a field is, for choosing among a merge's inputs: global beats any size."""
    sizes = [a.size for a in rf.axes if a is not None]
    return (rf.is_global, max(sizes) if sizes else -1)


def field_path(report: Report) -> list[LayerRow]:
    """The layers from the input to the (first) output along which the output's field is built.

    Walking back from the output, a single-input layer leads to its input (a crop to the map it
    crops); a merge to the input with the largest field, the one the merged hull grows from
    (docs/formulas.md §4.4). Side branches that end inside a larger field are not on it.
    """
    fields = {"input": at_input(len(report.input.spatial))}
    fields.update((r.name, r.rf) for r in report.rows)
    name = report.outputs[0] if report.outputs else report.rows[-1].name
    path = []
    while name != "input":
        row = report.row(name)
        path.append(row)
        if REGISTRY[row.op].arity is None:
            name = max(row.inputs, key=lambda n: _extent(fields[n]))
        else:
            name = row.inputs[0]
    return path[::-1]


def rf_rows(report: Report, every_layer: bool = False) -> list[RFRow]:
    """The layers to chart: those on the output's field path (`field_path`) whose field differs
    from the layer before them on it, and the output itself.

    A layer is kept when it changes the size, jump or padding on any axis, makes the field
    global or unknown: windowed layers, transposed convolutions, crops, the first global layer,
    and merges whose hull is larger than their largest input. Element-wise layers, plain 1×1
    convolutions and aligned merges repeat the value before them and are skipped, so every point
    on the chart is a step of the recurrence and ResNet-50's 175 layers become 20 readable ones.
    The output is always the last point, so the chart ends where the network does.

    A line chart follows one path; layers on side branches (a shortcut's 1×1 convolution, the
    smaller branches of an Inception module, an auxiliary head) would zigzag it and are left out.
    `every_layer=True` keeps every layer on the path, repeats included.
    """
    path = field_path(report)
    rows, previous = [], at_input(len(report.input.spatial))
    for i, row in enumerate(path):
        if every_layer or row.rf != previous or i == len(path) - 1:
            rows.append(RFRow(row.name, row.op, row.rf))
        previous = row.rf
    return rows


# ---------------------------------------------------------------------------------------------
# SVG

WIDTH = 900
PLOT_TOP = 84
PLOT_HEIGHT = 330
MARGIN_LEFT = 72
MARGIN_RIGHT = 24
LABEL_FONT = 11
LABEL_ANGLE = 45  # degrees: each layer name slants up to end at its tick
LABEL_CHARS = 32
CHAR_WIDTH = 0.6  # × font size: a generous average width of a sans-serif character
FLOOR = 0.4  # log₂ units below the lowest grid line, so no marker sits on the axis
DIGIT_WIDTH = 0.64  # × font size: a digit or '/' in DejaVu Sans, the usual sans-serif

SIZE_COLOUR = "#1f5fa8"
JUMP_COLOUR = "#c2410c"
GLOBAL_COLOUR = "#6d28d9"
GLOBAL_BAND = "#f1ecfb"
INPUT_COLOUR = "#4b5563"
GRID_COLOUR = "#e5e7eb"
MUTED = "#6b7280"
DASHES = ("", "6 4", "2 3")  # first, second and third spatial axis


def _num(x: float) -> str:
    """A coordinate, written the same way every time."""
    return f"{x:.1f}"


def _power_label(k: int) -> str:
    return str(2**k) if k >= 0 else f"1/{2**-k}"


def _shorten(name: str, limit: int = LABEL_CHARS) -> str:
    """A long layer name without its outer blocks, 'features.denseblock3.denselayer15.conv2' →
    '…denseblock3.denselayer15.conv2', else cut in the middle (the tooltip has it whole)."""
    parts = name.split(".")
    while len(name) > limit and len(parts) > 1:
        parts = parts[1:]
        name = "…" + ".".join(parts)
    if len(name) <= limit:
        return name
    head = (limit - 1) // 2
    return name[:head] + "…" + name[-(limit - 1 - head):]


def _text_width(label: str, font: float, char_width: float = CHAR_WIDTH) -> float:
    return len(label) * font * char_width


Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def _crosses(segment: Box, box: Box) -> bool:
    """Does the segment (x0, y0)–(x1, y1) pass through the box? (Liang–Barsky clipping.)"""
    x0, y0, x1, y1 = segment
    low, high = 0.0, 1.0
    for p, q in ((x0 - x1, x0 - box[0]), (x1 - x0, box[2] - x0),
                 (y0 - y1, y0 - box[1]), (y1 - y0, box[3] - y0)):
        if p == 0:
            if q < 0:
                return False
        elif p < 0:
            low = max(low, q / p)
        else:
            high = min(high, q / p)
        if low > high:
            return False
    return True


def _around(x: float, y: float, half: float) -> Box:
    return (x - half, y - half, x + half, y + half)


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _free_spot(x, y, width, boxes: list[Box], segments: list[Box], area: Box, above: bool):
    """Where to write a value next to its marker at (x, y): the first corner whose box touches
    no line, marker or earlier label and stays in `area`, trying the upper-left (or, when not
    `above`, the lower-right) first; None if no corner is free. The chosen box joins `boxes`."""
    ascent, descent, gap = 8, 2, 7
    upper_left, upper_right = (-gap, -gap + 1, "end"), (gap, -gap + 1, "start")
    lower_left, lower_right = (-gap, gap + 7, "end"), (gap, gap + 7, "start")
    corners = ((upper_left, upper_right, lower_right, lower_left) if above else
               (lower_right, lower_left, upper_right, upper_left))
    for dx, dy, anchor in corners:
        x0 = x + dx - width if anchor == "end" else x + dx
        box = (x0 - 1, y + dy - ascent - 1, x0 + width + 1, y + dy + descent + 1)
        inside = area[0] <= box[0] and box[2] <= area[2] and area[1] <= box[1] and box[3] <= area[3]
        if inside and not any(_overlaps(box, b) for b in boxes) and not any(
                _crosses(s, box) for s in segments):
            boxes.append(box)
            return x + dx, y + dy, anchor
    return None


def _axis_names(count: int) -> tuple[str, ...]:
    return {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}.get(
        count, tuple(f"axis {i + 1}" for i in range(count)))


def describe(row: RFRow, input_sizes) -> str:
    """The tooltip: 'conv2 (conv): size 51, jump 8, padding 16' (fractions as p/q)."""
    if row.is_global:
        return (f"{row.name} ({row.op}): global, one unit reads the whole"
                f" {'×'.join(map(str, input_sizes))} input")
    if all(s is None for s in row.size):
        return f"{row.name} ({row.op}): receptive field unknown"
    return (f"{row.name} ({row.op}): size {text.per_axis(row.size)}, jump"
            f" {text.per_axis(row.jump)}, padding {text.per_axis(row.padding)}")


def _value_text(v) -> str:
    return text.fraction(Fraction(v))


def _labelled(n: int, plot_width: float) -> list[int]:
    """Which layer names fit under the axis: every k-th, and always the last."""
    fit = max(1, int(plot_width // (LABEL_FONT * 1.45)))
    k = math.ceil(n / fit)
    shown = list(range(0, n, k))
    if shown[-1] != n - 1:
        if n - 1 - shown[-1] < k and len(shown) > 1:
            shown.pop()
        shown.append(n - 1)
    return shown


@record
class _Layout:
    """Where everything goes: the log₂ range of y, the left margin, the spacing of the layers,
    which names fit under the axis, and the canvas height that their slant needs."""

    lo: int
    hi: int
    left: float
    labels: tuple[str, ...]
    shown: tuple[int, ...]

    @classmethod
    def of(cls, rows, axes, input_sizes) -> "_Layout":
        values = [float(v) for r in rows for a in axes for v in (r.size[a], r.jump[a])
                  if v is not None]
        values += [float(input_sizes[a]) for a in axes]
        lo = math.floor(math.log2(min([1.0, *values])))  # an input pixel: size 1, jump 1
        top = math.log2(max(values))
        hi = math.ceil(top) + (1 if top > math.ceil(top) - 0.5 else 0)  # room above the top
        labels = tuple(_shorten(r.name) for r in rows)
        n, slant = len(rows), math.cos(math.radians(LABEL_ANGLE))
        left = MARGIN_LEFT
        for _ in range(2):  # widen the left margin until the first names fit on the canvas
            width = WIDTH - left - MARGIN_RIGHT
            overhang = max(_text_width(labels[i], LABEL_FONT) * slant - (i + 0.5) * width / n
                           for i in _labelled(n, width))
            left = max(MARGIN_LEFT, math.ceil(overhang) + 8)
        return cls(lo, max(hi, lo + 1), left, labels,
                   tuple(_labelled(n, WIDTH - left - MARGIN_RIGHT)))

    @property
    def plot_width(self) -> float:
        return WIDTH - self.left - MARGIN_RIGHT

    @property
    def step(self) -> float:
        return self.plot_width / len(self.labels)

    @property
    def bottom(self) -> int:
        return PLOT_TOP + PLOT_HEIGHT

    @property
    def height(self) -> int:
        depth = max(_text_width(self.labels[i], LABEL_FONT) for i in self.shown)
        return math.ceil(self.bottom + 30 + depth * math.sin(math.radians(LABEL_ANGLE)))

    def x(self, i: int) -> float:
        return self.left + (i + 0.5) * self.step

    def y(self, value) -> float:
        return PLOT_TOP + (self.hi - math.log2(float(value))) / (
            self.hi - self.lo + FLOOR) * PLOT_HEIGHT


class _Svg:
    """A list of SVG lines with helpers for the few elements the chart uses."""

    def __init__(self):
        self.lines: list[str] = []

    def add(self, line: str) -> None:
        self.lines.append(line)

    def text(self, x, y, content, size=12, anchor="start", fill="#111827", extra="") -> None:
        self.add(f'<text x="{_num(x)}" y="{_num(y)}" font-size="{size}" text-anchor="{anchor}"'
                 f' fill="{fill}"{extra}>{escape(content)}</text>')


def svg(report: Report, title: str | None = None, every_layer: bool = False) -> str:
    """A self-contained SVG line chart of receptive-field size and jump, layer by layer.

    x: the layers of `rf_rows`, in order. y: input pixels on a log₂ scale, shared by the size
    (circles) and the jump (squares), since both are lengths in the input. A dashed line marks
    the input's size; global layers are diamonds at the input's extent on a shaded band; an
    unknown value is a gap in its line and a '?' on the axis, never a zero. Every marker carries
    the exact values in a <title> tooltip. When the axes disagree anywhere (a 1×7 convolution, a
    600×1000 input) each axis gets its own lines, dashed for the second.
    """
    rows = rf_rows(report, every_layer)
    input_sizes = report.input.spatial
    n_axes = len(input_sizes)
    fields_differ = any(len(set(r.size)) > 1 or len(set(r.jump)) > 1 for r in rows)
    per_axis = n_axes > 1 and (fields_differ or len(set(input_sizes)) > 1)
    axes = range(n_axes) if per_axis else range(1)
    names = _axis_names(n_axes)

    layout = _Layout.of(rows, axes, input_sizes)
    left, step, bottom, shown = layout.left, layout.step, layout.bottom, layout.shown
    plot_width, height, n, labels = layout.plot_width, layout.height, len(rows), layout.labels
    lo, hi, x_of, y_of = layout.lo, layout.hi, layout.x, layout.y

    out = _Svg()
    out.add('<?xml version="1.0" encoding="UTF-8"?>')
    out.add(f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}"'
            f' viewBox="0 0 {WIDTH} {height}" font-family="sans-serif">')
    heading = title or f"{report.name}: receptive field per layer"
    out.add(f"<title>{escape(heading)}</title>")
    out.add(f'<rect width="{WIDTH}" height="{height}" fill="white"/>')
    out.text(left, 26, heading, size=16, extra=' font-weight="bold"')
    shape = text.shape(report.input)
    subtitle = (f"input {shape} · {n} of {len(report.rows)} layers"
                f"{'' if every_layer else ', those that change the field'} · log₂ scale")
    if fields_differ:
        subtitle += " · " + ", ".join(
            f"{names[a]} {('solid', 'dashed, open markers', 'dotted, open markers')[a]}"
            for a in axes)
    out.text(left, 46, subtitle, size=12, fill=MUTED)

    # legend
    x = left
    legend_y = 68
    def legend_item(glyph: str, label: str) -> None:
        nonlocal x
        out.add(glyph.format(x=_num(x), x2=_num(x + 22), cx=_num(x + 11), y=_num(legend_y - 4)))
        out.text(x + 28, legend_y, label, size=12)
        x += 28 + _text_width(label, 12) + 18
    legend_item(f'<g><line x1="{{x}}" y1="{{y}}" x2="{{x2}}" y2="{{y}}" stroke="{SIZE_COLOUR}"'
                f' stroke-width="2"/><circle cx="{{cx}}" cy="{{y}}" r="4.5"'
                f' fill="{SIZE_COLOUR}"/></g>', "receptive-field size")
    legend_item(f'<g><line x1="{{x}}" y1="{{y}}" x2="{{x2}}" y2="{{y}}" stroke="{JUMP_COLOUR}"'
                f' stroke-width="2"/><rect x="{{cx}}" y="{{y}}" width="8" height="8"'
                f' transform="translate(-4 -4)" fill="{JUMP_COLOUR}"/></g>',
                "jump (effective stride)")
    legend_item(f'<line x1="{{x}}" y1="{{y}}" x2="{{x2}}" y2="{{y}}" stroke="{INPUT_COLOUR}"'
                f' stroke-width="1.5" stroke-dasharray="5 3"/>', "input size")
    if any(r.is_global for r in rows):
        legend_item(f'<path d="M {{cx}} {{y}} m 0 -6 l 6 6 l -6 6 l -6 -6 z"'
                    f' fill="{GLOBAL_COLOUR}"/>', "global: reads the whole input")
    if any(not r.is_global and any(s is None for s in r.size) for r in rows):
        legend_item(f'<text x="{{cx}}" y="{legend_y}" font-size="13" text-anchor="middle"'
                    f' fill="{MUTED}" font-weight="bold">?</text>', "unknown")

    boxes: list[Box] = []  # what a value label must not touch, besides the lines
    segments: list[Box] = []

    # global band
    first_global = next((i for i, r in enumerate(rows) if r.is_global), None)
    if first_global is not None:
        band_x = x_of(first_global) - step / 2
        out.add(f'<rect class="global-band" x="{_num(band_x)}" y="{PLOT_TOP}"'
                f' width="{_num(left + plot_width - band_x)}" height="{PLOT_HEIGHT}"'
                f' fill="{GLOBAL_BAND}"/>')
        band_width = left + plot_width - band_x
        label = "global" if band_width < 70 else "global field"
        out.text(band_x + band_width / 2, bottom - 14, label, size=11, anchor="middle",
                 fill=GLOBAL_COLOUR)  # at the foot: the diamonds sit high, at the input's size
        half = _text_width(label, 11) / 2
        boxes.append((band_x + band_width / 2 - half, bottom - 25, band_x + band_width / 2 + half,
                      bottom - 10))

    # grid and y axis
    tick_step = 1 if hi - lo <= 12 else 2
    for k in range(lo, hi + 1):
        y = y_of(2.0**k)
        out.add(f'<line x1="{left}" y1="{_num(y)}" x2="{_num(left + plot_width)}" y2="{_num(y)}"'
                f' stroke="{GRID_COLOUR}" stroke-width="1"/>')
        if (k - lo) % tick_step == 0:
            out.text(left - 8, y + 4, _power_label(k), size=11, anchor="end", fill=MUTED)
    middle = PLOT_TOP + PLOT_HEIGHT / 2
    out.text(left - 52, middle, "input pixels (log₂ scale)", size=12, anchor="middle",
             fill=MUTED, extra=f' transform="rotate(-90 {left - 52} {_num(middle)})"')
    out.add(f'<line x1="{left}" y1="{PLOT_TOP}" x2="{left}" y2="{bottom}" stroke="{MUTED}"/>')
    out.add(f'<line x1="{left}" y1="{bottom}" x2="{_num(left + plot_width)}" y2="{bottom}"'
            f' stroke="{MUTED}"/>')

    # the input's size, one line per distinct extent
    extents = sorted({input_sizes[a] for a in axes})
    for size in extents:
        y = y_of(size)
        which = [names[a] for a in axes if input_sizes[a] == size] if len(extents) > 1 else []
        out.add(f'<line class="input-line" x1="{left}" y1="{_num(y)}"'
                f' x2="{_num(left + plot_width)}" y2="{_num(y)}" stroke="{INPUT_COLOUR}"'
                f' stroke-width="1.5" stroke-dasharray="5 3"/>')
        label = f"input {' '.join(which) + ' ' if which else ''}{size}"
        out.text(left + 6, y - 5, label, size=11, fill=INPUT_COLOUR,
                 extra=' paint-order="stroke" stroke="white" stroke-width="3"')
        boxes.append((left + 5, y - 15, left + 7 + _text_width(label, 11), y - 2))
        segments.append((left, y, left + plot_width, y))

    # x axis: a tick per layer, a name where it fits
    for i in range(n):
        x = x_of(i)
        length = 5 if i in shown else 3
        out.add(f'<line x1="{_num(x)}" y1="{bottom}" x2="{_num(x)}" y2="{bottom + length}"'
                f' stroke="{MUTED}"/>')
    for i in shown:
        x, y = x_of(i), bottom + 14
        out.add(f'<text class="layer-name" x="{_num(x)}" y="{_num(y)}" font-size="{LABEL_FONT}"'
                f' text-anchor="end" fill="#111827"'
                f' transform="rotate(-{LABEL_ANGLE} {_num(x)} {_num(y)})">'
                f'{escape(labels[i])}<title>{escape(rows[i].name)}</title></text>')

    # lines, broken wherever a value is unknown, and where the field turns global (a global
    # layer's size is the input's extent, not a step of the recurrence: no line leads to it)
    def series(attr: str, colour: str, axis: int) -> None:
        runs: list[list[tuple[float, float]]] = [[]]
        for i, r in enumerate(rows):
            v = getattr(r, attr)[axis]
            if v is None or r.is_global:
                runs.append([])
            else:
                runs[-1].append((x_of(i), y_of(v)))
        dash = f' stroke-dasharray="{DASHES[axis]}"' if DASHES[axis] else ""
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{_num(px)},{_num(py)}" for px, py in run)
                out.add(f'<polyline class="{attr}-line" points="{points}" fill="none"'
                        f' stroke="{colour}" stroke-width="2"{dash}/>')
                segments.extend((*p, *q) for p, q in zip(run, run[1:]))

    for attr, colour in (("jump", JUMP_COLOUR), ("size", SIZE_COLOUR)):
        alike = all(len(set(getattr(r, attr))) == 1 for r in rows)  # one line serves every axis
        for a in axes if not alike else axes[:1]:
            series(attr, colour, a)

    # markers, each with its exact values as a tooltip, smaller when the layers are close
    radius = min(4.5, max(1.5, step * 0.3))
    pending: list[tuple[float, float, str, str]] = []  # value labels: x, y, text, colour
    for i, r in enumerate(rows):
        x = x_of(i)
        tip = f"<title>{escape(describe(r, input_sizes))}</title>"
        out.add(f"<g class=\"layer\" data-layer={quoteattr(r.name)}>")
        if all(s is None for s in r.size):
            out.add(f'<text class="unknown" x="{_num(x)}" y="{bottom - 8}" font-size="13"'
                    f' text-anchor="middle" font-weight="bold" fill="{MUTED}">?{tip}</text>')
            boxes.append((x - 5, bottom - 20, x + 5, bottom - 6))
        for a in axes:
            fill = "white" if a else None
            # a value equal to the first axis's is drawn once, as the first axis's
            size = r.size[a] if a == 0 or r.size[a] != r.size[0] else None
            jump = r.jump[a] if a == 0 or r.jump[a] != r.jump[0] else None
            if size is not None and r.is_global:
                y = y_of(size)
                d = radius * 4 / 3
                out.add(f'<path class="global" d="M {_num(x)} {_num(y - d)} l {_num(d)} {_num(d)}'
                        f' l -{_num(d)} {_num(d)} l -{_num(d)} -{_num(d)} z"'
                        f' fill="{fill or GLOBAL_COLOUR}" stroke="{GLOBAL_COLOUR}"'
                        f' stroke-width="1.5">{tip}</path>')
                boxes.append(_around(x, y, radius + 2.5))
            elif size is not None:
                y = y_of(size)
                out.add(f'<circle class="size" cx="{_num(x)}" cy="{_num(y)}" r="{_num(radius)}"'
                        f' fill="{fill or SIZE_COLOUR}" stroke="{SIZE_COLOUR}"'
                        f' stroke-width="1.5">{tip}</circle>')
                boxes.append(_around(x, y, radius + 1.5))
                pending.append((x, y, _value_text(size), SIZE_COLOUR))
            if jump is not None:
                y = y_of(jump)
                half = radius * 8 / 9
                out.add(f'<rect class="jump" x="{_num(x - half)}" y="{_num(y - half)}"'
                        f' width="{_num(2 * half)}" height="{_num(2 * half)}"'
                        f' fill="{fill or JUMP_COLOUR}" stroke="{JUMP_COLOUR}"'
                        f' stroke-width="1.5">{tip}</rect>')
                boxes.append(_around(x, y, radius + 1.5))
                pending.append((x, y, _value_text(jump), JUMP_COLOUR))
        out.add("</g>")

    # the values beside their markers, where they fit without touching anything
    if step >= 26:
        area = (left + 1, PLOT_TOP + 1, left + plot_width + MARGIN_RIGHT - 2, bottom - 1)
        for x, y, label, colour in pending:
            place = _free_spot(x, y, _text_width(label, 10, DIGIT_WIDTH), boxes, segments, area,
                               above=colour == SIZE_COLOUR)
            if place is not None:
                lx, ly, anchor = place
                out.text(lx, ly, label, size=10, anchor=anchor, fill=colour,
                         extra=' class="value" paint-order="stroke" stroke="white"'
                               ' stroke-width="3"')
    out.add("</svg>")
    return "\n".join(out.lines) + "\n"


# ---------------------------------------------------------------------------------------------
# terminal

BAR_WIDTH = 32
EIGHTHS = " ▏▎▍▌▋▊▉"


def _bar(value, top: float, marker: int, passed: bool, style: str) -> tuple:
    """A bar of log₂(value)/log₂(top) of BAR_WIDTH cells, in eighths, then '┊' in cell `marker`
    unless the value has `passed` the input's size."""
    length = math.log2(value) / top * BAR_WIDTH
    full, part = int(length), round((length - int(length)) * 8)
    if part == 8:
        full, part = full + 1, 0
    cells = ["█"] * full + ([EIGHTHS[part]] if part else [])
    bar = (Styled("".join(cells), style),)
    if not passed:  # then the bar ends before `marker`: log₂(value) ≤ log₂(input)
        bar += (Styled(" " * (marker - len(cells)) + "┊", "dim"),)
    return bar


def terminal(report: Report, every_layer: bool = False) -> list:
    """The chart's rows as a table: layer, op, size, jump, padding, and a bar as long as
    log₂(size), with '┊' at the input's size so a field larger than the image shows at a glance."""
    rows = rf_rows(report, every_layer)
    largest = [max((s for s in r.size if s is not None), default=None) for r in rows]
    extent = max(report.input.spatial)
    highest = max([extent, 2, *(s for s in largest if s is not None)])
    top = math.log2(highest)
    # the cell just after the input's position: a bar shorter than the input never reaches it
    marker = math.ceil(math.log2(extent) / top * BAR_WIDTH)

    columns = (Column("layer"), Column("op"), Column("RF size", "right"), Column("jump", "right"),
               Column("padding", "right"), Column("log₂ size"))
    cells = tuple((r.name, r.op, text.rf_size(r.rf), text.rf_jump(r.rf), text.rf_padding(r.rf),
                   _bar(size, top, marker, size > extent, "magenta" if r.is_global else "cyan")
                   if size is not None else "?") for r, size in zip(rows, largest))
    table = Table(columns, cells,
                  f"{report.name} — receptive field, input {text.shape(report.input)}")
    axes_differ = any(len(set(r.size)) > 1 for r in rows)
    notes = [f"bar: log₂ of the {'largest axis’s ' if axes_differ else ''}size, from 1 to"
             f" {text.fraction(Fraction(highest))}; ┊ marks the input's {extent}"
             + (f" (the larger side of {'×'.join(map(str, report.input.spatial))})"
                if len(set(report.input.spatial)) > 1 else "")]
    skipped = len(report.rows) - len(rows)
    if skipped:
        why = ("on a side branch" if every_layer else
               "same field as the layer before, or on a side branch")
        notes.append(f"{skipped} of {len(report.rows)} layers not shown ({why})")
    return [table, *(Line(note, "dim") for note in notes)]
