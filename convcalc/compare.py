"""`compare`: several reports side by side, each figure also as a fraction of the first's."""

from __future__ import annotations

from fractions import Fraction

from .records import record
from .report import Report

#: The totals compared, in display order.
FIGURES = ("params", "weights", "biases", "buffers", "macs")


@record
class Comparison:
    reports: tuple[Report, ...]

    def ratio(self, index: int, figure: str, base: int = 0) -> Fraction | None:
        """reports[index]'s figure ÷ reports[base]'s (None when that is zero)."""
        divisor = getattr(self.reports[base].totals, figure)
        value = getattr(self.reports[index].totals, figure)
        return Fraction(value, divisor) if divisor else None
