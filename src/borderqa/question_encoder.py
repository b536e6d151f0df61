"""Retrieval's question side, fine-tuned on the reader's generated questions (query-side fine-tuning).

The index's passage vectors and word-piece vectors stay what the packaged all-MiniLM-L6-v2 gave them; only
a copy of the model that encodes the *question* is trained, so that a question's vector lands nearest its
answering passage's windows (cosine, best window) and its word pieces match that passage's (late
interaction, ``retrieval.maxsim``). The loss is a softmax over every passage of the index for both scores,
the training questions are the reader's (``reader/data/examples.jsonl``: those the local model wrote about
a passage, and the rule questions, labelled "answer"), and nothing is re-indexed.

At search time the question encoder is the packaged model with its weights moved half-way to the tuned ones
(``embedding.question_blend``, 0.5; a weight-space ensemble, WiSE-FT, Wortsman et al. 2022): one forward pass,
as before. The tuned model alone lost on passages it had no question for (held-out questions whose answer is
on the reader's dev passages, trained without them: top-1 0.712 -> 0.636); the blend kept the gain on the
others and little of that loss (0.682), and ranked as averaging the two models' encodings did (held-out
top-1 0.922 both), at half the cost (README, "Retrieval's question encoder").

Only what training changes is shipped (the word-piece table stays frozen and comes from the package), as
fp16 safetensors, sha256-checked at load.
"""

from __future__ import annotations

import copy
import json
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from borderqa.embedding import fitted, save_trained, trained_tensors
from borderqa.errors import ConfigError, ModelError

if TYPE_CHECKING:
    from borderqa.retrieval import Retriever

log = logging.getLogger(__name__)

WEIGHTS_FILE = Path(__file__).parent / "reader" / "weights" / "questions.safetensors"
SHIPPED_SHA256 = "0233bd31b27f7f33b17e04e8ee9c1b510dd892ded438538c404b276ebe50a88f"  # the shipped weights (reader/weights/CARD.md); a mismatch is refused
FORMAT = "borderqa-questions-1"
FROZEN = ("embeddings.word_embeddings.weight",)  # the base's, taken from the package at load
LEFT_OUT = (*FROZEN, "pooler.")  # not shipped: the frozen table, and the pooler mean pooling never reads
KINDS = ("generated", "rule")  # the reader's "answer" examples trained on (its "why" premises repeat one pattern)
SEED = 13


def load_question_model(base: Any, base_sha256: str, weights: Path, expected_sha256: str, blend: float = 1.0) -> Any:
    """The question encoder: a copy of ``base`` (the loaded packaged SentenceTransformer, whose weights have
    ``base_sha256``) with each tensor the file holds set to ``(1 - blend) * base + blend * tuned``, after
    checking the file's hash and that it was trained from that base; ``ModelError`` on anything wrong."""
    state, meta = trained_tensors(weights, expected_sha256, "question encoder",
                                  "run `borderqa reader train-questions`, restore the file from git, or set "
                                  "BORDERQA_EMBEDDING__QUESTION_BLEND=0",
                                  "BORDERQA_EMBEDDING__QUESTION_SHA256 for weights you trained, or "
                                  "BORDERQA_EMBEDDING__QUESTION_BLEND=0 to search without them", FORMAT)
    if meta.get("base_sha256") != base_sha256:
        raise ModelError(f"question encoder weights {weights} were trained from another base model "
                         f"({meta.get('base_sha256')!r}, this one is {base_sha256!r}): run `borderqa reader train-questions`")
    model = copy.deepcopy(base)  # the base is loaded and hash-checked already: no second read of its files
    encoder: Any = model[0].auto_model
    own = encoder.state_dict()
    tuned = fitted(encoder, state, LEFT_OUT, "question encoder", weights)
    encoder.load_state_dict({k: (1 - blend) * own[k] + blend * v for k, v in tuned.items()}, strict=False)
    model.eval()
    log.info("loaded the question encoder from %s (blend %.2f)", weights, blend)
    return model


def save_question_model(model: Any, path: Path, base_sha256: str) -> str:
    """Write what training changed (fp16 safetensors, ``LEFT_OUT`` left out); return the file's sha256."""
    return save_trained(model[0].auto_model, path, LEFT_OUT, {"format": FORMAT, "base_sha256": base_sha256})


def training_pairs(examples: Path, passage_ids: Sequence[str], splits: Sequence[str]) -> list[tuple[str, int]]:
    """(question, index of its passage) for every "answer" example of ``KINDS`` in ``splits`` whose passage
    is in the index, once each."""
    at = {pid: i for i, pid in enumerate(passage_ids)}
    pairs: list[tuple[str, int]] = []
    try:
        for line in examples.read_text(encoding="utf-8").splitlines():
            e = json.loads(line)
            if e["label"] == "answer" and e["kind"] in KINDS and e["split"] in splits and e["passage_id"] in at:
                pairs.append((e["question"], at[e["passage_id"]]))
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(f"{examples} is not a readable examples file ({exc}): run `borderqa reader data`") from exc
    return list(dict.fromkeys(pairs))


