"""Where a cold ``borderqa ask`` spends its time, and what the lighter commands cost.

Each run is a fresh process. Two tables, medians of --runs:

1. Phases of a cold ask, measured inside one process: importing the CLI, opening the index (Chroma, BM25),
   loading the embedding model (torch + sentence-transformers), word statistics, the generator, the
   first answer, a second answer.
2. Whole commands as subprocesses (``--help``, ``feedback export``, ``ask``): wall and CPU seconds.

CPU seconds are given next to wall seconds because this machine is shared: wall time swings with the load
(printed), CPU time much less. Compare two trees with --src (e.g. the main checkout's src/):

    python benchmarks/cli_cold_start.py --runs 3
    python benchmarks/cli_cold_start.py --runs 3 --src /path/to/other/src
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "How long is Mexico's southern border?"

PHASES = r"""
import json, resource, time
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
out, t, c = {}, time.perf_counter(), cpu()
def mark(name):
    global t, c
    out[name] = (time.perf_counter() - t, cpu() - c)
    t, c = time.perf_counter(), cpu()
import borderqa.cli
mark("import the CLI")
from borderqa.assistant import Assistant
a = Assistant.from_settings()
_ = a.retriever
mark("open the index (Chroma, BM25)")
_ = a.embedder.model
mark("load the embedding model")
_ = a.terms
mark("word statistics")
a.generator()
mark("the extractive generator")
a.ask(QUESTION)
mark("first answer")
a.ask("What is La Bestia?")
mark("second answer")
print(json.dumps(out))
""".replace("QUESTION", repr(QUESTION))

COMMANDS = {
    "borderqa --help": ["--help"],
    "borderqa feedback export": ["feedback", "export", "--format", "jsonl"],
    "borderqa ask": ["ask", QUESTION],
}


def child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def env_for(src: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(src), "BORDERQA_DATA_DIR": str(ROOT / "data")}


def phases(src: Path, runs: int) -> dict[str, tuple[float, float]]:
    samples: list[dict[str, list[float]]] = []
    for _ in range(runs):
        p = subprocess.run([sys.executable, "-c", PHASES], cwd=ROOT, env=env_for(src), capture_output=True, text=True, check=True)
        samples.append(json.loads(p.stdout.strip().splitlines()[-1]))
    return {k: (statistics.median(s[k][0] for s in samples), statistics.median(s[k][1] for s in samples)) for k in samples[0]}


def command(src: Path, args: list[str], runs: int) -> tuple[float, float, bool]:
    walls, cpus, ok = [], [], True
    for _ in range(runs):
        c0, t0 = child_cpu(), time.perf_counter()
        p = subprocess.run([sys.executable, "-m", "borderqa.cli", *args], cwd=ROOT, env=env_for(src), capture_output=True)
        walls.append(time.perf_counter() - t0)
        cpus.append(child_cpu() - c0)
        ok = ok and p.returncode == 0
    return statistics.median(walls), statistics.median(cpus), ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--src", type=Path, default=ROOT / "src", help="the borderqa source tree to measure")
    args = ap.parse_args()
    print(f"src {args.src}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; medians of {args.runs}")
    print("\n| phase of a cold ask | wall s | CPU s |\n|---|---|---|")
    for name, (wall, cpu) in phases(args.src, args.runs).items():
        print(f"| {name} | {wall:.2f} | {cpu:.2f} |")
    print("\n| command | wall s | CPU s |\n|---|---|---|")
    for name, argv in COMMANDS.items():
        wall, cpu, ok = command(args.src, argv, args.runs)
        print(f"| `{name}`{'' if ok else ' (fails: no such command)'} | {wall:.2f} | {cpu:.2f} |")
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
