"""The local Chroma index: build aside, swap atomically, reuse unchanged embeddings. The only ``import chromadb``.

Layout of ``index/``::

    manifest.json          what built the live build: settings fingerprint, model, document hashes
    build-<stamp>/         the live build: a Chroma PersistentClient folder plus passages.json

A build writes a new ``build-*`` folder and only then replaces ``manifest.json`` (``os.replace``), so a
build killed half-way leaves the previous index fully usable; leftovers are removed by the next build.
Vectors are keyed by the hash of the text they embed, so a rebuild embeds only new or changed text.
Chroma never embeds anything itself: vectors are always passed in, and telemetry is off.

What is embedded (``embedding_texts``): a passage is embedded with where it sits, not only its words:
its section path, the lead-in of its list or the paragraph introducing its quote, and for title-page
passages what a title page holds (plus a second vector with the document's title). "On the Mexican side
are the states of ..." or "The jungle route, which includes ..." mean little alone; with "Geography and
Economy" or "... tend to pass through one of three corridors:" in front they match the questions staff
ask. In fusion this beat embedding the bare text (hybrid MRR 0.890 against 0.882, both halves better),
though on its own the dense ranking finds fewer answers in its top 5. The stored passage text stays clean
(Chroma's ``documents`` hold the embedded text; ``passages.json`` holds the passages as chunked).

Each build also keeps the model's contextual word-piece vectors of every passage (computed by
``Embedder.embed_tokens``; ``tokens.npz``, float16, about 20 MB, reused by text hash like the vectors).
This module only stores them; the model code is in embedding.py. Retrieval scores candidates by late
interaction with them (each question word piece matched to its most similar passage word piece, as in
ColBERT): as a ranker on its own that beat the passage vector on every metric on both halves of the eval
(MRR 0.87 against 0.76), and it lets "roadblocks" find "checkpoints" without a synonym list.

``query`` asks Chroma for ids and distances only (window ids are ``<passage id>#<window>``): also fetching
the metadatas took 2.8 ms a query instead of 0.7.
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

from borderqa.chunking import TitleRole, title_page_role
from borderqa.embedding import Embedder, Vectors
from borderqa.errors import IndexNotReadyError
from borderqa.types import Document, Passage, content_hash

log = logging.getLogger(__name__)

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

MANIFEST = "manifest.json"
PASSAGES = "passages.json"
TOKENS = "tokens.npz"
FORMAT_VERSION = 3  # 3: collections searched exhaustively up to EF_SEARCH_MAX windows
# HNSW looks at ``ef_search`` candidates per query. Chroma's default (100) missed 0.1-0.2 % of the true
# nearest 60 passages, at the tail and differently in each process (the graph is rebuilt on load), which
# moved fused scores by up to 0.17 between runs. With ef_search >= the number of windows the search is
# exact and repeatable (0.5 ms more a query here); past EF_SEARCH_MAX windows it stays a wide search.
EF_SEARCH_MAX = 1000
Progress = Callable[[int, int], None]
# What each title-page line is, said in words, so "who wrote the report" finds the byline and "when was it
# published" the date: the lines themselves are only names, a date and a title.
TITLE_PAGE_LABELS: dict[TitleRole, str] = {
    "title": "Title page: the report's title.",
    "byline": "Title page: the report's authors (byline).",
    "date": "Title page: the report's date of publication.",
}


def embedding_text(passage: Passage) -> str:
    """The text embedded for a passage: its place in the report (section path, lead-in) and then its text."""
    if passage.kind == "title":
        return f"{TITLE_PAGE_LABELS[title_page_role(passage)]} {passage.text}"
    where = " > ".join(passage.section_path)
    context = f" {passage.context}" if passage.context else ""
    return f"{where}.{context} {passage.text}"


def embedding_texts(passage: Passage, document_title: str = "") -> list[str]:
    """Every text embedded for a passage; the index scores a passage by the best of them.

    A title-page passage is embedded twice: with what a title page holds ("Who wrote the report?") and
    with the document's title ("Who are the authors of Mexico's Other Border?"); each phrasing matched
    its own kind of question far better (cosine 0.71 against 0.35, and 0.77 against 0.37).
    """
    texts = [embedding_text(passage)]
    if passage.kind == "title" and document_title:
        texts.append(f"Title page of {document_title}: {passage.text}")
    return texts


def token_text(passage: Passage) -> str:
    """The text whose word-piece vectors are kept for late interaction: the passage's own words (with the
    section path and lead-in in front, as embedded, late interaction ranked worse on both halves), except
    on the title page, whose lines say what they are only through their label (the byline's names alone
    matched "Who are the authors of ...?" with 0.24 against the title's 0.67)."""
    return embedding_text(passage) if passage.kind == "title" else passage.text


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
        self._tokens: dict[str, Vectors] | None = None
        self._windows: int | None = None

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

        titles = {d.id: d.title for d in documents}
        records = [
            (p, n, w)
            for p in passages
            for n, w in enumerate(w for t in embedding_texts(p, titles.get(p.document, "")) for w in self.embedder.windows(t))
        ]
        same_model = old.exists and old.manifest.get("fingerprint") == self.fingerprint
        reusable = self._old_vectors(old) if same_model else {}
        keys = [content_hash(w) for _, _, w in records]
        todo = sorted({k: w for k, (_, _, w) in zip(keys, records, strict=True) if k not in reusable}.items())
        old_tokens = self._read_tokens(self.index_dir / str(old.manifest.get("build", "?"))) if same_model else {}
        token_todo = [p for p in passages if content_hash(token_text(p)) not in old_tokens]
        total = len(todo) + len(token_todo)
        fresh = self._embed([w for _, w in todo], progress, total)
        vectors = dict(reusable)
        vectors.update({k: fresh[i] for i, (k, _) in enumerate(todo)})
        tokens = self._embed_tokens(token_todo, old_tokens, progress, len(todo), total)

        # pid and nanoseconds too: two builds in the same second (tests, a quick --force) must not collide
        stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}-{time.time_ns() % 1_000_000_000:09d}"
        build = f"build-{stamp}"
        build_dir = self.index_dir / build
        client = _client(build_dir)
        ef_search = min(max(len(records), 100), EF_SEARCH_MAX)
        col = client.create_collection(
            self.collection_name,
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine", "ef_search": ef_search}},
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
        self._write_tokens(build_dir, passages, tokens)
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
        self._collection, self._passages, self._tokens, self._windows = None, None, None, None
        self._remove_leftovers(keep=build)
        return BuildReport(
            len(passages), len(records), len(todo), len(records) - len(todo), time.perf_counter() - start, changed, False
        )

    def _embed(self, texts: list[str], progress: Progress | None, total: int) -> Vectors:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        chunks: list[Vectors] = []
        step = 32
        for i in range(0, len(texts), step):
            chunks.append(self.embedder.embed_documents(texts[i : i + step]))
            if progress:
                progress(min(i + step, len(texts)), total)
        return np.concatenate(chunks)

    def _embed_tokens(
        self, todo: list[Passage], old: dict[str, Vectors], progress: Progress | None, done: int, total: int
    ) -> dict[str, Vectors]:
        """Word-piece vectors by passage text hash: reused from the previous build, else computed."""
        out = dict(old)
        step = 32
        for i in range(0, len(todo), step):
            part = todo[i : i + step]
            # Every window of a long passage, so no part of it is cut off.
            keys = [content_hash(token_text(p)) for p in part]
            windows = [(key, w) for p, key in zip(part, keys, strict=True) for w in self.embedder.windows(token_text(p))]
            arrays = self.embedder.embed_tokens([w for _, w in windows])
            for key in keys:
                out[key] = np.concatenate([a for (k, _), a in zip(windows, arrays, strict=True) if k == key])
            if progress:
                progress(done + min(i + step, len(todo)), total)
        return out

    @staticmethod
    def _write_tokens(build_dir: Path, passages: Sequence[Passage], tokens: dict[str, Vectors]) -> None:
        keys = [content_hash(token_text(p)) for p in passages]
        arrays = [tokens[k] for k in keys]
        offsets = np.cumsum([0, *(len(a) for a in arrays)])
        dim = arrays[0].shape[1] if arrays else 1
        stacked = np.concatenate(arrays) if arrays else np.zeros((0, dim), dtype=np.float32)
        np.savez(build_dir / TOKENS, vectors=stacked.astype(np.float16), offsets=offsets,
                 sha=np.array(keys), ids=np.array([p.id for p in passages]))

    @staticmethod
    def _read_tokens(build_dir: Path, key: str = "sha") -> dict[str, Vectors]:
        """Word-piece vectors from a build, by passage text hash (``key="sha"``) or by passage id."""
        path = build_dir / TOKENS
        if not path.is_file():
            return {}
        try:
            with np.load(path) as data:
                vectors = data["vectors"].astype(np.float32)
                offsets, keys = data["offsets"], data[key]
        except (OSError, ValueError, KeyError) as exc:  # a damaged file only costs re-embedding
            log.warning("could not read %s (%s)", path, exc)
            return {}
        return {str(k): vectors[offsets[i] : offsets[i + 1]] for i, k in enumerate(keys)}

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

    def token_vectors(self) -> dict[str, Vectors]:
        """Each passage's word-piece vectors (float32, unit rows), by passage id; empty if the build has none."""
        if self._tokens is None:
            self._open()
            build = str(self.read_manifest().get("build", ""))
            self._tokens = self._read_tokens(self.index_dir / build, key="ids")
        return self._tokens

    def query(self, vector: Vectors, k: int) -> list[tuple[str, float]]:
        """Best ``k`` passages as (passage id, cosine similarity), a passage scored by its best window."""
        col, passages = self._open()
        if self._windows is None:
            self._windows = int(col.count())
        # Only a passage's second and later windows can crowd others out of the nearest k + extra windows.
        extra = max(self._windows - len(passages), 0)
        n = min(self._windows, k + extra)
        if n == 0:
            return []
        res = col.query(query_embeddings=[vector.tolist()], n_results=n, include=["distances"])
        best: dict[str, float] = {}
        for wid, dist in zip(res["ids"][0], res["distances"][0], strict=True):
            pid = wid.rsplit("#", 1)[0]
            best[pid] = max(best.get(pid, -1.0), 1.0 - float(dist))
        return sorted(best.items(), key=lambda kv: -kv[1])[:k]
