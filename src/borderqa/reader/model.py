"""The reader network and its loading.

A cross-encoder over ``[CLS] question [SEP] setting: sentence [SEP]`` (``features.sentence_side``) on the
packaged all-MiniLM-L6-v2 encoder (the project's embedding model, so no second base to ship or trust), with
two heads:

* a label head on the mean of the word-piece states: answer / contradicts / none (``examples.LABELS``);
* a span head on every token: start and end logits of the answer (SQuAD 2.0 style, ``[CLS]`` = no span).

The word-piece embedding table stays frozen in training and is taken from the packaged base at load, so
the shipped file holds only what training changed (15 MB, fp16). It is sha256-checked before loading
against ``SHIPPED_SHA256`` (or ``BORDERQA_READER__SHA256`` for weights trained elsewhere).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from borderqa.embedding import fitted, save_trained, trained_tensors

log = logging.getLogger(__name__)

WEIGHTS_DIR = Path(__file__).parent / "weights"
WEIGHTS_FILE = WEIGHTS_DIR / "reader.safetensors"
SHIPPED_SHA256 = "18f2a6b3d1b007e077dd46737e9d90a8e50227a7544e07fdbd733a2816bd56e8"  # the shipped weights (weights/CARD.md); a mismatch is refused
FROZEN = ("encoder.embeddings.word_embeddings.weight",)  # taken from the base at load, not shipped
MAX_TOKENS = 128  # question and one sentence with its setting (the longest sentence side: about 110 word pieces)
MAX_ANSWER_TOKENS = 40
# v3 reads sentences (v2 read whole passages): a v2 file loads into the same network but would be misread.
READER_FORMAT = "borderqa-reader-3"


def build_network(base_dir: Path, layers: int = 6) -> Any:
    """The untrained network on the base encoder's first ``layers`` layers (heads freshly initialised)."""
    import torch
    from transformers import AutoModel

    class ReaderNet(torch.nn.Module):
        def __init__(self, encoder: Any) -> None:
            super().__init__()
            self.encoder = encoder
            hidden = encoder.config.hidden_size
            self.dropout = torch.nn.Dropout(0.1)
            self.label_head = torch.nn.Linear(hidden, 3)
            self.span_head = torch.nn.Linear(hidden, 2)

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> tuple[Any, Any, Any]:
            states = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            # the label reads the mean of the word-piece states: the base was trained for mean pooling, its
            # [CLS] state carries little (a [CLS] head stayed at chance, dev AUC 0.50, in two trials)
            mask = attention_mask.unsqueeze(-1).to(states.dtype)
            pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            labels = self.label_head(self.dropout(pooled))
            start, end = self.span_head(states).unbind(-1)
            return labels, start, end

    encoder = AutoModel.from_pretrained(str(base_dir), local_files_only=True)
    if layers < encoder.config.num_hidden_layers:  # a shallower reader: fewer layers, same width
        encoder.encoder.layer = encoder.encoder.layer[:layers]
        encoder.config.num_hidden_layers = layers
    net = ReaderNet(encoder)
    for name, param in net.named_parameters():
        if name in FROZEN:
            param.requires_grad_(False)
    return net


def save_weights(net: Any, path: Path) -> str:
    """Write the trained tensors (safetensors, fp16; the frozen table left out); return the file's sha256."""
    layers = str(net.encoder.config.num_hidden_layers)
    return save_trained(net, path, FROZEN, {"layers": layers, "format": READER_FORMAT})


@dataclass(frozen=True)
class LoadedReader:
    net: Any
    tokenizer: Any


def load_reader(base_dir: Path, weights: Path, expected_sha256: str, threads: int = 0) -> LoadedReader:
    """The trained reader, after checking the weights file's hash; ``ModelError`` on anything wrong."""
    state, meta = trained_tensors(weights, expected_sha256, "reader",
                                  "run `borderqa reader train`, or restore the file from git", "BORDERQA_READER__SHA256",
                                  READER_FORMAT)
    import torch
    from transformers import AutoTokenizer

    net = build_network(base_dir, int(meta.get("layers", "6")))
    net.load_state_dict(fitted(net, state, FROZEN, "reader", weights), strict=False)
    net.eval()
    if threads:
        torch.set_num_threads(threads)
    tokenizer = AutoTokenizer.from_pretrained(str(base_dir), local_files_only=True)
    log.info("loaded reader from %s", weights)
    return LoadedReader(net, tokenizer)
