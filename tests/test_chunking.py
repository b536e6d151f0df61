"""The chunker's rules, each checked on the real report (corpus/report.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from borderqa.chunking import ends_sentence, split_passages, title_page_role
from borderqa.corpus import load_corpus
from borderqa.types import Passage

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def passages() -> list[Passage]:
    return split_passages(load_corpus(ROOT / "corpus").documents[0])


def by_text(passages: list[Passage], snippet: str) -> Passage:
    found = [p for p in passages if snippet in p.text]
    assert len(found) == 1, (snippet, [p.id for p in found])
    return found[0]


def test_corpus_report_is_the_shared_file() -> None:
    shared = ROOT.parent / "shared" / "report" / "mexicos-other-border.md"
    if shared.exists():
        assert (ROOT / "corpus" / "report.md").read_bytes() == shared.read_bytes()


def test_ids_are_stable_and_sequential(passages: list[Passage]) -> None:
    assert [p.id for p in passages] == [f"report:p{i:04d}" for i in range(1, len(passages) + 1)]
    again = split_passages(load_corpus(ROOT / "corpus").documents[0])
    assert [(p.id, p.text) for p in again] == [(p.id, p.text) for p in passages]


def test_headings_form_a_hierarchy(passages: list[Passage]) -> None:
    sections = {p.section for p in passages}
    assert "Conditions in the Border Zone > Geography and Economy" in sections
    assert "Conditions in the Border Zone > Security and Trafficking > Violence" in sections
    assert "The Train > The Walk to the Train" in sections
    assert "Border Security Strategy > Border Security Inland from the Borderline > Checkpoints" in sections
    assert any(s.startswith("Border Security Strategy > Several Guiding Strategies > Border Zone Support Program") for s in sections)
    assert "Conclusion and Recommendations" in sections
    # headings are not passages, and a lead-in ending in ":" is not a heading
    assert not any(p.text == "Geography and Economy" for p in passages)
    lead = by_text(passages, "tend to pass through one of three corridors:")
    assert lead.section == "Migrants in Transit"


def test_page_breaks_are_joined(passages: list[Passage]) -> None:
    p = by_text(passages, "As a result, Mexico is also apprehending more Central American migrants")
    assert p.lines[0] < p.lines[1]
    assert "the Department of Homeland Security declared" in by_text(passages, "Homeland Security declared an emergency").text
    assert "have provided another US$200 million" in by_text(passages, "another US$200 million").text
    joined = [p for p in passages if p.lines[1] - p.lines[0] > 1 and p.kind != "title"]
    assert 18 <= len(joined) <= 26


def test_no_prose_passage_ends_mid_sentence(passages: list[Passage]) -> None:
    unfinished = [p.id for p in passages if p.kind in ("paragraph", "quote") and not ends_sentence(p.text)]
    assert unfinished == []


def test_list_items_are_passages_with_lead_in(passages: list[Passage]) -> None:
    lead = by_text(passages, "tend to pass through one of three corridors:")
    items = [p for p in passages if p.context_id == lead.id]
    assert [p.text.split(",")[0] for p in items] == ["The Pacific coast route", "The central route", "The jungle route"]
    assert all(p.kind == "list_item" and p.context == lead.text for p in items)
    agencies = [p for p in passages if p.kind == "list_item" and p.text in ("Army", "Navy", "Customs")]
    assert len(agencies) == 3  # short items are complete, not joined to the next paragraph
    steps = by_text(passages, "would ease enormously if governments took four steps.")  # counts what follows
    assert [p.text[:21] for p in passages if p.context_id == steps.id] == [
        "If Mexico granted “tr", "If Mexico gave its ju", "If the United States ", "If Central American g"]
    nested = by_text(passages, "Border Police, the only border-security unit in Mexico")
    assert nested.context_id == by_text(passages, "Under a framework that the Chiapas state government calls").id


def test_markdown_debris_is_removed_and_anchors_kept(passages: list[Passage]) -> None:
    for p in passages:
        assert "](#)" not in p.text and "\\$" not in p.text and "*" not in p.text, p.id
    p = by_text(passages, "Mexico detained 86,298 foreign individuals")
    assert "statistics" in p.cites and "79,416" in p.cites
    assert "Secretaría de Gobernación" in p.text
    assert "US$14 million" in by_text(passages, "pilot biometric registry program").text
    assert "[2014]" in by_text(passages, "in the first three months of this year").text  # literal brackets survive
    assert sum(len(p.cites) for p in passages) >= 120


def test_block_quotes_are_attached(passages: list[Passage]) -> None:
    iachr = by_text(passages, "The Inter-American Commission emphasizes")
    assert iachr.kind == "quote"
    assert iachr.context_id == by_text(passages, "offered revealing information:").id
    beacon = by_text(passages, "The border control plan calls for U.S. funding")
    assert beacon.kind == "quote" and "Washington Free Beacon" in beacon.context


def test_title_byline_and_acknowledgements(passages: list[Passage]) -> None:
    title = [p for p in passages if p.section == "Title page"]
    assert title[0].text == "June 2014"
    assert any(p.text.startswith("By Adam Isacson") for p in title)
    assert passages[len(title)].section == "Introduction"
    assert any(p.section == "Acknowledgements" and "Ford Foundation" in p.text for p in passages)


def test_title_page_lines_know_what_they_are(passages: list[Passage]) -> None:
    roles = {p.text[:20]: title_page_role(p) for p in passages if p.kind == "title"}
    assert roles == {"June 2014": "date", "Mexico's Other Borde": "title", "By Adam Isacson, Sen": "byline"}


def test_paragraph_numbers_restart_per_section(passages: list[Passage]) -> None:
    first = [p for p in passages if p.section == "Conditions in the Border Zone > Geography and Economy"]
    assert [p.paragraph for p in first] == list(range(1, len(first) + 1))
