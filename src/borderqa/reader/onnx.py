"""The reader network run by ONNX Runtime: the same logits as torch, about 1.5x sooner.

On 2 cores, 5 passages (about 180 word pieces each) took torch 138 ms and ONNX Runtime 84 ms (p50), the
logits within 1e-5 (``benchmarks/reader.py``). ``exported_reader`` traces the loaded, hash-checked network
with ``torch.onnx.export`` into the model cache folder, once per weights file, as
``reader-<weights sha>-torch<version>.onnx`` with a record of its own sha256 (onnx_model.py's scheme: a
file that differs from its record is exported again, never trusted). Before use the export is compared with
torch on a probe batch (``check_against_torch``); anything wrong raises ``ModelError`` and the reader
stays on torch.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from borderqa.errors import ModelError
from borderqa.onnx_model import INPUTS, export_path, session, traced

log = logging.getLogger(__name__)

OUTPUTS = ("labels", "start", "end")
MAX_DIFFERENCE = 1e-3  # largest logit difference to torch an export may show (measured: 1e-5)
PROBE = ("How many Marines does each station have?", "Each station has a detachment of 54 or 108 Marines.")


def exported_reader(net: Any, tokenizer: Any, cache_dir: Path, weights_sha256: str) -> Path:
    """The ONNX export of the reader ``net`` in ``cache_dir``, made if missing or not as recorded."""
    sample = tokenizer([PROBE[0]] * 2, [PROBE[1], PROBE[1][:20]], padding=True, return_tensors="pt")
    axes = {n: {0: "batch", 1: "pieces"} for n in (*INPUTS, "start", "end")} | {"labels": {0: "batch"}}
    path = export_path(cache_dir, "reader", weights_sha256)
    return traced(net, sample, OUTPUTS, axes, path, weights_sha256, "the reader")


class OnnxReaderNet:
    """Called like the torch network on a tokenized batch; returns (labels, start, end) logits as arrays."""

    def __init__(self, model_path: Path, threads: int = 2) -> None:
        self._session = session(model_path, threads, spin=True)

    def __call__(self, **inputs: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        feeds = {n: np.asarray(inputs[n], dtype=np.int64) for n in INPUTS}
        labels, start, end = self._session.run(list(OUTPUTS), feeds)
        return np.asarray(labels), np.asarray(start), np.asarray(end)


def check_against_torch(onnx_net: OnnxReaderNet, net: Any, tokenizer: Any) -> float:
    """The largest logit difference between the export and torch on the probe batch; ``ModelError`` over
    ``MAX_DIFFERENCE``."""
    import torch

    batch = tokenizer([PROBE[0]] * 3, [PROBE[1], PROBE[1][:25], PROBE[0]], padding=True, return_tensors="pt")
    with torch.inference_mode():
        expected = [t.float().numpy() for t in net(**{n: batch[n] for n in INPUTS})]
    got = onnx_net(**{n: batch[n].numpy() for n in INPUTS})
    worst = max(float(np.abs(e - g).max()) for e, g in zip(expected, got, strict=True))
    if worst > MAX_DIFFERENCE:
        raise ModelError(f"the reader's ONNX export differs from torch by {worst:.2e} (> {MAX_DIFFERENCE})")
    return worst
