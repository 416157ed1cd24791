"""Tensor shapes and sliding-window arithmetic, written once per axis and mapped over the axes.

A shape is channels then spatial sizes (``[C, L]``, ``[C, H, W]``, ``[C, D, H, W]``); a flattened
vector has no spatial axes. `slide` is the output-size formula of every convolution and pooling
layer; see docs/formulas.md for its derivation.
"""

from __future__ import annotations

from math import prod

from .records import computed_once, record


class LayerProblem(Exception):
    """Raised by layer math; the analysis adds the layer's name and spec line."""


@record
class Shape:
    """A tensor shape for one sample: channels, then zero or more spatial sizes."""

    channels: int
    spatial: tuple[int, ...] = ()

    def as_list(self) -> list[int]:
        return [self.channels, *self.spatial]

    @computed_once
    def numel(self) -> int:
        """Elements in one sample: C × H × W × …"""
        return self.channels * prod(self.spatial)

    def __str__(self) -> str:
        return "×".join(map(str, (self.channels, *self.spatial)))


def parse_dims(text: str, what: str) -> tuple[int, ...]:
    """Parse ``3x224x224`` (or ``3,224,224``) into positive integers; ValueError on anything else."""
    parts = text.lower().replace(",", "x").replace("×", "x").split("x")
    try:
        dims = tuple(int(p) for p in parts)
    except ValueError:
        raise ValueError(f"{what} '{text}' must be integers joined by 'x', like 3x224x224") from None
    if any(d <= 0 for d in dims):
        raise ValueError(f"{what} '{text}' must contain only positive integers")
    return dims


def per_axis(value, axes: int, what: str) -> tuple:
    """Expand a scalar to one entry per spatial axis, or check that a list has one per axis."""
    if isinstance(value, tuple):
        if len(value) != axes:
            raise LayerProblem(f"{what} has {len(value)} entries but the input has {axes}"
                               f" spatial axes; give one per axis or a single value")
        return value
    return (value,) * axes


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow's 'same': out = ⌈n/s⌉; total = max((out−1)·s + k − n, 0), the odd pixel after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def padding_pairs(padding, sizes, kernels, strides) -> tuple[tuple[int, int], ...]:
    """Resolve a padding field to one (before, after) pair per axis."""
    axes = len(sizes)
    if padding == "valid":
        return ((0, 0),) * axes
    if padding == "same":
        return tuple(same_padding(n, k, s) for n, k, s in zip(sizes, kernels, strides))
    if padding == "half":  # Caffe's and Darknet's pad = ⌊k/2⌋ on both sides
        return tuple((k // 2, k // 2) for k in kernels)
    pads = per_axis(padding, axes, "padding")
    return tuple([p if isinstance(p, tuple) else (p, p) for p in pads])


@record
class Window:
    """One spatial axis of a sliding window (convolution or pooling) and the size it produces.

    `kernel` is the written kernel; `span` = d·(k−1)+1 is what one window covers with dilation d.
    """

    size_in: int
    kernel: int
    stride: int
    dilation: int
    pad_before: int
    pad_after: int
    size_out: int
    dropped: int = 0  # ceil mode: windows removed because they would start in the right padding

    @property
    def span(self) -> int:
        """Effective kernel: d·(k−1) + 1 input positions from the first tap to the last."""
        return self.dilation * (self.kernel - 1) + 1

    @property
    def remainder(self) -> int:
        """(n + p_before + p_after − span) mod s: zero when the windows tile the input exactly."""
        return (self.size_in + self.pad_before + self.pad_after - self.span) % self.stride

    @property
    def unseen(self) -> int:
        """Input pixels after the last window's end that no window reads (padding not counted)."""
        last_end = (self.size_out - 1) * self.stride + self.span  # one past, in padded positions
        # the windows may end inside the left padding: then every input pixel is unseen
        return min(self.size_in, max(0, self.pad_before + self.size_in - last_end))

    @property
    def exact_size(self) -> int:
        """The nearest input size ≥ size_in whose windows tile exactly."""
        return self.size_in + (-self.remainder) % self.stride


def _kernel_text(kernel: int, dilation: int) -> str:
    span = dilation * (kernel - 1) + 1
    return f"kernel {kernel}" + (f" (dilated to {span})" if dilation > 1 else "")


def slide(size: int, kernel: int, stride: int, dilation: int, pads: tuple[int, int],
          ceil_mode: bool = False) -> Window:
    """out = ⌊(n + p_b + p_a − span) / s⌋ + 1, with ⌈ ⌉ in ceil mode (PyTorch's rule applied)."""
    before, after = pads
    span = dilation * (kernel - 1) + 1
    padded = size + before + after
    dropped = 0
    if ceil_mode:
        # ⌈(padded − span)/s⌉ + 1, also when the window overhangs a tiny input (PyTorch allows it)
        out = -(-(padded - span) // stride) + 1
        # PyTorch: the last window must start inside the input or its left padding.
        if (out - 1) * stride >= size + before:
            out, dropped = out - 1, 1
        if out < 1:
            raise LayerProblem(
                f"{_kernel_text(kernel, dilation)} overhangs the padded input {padded} ({size} + padding"
                f" {before}+{after}) by {span - padded}, which is not less than the stride"
                f" {stride}, so even in ceil mode the output would be empty")
    else:
        if span > padded:
            raise LayerProblem(
                f"{_kernel_text(kernel, dilation)} is larger than the padded input {padded} ({size} + padding"
                f" {before}+{after}), so the output would be empty; use a smaller kernel, more"
                " padding or a larger input")
        out = (padded - span) // stride + 1
    return Window(size, kernel, stride, dilation, before, after, out, dropped)
