"""Memory: parameter bytes by dtype, activation bytes per layer, the peak of live activations
during inference, and an estimate of what training keeps for the backward pass.

Formulas (derived in docs/formulas.md, "Memory"):

- parameters: params × bytes per element (the counting convention decides what params counts);
- a layer's activations: its output's elements × batch × bytes per element;
- inference peak: walking the layers in execution order, a layer's output is allocated when it
  runs and freed after its last reader has run (network outputs are never freed); the peak is the
  largest sum of live tensors, input included, at the moment a layer has written its output;
- training: every activation is kept for the backward pass and gets a gradient of the same size:
  input + 2 × Σ outputs (torchinfo's "forward/backward pass size" is 2 × Σ outputs of the layers
  that have parameters only).
"""

from __future__ import annotations

from .records import record
from .report import Report

#: Bytes per element of the dtypes `--dtype` accepts.
DTYPES = {"fp32": 4, "fp16": 2, "bf16": 2, "int8": 1}


@record
class Memory:
    """Bytes, exact integers; activations include the report's batch."""

    dtype: str
    bytes_per_element: int
    params: int
    input: int
    activations: int
    peak_inference: int
    training: int


def peak_live_elements(report: Report) -> int:
    """The largest number of activation elements alive at once during inference (with batch)."""
    last_reader: dict[str, int] = {}
    for index, row in enumerate(report.rows):
        for name in row.inputs:
            last_reader[name] = index
    keep = set(report.outputs or (report.rows[-1].name,))
    batch = report.batch
    size = {"input": report.input.numel * batch}
    live = peak = size["input"]
    for index, row in enumerate(report.rows):
        name = row.name
        size[name] = written = row.output_shape.numel * batch
        live += written  # written while its inputs are still alive
        if live > peak:
            peak = live
        for read in row.inputs:  # read here: freed if no later layer reads it
            if last_reader[read] == index and read not in keep:
                live -= size[read]  # (a name read twice by this layer frees 0 the second time)
                size[read] = 0
        if name not in last_reader and name not in keep:  # read by no layer at all
            live -= written
            size[name] = 0
    return peak


def memory(report: Report, dtype: str = "fp32") -> Memory:
    width = DTYPES[dtype]
    outputs = sum(row.output_shape.numel for row in report.rows) * report.batch
    inputs = report.input.numel * report.batch
    return Memory(
        dtype=dtype,
        bytes_per_element=width,
        params=report.totals.params * width,
        input=inputs * width,
        activations=outputs * width,
        peak_inference=peak_live_elements(report) * width,
        training=(inputs + 2 * outputs) * width,
    )
