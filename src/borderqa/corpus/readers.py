"""One reader per file format: bytes on disk -> text whose paragraphs are separated by blank lines."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

from borderqa.errors import CorpusError


def read_text_file(path: Path) -> str:
    """Markdown and plain text: strict UTF-8 (a BOM is tolerated)."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path} is not UTF-8 text (byte {exc.start}): re-save it as UTF-8") from exc


def read_pdf(path: Path) -> str:
    """Text of a PDF, paragraphs rebuilt from its lines; pages end with a blank line."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, OSError, ValueError, KeyError, TypeError) as exc:
        raise CorpusError(f"{path} is not a readable PDF ({exc.__class__.__name__}: {exc})") from exc
    return "\n\n".join(_pdf_paragraphs(page) for page in pages)


def _pdf_paragraphs(page: str) -> str:
    """PDF text comes as layout lines: a short line that ends a sentence closes a paragraph."""
    lines = [ln.strip() for ln in page.splitlines()]
    widths = sorted(len(ln) for ln in lines if ln)
    if not widths:
        return ""
    full = widths[int(len(widths) * 0.8)] if len(widths) > 4 else widths[-1]
    out: list[str] = []
    current: list[str] = []
    for ln in lines:
        if not ln:
            if current:
                out.append(" ".join(current))
                current = []
            continue
        current.append(ln)
        if ln[-1] in ".!?:”\"" and len(ln) < 0.8 * full:
            out.append(" ".join(current))
            current = []
    if current:
        out.append(" ".join(current))
    return "\n\n".join(re.sub(r"-\s+(?=[a-z])", "", p) if p.count("- ") else p for p in out)


class _TextOfHTML(HTMLParser):
    BLOCK: ClassVar[frozenset[str]] = frozenset({"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "br", "section", "article"})
    SKIP: ClassVar[frozenset[str]] = frozenset({"script", "style", "nav", "header", "footer", "noscript"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skip += 1
        elif tag in self.BLOCK:
            self.parts.append("\n\n")
        if tag == "li":
            self.parts.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skip:
            self._skip -= 1
        elif tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(re.sub(r"\s+", " ", data))


def read_html(path: Path) -> str:
    parser = _TextOfHTML()
    parser.feed(read_text_file(path))
    text = html.unescape("".join(parser.parts))
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text)]
    return "\n\n".join(b for b in blocks if b)


READERS = {"markdown": read_text_file, "text": read_text_file, "pdf": read_pdf, "html": read_html}
