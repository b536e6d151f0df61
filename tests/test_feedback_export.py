"""Feedback in SQLite (several writers, restarts, bad input), its export, and the conversation export."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from borderqa.cli import main
from borderqa.feedback import MAX_COMMENT_CHARS, FeedbackError, FeedbackStore, clean_text
from borderqa.transcript import Exchange, conversation_markdown, locator
from borderqa.types import Answer, Citation, Passage, Sentence

P = Passage(
    "report:p0187",
    "report",
    ("Border Security Strategy", "Border Security Inland", "Checkpoints"),
    3,
    187,
    "Checkpoints stand on the highways. There are 48 of them.",
)
ANSWER = Answer(
    question="How many checkpoints?",
    text="There are 48 checkpoints [1].",
    answerable=True,
    generator="extractive",
    citations=(Citation(1, P, ("There are 48 of them.",)),),
    sentences=(
        Sentence("There are 48 checkpoints.", (1,), "supported", role="lead"),
        Sentence("They are new.", (), "dropped"),
    ),
    lead="There are 48 checkpoints [1].",
)


def test_feedback_is_stored_with_question_answer_citations_and_version(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "data")
    rec = store.add(ANSWER, conversation_id="c1", answer_id="a1", rating="down", comment="  wrong figure ")
    assert rec.comment == "wrong figure" and rec.app_version
    again = FeedbackStore(tmp_path / "data")  # a restart: a new store on the same folder
    (stored,) = again.records()
    assert stored == rec
    assert stored.citations == [
        {
            "marker": 1,
            "id": "report:p0187",
            "document": "report",
            "section": "Border Security Strategy > Border Security Inland > Checkpoints",
            "paragraph": 3,
            "quotes": ["There are 48 of them."],
            "document_title": "",
            "locator": "Border Security Strategy > Border Security Inland > Checkpoints ¶3",
            "page": None,
            "sources": [],
        }
    ]
    assert again.latest("a1") == rec and again.latest("nope") is None
    journal = __import__("sqlite3").connect(again.path).execute("PRAGMA journal_mode").fetchone()[0]
    assert journal == "wal"


def test_bad_feedback_input(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path)
    with pytest.raises(FeedbackError, match="the limit is 10,000"):
        store.add(ANSWER, conversation_id="c", answer_id="a", rating="up", comment="x" * 10_000_000)
    with pytest.raises(FeedbackError, match="thumbs up or down"):
        store.add(ANSWER, conversation_id="c", answer_id="a", rating=None, comment="   ")
    with pytest.raises(FeedbackError, match="rating"):
        store.add(ANSWER, conversation_id="c", answer_id="a", rating="meh", comment="")  # type: ignore[arg-type]
    assert store.records() == []
    odd = "bad \ud800 surrogate, pair \ud83d\udc4d, NUL\x00, bell\x07, RTL \u202eabc, e\u0301, 👍🏽, tab\tand\nnewline"
    rec = store.add(ANSWER, conversation_id="c", answer_id="a", rating="up", comment=odd)
    assert rec.comment == "bad \ufffd surrogate, pair 👍, NUL, bell, RTL \u202eabc, é, 👍🏽, tab\tand\nnewline"
    assert json.loads(store.export("jsonl"))["comment"] == rec.comment
    rows = list(csv.DictReader(io.StringIO(store.export("csv"))))
    assert rows[0]["comment"] == rec.comment and rows[0]["rating"] == "up"
    assert len(clean_text("y" * MAX_COMMENT_CHARS)) == MAX_COMMENT_CHARS


def _write(args: tuple[str, int]) -> int:
    folder, n = args
    store = FeedbackStore(folder)
    for i in range(n):
        store.add(ANSWER, conversation_id="c", answer_id=f"a{i}", rating="up", comment=f"process {i}")
    return n


def test_several_processes_write_at_once(tmp_path: Path) -> None:
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        assert sum(pool.map(_write, [(str(tmp_path), 20)] * 3)) == 60
    assert len(FeedbackStore(tmp_path).records()) == 60


def test_cli_exports_feedback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BORDERQA_DATA_DIR", str(tmp_path))
    FeedbackStore(tmp_path).add(ANSWER, conversation_id="c", answer_id="a", rating="up", comment="ok, «fine»")
    runner = CliRunner()
    out = runner.invoke(main, ["feedback", "export", "--format", "jsonl"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["comment"] == "ok, «fine»"
    target = tmp_path / "fb.csv"
    out = runner.invoke(main, ["feedback", "export", "--format", "csv", "--out", str(target)])
    assert out.exit_code == 0 and "1 record" in out.output
    assert next(csv.DictReader(target.open(encoding="utf-8")))["question"] == "How many checkpoints?"


def test_conversation_markdown_has_quotes_and_locators() -> None:
    assert locator(ANSWER.citations[0], full=False) == "Checkpoints ¶3"
    md = conversation_markdown(
        [Exchange("How many checkpoints?", ANSWER), Exchange("And then?", error="the model server went away")],
        when=datetime(2026, 12, 1, 21, 0, tzinfo=UTC),
    )
    assert "Exported 2026-12-01 21:00 UTC." in md
    assert "## 1. How many checkpoints?\n\nThere are 48 checkpoints. [1]\n" in md
    assert "[1] Checkpoints ¶3, report:p0187 (Border Security Strategy > Border Security Inland > Checkpoints)" in md
    assert "> “There are 48 of them.”" in md
    assert "Left out by the citation check: “They are new.”" in md
    assert "## 2. And then?\n\n*No answer: the model server went away*" in md
