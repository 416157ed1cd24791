"""Plain-text tables and styled lines for the terminal, written to be fast and to degrade well.

What a command prints is a list of blocks: `Line`s and `Table`s whose cells are text, `Styled`
text, or a tuple of `Styled` spans. `render` lays them out: a table whose columns fit the width
is drawn with one rule under the header and one above the footer; one that does not fit is
printed *stacked*, one record per row (the first cell, then `header value` pairs wrapped at the
width), so no number is ever cut or folded. Colour is ANSI, used only on a terminal (NO_COLOR
turns it off, FORCE_COLOR on). Nothing is wrapped when the width is unlimited (a pipe).

Why not rich's tables, which convcalc used first: rich's console and table cost about 35 ms to
import and 1.5 ms per row to lay out (ResNet-50's 175 rows: 240–320 ms, against 15 ms here),
which made `convcalc summary resnet50` 3.8× the bare import of typer, rich and yaml
(docs/performance.md). rich still draws `--svg` pictures (`picture.py`).
"""

from __future__ import annotations

import os

from .records import record

#: ANSI SGR codes of the styles used.
STYLES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "magenta": "35",
          "cyan": "36"}
INDENT = " "
GAP = "  "


@record
class Styled:
    """Text in a style: one of STYLES, or several joined by spaces ('bold red')."""

    text: str
    style: str = ""


@record
class Line:
    """One line outside a table."""

    text: str
    style: str = ""


@record
class Column:
    header: str
    align: str = "left"  # or "right"
    footer: str = ""


@record
class Table:
    """Columns and rows of cells (str, Styled or a tuple of Styled spans); the footer row is
    shown when a column has a footer."""

    columns: tuple[Column, ...]
    rows: tuple[tuple, ...]
    title: str = ""


def plain(cell) -> str:
    if isinstance(cell, str):
        return cell
    if isinstance(cell, Styled):
        return cell.text
    return "".join(span.text for span in cell)


def width(text: str) -> int:
    """Terminal cells taken by `text`: East Asian wide and full-width characters take two."""
    if text.isascii() or max(text) < "\u1100":  # below the first wide character
        return len(text)
    from unicodedata import east_asian_width

    return sum(2 if east_asian_width(ch) in "WF" else 1 for ch in text)


def paint(text: str, style: str, colour: bool) -> str:
    if not colour or not style or not text:
        return text
    codes = ";".join(STYLES[s] for s in style.split() if s in STYLES)
    return f"\x1b[{codes}m{text}\x1b[0m" if codes else text


def _painted(cell, colour: bool) -> str:
    if isinstance(cell, str):
        return cell
    if isinstance(cell, Styled):
        return paint(cell.text, cell.style, colour)
    return "".join(paint(span.text, span.style, colour) for span in cell)


def _table_lines(table: Table, limit: int | None, colour: bool) -> list[str]:
    columns = table.columns
    footer = any(c.footer for c in columns)
    texts = [[plain(cell) for cell in row] for row in table.rows]
    widths = [width(c.header) for c in columns]
    for row in texts:
        for i, cell in enumerate(row):
            w = width(cell)
            if w > widths[i]:
                widths[i] = w
    if footer:
        widths = [max(w, width(c.footer)) for w, c in zip(widths, columns)]
    total = len(INDENT) + sum(widths) + len(GAP) * (len(widths) - 1)
    if limit is not None and total > limit:
        return _stacked(table, texts, limit, colour)

    def line(cells, shown) -> str:
        parts = []
        for cell, text, column, w in zip(cells, shown, columns, widths):
            pad = " " * (w - width(text))
            parts.append(pad + cell if column.align == "right" else cell + pad)
        return (INDENT + GAP.join(parts)).rstrip()

    rule = INDENT + "─" * (total - len(INDENT))
    headers = [c.header for c in columns]
    out = [paint(table.title, "bold", colour)] if table.title else []
    out.append(line([paint(h, "bold", colour) for h in headers], headers))
    out.append(rule)
    out.extend(line([_painted(c, colour) for c in row], shown)
               for row, shown in zip(table.rows, texts))
    if footer:
        out.append(rule)
        footers = [c.footer for c in columns]
        out.append(line(footers, footers))
    return out


def _stacked(table: Table, texts, limit: int, colour: bool) -> list[str]:
    """One record per row: the first cell on a line of its own, then `header value` pairs."""
    headers = [c.header for c in table.columns]
    out = [paint(table.title, "bold", colour)] if table.title else []
    rows = list(zip(table.rows, texts))
    if any(c.footer for c in table.columns):
        footers = [c.footer for c in table.columns]
        rows.append((footers, footers))
    for cells, shown in rows:
        out.append(INDENT + (_painted(cells[0], colour) if shown[0] else headers[0]))
        pairs = [t if not h or t.endswith(h) else f"{h} {t}"  # '0.2%', not '% 0.2%'
                 for h, t in zip(headers[1:], shown[1:]) if t]
        out.extend(joined(pairs, limit, INDENT * 4))
    return out


def joined(parts, limit: int, indent: str = "", separator: str = " · ") -> list[str]:
    """`parts` joined by `separator` into lines of at most `limit` columns, never splitting a
    part (one longer than the limit gets a line of its own)."""
    lines, current = [], ""
    for part in parts:
        candidate = f"{current}{separator}{part}" if current else indent + part
        if current and width(candidate) > limit:
            lines.append(current)
            candidate = indent + part
        current = candidate
    return lines + ([current] if current else [])


def flat(blocks) -> list:
    """A block, or blocks and lists of blocks, as one list."""
    if isinstance(blocks, (Line, Table)):
        return [blocks]
    return [b for item in blocks for b in flat(item)]


def render(blocks, limit: int | None = None, colour: bool = False) -> str:
    """The text of `blocks` (see `flat`): tables fitted to `limit` columns (None: no limit)."""
    out: list[str] = []
    for block in flat(blocks):
        if isinstance(block, Line):
            lines = [block.text]
            if limit is not None and width(block.text) > limit:  # long totals: break at ' · '
                lines = joined(block.text.split(" · "), limit)
            out.extend(paint(line, block.style, colour) for line in lines)
        else:
            if out and out[-1]:
                out.append("")
            out.extend(_table_lines(block, limit, colour))
            out.append("")
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


def terminal_width(stream) -> int | None:
    """Columns to fit: the terminal's; through a pipe, $COLUMNS if set, else no limit."""
    if stream.isatty():
        import shutil

        return shutil.get_terminal_size().columns
    try:
        return max(1, int(os.environ["COLUMNS"]))
    except (KeyError, ValueError):
        return None


def use_colour(stream) -> bool:
    """ANSI colour on a terminal, unless NO_COLOR is set (https://no-color.org); FORCE_COLOR
    forces it."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty() and os.environ.get("TERM") != "dumb"
