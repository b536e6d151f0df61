"""The local model's prompt-state cache counts every byte it keeps (no model needed: states are built here)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("llama_cpp")

from llama_cpp.llama import LlamaState

from borderqa.answering.local import counted_ram_cache, state_bytes


def _state(first_token: int) -> LlamaState:
    # Like a real one: a small model state beside a large logits copy (512 x 151,936 floats for Qwen).
    return LlamaState(
        input_ids=np.array([first_token, 2, 3], dtype=np.intc),
        scores=np.zeros((4, 25_000), dtype=np.single),  # 400,000 bytes
        n_tokens=3,
        llama_state=b"\0" * 1000,
        llama_state_size=1000,
        seed=0,
    )


def test_state_bytes_counts_the_logits_and_tokens() -> None:
    assert state_bytes(_state(1)) == 1000 + 400_000 + 3 * np.dtype(np.intc).itemsize


def test_the_cache_keeps_no_more_than_its_capacity() -> None:
    cache = counted_ram_cache(capacity_bytes=900_000)  # room for two states, not three
    for first in (1, 2, 3):
        cache[[first, 2, 3]] = _state(first)
    assert len(cache.cache_state) == 2
    assert cache.cache_size <= 900_000
    assert [1, 2, 3] not in cache and [3, 2, 3] in cache  # the oldest went first


def test_a_state_larger_than_the_cache_is_not_kept() -> None:
    cache = counted_ram_cache(capacity_bytes=100_000)
    cache[[1, 2, 3]] = _state(1)
    assert len(cache.cache_state) == 0
