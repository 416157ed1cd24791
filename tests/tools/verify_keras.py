"""Developer tool, not a test: a Keras application against a convcalc spec, layer by layer, by name.

    KERAS_BACKEND=jax python tests/tools/verify_keras.py ResNet50 architectures/keras/keras-resnet50.yaml

Builds keras.applications.<BUILDER>(weights=None) (channels_last, nothing downloaded) and runs
`convcalc summary SPEC --format json`. convcalc qualifies names inside blocks with '.', so a
convcalc name is compared as name.replace('.', '_') (conv2_block1.0_conv -> conv2_block1_0_conv).

For every Keras layer with parameters or a shape change (ZeroPadding2D aside) the convcalc layer
of the same name must exist and match: output shape (Keras HWC -> convcalc CHW; a global pool's
(N,) against [N, 1, 1]), params (count_params()), trainable, non-trainable, and for conv, dense
and pooling layers also the MACs, kernel, stride and padding (Keras 'same' by TensorFlow's rule,
plus a ZeroPadding2D layer feeding it, which the spec folds into the layer's own padding), and the
layer's inputs (through a folded ZeroPadding2D). Other Keras layers found in the spec by name are
checked the same way. Then the totals: count_params(), trainable, non-trainable, output shape.
Prints OK when everything matches.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402

CONVCALC = "convcalc"  # on PATH; run from a separate environment that has keras and jax


def chw(shape):
    """Keras (None, H, W, C) -> [C, H, W]; (None, N) -> [N]."""
    dims = list(shape[1:])
    return dims if len(dims) == 1 else [dims[-1], *dims[:-1]]


def pairs(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def inbound(layer):
    node = layer._inbound_nodes[0]
    return [t._keras_history[0] for t in node.arguments.keras_tensors]


def weight_count(weights):
    return sum(math.prod(w.shape) for w in weights)


def tf_same(n, k, s, d=1):
    """TensorFlow's 'same': output ceil(n/s); the odd padding pixel goes after."""
    span = (k - 1) * d + 1
    total = max((math.ceil(n / s) - 1) * s + span - n, 0)
    return [total // 2, total - total // 2]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("builder", help="keras.applications name, e.g. ResNet50")
    ap.add_argument("spec")
    ap.add_argument("--size", type=int, help="input size (default: the builder's)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    kwargs = {"weights": None}
    if args.size:
        kwargs["input_shape"] = (args.size, args.size, 3)
    model = getattr(keras.applications, args.builder)(**kwargs)
    cmd = [CONVCALC, "summary", args.spec, "--format", "json"]
    if args.size:
        cmd += ["--input", f"3x{args.size}x{args.size}"]
    report = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    rows = {r["name"].replace(".", "_"): r for r in report["layers"]}
    if len(rows) != len(report["layers"]):
        print("FAIL: two convcalc names collide once '.' becomes '_'")
        return 1

    keras_names = {layer.name for layer in model.layers}
    by_raw = {r["name"]: r for r in report["layers"]}
    transparent = {"relu", "relu6", "softmax", "dropout", "sigmoid", "tanh", "silu"}

    def resolve(raw):
        """A convcalc input, read through activations that Keras fuses into the layer before
        (activation='relu' in Conv2D/Dense), down to a name Keras has."""
        while (raw.replace(".", "_") not in keras_names and raw in by_raw
               and by_raw[raw]["op"] in transparent):
            raw = by_raw[raw]["inputs"][0]
        return raw.replace(".", "_")

    problems: list[str] = []
    checked, folded, matched = 0, 0, set()

    def differ(where, what, keras_value, convcalc_value):
        if keras_value != convcalc_value:
            problems.append(f"{where}: {what} keras {keras_value} != convcalc {convcalc_value}")

    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            continue
        parents = inbound(layer)
        in_shape = parents[0].output.shape
        out_shape = layer.output.shape
        has_params = layer.count_params() > 0
        reshapes = tuple(in_shape) != tuple(out_shape)
        name = layer.name
        if kind == "ZeroPadding2D":
            # Folded into the layer it feeds: that layer's padding is checked below.
            folded += 1
            continue
        if name not in rows:
            if has_params or reshapes:
                problems.append(f"{name} ({kind}): missing in the spec")
            continue
        row = rows[name]
        matched.add(name)
        checked += 1
        k_shape, c_shape = chw(out_shape), row["output_shape"]
        if kind.startswith("Global") and c_shape[1:] == [1] * (len(c_shape) - 1):
            c_shape = c_shape[:1]
        differ(name, "output shape", k_shape, c_shape)
        trainable = weight_count(layer.trainable_weights)
        non_trainable = weight_count(layer.non_trainable_weights)
        differ(name, "params", layer.count_params(), row["params"])
        differ(name, "trainable", trainable, row["trainable"])
        differ(name, "non_trainable", non_trainable, row["non_trainable"])

        # Inputs, reading through a folded ZeroPadding2D.
        pad = [[0, 0], [0, 0]]
        sources = []
        for p in parents:
            if type(p).__name__ == "ZeroPadding2D":
                pad = [list(x) for x in p.get_config()["padding"]]
                in_shape = inbound(p)[0].output.shape
                p = inbound(p)[0]
            sources.append("input" if type(p).__name__ == "InputLayer" else p.name)
        mapped = [resolve(s) for s in row["inputs"]]
        differ(name, "inputs", sources, mapped)

        cfg = layer.get_config()
        if kind in ("Conv2D", "DepthwiseConv2D", "MaxPooling2D", "AveragePooling2D"):
            k = pairs(cfg.get("kernel_size", cfg.get("pool_size")))
            s = pairs(cfg["strides"])
            d = pairs(cfg.get("dilation_rate", 1))
            n = [in_shape[1] + sum(pad[0]), in_shape[2] + sum(pad[1])]
            own = ([tf_same(n[a], k[a], s[a], d[a]) for a in range(2)]
                   if cfg["padding"] == "same" else [[0, 0], [0, 0]])
            total = [[pad[a][0] + own[a][0], pad[a][1] + own[a][1]] for a in range(2)]
            window = row.get("window") or {}
            differ(name, "kernel", list(k), window.get("kernel"))
            differ(name, "stride", list(s), window.get("stride"))
            differ(name, "padding", total, window.get("padding"))
        if kind in ("Conv2D", "DepthwiseConv2D", "Dense"):
            if kind == "Dense":
                macs = math.prod(in_shape[1:]) * cfg["units"]
            else:
                kh, kw = pairs(cfg["kernel_size"])
                oh, ow = out_shape[1], out_shape[2]
                if kind == "Conv2D":
                    cin = in_shape[-1] // cfg.get("groups", 1)
                    macs = oh * ow * out_shape[-1] * kh * kw * cin
                else:
                    macs = oh * ow * out_shape[-1] * kh * kw
            differ(name, "macs", macs, row["macs"])
        if args.verbose:
            print(f"  {name:36s} {kind:22s} {k_shape} {layer.count_params():,}")

    extra = [n for n, r in rows.items() if n not in matched and r["params"]]
    for n in extra:
        problems.append(f"{n}: has {rows[n]['params']:,} params in the spec but no Keras layer"
                        " of that name")

    totals = report["totals"]
    trainable = weight_count(model.trainable_weights)
    non_trainable = weight_count(model.non_trainable_weights)
    differ("totals", "params", model.count_params(), totals["params"])
    differ("totals", "trainable", trainable, totals["trainable"])
    differ("totals", "non_trainable", non_trainable, totals["non_trainable"])
    differ("totals", "output shape", chw(model.output.shape), totals["output_shape"])

    print(f"keras {keras.__version__} ({keras.backend.backend()}) {args.builder}: "
          f"count_params {model.count_params():,} = trainable {trainable:,} + non-trainable "
          f"{non_trainable:,}; convcalc {totals['params']:,} = {totals['trainable']:,} + "
          f"{totals['non_trainable']:,}")
    print(f"{checked} layers compared by name, {folded} ZeroPadding2D folded into the next layer")
    for p in problems:
        print("DIFF", p)
    print("OK" if not problems else f"FAIL: {len(problems)} differences")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
