"""Embedding throughput for an index build: the same texts, the same model, several ways.

The texts are what ``borderqa index`` embeds for the report: each passage's window texts (its vectors) and
its word-piece text (late interaction), about 630 for 310 passages. Ways compared, each on 2 threads:

* ``torch, corpus order``: the build before batches were sorted (chunks of 32 in corpus order): the baseline;
* ``torch, sorted``: index.length_batches (longest first, chunks of 256), as every way below;
* ``torch int8``: the model's Linear layers quantised by torch (``torch.ao.quantization.quantize_dynamic``);
* ``onnxruntime fp32``: the packaged BERT exported to ONNX (onnx_model.py, cached in ``.models/``);
* ``onnxruntime int8``: that export quantised by onnxruntime (``onnx_model.QUANTISATION``: int8 weights per
  channel on every weight MatMul), the build's path with ``index_backend = "onnx-int8"`` (the default);
* ``onnxruntime int8, FFN output fp32``: the same with each layer's feed-forward output projection left in
  fp32 (closer to torch, slower);
* ``... one pass per passage``: the cost of embedding only each passage's window texts and taking its word
  pieces from that pass (the texts differ, so compare its passages/s). Measured and rejected: the retrieval
  eval fell (README, "Scaling out"); its code is not kept.

For each: texts/s and passages/s of that work (the ratio is against the baseline in the same round), and the
worst and mean cosine of its sentence vectors against torch fp32's; for the ONNX graphs also of the word-piece
vectors. A way that changes vectors is only worth switching to if the retrieval eval holds.

    nice -n 5 .venv/bin/python benchmarks/embed_speed.py [--repeat 2] [--skip-torch-int8]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from borderqa import Assistant, onnx_model
from borderqa.chunking import split_corpus
from borderqa.config import EmbeddingSettings
from borderqa.embedding import Embedder, OnnxBulkEmbedder, SentenceTransformerEmbedder, Vectors
from borderqa.index import embedding_texts, length_batches, token_text


@dataclass(frozen=True)
class Way:
    name: str
    encode: Callable[[list[str]], Vectors]
    order: str  # "corpus" or "sorted"
    one_pass: bool = False  # embeds only the window texts (word pieces from the same pass)


def build_texts(a: Assistant) -> tuple[list[str], list[str], int]:
    """The window texts and the word-piece texts a cold build embeds, and the number of passages."""
    corpus = a.load_corpus()
    titles = {d.id: d.title for d in corpus.documents}
    windows: list[str] = []
    pieces: list[str] = []
    passages = split_corpus(corpus.documents)
    for p in passages:
        windows += [w for t in embedding_texts(p, titles.get(p.document, "")) for w in a.embedder.windows(t)]
        pieces += a.embedder.windows(token_text(p))
    return windows, pieces, len(passages)


def run(way: Way, texts: Sequence[str]) -> tuple[float, Vectors]:
    """Seconds for one pass over ``texts``, and the vectors."""
    start = time.perf_counter()
    vectors = np.zeros((len(texts), 384), dtype=np.float32)
    batches = (
        [list(range(i, min(i + 32, len(texts)))) for i in range(0, len(texts), 32)]
        if way.order == "corpus" else length_batches(texts, 256)
    )
    for batch in batches:
        vectors[batch] = way.encode([texts[i] for i in batch])
    return time.perf_counter() - start, vectors


def compare_pieces(embedder: SentenceTransformerEmbedder, bulk: Embedder, texts: list[str]) -> tuple[float, float]:
    """Worst and mean cosine of a graph's word-piece vectors against torch's (same shapes asserted)."""
    cos = []
    for mine, theirs in zip(bulk.embed_tokens(texts), embedder.embed_tokens(texts), strict=True):
        assert mine.shape == theirs.shape, (mine.shape, theirs.shape)
        cos.append((mine * theirs).sum(1))
    every = np.concatenate(cos)
    return float(every.min()), float(every.mean())


def onnx_ways(embedder: SentenceTransformerEmbedder, scratch: Path) -> dict[str, OnnxBulkEmbedder]:
    """The ONNX Runtime embedders: fp32 and the shipped int8 recipe by the build's own path (exported or
    quantised once into ``.models/``, checked against torch), the FFN-output-fp32 recipe into ``scratch``."""
    model = embedder.model
    settings = EmbeddingSettings()
    fp32 = SentenceTransformerEmbedder(settings.model_copy(update={"index_backend": "onnx"}))
    fp32._model = model  # one torch model for every way
    int8 = SentenceTransformerEmbedder(settings.model_copy(update={"index_backend": "onnx-int8"}))
    int8._model = model
    out: dict[str, OnnxBulkEmbedder] = {}
    for name, e in (("onnxruntime fp32", fp32), ("onnxruntime int8", int8)):
        bulk = e.for_indexing()
        assert isinstance(bulk, OnnxBulkEmbedder), f"{name}: fell back to torch (see the log)"
        out[name] = bulk
    export = onnx_model.exported_model(model, Path(settings.onnx_dir), settings.model_sha256)
    keep_ffn = dict(onnx_model.QUANTISATION, keep_fp32=r"/layer\.\d+/output/dense/MatMul$")
    path = onnx_model.quantised_model(export, settings.model_sha256, keep_ffn, scratch / "ffn-output-fp32.onnx")
    encoder = onnx_model.OnnxEncoder(path, model.tokenizer, settings.window_tokens, settings.index_threads, settings.batch_size)
    out["onnxruntime int8, FFN output fp32"] = OnnxBulkEmbedder(embedder, encoder, "int8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2, help="rounds; every way runs once a round, in turn")
    parser.add_argument("--skip-torch-int8", action="store_true")
    args = parser.parse_args()
    import torch

    a = Assistant.from_settings()
    windows, pieces, passages = build_texts(a)
    embedder = a.embedder
    assert isinstance(embedder, SentenceTransformerEmbedder)
    embedder.embed_documents(["warm up"])
    ways = [Way("torch, corpus order", embedder.embed_documents, "corpus"), Way("torch, sorted", embedder.embed_documents, "sorted")]
    if not args.skip_torch_int8:
        quantised = torch.ao.quantization.quantize_dynamic(embedder.model, {torch.nn.Linear}, dtype=torch.qint8)

        def int8(batch: list[str]) -> Vectors:
            return np.asarray(quantised.encode(batch, batch_size=32, normalize_embeddings=True), dtype=np.float32)

        ways.append(Way("torch int8", int8, "sorted"))
    with tempfile.TemporaryDirectory() as scratch:
        start = time.perf_counter()
        graphs = onnx_ways(embedder, Path(scratch))
        print(f"ONNX Runtime graphs ready in {time.perf_counter() - start:.1f} s")
        ways += [Way(name, bulk.embed_documents, "sorted") for name, bulk in graphs.items()]
        shipped = graphs["onnxruntime int8"]
        ways.append(Way("onnxruntime int8, one pass per passage", shipped.embed_documents, "sorted", True))
        measure(ways, windows, pieces, passages, args.repeat, torch.get_num_threads())
        print("\nword-piece vectors against torch fp32 (60 texts), min / mean cosine:")
        for name, bulk in graphs.items():
            worst, mean = compare_pieces(embedder, bulk, (windows + pieces)[::10][:60])
            print(f"  {name:<36} {worst:.6f} / {mean:.6f}")
            probe = onnx_model.check_against_torch(bulk._encoder, embedder.model, 0.0)
            print(f"  {'':<36} probes (the check at every build): worst {probe:.6f}")


def measure(ways: list[Way], windows: list[str], pieces: list[str], passages: int, repeat: int, threads: int) -> None:
    # Rounds interleave the ways, so a busy neighbour slows them alike; the ratio is each round's.
    seconds: dict[str, list[float]] = {w.name: [] for w in ways}
    ratios: dict[str, list[float]] = {w.name: [] for w in ways}  # of passages/s: a build's whole work
    vectors: dict[str, Vectors] = {}
    for _ in range(repeat):
        for way in ways:
            texts = windows if way.one_pass else windows + pieces
            took, vectors[way.name] = run(way, texts)
            seconds[way.name].append(took)
            ratios[way.name].append(seconds[ways[0].name][-1] / took)
    reference = vectors[ways[0].name]
    print(f"{len(windows)} window texts + {len(pieces)} word-piece texts of {passages} passages, {threads} torch threads, "
          f"{repeat} rounds\n")
    print(f"{'way':<58} {'texts/s':>8} {'passages/s':>11} {'x passages/s':>13} {'min cos':>8} {'mean cos':>9}")
    for way in ways:
        texts = len(windows) if way.one_pass else len(windows) + len(pieces)
        took = statistics.median(seconds[way.name])
        cos = (vectors[way.name] * reference[: len(vectors[way.name])]).sum(1)
        print(f"{way.name:<58} {texts / took:8.1f} {passages / took:11.1f} {statistics.median(ratios[way.name]):13.2f} "
              f"{cos.min():8.4f} {cos.mean():9.4f}")


if __name__ == "__main__":
    main()