@dataclass(frozen=True)
class Corpus:
    """What the index holds for each passage, as training scores it: its windows' vectors (``windows``, one
    row each, ``owner`` the passage's index) and its word-piece vectors as late interaction reads them."""

    passage_ids: list[str]
    windows: np.ndarray
    owner: np.ndarray
    tokens: list[np.ndarray]


def corpus_of(retriever: Retriever) -> Corpus:
    """The live build's passages as training scores them (``Corpus``)."""
    ids = [p.id for p in retriever.passages]
    at = {pid: i for i, pid in enumerate(ids)}
    owners, windows = retriever.index.window_vectors(retriever.build)
    keep = [i for i, pid in enumerate(owners) if pid in at]
    if not keep:
        raise ConfigError("the index holds no passage vectors: run `borderqa index --force`")
    tokens = [retriever.late_tokens(pid) for pid in ids]
    if any(len(t) == 0 for t in tokens):
        raise ConfigError("the index has no word-piece vectors for some passages: run `borderqa index --force`")
    return Corpus(ids, windows[keep], np.array([at[owners[i]] for i in keep]), tokens)


@dataclass(frozen=True)
class TrainSummary:
    pairs: int
    steps: int
    seconds: float
    first_loss: float
    last_loss: float
    sha256: str


class _Scorer:
    """Every passage's two scores for a batch of questions, as retrieval computes them, kept differentiable:
    the cosine with the passage's best window, and late interaction (``retrieval.maxsim``: each question word
    piece but [CLS] and [SEP] matched with its best passage word piece, averaged)."""

    def __init__(self, corpus: Corpus) -> None:
        import torch

        self.windows = torch.tensor(corpus.windows)
        self.owner = torch.tensor(corpus.owner)
        self.n = len(corpus.passage_ids)
        longest = max(len(t) for t in corpus.tokens)
        self.tokens = torch.zeros(self.n, longest, corpus.windows.shape[1])
        self.held = torch.zeros(self.n, longest, dtype=torch.bool)
        for i, t in enumerate(corpus.tokens):
            self.tokens[i, : len(t)] = torch.tensor(t)
            self.held[i, : len(t)] = True

    def __call__(self, model: Any, questions: Sequence[str]) -> tuple[Any, Any]:
        import torch

        features = model.preprocess(list(questions))
        out = model(features)
        vectors = torch.nn.functional.normalize(out["sentence_embedding"], dim=-1)
        by_window = vectors @ self.windows.T
        dense = torch.full((len(questions), self.n), -2.0).scatter_reduce(
            1, self.owner.expand(len(questions), -1), by_window, reduce="amax")
        pieces = torch.nn.functional.normalize(out["token_embeddings"], dim=-1)
        read = features["attention_mask"].clone()
        read[:, 0] = 0  # [CLS]
        read[torch.arange(len(questions)), features["attention_mask"].sum(1) - 1] = 0  # [SEP]
        late = torch.stack([
            torch.einsum("ld,pkd->plk", pieces[i][read[i].bool()], self.tokens)
            .masked_fill(~self.held[:, None, :], -2.0).amax(-1).mean(-1)
            for i in range(len(questions))
        ])
        return dense, late


def train_question_encoder(corpus: Corpus, pairs: Sequence[tuple[str, int]], base_dir: Path, base_sha256: str,
                           out: Path, epochs: float = 2.0, lr: float = 5e-5, batch: int = 16, max_steps: int = 0,
                           temperature: float = 0.05,
                           progress: Callable[[int, int, float], None] | None = None) -> TrainSummary:
    """Fine-tune a copy of the base model as the question encoder and save it to ``out``: cross-entropy of
    each question's passage among all passages, by cosine (best window) and by late interaction (``_Scorer``),
    each over ``temperature``; AdamW with linear warm-up (a tenth) and decay."""
    import torch
    from sentence_transformers import SentenceTransformer

    if not pairs:
        raise ConfigError("no training questions match the index's passages: run `borderqa reader data` first")
    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    scores = _Scorer(corpus)
    model = SentenceTransformer(str(base_dir), device="cpu", local_files_only=True)
    model.train()
    encoder: Any = model[0].auto_model
    for name, param in encoder.named_parameters():
        if name in FROZEN:
            param.requires_grad_(False)
    steps = max(1, int(len(pairs) * epochs / batch))
    if max_steps:
        steps = min(steps, max_steps)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.01)
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, 1 - s / steps))
    order: list[tuple[str, int]] = []
    while len(order) < steps * batch:
        shuffled = list(pairs)
        rng.shuffle(shuffled)
        order += shuffled
    started = time.perf_counter()
    losses: list[float] = []
    for step in range(steps):
        chunk = order[step * batch : (step + 1) * batch]
        dense, late = scores(model, [q for q, _ in chunk])
        target = torch.tensor([p for _, p in chunk])
        loss: Any = (torch.nn.functional.cross_entropy(dense / temperature, target)
                     + torch.nn.functional.cross_entropy(late / temperature, target))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
        if progress:
            progress(step + 1, steps, float(np.mean(losses[-10:])))
    model.eval()
    sha = save_question_model(model, out, base_sha256)
    return TrainSummary(len(pairs), steps, time.perf_counter() - started, float(np.mean(losses[:10])),
                        float(np.mean(losses[-10:])), sha)
