"""Developer tool, not a test: measure convcalc's start-up and its scaling with network size.

    python tests/tools/bench.py            # start-up ratios and 1,000 / 10,000-layer networks
    python tests/tools/bench.py --big      # also 100,000 layers

Start-up: each command runs alternately with the bare-import floor
(`python -c "import typer, rich, yaml"`), so a busy machine slows both alike; the report gives
medians and each command's ratio to the floor measured in the same run.
Scale: generated chains, residual graphs (every third layer adds the two before it) written layer
by layer, and the same residual graph written as one repeated block, are loaded, analysed and
written as JSON in-process; time per layer should stay flat (linear engine).
"""

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def timed(argv) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if done.returncode not in (0, 1):  # 1: a check mismatch still ran the whole command
        raise SystemExit(f"{argv} failed with exit code {done.returncode}")
    return time.perf_counter() - start


def startup(rounds: int) -> None:
    convcalc = shutil.which("convcalc") or sys.exit("convcalc is not on PATH")
    commands = {
        "floor: import typer, rich, yaml": [sys.executable, "-c", "import typer, rich, yaml"],
        "convcalc --help": [convcalc, "--help"],
        "convcalc summary alexnet-lecture": [convcalc, "summary", "alexnet-lecture"],
        "convcalc summary resnet50": [convcalc, "summary", "resnet50"],
        "convcalc check --all": [convcalc, "check", "--all"],
    }
    times = {name: [] for name in commands}
    for _ in range(rounds):  # interleaved, so load on the machine hits every command alike
        for name, argv in commands.items():
            times[name].append(timed(argv))
    floor = statistics.median(times["floor: import typer, rich, yaml"])
    print(f"| command ({rounds} runs each, interleaved) | median | × floor |")
    print("|---|---:|---:|")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"| `{name}` | {median * 1000:.0f} ms | {median / floor:.2f} |")


def network(layers: int, kind: str) -> str:
    """A chain, a residual graph written layer by layer, or the same graph as a repeated block."""
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
        else:
            lines.append(f"  - {{op: conv, name: l{i}, out: 16, kernel: 3, padding: 1}}")
    return "\n".join(lines) + "\n"


def scale(sizes) -> None:
    from convcalc import writers
    from convcalc.analysis import analyze
    from convcalc.spec import parse_spec
    from convcalc.yamlspec import parse_yaml

    print("| network | layers | YAML | spec | analysis | JSON | total | µs per layer |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for kind in ("chain", "residual", "repeat"):
        for n in sizes:
            text = network(n, kind)
            t0 = time.perf_counter()
            doc = parse_yaml(text, "bench.yaml")
            t1 = time.perf_counter()
            spec = parse_spec(doc, "bench.yaml")
            t2 = time.perf_counter()
            report = analyze(spec)
            t3 = time.perf_counter()
            writers.dumps(writers.report_dict(report))
            t4 = time.perf_counter()
            print(f"| {kind} | {len(report.rows):,} | {t1 - t0:.2f} s | {t2 - t1:.2f} s | {t3 - t2:.2f} s |"
                  f" {t4 - t3:.2f} s | {t4 - t0:.2f} s | {(t4 - t0) / n * 1e6:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10, help="start-up runs per command")
    parser.add_argument("--big", action="store_true", help="also 100,000 layers")
    args = parser.parse_args()
    startup(args.rounds)
    print()
    scale([1_000, 10_000] + ([100_000] if args.big else []))


if __name__ == "__main__":
    main()
