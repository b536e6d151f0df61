"""bm25s against rank-bm25 on this report's passages replicated x100: index time, query time, agreement.

Both libraries get the same tokens (``borderqa.lexical.passage_tokens`` for passages, ``tokenize`` +
``expand_query`` for questions) and the same parameters (k1 = 1.2, b = 0.5). bm25s runs with the
Robertson idf that rank-bm25's ``BM25Okapi`` uses, so differences in ranking come from the libraries,
not from the formula; rank-bm25 replaces negative idf values with a floor (``epsilon``) that bm25s does not
have, which can reorder documents whose best terms occur in more than half of the corpus. The questions
are the eval suite's answerable ones. No model and no index needed.

    .venv/bin/python benchmarks/lexical_speed.py             # corpus x100 (31,000 passages)
    .venv/bin/python benchmarks/lexical_speed.py --copies 10
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from borderqa.chunking import split_corpus
from borderqa.corpus import load_corpus
from borderqa.evaluation import load_cases
from borderqa.lexical import expand_query, passage_tokens, tokenize

ROOT = Path(__file__).resolve().parents[1]
K1, B = 1.2, 0.5


def _ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=100, help="how many times to replicate the corpus")
    parser.add_argument("--queries", type=int, default=100, help="how many eval questions to time")
    args = parser.parse_args()

    import bm25s
    from rank_bm25 import BM25Okapi

    passages = split_corpus(load_corpus(ROOT / "corpus").documents)
    corpus = [passage_tokens(p) or ["_empty_"] for p in passages] * args.copies
    vocab = {t for doc in corpus for t in doc}
    cases = [c for c in load_cases(ROOT / "evals" / "cases.jsonl") if c.answerable][: args.queries]
    queries = [q for q in ([t for t in expand_query(tokenize(c.search_query())) if t in vocab] for c in cases) if q]
    print(f"corpus: {len(passages)} passages x {args.copies} = {len(corpus):,}; {len(queries)} questions")

    t0 = time.perf_counter()
    fast = bm25s.BM25(k1=K1, b=B, method="robertson")
    fast.index(corpus, show_progress=False)
    fast_index = time.perf_counter() - t0
    t0 = time.perf_counter()
    slow = BM25Okapi(corpus, k1=K1, b=B)
    slow_index = time.perf_counter() - t0

    fast_times, slow_times, overlap = [], [], []
    for q in queries:
        t0 = time.perf_counter()
        a = np.asarray(fast.get_scores(q))
        fast_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        b = np.asarray(slow.get_scores(q))
        slow_times.append(time.perf_counter() - t0)
        # Replicas tie: compare the distinct passages among the top 10 (position modulo corpus size).
        top_a = list(dict.fromkeys(int(i) % len(passages) for i in np.argsort(-a, kind="stable")[:10 * args.copies]))[:10]
        top_b = list(dict.fromkeys(int(i) % len(passages) for i in np.argsort(-b, kind="stable")[:10 * args.copies]))[:10]
        overlap.append(len(set(top_a) & set(top_b)) / max(len(top_a), 1))

    print(f"{'':12} {'index s':>9} {'query p50 ms':>13} {'query p95 ms':>13}")
    for name, idx, times in (("bm25s", fast_index, fast_times), ("rank-bm25", slow_index, slow_times)):
        p95 = sorted(times)[round(0.95 * (len(times) - 1))] * 1000
        print(f"{name:12} {idx:9.2f} {_ms(times):13.2f} {p95:13.2f}")
    print(f"query p50 ratio rank-bm25 / bm25s: {_ms(slow_times) / _ms(fast_times):.1f}x;"
          f" index ratio: {slow_index / fast_index:.1f}x")
    print(f"top-10 passages shared: mean {statistics.mean(overlap):.3f}, identical sets {sum(o == 1 for o in overlap)}/{len(overlap)}")


if __name__ == "__main__":
    main()
