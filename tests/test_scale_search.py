"""Search at scale, fast and offline: top-k without a full sort, dense over-fetch bounded and exact, and
the ONNX Runtime index embedder (export record, hash check, fallback to torch)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from borderqa.config import EmbeddingSettings
from borderqa.embedding import FakeEmbedder, SentenceTransformerEmbedder
from borderqa.errors import ModelError
from borderqa.index import ChromaIndex
from borderqa.lexical import top_indices
from borderqa.types import Document, Passage


@pytest.mark.parametrize("k", [0, 1, 5, 60, 199, 200, 500])
def test_top_indices_match_a_stable_full_sort_with_ties(k: int) -> None:
    rng = np.random.default_rng(k)
    scores = rng.integers(0, 6, 200).astype(np.float32)  # many ties, many zeros
    assert top_indices(scores, k).tolist() == np.argsort(-scores, kind="stable")[:k].tolist()


class CountingEmbedder(FakeEmbedder):
    """Short windows, so one long passage has many windows that crowd the nearest ones."""

    def __init__(self) -> None:
        super().__init__(dimension=32, window_words=4)


def test_dense_query_asks_for_few_windows_and_still_returns_the_k_best_passages(tmp_path: Path) -> None:
    # one long passage of ~90 windows, a few of them about the river; forty short ones
    words = " ".join(f"filler{i}" for i in range(300))
    long = Passage("d:p0000", "d", ("S",), 1, 1, f"river checkpoint migrants train {words} river checkpoint")
    others = [Passage(f"d:p{i:04d}", "d", ("S",), i + 1, i + 1, f"river word{i} town{i % 7}") for i in range(1, 40)]
    passages = [long, *others]
    doc = Document("d", "D", "report", "text", "d.txt", "", "h")
    embedder = CountingEmbedder()
    index = ChromaIndex(tmp_path / "index", embedder, "fp")
    index.build([doc], passages, "v1")
    build = index._open()
    asked: list[int] = []
    real_query = build.collection.query

    def query(**kwargs: object) -> object:
        asked.append(int(kwargs["n_results"]))  # type: ignore[call-overload]
        return real_query(**kwargs)

    build.collection.query = query
    every = build.collection.get(include=["embeddings"])
    for question in ("river word3 town3", "filler7 filler8 filler9", "river checkpoint migrants"):
        asked.clear()
        vector = embedder.embed_query(question)
        got = index.query(vector, 5)
        best: dict[str, float] = {}  # brute force: each passage scored by its best window
        for wid, e in zip(every["ids"], every["embeddings"], strict=True):
            pid = wid.rsplit("#", 1)[0]
            best[pid] = max(best.get(pid, -1.0), float(np.dot(e, vector)))
        expected = sorted(best.values(), reverse=True)[:5]
        assert np.allclose([s for _, s in got], expected, atol=1e-5), question
        assert all(abs(best[pid] - s) < 1e-5 for pid, s in got) and len({pid for pid, _ in got}) == 5
        assert max(asked) < build.windows / 2, question  # never every window, though ~90 are one passage's


def test_onnx_export_is_reused_only_while_its_hash_matches_its_record(tmp_path: Path) -> None:
    from borderqa import onnx_model

    model = tmp_path / "m.onnx"
    model.write_bytes(b"graph")
    assert not onnx_model._checked(model, "w" * 64)  # no record
    onnx_model._record_path(model).write_text(json.dumps({"weights_sha256": "w" * 64, "sha256": onnx_model.file_sha256(model)}))
    assert onnx_model._checked(model, "w" * 64)
    assert not onnx_model._checked(model, "x" * 64)  # made from other weights
    model.write_bytes(b"tampered")
    assert not onnx_model._checked(model, "w" * 64)


@pytest.mark.parametrize("error", [ModelError("no onnx here"), PermissionError("read-only cache folder")])
def test_index_embedder_falls_back_to_torch_when_no_export_can_be_made(
    monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    from borderqa import onnx_model

    def fail(*args: object) -> Path:
        raise error

    monkeypatch.setattr(onnx_model, "exported_model", fail)
    embedder = SentenceTransformerEmbedder(EmbeddingSettings())
    monkeypatch.setattr(SentenceTransformerEmbedder, "model", property(lambda self: object()))
    assert embedder.for_indexing() is embedder
    torch_only = SentenceTransformerEmbedder(EmbeddingSettings(index_backend="torch"))
    assert torch_only.for_indexing() is torch_only


def test_a_build_embeds_through_for_indexing(tmp_path: Path) -> None:
    class Bulk(FakeEmbedder):
        calls = 0

        def for_indexing(self) -> FakeEmbedder:
            Bulk.calls += 1
            return FakeEmbedder()

    passages = [Passage(f"d:p{i:04d}", "d", ("S",), i + 1, i + 1, f"river word{i}") for i in range(5)]
    doc = Document("d", "D", "report", "text", "d.txt", "", "h")
    index = ChromaIndex(tmp_path / "index", Bulk(), "fp")
    index.build([doc], passages, "v1")
    assert Bulk.calls == 1
    assert index.build([doc], passages, "v1").skipped and Bulk.calls == 1  # nothing to embed: no export asked for


@pytest.mark.slow
def test_the_real_onnx_export_gives_torchs_vectors_and_is_reused(tmp_path: Path) -> None:
    from borderqa.embedding import OnnxBulkEmbedder

    embedder = SentenceTransformerEmbedder(EmbeddingSettings(index_backend="onnx", onnx_dir=str(tmp_path)))
    bulk = embedder.for_indexing()
    assert isinstance(bulk, OnnxBulkEmbedder)
    texts = ["Mexico's southern border runs 714 miles.", "La Bestia " * 150, "checkpoints", "The INM detained 86,298 migrants."]
    assert np.allclose(bulk.embed_documents(texts), embedder.embed_documents(texts), atol=1e-4)
    for mine, theirs in zip(bulk.embed_tokens(texts), embedder.embed_tokens(texts), strict=True):
        assert mine.shape == theirs.shape and np.allclose(mine, theirs, atol=1e-3)
    assert bulk.embed_documents([]).shape == (0, 384) and bulk.embed_tokens([]) == []
    exported = sorted(tmp_path.glob("*.onnx"))
    assert len(exported) == 1 and exported[0].with_suffix(".json").is_file()
    stamp = exported[0].stat().st_mtime_ns
    again = SentenceTransformerEmbedder(EmbeddingSettings(index_backend="onnx", onnx_dir=str(tmp_path))).for_indexing()
    assert isinstance(again, OnnxBulkEmbedder) and exported[0].stat().st_mtime_ns == stamp  # reused, not re-made
