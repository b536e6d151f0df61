"""The reader: a small cross-encoder trained here, from the corpus, that reads (question, passage) and says
whether the passage answers, contradicts the question's premise, or does not answer, and where the
answer is (a span of the passage).

* ``examples.py``: the training record (``ReaderExample``) and its JSONL form, shared by data and training;
* ``data.py``: training data made offline from the corpus (questions written by the local model,
  unanswerable variants, hard negatives), resumable, checked against the eval questions;
* ``model.py``: the network (MiniLM encoder layers, a 3-way label head and a span head), loading with a
  sha256 check;
* ``train.py``: the training loop;
* ``weights/``: the shipped weights and their card.
"""

from __future__ import annotations
