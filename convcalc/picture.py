"""`summary --svg`: what a command prints, saved as an SVG picture drawn by rich (imported only
here: the terminal output itself is laid out by `table.py`)."""

from __future__ import annotations

from .errors import UsageError
from .table import Line, Styled, Table, flat


def _text(cell):
    from rich.text import Text

    if isinstance(cell, str):
        return cell
    if isinstance(cell, Styled):
        return Text(cell.text, style=cell.style)
    return Text.assemble(*((span.text, span.style) for span in cell))


def _renderable(block):
    from rich import box
    from rich.table import Table as RichTable
    from rich.text import Text

    if isinstance(block, Line):
        return Text(block.text, style=block.style)
    assert isinstance(block, Table)
    out = RichTable(title=block.title or None, box=box.SIMPLE_HEAD, title_justify="left",
                    show_footer=any(c.footer for c in block.columns))
    for column in block.columns:
        out.add_column(column.header, justify=column.align, footer=column.footer)
    for row in block.rows:
        out.add_row(*(_text(cell) for cell in row))
    return out


def save_svg(blocks, path: str) -> None:
    """Draw `blocks` (as `table.render` takes them) as wide as the widest of them and save the
    picture at `path`."""
    import io

    from rich.console import Console

    renderables = [_renderable(b) for b in flat(blocks)]
    console = Console(file=io.StringIO(), record=True, width=10_000, highlight=False,
                      emoji=False)
    console.width = max(console.measure(r).maximum for r in renderables)
    for r in renderables:
        console.print(r)
    try:
        console.save_svg(path, title="convcalc")
    except OSError as error:
        raise UsageError(f"--svg {path}: cannot write the file: {error.strerror}") from None
