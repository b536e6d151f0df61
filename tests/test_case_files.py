"""Every case file's support snippets match a passage as the corpus is chunked: the eval counts a citation as
supporting only then, so a snippet copied with its markdown ("[\\$112 million](#)") made a right answer look
like a wrong citation (held-out file r, 10 cases, before their snippets were cleaned)."""

from __future__ import annotations

from pathlib import Path

import pytest

from borderqa.assistant import Assistant
from borderqa.evaluation.cases import load_cases, normalize

EVALS = Path(__file__).resolve().parent.parent / "evals"
FILES = [EVALS / "cases.jsonl", *sorted((EVALS / "heldout").glob("*.jsonl"))]


@pytest.fixture(scope="module")
def report_texts() -> list[str]:
    return [normalize(p.text) for p in Assistant.from_settings().corpus_passages() if p.document == "report"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_support_snippet_matches_a_passage(path: Path, report_texts: list[str]) -> None:
    unmatched = [(c.id, s) for c in load_cases(path) for s in c.support
                 if not any(normalize(s) in text for text in report_texts)]
    assert not unmatched, f"{path.name}: snippets no passage holds (copied with markdown?): {unmatched[:5]}"
