"""Reading ``corpus/`` (manifest, report, cited sources) into ``Document``s.

This package is the only code that opens corpus files. Problems with the report itself, or with the
manifest, stop everything (``CorpusError``: the existing index is left as it is). A cited source that
cannot be read (encrypted, truncated, damaged or image-only PDF, HTML with no readable text, text that
is not UTF-8, an empty file, a file over the size limit) is skipped with one line naming the file and
the reason (``Corpus.skips``), so the rest is still indexed.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from borderqa.corpus.manifest import MANIFEST_NAME, SOURCES_DIR, Backing, ManifestEntry, read_manifest
from borderqa.corpus.readers import READERS, SourceText
from borderqa.errors import CorpusError
from borderqa.types import Document

__all__ = [
    "MANIFEST_NAME",
    "MAX_FILE_MB",
    "SOURCES_DIR",
    "Backing",
    "Corpus",
    "ManifestEntry",
    "Skip",
    "load_corpus",
    "read_file",
    "read_manifest",
]

log = logging.getLogger(__name__)

MAX_FILE_MB = 50  # default size limit of one source file (Settings.max_source_mb)


@dataclass(frozen=True)
class Skip:
    """A source that could not be read, and why."""

    id: str
    file: str
    reason: str

    @property
    def message(self) -> str:
        return f"skipped {self.file}: {self.reason}"


@dataclass(frozen=True)
class Corpus:
    documents: tuple[Document, ...]
    skips: tuple[Skip, ...] = ()
    entries: tuple[ManifestEntry, ...] = ()

    @property
    def skipped(self) -> tuple[str, ...]:
        """One line per source that could not be read: "skipped FILE: reason"."""
        return tuple(s.message for s in self.skips)


def load_corpus(corpus_dir: Path, max_file_mb: float = MAX_FILE_MB) -> Corpus:
    documents: list[Document] = []
    skips: list[Skip] = []
    entries = read_manifest(corpus_dir)
    for entry in entries:
        try:
            documents.append(_load(corpus_dir, entry, max_file_mb))
        except CorpusError as exc:
            if entry.kind == "report":
                raise
            reason = str(exc).replace(str(corpus_dir / entry.file), "").strip(" :") or str(exc)
            log.warning("skipped %s: %s", entry.file, reason)
            skips.append(Skip(entry.id, entry.file, reason))
    if not documents:
        raise CorpusError(f"no readable documents in {corpus_dir}")
    return Corpus(tuple(documents), tuple(skips), tuple(entries))


def read_file(path: Path, fmt: str, max_file_mb: float = MAX_FILE_MB) -> SourceText:
    """One file through its format's reader, with the size and emptiness checks."""
    size = path.stat().st_size
    if size > max_file_mb * 1024 * 1024:
        raise CorpusError(f"{path} is {size / 1024 / 1024:.1f} MB, over the {max_file_mb:g} MB limit (BORDERQA_MAX_SOURCE_MB)")
    found = READERS[fmt](path)
    if not found.text.strip():
        raise CorpusError(f"{path} is empty: add its text or remove it from {MANIFEST_NAME}")
    return found


def _load(corpus_dir: Path, entry: ManifestEntry, max_file_mb: float) -> Document:
    path = corpus_dir / entry.file
    found = read_file(path, entry.format, max_file_mb)
    return Document(
        id=entry.id,
        title=entry.title,
        kind=entry.kind,
        format=entry.format,
        path=str(path),
        text=found.text,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        authors=entry.authors,
        publisher=entry.publisher,
        date=entry.date or found.date,
        outline=entry.outline or found.outline,
        block_quotes=entry.block_quotes,
        url=entry.url,
        line_pages=found.line_pages,
    )
