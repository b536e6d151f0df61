"""Index build/update/swap and corpus errors, with the fake embedder (fast, no model)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from borderqa.assistant import Assistant
from borderqa.config import Settings
from borderqa.corpus import load_corpus
from borderqa.embedding import FakeEmbedder
from borderqa.errors import CorpusError, IndexNotReadyError, QueryError
from borderqa.index import ChromaIndex

ROOT = Path(__file__).resolve().parents[1]


def make(tmp_path: Path) -> Assistant:
    corpus = tmp_path / "corpus"
    if not corpus.exists():
        shutil.copytree(ROOT / "corpus", corpus)
    settings = Settings.load(corpus_dir=corpus, index_dir=tmp_path / "index")
    embedder = FakeEmbedder()
    return Assistant(settings, embedder, ChromaIndex(settings.index_dir, embedder, "fake-fp"))


def test_build_noop_and_incremental(tmp_path: Path) -> None:
    a = make(tmp_path)
    first, _ = a.build_index()
    assert first.embedded == first.windows and first.passages > 300 and not first.skipped
    again, _ = a.build_index()
    assert again.skipped and again.embedded == 0
    report = tmp_path / "corpus" / "report.md"
    report.write_text(report.read_text(encoding="utf-8").replace("12-day visit", "twelve-day visit", 1), encoding="utf-8")
    changed, _ = a.build_index()
    assert changed.embedded == 1 and changed.changed_documents == ("report",)
    # the live build and the one before it (kept for readers still on it until the next build)
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text())
    assert {p.name for p in (tmp_path / "index").glob("build-*")} == {manifest["build"], manifest["previous"]}
    assert any("twelve-day" in h.passage.text for h in a.search("twelve-day visit", k=3))


def test_killed_build_leaves_previous_index_usable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a = make(tmp_path)
    a.build_index()
    before = json.loads((tmp_path / "index" / "manifest.json").read_text())
    report = tmp_path / "corpus" / "report.md"
    report.write_text(report.read_text(encoding="utf-8") + "\nA new closing paragraph.\n", encoding="utf-8")

    def die(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr("borderqa.index.os.replace", die)
    with pytest.raises(KeyboardInterrupt):
        a.build_index()
    monkeypatch.undo()
    assert json.loads((tmp_path / "index" / "manifest.json").read_text()) == before
    fresh = make(tmp_path)
    assert fresh.search("Tapachula", k=2)


def test_search_before_index_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(IndexNotReadyError, match="borderqa index"):
        make(tmp_path).search("anything")


def test_bad_questions(tmp_path: Path) -> None:
    a = make(tmp_path)
    for bad in ("", "   ", "x" * 100_000):
        with pytest.raises(QueryError):
            a.check_question(bad)


def test_corpus_errors(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="missing"):
        load_corpus(tmp_path / "nope")
    corpus = tmp_path / "c"
    corpus.mkdir()
    with pytest.raises(CorpusError, match="manifest"):
        load_corpus(corpus)
    (corpus / "manifest.toml").write_text('[[documents]]\nid="report"\ntitle="T"\nfile="gone.md"\nkind="report"\n')
    with pytest.raises(CorpusError, match=r"gone\.md"):
        load_corpus(corpus)
    (corpus / "gone.md").write_bytes(b"\xff\xfe not utf-8 \xff")
    with pytest.raises(CorpusError, match=r"UTF\-8"):
        load_corpus(corpus)
    (corpus / "gone.md").write_text("   \n")
    with pytest.raises(CorpusError, match="empty"):
        load_corpus(corpus)


def test_corrupt_source_pdf_is_skipped(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    with (corpus / "manifest.toml").open("a", encoding="utf-8") as f:
        f.write('\n[[documents]]\nid = "src1"\ntitle = "Broken"\nfile = "broken.pdf"\nkind = "source"\n')
    loaded = load_corpus(corpus)
    assert [d.id for d in loaded.documents] == ["report"]
    assert "broken.pdf" in loaded.skipped[0]


def test_cli_errors_are_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from borderqa.cli import main

    monkeypatch.setenv("BORDERQA_CORPUS_DIR", str(tmp_path / "missing"))
    result = CliRunner().invoke(main, ["passages"])
    assert result.exit_code == 3
    assert result.output.strip().startswith("error:") and "Traceback" not in result.output


def test_cli_passages_json(monkeypatch: pytest.MonkeyPatch) -> None:
    from borderqa.cli import main

    monkeypatch.setenv("BORDERQA_CORPUS_DIR", str(ROOT / "corpus"))
    result = CliRunner().invoke(main, ["passages", "--json"])
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert result.exit_code == 0 and rows[0]["id"] == "report:p0001"
    assert {"id", "document", "section", "paragraph", "text", "cites"} <= rows[5].keys()


def test_warm_up_loads_everything_a_first_question_needs(tmp_path: Path) -> None:
    a = make(tmp_path)
    with pytest.raises(IndexNotReadyError):
        a.warm_up()  # before any index: the same clear error a question would get
    a.build_index()
    assert a.warm_up() >= 0
    assert a._retriever is not None and a._terms is not None and "extractive" in a._generators
    assert a.ask("How many checkpoints did WOLA pass between Tapachula and Tonalá?").text
