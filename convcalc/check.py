"""`check`: recompute a spec and compare every figure of its `expected:` section."""

from __future__ import annotations

from fractions import Fraction

from .analysis import analyze
from .errors import SpecError
from .expected import OUTPUT, Figure, Rounded
from .records import record
from .report import Report
from .spec import Spec


@record
class FigureResult:
    figure: Figure
    computed: object  # int, a tuple per axis, or None when the value is unknown

    @property
    def ok(self) -> bool:
        expected, computed = self.figure.value, self.computed
        if computed is None:
            return False
        if isinstance(expected, Rounded):
            return expected.matches(computed)
        if isinstance(expected, tuple) or isinstance(computed, tuple):
            if not isinstance(computed, tuple):
                computed = (computed,)
            if not isinstance(expected, tuple):
                expected = (expected,) * len(computed)  # rf: 11 means 11 on every axis
            return len(expected) == len(computed) and all(
                _close(e, c, self.figure.tolerance) for e, c in zip(expected, computed))
        return _close(expected, computed, self.figure.tolerance)


def _close(expected, computed, tolerance: Fraction) -> bool:
    """Exact unless the figure declares a relative tolerance: |computed − expected| ≤ t·expected."""
    if computed is None:
        return False
    return abs(Fraction(computed) - expected) <= tolerance * abs(expected)


@record
class CheckResult:
    name: str
    file: str
    results: tuple[FigureResult, ...]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def mismatches(self) -> tuple[FigureResult, ...]:
        return tuple(r for r in self.results if not r.ok)


def computed_value(report: Report, figure: Figure):
    """The value the analysis gives for a figure, shaped like the figure."""
    if figure.layer is None or figure.layer.startswith(OUTPUT):
        totals = (report.totals if figure.layer is None
                  else report.totals_for(figure.layer[len(OUTPUT):]))
        if figure.key == "gmacs":
            return Fraction(totals.macs, 10**9)
        value = getattr(totals, figure.key)
    elif figure.layer not in report.group_totals and figure.layer not in report._by_name:
        # a group whose layers were all dropped by if: its counts are an empty sum, its shape
        # and field do not exist
        return None if figure.key in ("output_shape", "rf") else 0
    elif figure.key == "rf":
        source = report.group_totals.get(figure.layer) or report.row(figure.layer)
        axes = source.rf.axes
        return tuple(None if a is None else a.size for a in axes) if axes else None
    else:
        source = report.group_totals.get(figure.layer) or report.row(figure.layer)
        value = getattr(source, figure.key)
    return tuple(value.as_list()) if figure.key == "output_shape" else value


def check_spec(spec: Spec) -> CheckResult:
    """Analyse `spec` at its own input and compare it with its expected figures."""
    if spec.expected is None:
        raise SpecError(f"spec '{spec.name}' has no 'expected:' figures, so there is nothing to"
                        " check; add the published totals with their source (docs/spec.md)",
                        spec.where(None))
    report = analyze(spec)
    results = tuple(FigureResult(f, computed_value(report, f)) for f in spec.expected.figures)
    return CheckResult(spec.name, spec.file, results)
