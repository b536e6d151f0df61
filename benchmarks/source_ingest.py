"""Adding a 100-page generated PDF source: reading (pypdf layout mode + our clean-up), chunking, and the
whole `add-source` (copy, manifest, index update embedding only the new passages), in seconds and
passages per second.

Runs in a temporary corpus (the real report plus the PDF) with a copy of index/ when one exists, so
the report's vectors are reused and the project's own index is untouched.
Usage: .venv/bin/python benchmarks/source_ingest.py [--pages 100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from borderqa import Assistant, Settings
from borderqa.chunking import split_passages
from borderqa.corpus import read_file
from borderqa.types import Document

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import source_docs as sd  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    read_s, chunk_s, add_s, embed_s = [], [], [], []
    passages = embedded = 0
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            base = Path(tmp)
            pdf = sd.long_pdf(base / "long.pdf", args.pages)
            t0 = time.perf_counter()
            found = read_file(pdf, "pdf")
            read_s.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            doc = Document("long", "Long", "source", "pdf", str(pdf), found.text, "-", line_pages=found.line_pages)
            passages = len(split_passages(doc))
            chunk_s.append(time.perf_counter() - t0)

            corpus = base / "corpus"
            corpus.mkdir()
            for name in ("manifest.toml", "report.md"):
                shutil.copy(ROOT / "corpus" / name, corpus / name)
            main_index = Path(Settings.load().index_dir)
            if (main_index / "manifest.json").is_file():
                shutil.copytree(main_index, base / "index")
            a = Assistant.from_settings(Settings.load(corpus_dir=corpus, index_dir=base / "index"))
            a.embedder.embed_query("warm up")  # model load is start-up, not ingest work
            a.build_index()  # the report alone (a no-op with the copied index)
            t0 = time.perf_counter()
            _, report, _ = a.add_source(pdf, title="Long generated report")
            add_s.append(time.perf_counter() - t0)
            embed_s.append(report.seconds)
            embedded = report.embedded
    med = statistics.median
    print(f"{args.pages}-page PDF: {passages} passages, {embedded} texts embedded (median of {args.repeat})")
    print(f"  read (pypdf layout + clean-up): {med(read_s):.2f} s  ({passages / med(read_s):.0f} passages/s, "
          f"{args.pages / med(read_s):.1f} pages/s)")
    print(f"  chunk:                          {med(chunk_s):.3f} s")
    print(f"  add-source end to end:          {med(add_s):.2f} s  ({passages / med(add_s):.1f} passages/s); "
          f"of which index update {med(embed_s):.2f} s")


if __name__ == "__main__":
    main()
