"""The layer kinds: what each takes, the shape it produces, what it counts, how it moves the field.

`REGISTRY` below is the single source of truth: the loader validates fields against it, the docs
table in docs/spec.md is checked against it, and the JSON Schema is generated from it. Adding a
layer kind means writing one class and adding one line to `REGISTRY`.

Counting conventions (docs/formulas.md derives each formula):

- ``weights``: kernel entries; ``biases``: bias entries;
- ``norm``: other trainable parameters (BatchNorm's γ and β), so ``params = weights + biases + norm``
  is PyTorch's ``sum(p.numel() for p in model.parameters())``;
- ``buffers``: running statistics (BatchNorm's mean and variance);
- ``macs``: multiply-accumulates of convolution and fully-connected layers only, bias additions
  not counted — the convention of torchvision's published GFLOPS and the ResNet paper's "FLOPs";
- ``elementwise``: the other work, counted per element as each kind's `analyze` states: bias
  additions, BatchNorm's scale and shift, one evaluation per activation, pooling's comparisons
  or additions, the additions of a residual `add` (docs/formulas.md, "Element-wise work").
"""

from __future__ import annotations

from fractions import Fraction
from math import prod

from .fields import REQUIRED, Bool, Choice, Field, Int, Number, Padding, PerAxis
from .receptive import UNKNOWN, Step
from .records import record
from .shapes import LayerProblem, Shape, Window, padding_pairs, per_axis, slide


@record
class LayerMath:
    """What one layer does to one input: everything the analysis needs, from one computation.

    `steps` is None for a layer that leaves the receptive field alone, else one `Step` (or None
    for "unknown") per axis — a sliding window's own `Window`s, which have a Step's span, stride
    and pad_before; `is_global` marks a unit that reads its whole input.
    `param_terms` are the products whose sum is `params` and `macs_terms` the factors whose
    product is `macs`, for spelling out the arithmetic. `rf_notes` explain why the receptive
    field becomes unknown; they are shown only when it was known before the layer.
    """

    output: Shape
    weights: int = 0
    biases: int = 0
    norm: int = 0
    buffers: int = 0
    macs: int = 0
    elementwise: int = 0
    steps: tuple | None = None
    is_global: bool = False
    windows: tuple[Window, ...] = ()
    param_terms: tuple[tuple[int, ...], ...] = ()
    macs_terms: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()
    rf_notes: tuple[str, ...] = ()


class LayerKind:
    """Base class: subclasses set `op`, `doc`, `fields` and implement `analyze`."""

    op: str = ""
    doc: str = ""
    fields: tuple[Field, ...] = ()
    #: Inputs taken: 1, an exact number, or None for "two or more" (merges).
    arity: int | None = 1

    @property
    def field_map(self) -> dict:
        """Field name → Field, built once per kind."""
        cached = self.__dict__.get("_field_map")
        if cached is None:
            cached = self.__dict__["_field_map"] = {f.name: f for f in self.fields}
        return cached

    def validate(self, attrs) -> None:
        """Cross-field checks that need no input shape; raise LayerProblem."""

    def takes_default(self, field: str, written: dict) -> bool:
        """Does a spec-wide default for `field` apply, given the fields written on the layer?
        (It may look at which fields are written, not at their values.)"""
        return True

    def analyze(self, attrs, inp: Shape) -> LayerMath:  # pragma: no cover - interface
        """The layer's math: a function of its fields and input shape(s) alone — kinds with
        several inputs also get their names, for error messages only — since the analysis
        computes it once per distinct pair and shares the result."""
        raise NotImplementedError


def _spatial_input(op: str, inp: Shape) -> int:
    if not inp.spatial:
        raise LayerProblem(f"{op} needs spatial axes, but its input {inp} has none (it was"
                           " flattened); move the flatten or fc layer after it")
    return len(inp.spatial)


def _grouped_window(op: str, a, inp: Shape) -> tuple:
    """Checks and per-axis values shared by convolution and transposed convolution:
    (kernel, stride, dilation), one entry per spatial axis."""
    axes = _spatial_input(op, inp)
    if inp.channels % a["groups"]:
        raise LayerProblem(f"input channels {inp.channels} are not divisible by groups"
                           f" {a['groups']}; change groups or the previous layer's channels")
    return (per_axis(a["kernel"], axes, "kernel"), per_axis(a["stride"], axes, "stride"),
            per_axis(a["dilation"], axes, "dilation"))


