"""Cited sources: readers (PDF pages, headers, hyphens, columns; HTML main text), bad files, add/remove,
incremental indexing, document filters, locators and two-hop provenance. Fake embedder, built documents."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from fpdf import FPDF

import source_docs as sd
from borderqa import cli
from borderqa.assistant import Assistant
from borderqa.chunking import split_passages
from borderqa.config import Settings
from borderqa.corpus import load_corpus, read_file
from borderqa.corpus.editing import add_source, parse_backing, remove_source
from borderqa.corpus.manifest import Backing
from borderqa.embedding import FakeEmbedder
from borderqa.errors import CorpusError, QueryError
from borderqa.index import ChromaIndex, embedding_text
from borderqa.retrieval import LangChainRetriever
from borderqa.serialize import answer_to_dict
from borderqa.types import Document

REPORT = """Mexico's Southern Border

Migrants cross the Suchiate River on rafts every day, and few of them are stopped at the river itself.

Detentions

According to [statistics](#) from the Mexican Secretariat of the Interior's (Secretaría de Gobernación, SEGOB) Migration Policy Unit, Mexico detained 86,298 foreign individuals in 2013. Most were deported, a slight increase over the [79,416](#) people deported in 2012.

The Train

The freight train known as La Bestia carries migrants north on its roof.
"""

MANIFEST = """# Test corpus: the comments and the order must survive add-source.

[[documents]]
id = "report"   # the report itself
title = "A Small Report"
file = "report.md"
kind = "report"
format = "markdown"
outline = \"\"\"
Detentions
The Train
\"\"\"
"""


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def document(path: Path, fmt: str) -> Document:
    found = read_file(path, fmt)
    return Document("src", "A source", "source", fmt, str(path), found.text, "x", outline=found.outline,
                    line_pages=found.line_pages)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "report.md").write_text(REPORT, encoding="utf-8")
    (root / "manifest.toml").write_text(MANIFEST, encoding="utf-8")
    return root


class CountingEmbedder(FakeEmbedder):
    """The fake embedder, remembering every text it was asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        self.seen += texts
        return super().embed_documents(texts)

    def embed_tokens(self, texts: Sequence[str]) -> list[np.ndarray]:
        self.seen += list(texts)
        return [super(CountingEmbedder, self).embed_documents(t.split() or [t]) for t in texts]


def assistant(corpus: Path, embedder: FakeEmbedder | None = None) -> Assistant:
    settings = Settings.load(corpus_dir=corpus, index_dir=corpus.parent / "index")
    embedder = embedder or FakeEmbedder()
    return Assistant(settings, embedder, ChromaIndex(settings.index_dir, embedder, "fake-fp"))


# --- PDF -------------------------------------------------------------------------------------------------


def test_pdf_pages_headers_hyphens_and_page_breaks(tmp_path: Path) -> None:
    passages = split_passages(document(sd.bulletin_pdf(tmp_path / "b.pdf"), "pdf"))
    texts = " ".join(p.text for p in passages)
    assert sd.HEADER not in texts and "Page 2 of 5" not in texts and "of 5" not in texts
    assert "regional immigration office" in texts and "immi-" not in texts
    crossing = next(p for p in passages if p.text.startswith("Officials in Tapachula"))
    assert crossing.text.endswith("walked longer distances to avoid them.")
    assert crossing.pages == (2, 3) and crossing.locator == "pp. 2-3 ¶2"
    fact = next(p for p in passages if p.text == sd.FACT_P4)
    assert fact.pages == (4, 4) and fact.page == 4 and fact.locator == "p. 4 ¶1"
    assert fact.section == "Shelter Arrivals"  # a heading found by its shape (no outline) is a sibling
    assert all(p.pages[0] >= 1 for p in passages) and passages[-1].pages == (5, 5)


def test_pdf_two_columns_read_left_then_right(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 6, "Two Column Page")
    pdf.ln(4)
    cols = pdf.text_columns(ncols=2, gutter=10)
    with cols:
        for k in range(30):
            cols.write(text=f"Paragraph number {k} of the columns says something about point {k} and then ends here. ")
            cols.ln()
            cols.ln()
    pdf.output(str(tmp_path / "c.pdf"))
    texts = [p.text for p in split_passages(document(tmp_path / "c.pdf", "pdf"))]
    numbered = [t for t in texts if t.startswith("Paragraph number")]
    assert len(numbered) == 30
    assert numbered == [f"Paragraph number {k} of the columns says something about point {k} and then ends here."
                        for k in range(30)]


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda d: sd.encrypted_pdf(d / "locked.pdf"), "is encrypted"),
        (lambda d: sd.truncated_pdf(d / "cut.pdf", sd.bulletin_pdf(d / "whole.pdf")), "is truncated"),
        (lambda d: sd.image_only_pdf(d / "scan.pdf"), "has no text layer"),
        (lambda d: _write(d / "empty.pdf", b""), "is empty"),
        (lambda d: _write(d / "fake.pdf", b"<html>not a pdf</html>"), "is not a PDF"),
    ],
)
def test_bad_pdfs_say_why(tmp_path: Path, make: Callable[[Path], Path], reason: str) -> None:
    path = make(tmp_path)
    with pytest.raises(CorpusError, match=reason):
        read_file(path, "pdf")


