"""PDF sources with pypdf: page-aware text with running headers and footers removed.

Text comes from pypdf's *layout* extraction (``extraction_mode="layout"``), which places text where it
sits on the page: vertical gaps become blank lines (paragraph breaks), and side-by-side columns come out
side by side. Then, in order:

1. Columns. A run of lines sharing a gutter (at least three blank character columns, in the middle half
   of the page, with text on both sides in several lines) is read as two columns, left then right; a
   full-width line (a title across both columns) ends the run. This works for regular two-column pages;
   it does NOT untangle three or more columns, a gutter that moves down the page, text boxes or
   sidebars placed beside a column, or tables (their cells are read column by column).
2. Running headers and footers. The lines set apart at the top and bottom of each page (one or two lines
   before the first blank gap and after the last) are compared across pages,
   a number in them by its offset from the page number ("Page 4" on page 4 ~ "Page 5" on page 5); a line seen on at least half the pages (and at least two)
   is dropped everywhere, and so is a bare page number ("4", "- 4 -", "Page 4 of 12", "iv") at a page's
   top or bottom.
3. Paragraphs. Lines between blank lines form a paragraph; a short line that ends a sentence also closes
   one (layout gaps can be too small to show). A paragraph is never joined here across a page: the
   chunker joins one that ends mid-sentence with the next (its page-break rule), and the passage then
   spans both pages ("pp. 3-4").
4. Hyphenation. A word broken at a line end ("para-" / "graph") is joined ("paragraph"), unless the
   document writes the hyphenated form elsewhere ("well-known" stays).

The returned text keeps one entry per line in ``line_pages``, so each passage knows its pages.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from pathlib import Path

import numpy as np

from borderqa.corpus.readers import SourceText
from borderqa.errors import CorpusError

log = logging.getLogger(__name__)

MIN_GUTTER = 3
_PAGE_NUMBER_RE = re.compile(
    r"^[-–—\s]*((page|p\.|pág\.?|página)\s*)?(\d{1,4}|[ivxlc]{1,6})(\s*(of|/|de)\s*\d{1,4})?[-–—\s]*$", re.IGNORECASE
)
_SENTENCE_END = ".!?:;”\")"
_HYPHEN_END_RE = re.compile(r"([A-Za-zÀ-ÿ]+)-$")
_LOWER_START_RE = re.compile(r"^([a-zà-ÿ][\w’'-]*)")


def read_pdf(path: Path) -> SourceText:
    """Page-aware text of a PDF; ``CorpusError`` for an encrypted, damaged, truncated or image-only file."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError, PyPdfError

    raw = path.read_bytes()
    if not raw.strip():
        raise CorpusError(f"{path} is empty (0 bytes of PDF)")
    if b"%PDF-" not in raw[:1024]:
        raise CorpusError(f"{path} is not a PDF (no %PDF- header)")
    if b"%%EOF" not in raw[-2048:]:
        raise CorpusError(f"{path} is truncated or damaged (no %%EOF end marker): download it again")
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise CorpusError(f"{path} is encrypted (password-protected): save an unencrypted copy")
        pages = [page.extract_text(extraction_mode="layout") or "" for page in reader.pages]
        meta = reader.metadata
        title = str(meta.title or "") if meta else ""  # (its creation date is not the publication date)
    except CorpusError:
        raise
    except (PyPdfError, PdfReadError, OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CorpusError(f"{path} is not a readable PDF ({exc.__class__.__name__}: {exc})") from exc
    if not pages:
        raise CorpusError(f"{path} has no pages")
    if not any(p.strip() for p in pages):
        raise CorpusError(f"{path} has no text layer (image-only, a scan?): run OCR on it first")
    lines = [_read_columns(p.splitlines()) for p in pages]
    lines = _drop_running_lines(lines)
    text, line_pages = _paragraphs(lines)
    return SourceText(text, line_pages=line_pages, title=title)


# --- columns ---------------------------------------------------------------------------------------------


def _widest_run(free: np.ndarray, lo: int, hi: int) -> tuple[int, int] | None:
    """The widest run of True in ``free[lo:hi]`` of at least MIN_GUTTER, as (start, end)."""
    best: tuple[int, int] | None = None
    x = lo
    while x < hi:
        if not free[x]:
            x += 1
            continue
        y = x
        while y < hi and free[y]:
            y += 1
        if y - x >= MIN_GUTTER and (best is None or y - x > best[1] - best[0]):
            best = (x, y)
        x = y
    return best


def _read_columns(lines: list[str]) -> list[str]:
    """Two side-by-side columns -> the left column's lines, then the right's (module docstring, rule 1)."""
    width = max((len(ln) for ln in lines), default=0)
    if width < 40:
        return [ln.strip() for ln in lines]
    blank = np.array([[c == " " for c in ln.ljust(width)] for ln in lines], dtype=bool)
    lo, hi = width // 4, (3 * width) // 4
    out: list[str] = []
    start = 0
    while start < len(lines):
        free = np.ones(width, dtype=bool)
        gutter: tuple[int, int] | None = None
        stop = start
        while stop < len(lines):
            trial = free & blank[stop] if lines[stop].strip() else free
            run = _widest_run(trial, lo, hi)
            if run is None and stop > start:
                break
            free, gutter, stop = trial, run, stop + 1
        block = lines[start:stop]
        if gutter is not None:
            a, b = gutter
            left = sum(1 for ln in block if ln[:a].strip())
            right = sum(1 for ln in block if ln[b:].strip())
            if left >= 2 and right >= 2:
                out += [ln[:b].strip() for ln in block] + [""] + [ln[b:].strip() for ln in block]
                start = stop
                continue
        out += [ln.strip() for ln in block]
        start = stop
    return out


# --- running headers and footers ----------------------------------------------------------------------


def _shape(line: str, page: int) -> str:
    """A line's text with white space folded; a single number in it becomes its offset from the page
    number, so "Page 4" on page 4 and "Page 5" on page 5 (or "12" printed on the 10th page and "13" on
    the 11th) have the same shape, and "Chapter 2" / "Chapter 3" at the top of two pages do not."""
    text = re.sub(r"\s+", " ", line.strip().lower())
    numbers = re.findall(r"\d+", text)
    if len(numbers) == 1:
        return re.sub(r"\d+", f"#{int(numbers[0]) - page:+d}", text)
    return text


def _edges(page: list[str]) -> list[int]:
    """Lines that may be a running header or footer: the one or two lines above the page's first blank
    gap and below its last one (layout mode shows the space that sets headers and footers apart), and
    the first and last lines in any case."""
    filled = [i for i, ln in enumerate(page) if ln.strip()]
    if not filled:
        return []
    edges = {filled[0], filled[-1]}
    gaps = [j for j in range(filled[0], filled[-1]) if not page[j].strip()]
    if gaps:
        for group in ([i for i in filled if i < gaps[0]], [i for i in filled if i > gaps[-1]]):
            if len(group) <= 2:
                edges.update(group)
    return sorted(edges)


def _drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    counts: Counter[str] = Counter()
    for n, page in enumerate(pages, 1):
        counts.update({_shape(page[i], n) for i in _edges(page)})
    need = max(2, (len(pages) + 1) // 2)
    running = {s for s, n in counts.items() if n >= need}
    out: list[list[str]] = []
    for n, page in enumerate(pages, 1):
        edges = set(_edges(page))
        out.append(
            [
                "" if i in edges and (_shape(ln, n) in running or _PAGE_NUMBER_RE.match(ln.strip())) else ln
                for i, ln in enumerate(page)
            ]
        )
    if running:
        log.info("running headers/footers removed: %s", sorted(running))
    return out


# --- paragraphs and hyphenation ----------------------------------------------------------------------


def _paragraphs(pages: list[list[str]]) -> tuple[str, tuple[int, ...]]:
    """Paragraphs (one line each) separated by blank lines, and the page of every output line."""
    paras: list[tuple[list[str], int]] = []
    for number, page in enumerate(pages, 1):
        filled = [ln for ln in page if ln.strip()]
        widths = sorted(len(ln) for ln in filled)
        full = widths[int(len(widths) * 0.8)] if len(widths) > 4 else (widths[-1] if widths else 0)
        current: list[str] = []
        for ln in page:
            ln = ln.strip()
            if not ln:
                if current:
                    paras.append((current, number))
                current = []
                continue
            current.append(ln)
            if ln[-1] in _SENTENCE_END and len(ln) < 0.8 * full:
                paras.append((current, number))
                current = []
        if current:
            paras.append((current, number))
    whole = "\n".join(" ".join(lines) for lines, _ in paras)
    text_lines: list[str] = []
    line_pages: list[int] = []
    for lines, number in paras:
        if text_lines:
            text_lines.append("")
            line_pages.append(number)
        text_lines.append(_join_lines(lines, whole))
        line_pages.append(number)
    return "\n".join(text_lines), tuple(line_pages)


def _join_lines(lines: list[str], whole: str) -> str:
    """One paragraph's lines as one line, with words broken at a line end put back together."""
    out = lines[0]
    for nxt in lines[1:]:
        broken = _HYPHEN_END_RE.search(out)
        rest = _LOWER_START_RE.match(nxt)
        if broken and rest and f"{broken.group(1)}-{rest.group(1)}" not in whole:
            out = out[:-1] + nxt
        else:
            out = f"{out} {nxt}"
    return re.sub(r"\s+", " ", out).strip()
