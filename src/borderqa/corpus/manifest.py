"""Reading and validating ``corpus/manifest.toml``.

A source's entry may say which report anchors it backs (``backs``): each an anchor text (the report's
link text, as ``borderqa passages`` lists it under "cites"), optionally narrowed to one report passage::

    backs = ["79,416", { anchor = "statistics", passage = "report:p0042" }]
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from borderqa.errors import CorpusError

MANIFEST_NAME = "manifest.toml"
SOURCES_DIR = "sources"  # where `borderqa add-source` puts files, under the corpus folder
FORMATS = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".pdf": "pdf", ".html": "html", ".htm": "html"}


@dataclass(frozen=True)
class Backing:
    """A report citation anchor that a source backs; ``passage`` empty: wherever the anchor occurs."""

    anchor: str
    passage: str = ""

    def matches(self, passage_id: str, anchor: str) -> bool:
        return _fold(anchor) == _fold(self.anchor) and self.passage in ("", passage_id)


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


@dataclass(frozen=True)
class ManifestEntry:
    id: str
    title: str
    file: str
    kind: str
    format: str
    authors: tuple[str, ...] = ()
    publisher: str = ""
    date: str = ""
    outline: tuple[str, ...] = ()
    block_quotes: tuple[str, ...] = ()
    url: str = ""
    backs: tuple[Backing, ...] = ()


def read_manifest(corpus_dir: Path) -> list[ManifestEntry]:
    """Parse the manifest; every problem is a CorpusError naming the file and what to fix."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder {corpus_dir} is missing: set BORDERQA_CORPUS_DIR or create it")
    path = corpus_dir / MANIFEST_NAME
    if not path.is_file():
        raise CorpusError(f"{path} is missing: the corpus needs a manifest listing its documents (see README)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path} is not valid TOML: {exc}") from exc
    docs = data.get("documents")
    if not isinstance(docs, list) or not docs:
        raise CorpusError(f"{path} lists no [[documents]]")
    entries: list[ManifestEntry] = []
    seen: set[str] = set()
    for i, raw in enumerate(docs, 1):
        entries.append(_entry(raw, i, path))
        if entries[-1].id in seen:
            raise CorpusError(f"{path}: document id {entries[-1].id!r} appears twice")
        seen.add(entries[-1].id)
        if not (corpus_dir / entries[-1].file).is_file():
            raise CorpusError(f"{path}: document {entries[-1].id!r} names {entries[-1].file!r}, which is not in {corpus_dir}")
    return entries


def _entry(raw: object, i: int, path: Path) -> ManifestEntry:
    if not isinstance(raw, dict):
        raise CorpusError(f"{path}: document #{i} is not a table")
    for key in ("id", "title", "file"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise CorpusError(f"{path}: document #{i} needs a non-empty {key!r}")
    doc_id = raw["id"].strip()
    if not doc_id.replace("-", "").replace("_", "").isalnum():
        raise CorpusError(f"{path}: document id {doc_id!r} may use only letters, digits, '-' and '_'")
    file = raw["file"]
    fmt = raw.get("format") or FORMATS.get(Path(file).suffix.lower())
    if fmt not in set(FORMATS.values()):
        raise CorpusError(f"{path}: document {doc_id!r} has unknown format {fmt!r} (use {sorted(set(FORMATS.values()))})")
    kind = raw.get("kind", "source")
    if kind not in ("report", "source"):
        raise CorpusError(f"{path}: document {doc_id!r} kind must be 'report' or 'source'")
    outline = tuple(line for line in str(raw.get("outline", "")).splitlines() if line.strip())
    backs: list[Backing] = []
    for b in raw.get("backs", ()):
        if isinstance(b, str) and b.strip():
            backs.append(Backing(b.strip()))
        elif isinstance(b, dict) and isinstance(b.get("anchor"), str) and b["anchor"].strip():
            backs.append(Backing(b["anchor"].strip(), str(b.get("passage", "")).strip()))
        else:
            raise CorpusError(f"{path}: document {doc_id!r}: each 'backs' item is an anchor text or {{anchor, passage}}")
    return ManifestEntry(
        id=doc_id,
        title=raw["title"].strip(),
        file=file,
        kind=kind,
        format=fmt,
        authors=tuple(str(a) for a in raw.get("authors", ())),
        publisher=str(raw.get("publisher", "")),
        date=str(raw.get("date", "")),
        outline=outline,
        block_quotes=tuple(str(q) for q in raw.get("block_quotes", ())),
        url=str(raw.get("url", "")),
        backs=tuple(backs),
    )
