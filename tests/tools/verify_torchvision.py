"""Developer tool, not a test: compare convcalc's torchvision specs with torchvision itself,
module by module. pytest never collects or imports it, and convcalc never depends on torch.

Run it from a separate virtual environment that has torch and torchvision (and convcalc on PATH):

    python tests/tools/verify_torchvision.py --all          # every spec in architectures/torchvision
    python tests/tools/verify_torchvision.py resnet50       # one model

For every leaf module that is a convolution, linear, BatchNorm or pooling layer, or that holds
parameters, it compares the output shape, the parameters (PyTorch's numel of the module's own
parameters), the BatchNorm running statistics and the multiply-accumulates
(conv: output elements · kernel · C_in/groups; linear: in · out) with the layer of the same
qualified name in `convcalc summary SPEC --format json`; then the totals and torchvision's
published metadata (num_params, _ops). It prints OK when everything matches.
"""

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path

import torch
import torchvision
from torch import nn

ROOT = Path(__file__).resolve().parents[2]
#: Builder arguments and input size per model, where torchvision's defaults differ from the
#: published weights (GoogLeNet's weights have no auxiliary heads) or the input is not 224.
SETTINGS = {
    "googlenet": {"kwargs": {"aux_logits": False, "init_weights": False}},
    "inception_v3": {"kwargs": {"init_weights": False}, "size": 299, "train": True},
}
INTERESTING = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose2d, nn.Linear, nn.BatchNorm1d,
               nn.BatchNorm2d, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d,
               nn.AdaptiveMaxPool2d)


def macs_of(module, inputs, output) -> int:
    if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        return (output.numel() // output.shape[0] * math.prod(module.kernel_size)
                * (module.in_channels // module.groups))
    if isinstance(module, nn.ConvTranspose2d):
        x = inputs[0]
        return (x.numel() // x.shape[0] * (module.out_channels // module.groups)
                * math.prod(module.kernel_size))
    if isinstance(module, nn.Linear):
        return module.in_features * module.out_features
    return 0


def measure(name: str) -> tuple[nn.Module, dict]:
    settings = SETTINGS.get(name, {})
    model = getattr(torchvision.models, name)(weights=None, **settings.get("kwargs", {}))
    model.train(settings.get("train", False))  # train mode runs auxiliary heads
    records = {}

    def hook(qualified):
        def run(module, inputs, output):
            if qualified in records:
                records[qualified]["calls"] += 1
                return
            out = output[0] if isinstance(output, (tuple, list)) else output
            records[qualified] = {
                "type": type(module).__name__,
                "shape": list(out.shape[1:]),
                "params": sum(p.numel() for p in module.parameters(recurse=False)),
                "buffers": sum(b.numel() for n, b in module.named_buffers(recurse=False)
                               if n in ("running_mean", "running_var")),
                "macs": macs_of(module, inputs, out),
                "calls": 1,
                "interesting": isinstance(module, INTERESTING),
            }
        return run

    for qualified, module in model.named_modules():
        if not list(module.children()):
            module.register_forward_hook(hook(qualified))
    size = settings.get("size", 224)
    batch = 2 if settings.get("train") else 1  # BatchNorm in train mode needs two samples
    with torch.no_grad():
        model(torch.zeros(batch, 3, size, size))
    return model, records


def compare(name: str, spec: str) -> bool:
    model, records = measure(name)
    run = subprocess.run(["convcalc", "summary", spec, "--format", "json"], capture_output=True,
                         text=True)
    if run.returncode:
        print(f"{name}: convcalc failed: {run.stderr.strip()}")
        return False
    doc = json.loads(run.stdout)
    layers = {layer["name"]: layer for layer in doc["layers"]}
    problems = []
    for qualified, r in records.items():
        if not (r["interesting"] or r["params"]):
            continue
        layer = layers.get(qualified)
        if layer is None:
            problems.append(f"missing in the spec: {qualified} ({r['type']})")
            continue
        for key, theirs in (("output_shape", r["shape"]), ("params", r["params"]),
                            ("buffers", r["buffers"]), ("macs", r["macs"])):
            if layer[key] != theirs:
                problems.append(f"{qualified}: {key} spec {layer[key]} torch {theirs}")
    torch_params = sum(p.numel() for p in model.parameters())
    torch_macs = sum(r["macs"] * r["calls"] for r in records.values())
    if doc["totals"]["params"] != torch_params:
        problems.append(f"total params: spec {doc['totals']['params']:,} torch {torch_params:,}")
    if doc["totals"]["macs"] != torch_macs:
        problems.append(f"total macs: spec {doc['totals']['macs']:,} torch {torch_macs:,}")
    weights = list(torchvision.models.get_model_weights(name))[0]
    compared = sum(1 for r in records.values() if r["interesting"] or r["params"])
    print(f"{name}: {compared} modules compared, {len(problems)} problems; params"
          f" {torch_params:,} (published {weights.meta['num_params']:,}), MACs {torch_macs:,}"
          f" (published GFLOPS {weights.meta['_ops']}) — {'OK' if not problems else 'NOT OK'}")
    for problem in problems:
        print("   ", problem)
    return not problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="*", help="torchvision builder names = spec names")
    parser.add_argument("--all", action="store_true", help="every spec in architectures/torchvision")
    args = parser.parse_args()
    names = list(args.models)
    if args.all:
        names += sorted(p.stem for p in (ROOT / "architectures" / "torchvision").glob("*.yaml"))
    ok = [compare(name, str(ROOT / "architectures" / "torchvision" / f"{name}.yaml"))
          for name in names]
    print(f"{sum(ok)} of {len(ok)} models match torchvision {torchvision.__version__}")
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
