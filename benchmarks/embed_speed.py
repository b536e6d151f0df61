"""Embedding throughput for an index build: the same texts, the same model, four ways.

The texts are what ``borderqa index`` embeds for the report (each passage's window texts and its word-piece
text, about 630). Ways compared, each on the model's torch threads (2 here):

* ``torch, corpus order``: the build before batches were sorted (chunks of 32 in corpus order);
* ``torch, sorted``: the build now (index.length_batches: longest first, chunks of 256);
* ``torch int8``: the same, the model's Linear layers quantised to int8 (``torch.ao.quantization.quantize_dynamic``);
* ``onnxruntime``: the BERT exported to ONNX and run by ONNX Runtime (it ships with chromadb), mean-pooled.

For each: texts/s, and the worst and mean cosine of its sentence vectors against torch fp32's (1.0 is the
same vector). A way that changes vectors is only worth switching to if the retrieval eval holds.

    nice -n 10 .venv/bin/python benchmarks/embed_speed.py [--repeat 3] [--sample 200] [--skip-onnx]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from borderqa import Assistant
from borderqa.chunking import split_corpus
from borderqa.embedding import SentenceTransformerEmbedder, Vectors, unit_rows
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


def onnx_encoder(model: object, tmp: Path) -> Callable[[list[str]], Vectors]:
    import onnxruntime as ort
    import torch

    bert = model[0].auto_model  # type: ignore[index]
    tokenizer = model.tokenizer  # type: ignore[attr-defined]

    class Hidden(torch.nn.Module):
        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor) -> torch.Tensor:
            out = bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state  # type: ignore[no-any-return]

    sample = tokenizer(["a sample text"], return_tensors="pt")
    path = tmp / "minilm.onnx"
    for parameter in bert.parameters():
        parameter.requires_grad_(False)
    torch.onnx.export(
        Hidden(), (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]), str(path),
        input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["last_hidden_state"],
        dynamic_axes={n: {0: "batch", 1: "seq"} for n in ("input_ids", "attention_mask", "token_type_ids", "last_hidden_state")},
        opset_version=17, dynamo=False,
    )
    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def encode(texts: list[str]) -> Vectors:
        out = []
        for i in range(0, len(texts), 32):
            enc = tokenizer(texts[i : i + 32], padding=True, truncation=True, max_length=256, return_tensors="np")
            feeds = {k: enc[k].astype(np.int64) for k in ("input_ids", "attention_mask", "token_type_ids")}
            hidden = session.run(None, feeds)[0]
            mask = enc["attention_mask"][..., None].astype(np.float32)
            out.append(unit_rows((hidden * mask).sum(1) / mask.sum(1)))
        return np.concatenate(out)

    return encode


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
    tmp = tempfile.TemporaryDirectory()
    if not args.skip_onnx:
        ways.append(("onnxruntime, sorted", onnx_encoder(embedder.model, Path(tmp.name)), "sorted"))
    # Rounds interleave the ways, so a busy neighbour slows them alike; the ratio is each round's.
    speeds: dict[str, list[float]] = {name: [] for name, _, _ in ways}
    ratios: dict[str, list[float]] = {name: [] for name, _, _ in ways}
    vectors: dict[str, Vectors] = {}
    for _ in range(args.repeat):
        for name, encode, order in ways:
            speed, vectors[name] = run(encode, texts, order)
            speeds[name].append(speed)
            ratios[name].append(speed / speeds[ways[0][0]][-1])
    tmp.cleanup()
    reference = vectors[ways[0][0]]
    print(f"{len(texts)} texts, {torch.get_num_threads()} torch threads, {args.repeat} rounds\n")
    print(f"{'way':<24} {'texts/s':>8} {'x (median)':>11} {'min cos':>8} {'mean cos':>9}")
    for name, _, _ in ways:
        cos = (vectors[name] * reference).sum(1)
        print(f"{name:<24} {statistics.median(speeds[name]):8.1f} {statistics.median(ratios[name]):11.2f} "
              f"{cos.min():8.4f} {cos.mean():9.4f}")


if __name__ == "__main__":
    main()
