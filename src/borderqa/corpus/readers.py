"""One reader per file format: a file on disk -> ``SourceText`` (paragraphs separated by blank lines).

* markdown and plain text: strict UTF-8 (a BOM is tolerated); a markdown source's ``#`` headings become
  bare heading lines plus an outline, so the chunker (chunking.py, the report's paragraph rules) turns
  them into section paths;
* PDF: ``pdf.py`` (pages, running headers and footers, hyphenation, columns);
* HTML: ``html.py`` (main text by trafilatura, headings as section paths, title and date).

Every reader raises ``CorpusError`` with the file and the reason when the file cannot be read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from borderqa.errors import CorpusError

_HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


@dataclass(frozen=True)
class SourceText:
    """What a reader found in a file."""

    text: str
    outline: tuple[str, ...] = ()  # headings, indented two spaces per level (the manifest's outline format)
    line_pages: tuple[int, ...] = ()  # a paged file: the 1-based page of each line of ``text``
    title: str = ""  # from the file's own metadata, when it has any
    date: str = ""


def decode_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path} is not UTF-8 text (byte {exc.start}): re-save it as UTF-8") from exc


def read_text_file(path: Path) -> SourceText:
    """Plain text, as it is."""
    return SourceText(decode_text(path))


def markdown_headings(text: str) -> SourceText:
    """``#`` headings -> bare lines (each a block of its own) and an indented outline; the title is the
    first level-1 heading."""
    lines: list[str] = []
    outline: list[str] = []
    title = ""
    for line in text.splitlines():
        m = _HEADING_RE.match(line)
        if not m:
            lines.append(line)
            continue
        level, heading = len(m.group(1)), m.group(2).strip("*_ ")
        title = title or (heading if level == 1 else "")
        outline.append("  " * (level - 1) + heading)
        lines += ["", heading, ""]
    return SourceText("\n".join(lines), tuple(outline), title=title)


def read_markdown(path: Path) -> SourceText:
    return markdown_headings(decode_text(path))


def read_pdf(path: Path) -> SourceText:
    from borderqa.corpus.pdf import read_pdf as read

    return read(path)


def read_html(path: Path) -> SourceText:
    from borderqa.corpus.html import read_html as read

    return read(path)


READERS: dict[str, Callable[[Path], SourceText]] = {
    "markdown": read_markdown,
    "text": read_text_file,
    "pdf": read_pdf,
    "html": read_html,
}
