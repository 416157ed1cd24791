"""Inverse questions about one sliding window, answered by trying every candidate.

`solve(n, m)`: which kernel, stride, padding and dilation turn an input of n into an output of m?
`keep_size(n, k)`: which paddings keep the size (out = ⌈n/s⌉, so out = n at stride 1)?

No spec is needed and no formula is repeated here: every candidate is run through
`shapes.slide`, the one output-size formula, and kept when its output is the one wanted. The
candidates are bounded (kernel 1…11, stride 1…8, dilation 1…4, padding less than the span on each
side), so the search is a few thousand calls of `slide`.

A solution is *exact* when its remainder (n + p_b + p_a − span) mod s is 0: the last window ends at
the padded edge, no division was rounded down, and no pixel — nor any padding — is left unread at
the end. Otherwise the remainder lies in the right padding (harmless, but the padding is then used
on one side only) or in the input, whose last pixels are never seen (docs/formulas.md §1.5).
"""

from __future__ import annotations

from .records import record
from .shapes import LayerProblem, Window, same_padding, slide

KERNELS = range(1, 12)
STRIDES = range(1, 9)
DILATIONS = range(1, 5)

#: The table shows at most this many solutions of each kind (exact, with a remainder); JSON all.
SHOWN = 40


@record
class Solution:
    """One window that gives the wanted output size; `window` holds its arithmetic."""

    window: Window
    ceil_mode: bool = False

    @property
    def kernel(self) -> int:
        return self.window.kernel

    @property
    def stride(self) -> int:
        return self.window.stride

    @property
    def dilation(self) -> int:
        return self.window.dilation

    @property
    def pad_before(self) -> int:
        return self.window.pad_before

    @property
    def pad_after(self) -> int:
        return self.window.pad_after

    @property
    def exact(self) -> bool:
        """remainder (n + p_b + p_a − span) mod s = 0: the last window ends at the padded edge."""
        return self.window.remainder == 0

    @property
    def unseen(self) -> int:
        """Input pixels after the last window, read by no window: max(0, remainder − p_a)."""
        return self.window.unseen

    @property
    def skipped(self) -> int:
        """Pixels between two windows that neither reads: max(0, s − span) (a stride longer
        than the window skips them by design, e.g. a 1×1 stride-2 projection)."""
        return max(0, self.window.stride - self.window.span)

    @property
    def tensorflow_same(self) -> bool:
        """The padding TensorFlow's 'same' chooses: out = ⌈n/s⌉ and the odd pixel after."""
        w = self.window
        return (not self.ceil_mode and w.size_out == -(-w.size_in // w.stride)
                and (w.pad_before, w.pad_after) == same_padding(w.size_in, w.span, w.stride))


def _positive(value, what: str) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"{what} must be a positive integer, not {value!r}")