def conv_weights(kernel: tuple[int, ...], in_channels: int, out_channels: int, groups: int) -> int:
    """weights = k_1·…·k_n · (C_in / g) · C_out  — each output channel sees C_in/g input channels."""
    return prod(kernel) * (in_channels // groups) * out_channels


def conv_macs(kernel: tuple[int, ...], in_channels: int, groups: int, out: Shape) -> int:
    """macs = (C_out · H_out · W_out) · k_1·…·k_n · (C_in / g)  — one window per output element."""
    return out.numel * prod(kernel) * (in_channels // groups)


class Conv(LayerKind):
    op = "conv"
    doc = "Convolution (any number of spatial axes), grouped and dilated as declared."
    fields = (
        Field("out", Int(), REQUIRED, "output channels"),
        Field("kernel", PerAxis(), REQUIRED, "kernel size"),
        Field("stride", PerAxis(), 1, "stride"),
        Field("padding", Padding(), 0, "zero padding"),
        Field("dilation", PerAxis(), 1, "spacing between kernel taps"),
        Field("groups", Int(), 1, "channel groups; out and input channels must divide by it"),
        Field("bias", Bool(), True, "one bias per output channel"),
    )

    def validate(self, a):
        if a["out"] % a["groups"]:
            raise LayerProblem(f"out {a['out']} is not divisible by groups {a['groups']}")

    def analyze(self, a, inp):
        groups = a["groups"]
        kernel, stride, dilation = _grouped_window(self.op, a, inp)
        spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
        pads = padding_pairs(a["padding"], inp.spatial, spans, stride)
        windows = tuple([slide(n, k, s, d, p)
                         for n, k, s, d, p in zip(inp.spatial, kernel, stride, dilation, pads)])
        out = Shape(a["out"], tuple([w.size_out for w in windows]))
        per_group_in = inp.channels // groups
        biases = a["out"] if a["bias"] else 0
        terms = ((*kernel, per_group_in, a["out"]),) + (((biases,),) if biases else ())
        return LayerMath(
            output=out,
            weights=conv_weights(kernel, inp.channels, a["out"], groups),
            biases=biases,
            macs=conv_macs(kernel, inp.channels, groups, out),
            elementwise=out.numel if biases else 0,  # one bias addition per output element
            steps=windows,  # a Window is a Step: span, stride, pad_before
            windows=windows,
            param_terms=terms,
            macs_terms=(*out.as_list(), *kernel, per_group_in),
        )


class Pool(LayerKind):
    """Max or average pooling: a window (kernel, stride, padding) or an adaptive/global output."""

    def __init__(self, op: str, what: str, dilation: bool):
        self.op = op
        self.doc = (f"{what} pooling over a kernel window, or adaptive (`output`) or global"
                    " (`global: true`).")
        window = (
            Field("kernel", PerAxis(), None, "window size (give kernel, output or global)"),
            Field("stride", PerAxis(), None, "stride (default: the kernel)"),
            Field("padding", Padding(), 0, "implicit padding, at most half the window"),
        )
        extra = (Field("dilation", PerAxis(), 1, "spacing between window taps"),) if dilation else ()
        self.fields = window + extra + (
            Field("ceil_mode", Bool(), False, "round the output size up (PyTorch's rule)"),
            Field("output", PerAxis(), None, "adaptive pooling to this output size"),
            Field("global", Bool(), False, "pool each channel to a single value"),
        )

    def takes_default(self, field, written):
        # window settings mean nothing to adaptive or global pooling, and zero padding is a
        # convolution's habit: a pool takes `padding` only where it is written
        if field == "padding":
            return False
        return field not in ("stride", "ceil_mode", "dilation") or "kernel" in written

    def validate(self, a):
        chosen = [f for f in ("kernel", "output") if a[f] is not None] + (["global"] if a["global"]
                                                                         else [])
        if len(chosen) != 1:
            raise LayerProblem("give exactly one of kernel (windowed), output (adaptive) or"
                               f" global: true, not {' and '.join(chosen) or 'none of them'}")
        if a["kernel"] is None:
            for name, default in (("stride", None), ("padding", 0), ("ceil_mode", False),
                                  ("dilation", 1)):
                if a.get(name, default) != default:
                    raise LayerProblem(f"{name} has no meaning with {chosen[0]}; remove it")

    def analyze(self, a, inp):
        axes = _spatial_input(self.op, inp)
        if a["kernel"] is None:
            return self._adaptive(a, inp, axes)
        kernel = per_axis(a["kernel"], axes, "kernel")
        stride = per_axis(a["stride"] if a["stride"] is not None else a["kernel"], axes, "stride")
        dilation = per_axis(a.get("dilation", 1), axes, "dilation")
        spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
        pads = padding_pairs(a["padding"], inp.spatial, spans, stride)
        if a["padding"] != "same":
            for k, pair in zip(kernel, pads):  # PyTorch: pad ≤ kernel // 2, dilation aside
                if max(pair) > k // 2:
                    raise LayerProblem(f"padding {max(pair)} is more than half the kernel {k};"
                                       f" PyTorch refuses this, use padding <= {k // 2}")
        windows = tuple(slide(n, k, s, d, p, a["ceil_mode"])
                        for n, k, s, d, p in zip(inp.spatial, kernel, stride, dilation, pads))
        out = Shape(inp.channels, tuple(w.size_out for w in windows))
        return LayerMath(output=out, steps=windows, windows=windows,
                         elementwise=self.window_work(out.numel, prod(kernel)))

    def window_work(self, outputs: int, taps: int) -> int:
        """max: taps − 1 comparisons per output; average: taps − 1 additions and a division."""
        return outputs * (taps - 1) if self.op == "maxpool" else outputs * taps

    def _adaptive(self, a, inp, axes):
        size = per_axis(1 if a["global"] else a["output"], axes, "output")
        out = Shape(inp.channels, size)
        taps = inp.channels * prod(adaptive_taps(n, o) for n, o in zip(inp.spatial, size))
        work = taps - out.numel if self.op == "maxpool" else taps
        if all(o == 1 for o in size):
            return LayerMath(output=out, is_global=True, elementwise=work)
        steps = tuple(adaptive_step(n, o) for n, o in zip(inp.spatial, size))
        uneven = list(dict.fromkeys(f"{n} to {o}" for n, o, step in zip(inp.spatial, size, steps)
                                    if step is None))
        notes = ()
        if uneven:
            notes = (f"adaptive pooling from {' and '.join(uneven)} uses windows of unequal size"
                     " or spacing, so the receptive field is unknown from here on",)
        return LayerMath(output=out, steps=steps, rf_notes=notes, elementwise=work)


def adaptive_taps(size: int, out: int) -> int:
    """Σ over PyTorch's adaptive windows [⌊i·n/o⌋, ⌈(i+1)·n/o⌉) of their lengths: n + o − gcd(n, o).

    Σ⌈(i+1)n/o⌉ − Σ⌊i·n/o⌋ over i < o telescopes to n plus one for every window end that is not
    whole, and (i+1)·n/o is whole for gcd(n, o) of the o ends.
    """
    from math import gcd

    return size + out - gcd(size, out)


def adaptive_step(size: int, out: int) -> Step | None:
    """PyTorch's adaptive window i spans [⌊i·n/o⌋, ⌈(i+1)·n/o⌉); a Step when all windows have one
    size and one spacing (7 → 3: [0,3), [2,5), [4,7) is kernel 3, stride 2), else None.

    With n = q·o + r, the starts ⌊i·n/o⌋ = i·q + ⌊i·r/o⌋ are evenly spaced for every i < o exactly
    when r ≤ 1; then every window has q + r inputs (r = 0: q; r = 1: each end is one past
    (i+1)·q). No window needs listing.
    """
    q, r = divmod(size, out)
    if out == 1:
        return Step(size, size, 0)
    if q == 0 or r > 1:
        return None
    return Step(q + r, q, 0)


class Flatten(LayerKind):
    op = "flatten"
    doc = "Flatten C×H×W… into one vector of C·H·W… features (each keeps its receptive field)."

    def analyze(self, a, inp):
        return LayerMath(output=Shape(inp.numel))


class FullyConnected(LayerKind):
    op = "fc"
    doc = "Fully-connected (linear) layer on the flattened input."
    fields = (
        Field("out", Int(), REQUIRED, "output features"),
        Field("bias", Bool(), True, "one bias per output feature"),
    )

    def analyze(self, a, inp):
        features = inp.numel  # the input is flattened first
        biases = a["out"] if a["bias"] else 0
        return LayerMath(
            output=Shape(a["out"]),
            weights=features * a["out"],  # one weight per (input, output) pair
            biases=biases,
            macs=features * a["out"],  # one multiply-accumulate per weight
            elementwise=biases,  # one bias addition per output
            is_global=True,
            param_terms=((features, a["out"]),) + (((biases,),) if biases else ()),
            macs_terms=(features, a["out"]),
        )


class BatchNorm(LayerKind):
    op = "batchnorm"
    doc = "Batch normalisation: γ and β per channel (params), running mean and variance (buffers)."
    fields = (
        Field("affine", Bool(), True, "learn γ and β (2·C params); false: neither"),
        Field("scale", Bool(), True, "learn γ (Keras' scale; false: only β is learned)"),
        Field("center", Bool(), True, "learn β (Keras' center)"),
        Field("running_stats", Bool(), True, "keep running mean and variance (2·C buffers)"),
    )

    def analyze(self, a, inp):
        c = inp.channels
        learned = (a["scale"] + a["center"]) if a["affine"] else 0  # γ and/or β per channel
        return LayerMath(
            output=inp,
            norm=learned * c,
            buffers=2 * c if a["running_stats"] else 0,  # running mean and variance
            elementwise=2 * inp.numel,  # y = a·x + b per element, the statistics folded in
            param_terms=((learned, c),) if learned else (),
        )


class Merge(LayerKind):
    """Concatenation along channels, or element-wise addition: several inputs, one output."""

    arity = None

    def __init__(self, op: str, doc: str):
        self.op, self.doc = op, doc

    def analyze(self, a, inputs, names=()):
        first = inputs[0]
        names = names or tuple(f"input {k + 1}" for k in range(len(inputs)))
        for name, shape in zip(names[1:], inputs[1:]):
            same = (shape.spatial == first.spatial if self.op == "concat" else shape == first)
            if not same:
                what = "spatial sizes" if self.op == "concat" else "shapes"
                raise LayerProblem(f"{what} differ: '{names[0]}' is {first} but '{name}' is"
                                   f" {shape}; {self.op} needs equal {what} (no broadcasting)")
        if self.op == "concat":
            return LayerMath(output=Shape(sum(s.channels for s in inputs), first.spatial))
        # k inputs: k − 1 additions per element
        return LayerMath(output=first, elementwise=(len(inputs) - 1) * first.numel)


def deconv_size(n: int, k: int, s: int, d: int, pads: tuple[int, int], extra: int) -> int:
    """out = (n − 1)·s − p_before − p_after + d·(k − 1) + output_padding + 1."""
    return (n - 1) * s - pads[0] - pads[1] + d * (k - 1) + extra + 1


def transposed_step(k: int, s: int, d: int, p: int) -> Step | None:
    """The field step of a transposed convolution (kernel k, stride s, dilation d, padding p).

    Output o reads the inputs i with o + p − i·s = t·d for a tap t in 0…k−1. Consecutive outputs
    move 1/s of an input (the jump divides by s), but the inputs one output reads are not a fixed
    window: the step reports the widest hull any output reads (in inputs) and where output 0's
    hull starts, so that the size is the largest true field and unit 0's start is exact.
    """
    if d == 1:  # closed form: at most ⌈k/s⌉ inputs, output 0's first at ⌈(p − k + 1)/s⌉
        first = -(-(p - k + 1) // s)
        return Step(-(-k // s), Fraction(1, s), -first)
    if s * k > 10_000:
        return None  # too many residues to enumerate; the field is reported unknown
    widest, first = 0, None
    for o in range(s):  # the pattern repeats every s outputs
        read = [(o + p - t * d) // s for t in range(k) if (o + p - t * d) % s == 0]
        if read:
            widest = max(widest, max(read) - min(read) + 1)
            if o == 0:
                first = min(read)
    if first is None:  # output 0 reads no input (dilation skips it): start from its position
        first = -(-(p - d * (k - 1)) // s)
    return Step(widest or 1, Fraction(1, s), -first)


class Deconv(LayerKind):
    op = "deconv"
    doc = ("Transposed convolution (PyTorch's ConvTranspose): upsamples by its stride; MACs are"
           " counted per input element.")
    fields = (
        Field("out", Int(), REQUIRED, "output channels"),
        Field("kernel", PerAxis(), REQUIRED, "kernel size"),
        Field("stride", PerAxis(), 1, "stride (the upsampling factor)"),
        Field("padding", PerAxis(0), 0, "removed from each side of the output"),
        Field("output_padding", PerAxis(0), 0, "added to the end of the output"),
        Field("dilation", PerAxis(), 1, "spacing between kernel taps"),
        Field("groups", Int(), 1, "channel groups; out and input channels must divide by it"),
        Field("bias", Bool(), True, "one bias per output channel"),
    )

    def validate(self, a):
        Conv.validate(self, a)

    def analyze(self, a, inp):
        groups = a["groups"]
        kernel, stride, dilation = _grouped_window(self.op, a, inp)
        axes = len(kernel)
        pads = tuple((p, p) for p in per_axis(a["padding"], axes, "padding"))
        extra = per_axis(a["output_padding"], axes, "output_padding")
        sizes, steps = [], []
        for n, k, s, d, p, e in zip(inp.spatial, kernel, stride, dilation, pads, extra):
            if e >= max(s, d):
                raise LayerProblem(f"output_padding {e} must be smaller than the stride or the"
                                   f" dilation ({max(s, d)})")
            size = deconv_size(n, k, s, d, p, e)
            if size < 1:
                raise LayerProblem(f"padding {p[0]} removes the whole output (size {size});"
                                   " use less padding")
            sizes.append(size)
            steps.append(transposed_step(k, s, d, p[0]))
        out = Shape(a["out"], tuple(sizes))
        per_group_out = a["out"] // groups
        biases = a["out"] if a["bias"] else 0
        return LayerMath(
            output=out,
            weights=prod(kernel) * inp.channels * per_group_out,  # weight [C_in, C_out/g, k…]
            biases=biases,
            macs=inp.numel * per_group_out * prod(kernel),  # every input element × its kernel
            elementwise=out.numel if biases else 0,  # one bias addition per output element
            steps=tuple(steps),
            param_terms=((*kernel, inp.channels, per_group_out),) + (((biases,),) if biases
                                                                      else ()),
            macs_terms=(*inp.as_list(), per_group_out, *kernel),
        )


class Upsample(LayerKind):
    op = "upsample"
    doc = "Upsampling by a scale factor or to a size, nearest or bilinear (no parameters)."
    fields = (
        Field("scale", PerAxis(), None, "integer scale factor (give scale or size)"),
        Field("size", PerAxis(), None, "output size"),
        Field("mode", Choice("nearest", "bilinear"), "nearest", "interpolation"),
    )

    def validate(self, a):
        if (a["scale"] is None) == (a["size"] is None):
            raise LayerProblem("give exactly one of scale or size")

    def analyze(self, a, inp):
        axes = _spatial_input(self.op, inp)
        if a["scale"] is not None:
            sizes = tuple(n * f for n, f in zip(inp.spatial, per_axis(a["scale"], axes, "scale")))
        else:
            sizes = per_axis(a["size"], axes, "size")
        steps, notes = [], []
        for n, m in zip(inp.spatial, sizes):
            factor = Fraction(m, n)
            if a["mode"] == "nearest":  # output o copies input ⌊o/f⌋ (PyTorch's nearest)
                steps.append(Step(1, 1 / factor, 0))
            elif factor > 1:
                # output o mixes inputs ⌊x⌋ and ⌊x⌋ + 1 at x = (o + ½)/f − ½ (align_corners
                # false); unit 0 has x in (−½, 0), so it reads inputs −1 and 0
                steps.append(Step(2, 1 / factor, 1))
            else:
                steps.append(None)
                notes.append(f"bilinear resizing from {n} down to {m} reads unevenly spaced"
                             " inputs, so the receptive field is unknown from here on")
        out = Shape(inp.channels, sizes)
        # bilinear: a weighted sum of 2 inputs per axis, 2^axes multiply-adds per output
        work = 0 if a["mode"] == "nearest" else out.numel * 2 ** axes
        return LayerMath(output=out, steps=tuple(steps), rf_notes=tuple(notes), elementwise=work)


class Reshape(LayerKind):
    op = "reshape"
    doc = "Reshape to `shape` (channels first; one entry may be -1), keeping every element."
    fields = (Field("shape", PerAxis(-1), REQUIRED, "target shape, channels first"),)

    def validate(self, a):
        shape = a["shape"] if isinstance(a["shape"], tuple) else (a["shape"],)
        if any(v == 0 for v in shape) or sum(v == -1 for v in shape) > 1:
            raise LayerProblem("shape entries must be positive, with at most one -1")

    def analyze(self, a, inp):
        shape = list(a["shape"] if isinstance(a["shape"], tuple) else (a["shape"],))
        if len(shape) > 4:
            raise LayerProblem("shape has at most 4 entries: channels and 3 spatial axes")
        known = prod(v for v in shape if v != -1)
        if -1 in shape:
            if inp.numel % known:
                raise LayerProblem(f"cannot reshape {inp} ({inp.numel} elements) to {shape}")
            shape[shape.index(-1)] = inp.numel // known
        if prod(shape) != inp.numel:
            raise LayerProblem(f"cannot reshape {inp} ({inp.numel} elements) to"
                               f" {'×'.join(map(str, shape))} ({prod(shape)} elements)")
        out = Shape(shape[0], tuple(shape[1:]))
        if not out.spatial:
            return LayerMath(output=out)  # a flattening keeps every unit's field
        notes = ("the elements are laid out anew, so the receptive field is unknown from here"
                 " on",)
        return LayerMath(output=out, steps=UNKNOWN, rf_notes=notes)


class Crop(LayerKind):
    op = "crop"
    doc = ("Crop the first input to the spatial size of the second (Caffe's Crop, as in FCN),"
           " starting at `offset`.")
    arity = 2
    fields = (Field("offset", PerAxis(0), 0, "first kept position on each axis"),)

    def analyze(self, a, inputs, names=()):
        inp, ref = inputs
        axes = _spatial_input(self.op, inp)
        if len(ref.spatial) != axes:
            raise LayerProblem(f"the reference {ref} has {len(ref.spatial)} spatial axes, the"
                               f" input {inp} has {axes}")
        offset = per_axis(a["offset"], axes, "offset")
        for n, m, o in zip(inp.spatial, ref.spatial, offset):
            if o + m > n:
                raise LayerProblem(f"offset {o} + size {m} exceeds the input size {n}")
        return LayerMath(output=Shape(inp.channels, ref.spatial),
                         steps=tuple(Step(1, 1, -o) for o in offset))


class SpatialPyramidPool(LayerKind):
    op = "spp"
    doc = ("Spatial pyramid pooling (SPPNet): pool to l×l bins for every level l and concatenate,"
           " a fixed-length vector whatever the input size.")
    fields = (
        Field("levels", PerAxis(), REQUIRED, "bins per side at each level, e.g. [1, 2, 4]"),
        Field("mode", Choice("max", "avg"), "max", "pooling in each bin"),
    )

    def analyze(self, a, inp):
        axes = _spatial_input(self.op, inp)
        levels = a["levels"] if isinstance(a["levels"], tuple) else (a["levels"],)
        for n in inp.spatial:
            if n < max(levels):
                raise LayerProblem(f"input size {n} is smaller than the finest level"
                                   f" {max(levels)}")
        bins = sum(level ** axes for level in levels)  # l×l bins per level (2-D)
        taps = sum(inp.channels * prod(adaptive_taps(n, level) for n in inp.spatial)
                   for level in levels)  # each level pools like adaptive pooling
        work = taps - inp.channels * bins if a["mode"] == "max" else taps
        # With a 1×1 level some features see everything; otherwise each sees only its bin.
        return LayerMath(output=Shape(inp.channels * bins), is_global=1 in levels,
                         steps=UNKNOWN, elementwise=work)


class RoIPool(LayerKind):
    op = "roipool"
    doc = ("RoI pooling (Fast R-CNN): max-pool one region of `region` cells to a fixed `output`"
           " grid.")
    fields = (
        Field("output", PerAxis(), REQUIRED, "output grid, e.g. 7"),
        Field("region", PerAxis(), REQUIRED, "the region's size in input cells"),
    )

    def analyze(self, a, inp):
        axes = _spatial_input(self.op, inp)
        region = per_axis(a["region"], axes, "region")
        for n, r in zip(inp.spatial, region):
            if r > n:
                raise LayerProblem(f"region {r} is larger than the feature map {n}")
        out = Shape(inp.channels, per_axis(a["output"], axes, "output"))
        # max over the region's bins, as adaptive pooling of the region to the output grid
        taps = inp.channels * prod(adaptive_taps(r, o) for r, o in zip(region, out.spatial))
        return LayerMath(output=out, steps=UNKNOWN, elementwise=taps - out.numel,
                         rf_notes=("the receptive field of a pooled region depends on where the"
                                " region lies, so it is unknown from here on",))


class Elementwise(LayerKind):
    """A layer without parameters that keeps the shape (activations, dropout, LRN, softmax).

    `per_element` gives its work per element from its fields: 1 evaluation for an activation,
    0 for dropout (the identity at inference), …
    """

    def __init__(self, op: str, doc: str, fields: tuple[Field, ...] = (), per_element=1):
        self.op, self.doc, self.fields = op, doc, fields
        self.per_element = per_element if callable(per_element) else (lambda a, n=per_element: n)

    def analyze(self, a, inp):
        return LayerMath(output=inp, elementwise=self.per_element(a) * inp.numel)


_FRACTION = Number()

REGISTRY: dict[str, LayerKind] = {
    "conv": Conv(),
    "maxpool": Pool("maxpool", "Max", dilation=True),
    "avgpool": Pool("avgpool", "Average", dilation=False),
    "deconv": Deconv(),
    "upsample": Upsample(),
    "flatten": Flatten(),
    "reshape": Reshape(),
    "crop": Crop(),
    "spp": SpatialPyramidPool(),
    "roipool": RoIPool(),
    "concat": Merge("concat", "Concatenate inputs along channels (spatial sizes must match)."),
    "add": Merge("add", "Element-wise sum of inputs (shapes must match exactly)."),
    "fc": FullyConnected(),
    "batchnorm": BatchNorm(),
    "lrn": Elementwise("lrn", "Local response normalisation across channels (no parameters).", (
        Field("size", Int(), 5, "neighbouring channels summed over"),
        Field("alpha", _FRACTION, Fraction(1, 10000), "scale α"),
        Field("beta", _FRACTION, Fraction(3, 4), "exponent β"),
        Field("k", _FRACTION, 2, "additive constant k"),
    ), per_element=lambda a: a["size"] + 3),  # `size` squares summed, then scale, power, divide
    "dropout": Elementwise("dropout", "Dropout (no parameters; the identity at inference).", (
        Field("p", Number(0, 1), Fraction(1, 2), "probability of zeroing an element"),
    ), per_element=0),
    "softmax": Elementwise("softmax", "Softmax over channels.", per_element=3),  # exp, sum, divide
    "relu": Elementwise("relu", "max(0, x)."),
    "relu6": Elementwise("relu6", "min(max(0, x), 6)."),
    "leaky_relu": Elementwise("leaky_relu", "x for x > 0, slope·x otherwise.", (
        Field("slope", _FRACTION, Fraction(1, 100), "negative slope"),
    )),
    "elu": Elementwise("elu", "Exponential linear unit."),
    "gelu": Elementwise("gelu", "Gaussian error linear unit."),
    "sigmoid": Elementwise("sigmoid", "1 / (1 + e^−x)."),
    "tanh": Elementwise("tanh", "Hyperbolic tangent."),
    "silu": Elementwise("silu", "x · sigmoid(x) (swish)."),
    "hardswish": Elementwise("hardswish", "x · relu6(x + 3) / 6."),
    "hardsigmoid": Elementwise("hardsigmoid", "relu6(x + 3) / 6."),
}

#: Other names a spec may use for a kind.
ALIASES: dict[str, str] = {"linear": "fc"}
