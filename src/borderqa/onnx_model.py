"""all-MiniLM-L6-v2 through ONNX Runtime, for index builds: exported here from the packaged weights.

An index build embeds every passage twice (its vector, and its word pieces for late interaction); on 2
cores torch's BERT is the whole cost. The same network run by ONNX Runtime (``onnxruntime`` ships with
chromadb) gives the same vectors faster (``benchmarks/embed_speed.py`` has the figures). Nothing is
downloaded: ``exported_model`` traces the hash-checked packaged model with ``torch.onnx.export`` (the
TorchScript exporter; it needs the ``onnx`` package) into the embedding cache folder, once, as
``all-MiniLM-L6-v2-<weights sha>-<torch version>.onnx`` with a ``.json`` beside it recording the export's
own sha256 and the source weights' hash. A file whose hash differs from its record, or whose record names
other weights, is exported again, never trusted. Each export is checked against torch on probe texts
(cosine of sentence and word-piece vectors >= ``MIN_COSINE``) before it is used; an export that fails
raises ``ModelError`` and the embedder stays on torch.

``index_backend = "onnx-int8"`` (for large builds; "onnx", fp32, is the default) runs that export quantised by onnxruntime
(``quantised_model``: ``quantize_dynamic``, int8 weights), cached beside it as ``...-int8.onnx`` under the
same discipline: its record names the fp32 export's hash, the recipe and the onnxruntime version, and a
mismatch makes it again. Its vectors are not torch's (sentence cosine >= 0.98 on the report's texts), so it
has its own index fingerprint (config.py) and its own, lower ``MIN_COSINE``; the retrieval eval on an
int8-built index, questions still on torch fp32, is what allowed it (README, "Scaling out").

``OnnxEncoder`` does what sentence-transformers does for this model (word-piece tokenizer, mean pooling
over the attention mask, unit length), and returns the word-piece vectors of the same pass trimmed like
``SentenceTransformer.encode(output_value="token_embeddings")``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from borderqa.embedding import Vectors, file_sha256, unit_rows
from borderqa.errors import ModelError

log = logging.getLogger(__name__)

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# The worst cosine to torch's vectors (sentence and word pieces, on ``PROBES``) a graph may show, per
# precision. The fp32 export must give torch's vectors (measured >= 0.99999). The int8 graph moves them by
# design: ``QUANTISATION`` measured 0.988 on the probes; int8 or uint8 weights per tensor, which moved the
# report's sentence vectors 2-5x more (min 0.914 / 0.958 against 0.985 over 240 texts), measured 0.937 / 0.965
# and are refused, as is anything broken worse.
MIN_COSINE = {"fp32": 0.9999, "int8": 0.97}
# onnxruntime's dynamic quantisation of the fp32 export: int8 weights per output channel on every weight
# MatMul (the Linear layers; the attention products have no constant side and stay fp32; activations are
# quantised per batch as uint8: the u8s8 kernels that avx512_vnni runs). Measured (benchmarks/embed_speed.py):
# about 1.5x the fp32 export's texts/s. uint8 weights were as close but ~25 % slower; ``keep_fp32`` (node
# names, a regex) left empty: keeping each layer's feed-forward output projection in fp32 moved the vectors
# half as much and ranked a little better (hybrid MRR -0.003 against -0.005 to fp32), but was 1.2-1.3x.
QUANTISATION: dict[str, Any] = {"weight_type": "QInt8", "per_channel": True, "op_types": ["MatMul"], "keep_fp32": ""}
PROBES = (
    "Mexico's southern border with Guatemala and Belize runs 714 miles.",
    "Migrants ride the cargo train known as La Bestia.",
    "checkpoints",
)


def _record_path(model_path: Path) -> Path:
    return model_path.with_suffix(".json")


def _checked(model_path: Path, weights_sha256: str, **made_from: object) -> bool:
    """Whether ``model_path`` is an export of these weights (and ``made_from``, as recorded), byte for byte as
    recorded when it was made."""
    try:
        record = json.loads(_record_path(model_path).read_text(encoding="utf-8"))
        expected = {"weights_sha256": weights_sha256, **made_from}
        return bool(
            all(record.get(k) == v for k, v in expected.items()) and record.get("sha256") == file_sha256(model_path)
        )
    except (OSError, ValueError):
        return False


def _publish(tmp: Path, path: Path, record: dict[str, object]) -> None:
    """Move a finished graph into place and write its record (its sha256 added)."""
    record = {**record, "sha256": file_sha256(tmp)}
    os.replace(tmp, path)
    _record_path(path).write_text(json.dumps(record, indent=1), encoding="utf-8")


def export_path(cache_dir: Path, stem: str, weights_sha256: str) -> Path:
    """Where the export of a network with these weights goes: its name says the weights and torch's version."""
    import torch

    return cache_dir / f"{stem}-{weights_sha256[:12]}-torch{torch.__version__.split('+')[0]}.onnx"


