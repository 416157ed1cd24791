"""The benchmark (bench/bench.py) keeps working: its networks are what it says, and every stage
runs. No timing is asserted here — figures come from running the script (docs/performance.md)."""

import importlib.util
from pathlib import Path

import pytest

from convcalc.analysis import analyze
from convcalc.spec import parse_spec
from convcalc.yamlspec import parse_yaml

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("kind, layers, adds", [("chain", 30, 0), ("residual", 30, 30 // 3),
                                               ("repeat", 30, 30 // 3)])
def test_the_generated_networks(bench, kind, layers, adds):
    report = analyze(parse_spec(parse_yaml(bench.network(layers, kind), "b.yaml"), "b.yaml"))
    assert len(report.rows) == layers
    assert sum(r.op == "add" for r in report.rows) == adds
    # every conv is 3×3, 16 → 16 channels with a bias, at 32×32
    convs = layers - adds
    assert report.totals.params == convs * (3 * 3 * 16 * 16 + 16)
    assert report.totals.macs == convs * 16 * 32 * 32 * 3 * 3 * 16


def test_the_network_of_distinct_layers(bench):
    report = analyze(parse_spec(parse_yaml(bench.network(30, "distinct"), "b.yaml"), "b.yaml"))
    channels = [16] + [17 + i for i in range(30)]  # layer i reads channels[i], writes [i + 1]
    assert [r.output_shape.channels for r in report.rows] == channels[1:]
    assert report.totals.params == sum(3 * 3 * channels[i] * channels[i + 1] + channels[i + 1]
                                       for i in range(30))
    assert len({(r.input_shapes, r.output_shape) for r in report.rows}) == 30  # no two alike


def test_the_stages_and_the_machine_line(bench):
    layers, times = bench.stages(bench.network(30, "residual"))
    assert layers == 30 and len(times) == 4 and all(t >= 0 for t in times)
    assert "Python" in bench.machine() and "PyYAML" in bench.machine()
