"""The Chroma index: build aside, swap atomically, reuse unchanged embeddings (clients: chroma.py).

Layout of ``index/``::

    manifest.json          what built the live build: settings fingerprint, model, document hashes
    build-<stamp>/         the live build: passages.json, bm25/ (lexical.py), tokens.npy (tokenstore.py)
                           and, in embedded mode, the Chroma PersistentClient folder

Chroma runs embedded (a PersistentClient per build folder) or, with ``BORDERQA_CHROMA_URL`` set, as its own
server (``chromadb.HttpClient``): then each build is the server collection ``<collection>-build-<stamp>``
with the same records (ids, vectors, documents, metadatas), and ``index/`` keeps the rest of the build.
Either way a build writes its new version aside and only then replaces ``manifest.json`` (``os.replace``),
so a build killed half-way leaves the previous index fully usable. The build before the live one is kept
until the next build, so a worker still answering from it is not cut off; older leftovers (folders and
server collections) are removed by the next build. Every reader takes its vectors, BM25 and word-piece
vectors from the one build the manifest names (``build_id``), so no worker mixes two versions.
Vectors are keyed by the hash of the text they embed, so a rebuild embeds only new or changed text.
Chroma never embeds anything itself: vectors are always passed in, and telemetry is off.

Texts are embedded in batches sorted by length (``length_batches``), so a batch pads to its own longest
text, not to the longest in the corpus, by the embedder's ``for_indexing()`` when it has one (ONNX Runtime,
embedding.py).

What is embedded, and whose word pieces are kept, is in index_texts.py. Each build keeps the
word-piece vectors of every passage (``tokens.npy``, tokenstore.py), reused by text hash like the vectors.

``query`` asks Chroma for ids and distances only (window ids are ``<passage id>#<window>``): also fetching
the metadatas took 2.8 ms a query instead of 0.7.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from borderqa import tokenstore
from borderqa.chroma import EMBEDDED, ChromaServer, embedded_client, unreachable
from borderqa.embedding import Embedder, Vectors
from borderqa.errors import IndexNotReadyError, IndexUnavailableError
from borderqa.index_texts import TITLE_PAGE_LABELS, embedding_text, embedding_texts, token_text
from borderqa.lexical import BM25Index
from borderqa.tokenstore import TokenVectors
from borderqa.types import Document, Passage, content_hash

log = logging.getLogger(__name__)
__all__ = [
    "TITLE_PAGE_LABELS", "BuildReport", "ChromaIndex", "ChromaServer", "IndexState", "embedding_text",
    "embedding_texts", "length_batches", "token_text",
]

MANIFEST = "manifest.json"
PASSAGES = "passages.json"
LEXICAL = "bm25"
FORMAT_VERSION = 5  # 5: the word table holds each passage's setting (lexical.WORDS_VERSION); 4: tokens.npy memory-mapped, BM25 saved in bm25/; 3: exhaustive search up to EF_SEARCH_MAX
# HNSW looks at ``ef_search`` candidates per query. Chroma's default (100) missed 0.1-0.2 % of the true
# nearest 60 passages, at the tail and differently in each process (the graph is rebuilt on load), which
# moved fused scores by up to 0.17 between runs. With ef_search >= the number of windows the search is
# exact and repeatable (0.5 ms more a query here); past EF_SEARCH_MAX windows it stays a wide search.
EF_SEARCH_MAX = 1000
FP32 = "fp32"  # the vectors of torch and of the fp32 ONNX export (an embedder's ``vectors``)
EMBED_CHUNK = 256  # texts handed to the embedder at once, longest first (the progress bar moves per chunk)
ADD_BATCH = 1000  # records per Chroma ``add``
PAGE = 10_000  # records per Chroma ``get`` when a whole collection is read
Progress = Callable[[int, int], None]


def length_batches(texts: Sequence[str], size: int) -> list[list[int]]:
    """Positions of ``texts``, longest first, in batches of ``size``: each batch pads to its own longest text."""
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    return [order[i : i + size] for i in range(0, len(order), size)]


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


def _pages(get: Callable[..., Any], total: int, include: list[str]) -> Iterator[Any]:
    """A collection's ``get`` results (``include``), ``PAGE`` records at a time, over its ``total`` records."""
    for offset in range(0, total, PAGE):
        yield get(include=include, limit=PAGE, offset=offset)