def traced(module: Any, sample: Mapping[str, Any], outputs: Sequence[str], axes: dict[str, dict[int, str]],
           path: Path, weights_sha256: str, what: str) -> Path:
    """``module`` exported to ``path`` by the TorchScript exporter on ``sample`` (its ``INPUTS``), with a
    record of the file's sha256; an export already there and as recorded is kept. ``what`` names it in
    messages ("the reader")."""
    import torch

    if path.is_file() and _checked(path, weights_sha256):
        return path
    try:
        import onnx  # noqa: F401  (the exporter needs it)
    except ImportError as exc:
        raise ModelError(f"exporting {what} needs the onnx package: run `make setup`") from exc
    path.parent.resolve().mkdir(parents=True, exist_ok=True)  # resolved: a symlink may name a folder yet to make
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    log.info("exporting %s to %s (once)", what, path)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on transformers' Python-side branches
        torch.onnx.export(
            module, tuple(sample[n] for n in INPUTS), str(tmp), input_names=list(INPUTS), output_names=list(outputs),
            dynamic_axes=axes, opset_version=17, dynamo=False,
        )
    _publish(tmp, path, {"weights_sha256": weights_sha256, "torch": torch.__version__})
    return path


def exported_model(model: Any, cache_dir: Path, weights_sha256: str) -> Path:
    """The ONNX export of ``model`` (a loaded SentenceTransformer) in ``cache_dir``, made if missing or unchecked."""
    import torch

    bert = model[0].auto_model

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert  # a submodule: its weights are exported as the graph's initializers

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor) -> Any:
            out = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    sample = model.tokenizer(list(PROBES[:2]), padding=True, return_tensors="pt")
    axes = {n: {0: "batch", 1: "pieces"} for n in (*INPUTS, "last_hidden_state")}
    path = export_path(cache_dir, "all-MiniLM-L6-v2", weights_sha256)
    return traced(Hidden().eval(), sample, ["last_hidden_state"], axes, path, weights_sha256, "the embedding model")


def quantised_model(fp32_path: Path, weights_sha256: str, recipe: dict[str, Any] | None = None,
                    path: Path | None = None, what: str = "the embedding model") -> Path:
    """The int8 graph of the fp32 export ``fp32_path`` by ``recipe`` (default ``QUANTISATION``), as ``path``
    (default: beside the export), made if missing or unchecked. Its record names the fp32 export's hash, the
    recipe and the onnxruntime version that quantised it, so a re-export, another recipe or another
    quantiser makes it again."""
    try:
        import onnx
        import onnxruntime
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise ModelError(f"quantising {what} needs onnx and onnxruntime ({exc}): run `make setup`") from exc

    recipe = recipe or QUANTISATION
    path = path or fp32_path.with_name(f"{fp32_path.stem}-int8.onnx")
    made_from = {"source_sha256": file_sha256(fp32_path), "quantisation": recipe, "onnxruntime": onnxruntime.__version__}
    if path.is_file() and _checked(path, weights_sha256, **made_from):
        return path
    keep = recipe["keep_fp32"]
    fp32_nodes = [n.name for n in onnx.load(str(fp32_path)).graph.node if re.search(keep, n.name)] if keep else []
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    log.info("quantising %s to %s (once)", what, path)
    logging.disable(logging.WARNING)  # its root-logger advice to pre-process the graph (measured without)
    try:
        quantize_dynamic(
            str(fp32_path), str(tmp), weight_type=QuantType[recipe["weight_type"]], per_channel=recipe["per_channel"],
            op_types_to_quantize=recipe["op_types"], nodes_to_exclude=fp32_nodes,
        )
    except Exception as exc:  # the quantiser raises many kinds; any of them means: stay on torch
        tmp.unlink(missing_ok=True)
        raise ModelError(f"quantising {what} failed: {exc}") from exc
    finally:
        logging.disable(logging.NOTSET)
    _publish(tmp, path, {"weights_sha256": weights_sha256, **made_from})
    return path


