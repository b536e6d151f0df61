"""The reader network run by ONNX Runtime, in fp32 (torch's logits) or with int8 weights (the default).

``exported_reader`` traces the loaded, hash-checked network with ``torch.onnx.export`` into the model cache
folder, once per weights file, as ``reader-eager-<weights sha>-torch<version>.onnx`` with a record of its own
sha256 (onnx_model.py's scheme: a file that differs from its record is exported again, never trusted). It is
traced with transformers' plain ("eager") attention, not its default scaled-dot-product one: the same
network, whose int8 graph read 5 passages in 0.90-0.93 of the time in interleaved runs (label probabilities
within 0.07 of the other graph's over the sentences of 80 eval questions);
``quantised_reader`` quantises that export once beside it (``...-int8.onnx``, the recipe of the int8 index
build). Before use the graph is compared with torch on a probe batch (``check_against_torch``: logits for
fp32, label probabilities for int8); anything wrong raises ``ModelError`` and the reader stays on torch.
On 2 cores, every sentence of 5 passages, p50 over five runs: torch 212-282 ms, fp32 178-246, int8 80-149
(0.46-0.74 of fp32 in the same run; ``benchmarks/reader.py``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from borderqa.errors import ModelError
from borderqa.onnx_model import INPUTS, export_path, quantised_model, session, traced
from borderqa.reader.reading import label_probabilities

log = logging.getLogger(__name__)

OUTPUTS = ("labels", "start", "end")
MAX_DIFFERENCE = 1e-3  # largest logit difference to torch an export may show (measured: 1e-5)
# An int8 graph moves the logits by design, so it is held to the label probabilities instead: on the probe
# batch the shipped reader's int8 graph moves one by 0.225 (its third pair, a question read against itself);
# on the sentences of 40 eval questions' top 2 hits by 0.024 at the median.
MAX_INT8_PROB_DIFFERENCE = 0.3
PROBE = ("How many Marines does each station have?", "Each station has a detachment of 54 or 108 Marines.")


def exported_reader(net: Any, tokenizer: Any, cache_dir: Path, weights_sha256: str) -> Path:
    """The ONNX export of the reader ``net`` in ``cache_dir``, made if missing or not as recorded."""
    sample = tokenizer([PROBE[0]] * 2, [PROBE[1], PROBE[1][:20]], padding=True, return_tensors="pt")
    axes = {n: {0: "batch", 1: "pieces"} for n in (*INPUTS, "start", "end")} | {"labels": {0: "batch"}}
    path = export_path(cache_dir, "reader-eager", weights_sha256)
    encoder = net.encoder
    was = encoder.config._attn_implementation
    encoder.set_attn_implementation("eager")
    try:
        return traced(net, sample, OUTPUTS, axes, path, weights_sha256, "the reader")
    finally:
        encoder.set_attn_implementation(was)


def quantised_reader(fp32_path: Path, weights_sha256: str) -> Path:
    """The int8 graph of the reader's export (``onnx_model.quantised_model``'s recipe and record), made once."""
    return quantised_model(fp32_path, weights_sha256, what="the reader")


class OnnxReaderNet:
    """Called like the torch network on a tokenized batch; returns (labels, start, end) logits as arrays."""

    def __init__(self, model_path: Path, threads: int = 2) -> None:
        self._session = session(model_path, threads, spin=True)

    def __call__(self, **inputs: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        feeds = {n: np.asarray(inputs[n], dtype=np.int64) for n in INPUTS}
        labels, start, end = self._session.run(list(OUTPUTS), feeds)
        return np.asarray(labels), np.asarray(start), np.asarray(end)


def check_against_torch(onnx_net: OnnxReaderNet, net: Any, tokenizer: Any, int8: bool = False) -> float:
    """How far the export is from torch on the probe batch: the largest logit difference (fp32), or label
    probability difference (``int8``); ``ModelError`` over ``MAX_DIFFERENCE`` / ``MAX_INT8_PROB_DIFFERENCE``."""
    import torch

    batch = tokenizer([PROBE[0]] * 3, [PROBE[1], PROBE[1][:25], PROBE[0]], padding=True, return_tensors="pt")
    with torch.inference_mode():
        expected = [t.float().numpy() for t in net(**{n: batch[n] for n in INPUTS})]
    got = onnx_net(**{n: batch[n].numpy() for n in INPUTS})
    if int8:
        worst = float(np.abs(label_probabilities(expected[0]) - label_probabilities(got[0])).max())
        limit = MAX_INT8_PROB_DIFFERENCE
    else:
        worst = max(float(np.abs(e - g).max()) for e, g in zip(expected, got, strict=True))
        limit = MAX_DIFFERENCE
    if worst > limit:
        raise ModelError(f"the reader's ONNX export differs from torch by {worst:.2e} (> {limit})")
    return worst
