"""Embedders: word-piece vectors, one-pass question encoding, the per-question torch thread count."""

from __future__ import annotations

import numpy as np
import pytest

from borderqa.config import EmbeddingSettings
from borderqa.embedding import (
    FakeEmbedder,
    SentenceTransformerEmbedder,
    packaged_model_path,
    torch_threads,
    unit_rows,
)


def test_unit_rows_scales_rows_and_keeps_zero_and_empty_rows() -> None:
    m = np.array([[3.0, 4.0], [0.0, 0.0]], dtype=np.float32)
    assert np.allclose(unit_rows(m), [[0.6, 0.8], [0.0, 0.0]])
    assert unit_rows(m[:0]).shape == (0, 2)


def test_fake_embedder_encodes_a_question_once_for_both_uses() -> None:
    fake = FakeEmbedder()
    encoded = fake.encode_query("checkpoints on the highway")
    assert np.allclose(encoded.vector, fake.embed_query("checkpoints on the highway"))
    assert np.allclose(encoded.tokens, fake.embed_tokens(["checkpoints on the highway"])[0])


def test_torch_threads_sets_and_restores_the_callers_count() -> None:
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with torch_threads(0):
        assert torch.get_num_threads() == before


@pytest.mark.slow
def test_the_real_model_gives_the_same_vectors_in_one_pass() -> None:
    try:
        packaged_model_path()
    except Exception:  # pragma: no cover - the model package is part of `make setup`
        pytest.skip("the embedding model package is not installed")
    torch = pytest.importorskip("torch")
    embedder = SentenceTransformerEmbedder(EmbeddingSettings(query_threads=1, question_blend=0))  # the packaged model alone
    question = "Is it hard to get from Guatemala into Mexico?"
    before = torch.get_num_threads()
    encoded = embedder.encode_query(question)
    assert torch.get_num_threads() == before
    assert np.allclose(encoded.vector, embedder.embed_documents([question])[0], atol=1e-5)
    assert np.allclose(encoded.tokens, embedder.embed_tokens([question])[0], atol=1e-5)
    assert encoded.tokens.shape[1] == embedder.dimension
    assert np.allclose(np.linalg.norm(encoded.tokens, axis=1), 1.0, atol=1e-4)