def _passage_from_dict(d: dict[str, Any]) -> Passage:
    d = dict(d)
    d["section_path"] = tuple(d["section_path"])
    d["lines"] = tuple(d["lines"])
    d["cites"] = tuple(d["cites"])
    if "pages" in d:  # builds before pages existed have none
        d["pages"] = tuple(d["pages"])
    return Passage(**d)


@dataclass
class _Build:
    """One build as readers see it: everything comes from the same version."""

    name: str
    dir: Path
    collection: Any
    passages: list[Passage]
    windows: int
    tokens: TokenVectors | None = None
    lexical: BM25Index | None = field(default=None, repr=False)


class ChromaIndex:
    def __init__(
        self,
        index_dir: Path,
        embedder: Embedder,
        fingerprint: str,
        collection: str = "borderqa",
        server: ChromaServer | None = None,
    ) -> None:
        if not 3 <= len(collection) <= 512 - len("-build-YYYYmmdd-HHMMSS-pid-ns") - 20:
            raise IndexNotReadyError(f"collection name {collection!r} must have 3 to 460 characters")
        self.index_dir = index_dir
        self.embedder = embedder
        self.fingerprint = fingerprint
        self.collection_name = collection
        self.server = server
        self._server_client: Any = None
        self._builds: dict[str, _Build] = {}
        self._manifest: dict[str, Any] = {}
        self._manifest_key: tuple[int, int, int] | None = None

    @property
    def location(self) -> str:
        """Where the vectors live: ``"embedded"`` or the server's URL (recorded in the manifest)."""
        return self.server.url if self.server else EMBEDDED

    # --- Chroma ------------------------------------------------------------------------------------

    def _server(self) -> Any:
        assert self.server is not None
        if self._server_client is None:
            self._server_client = self.server.client()
        return self._server_client

    def _chroma(self, build: str, where: str | None = None) -> tuple[Any, str]:
        """The client holding ``build`` and the build's collection name there."""
        where = where or self.location
        if where == EMBEDDED:
            return embedded_client(self.index_dir / build), self.collection_name
        return self._server(), f"{self.collection_name}-{build}"

    def _call(self, what: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a Chroma call; a server that does not answer becomes ``IndexUnavailableError``."""
        try:
            return what(*args, **kwargs)
        except IndexNotReadyError:
            raise
        except Exception as exc:
            if self.server is not None and unreachable(exc):
                raise self.server.unavailable(exc) from exc
            raise

    # --- state -------------------------------------------------------------------------------------

    def read_manifest(self) -> dict[str, Any]:
        """The manifest, re-read only when the file changed (a ``stat`` a call: workers check it per question)."""
        path = self.index_dir / MANIFEST
        try:
            st = path.stat()
        except OSError:
            self._manifest, self._manifest_key = {}, None
            return {}
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        if key != self._manifest_key:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                log.warning("%s is unreadable; treating the index as missing", path)
                return {}
            self._manifest, self._manifest_key = (data if isinstance(data, dict) else {}), key
        return dict(self._manifest)

    def build_id(self) -> str:
        """The live build's name ("" when there is none): what a reader's vectors and BM25 must match."""
        return str(self.read_manifest().get("build", ""))

    def state(self, documents: Sequence[Document], chunker_version: str) -> IndexState:
        m = self.read_manifest()
        if not m or not (self.index_dir / str(m.get("build", "?"))).is_dir():
            return IndexState(False, False, "no index has been built", m)
        if m.get("format") != FORMAT_VERSION or m.get("fingerprint") != self.fingerprint:
            return IndexState(True, False, "built with other model or embedding settings", m)
        if m.get("chunker") != chunker_version:
            return IndexState(True, False, "built with another chunker version", m)
        if m.get("chroma", EMBEDDED) != self.location:
            return IndexState(True, False, f"built into another Chroma ({m.get('chroma', EMBEDDED)})", m)
        if m.get("documents") != {d.id: d.sha256 for d in documents}:
            return IndexState(True, False, "the corpus has changed since the last build", m)
        if self.server is not None:
            client, name = self._chroma(str(m["build"]))
            names = {getattr(c, "name", c) for c in self._call(client.list_collections)}
            if name not in names:
                return IndexState(True, False, f"the Chroma server has no collection {name}", m)
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
        old_build = str(old.manifest.get("build", "")) if old.exists else ""
        self._remove_leftovers(keep={old_build, str(old.manifest.get("previous", ""))})

        titles = {d.id: d.title for d in documents}
        records = [
            (p, n, w)
            for p in passages
            for n, w in enumerate(w for t in embedding_texts(p, titles.get(p.document, "")) for w in self.embedder.windows(t))
        ]
        # Vectors are reused only from a build with the same fingerprint whose vectors are the ones this build
        # asks for: an int8 build that fell back to torch recorded "fp32", and is not mixed with int8 ones.
        wanted = str(getattr(self.embedder, "index_vectors", FP32))
        same_model = (
            old.exists and old.manifest.get("fingerprint") == self.fingerprint and old.manifest.get("vectors", FP32) == wanted
        )
        reusable = self._old_vectors(old) if same_model else {}
        keys = [content_hash(w) for _, _, w in records]
        todo = sorted({k: w for k, (_, _, w) in zip(keys, records, strict=True) if k not in reusable}.items())
        old_tokens = tokenstore.read(self.index_dir / old_build) if same_model and old_build else TokenVectors.empty()
        token_keys = [content_hash(token_text(p)) for p in passages]
        token_todo = {k: token_text(p) for k, p in zip(token_keys, passages, strict=True) if k not in old_tokens}
        total = len(todo) + len(token_todo)

        # pid and nanoseconds too: two builds in the same second (tests, a quick --force) must not collide
        stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}-{time.time_ns() % 1_000_000_000:09d}"
        build = f"build-{stamp}"
        build_dir = self.index_dir / build
        build_dir.mkdir()
        bulk = self._bulk_embedder() if total else self.embedder
        fresh = self._embed(bulk, [w for _, w in todo], progress, total)
        vectors = dict(reusable)
        vectors.update({k: fresh[i] for i, (k, _) in enumerate(todo)})
        writer = tokenstore.TokenWriter(build_dir)
        self._embed_tokens(bulk, token_todo, writer, progress, len(todo), total)
        writer.finish(token_keys, [p.id for p in passages], old_tokens)
        self._write_collection(build, records, keys, vectors)
        (build_dir / PASSAGES).write_text(
            json.dumps([asdict(p) for p in passages], ensure_ascii=False), encoding="utf-8"
        )
        old_lexical = self.index_dir / old_build / LEXICAL
        if old_build and BM25Index.is_saved_for(old_lexical, passages):
            shutil.copytree(old_lexical, build_dir / LEXICAL)  # same passages: no need to tokenise them again
        else:
            BM25Index(passages).save(build_dir / LEXICAL)
        doc_hashes = {d.id: d.sha256 for d in documents}
        before = old.manifest.get("documents", {}) if old.exists else {}
        changed = tuple(sorted(d for d, h in doc_hashes.items() if before.get(d) != h))
        manifest = {
            "format": FORMAT_VERSION,
            "fingerprint": self.fingerprint,
            "model": self.embedder.name,
            "chunker": chunker_version,
            "build": build,
            "previous": old_build,
            "chroma": self.location,
            "collection": self._chroma(build)[1] if self.server else self.collection_name,
            "documents": doc_hashes,
            "passages": len(passages),
            "windows": len(records),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        manifest["vectors"] = str(getattr(bulk, "vectors", FP32)) if total else wanted  # what really embedded them
        tmp = self.index_dir / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.index_dir / MANIFEST)  # the swap: from here on the new build is live
        self._builds.clear()
        self._remove_leftovers(keep={build, old_build})
        return BuildReport(
            len(passages), len(records), len(todo), len(records) - len(todo), time.perf_counter() - start, changed, False
        )

    def _write_collection(
        self, build: str, records: Sequence[tuple[Passage, int, str]], keys: Sequence[str], vectors: dict[str, Vectors]
    ) -> None:
        client, name = self._chroma(build)
        ef_search = min(max(len(records), 100), EF_SEARCH_MAX)
        col = self._call(
            client.create_collection, name, embedding_function=None,
            configuration={"hnsw": {"space": "cosine", "ef_search": ef_search}},
        )
        for i in range(0, len(records), ADD_BATCH):
            part = records[i : i + ADD_BATCH]
            part_keys = keys[i : i + ADD_BATCH]
            self._call(
                col.add,
                ids=[f"{p.id}#{n}" for p, n, _ in part],
                embeddings=np.stack([vectors[k] for k in part_keys]),
                documents=[w for _, _, w in part],
                metadatas=[
                    {"passage_id": p.id, "document": p.document, "section": p.section, "paragraph": p.paragraph,
                     "window": n, "sha": k}
                    for (p, n, _), k in zip(part, part_keys, strict=True)
                ],
            )

    def _bulk_embedder(self) -> Embedder:
        """What embeds a build's texts: the embedder's ``for_indexing()`` (ONNX Runtime, embedding.py) if it has one."""
        make = getattr(self.embedder, "for_indexing", None)
        return make() if callable(make) else self.embedder

    def _embed(self, embedder: Embedder, texts: list[str], progress: Progress | None, total: int) -> Vectors:
        out = np.zeros((len(texts), self.embedder.dimension), dtype=np.float32)
        done = 0
        for batch in length_batches(texts, EMBED_CHUNK):
            out[batch] = embedder.embed_documents([texts[i] for i in batch])
            done += len(batch)
            if progress:
                progress(done, total)
        return out

    def _embed_tokens(
        self, embedder: Embedder, todo: dict[str, str], writer: tokenstore.TokenWriter, progress: Progress | None,
        done: int, total: int,
    ) -> None:
        """Word-piece vectors of new passage texts (by text hash), longest first, streamed to ``writer``."""
        keys = list(todo)
        for batch in length_batches([todo[k] for k in keys], EMBED_CHUNK):
            part = [keys[i] for i in batch]
            # Every window of a long passage, so no part of it is cut off.
            windows = [(k, w) for k in part for w in self.embedder.windows(todo[k])]
            arrays = embedder.embed_tokens([w for _, w in windows])
            grouped: dict[str, list[Vectors]] = {}
            for (k, _), a in zip(windows, arrays, strict=True):
                grouped.setdefault(k, []).append(a)
            for k in part:
                writer.add(k, np.concatenate(grouped[k]))
            done += len(part)
            if progress:
                progress(done, total)

    def _old_vectors(self, old: IndexState) -> dict[str, Vectors]:
        where = str(old.manifest.get("chroma", EMBEDDED))
        if where not in (EMBEDDED, self.location):
            return {}
        out: dict[str, Vectors] = {}
        try:
            client, name = self._chroma(old.manifest["build"], where)
            col = client.get_collection(name)
            for got in _pages(col.get, int(col.count()), ["embeddings", "metadatas"]):
                for m, e in zip(got["metadatas"], got["embeddings"], strict=True):
                    out[str(m["sha"])] = np.asarray(e, dtype=np.float32)
        except Exception as exc:  # a damaged old build only costs re-embedding
            log.warning("could not read the previous build (%s); embedding everything", exc)
            return {}
        return out

    def _remove_leftovers(self, keep: set[str]) -> None:
        for path in self.index_dir.glob("build-*"):
            if path.name not in keep and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
        if self.server is None:
            return
        prefix = f"{self.collection_name}-build-"
        client = self._server()
        for c in self._call(client.list_collections):
            name = str(getattr(c, "name", c))
            if name.startswith(prefix) and name[len(self.collection_name) + 1 :] not in keep:
                self._call(client.delete_collection, name)

    # --- query -------------------------------------------------------------------------------------

    def _open(self, build: str | None = None) -> _Build:
        """A build for reading: the live one by default. Open builds are kept until the manifest moves on."""
        m = self.read_manifest()
        live = str(m.get("build", ""))
        name = build or live
        if name in self._builds:
            return self._builds[name]
        build_dir = self.index_dir / name
        if not m or not name or not build_dir.is_dir():
            raise IndexNotReadyError(f"{self.index_dir}/ has no index: run `borderqa index` (or `make run`)")
        if m.get("fingerprint") != self.fingerprint:
            raise IndexNotReadyError(
                f"{self.index_dir}/ was built with other embedding settings: run `borderqa index` to rebuild"
            )
        if m.get("chroma", EMBEDDED) != self.location:
            raise IndexNotReadyError(
                f"{self.index_dir}/ was built into another Chroma ({m.get('chroma', EMBEDDED)}): run `borderqa index`"
            )
        try:
            data = json.loads((build_dir / PASSAGES).read_text(encoding="utf-8"))
            passages = [_passage_from_dict(d) for d in data]
            client, cname = self._chroma(name)
            collection = self._call(client.get_collection, cname)
            windows = int(self._call(collection.count))
        except IndexUnavailableError:
            raise
        except Exception as exc:
            raise IndexNotReadyError(f"{build_dir} is damaged ({exc}): run `borderqa index --force`") from exc
        self._builds = {k: v for k, v in self._builds.items() if k == live}
        opened = self._builds[name] = _Build(name, build_dir, collection, passages, windows)
        return opened

    def passages(self, build: str | None = None) -> list[Passage]:
        return list(self._open(build).passages)

    def token_vectors(self, build: str | None = None) -> TokenVectors:
        """Each passage's word-piece vectors (float32, unit rows), by passage id; empty if the build has none."""
        b = self._open(build)
        if b.tokens is None:
            b.tokens = tokenstore.read(b.dir, key="ids")
        return b.tokens

    def window_vectors(self, build: str | None = None) -> tuple[list[str], Vectors]:
        """Every window's passage id and vector (one row each), as Chroma holds them."""
        b = self._open(build)
        ids: list[str] = []
        rows: list[Vectors] = []
        for got in _pages(partial(self._call, b.collection.get), b.windows, ["embeddings"]):
            ids += [wid.rsplit("#", 1)[0] for wid in got["ids"]]
            rows.append(np.asarray(got["embeddings"], dtype=np.float32))
        return ids, np.concatenate(rows) if rows else np.zeros((0, 0), dtype=np.float32)

    def lexical(self, build: str | None = None) -> BM25Index:
        """The build's BM25 index, loaded from its ``bm25/`` folder (built here for an older build without one)."""
        b = self._open(build)
        if b.lexical is None:
            b.lexical = BM25Index.load(b.dir / LEXICAL, b.passages)
        return b.lexical

    def query(
        self, vector: Vectors, k: int, build: str | None = None, documents: Collection[str] | None = None
    ) -> list[tuple[str, float]]:
        """Best ``k`` passages as (passage id, cosine similarity), a passage scored by its best window;
        ``documents``: only passages of these document ids."""
        b = self._open(build)
        # Only a passage's second and later windows can crowd others out of the nearest windows: ask for k
        # plus up to k more, and again for twice as many while fewer than k passages came back. (Asking for
        # k + every extra window at once meant 773 windows a question at 100k generated passages.)
        extra = max(b.windows - len(b.passages), 0)
        n = min(b.windows, k + min(extra, k))
        where = {"document": {"$in": sorted(documents)}} if documents else None
        best: dict[str, float] = {}
        while n > 0:
            res = self._call(b.collection.query, query_embeddings=[vector.tolist()], n_results=n, where=where,
                             include=["distances"])
            best = {}
            for wid, dist in zip(res["ids"][0], res["distances"][0], strict=True):
                pid = wid.rsplit("#", 1)[0]
                best[pid] = max(best.get(pid, -1.0), 1.0 - float(dist))
            if len(best) >= k or len(res["ids"][0]) < n or n >= b.windows:
                break
            n = min(b.windows, 2 * n)
        return sorted(best.items(), key=lambda kv: -kv[1])[:k]
