"""convcalc's benchmark: start-up against the bare-import floor, and scaling with network size.

    python bench/bench.py                 # start-up, then 1,000- and 10,000-layer networks
    python bench/bench.py --big           # also 100,000 layers
    python bench/bench.py --rounds 20     # more start-up runs per command
    python bench/bench.py --runs 3        # each network three times: medians

Run it with the Python of an environment where convcalc is installed (`pip install .`; an
editable install recompiles nothing only if bytecode may be written). It prints Markdown tables,
the ones docs/performance.md shows, headed by the machine they were measured on.

Start-up: each command runs alternately with the floor, `python -c "import typer, rich, yaml"`
(the libraries convcalc cannot do without), so a busy machine slows all of them alike; the
table gives medians and each command's ratio to the floor measured in the same run.

Scale: four generated networks — a chain of convolutions, a residual graph written one layer
per line (every third layer adds the two before it), the same residual graph written as one
block repeated, and a chain whose layers all differ (layer i has 17 + i output channels) — each
timed end to end through the command line (`convcalc summary FILE
--format json`, process start included), and in-process stage by stage (YAML, spec expansion,
analysis, JSON) with the garbage collector set as the command line sets it. Time per layer
should stay flat as the networks grow (the engine is linear). Equal layers at equal input shapes
are checked and computed once (docs/performance.md): the first three networks repeat one layer,
the fourth has no two alike — the case where nothing is shared.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR = "floor: import typer, rich, yaml"


def network(layers: int, kind: str) -> str:
    """A chain, a residual graph written layer by layer, the same graph as a repeated block, or
    a chain of layers that all differ."""
    if kind == "repeat":
        return ("name: bench\ninput: [16, 32, 32]\nblocks:\n  res:\n    layers:\n"
                "      - {op: conv, name: a, out: 16, kernel: 3, padding: 1}\n"
                "      - {op: conv, name: b, out: 16, kernel: 3, padding: 1}\n"
                "      - {op: add, name: s, from: [input, b]}\n"
                f"layers:\n  - {{block: res, name: stage, repeat: {layers // 3}}}\n")
    lines = ["name: bench", "input: [16, 32, 32]", "layers:"]
    for i in range(layers):
        if kind == "residual" and i % 3 == 2:
            lines.append(f"  - {{op: add, name: l{i}, from: [l{i - 2}, l{i - 1}]}}")
        elif kind == "distinct":
            lines.append(f"  - {{op: conv, name: l{i}, out: {17 + i}, kernel: 3, padding: 1}}")
        else:
            lines.append(f"  - {{op: conv, name: l{i}, out: 16, kernel: 3, padding: 1}}")
    return "\n".join(lines) + "\n"


def machine() -> str:
    from importlib.metadata import version

    import typer
    import yaml

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info
                       if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores;"
            f" Python {platform.python_version()}; typer {typer.__version__}, rich"
            f" {version('rich')}, PyYAML {yaml.__version__}"
            f" ({'with' if yaml.__with_libyaml__ else 'without'} libyaml)")


def reference() -> float:
    """µs to build one seven-key dict of ints and strings in a loop: a yardstick of this
    machine's Python speed, to read the per-layer figures against (a layer costs a few dozen)."""
    start = time.perf_counter()
    rows = [{"name": f"l{i}", "op": "conv", "a": i, "b": i + 1, "c": i * 2, "d": [i, i],
             "e": (i, i)} for i in range(200_000)]
    elapsed = time.perf_counter() - start
    del rows
    return elapsed / 200_000 * 1e6


def timed(argv, stdout=subprocess.DEVNULL) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=stdout, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: a check mismatch still ran the whole command
        raise SystemExit(f"{argv} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed


def startup(convcalc: str, rounds: int) -> None:
    commands = {
        FLOOR: [sys.executable, "-c", "import typer, rich, yaml"],
        "convcalc --help": [convcalc, "--help"],
        "convcalc summary alexnet-lecture": [convcalc, "summary", "alexnet-lecture"],
        "convcalc summary resnet50": [convcalc, "summary", "resnet50"],
        "convcalc summary resnet50 --format json": [convcalc, "summary", "resnet50", "-f",
                                                    "json"],
        "convcalc check --all": [convcalc, "check", "--all"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):  # interleaved, so load on the machine hits every command alike
        for name, argv in commands.items():
            times[name].append(timed(argv))
    floor = statistics.median(times[FLOOR])
    print(f"| command ({rounds} runs each, interleaved) | median | × floor |")
    print("|---|---:|---:|")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"| `{name}` | {median * 1000:.0f} ms | {median / floor:.2f} |")


def stages(text: str) -> tuple[int, list[float]]:
    """In-process: YAML, spec, analysis and JSON times, without the cyclic collector (as the
    command line runs)."""
    from convcalc import writers
    from convcalc.analysis import analyze
    from convcalc.spec import parse_spec
    from convcalc.yamlspec import parse_yaml

    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        doc = parse_yaml(text, "bench.yaml")
        t1 = time.perf_counter()
        spec = parse_spec(doc, "bench.yaml")
        t2 = time.perf_counter()
        report = analyze(spec)
        t3 = time.perf_counter()
        writers.dumps(writers.report_dict(report, encoded=True))
        t4 = time.perf_counter()
    finally:
        gc.enable()
    return len(report.rows), [t1 - t0, t2 - t1, t3 - t2, t4 - t3]


def scale(convcalc: str, sizes, runs: int) -> None:
    print(f"| network | layers | command line (median of {runs}) | YAML | spec | analysis | JSON"
          " | µs per layer |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for kind in ("chain", "residual", "repeat", "distinct"):
            for n in sizes:
                path = Path(folder, f"{kind}-{n}.yaml")
                path.write_text(network(n, kind))
                command, parts = [], []
                for _ in range(runs):  # alternately, so a busy spell hits both alike
                    command.append(timed([convcalc, "summary", str(path), "--format", "json"]))
                    layers, stage_times = stages(path.read_text())
                    parts.append(stage_times)
                command = statistics.median(command)
                parts = [statistics.median(column) for column in zip(*parts)]
                cells = " | ".join(f"{t:.2f} s" for t in parts)
                print(f"| {kind} | {layers:,} | {command:.2f} s | {cells} |"
                      f" {command / layers * 1e6:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=12, help="start-up runs per command")
    parser.add_argument("--big", action="store_true", help="also 100,000 layers")
    parser.add_argument("--skip-startup", action="store_true", help="only the scaling table")
    parser.add_argument("--runs", type=int, default=1,
                        help="runs of each network (medians: a shared machine is noisy)")
    args = parser.parse_args()
    convcalc = shutil.which("convcalc", path=str(Path(sys.executable).parent)) or shutil.which(
        "convcalc") or sys.exit("convcalc is not installed next to this Python or on PATH")
    gc.disable()
    yardstick = min(reference() for _ in range(3))
    gc.enable()
    print(f"Machine: {machine()}; {time.strftime('%Y-%m-%d')}; yardstick (one seven-key dict"
          f" built in a loop): {yardstick:.2f} µs\n")
    if not args.skip_startup:
        startup(convcalc, args.rounds)
        print()
    scale(convcalc, [1_000, 10_000] + ([100_000] if args.big else []), args.runs)


if __name__ == "__main__":
    main()
