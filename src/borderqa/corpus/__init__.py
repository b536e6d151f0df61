"""Reading ``corpus/`` (manifest, report, cited sources) into ``Document``s.

This package is the only code that opens corpus files. Problems with the report itself, or with the
manifest, stop everything (``CorpusError``: the existing index is left as it is). A cited source that
cannot be read (corrupt PDF, empty, not UTF-8) is skipped and reported in ``Corpus.skipped``, so the rest
is still indexed.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from borderqa.corpus.manifest import MANIFEST_NAME, ManifestEntry, read_manifest
from borderqa.corpus.readers import READERS
from borderqa.errors import CorpusError
from borderqa.types import Document

__all__ = ["MANIFEST_NAME", "Corpus", "load_corpus", "read_manifest"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Corpus:
    documents: tuple[Document, ...]
    skipped: tuple[str, ...]  # one message per source that could not be read


def load_corpus(corpus_dir: Path) -> Corpus:
    documents: list[Document] = []
    skipped: list[str] = []
    for entry in read_manifest(corpus_dir):
        try:
            documents.append(_load(corpus_dir, entry))
        except CorpusError as exc:
            if entry.kind == "report":
                raise
            log.warning("skipped %s: %s", entry.file, exc)
            skipped.append(f"skipped {entry.file}: {exc}")
    if not documents:
        raise CorpusError(f"no readable documents in {corpus_dir}")
    return Corpus(tuple(documents), tuple(skipped))


def _load(corpus_dir: Path, entry: ManifestEntry) -> Document:
    path = corpus_dir / entry.file
    raw = path.read_bytes()
    text = READERS[entry.format](path)
    if not text.strip():
        raise CorpusError(f"{path} is empty: add its text or remove it from {MANIFEST_NAME}")
    return Document(
        id=entry.id,
        title=entry.title,
        kind=entry.kind,
        format=entry.format,
        path=str(path),
        text=text,
        sha256=hashlib.sha256(raw).hexdigest(),
        authors=entry.authors,
        publisher=entry.publisher,
        date=entry.date,
        outline=entry.outline,
        block_quotes=entry.block_quotes,
    )
