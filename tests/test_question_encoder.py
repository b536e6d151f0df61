"""Retrieval's tuned question encoder: its training pairs, a few real training steps (so the code cannot
rot), the shipped weights hash-checked and refused when damaged, the blend at search time, and the shipped
encoder ranking its training questions' passages higher than the packaged model alone."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from borderqa.config import EmbeddingSettings
from borderqa.embedding import SentenceTransformerEmbedder, file_sha256, packaged_model_path
from borderqa.errors import ConfigError, ModelError
from borderqa.question_encoder import (
    SHIPPED_SHA256,
    WEIGHTS_FILE,
    Corpus,
    load_question_model,
    train_question_encoder,
    training_pairs,
)


def _example(question: str, pid: str, label: str = "answer", kind: str = "generated", split: str = "train") -> str:
    return json.dumps({"question": question, "passage_id": pid, "label": label, "kind": kind, "split": split})


def test_training_pairs_are_answer_questions_of_indexed_passages_once_each(tmp_path: Path) -> None:
    f = tmp_path / "examples.jsonl"
    f.write_text("\n".join([
        _example("How many Marines?", "report:p0002"),
        _example("How many Marines?", "report:p0002"),  # the same pair twice
        _example("How long is the border?", "report:p0001", kind="rule", split="dev"),
        _example("How many llamas?", "report:p0001", label="none", kind="attribute"),  # not an answer
        _example("Why did X rise?", "report:p0001", kind="why_premise"),  # a kind not trained on
        _example("Where is Y?", "gone:p0001"),  # a passage the index no longer has
    ]) + "\n", encoding="utf-8")
    ids = ["report:p0001", "report:p0002"]
    assert training_pairs(f, ids, ["train"]) == [("How many Marines?", 1)]
    assert training_pairs(f, ids, ["train", "dev"]) == [("How many Marines?", 1), ("How long is the border?", 0)]
    f.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="reader data"):
        training_pairs(f, ids, ["train"])


@pytest.mark.slow
def test_a_few_training_steps_write_weights_that_load(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    unit = lambda a: a / np.linalg.norm(a, axis=-1, keepdims=True)  # noqa: E731
    corpus = Corpus(["a", "b", "c"], unit(rng.normal(size=(4, 384))).astype(np.float32), np.array([0, 1, 2, 2]),
                    [unit(rng.normal(size=(n, 384))).astype(np.float32) for n in (5, 3, 7)])
    steps: list[int] = []
    out = tmp_path / "q.safetensors"
    summary = train_question_encoder(corpus, [("How many Marines?", 0), ("Which route?", 2)], packaged_model_path(), out,
                                     epochs=4, batch=2, progress=lambda s, total, loss: steps.append(s))
    assert summary.steps == 4 and steps == [1, 2, 3, 4] and np.isfinite(summary.last_loss)
    assert summary.sha256 == file_sha256(out)
    model = load_question_model(packaged_model_path(), out, summary.sha256)
    assert model.encode(["How many Marines?"]).shape == (1, 384)
    with pytest.raises(ConfigError, match="no training questions"):
        train_question_encoder(corpus, [], packaged_model_path(), out)


@pytest.mark.slow
def test_shipped_weights_match_their_pinned_hash_and_damaged_ones_are_refused(tmp_path: Path) -> None:
    assert WEIGHTS_FILE.is_file(), "the question encoder weights must ship with the code"
    assert SHIPPED_SHA256 and file_sha256(WEIGHTS_FILE) == SHIPPED_SHA256
    bad = tmp_path / "questions.safetensors"
    bad.write_bytes(WEIGHTS_FILE.read_bytes()[:-100] + b"\0" * 100)
    with pytest.raises(ModelError, match="sha256"):
        load_question_model(packaged_model_path(), bad, SHIPPED_SHA256)
    torn = tmp_path / "torn.safetensors"
    torn.write_bytes(b"\xff" * 16 + WEIGHTS_FILE.read_bytes()[16:4096])
    with pytest.raises(ModelError, match=r"cannot be read|not a BorderQA question encoder"):
        load_question_model(packaged_model_path(), torn, "")
    with pytest.raises(ModelError, match="QUESTION_BLEND=0"):
        load_question_model(packaged_model_path(), tmp_path / "nothing.safetensors", SHIPPED_SHA256)
    broken = SentenceTransformerEmbedder(EmbeddingSettings(question_weights=str(bad), question_sha256=SHIPPED_SHA256))
    with pytest.raises(ModelError):
        broken.encode_query("How many Marines?")  # search refuses damaged weights rather than rank without them


@pytest.mark.slow
def test_the_question_encoder_is_the_packaged_model_moved_towards_the_tuned_weights() -> None:
    base = SentenceTransformerEmbedder(EmbeddingSettings(question_blend=0))
    half = SentenceTransformerEmbedder(EmbeddingSettings(question_blend=0.5))
    tuned = SentenceTransformerEmbedder(EmbeddingSettings(question_blend=1))
    q = "How many Marines does each naval station have?"
    b, h, t = base.encode_query(q), half.encode_query(q), tuned.encode_query(q)
    assert base._question_model is None  # blend 0 never reads the tuned file
    assert b.tokens.shape == h.tokens.shape == t.tokens.shape
    assert not np.allclose(b.vector, t.vector, atol=1e-3) and not np.allclose(h.vector, t.vector, atol=1e-3)
    assert np.isclose(np.linalg.norm(h.vector), 1.0, atol=1e-5)
    name = "encoder.layer.3.attention.self.query.weight"
    weight = lambda e: e.question_model[0].auto_model.state_dict()[name]  # noqa: E731
    packaged = base.model[0].auto_model.state_dict()[name]
    assert np.allclose(weight(half).numpy(), ((packaged + weight(tuned)) / 2).numpy(), atol=1e-6)
    assert not np.allclose(weight(tuned).numpy(), packaged.numpy(), atol=1e-4)


@pytest.mark.slow
def test_the_shipped_encoder_ranks_its_questions_passages_higher_than_the_packaged_model() -> None:
    from borderqa import Assistant
    from borderqa.reader.data import DATA_DIR, EXAMPLES_FILE

    retriever = Assistant.from_settings().retriever
    ids = [p.id for p in retriever.passages]
    pairs = training_pairs(DATA_DIR / EXAMPLES_FILE, ids, ["train", "dev"])[::20]  # 64 questions
    embedders = {w: SentenceTransformerEmbedder(EmbeddingSettings(question_blend=w)) for w in (0.0, 0.5)}
    mrr = {}
    for w, embedder in embedders.items():
        found = [retriever.index.query(embedder.encode_query(q).vector, 20) for q, _ in pairs]
        mrr[w] = np.mean([next((1 / r for r, (pid, _) in enumerate(hits, 1) if pid == ids[p]), 0.0)
                          for hits, (_, p) in zip(found, pairs, strict=True)])
    assert mrr[0.5] > mrr[0.0] + 0.02, mrr


@pytest.mark.slow
def test_cli_train_questions_smoke_run_writes_weights(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from borderqa.cli import main

    out = tmp_path / "w" / "questions.safetensors"
    result = CliRunner().invoke(main, ["reader", "train-questions", "--out", str(out), "--max-steps", "1"])
    assert result.exit_code == 0, result.output
    assert out.is_file() and f"BORDERQA_EMBEDDING__QUESTION_SHA256={file_sha256(out)}" in result.output
