"""Benchmark: how long `enms demo` takes from the command to a working API (issue: < 60 s).

    .venv/bin/python -m tests.benchmarks.demo_startup [--rounds 3]

Each round starts `enms demo --duration 0` in a fresh folder as its own process and reads its
output: the time from the command to the line that prints the report URLs (the API has then
answered /health), the history write (as the demo reports it) and the baselines. The peer
measured in the same run is `enms --version`: starting Python and importing enms, the least
any command costs.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from simulation.modbus_devices import free_port

TARGET_S = 60.0


def one_round(folder: Path) -> tuple[float, float, float]:
    """(command to API, history write, process total) in seconds."""
    command = [sys.executable, "-m", "enms.cli.main", "demo", "--dir", str(folder)]
    command += ["--port", str(free_port("127.0.0.1")), "--duration", "0"]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    to_api = float("nan")
    lines = []
    for line in process.stdout:
        lines.append(line)
        if "stop with Ctrl-C" in line:
            to_api = time.perf_counter() - started
    process.wait(timeout=120)
    total = time.perf_counter() - started
    output = "".join(lines)
    if process.returncode != 0:
        raise SystemExit(f"enms demo failed:\n{output}")
    history = re.search(r"written in ([\d.]+) s", output)
    return to_api, float(history.group(1)) if history else float("nan"), total


def interpreter_start(rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "enms.cli.main", "--version"], check=True,
                       capture_output=True)  # fmt: skip
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="enms-demo-bench-") as scratch:
        for i in range(args.rounds):
            results.append(one_round(Path(scratch) / f"round-{i}"))
            print(f"round {i + 1}: API after {results[-1][0]:.1f} s", flush=True)
    peer = interpreter_start(args.rounds)
    to_api = statistics.median(r[0] for r in results)
    history = statistics.median(r[1] for r in results)
    print(f"command to working API, median of {args.rounds}: {to_api:.1f} s "
          f"({to_api / TARGET_S:.0%} of the {TARGET_S:.0f} s target)")  # fmt: skip
    print(f"  of which the history write: {history:.1f} s")
    print(f"enms --version (interpreter and imports): {peer:.2f} s; "
          f"the demo's start is {to_api / peer:.0f} x that")  # fmt: skip


if __name__ == "__main__":
    main()
