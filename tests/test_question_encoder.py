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
    _Scorer,
    load_question_model,
    train_question_encoder,
    training_pairs,
)
from borderqa.retrieval import maxsim

BASE_SHA = EmbeddingSettings().model_sha256


def _base() -> object:
    """The packaged model, loaded and hash-checked as the embedder loads it."""
    return SentenceTransformerEmbedder(EmbeddingSettings(question_blend=0)).model


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


def _unit(a: np.ndarray) -> np.ndarray:
    return (a / np.linalg.norm(a, axis=-1, keepdims=True)).astype(np.float32)


def _tiny_corpus() -> Corpus:
    rng = np.random.default_rng(0)
    return Corpus(["a", "b", "c"], _unit(rng.normal(size=(4, 384))), np.array([0, 1, 2, 2]),
                  [_unit(rng.normal(size=(n, 384))) for n in (5, 3, 7)])


@pytest.mark.slow
def test_a_few_training_steps_write_weights_that_load(tmp_path: Path) -> None:
    corpus = _tiny_corpus()
    steps: list[int] = []
    out = tmp_path / "q.safetensors"
    summary = train_question_encoder(corpus, [("How many Marines?", 0), ("Which route?", 2)], packaged_model_path(), BASE_SHA,
                                     out, epochs=4, batch=2, progress=lambda s, total, loss: steps.append(s))
    assert summary.steps == 4 and steps == [1, 2, 3, 4] and np.isfinite(summary.last_loss)
    assert summary.sha256 == file_sha256(out)
    base = _base()
    model = load_question_model(base, BASE_SHA, out, summary.sha256)
    assert model.encode(["How many Marines?"]).shape == (1, 384)
    with pytest.raises(ModelError, match="another base model"):
        load_question_model(base, "0" * 64, out, summary.sha256)
    with pytest.raises(ConfigError, match="no training questions"):
        train_question_encoder(corpus, [], packaged_model_path(), BASE_SHA, out)


@pytest.mark.slow
def test_training_scores_passages_as_retrieval_does() -> None:
    """The late-interaction score trained on is retrieval's ``maxsim`` of ``encode_query``'s word pieces (the
    same pieces left out), and the dense score the cosine with the passage's best window."""
    import torch

    corpus = _tiny_corpus()
    embedder = SentenceTransformerEmbedder(EmbeddingSettings(question_blend=0))
    q = "How many Marines does each naval station have?"
    with torch.inference_mode():
        dense, late = _Scorer(corpus)(embedder.model, [q, "Which route do migrants take?"])
    encoded = embedder.encode_query(q)
    for p, tokens in enumerate(corpus.tokens):
        assert abs(float(late[0, p]) - maxsim(encoded.tokens, tokens)) < 1e-5
    best_window = [max(float(corpus.windows[w] @ encoded.vector) for w in np.flatnonzero(corpus.owner == p)) for p in range(3)]
    assert np.allclose(dense[0].numpy(), best_window, atol=1e-5)


@pytest.mark.slow
def test_shipped_weights_match_their_pinned_hash_and_damaged_ones_are_refused(tmp_path: Path) -> None:
    from safetensors.torch import load_file, save_file

    assert WEIGHTS_FILE.is_file(), "the question encoder weights must ship with the code"
    assert SHIPPED_SHA256 and file_sha256(WEIGHTS_FILE) == SHIPPED_SHA256
    base = _base()
    bad = tmp_path / "questions.safetensors"
    bad.write_bytes(WEIGHTS_FILE.read_bytes()[:-100] + b"\0" * 100)
    with pytest.raises(ModelError, match=r"sha256.*QUESTION_BLEND=0"):
        load_question_model(base, BASE_SHA, bad, SHIPPED_SHA256)
    torn = tmp_path / "torn.safetensors"
    torn.write_bytes(b"\xff" * 16 + WEIGHTS_FILE.read_bytes()[16:4096])
    with pytest.raises(ModelError, match=r"cannot be read|not a BorderQA question encoder"):
        load_question_model(base, BASE_SHA, torn, "")
    with pytest.raises(ModelError, match="QUESTION_BLEND=0"):
        load_question_model(base, BASE_SHA, tmp_path / "nothing.safetensors", SHIPPED_SHA256)
    state = load_file(str(WEIGHTS_FILE))
    name = "encoder.layer.0.attention.self.query.bias"
    shrunk = tmp_path / "shrunk.safetensors"  # a tensor of another shape, which the blend would broadcast
    save_file({**state, name: state[name][:1].contiguous()}, str(shrunk), metadata={"format": "borderqa-questions-1", "base_sha256": BASE_SHA})
    with pytest.raises(ModelError, match="other shapes"):
        load_question_model(base, BASE_SHA, shrunk, "")
    broken = SentenceTransformerEmbedder(EmbeddingSettings(question_weights=str(bad), question_sha256=SHIPPED_SHA256))
    for _ in range(2):  # search refuses damaged weights rather than rank without them, each time
        with pytest.raises(ModelError):
            broken.encode_query("How many Marines?")


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
    table = "embeddings.word_embeddings.weight"  # frozen in training, not shipped: the packaged one
    assert np.array_equal(half.question_model[0].auto_model.state_dict()[table].numpy(),
                          base.model[0].auto_model.state_dict()[table].numpy())


@pytest.mark.slow
def test_the_shipped_encoder_ranks_its_questions_passages_higher_than_the_packaged_model() -> None:
    """In-sample (its own training questions, dense side): that the shipped file is the trained encoder, not
    a measure of how it does on new questions (README and CARD.md have those)."""
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


@pytest.mark.slow
def test_a_source_it_never_saw_is_still_found_among_the_reports_passages() -> None:
    """The tuned encoder leans towards the report's passages (its training questions are all about them): a
    new source's paragraph must still rank as high, by cosine, among the report's windows."""
    from borderqa import Assistant
    from test_reader_unseen import CASES, _passages

    retriever = Assistant.from_settings().retriever
    _, report = retriever.index.window_vectors(retriever.build)
    source = _passages()
    ranks: dict[float, list[int]] = {}
    for w in (0.0, 0.5):
        embedder = SentenceTransformerEmbedder(EmbeddingSettings(question_blend=w))
        vectors = embedder.embed_documents([p.text for p in source])  # as an index build embeds them (packaged model)
        ranks[w] = []
        for question, where, _ in CASES:
            if where is None:
                continue
            q = embedder.encode_query(question).vector
            answering = next(v for p, v in zip(source, vectors, strict=True) if where in p.text)
            ranks[w].append(1 + int(np.sum(report @ q > answering @ q)) + sum(
                float(v @ q) > float(answering @ q) for v in vectors))
    print(f"unseen source, rank of the answering paragraph among the report's windows: {ranks}")
    assert sum(r <= 3 for r in ranks[0.5]) >= sum(r <= 3 for r in ranks[0.0]), ranks
