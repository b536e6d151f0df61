"""Index build figures on the real report: passages, cold build, passages/s, no-op and one-changed rebuilds.

Runs in temporary copies of corpus/ and index/, so the project's own index is untouched.
Usage: .venv/bin/python benchmarks/index_build.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from borderqa import Assistant, Settings

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cold, noop, changed = [], [], []
    passages = 0
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            corpus = Path(tmp) / "corpus"
            shutil.copytree(ROOT / "corpus", corpus)
            a = Assistant.from_settings(Settings.load(corpus_dir=corpus, index_dir=Path(tmp) / "index"))
            a.embedder.embed_query("warm up")  # model load is start-up, not build work
            report, _ = a.build_index()
            cold.append(report.seconds)
            passages = report.passages
            t0 = time.perf_counter()
            a.build_index()
            noop.append(time.perf_counter() - t0)
            report_md = corpus / "report.md"
            report_md.write_text(report_md.read_text(encoding="utf-8").replace("In February 2014, WOLA", "In February 2014, the WOLA", 1), encoding="utf-8")
            r2, _ = a.build_index()
            changed.append(r2.seconds)
            assert r2.embedded == 1, r2
    med = statistics.median
    print(f"passages:                       {passages}")
    print(f"cold build (median of {args.repeat}):      {med(cold):.2f} s  ({passages / med(cold):.1f} passages/s)")
    print(f"no-op rebuild:                  {med(noop):.3f} s  ({med(noop) / med(cold):.4f} x cold)")
    print(f"one document changed:           {med(changed):.2f} s  ({med(changed) / med(cold):.3f} x cold; 1 paragraph re-embedded)")


if __name__ == "__main__":
    main()