def session(model_path: Path, threads: int, spin: bool = False) -> Any:
    """An ONNX Runtime session on ``threads`` threads, its pool spinning between runs or not (``spin``).
    Answer sentences do not spin: their small batches come between torch's steps and the reader's on the
    same 2 cores, and a spinning pool held the core the next step needed (eval answer p50 0.14 s spinning,
    0.10-0.11 s not, the same answers). Index builds (long runs of batches) and the reader (one batch an
    answer; 5 passages 84 ms spinning against 96 ms not, answers as fast either way) spin."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
    try:
        return ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime's own error types (a damaged or foreign graph): stay on torch
        raise ModelError(f"ONNX Runtime cannot load {model_path.name}: {exc}") from exc


class OnnxEncoder:
    """Sentence and word-piece vectors of texts from one ONNX Runtime pass (mean pooling, unit length)."""

    def __init__(self, model_path: Path, tokenizer: Any, max_pieces: int, threads: int = 2, batch_size: int = 32,
                 spin: bool = True) -> None:
        self._session = session(model_path, threads, spin)
        self._tokenizer = tokenizer
        self._max_pieces = max_pieces
        self._batch = batch_size

    def _run(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        enc = self._tokenizer(
            list(texts), padding=True, truncation=True, max_length=self._max_pieces, return_tensors="np"
        )
        feeds = {n: np.asarray(enc[n], dtype=np.int64) for n in INPUTS}
        hidden = np.asarray(self._session.run(None, feeds)[0], dtype=np.float32)
        return hidden, feeds["attention_mask"]

    def encode(self, texts: Sequence[str], tokens: bool = False) -> tuple[Vectors, list[Vectors]]:
        """Unit sentence vectors (one row per text) and, with ``tokens``, each text's unit word-piece vectors
        without [CLS] and [SEP]. Texts are batched in the order given (callers sort them by length)."""
        vectors: list[Vectors] = []
        pieces: list[Vectors] = []
        for i in range(0, len(texts), self._batch):
            hidden, mask = self._run(texts[i : i + self._batch])
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)
            vectors.append(unit_rows(np.asarray(pooled, dtype=np.float32)))
            if tokens:
                lengths = mask.sum(1)
                pieces += [unit_rows(np.ascontiguousarray(h[1 : int(n) - 1])) for h, n in zip(hidden, lengths, strict=True)]
        width = vectors[0].shape[1] if vectors else 0
        return (np.concatenate(vectors) if vectors else np.zeros((0, width), dtype=np.float32)), pieces


def check_against_torch(encoder: OnnxEncoder, model: Any, min_cosine: float) -> float:
    """The worst cosine between the export's vectors (sentence and word pieces) and torch's on ``PROBES``;
    ``ModelError`` if under ``min_cosine``."""
    vectors, pieces = encoder.encode(PROBES, tokens=True)
    ref = np.asarray(
        model.encode(list(PROBES), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False),
        dtype=np.float32,
    )
    worst = float((vectors * ref).sum(1).min())
    ref_tokens = model.encode(
        list(PROBES), output_value="token_embeddings", convert_to_numpy=False, show_progress_bar=False
    )
    for mine, theirs in zip(pieces, ref_tokens, strict=True):
        theirs = unit_rows(np.asarray(theirs.float().numpy()[1:-1], dtype=np.float32))
        if mine.shape != theirs.shape:
            raise ModelError(f"the ONNX export gives {mine.shape} word-piece vectors where torch gives {theirs.shape}")
        worst = min(worst, float((mine * theirs).sum(1).min()))
    if worst < min_cosine:
        raise ModelError(f"the ONNX graph's vectors differ from torch's (worst cosine {worst:.6f} < {min_cosine})")
    return worst