def test_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("word " * 300_000, encoding="utf-8")
    with pytest.raises(CorpusError, match="over the 1 MB limit"):
        read_file(path, "text", max_file_mb=1)


# --- HTML, markdown, text --------------------------------------------------------------------------------


def test_html_main_text_sections_title_and_date(tmp_path: Path) -> None:
    path = sd.cluttered_html(tmp_path / "a.html")
    found = read_file(path, "html")
    assert found.title == "Checkpoints Multiply in Chiapas" and found.date == "2014-03-12"
    for junk in ("cookies", "Accept", "Home", "Sport", "tracker", "Celebrity", "All rights reserved", "color"):
        assert junk not in found.text
    passages = split_passages(document(path, "html"))
    fact = next(p for p in passages if p.text == sd.ARTICLE_FACT)
    assert fact.section == "Checkpoints Multiply in Chiapas > Checkpoints on the highway" and fact.paragraph == 1
    assert fact.locator == "Checkpoints Multiply in Chiapas > Checkpoints on the highway ¶1" and fact.page is None
    assert [p.section.split(" > ")[-1] for p in passages][-1] == "The train"


def test_html_without_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    path.write_text("<html><head><script>var a = 1;</script></head><body><nav><a href='/'>Home</a></nav></body></html>")
    with pytest.raises(CorpusError, match="no readable main text"):
        read_file(path, "html")


