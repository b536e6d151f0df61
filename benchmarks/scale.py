"""How BorderQA's costs grow with the corpus: 1k, 10k and 100k generated passages.

Corpus. Passages are generated from the report itself (``generate_passages``): a word-bigram Markov chain
over every passage of the report (its own words, names, figures and punctuation), each generated passage as
long as a randomly drawn real passage (so the length distribution, and the number of long passages that
need two windows, is the report's), under a randomly drawn real section path. The vocabulary and word
statistics are therefore the report's; the text reads like shuffled report prose. Seeded: the same corpus
every run.

Per size, in a fresh process (so peak RSS is that size's), with the index in a temporary folder:

* build: passages/s of a cold ``ChromaIndex.build``, index size on disk, then a no-op rebuild's time;
* load: a new reader's start (``Retriever``: passages, memory-mapped BM25 and word pieces);
* warm search latency, p50/p95 over the eval suite's questions, for dense, lexical and hybrid, against the
  embedded Chroma and against a real ``chroma run`` server on 127.0.0.1 (built into it from the embedded
  build's vectors: nothing is embedded twice);
* answer latency (``Assistant.ask``, the default extractive generator), p50/p95;
* peak RSS of the process (build and search together) and of the Chroma server.

Besides, ``hybrid_parts`` splits a hybrid search's p50 into encoding the question, BM25 (scoring and top
``fetch_k``), the dense Chroma query, and fusion plus re-scoring (late interaction and bonuses); the load
average before and after each size is recorded with its figures.

Embedders: ``model`` (all-MiniLM-L6-v2 as an index build runs it: ONNX Runtime, embedding.py; the real
cost) or ``hashed`` (the passages get deterministic hashed bag-of-words vectors of the same width, 384, and
word-piece vectors of the same shape, one per word; questions still go through the real model, so search
pays the real query cost). ``hashed`` is how a
corpus too large to embed on this machine in the time at hand is indexed: its search and load figures are
real, its dense ranking is not (the passage vectors carry no meaning).

    nice -n 15 .venv/bin/python benchmarks/scale.py                 # 1k and 10k with the model, 100k hashed
    .venv/bin/python benchmarks/scale.py --sizes 1000 --embedders model
    .venv/bin/python benchmarks/scale.py --report                   # table and plot from benchmarks/scale.json
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from borderqa.assistant import Assistant
from borderqa.chunking import CHUNKER_VERSION, split_corpus
from borderqa.config import Settings, fingerprint
from borderqa.corpus import load_corpus
from borderqa.embedding import Embedder, FakeEmbedder, QueryEncoding, SentenceTransformerEmbedder, Vectors
from borderqa.evaluation import load_cases
from borderqa.index import ChromaIndex, ChromaServer
from borderqa.lexical import top_indices
from borderqa.retrieval import Retriever
from borderqa.types import Document, Passage

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "scale.json"
PLOT = ROOT / "benchmarks" / "scale.png"
MODES = ("dense", "lexical", "hybrid")
_WORD = re.compile(r"\S+")


# --- the corpus -----------------------------------------------------------------------------------


def generate_passages(n: int, seed: int = 0) -> tuple[Document, list[Passage]]:
    """``n`` passages of report-like text (see the module docstring)."""
    real = [p for p in split_corpus(load_corpus(ROOT / "corpus").documents) if p.kind != "title"]
    chain: dict[str, list[str]] = defaultdict(list)
    starts: list[str] = []
    for p in real:
        words = _WORD.findall(p.text)
        if words:
            starts.append(words[0])
        for a, b in itertools.pairwise(words):
            chain[a].append(b)
    rng = random.Random(seed)
    lengths = [len(_WORD.findall(p.text)) for p in real]
    paths = [p.section_path for p in real]
    passages = []
    for i in range(n):
        target = rng.choice(lengths)
        words = [rng.choice(starts)]
        while len(words) < target:
            nxt = chain.get(words[-1])
            words.append(rng.choice(nxt) if nxt else rng.choice(starts))
        passages.append(
            Passage(id=f"gen:p{i + 1:06d}", document="gen", section_path=rng.choice(paths), paragraph=i + 1,
                    ordinal=i + 1, text=" ".join(words))
        )
    doc = Document("gen", f"Generated corpus of {n} passages", "report", "text", "gen.txt", "", f"gen-{n}-{seed}")
    return doc, passages


class HashedEmbedder:
    """Hashed vectors for passages (fast, meaningless), the real model for questions (see the docstring)."""

    name = "hashed-passages"
    dimension = 384

    def __init__(self, model: Embedder) -> None:
        self._fake = FakeEmbedder(dimension=self.dimension, window_words=180)
        self._model = model

    def embed_documents(self, texts: list[str]) -> Vectors:
        return self._fake.embed_documents(texts)

    def embed_tokens(self, texts: Sequence[str]) -> list[Vectors]:
        return self._fake.embed_tokens(texts)

    def windows(self, text: str) -> list[str]:
        return self._fake.windows(text)

    def embed_query(self, text: str) -> Vectors:
        return self._model.embed_query(text)

    def encode_query(self, text: str) -> QueryEncoding:
        return self._model.encode_query(text)


# --- measuring ------------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def process_peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = sorted(1000 * s for s in seconds)
    return {"p50": statistics.median(ms), "p95": ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]}


def time_searches(retriever: Retriever, questions: list[str]) -> dict[str, dict[str, float]]:
    out = {}
    for mode in MODES:
        retriever.search(questions[0], k=5, mode=mode)  # warm
        times = []
        for q in questions:
            start = time.perf_counter()
            retriever.search(q, k=5, mode=mode)
            times.append(time.perf_counter() - start)
        out[mode] = percentiles(times)
    return out


def time_hybrid_parts(retriever: Retriever, questions: list[str]) -> dict[str, float]:
    """p50 ms of each part of a hybrid search, done as ``Retriever.search`` does it: encoding the question
    (one model pass: vector and word pieces), BM25 scoring plus its top ``fetch_k``, the dense Chroma query,
    and the rest (fusion, late interaction over ``LATE_CANDIDATES``, bonuses) as the whole less those."""
    k, fetch = retriever.settings.k, retriever.settings.fetch_k
    parts: dict[str, list[float]] = {"encode": [], "lexical": [], "dense": [], "fusion_and_rescoring": []}
    for q in questions:
        t0 = time.perf_counter()
        encoded = retriever.embedder.encode_query(q)
        t1 = time.perf_counter()
        top_indices(retriever.index.lexical(retriever.build).scores(q), fetch)
        t2 = time.perf_counter()
        retriever.index.query(encoded.vector, fetch, build=retriever.build)
        t3 = time.perf_counter()
        retriever.search(q, k=k, mode="hybrid")
        t4 = time.perf_counter()
        parts["encode"].append(t1 - t0)
        parts["lexical"].append(t2 - t1)
        parts["dense"].append(t3 - t2)
        parts["fusion_and_rescoring"].append(max((t4 - t3) - (t3 - t0), 0.0))
    return {name: percentiles(times)["p50"] for name, times in parts.items()}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_chroma(path: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
    proc = subprocess.Popen(
        [chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, f"http://127.0.0.1:{port}"
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("chroma run did not start")


def measure(size: int, embedder_name: str, questions: int, answers: int) -> dict[str, Any]:
    settings = Settings.load()
    model = SentenceTransformerEmbedder(settings.embedding)
    model.embed_query("warm up")  # model load is start-up, not build work
    embedder: Embedder = model if embedder_name == "model" else HashedEmbedder(model)
    doc, passages = generate_passages(size)
    asked = [c.question for c in load_cases()][:questions]
    result: dict[str, Any] = {"size": size, "embedder": embedder_name, "passages": len(passages),
                              "load_average_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="borderqa-scale-") as tmp:
        index_dir = Path(tmp) / "index"
        index = ChromaIndex(index_dir, embedder, fingerprint(settings))
        start = time.perf_counter()
        report = index.build([doc], passages, CHUNKER_VERSION)
        result["build_s"] = time.perf_counter() - start
        result["texts_embedded"] = report.embedded + len(passages)
        result["passages_per_s"] = len(passages) / result["build_s"]
        result["windows"] = report.windows
        result["disk_mb"] = disk_mb(index_dir)
        live = index_dir / index.build_id()
        result["disk_tokens_mb"] = sum(disk_mb(live / n) if (live / n).is_dir() else (live / n).stat().st_size / 1e6
                                       for n in ("tokens.npy", "tokens-index.npz"))
        result["disk_bm25_mb"] = disk_mb(live / "bm25")
        start = time.perf_counter()
        assert index.build([doc], passages, CHUNKER_VERSION).skipped
        result["noop_rebuild_s"] = time.perf_counter() - start
        result["rss_after_build_mb"] = peak_rss_mb()

        reader = ChromaIndex(index_dir, embedder, fingerprint(settings))
        start = time.perf_counter()
        retriever = Retriever(reader, embedder, settings.retrieval)
        result["load_s"] = time.perf_counter() - start
        result["embedded"] = time_searches(retriever, asked)
        result["hybrid_parts"] = time_hybrid_parts(retriever, asked)

        assistant = Assistant(settings, embedder, reader)
        assistant.ask(asked[0])  # warm: word statistics, sentence bank
        times = []
        for q in asked[:answers]:
            start = time.perf_counter()
            assistant.ask(q)
            times.append(time.perf_counter() - start)
        result["answer"] = percentiles(times)
        result["rss_peak_mb"] = peak_rss_mb()

        proc, url = start_chroma(Path(tmp) / "chroma")
        try:
            server_index = ChromaIndex(index_dir, embedder, fingerprint(settings), server=ChromaServer(url))
            start = time.perf_counter()
            report = server_index.build([doc], passages, CHUNKER_VERSION)
            result["server_build_s"] = time.perf_counter() - start
            assert report.embedded == 0, "the server build should reuse the embedded build's vectors"
            server_retriever = Retriever(server_index, embedder, settings.retrieval)
            result["server"] = time_searches(server_retriever, asked)
            result["server_hybrid_parts"] = time_hybrid_parts(server_retriever, asked)
            result["server_rss_peak_mb"] = process_peak_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    result["load_average_after"] = os.getloadavg()
    return result


# --- report ---------------------------------------------------------------------------------------


def table(results: list[dict[str, Any]]) -> str:
    head = (f"{'passages':>9} {'embedder':>8} {'pass/s':>7} {'disk MB':>8} {'RSS MB':>7} {'no-op s':>7} {'load s':>6} "
            + " ".join(f"{m[:3] + ' ' + w:>9}" for w in ("emb", "srv") for m in MODES)
            + f" {'answer':>7} {'load avg':>9}")
    lines = [head, " " * 74 + "search p50 / p95 ms (emb: embedded Chroma, srv: chroma run)          ms p50  1-min"]
    for r in results:
        cells = [f"{r[side][m]['p50']:4.0f}/{r[side][m]['p95']:<4.0f}" for side in ("embedded", "server") for m in MODES]
        load = f"{r['load_average_before'][0]:.1f}-{r['load_average_after'][0]:.1f}" if "load_average_after" in r else "~20"
        lines.append(
            f"{r['passages']:>9} {r['embedder']:>8} {r['passages_per_s']:7.1f} {r['disk_mb']:8.0f} {r['rss_peak_mb']:7.0f} "
            f"{r['noop_rebuild_s']:7.2f} {r['load_s']:6.2f} " + " ".join(f"{c:>9}" for c in cells)
            + f" {r['answer']['p50']:7.0f} {load:>9}"
        )
    parted = [r for r in results if "hybrid_parts" in r]
    if parted:
        names = list(parted[0]["hybrid_parts"])
        lines += ["", "hybrid search, p50 ms of each part (embedded / server)",
                  f"{'passages':>9} {'embedder':>8} " + " ".join(f"{n:>22}" for n in names)]
        for r in parted:
            srv = r.get("server_hybrid_parts", {})
            lines.append(f"{r['passages']:>9} {r['embedder']:>8} "
                         + " ".join(f"{r['hybrid_parts'][n]:>11.1f} / {srv.get(n, float('nan')):<8.1f}" for n in names))
    return "\n".join(lines)


def plot(results: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    rows = sorted(results, key=lambda r: r["passages"])
    series = [r for r in rows if r["embedder"] == "hashed"] or rows  # the one embedder run at every size
    for side, style in (("embedded", "-"), ("server", "--")):
        for mode, colour in zip(MODES, ("tab:blue", "tab:orange", "tab:green"), strict=True):
            left.plot([r["passages"] for r in series], [r[side][mode]["p50"] for r in series], style, marker="o",
                      color=colour, label=f"{mode} ({side})")
    left.plot([r["passages"] for r in series], [r["answer"]["p50"] for r in series], ":", marker="s", color="black",
              label="answer (default settings)")
    model = [r for r in rows if r["embedder"] == "model"]
    if model and series is not model:
        left.plot([r["passages"] for r in model], [r["embedded"]["hybrid"]["p50"] for r in model], "x", ms=9,
                  color="tab:green", label="hybrid (embedded), model vectors")
    left.axhline(100, color="grey", lw=0.8)
    left.set(xscale="log", yscale="log", xlabel="passages", ylabel="p50 latency (ms)", title="Warm search latency")
    left.legend(fontsize=7)
    for name, marker, label in (("hashed", "^", "hashed vectors"), ("model", "o", "model (ONNX Runtime)")):
        sub = [r for r in rows if r["embedder"] == name]
        if sub:
            right.plot([r["passages"] for r in sub], [r["build_s"] for r in sub], marker=marker, label=f"build, {label}")
            first = sub[0]
            right.plot([first["passages"], 100_000], [first["build_s"], first["build_s"] * 100_000 / first["passages"]],
                       ":", color="grey", lw=0.8)
    right.set(xscale="log", yscale="log", xlabel="passages", ylabel="cold build (s)",
              title="Indexing cost (dotted: linear from the smallest)")
    right.legend(fontsize=7)
    fig.suptitle("BorderQA at 1k-100k generated passages (2 shared cores)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--embedders", nargs="+", default=None,
                        help="one per size: model or hashed (default: model up to 10k, hashed above)")
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--answers", type=int, default=30)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # a single size, in this process
    parser.add_argument("--report", action="store_true", help="only print the table and plot from scale.json")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.sizes[0], args.embedders[0], args.questions, args.answers)))
        return
    results: list[dict[str, Any]] = json.loads(args.out.read_text()) if args.out.is_file() else []
    if not args.report:
        embedders = args.embedders or ["model" if s <= 10_000 else "hashed" for s in args.sizes]
        for size, name in zip(args.sizes, embedders, strict=True):
            done = subprocess.run(
                [sys.executable, __file__, "--one", "--sizes", str(size), "--embedders", name,
                 "--questions", str(args.questions), "--answers", str(args.answers)],
                capture_output=True, text=True, env=os.environ.copy(),
            )
            if done.returncode:
                print(f"{size} ({name}) failed:\n{done.stderr[-3000:]}", file=sys.stderr, flush=True)
                continue
            row = json.loads(done.stdout.strip().splitlines()[-1])
            results = [r for r in results if (r["size"], r["embedder"]) != (size, name)] + [row]
            results.sort(key=lambda r: (r["size"], r["embedder"]))
            args.out.write_text(json.dumps(results, indent=1))
            print(f"{size} ({name}): built in {row['build_s']:.0f} s, hybrid p50 {row['embedded']['hybrid']['p50']:.0f} ms",
                  flush=True)
    print(table(results))
    if results:
        plot(results, PLOT)
        print(f"\nwrote {args.out} and {PLOT}")


if __name__ == "__main__":
    main()
