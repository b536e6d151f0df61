"""Eval cases over a cited source: the real report plus a generated PDF source, in a temporary corpus.

The shipped corpus and index are not touched: the report's vectors are copied from the main index (same
fingerprint, reused by content hash), so only the source is embedded. Real embedding model, extractive
generator. Cases: evals/source_cases.jsonl (one JSON object per line: question, documents to search,
the citation expected (document and locator, or the report anchor), facts, and for a two-hop case what
the source behind the anchor should show).
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from borderqa import Assistant
from borderqa.config import Settings
from borderqa.corpus.manifest import Backing
from borderqa.serialize import answer_to_dict

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import source_docs as sd  # noqa: E402

CASES = [json.loads(line) for line in (Path(__file__).parent / "source_cases.jsonl").read_text().splitlines() if line.strip()]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    base = tmp_path_factory.mktemp("source-eval")
    corpus = base / "corpus"
    corpus.mkdir()
    for name in ("manifest.toml", "report.md"):
        shutil.copy(ROOT / "corpus" / name, corpus / name)
    main = Settings.load()
    if (Path(main.index_dir) / "manifest.json").is_file():
        shutil.copytree(main.index_dir, base / "index")
    a = Assistant.from_settings(Settings.load(corpus_dir=corpus, index_dir=base / "index"))
    a.add_source(sd.bulletin_pdf(base / "bulletin.pdf"), publisher="Observers",
                 backs=[Backing("statistics"), Backing("79,416")])
    return a


def _matches(citation: dict[str, Any], want: dict[str, str]) -> bool:
    """The citation is of the expected document, at the expected locator or carrying the expected anchor."""
    if citation["document"] != want["document"]:
        return False
    if "locator" in want and citation["locator"] != want["locator"]:
        return False
    return "anchor" not in want or want["anchor"] in citation_anchors(citation)


def citation_anchors(citation: dict[str, Any]) -> list[str]:
    return [s["anchor"] for s in citation["sources"]]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_source_case(assistant: Assistant, case: dict[str, Any]) -> None:
    answer = answer_to_dict(assistant.ask(case["question"], generator="extractive", documents=case["documents"] or None))
    assert answer["status"] == "answered", answer["answer"]
    want = case["cite"]
    cited = [c for c in answer["citations"] if _matches(c, want)]
    assert cited, f"no citation of {want} in {[(c['id'], c['locator']) for c in answer['citations']]}"
    for fact in case["facts"]:
        assert re.search(re.escape(fact), answer["answer"], re.IGNORECASE), (fact, answer["answer"])
    if "provenance" in case:
        want_p = case["provenance"]
        found = [s for c in cited for s in c["sources"] if s["anchor"] == want["anchor"] and s["document"] == want_p["document"]]
        assert found, "no provenance for the anchor"
        assert found[0]["found"] is want_p["found"], found[0]
        if want_p["found"]:
            assert found[0]["locator"] == want_p["locator"] and want_p["quote"] in found[0]["quote"]
        else:
            assert found[0]["note"] == "the source does not appear to contain it"
