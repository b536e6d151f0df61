"""The int8 index embedder: its own fingerprint, its cached graph's record, its check, and an index that
never mixes int8 vectors with fp32 ones (fast, with fakes; one slow test with the real model)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from borderqa import onnx_model
from borderqa.config import EmbeddingSettings, Settings, fingerprint
from borderqa.embedding import FakeEmbedder, OnnxBulkEmbedder, SentenceTransformerEmbedder
from borderqa.index import ChromaIndex
from borderqa.types import Document, Passage


def _settings(backend: str) -> Settings:
    return Settings.load(embedding=EmbeddingSettings(index_backend=backend))  # type: ignore[arg-type]


def test_int8_vectors_have_their_own_fingerprint_and_fp32_backends_share_one() -> None:
    assert fingerprint(_settings("torch")) == fingerprint(_settings("onnx"))  # the same vectors (checked at export)
    assert fingerprint(_settings("onnx-int8")) != fingerprint(_settings("onnx"))
    assert EmbeddingSettings(index_backend="onnx-int8").index_vectors == "int8"
    assert EmbeddingSettings(index_backend="torch").index_vectors == "fp32"


def test_a_quantised_graph_is_trusted_only_while_its_record_names_its_source_and_recipe(tmp_path: Path) -> None:
    graph = tmp_path / "m-int8.onnx"
    graph.write_bytes(b"int8 graph")
    made_from = {"source_sha256": "s" * 64, "quantisation": onnx_model.QUANTISATION, "onnxruntime": "1.0"}
    record = {"weights_sha256": "w" * 64, "sha256": onnx_model.file_sha256(graph), **made_from}
    onnx_model._record_path(graph).write_text(json.dumps(record))
    assert onnx_model._checked(graph, "w" * 64, **made_from)
    assert not onnx_model._checked(graph, "w" * 64, **{**made_from, "source_sha256": "t" * 64})  # re-exported fp32
    other = dict(onnx_model.QUANTISATION, per_channel=False)
    assert not onnx_model._checked(graph, "w" * 64, **{**made_from, "quantisation": other})  # another recipe
    assert not onnx_model._checked(graph, "w" * 64, **{**made_from, "onnxruntime": "2.0"})  # another quantiser


class _Model:
    tokenizer = None


def _fake_onnx(monkeypatch: pytest.MonkeyPatch, worst: float) -> dict[str, Any]:
    """onnx_model with every model step faked; what was asked for is recorded in the returned dict."""
    asked: dict[str, Any] = {}

    def exported(model: object, cache: Path, sha: str) -> Path:
        return cache / "fp32.onnx"

    def quantised(fp32: Path, sha: str) -> Path:
        asked["quantised"] = fp32
        return fp32.with_name("int8.onnx")

    def check(encoder: object, model: object, min_cosine: float) -> float:
        asked["min_cosine"] = min_cosine
        if worst < min_cosine:
            raise onnx_model.ModelError("too far from torch")
        return worst

    monkeypatch.setattr(onnx_model, "exported_model", exported)
    monkeypatch.setattr(onnx_model, "quantised_model", quantised)
    monkeypatch.setattr(onnx_model, "OnnxEncoder", lambda path, *a: asked.setdefault("path", path))
    monkeypatch.setattr(onnx_model, "check_against_torch", check)
    monkeypatch.setattr(SentenceTransformerEmbedder, "model", property(lambda self: _Model()))
    return asked


def test_the_int8_backend_runs_the_quantised_graph_checked_at_its_own_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _fake_onnx(monkeypatch, worst=0.988)
    bulk = SentenceTransformerEmbedder(EmbeddingSettings(index_backend="onnx-int8", onnx_dir="m")).for_indexing()
    assert isinstance(bulk, OnnxBulkEmbedder) and bulk.vectors == "int8"
    assert asked["path"] == Path("m/int8.onnx") and asked["min_cosine"] == onnx_model.MIN_COSINE["int8"]


def test_an_int8_graph_too_far_from_torch_leaves_the_build_on_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_onnx(monkeypatch, worst=0.9)
    embedder = SentenceTransformerEmbedder(EmbeddingSettings(index_backend="onnx-int8"))
    bulk = embedder.for_indexing()
    assert bulk is embedder and bulk.vectors == "fp32" and embedder.index_vectors == "int8"


class _Int8Wanted(FakeEmbedder):
    """An embedder set to build int8 vectors whose bulk embedder gives ``gives`` (fp32: it fell back)."""

    def __init__(self, gives: str) -> None:
        super().__init__()
        self.index_vectors = "int8"
        self.gives = gives
        self.embedded: list[str] = []  # the passage-vector texts (section path first) its bulk embedder embedded

    def for_indexing(self) -> FakeEmbedder:
        outer = self

        class Bulk(FakeEmbedder):
            vectors = outer.gives

            def embed_documents(self, texts: list[str]) -> np.ndarray:
                outer.embedded += [t for t in texts if t.startswith("S. ")]  # not the word pieces' words
                return super().embed_documents(texts)

        return Bulk()


def _corpus(n: int) -> tuple[Document, list[Passage]]:
    passages = [Passage(f"d:p{i:04d}", "d", ("S",), i + 1, i + 1, f"river word{i}") for i in range(n)]
    return Document("d", "D", "report", "text", "d.txt", "", f"h{n}"), passages


def test_vectors_of_a_fallback_build_are_not_reused_by_an_int8_build(tmp_path: Path) -> None:
    doc, passages = _corpus(4)
    fell_back = _Int8Wanted(gives="fp32")
    ChromaIndex(tmp_path / "index", fell_back, "fp").build([doc], passages, "v1")
    assert json.loads((tmp_path / "index" / "manifest.json").read_text())["vectors"] == "fp32"
    int8 = _Int8Wanted(gives="int8")
    more_doc, more = _corpus(5)
    ChromaIndex(tmp_path / "index", int8, "fp").build([more_doc], more, "v1")
    assert len(int8.embedded) == 5  # every window again: the fp32 ones are not mixed in
    assert json.loads((tmp_path / "index" / "manifest.json").read_text())["vectors"] == "int8"
    again = _Int8Wanted(gives="int8")
    ChromaIndex(tmp_path / "index", again, "fp").build([_corpus(6)[0]], _corpus(6)[1], "v1")
    assert len(again.embedded) == 1  # int8 after int8: only the new passage


@pytest.mark.slow
def test_the_real_int8_graph_is_made_once_and_stays_close_to_torch(tmp_path: Path) -> None:
    embedder = SentenceTransformerEmbedder(EmbeddingSettings(index_backend="onnx-int8", onnx_dir=str(tmp_path)))
    bulk = embedder.for_indexing()
    assert isinstance(bulk, OnnxBulkEmbedder) and bulk.vectors == "int8"
    texts = ["Mexico's southern border runs 714 miles.", "La Bestia " * 150, "checkpoints", "The INM detained 86,298 migrants."]
    cosines = (bulk.embed_documents(texts) * embedder.embed_documents(texts)).sum(1)
    assert cosines.min() >= onnx_model.MIN_COSINE["int8"]
    for mine, theirs in zip(bulk.embed_tokens(texts), embedder.embed_tokens(texts), strict=True):
        assert mine.shape == theirs.shape and (mine * theirs).sum(1).mean() >= 0.97
    int8 = sorted(tmp_path.glob("*-int8.onnx"))
    assert len(int8) == 1 and json.loads(int8[0].with_suffix(".json").read_text())["quantisation"] == onnx_model.QUANTISATION
    stamp = int8[0].stat().st_mtime_ns
    again = SentenceTransformerEmbedder(EmbeddingSettings(index_backend="onnx-int8", onnx_dir=str(tmp_path))).for_indexing()
    assert isinstance(again, OnnxBulkEmbedder) and int8[0].stat().st_mtime_ns == stamp  # reused, not re-made


@pytest.mark.slow
def test_answer_sentences_are_embedded_by_the_fp32_export_whatever_the_index_uses(tmp_path: Path) -> None:
    from borderqa.sentences import SentenceBank

    embedder = SentenceTransformerEmbedder(EmbeddingSettings(index_backend="onnx-int8", onnx_dir=str(tmp_path)))
    bank = SentenceBank(embedder)
    sentences = bank.embedder
    assert isinstance(sentences, OnnxBulkEmbedder) and sentences.vectors == "fp32"
    assert embedder.for_sentences() is sentences and embedder.for_indexing() is not sentences  # each made once, kept
    texts = ["Mexico's southern border runs 714 miles.", "Migrants ride the cargo train known as La Bestia."]
    assert (bank.embed(texts) * embedder.embed_documents(texts)).sum(1).min() >= onnx_model.MIN_COSINE["fp32"]
    torch_only = SentenceTransformerEmbedder(EmbeddingSettings(index_backend="torch"))
    assert SentenceBank(torch_only).embedder is torch_only


def test_a_graph_onnx_runtime_cannot_load_is_a_model_error(tmp_path: Path) -> None:
    from borderqa.errors import ModelError

    bad = tmp_path / "broken.onnx"
    bad.write_bytes(b"not a graph")
    with pytest.raises(ModelError, match=r"cannot load broken\.onnx"):
        onnx_model.session(bad, 1)
