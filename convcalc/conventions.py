"""Counting conventions: whose numbers a report reproduces.

The same network has different published parameter counts depending on who counted. A convention
bundles the choices that differ, so a spec (`convention: keras`) or a command (`--convention
keras`) reproduces one framework's figures on purpose. It changes two things:

- defaults that a spec does not write: whether convolutions and fc layers have biases, whether
  pooling rounds up, the default padding of convolutions and pooling;
- accounting: whether BatchNorm's running statistics are non-trainable parameters (Keras, Caffe:
  they are weights of the layer) or buffers (PyTorch), and whether params counts only kernel
  entries (the lecture's tables).

It never changes MACs, and `flops` is always 2 × macs; `doc` says what each framework itself
prints as "FLOPs". docs/spec.md ("Conventions") is generated from this table.
"""

from __future__ import annotations

from .records import record


@record
class Convention:
    name: str
    doc: str
    #: default of `bias` for conv, deconv and fc
    bias: bool = True
    #: default `ceil_mode` of windowed pooling
    pool_ceil: bool = False
    #: default `padding` of conv (None: the field's own default, 0)
    conv_padding: str | None = None
    #: default `padding` of windowed maxpool/avgpool (None: 0)
    pool_padding: str | None = None
    #: BatchNorm's running mean and variance: non-trainable params (True) or buffers (False)
    stats_are_params: bool = False
    #: params = kernel entries only (biases and normalisation not counted)
    weights_only: bool = False
    #: what the framework's own "FLOPs" figure counts
    flops: str = ""

    def defaults_for(self, op: str, written: dict) -> dict:
        """Field defaults this convention gives a layer of kind `op` (whose spec wrote
        `written`); the spec's own `defaults:` and the layer's fields come first. It may look
        at which fields are written, not at their values."""
        if op in ("conv", "deconv", "fc"):
            out = {"bias": self.bias}
            if op == "conv" and self.conv_padding is not None:
                out["padding"] = self.conv_padding
            return out
        if op in ("maxpool", "avgpool") and "kernel" in written:  # windowed pooling only
            out = {"ceil_mode": self.pool_ceil}
            if self.pool_padding is not None and op == "maxpool":
                out["padding"] = self.pool_padding
            return out
        return {}


CONVENTIONS: dict[str, Convention] = {
    "torch": Convention(
        "torch", "PyTorch and torchvision: the default",
        flops="torchvision's published GFLOPS and fvcore count multiply-accumulates: convcalc's"
              " macs"),
    "keras": Convention(
        "keras", "Keras (TensorFlow): BatchNorm's moving mean and variance are non-trainable"
                 " params, as model.summary() and count_params() report them",
        stats_are_params=True,
        flops="TensorFlow's profiler counts a multiply and an add: convcalc's flops (2 × macs)"),
    "caffe": Convention(
        "caffe", "Caffe: pooling rounds up (ceil mode); BatchNorm's mean and variance are blobs"
                 " of the layer, counted as non-trainable params (its scalar moving-average"
                 " factor is not counted)",
        pool_ceil=True, stats_are_params=True,
        flops="Caffe publishes none; papers of its era count multiply-adds: convcalc's macs"),
    "darknet": Convention(
        "darknet", "Darknet (YOLO): convolutions pad by half the kernel (pad=1), max pooling pads"
                   " to keep ⌈n/s⌉ (TensorFlow's 'same')",
        conv_padding="half", pool_padding="same",
        flops="Darknet prints BFLOPs = 2 × multiply-accumulates: convcalc's flops"),
    "weights": Convention(
        "weights", "The lecture's tables: params are kernel entries only; convolutions and fc"
                   " layers have no bias unless written",
        bias=False, weights_only=True,
        flops="the lecture counts multiply-accumulates: convcalc's macs"),
}

DEFAULT = CONVENTIONS["torch"]
