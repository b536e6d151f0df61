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

import json
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from borderqa.embedding import file_sha256, trained_tensors
from borderqa.errors import ConfigError, ModelError

if TYPE_CHECKING:
    from borderqa.retrieval import Retriever

log = logging.getLogger(__name__)

WEIGHTS_FILE = Path(__file__).parent / "reader" / "weights" / "questions.safetensors"
SHIPPED_SHA256 = "7c7ead4ebba6a0c98ba3bef48ce6495380843cabbef92dbeca50ada2c8288848"  # the shipped weights (reader/weights/CARD.md); a mismatch is refused
FORMAT = "borderqa-questions-1"
FROZEN = ("embeddings.word_embeddings.weight",)  # the base's, taken from the package at load
KINDS = ("generated", "rule")  # the reader's "answer" examples trained on (its "why" premises repeat one pattern)
SEED = 13


def load_question_model(base_dir: Path, weights: Path, expected_sha256: str, blend: float = 1.0) -> Any:
    """The question encoder: the packaged model (a SentenceTransformer) with each tensor the file holds set to
    ``(1 - blend) * base + blend * tuned``, after checking the file's hash; ``ModelError`` on anything wrong."""
    state, _ = trained_tensors(weights, expected_sha256, "question encoder",
                               "run `borderqa reader train-questions`, restore the file from git, or set "
                               "BORDERQA_EMBEDDING__QUESTION_BLEND=0", "BORDERQA_EMBEDDING__QUESTION_SHA256", FORMAT)
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(base_dir), device="cpu", local_files_only=True)
    encoder: Any = model[0].auto_model
    own = encoder.state_dict()
    if set(state) - set(own):
        raise ModelError(f"question encoder weights {weights} do not fit the model (unexpected {sorted(set(state) - set(own))[:3]})")
    blended = {k: (1 - blend) * own[k] + blend * v.float() for k, v in state.items()}
    missing, unexpected = encoder.load_state_dict(blended, strict=False)
    if unexpected or set(missing) - set(FROZEN):
        raise ModelError(f"question encoder weights {weights} do not fit the model (missing {missing[:3]}, unexpected {unexpected[:3]})")
    model.eval()
    log.info("loaded the question encoder from %s", weights)
    return model


def save_question_model(model: Any, path: Path) -> str:
    """Write what training changed (fp16 safetensors, the frozen table left out); return the file's sha256."""
    import torch
    from safetensors.torch import save_file

    state = {k: v.detach().to(torch.float16).contiguous() for k, v in model[0].auto_model.state_dict().items()
             if k not in FROZEN}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    save_file(state, str(tmp), metadata={"format": FORMAT})
    tmp.replace(path)
    return file_sha256(path)


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
    tokens = [retriever.late_tokens(pid) for pid in ids]
    if not keep or any(len(t) == 0 for t in tokens):
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


def train_question_encoder(corpus: Corpus, pairs: Sequence[tuple[str, int]], base_dir: Path, out: Path,
                           epochs: float = 2.0, lr: float = 5e-5, batch: int = 16, max_steps: int = 0,
                           temperature: float = 0.05,
                           progress: Callable[[int, int, float], None] | None = None) -> TrainSummary:
    """Fine-tune a copy of the base model as the question encoder and save it to ``out``: cross-entropy of
    each question's passage among all passages, by cosine (best window) and by late interaction, each over
    ``temperature``; AdamW with linear warm-up (a tenth) and decay."""
    import torch
    from sentence_transformers import SentenceTransformer

    if not pairs:
        raise ConfigError("no training questions match the index's passages: run `borderqa reader data` first")
    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    windows = torch.tensor(corpus.windows)
    owner = torch.tensor(corpus.owner)
    n = len(corpus.passage_ids)
    longest = max(len(t) for t in corpus.tokens)
    tokens = torch.zeros(n, longest, corpus.windows.shape[1])
    held = torch.zeros(n, longest, dtype=torch.bool)
    for i, t in enumerate(corpus.tokens):
        tokens[i, : len(t)] = torch.tensor(t)
        held[i, : len(t)] = True
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
        features = model.preprocess([q for q, _ in chunk])
        out_ = model(features)
        vectors = torch.nn.functional.normalize(out_["sentence_embedding"], dim=-1)
        by_window = vectors @ windows.T
        dense = torch.full((len(chunk), n), -2.0).scatter_reduce(1, owner.expand(len(chunk), -1), by_window, reduce="amax")
        pieces = torch.nn.functional.normalize(out_["token_embeddings"], dim=-1)
        mask = features["attention_mask"].clone()
        mask[:, 0] = 0  # [CLS] and [SEP] are left out, as retrieval leaves them out
        mask[torch.arange(len(chunk)), features["attention_mask"].sum(1) - 1] = 0
        late = torch.stack([
            torch.einsum("ld,pkd->plk", pieces[i][mask[i].bool()], tokens).masked_fill(~held[:, None, :], -2.0).amax(-1).mean(-1)
            for i in range(len(chunk))
        ])
        target = torch.tensor([p for _, p in chunk])
        loss: Any = (torch.nn.functional.cross_entropy(dense / temperature, target)
                + torch.nn.functional.cross_entropy(late / temperature, target))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(float(loss))
        if progress:
            progress(step + 1, steps, float(np.mean(losses[-10:])))
    model.eval()
    sha = save_question_model(model, out)
    return TrainSummary(len(pairs), steps, time.perf_counter() - started, float(np.mean(losses[:10])),
                        float(np.mean(losses[-10:])), sha)
