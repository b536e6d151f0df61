"""Test documents built on the spot (fpdf2): source PDFs good and bad, and a cluttered HTML article.

Used by tests/test_sources.py, evals/test_source_quality.py and benchmarks/source_ingest.py.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

HEADER = "Migration Policy Bulletin - Southern Border Series"
FACT_P4 = (
    "In March 2014 the migrant shelter in Arriaga recorded 1,274 arrivals from Honduras, the highest monthly "
    "figure since the shelter opened."
)
# Backs the report's "statistics" anchor (report paragraph on Mexico's 2013 detentions).
DETENTIONS_P4 = (
    "The Migration Policy Unit of the Secretariat of the Interior (Secretaría de Gobernación, SEGOB) reports "
    "that Mexico detained 86,298 foreign individuals in 2013; Mexican authorities returned or deported most "
    "of them to Central America."
)
FILLER = (
    "Field staff visited the crossing points along the river and spoke with boat operators, vendors and "
    "local officials about the movement of people and goods in the region during the period under review."
)


class _Bulletin(FPDF):
    pages_total = 5

    def header(self) -> None:
        self.set_font("Helvetica", size=9)
        self.cell(0, 8, HEADER, align="C")
        self.ln(14)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", size=9)
        self.cell(0, 8, f"Page {self.page_no()} of {self.pages_total}", align="C")


def _para(pdf: FPDF, text: str) -> None:
    pdf.multi_cell(0, 6, text)
    pdf.ln(5)


def bulletin_pdf(path: Path) -> Path:
    """Five pages: running header and footer with page numbers, a word hyphenated at a line end (p. 1),
    a paragraph crossing from page 2 to page 3, a heading, and the facts above on page 4."""
    pdf = _Bulletin()
    pdf.set_auto_page_break(True, margin=22)
    pdf.set_title("Crossings at the Suchiate River")
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    _para(pdf, "Crossings at the Suchiate River")
    _para(pdf, "The bulletin summarises what our observers saw at the border between Guatemala and Mexico.")
    # an explicit line break after "immi-": the word is hyphenated at a line end
    pdf.multi_cell(0, 6, "Rafts carry people and goods across the river every day, and the regional immi-\n"
                         "gration office counted the crossings at Ciudad Hidalgo for the whole month.")
    pdf.ln(5)
    _para(pdf, FILLER)
    pdf.add_page()
    _para(pdf, FILLER)
    # this paragraph stops mid-sentence at the end of page 2 and goes on at the top of page 3
    pdf.multi_cell(0, 6, "Officials in Tapachula told the observers that checkpoints along the coastal highway had")
    pdf.add_page()
    pdf.multi_cell(0, 6, "moved several times during the spring, so that migrants walked longer distances to avoid them.")
    pdf.ln(5)
    _para(pdf, FILLER)
    pdf.add_page()
    _para(pdf, "Shelter Arrivals")
    _para(pdf, FACT_P4)
    _para(pdf, DETENTIONS_P4)
    pdf.add_page()
    _para(pdf, "Staff will publish the next bulletin after the summer, with figures for the second quarter.")
    pdf.output(str(path))
    return path


def long_pdf(path: Path, pages: int = 100) -> Path:
    """A generated report of ``pages`` pages, three paragraphs a page, with header and footer."""
    pdf = _Bulletin()
    pdf.pages_total = pages
    pdf.set_auto_page_break(True, margin=22)
    pdf.set_font("Helvetica", size=11)
    for n in range(1, pages + 1):
        pdf.add_page()
        for k in range(3):
            _para(pdf, f"Observation {n}.{k + 1}: on day {n} the team counted {100 + 7 * n + k} crossings at "
                       f"point {k + 1}. " + FILLER)
    pdf.output(str(path))
    return path


def encrypted_pdf(path: Path) -> Path:
    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, "This text is behind a password.")
    pdf.output(str(path))
    return path


def truncated_pdf(path: Path, good: Path) -> Path:
    data = good.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def image_only_pdf(path: Path) -> Path:
    """Two pages with a drawing and no text layer, like a scan without OCR."""
    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.set_fill_color(120, 120, 120)
        pdf.rect(20, 20, 170, 250, style="F")
    pdf.output(str(path))
    return path


ARTICLE_FACT = (
    "The National Migration Institute operated eleven checkpoints along the coastal highway, according to a "
    "regional official who asked not to be named."
)


def cluttered_html(path: Path) -> Path:
    """A news article wrapped in navigation, scripts, a cookie banner, a related-links box and a footer."""
    path.write_text(f"""<!doctype html><html><head>
<title>Checkpoints Multiply in Chiapas | The Daily Ledger</title>
<meta property="og:title" content="Checkpoints Multiply in Chiapas">
<meta name="date" content="2014-03-12">
<script>var tracker = {{id: "UA-1"}}; function track() {{ document.cookie = "seen=1"; }}</script>
<style>.nav {{ color: red }}</style></head>
<body>
<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience. Accept all cookies?
<button>Accept</button></div>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<main><article>
<h1>Checkpoints Multiply in Chiapas</h1>
<p>Officials in Tapachula said that crossings of the Suchiate River rose sharply in the first months of
2014, as rafts carried people and goods between Tecún Umán and Ciudad Hidalgo every day.</p>
<h2>Checkpoints on the highway</h2>
<p>{ARTICLE_FACT}</p>
<p>Migrants interviewed at a shelter in Arriaga described walking for days to avoid those checkpoints, often
through farmland and along the rail line.</p>
<h2>The train</h2>
<p>The freight train known as La Bestia left Arriaga twice a week, carrying hundreds of migrants on its roof
toward the centre of the country.</p>
</article></main>
<aside><h3>Most read</h3><ul><li><a href="/a">Celebrity news of the week</a></li></ul></aside>
<footer>© 2014 The Daily Ledger. All rights reserved. <a href="/privacy">Privacy</a></footer>
<script>track();</script>
</body></html>
""", encoding="utf-8")
    return path
