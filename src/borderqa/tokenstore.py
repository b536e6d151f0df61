"""Word-piece vectors on disk: written as they are computed, read through a memory map.

Late interaction (retrieval.py) needs each passage's contextual word-piece vectors, about 85 rows of 384
numbers a passage. For the report that is 20 MB; at 100,000 passages it is about 6 GB (float16), which
must neither be held in memory while building nor loaded whole by every worker. So a build appends new
vectors to a scratch file as each batch is embedded, then writes ``tokens.npy`` (float16, passage order)
and ``tokens-index.npz`` (row offsets, text hashes, passage ids); a reader maps ``tokens.npy`` and turns
only the rows a question looks at into float32 (40 passages a question).

Builds made before this layout kept everything in one ``tokens.npz``; it is still read, for reuse.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from borderqa.embedding import Vectors

log = logging.getLogger(__name__)

VECTORS = "tokens.npy"
INDEX = "tokens-index.npz"
LEGACY = "tokens.npz"


class TokenVectors(Mapping[str, Vectors]):
    """Key (passage id or text hash) -> that passage's word-piece vectors (float32, unit rows)."""

    def __init__(self, rows: Any, offsets: Sequence[int], keys: Sequence[str]) -> None:
        self._rows = rows  # an (n, dim) float16 array, usually a memory map
        self._slots = {str(k): (int(offsets[i]), int(offsets[i + 1])) for i, k in enumerate(keys)}

    @classmethod
    def empty(cls) -> TokenVectors:
        return cls(np.zeros((0, 1), dtype=np.float16), [0], [])

    def __getitem__(self, key: str) -> Vectors:
        start, end = self._slots[key]
        return np.asarray(self._rows[start:end], dtype=np.float32)

    def __contains__(self, key: object) -> bool:
        return key in self._slots

    def __iter__(self) -> Iterator[str]:
        return iter(self._slots)

    def __len__(self) -> int:
        return len(self._slots)

    def rows(self, key: str) -> int:
        start, end = self._slots[key]
        return end - start

    @property
    def dimension(self) -> int:
        return int(self._rows.shape[1]) if self._rows.ndim == 2 else 1


def read(build_dir: Path, key: str = "sha") -> TokenVectors:
    """The vectors of a build by text hash (``key="sha"``) or passage id (``key="ids"``); empty if unreadable."""
    try:
        if (build_dir / INDEX).is_file():
            rows = np.load(build_dir / VECTORS, mmap_mode="r")
            with np.load(build_dir / INDEX) as data:
                return TokenVectors(rows, data["offsets"].tolist(), data[key].tolist())
        if (build_dir / LEGACY).is_file():
            with np.load(build_dir / LEGACY) as data:
                return TokenVectors(data["vectors"], data["offsets"].tolist(), data[key].tolist())
    except (OSError, ValueError, KeyError) as exc:  # a damaged file only costs re-embedding
        log.warning("could not read the word-piece vectors of %s (%s)", build_dir, exc)
    return TokenVectors.empty()


class TokenWriter:
    """New vectors are appended to a scratch file as they come; ``finish`` writes the passage-ordered file."""

    def __init__(self, build_dir: Path) -> None:
        self._dir = build_dir
        self._scratch_path = build_dir / "tokens-new.f16"
        self._scratch = self._scratch_path.open("wb")
        self._slots: dict[str, tuple[int, int]] = {}
        self._row = 0
        self._dim = 0

    def add(self, key: str, vectors: Vectors) -> None:
        if key in self._slots:
            return
        self._dim = vectors.shape[1]
        self._scratch.write(np.ascontiguousarray(vectors, dtype=np.float16).tobytes())
        self._slots[key] = (self._row, self._row + len(vectors))
        self._row += len(vectors)

    def __contains__(self, key: str) -> bool:
        return key in self._slots

    def finish(self, keys: Sequence[str], ids: Sequence[str], old: TokenVectors) -> None:
        """Write ``tokens.npy`` with the vectors of ``keys`` (text hashes) in order, new or from ``old``."""
        self._scratch.close()
        dim = self._dim or old.dimension
        new: Any = (
            np.memmap(self._scratch_path, dtype=np.float16, mode="r", shape=(self._row, dim))
            if self._row else np.zeros((0, dim), dtype=np.float16)
        )
        lengths = [self._slots[k][1] - self._slots[k][0] if k in self._slots else old.rows(k) for k in keys]
        offsets = np.cumsum([0, *lengths])
        out = np.lib.format.open_memmap(self._dir / VECTORS, mode="w+", dtype=np.float16, shape=(int(offsets[-1]), dim))
        for i, k in enumerate(keys):
            if k in self._slots:
                start, end = self._slots[k]
                out[offsets[i] : offsets[i + 1]] = new[start:end]
            else:
                out[offsets[i] : offsets[i + 1]] = old[k]
        out.flush()
        del out, new
        self._scratch_path.unlink()
        np.savez(self._dir / INDEX, offsets=offsets, sha=np.array(keys), ids=np.array(ids))