def test_markdown_source_headings_become_sections(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text("# Field Notes\n\nFirst paragraph here.\n\n## Tapachula\n\nSecond one.\n", encoding="utf-8")
    passages = split_passages(document(path, "markdown"))
    assert [(p.section, p.paragraph, p.text) for p in passages] == [
        ("Field Notes", 1, "First paragraph here."), ("Field Notes > Tapachula", 1, "Second one.")]


def test_undecodable_text(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Tecún Umán".encode("latin-1"))
    with pytest.raises(CorpusError, match="not UTF-8"):
        read_file(path, "text")


# --- corpus: skips, add, remove ----------------------------------------------------------------------------


def _add_raw(corpus: Path, doc_id: str, file: str) -> None:
    with (corpus / "manifest.toml").open("a", encoding="utf-8") as f:
        f.write(f'\n[[documents]]\nid = "{doc_id}"\ntitle = "{doc_id}"\nfile = "{file}"\nkind = "source"\n')


def test_bad_sources_are_skipped_one_line_each(corpus: Path) -> None:
    src = corpus / "sources"
    src.mkdir()
    sd.bulletin_pdf(src / "good.pdf")
    sd.encrypted_pdf(src / "locked.pdf")
    sd.truncated_pdf(src / "cut.pdf", src / "good.pdf")
    sd.image_only_pdf(src / "scan.pdf")
    (src / "blank.html").write_text("<html><body><nav>Home</nav></body></html>", encoding="utf-8")
    (src / "bad.txt").write_bytes(b"\xff\xfe\xfa broken")
    for name in ("good.pdf", "locked.pdf", "cut.pdf", "scan.pdf", "blank.html", "bad.txt"):
        _add_raw(corpus, name.split(".")[0], f"sources/{name}")
    loaded = load_corpus(corpus)
    assert [d.id for d in loaded.documents] == ["report", "good"]
    assert loaded.skipped == (
        "skipped sources/locked.pdf: is encrypted (password-protected): save an unencrypted copy",
        "skipped sources/cut.pdf: is truncated or damaged (no %%EOF end marker): download it again",
        "skipped sources/scan.pdf: has no text layer (image-only, a scan?): run OCR on it first",
        "skipped sources/blank.html: has no readable main text (only navigation, scripts or boilerplate?)",
        "skipped sources/bad.txt: is not UTF-8 text (byte 0): re-save it as UTF-8",
    )


def test_add_source_keeps_manifest_comments_and_embeds_only_the_new_document(corpus: Path, tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    a = assistant(corpus, embedder)
    first, _ = a.build_index()
    embedder.seen.clear()
    pdf = sd.bulletin_pdf(tmp_path / "bulletin.pdf")
    entry, report, _ = a.add_source(pdf, publisher="Observers", url="https://example.org/b.pdf",
                                    backs=[Backing("statistics"), parse_backing("report:p0002=79,416")])
    assert entry.id == "bulletin" and entry.file == "sources/bulletin.pdf" and (corpus / entry.file).is_file()
    assert entry.title == "Crossings at the Suchiate River"  # from the PDF's metadata
    assert entry.backs == (Backing("statistics"), Backing("79,416", "report:p0002"))
    text = (corpus / "manifest.toml").read_text(encoding="utf-8")
    assert text.startswith(MANIFEST) and 'id = "report"   # the report itself' in text
    new = [p for p in a.passages() if p.document == "bulletin"]
    new_texts = {t for p in new for t in (embedding_text(p), p.text)}
    assert report.changed_documents == ("bulletin",) and report.reused >= first.windows
    assert embedder.seen and set(embedder.seen) <= new_texts  # nothing of the report embedded again
    assert report.embedded == len({embedding_text(p) for p in new}) and report.windows == first.windows + len(new)
    again, _ = a.build_index()
    assert again.skipped and again.embedded == 0

    with pytest.raises(CorpusError, match=r"already in manifest\.toml"):
        a.add_source(pdf)
    with pytest.raises(CorpusError, match="is encrypted"):
        a.add_source(sd.encrypted_pdf(tmp_path / "locked.pdf"), title="Locked")
    assert (corpus / "manifest.toml").read_text(encoding="utf-8") == text  # a refused file changes nothing

    removed, after, _ = a.remove_source("bulletin")
    assert removed.id == "bulletin" and not (corpus / "sources" / "bulletin.pdf").exists()
    assert after.embedded == 0 and after.passages == first.passages
    assert (corpus / "manifest.toml").read_text(encoding="utf-8") == MANIFEST
    with pytest.raises(CorpusError, match="only sources"):
        remove_source(corpus, "report")


def test_add_source_needs_a_title_and_a_known_type(corpus: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Plain notes.\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="give --title"):
        add_source(corpus, notes)
    with pytest.raises(CorpusError, match="unknown file type"):
        add_source(corpus, _write(tmp_path / "x.docx", b"x"))
    assert add_source(corpus, notes, title="Notes").id == "notes"
    assert add_source(corpus, notes.rename(tmp_path / "n2.txt"), title="Again", doc_id="").id == "n2"


# --- CLI -----------------------------------------------------------------------------------------------------


def test_cli_add_source_sources_strict_and_provenance(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a = assistant(corpus)
    monkeypatch.setattr(cli, "_assistant", lambda: a)
    run = CliRunner()
    html = sd.cluttered_html(tmp_path / "ledger.html")
    out = run.invoke(cli.main, ["add-source", str(html), "--publisher", "The Daily Ledger", "--backs", "79,416"])
    assert out.exit_code == 0, out.output
    assert "added ledger: sources/ledger.html (Checkpoints Multiply in Chiapas)" in out.output
    assert 'date = "2014-03-12"' in (corpus / "manifest.toml").read_text(encoding="utf-8")
    sd.encrypted_pdf(corpus / "sources" / "locked.pdf")
    _add_raw(corpus, "locked", "sources/locked.pdf")
    out = run.invoke(cli.main, ["index", "--strict"])
    assert out.exit_code == 3 and "skipped sources/locked.pdf: is encrypted" in out.output
    assert run.invoke(cli.main, ["index"]).exit_code == 0
    listing = run.invoke(cli.main, ["sources", "--json"])
    rows = [json.loads(line) for line in listing.stdout.splitlines()]
    assert [(r["id"], r["passages"] > 0, r["skipped"][:12]) for r in rows] == [
        ("report", True, ""), ("ledger", True, ""), ("locked", False, "is encrypted")]
    listing = run.invoke(cli.main, ["sources"]).output
    assert "SKIPPED: is encrypted" in listing and "backs: 79,416" in listing
    out = run.invoke(cli.main, ["provenance", "report:p0002"])
    assert out.exit_code == 0 and "anchor \"79,416\" -> ledger" in out.output
    assert "the source does not appear to contain it" in out.output
    out = run.invoke(cli.main, ["search", "eleven checkpoints coastal highway", "--documents", "ledger", "--json"])
    assert {h["document"] for h in json.loads(out.output)["hits"]} == {"ledger"}
    out = run.invoke(cli.main, ["search", "checkpoints", "--documents", "nope"])
    assert out.exit_code == 2 and "unknown document 'nope'" in out.output


# --- search, answers, provenance -------------------------------------------------------------------------


def test_documents_filter_and_p4_citation(corpus: Path, tmp_path: Path) -> None:
    a = assistant(corpus)
    a.add_source(sd.bulletin_pdf(tmp_path / "bulletin.pdf"), backs=[Backing("statistics")])
    question = "How many arrivals from Honduras did the Arriaga shelter record in March 2014?"
    assert a.search(question, k=1)[0].passage.text == sd.FACT_P4
    assert {h.passage.document for h in a.search(question, k=5, documents=["report"])} == {"report"}
    with pytest.raises(QueryError, match="unknown document"):
        a.search(question, documents=["missing"])
    docs = LangChainRetriever(retriever=a.retriever, k=3, documents=["bulletin"]).invoke(question)
    assert {d.metadata["document"] for d in docs} == {"bulletin"} and docs[0].metadata["locator"] == "p. 4 ¶1"
    answer = a.ask(question, generator="extractive")
    assert answer.status == "answered", answer.text
    cited = answer_to_dict(answer)["citations"][0]
    assert cited["locator"] == "p. 4 ¶1" and cited["page"] == 4 and cited["document"] == "bulletin"
    assert cited["document_title"] == "Crossings at the Suchiate River" and "1,274" in answer.text
    only_report = a.ask(question, generator="extractive", documents=["report"])
    assert all(c.passage.document == "report" for c in only_report.citations)


def test_two_hop_provenance(corpus: Path, tmp_path: Path) -> None:
    a = assistant(corpus)
    a.add_source(sd.bulletin_pdf(tmp_path / "bulletin.pdf"), backs=[Backing("statistics"), Backing("79,416")])
    passage, found = a.trace("report:p0002")
    assert passage.cites == ("statistics", "79,416")
    by_anchor = {s.anchor: s for s in found}
    hit = by_anchor["statistics"]
    assert hit.found and hit.passage is not None and hit.passage.text == sd.DETENTIONS_P4
    assert hit.passage.locator == "p. 4 ¶2" and hit.claim.startswith("According to statistics") and hit.score > 0
    miss = by_anchor["79,416"]
    assert not miss.found and miss.passage is None and miss.note == "the source does not appear to contain it"

    answer = a.ask("How many foreign individuals did Mexico detain in 2013?", generator="extractive",
                   documents=["report"])
    data = answer_to_dict(answer)
    report_cite = next(c for c in data["citations"] if c["id"] == "report:p0002")
    assert report_cite["locator"] == "Detentions ¶1" and report_cite["page"] is None
    sources = {s["anchor"]: s for s in report_cite["sources"]}
    assert set(sources) <= {"statistics", "79,416"} and "statistics" in sources  # anchors of the quoted sentences
    assert sources["statistics"]["found"] and sources["statistics"]["locator"] == "p. 4 ¶2"
    assert "86,298" in sources["statistics"]["quote"]
    assert "79,416" not in sources or sources["79,416"]["note"] == "the source does not appear to contain it"
    with pytest.raises(QueryError, match="no passage"):
        a.trace("report:p9999")


# --- a build killed midway -------------------------------------------------------------------------------

_KILLED_BUILD = """
import sys, time
from pathlib import Path
from borderqa.assistant import Assistant
from borderqa.config import Settings
from borderqa.embedding import FakeEmbedder
from borderqa.index import ChromaIndex

corpus, marker = Path(sys.argv[1]), Path(sys.argv[2])
original = ChromaIndex._write_collection

def stall(self, *args, **kwargs):  # the new build's Chroma collection is written, the manifest not swapped
    original(self, *args, **kwargs)
    marker.touch()
    time.sleep(60)

ChromaIndex._write_collection = stall
settings = Settings.load(corpus_dir=corpus, index_dir=corpus.parent / "index")
embedder = FakeEmbedder()
Assistant(settings, embedder, ChromaIndex(settings.index_dir, embedder, "fake-fp")).build_index()
"""


@pytest.mark.slow  # a second Python process importing the stack: about 20 s on the shared machine
def test_build_killed_midway_leaves_the_previous_index_usable(corpus: Path, tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    a = assistant(corpus)
    a.build_index()
    index_dir = corpus.parent / "index"
    before = (index_dir / "manifest.json").read_text(encoding="utf-8")
    builds = set(index_dir.glob("build-*"))
    add_source(corpus, sd.bulletin_pdf(tmp_path / "bulletin.pdf"))
    marker = tmp_path / "stalled"
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_BUILD, str(corpus), str(marker)], env=env)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert marker.exists(), "the build never reached the write step"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert (index_dir / "manifest.json").read_text(encoding="utf-8") == before
    half = set(index_dir.glob("build-*")) - builds
    assert len(half) == 1  # the half-written build is there, not live
    old = assistant(corpus)
    assert {p.document for p in old.passages()} == {"report"}
    assert old.search("freight train La Bestia", k=1)[0].passage.id == "report:p0003"
    report, _ = old.build_index()
    assert report.changed_documents == ("bulletin",) and not half & set(index_dir.glob("build-*"))
    assert assistant(corpus).search(sd.FACT_P4, k=1)[0].passage.locator == "p. 4 ¶1"
