"""Embedding throughput for an index build: the same texts, the same model, four ways.

The texts are what ``borderqa index`` embeds for the report (each passage's window texts and its word-piece
text, about 630). Ways compared, each on the model's torch threads (2 here):

* ``torch, corpus order``: the build before batches were sorted (chunks of 32 in corpus order);
* ``torch, sorted``: the build now (index.length_batches: longest first, chunks of 256);
* ``torch int8``: the same, the model's Linear layers quantised to int8 (``torch.ao.quantization.quantize_dynamic``);
* ``onnxruntime``: the index build's path now (``SentenceTransformerEmbedder.for_indexing``, onnx_model.py):
  the packaged BERT exported to ONNX here (once, cached in ``.models/``, hash-checked) and run by ONNX
  Runtime on ``index_threads`` (2) threads, mean-pooled; its word-piece vectors are compared too.

For each: texts/s, and the worst and mean cosine of its sentence vectors against torch fp32's (1.0 is the
same vector). A way that changes vectors is only worth switching to if the retrieval eval holds.

    nice -n 10 .venv/bin/python benchmarks/embed_speed.py [--repeat 3] [--sample 200] [--skip-onnx]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

import numpy as np

from borderqa import Assistant
from borderqa.chunking import split_corpus
from borderqa.embedding import Embedder, SentenceTransformerEmbedder, Vectors
from borderqa.index import embedding_texts, length_batches, token_text


def build_texts(a: Assistant) -> list[str]:
    corpus = a.load_corpus()
    titles = {d.id: d.title for d in corpus.documents}
    texts: list[str] = []
    for p in split_corpus(corpus.documents):
        texts += [w for t in embedding_texts(p, titles.get(p.document, "")) for w in a.embedder.windows(t)]
        texts += a.embedder.windows(token_text(p))
    return texts


def run(encode: Callable[[list[str]], Vectors], texts: list[str], order: str) -> tuple[float, Vectors]:
    """Texts/s of one pass, and the vectors."""
    start = time.perf_counter()
    vectors = np.zeros((len(texts), 384), dtype=np.float32)
    batches = (
        [list(range(i, min(i + 32, len(texts)))) for i in range(0, len(texts), 32)]
        if order == "corpus" else length_batches(texts, 256)
    )
    for batch in batches:
        vectors[batch] = encode([texts[i] for i in batch])
    return len(texts) / (time.perf_counter() - start), vectors


def compare_pieces(embedder: SentenceTransformerEmbedder, bulk: Embedder, texts: list[str]) -> tuple[float, float]:
    """Worst and mean cosine of ONNX Runtime's word-piece vectors against torch's (same shapes asserted)."""
    cos = []
    for mine, theirs in zip(bulk.embed_tokens(texts), embedder.embed_tokens(texts), strict=True):
        assert mine.shape == theirs.shape, (mine.shape, theirs.shape)
        cos.append((mine * theirs).sum(1))
    every = np.concatenate(cos)
    return float(every.min()), float(every.mean())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3, help="rounds; every way runs once a round, in turn")
    parser.add_argument("--sample", type=int, default=0, help="a seeded sample of this many texts (0: all)")
    parser.add_argument("--skip-onnx", action="store_true")
    args = parser.parse_args()
    import torch

    a = Assistant.from_settings()
    texts = build_texts(a)
    if args.sample:
        texts = random.Random(0).sample(texts, min(args.sample, len(texts)))
    embedder = a.embedder
    assert isinstance(embedder, SentenceTransformerEmbedder)
    embedder.embed_documents(["warm up"])
    quantised = torch.ao.quantization.quantize_dynamic(embedder.model, {torch.nn.Linear}, dtype=torch.qint8)

    def int8(batch: list[str]) -> Vectors:
        return np.asarray(quantised.encode(batch, batch_size=32, normalize_embeddings=True), dtype=np.float32)

    ways: list[tuple[str, Callable[[list[str]], Vectors], str]] = [
        ("torch, corpus order", embedder.embed_documents, "corpus"),
        ("torch, sorted", embedder.embed_documents, "sorted"),
        ("torch int8, sorted", int8, "sorted"),
    ]
    bulk: Embedder = embedder
    if not args.skip_onnx:
        start = time.perf_counter()
        bulk = embedder.for_indexing()  # the index build's path: exported once into .models/, checked, cached
        print(f"ONNX Runtime embedder ready in {time.perf_counter() - start:.1f} s ({type(bulk).__name__})")
        ways.append(("onnxruntime, sorted", bulk.embed_documents, "sorted"))
    # Rounds interleave the ways, so a busy neighbour slows them alike; the ratio is each round's.
    speeds: dict[str, list[float]] = {name: [] for name, _, _ in ways}
    ratios: dict[str, list[float]] = {name: [] for name, _, _ in ways}
    vectors: dict[str, Vectors] = {}
    for _ in range(args.repeat):
        for name, encode, order in ways:
            speed, vectors[name] = run(encode, texts, order)
            speeds[name].append(speed)
            ratios[name].append(speed / speeds[ways[0][0]][-1])
    reference = vectors[ways[0][0]]
    print(f"{len(texts)} texts, {torch.get_num_threads()} torch threads, {args.repeat} rounds\n")
    print(f"{'way':<24} {'texts/s':>8} {'x (median)':>11} {'min cos':>8} {'mean cos':>9}")
    for name, _, _ in ways:
        cos = (vectors[name] * reference).sum(1)
        print(f"{name:<24} {statistics.median(speeds[name]):8.1f} {statistics.median(ratios[name]):11.2f} "
              f"{cos.min():8.4f} {cos.mean():9.4f}")
    if bulk is not embedder:
        worst, mean = compare_pieces(embedder, bulk, texts[:60])
        print(f"\nword-piece vectors, onnxruntime against torch (60 texts): min cos {worst:.6f}, mean {mean:.6f}")


if __name__ == "__main__":
    main()
