"""Our hybrid retrieval against a plain LangChain RAG baseline, on the eval suite's answerable cases.

Baseline, as a tutorial would build it: ``RecursiveCharacterTextSplitter(chunk_size=1000,
chunk_overlap=200)`` over ``corpus/report.md``, the same all-MiniLM-L6-v2 weights through
``langchain_huggingface.HuggingFaceEmbeddings`` (the packaged local path, never a hub name), a
``langchain_chroma.Chroma`` store in a temporary folder (telemetry off, our embeddings passed in, so Chroma
never fetches its default model), and ``similarity_search``. Ours: ``Assistant.search`` (hybrid), the
index built by ``borderqa index``.

A case is found at rank r when a support snippet occurs in the r-th returned chunk, compared after the
normalisation the eval uses (``Case.supports``); the baseline's chunks are markdown, so link syntax
``[x](#)`` -> ``x``, ``\\$`` -> ``$`` and ``*`` are stripped first. Latency is per query, warm (model
loaded, one query run first), in one process.

    .venv/bin/python benchmarks/retrieval.py
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from borderqa import Assistant
from borderqa.embedding import packaged_model_path
from borderqa.evaluation import Case, load_cases
from borderqa.types import Passage

ROOT = Path(__file__).resolve().parents[1]
K = 10


def clean_markdown(text: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return text.replace("\\$", "$").replace("*", "")


def _rank(case: Case, texts: Sequence[str]) -> int | None:
    for i, text in enumerate(texts, 1):
        if case.supports(Passage("chunk", "report", (), 0, 0, text)):
            return i
    return None


def measure(search: Callable[[str], list[str]], cases: Sequence[Case]) -> dict[str, float]:
    search(cases[0].search_query())  # warm up
    ranks, times = [], []
    for case in cases:
        t0 = time.perf_counter()
        texts = search(case.search_query())
        times.append((time.perf_counter() - t0) * 1000)
        ranks.append(_rank(case, texts))
    n = len(cases)
    ordered = sorted(times)
    return {
        "recall@1": sum(r == 1 for r in ranks) / n,
        "recall@5": sum(r is not None and r <= 5 for r in ranks) / n,
        "MRR": sum(1 / r for r in ranks if r) / n,
        "p50 ms": statistics.median(times),
        "p95 ms": ordered[round(0.95 * (n - 1))],
    }


def baseline(tmp: Path) -> Callable[[str], list[str]]:
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    text = (ROOT / "corpus" / "report.md").read_text(encoding="utf-8")
    chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_text(text)
    embeddings = HuggingFaceEmbeddings(
        model_name=str(packaged_model_path()), model_kwargs={"device": "cpu", "local_files_only": True}
    )
    store = Chroma.from_texts(
        chunks,
        embeddings,
        collection_name="baseline",
        persist_directory=str(tmp),
        client_settings=ChromaSettings(anonymized_telemetry=False, is_persistent=True, persist_directory=str(tmp)),
    )
    print(f"baseline: {len(chunks)} chunks of <= 1000 characters")
    return lambda q: [clean_markdown(d.page_content) for d in store.similarity_search(q, k=K)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    cases = [c for c in load_cases(ROOT / "evals" / "cases.jsonl") if c.answerable and c.support]
    assistant = Assistant.from_settings()
    ours = measure(lambda q: [h.passage.text for h in assistant.search(q, k=K, mode="hybrid")], cases)
    with tempfile.TemporaryDirectory(prefix="borderqa-baseline-") as tmp:
        base = measure(baseline(Path(tmp)), cases)
    print(f"\n{len(cases)} answerable cases, top {K}\n")
    print(f"| {'':24} | {'recall@1':>8} | {'recall@5':>8} | {'MRR':>6} | {'p50 ms':>7} | {'p95 ms':>7} |")
    print(f"|{'-' * 26}|{'-' * 10}|{'-' * 10}|{'-' * 8}|{'-' * 9}|{'-' * 9}|")
    for name, m in (("LangChain baseline", base), ("BorderQA hybrid", ours)):
        print(f"| {name:24} | {m['recall@1']:8.3f} | {m['recall@5']:8.3f} | {m['MRR']:6.3f} | {m['p50 ms']:7.1f} | {m['p95 ms']:7.1f} |")
    ratio = {k: ours[k] / base[k] if base[k] else float("inf") for k in ours}
    print(f"| {'ours / baseline':24} | {ratio['recall@1']:8.2f} | {ratio['recall@5']:8.2f} | {ratio['MRR']:6.2f} "
          f"| {ratio['p50 ms']:7.2f} | {ratio['p95 ms']:7.2f} |")


if __name__ == "__main__":
    main()
