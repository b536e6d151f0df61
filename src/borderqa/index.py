"""The local Chroma index: build aside, swap atomically, reuse unchanged embeddings. The only ``import chromadb``.

Layout of ``index/``::

    manifest.json          what built the live build: settings fingerprint, model, document hashes
    build-<stamp>/         the live build: a Chroma PersistentClient folder plus passages.json

A build writes a new ``build-*`` folder and only then replaces ``manifest.json`` (``os.replace``), so a
build killed half-way leaves the previous index fully usable; leftovers are removed by the next build.
Vectors are keyed by the hash of the text they embed, so a rebuild embeds only new or changed text.
Chroma never embeds anything itself: vectors are always passed in, and telemetry is off.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from borderqa.embedding import Embedder, Vectors
from borderqa.errors import IndexNotReadyError
from borderqa.types import Document, Passage, content_hash

log = logging.getLogger(__name__)

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

MANIFEST = "manifest.json"
PASSAGES = "passages.json"
FORMAT_VERSION = 1
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class IndexState:
    """What the manifest says, compared with the corpus and settings at hand."""

    exists: bool
    fresh: bool
    reason: str  # empty when fresh
    manifest: dict[str, Any]


@dataclass(frozen=True)
class BuildReport:
    passages: int
    windows: int
    embedded: int  # windows whose vectors were computed in this build
    reused: int  # windows whose vectors came from the previous build
    seconds: float
    changed_documents: tuple[str, ...]
    skipped: bool  # nothing had changed: no build was made


def _client(path: Path) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.PersistentClient(
        path=str(path), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    )


def _passage_from_dict(d: dict[str, Any]) -> Passage:
    d = dict(d)
    d["section_path"] = tuple(d["section_path"])
    d["lines"] = tuple(d["lines"])
    d["cites"] = tuple(d["cites"])
    return Passage(**d)


class ChromaIndex:
    def __init__(self, index_dir: Path, embedder: Embedder, fingerprint: str, collection: str = "borderqa") -> None:
        if not 3 <= len(collection) <= 512:
            raise IndexNotReadyError(f"collection name {collection!r} must have 3 to 512 characters")
        self.index_dir = index_dir
        self.embedder = embedder
        self.fingerprint = fingerprint
        self.collection_name = collection
        self._collection: Any = None
        self._passages: list[Passage] | None = None

    # --- state -------------------------------------------------------------------------------------

    def read_manifest(self) -> dict[str, Any]:
        path = self.index_dir / MANIFEST
        if not path.is_file():
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            log.warning("%s is unreadable; treating the index as missing", path)
            return {}
        return data if isinstance(data, dict) else {}

    def state(self, documents: Sequence[Document], chunker_version: str) -> IndexState:
        m = self.read_manifest()
        if not m or not (self.index_dir / str(m.get("build", "?"))).is_dir():
            return IndexState(False, False, "no index has been built", m)
        if m.get("format") != FORMAT_VERSION or m.get("fingerprint") != self.fingerprint:
            return IndexState(True, False, "built with other model or embedding settings", m)
        if m.get("chunker") != chunker_version:
            return IndexState(True, False, "built with another chunker version", m)
        if m.get("documents") != {d.id: d.sha256 for d in documents}:
            return IndexState(True, False, "the corpus has changed since the last build", m)
        return IndexState(True, True, "", m)

    # --- build -------------------------------------------------------------------------------------

    def build(
        self,
        documents: Sequence[Document],
        passages: Sequence[Passage],
        chunker_version: str,
        progress: Progress | None = None,
        force: bool = False,
    ) -> BuildReport:
        start = time.perf_counter()
        old = self.state(documents, chunker_version)
        if old.fresh and not force:
            return BuildReport(len(passages), old.manifest.get("windows", 0), 0, 0, time.perf_counter() - start, (), True)
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self._remove_leftovers(keep=old.manifest.get("build"))

        records = [(p, n, w) for p in passages for n, w in enumerate(self.embedder.windows(p.text))]
        reusable = self._old_vectors(old) if old.exists and old.manifest.get("fingerprint") == self.fingerprint else {}
        keys = [content_hash(w) for _, _, w in records]
        todo = sorted({k: w for k, (_, _, w) in zip(keys, records, strict=True) if k not in reusable}.items())
        fresh = self._embed([w for _, w in todo], progress)
        vectors = dict(reusable)
        vectors.update({k: fresh[i] for i, (k, _) in enumerate(todo)})

        stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}"
        build = f"build-{stamp}"
        build_dir = self.index_dir / build
        client = _client(build_dir)
        col = client.create_collection(
            self.collection_name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        batch = 1000
        for i in range(0, len(records), batch):
            part = records[i : i + batch]
            col.add(
                ids=[f"{p.id}#{n}" for p, n, _ in part],
                embeddings=np.stack([vectors[k] for k in keys[i : i + batch]]),
                documents=[w for _, _, w in part],
                metadatas=[
                    {"passage_id": p.id, "document": p.document, "section": p.section, "paragraph": p.paragraph,
                     "window": n, "sha": k}
                    for (p, n, _), k in zip(part, keys[i : i + batch], strict=True)
                ],
            )
        (build_dir / PASSAGES).write_text(
            json.dumps([asdict(p) for p in passages], ensure_ascii=False), encoding="utf-8"
        )
        doc_hashes = {d.id: d.sha256 for d in documents}
        before = old.manifest.get("documents", {}) if old.exists else {}
        changed = tuple(sorted(d for d, h in doc_hashes.items() if before.get(d) != h))
        manifest = {
            "format": FORMAT_VERSION,
            "fingerprint": self.fingerprint,
            "model": self.embedder.name,
            "chunker": chunker_version,
            "build": build,
            "collection": self.collection_name,
            "documents": doc_hashes,
            "passages": len(passages),
            "windows": len(records),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        if hasattr(self.embedder, "settings_summary"):
            manifest["embedding"] = self.embedder.settings_summary
        tmp = self.index_dir / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.index_dir / MANIFEST)  # the swap: from here on the new build is live
        self._collection, self._passages = None, None
        self._remove_leftovers(keep=build)
        return BuildReport(
            len(passages), len(records), len(todo), len(records) - len(todo), time.perf_counter() - start, changed, False
        )

    def _embed(self, texts: list[str], progress: Progress | None) -> Vectors:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        chunks: list[Vectors] = []
        step = 32
        for i in range(0, len(texts), step):
            chunks.append(self.embedder.embed_documents(texts[i : i + step]))
            if progress:
                progress(min(i + step, len(texts)), len(texts))
        return np.concatenate(chunks)

    def _old_vectors(self, old: IndexState) -> dict[str, Vectors]:
        try:
            col = _client(self.index_dir / old.manifest["build"]).get_collection(self.collection_name)
            got = col.get(include=["embeddings", "metadatas"])
        except Exception as exc:  # a damaged old build only costs re-embedding
            log.warning("could not read the previous build (%s); embedding everything", exc)
            return {}
        return {
            str(m["sha"]): np.asarray(e, dtype=np.float32)
            for m, e in zip(got["metadatas"], got["embeddings"], strict=True)
        }

    def _remove_leftovers(self, keep: object) -> None:
        for path in self.index_dir.glob("build-*"):
            if path.name != keep and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)

    # --- query -------------------------------------------------------------------------------------

    def _open(self) -> tuple[Any, list[Passage]]:
        if self._collection is None or self._passages is None:
            m = self.read_manifest()
            build_dir = self.index_dir / str(m.get("build", ""))
            if not m or not build_dir.is_dir():
                raise IndexNotReadyError(f"{self.index_dir}/ has no index: run `borderqa index` (or `make run`)")
            if m.get("fingerprint") != self.fingerprint:
                raise IndexNotReadyError(
                    f"{self.index_dir}/ was built with other embedding settings: run `borderqa index` to rebuild"
                )
            try:
                data = json.loads((build_dir / PASSAGES).read_text(encoding="utf-8"))
                self._passages = [_passage_from_dict(d) for d in data]
                self._collection = _client(build_dir).get_collection(self.collection_name)
            except Exception as exc:
                raise IndexNotReadyError(f"{build_dir} is damaged ({exc}): run `borderqa index --force`") from exc
        return self._collection, self._passages

    def passages(self) -> list[Passage]:
        return list(self._open()[1])

    def query(self, vector: Vectors, k: int) -> list[tuple[str, float]]:
        """Best ``k`` passages as (passage id, cosine similarity), a passage scored by its best window."""
        col, passages = self._open()
        n = min(col.count(), max(k * 2, k + 8))
        if n == 0:
            return []
        res = col.query(query_embeddings=[vector.tolist()], n_results=n, include=["metadatas", "distances"])
        best: dict[str, float] = {}
        for meta, dist in zip(res["metadatas"][0], res["distances"][0], strict=True):
            pid = str(meta["passage_id"])
            best[pid] = max(best.get(pid, -1.0), 1.0 - float(dist))
        return sorted(best.items(), key=lambda kv: -kv[1])[:k]
