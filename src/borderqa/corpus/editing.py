"""Adding and removing sources: the file under ``corpus/sources/`` and its ``[[documents]]`` entry.

The manifest is edited with tomlkit, which keeps its comments, order and formatting; it is written to a
temporary file and swapped in (``os.replace``), so a failure leaves the old manifest whole. A file is
read before it is added: one that cannot be read is refused with the reason, and nothing changes.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from borderqa.corpus import MAX_FILE_MB, read_file
from borderqa.corpus.manifest import (
    FORMATS,
    MANIFEST_NAME,
    SOURCES_DIR,
    Backing,
    ManifestEntry,
    read_manifest,
)
from borderqa.errors import CorpusError

if TYPE_CHECKING:
    from tomlkit import TOMLDocument

_BACKS_RE = re.compile(r"^(?P<passage>[A-Za-z0-9_-]+:p\d+)\s*=\s*(?P<anchor>.+)$")


def parse_backing(text: str) -> Backing:
    """``"anchor text"`` or ``"report:p0042=anchor text"`` (the anchor in that passage only)."""
    m = _BACKS_RE.match(text.strip())
    if m:
        return Backing(m.group("anchor").strip(), m.group("passage"))
    if not text.strip():
        raise CorpusError("an empty --backs anchor: give the report's link text")
    return Backing(text.strip())


def _slug(stem: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:40].strip("-")
    return slug or "source"


def _load_toml(corpus_dir: Path) -> tuple[Path, TOMLDocument]:
    import tomlkit

    path = corpus_dir / MANIFEST_NAME
    read_manifest(corpus_dir)  # the same validation as indexing: refuse to edit a broken manifest
    return path, tomlkit.parse(path.read_text(encoding="utf-8"))


def _write_toml(path: Path, doc: TOMLDocument) -> None:
    import tomlkit

    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(tomlkit.dumps(doc), encoding="utf-8")
    os.replace(tmp, path)


def add_source(
    corpus_dir: Path,
    file: Path,
    title: str = "",
    url: str = "",
    publisher: str = "",
    date: str = "",
    backs: Sequence[Backing] = (),
    doc_id: str = "",
    max_file_mb: float = MAX_FILE_MB,
) -> ManifestEntry:
    """Copy ``file`` into ``corpus/sources/`` and add its manifest entry; returns the entry as read back."""
    import tomlkit

    if not file.is_file():
        raise CorpusError(f"{file} is not a file")
    fmt = FORMATS.get(file.suffix.lower())
    if fmt is None:
        raise CorpusError(f"{file}: unknown file type {file.suffix!r} (use {', '.join(sorted(FORMATS))})")
    found = read_file(file, fmt, max_file_mb)  # a file that cannot be read is refused here, with the reason
    title = title.strip() or found.title.strip()
    if not title:
        raise CorpusError(f"{file} has no title of its own: give --title")
    path, doc = _load_toml(corpus_dir)
    entries = read_manifest(corpus_dir)
    ids = {e.id for e in entries}
    if doc_id.strip() in ids:
        raise CorpusError(f"{path}: document id {doc_id.strip()!r} is taken: choose another with --id")
    base = doc_id.strip() or _slug(file.stem)
    doc_id = next(c for c in (base, *(f"{base}-{n}" for n in range(2, 10_000))) if c not in ids)
    target = corpus_dir / SOURCES_DIR / file.name
    rel = f"{SOURCES_DIR}/{file.name}"
    if any(e.file == rel for e in entries):
        raise CorpusError(f"{rel} is already in {MANIFEST_NAME}: remove that source first or rename the file")
    if target.exists() and target.resolve() != file.resolve():
        raise CorpusError(f"{target} exists and is another file: rename yours")
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.resolve() != file.resolve():
        shutil.copyfile(file, target)

    table = tomlkit.table()
    table.add("id", doc_id)
    table.add("title", title)
    for key, value in (("publisher", publisher), ("date", date.strip() or found.date), ("url", url)):
        if value.strip():
            table.add(key, value.strip())
    table.add("file", rel)
    table.add("kind", "source")
    table.add("format", fmt)
    if backs:
        items = tomlkit.array()
        for b in backs:
            if b.passage:
                inline = tomlkit.inline_table()
                inline.update({"anchor": b.anchor, "passage": b.passage})
                items.append(inline)
            else:
                items.append(b.anchor)
        table.add("backs", items)
    doc["documents"].append(table)  # type: ignore[index]
    try:
        _write_toml(path, doc)
        return next(e for e in read_manifest(corpus_dir) if e.id == doc_id)
    except Exception:
        if target.resolve() != file.resolve():
            target.unlink(missing_ok=True)
        raise


def remove_source(corpus_dir: Path, doc_id: str) -> ManifestEntry:
    """Remove a source's entry, and its file when it lies under ``corpus/sources/`` and nothing else uses it."""
    path, doc = _load_toml(corpus_dir)
    entries = read_manifest(corpus_dir)
    entry = next((e for e in entries if e.id == doc_id), None)
    if entry is None:
        raise CorpusError(f"no document {doc_id!r} in {path} (see `borderqa sources`)")
    if entry.kind == "report":
        raise CorpusError(f"{doc_id!r} is the report itself; only sources can be removed")
    tables = doc["documents"]  # type: ignore[index]
    position = next(i for i, t in enumerate(tables) if str(t.get("id", "")).strip() == doc_id)
    del tables[position]
    _write_toml(path, doc)
    if entry.file.startswith(f"{SOURCES_DIR}/") and not any(e.file == entry.file for e in entries if e.id != doc_id):
        (corpus_dir / entry.file).unlink(missing_ok=True)
    return entry
