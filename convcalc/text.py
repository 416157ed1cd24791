"""Text for numbers, shapes, windows and receptive fields, shared by every renderer."""

from __future__ import annotations

from fractions import Fraction

from .receptive import ReceptiveField
from .report import LayerRow
from .shapes import Shape


def count(n: int) -> str:
    """34944 → '34,944'."""
    return f"{n:,}"


def shape(s: Shape) -> str:
    return str(s)


def fraction(value: Fraction | None) -> str:
    """An exact value: '4', '1/2', or '?' when unknown."""
    if value is None:
        return "?"
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def percent(value: Fraction | None, digits: int = 1) -> str:
    """Fraction(18, 25) → '72.0%'; rounded half to even from the exact value."""
    if value is None:
        return "—"
    scaled = round(value * 100 * 10**digits)  # an int, rounded half to even
    whole, part = divmod(scaled, 10**digits)
    return f"{whole}.{part:0{digits}d}%" if digits else f"{whole}%"


def per_axis(values) -> str:
    """One value if every axis agrees, else them all joined by '×'."""
    values = tuple(values)
    first = values[0]
    if type(first) is int and values.count(first) == len(values):  # the usual case, fast
        return str(first)
    texts = [fraction(v) if isinstance(v, Fraction) or v is None else str(v) for v in values]
    return texts[0] if len(set(texts)) == 1 else "×".join(texts)


def rf_size(rf: ReceptiveField) -> str:
    if rf.is_global:
        return "global"
    return per_axis(a.size if a else None for a in rf.axes) if rf.axes else ""


def rf_jump(rf: ReceptiveField) -> str:
    if rf.is_global or not rf.axes:
        return ""
    return per_axis(a.jump if a else None for a in rf.axes)


def rf_padding(rf: ReceptiveField) -> str:
    if rf.is_global or not rf.axes:
        return ""
    return per_axis(a.padding if a else None for a in rf.axes)


def window(row: LayerRow) -> str:
    """The lecture's way of writing a window: '11×11 s4 p0', plus dilation, groups, ceil."""
    attrs = row.attrs
    if row.op == "deconv":  # written like a convolution, with ↑ for "transposed"
        kernel = attrs["kernel"] if isinstance(attrs["kernel"], tuple) else (attrs["kernel"],) * len(
            row.output_shape.spatial)
        stride = attrs["stride"] if isinstance(attrs["stride"], tuple) else (attrs["stride"],)
        padding = attrs["padding"] if isinstance(attrs["padding"], tuple) else (attrs["padding"],)
        return (f"↑{'×'.join(map(str, kernel))} s{per_axis(stride)} p{per_axis(padding)}"
                + (f" g{attrs['groups']}" if attrs["groups"] != 1 else ""))
    if not row.windows:
        if row.op in ("maxpool", "avgpool"):
            return "global" if attrs.get("global") else "→" + "×".join(map(str, row.output_shape.spatial))
        return ""
    ws = row.windows
    parts = ["×".join(str(w.kernel) for w in ws), "s" + per_axis(w.stride for w in ws)]
    pads = [(w.pad_before, w.pad_after) for w in ws]
    if all(b == a for b, a in pads):
        parts.append("p" + per_axis(b for b, _ in pads))
    else:
        parts.append("p" + ",".join(f"{b}+{a}" for b, a in pads))
    if any(w.dilation != 1 for w in ws):
        parts.append("d" + per_axis(w.dilation for w in ws))
    if attrs.get("groups", 1) != 1:
        parts.append(f"g{attrs['groups']}")
    if attrs.get("ceil_mode"):
        parts.append("ceil")
    return " ".join(parts)


def product(factors) -> str:
    """(11, 11, 3, 96) → '11×11×3×96'."""
    return "×".join(str(f) for f in factors)


def size(n: int) -> str:
    """Bytes for people: 1,536 → '1.5 KiB' (binary units, one decimal, rounded half to even)."""
    from fractions import Fraction

    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            tenths = round(Fraction(n, scale) * 10)
            return f"{tenths // 10}.{tenths % 10} {unit}"
    return f"{n} B"
