"""HTML sources: the main text of a saved web page, by trafilatura.

trafilatura (not readability-lxml) because it returns the article as Markdown, headings included, so
they become section paths through the same rules as a Markdown source (``readers.markdown_headings``);
it reads the page's title and publication date (``htmldate``) for the manifest; and it drops navigation,
cookie banners, scripts, related-article boxes and footers without site-specific rules. readability-lxml
returns cleaned HTML that would still need a parser of our own, and no date.

When a page has no article, trafilatura falls back to whatever text it finds (a bare navigation menu
comes back as "Home"): under ``MIN_WORDS`` words of main text the page counts as having none.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from borderqa.corpus.readers import SourceText, decode_text, markdown_headings
from borderqa.errors import CorpusError

MIN_WORDS = 25


def read_html(path: Path) -> SourceText:
    import trafilatura

    page = decode_text(path)
    text = trafilatura.extract(
        page, output_format="markdown", include_comments=False, include_tables=True, include_links=False,
        include_images=False,
    )
    if not text or len(text.split()) < MIN_WORDS:
        raise CorpusError(f"{path} has no readable main text (only navigation, scripts or boilerplate?)")
    meta = trafilatura.extract_metadata(page)
    found = markdown_headings(text)
    return replace(found, title=(meta.title if meta and meta.title else found.title) or "",
                   date=(meta.date if meta and meta.date else "") or "")
