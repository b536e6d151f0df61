"""The BM25 tokenizer and index: accents, numbers, possessives, hyphens, stop words, synonyms, fields."""

from __future__ import annotations

import pytest

from borderqa.lexical import (
    BM25Index,
    expand_query,
    fold,
    passage_fields,
    passage_tokens,
    tokenize,
)
from borderqa.types import Passage


def _p(n: int, text: str, section: tuple[str, ...] = ("Checkpoints",), **kw: object) -> Passage:
    return Passage(f"report:p{n:04d}", "report", section, n, n, text, **kw)  # type: ignore[arg-type]


# --- tokenizer ------------------------------------------------------------------------------------------


def test_accents_and_case_fold() -> None:
    assert tokenize("Tecún Umán") == tokenize("tecun uman") == ["tecun", "uman"]
    assert fold("MÉRIDA") == "merida"


@pytest.mark.parametrize(("a", "b"), [("86,298", "86298"), ("1,969-mile", "1969 mile"), ("US$8,000", "8000")])
def test_thousands_separators_do_not_matter(a: str, b: str) -> None:
    assert set(tokenize(b)) <= set(tokenize(a))


def test_decimals_and_trailing_punctuation() -> None:
    assert "2.5" in tokenize("about 2.5 billion.")
    assert "2013" in tokenize("in 2013.")


def test_possessives_are_stripped() -> None:
    assert tokenize("Mexico's") == ["mexico"]
    assert tokenize("Mexico’s southern border") == tokenize("Mexico southern border")


def test_hyphenated_words_index_parts_and_whole() -> None:
    assert tokenize("714-mile") == ["714", "mile", "714mile"]
    assert tokenize("other-than-Mexican") == ["mexican", "otherthanmexican"]


def test_stop_words_and_question_words_go() -> None:
    assert tokenize("How many of the people did WOLA say were there?") == ["people"]
    assert tokenize("de la Bestia") == ["bestia"]


def test_us_is_one_word() -> None:
    assert tokenize("U.S. aid") == ["us", "aid"]
    assert tokenize("the U.S.") == ["us"]


def test_number_words_read_as_digits() -> None:
    assert tokenize("nine organizations") == tokenize("9 organizations") == ["9", "organization"]
    assert tokenize("twelve days") == ["12", "day"]
    assert "22" in tokenize("twenty-two departments")
    assert "one" not in tokenize("one of the routes")  # "one" stays a stop word


def test_percent_sign_reads_as_percent() -> None:
    assert tokenize("5%") == tokenize("5 percent") == ["5", "percent"]


def test_plural_endings_are_stripped() -> None:
    assert tokenize("checkpoints") == ["checkpoint"]
    assert tokenize("agencies") == ["agency"]
    assert tokenize("status") == ["status"]


# --- synonyms -----------------------------------------------------------------------------------------


def test_spanish_and_informal_terms_map_to_the_reports_words() -> None:
    assert "checkpoint" in expand_query(tokenize("retenes"))
    assert "train" in expand_query(tokenize("La Bestia"))
    assert "smuggler" in expand_query(tokenize("coyotes"))
    assert expand_query(["checkpoint"]) == ["checkpoint"]


def test_synonym_finds_the_reports_wording() -> None:
    index = BM25Index([_p(1, "Checkpoints line the coastal highway."), _p(2, "Migrants ride the train north.", ("Train",))])
    assert index.search("Where are the retenes?", 1)[0][0] == "report:p0001"
    assert index.search("La Bestia", 1)[0][0] == "report:p0002"


# --- index ----------------------------------------------------------------------------------------------


def test_fields_weigh_text_twice_and_setting_once() -> None:
    p = _p(3, "Federal Police.", ("Agencies",), context="The agencies are:")
    assert passage_fields(p) == [("Federal Police.", 2), ("Agencies", 1), ("The agencies are:", 1)]
    assert passage_tokens(p).count("police") == 2
    assert passage_tokens(p).count("agency") == 2  # section title + lead-in


def test_list_item_found_through_its_lead_in() -> None:
    lead = _p(1, "Migrants tend to pass through one of three corridors:", ("Migrants in Transit",))
    item = _p(2, "The jungle route, by Tenosique.", ("Migrants in Transit",), kind="list_item",
              context_id=lead.id, context=lead.text)
    other = _p(3, "The train is dangerous.", ("The Train",))
    hits = BM25Index([lead, item, other]).search("which corridors", 3)
    assert [pid for pid, _ in hits] == ["report:p0001", "report:p0002"]


def test_title_page_answers_who_wrote_it() -> None:
    byline = _p(1, "By Adam Isacson, Maureen Meyer, Gabriela Morales", ("Title page",), kind="title")
    body = _p(2, "Authorities at checkpoints rarely ask for papers.")
    assert BM25Index([byline, body]).search("Who are the authors?", 1)[0][0] == "report:p0001"


def test_title_page_lines_answer_their_own_questions() -> None:
    date = _p(1, "June 2014", ("Title page",), kind="title")
    title = _p(2, "Mexico's Other Border: Security, Migration", ("Title page",), kind="title")
    byline = _p(3, "By Adam Isacson, Maureen Meyer, Gabriela Morales", ("Title page",), kind="title")
    index = BM25Index([date, title, byline])
    assert index.search("Who wrote it?", 1)[0][0] == "report:p0003"
    assert index.search("What is its title?", 1)[0][0] == "report:p0002"
    assert index.search("When was it published?", 1)[0][0] == "report:p0001"


def test_search_returns_only_matching_passages_best_first() -> None:
    index = BM25Index([_p(1, "86,298 deportations in 2013"), _p(2, "nothing relevant"), _p(3, "2013 deportations")])
    hits = index.search("How many deportations (86298) in 2013?", 10)
    assert [pid for pid, _ in hits] == ["report:p0001", "report:p0003"]
    assert hits[0][1] > hits[1][1] > 0


def test_query_with_no_known_word_scores_zero() -> None:
    index = BM25Index([_p(1, "Checkpoints.")])
    assert index.query_tokens("What about the weather?") == []
    assert index.search("What about the weather?", 5) == []
    assert float(index.scores("the of and").sum()) == 0.0
