"""`compare`: several reports side by side, each figure also as a fraction of the first's."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .report import Report

#: The totals compared, in display order.
FIGURES = ("params", "weights", "biases", "buffers", "macs")


@dataclass(frozen=True)
class Comparison:
    reports: tuple[Report, ...]

    def ratio(self, index: int, figure: str) -> Fraction | None:
        """reports[index]'s figure ÷ the first report's (None when the first is zero)."""
        base = getattr(self.reports[0].totals, figure)
        value = getattr(self.reports[index].totals, figure)
        return Fraction(value, base) if base else None