def _pads(padding, span: int):
    """The (before, after) pairs to try: the given padding, else every total 0 … 2·(span − 1)
    split evenly with the odd pixel after (the output depends only on the total)."""
    if padding is None:
        return [(total // 2, total - total // 2) for total in range(2 * span - 1)]
    return [padding if isinstance(padding, tuple) else (padding, padding)]


def parse_padding(text: str) -> int | tuple[int, int]:
    """'1' → 1 (both sides); '0,1' or '0+1' → (0, 1) (before, after)."""
    parts = text.replace("+", ",").split(",")
    try:
        values = [int(p) for p in parts]
    except ValueError:
        raise ValueError(f"padding '{text}' must be an integer, or BEFORE,AFTER like 0,1") from None
    if len(values) > 2 or any(v < 0 for v in values):
        raise ValueError(f"padding '{text}' must be one integer >= 0, or two: BEFORE,AFTER")
    return values[0] if len(values) == 1 else (values[0], values[1])


def _try(n, kernel, stride, dilation, pads, ceil_mode=False) -> Window | None:
    try:
        return slide(n, kernel, stride, dilation, pads, ceil_mode)
    except LayerProblem:  # the window does not fit the padded input at all
        return None


def _order(solution: Solution) -> tuple:
    """Exact first; undilated first; then the smallest kernel and stride; symmetric padding
    first, then the least padding."""
    w = solution.window
    return (not solution.exact, solution.ceil_mode, w.dilation, w.kernel, w.stride,
            w.pad_before != w.pad_after, w.pad_before + w.pad_after, w.pad_before)


def solve(n: int, m: int, kernel=None, stride=None, padding=None, dilation=None,
          ceil_mode: bool = False) -> tuple[Solution, ...]:
    """Every window in the searched ranges that maps n to m, exact ones first.

    A fixed `kernel`, `stride` or `dilation` replaces its range; `padding` is an integer (both
    sides) or a (before, after) pair. With `ceil_mode`, pooling windows that reach m only by
    rounding up are added (PyTorch's rule; padding at most ⌊k/2⌋, as pooling requires).
    """
    for value, what in ((n, "the input size"), (m, "the output size"), (kernel, "kernel"),
                        (stride, "stride"), (dilation, "dilation")):
        _positive(value, what)
    if padding is not None:
        pair = padding if isinstance(padding, tuple) else (padding, padding)
        if len(pair) != 2 or any(isinstance(p, bool) or not isinstance(p, int) or p < 0
                                 for p in pair):
            raise ValueError(f"padding must be an integer >= 0 or a (before, after) pair, not"
                             f" {padding!r}")
    found = []
    for k in (kernel,) if kernel else KERNELS:
        # a 1-tap kernel reads one position whatever its dilation: try d = 1 only
        for d in (dilation,) if dilation else (DILATIONS if k > 1 else (1,)):
            span = d * (k - 1) + 1
            for s in (stride,) if stride else STRIDES:
                for pads in _pads(padding, span):
                    window = _try(n, k, s, d, pads)
                    if window is not None and window.size_out == m:
                        found.append(Solution(window))
                    # ceil mode differs from floor only where there is a remainder to round
                    # up, or where the window overhangs a tiny input (floor mode refuses it)
                    if ceil_mode and max(pads) <= k // 2 and (window is None or window.remainder):
                        rounded = _try(n, k, s, d, pads, ceil_mode=True)
                        # (a dropped last window can bring it back to the floor's size)
                        floor_size = window.size_out if window is not None else 0
                        if rounded is not None and rounded.size_out == m != floor_size:
                            found.append(Solution(rounded, ceil_mode=True))
    return tuple(sorted(found, key=_order))


def keep_size(n: int, kernel: int, stride: int = 1, dilation: int = 1) -> tuple[Solution, ...]:
    """Every padding (before, after), each side less than the span, with out = ⌈n/s⌉ (= n at
    stride 1): exact ones first, symmetric ones first; TensorFlow's 'same' is among them."""
    for value, what in ((n, "the input size"), (kernel, "kernel"), (stride, "stride"),
                        (dilation, "dilation")):
        _positive(value, what)
    wanted = -(-n // stride)  # ⌈n/s⌉
    span = dilation * (kernel - 1) + 1
    found = []
    for before in range(span):
        for after in range(span):
            window = _try(n, kernel, stride, dilation, (before, after))
            if window is not None and window.size_out == wanted:
                found.append(Solution(window))
    return tuple(sorted(found, key=_order))


# --- rendering: tables for the terminal and the JSON document ----------------------------------


def _padding(w: Window) -> str:
    return str(w.pad_before) if w.pad_before == w.pad_after else f"{w.pad_before}+{w.pad_after}"


def arithmetic(solution: Solution) -> str:
    """'⌊(224 + 0 + 1 − 3) / 2⌋ + 1 = 112', as `convcalc conv` writes it."""
    w = solution.window
    left, right = ("⌈", "⌉") if solution.ceil_mode else ("⌊", "⌋")
    span = f"{w.span}" if w.dilation == 1 else f"({w.dilation}×({w.kernel}−1)+1)"
    dropped = f" − {w.dropped}" if w.dropped else ""
    return (f"{left}({w.size_in} + {w.pad_before} + {w.pad_after} − {span}) / {w.stride}{right}"
            f" + 1{dropped} = {w.size_out}")


def note(solution: Solution) -> str:
    """Why a solution is not exact, and what else is worth knowing about it."""
    w = solution.window
    parts = []
    if solution.ceil_mode:
        parts.append(f"ceil mode (pooling): rem {w.remainder} rounded up")
    elif w.remainder:
        parts.append(f"rem {w.remainder} in padding" if w.unseen == 0 else
                     f"rem {w.remainder}, {w.unseen} unseen")
    if solution.skipped:
        parts.append(f"skips {solution.skipped} of every {w.stride} pixels")
    if solution.tensorflow_same:
        parts.append("'same' (TensorFlow and PyTorch)" if w.stride == 1 else
                     "TensorFlow 'same'")
    return "; ".join(parts)


def _section(solutions, title: str):
    from .table import Column, Table

    columns = (Column("kernel", "right"), Column("stride", "right"), Column("padding", "right"),
               Column("dilation", "right"), Column("output"), Column("note"))
    rows = tuple((str(s.window.kernel), str(s.window.stride), _padding(s.window),
                  str(s.window.dilation), arithmetic(s), note(s)) for s in solutions[:SHOWN])
    return Table(columns, rows, title)


def table(solutions) -> list:
    """The exact solutions, then those with a remainder, each at most `SHOWN` lines long."""
    from .table import Line

    if not solutions:
        return [Line("no kernel 1–11, stride 1–8, dilation 1–4 and padding gives that output"
                     " size; fix fewer of them, or give them outside these ranges")]
    first = solutions[0].window
    exact = [s for s in solutions if s.exact]
    rest = [s for s in solutions if not s.exact]
    parts = [Line(f"input {first.size_in} → output {first.size_out}: {len(exact)} exact,"
                  f" {len(rest)} with a remainder")]
    for group, title in ((exact, "exact: the last window ends at the padded edge"),
                         (rest, "with a remainder: the last window stops short of the edge")):
        if group:
            parts.append(_section(group, title))
        if len(group) > SHOWN:
            parts.append(Line(f"… and {len(group) - SHOWN} more; fix --kernel, --stride or"
                              " --dilation to narrow the search (--format json lists all)"))
    return parts


def solutions_dict(solutions) -> dict:
    """The JSON document: every solution, exact ones first."""
    return {"solutions": [{
        "input": s.window.size_in,
        "output": s.window.size_out,
        "kernel": s.kernel,
        "stride": s.stride,
        "padding": [s.pad_before, s.pad_after],
        "dilation": s.dilation,
        "ceil_mode": s.ceil_mode,
        "remainder": s.window.remainder,
        "unseen": s.unseen,
        "exact": s.exact,
        "tensorflow_same": s.tensorflow_same,
    } for s in solutions]}
