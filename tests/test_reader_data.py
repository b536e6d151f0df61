"""The reader's data builder: parser, span check, perturbations, hard negatives, eval overlap, resume.

No model runs here: a fake question writer returns canned replies.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from borderqa.cli import main
from borderqa.reader.build import run_data
from borderqa.reader.data import (
    EvalOverlap,
    PassageQuestions,
    build_examples,
    eligible,
    eval_questions,
    generate_questions,
    hard_negatives,
    read_questions,
    split_of,
)
from borderqa.reader.examples import read_examples
from borderqa.reader.generation import (
    GeneratedQuestion,
    ParsedLine,
    check,
    locate,
    parse_lines,
    question_messages,
)
from borderqa.reader.perturb import Perturber, figure_swap, year_swap
from borderqa.types import Passage


def _p(pid: str, text: str, kind: str = "paragraph", context: str = "") -> Passage:
    n = int(pid.rsplit("p", 1)[-1])
    return Passage(id=pid, document="report", section_path=("Border",), paragraph=n, ordinal=n, text=text,
                   kind=kind, context=context)  # type: ignore[arg-type]


HONDURAS = _p(
    "report:p0001",
    "In 2013, Mexico deported 14,000 migrants from Honduras through the INM station in Tapachula, "
    "which opened in March 2012 with “a staff of 40” officers.",
)
CHIAPAS = _p("report:p0002", "Chiapas shares most of the border with Guatemala, and its checkpoints stop few migrants at night.")
TABASCO = _p("report:p0003", "Tabasco has a short stretch of the border where La Bestia trains leave from Tenosique every week.")
TITLE = _p("report:p0004", "Mexico's Other Border", kind="title")
PASSAGES = [HONDURAS, CHIAPAS, TABASCO, TITLE]

MESSY = """Sure! Here are the questions:

1. **Q:** How many migrants from Honduras did Mexico deport in 2013? | **A:** "14,000"
2) Question: When did the station in Tapachula open?
Answer: March 2012.
- Q: Which agency runs the station in Tapachula? A: the INM
Q: How many officers staff the station | A: a staff of 40
Q: Where did the 14,000 deported migrants come from? | A: 14,000
Q: Where is the station? | A: in Guatemala City
Q: Which agency has a station with a staff of 40 officers? | A: INM
Q: Which agency runs the Puerto Verde station in Tapachula? | A: the INM
FP: Why did Mexico stop deporting Hondurans in 2013? | C: Mexico deported 14,000 migrants
some trailing chatter that is no line at all
"""


class FakeWriter:
    def __init__(self, reply: str = MESSY) -> None:
        self.reply = reply
        self.calls: list[str] = []

    def write(self, passage: Passage) -> str:
        self.calls.append(passage.id)
        return self.reply


# --- parsing and the span check -------------------------------------------------------------------


def test_parser_reads_messy_model_output() -> None:
    lines = parse_lines(MESSY)
    assert lines[0] == ParsedLine("answer", "How many migrants from Honduras did Mexico deport in 2013?", "14,000")
    assert lines[1] == ParsedLine("answer", "When did the station in Tapachula open?", "March 2012.")
    assert lines[2] == ParsedLine("answer", "Which agency runs the station in Tapachula?", "the INM")
    assert lines[-1].kind == "false_premise" and lines[-1].answer == "Mexico deported 14,000 migrants"
    assert len(lines) == 9  # the chatter lines are ignored


def test_span_check_keeps_verbatim_answers_with_exact_offsets() -> None:
    checked = check(HONDURAS, parse_lines(MESSY))
    kept = {q.question: q for q in checked.kept}
    for q in checked.kept:
        assert HONDURAS.text[q.answer_start : q.answer_start + len(q.answer)] == q.answer
    assert kept["How many migrants from Honduras did Mexico deport in 2013?"].answer == "14,000"
    assert kept["When did the station in Tapachula open?"].answer == "March 2012"  # clause-final period trimmed
    # curly quotes in the passage, plain in the reply: kept, with the passage's own characters
    assert kept["How many officers staff the station?"].answer == "a staff of 40"
    premise = kept["Why did Mexico stop deporting Hondurans in 2013?"]
    assert premise.kind == "false_premise" and premise.answer_start == 0
    assert premise.answer == HONDURAS.text  # widened to the whole sentence
    reasons = dict(checked.dropped)
    assert reasons["Where did the 14,000 deported migrants come from?"] == "question contains its answer"
    assert reasons["Where is the station?"] == "answer not in passage"
    assert reasons["Which agency runs the Puerto Verde station in Tapachula?"] == "borrows the worked example's name"


def test_spaced_initials_are_read_as_the_report_writes_them() -> None:
    passage = _p("report:p0010", "The U.S. Border Patrol apprehended 1,500 minors in Texas last year.")
    kept = check(passage, parse_lines("Q: How many minors did the U. S. Border Patrol apprehend? | A: 1,500")).kept
    assert kept[0].question == "How many minors did the U.S. Border Patrol apprehend?" and kept[0].answer == "1,500"


def test_locate_needs_word_boundaries() -> None:
    assert locate("400", "It has 1400 agents and 400 cars.") == (23, 26)
    assert locate("40", "It has 1400 agents.") is None
    assert locate("Tecun Uman", "the bridge at Tecún Umán.") == (14, 24)


def test_prompt_prefix_is_the_same_for_every_passage() -> None:
    a, b = question_messages(HONDURAS), question_messages(CHIAPAS)
    assert a[:-1] == b[:-1] and a[-1] != b[-1]
    item = question_messages(_p("report:p0009", "Stop migrants at the river.", "list_item", "The plan has three steps:"))
    assert "Lead-in: The plan has three steps:" in item[-1]["content"]


def test_eligible_skips_titles_and_short_passages() -> None:
    short = _p("report:p0005", "Too short to ask about.")
    item = _p("report:p0006", "Close the river crossings at night.", "list_item", "The plan has steps:")
    assert [p.id for p in eligible([*PASSAGES, short, item])] == [HONDURAS.id, CHIAPAS.id, TABASCO.id, item.id]


# --- perturbations ---------------------------------------------------------------------------------


def test_entity_swap_uses_a_corpus_name_the_passage_lacks() -> None:
    perturber = Perturber(PASSAGES)
    variants = dict(perturber.variants("How many migrants from Honduras did Mexico deport in 2013?", "14,000", HONDURAS))
    swapped = variants["entity_swap"]
    assert "Honduras" not in swapped
    new = swapped.removeprefix("How many migrants from ").split(" did ")[0]
    assert new in {"Guatemala"}  # the only other country the corpus uses; not in the passage
    assert new.lower() not in HONDURAS.text.lower()


def test_entity_swap_needs_a_name_of_the_passage() -> None:
    perturber = Perturber(PASSAGES)
    assert perturber.entity_swap("Why do few trains leave from Tapachula?", "tabasco has a short stretch") is None


def test_year_and_figure_swaps_leave_the_passage_silent() -> None:
    text = HONDURAS.text.lower()
    moved = year_swap("How many migrants did Mexico deport in 2013?", text)
    assert moved is not None and "2013" not in moved
    year = moved.rsplit(" ", 1)[-1].rstrip("?")
    assert year not in text and abs(int(year) - 2013) <= 5 and int(year) != 2012  # 2012 is in the passage
    figure = figure_swap("Which station has a staff of 40 officers?", text)
    assert figure == "Which station has a staff of 80 officers?"
    assert figure_swap("Where did the 14,000 deported migrants come from in 2013?", text) == (
        "Where did the 28,000 deported migrants come from in 2013?"
    )
    assert figure_swap("When did the station open?", text) is None


def test_attribute_asks_for_what_the_passage_lacks() -> None:
    perturber = Perturber(PASSAGES)
    question = perturber.attribute(TABASCO)
    assert question is not None and "Tabasco" in question
    assert question in {
        "What is the population of Tabasco?",
        "What is the homicide rate per 100,000 residents in Tabasco?",
        "What is the unemployment rate in Tabasco?",
        "How many square kilometres does Tabasco cover?",
    }
    rich = _p("report:p0007", "Tabasco has 2.4 million residents, an unemployment rate of 5 percent, a homicide "
              "rate of 9 per 100,000 and an area of 24,738 square kilometres.")
    assert perturber.attribute(rich) is None


# --- hard negatives, split, examples ---------------------------------------------------------------


def test_hard_negatives_exclude_the_source_and_passages_with_the_answer() -> None:
    holder = _p("report:p0008", "Another paragraph repeating that 14,000 migrants were deported.")
    ranked = [HONDURAS, holder, TITLE, CHIAPAS, TABASCO]
    taken: set[str] = set()
    negs = hard_negatives("How many?", "14,000", HONDURAS, lambda q, k: ranked, lambda p: True, taken)
    assert [p.id for p in negs] == [CHIAPAS.id, TABASCO.id]
    assert hard_negatives("How many?", "14,000", HONDURAS, lambda q, k: ranked, lambda p: True, taken) == []


def test_split_is_deterministic_and_about_one_in_ten() -> None:
    ids = [f"report:p{n:04d}" for n in range(1, 1001)]
    dev = [i for i in ids if split_of(i) == "dev"]
    assert [split_of(i) for i in ids] == [split_of(i) for i in ids]
    assert 60 <= len(dev) <= 140


def _record(passage: Passage, questions: tuple[GeneratedQuestion, ...]) -> PassageQuestions:
    return PassageQuestions(passage.id, passage.sha, passage.document, 1.0, MESSY, questions)


def test_build_examples_labels_every_kind_and_keeps_offsets() -> None:
    checked = check(HONDURAS, parse_lines(MESSY))
    record = _record(HONDURAS, checked.kept)
    ranked = [HONDURAS, CHIAPAS, TABASCO]
    report = build_examples([record], PASSAGES, EvalOverlap(["Who wrote the report?"]),
                            bm25=lambda q, k: ranked, dense=lambda q, k: ranked[::-1], augment=False)
    kinds = report.counts("kind")
    assert kinds["generated"] == 5 and kinds["false_premise"] == 2  # the FP line and a falsified "When did"
    assert kinds["entity_swap"] >= 1 and kinds["year_swap"] == 1 and kinds["figure_swap"] == 1
    assert kinds["hard_negative_bm25"] + kinds["hard_negative_dense"] == 2 * 5  # two passages, split between sides
    for ex in report.examples:
        if ex.label == "none":
            assert ex.answer == "" and ex.answer_start == -1
        else:
            assert HONDURAS.text[ex.answer_start : ex.answer_start + len(ex.answer)] == ex.answer
        assert ex.split == split_of(ex.passage_id)
    pairs = [(e.question, e.passage_id) for e in report.examples]
    assert len(pairs) == len(set(pairs))


# --- the eval contamination check ------------------------------------------------------------------


def test_eval_overlap_measures_ngrams_and_word_sets() -> None:
    overlap = EvalOverlap(["How many migrants did Mexico's INM deport in 2013?", "Who wrote the report?"])
    same = overlap("How many migrants did Mexico’s INM deport in 2013")
    assert same.ngram == 1.0 and same.jaccard == 1.0
    half = overlap("How many migrants did the Navy stop at sea?")
    assert half.ngram == pytest.approx(1 / 6) and half.closest.startswith("How many migrants")
    assert overlap("Which river marks the border?").ngram == 0.0
    assert overlap.too_close("how many migrants did mexico's INM deport in 2013?")
    assert not overlap.too_close("Which river marks the border?")


def test_build_drops_questions_close_to_an_eval_question_with_their_variants(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    rows = [{"question": "And when did it open?", "history": [
        {"role": "user", "content": "How many migrants from Honduras did Mexico deport in 2013?"},
        {"role": "assistant", "content": "14,000"}]}]
    cases.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    record = _record(HONDURAS, check(HONDURAS, parse_lines(MESSY)).kept)
    report = build_examples([record], PASSAGES, EvalOverlap(eval_questions(cases)))
    assert [q for q, _ in report.dropped] == ["How many migrants from Honduras did Mexico deport in 2013?"]
    assert not any(e.origin == f"{HONDURAS.id}:q1" for e in report.examples)
    assert max(o.ngram for o in report.kept_overlap) <= 0.5


# --- resume and the command ------------------------------------------------------------------------


def test_generation_resumes_after_an_interruption(tmp_path: Path) -> None:
    path = tmp_path / "questions.jsonl"
    passages = eligible(PASSAGES)
    first = FakeWriter()
    report = generate_questions(passages, first, path, limit=1)
    assert first.calls == [HONDURAS.id] and report.written == 1
    with path.open("a", encoding="utf-8") as f:
        f.write('{"passage_id": "report:p0002", "passage_sh')  # a line cut short by a kill
    second = FakeWriter()
    report = generate_questions(passages, second, path)
    assert second.calls == [CHIAPAS.id, TABASCO.id] and report.skipped == 1
    third = FakeWriter()
    assert generate_questions(passages, third, path).written == 0 and third.calls == []
    records = read_questions(path)
    assert list(records) == [HONDURAS.id, CHIAPAS.id, TABASCO.id]
    assert len(records[HONDURAS.id].questions) == 6


class _Hit:
    def __init__(self, passage: Passage) -> None:
        self.passage = passage


class _Retriever:
    def search(self, question: str, k: int, mode: str) -> list[_Hit]:
        return [_Hit(p) for p in (PASSAGES if mode == "lexical" else PASSAGES[::-1])]


class FakeAssistant:
    settings = None
    retriever = _Retriever()

    def passages(self) -> list[Passage]:
        return PASSAGES


def test_run_data_writes_both_files_and_resumes(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text('{"question": "Who wrote the report?"}\n', encoding="utf-8")
    writer = FakeWriter()
    summary = run_data(FakeAssistant(), out=tmp_path, cases=cases, writer=writer)  # type: ignore[arg-type]
    assert writer.calls == [HONDURAS.id, CHIAPAS.id, TABASCO.id]
    examples = list(read_examples(tmp_path / "examples.jsonl"))
    assert examples and "examples: " in summary and "eval overlap" in summary
    again = FakeWriter()
    run_data(FakeAssistant(), out=tmp_path, cases=cases, writer=again)  # type: ignore[arg-type]
    assert again.calls == []
    with pytest.raises(Exception, match="no document 'other'"):
        run_data(FakeAssistant(), out=tmp_path, cases=cases, writer=again, document="other")  # type: ignore[arg-type]


def test_cli_has_a_reader_data_command() -> None:
    result = CliRunner().invoke(main, ["reader", "data", "--help"])
    assert result.exit_code == 0 and "--document" in result.output and "--limit" in result.output


def test_false_premises_swap_what_the_correction_states() -> None:
    perturber = Perturber(PASSAGES)
    assert perturber.falsify("Why did Mexico deport 14,000 migrants from Honduras in 2013?", HONDURAS.text, HONDURAS) == (
        "Why did Guatemala deport 14,000 migrants from Honduras in 2013?"
    )
    assert perturber.falsify("What did Mexico deport in 2013?", HONDURAS.text, HONDURAS) is None  # asks, asserts nothing
    # a name the correction does not state is left alone: the year it states is moved instead
    assert perturber.falsify("Why did Mexico deport migrants in 2013?", "In 2013, migrants were deported", HONDURAS) in {
        "Why did Mexico deport migrants in 2014?", "Why did Mexico deport migrants in 2011?",
    }
    assert perturber.premise_conflict("Why did the INM station in Tapachula close in 2012?", HONDURAS) == "word close"
    assert perturber.premise_conflict("Why did Mexico deport migrants from Honduras?", HONDURAS) == ""


def test_entity_swap_keeps_the_form_of_a_country_name() -> None:
    perturber = Perturber(PASSAGES)
    assert perturber.entity_swap("Why were Honduran migrants deported?", "honduran migrants") in {
        "Why were Guatemalan migrants deported?", "Why were Mexican migrants deported?",
    }


def test_quick_prompt_asks_for_no_false_premise() -> None:
    quick = question_messages(HONDURAS, false_premise=False)
    assert "FP:" not in quick[0]["content"] and "FP:" not in quick[2]["content"]
    assert "FP:" in question_messages(HONDURAS)[0]["content"]


# --- questions per sentence ------------------------------------------------------------------------


class FakeModel:
    """Stands in for LlamaCppGenerator.complete: one canned reply per sentence asked about."""

    def __init__(self) -> None:
        self.prompts: list[list[dict[str, str]]] = []

    def complete(self, messages: list[dict[str, str]], max_tokens: int) -> str:
        self.prompts.append(messages)
        if "14,000" in messages[-1]["content"].rsplit("Sentence:", 1)[1]:
            return "Q: How many Honduran migrants did Mexico send back in 2013? | A: 14,000\nQ: Where is the INM station? | A: Tapachula"
        return "Q: When did the station open? | A: in June 1999"  # an answer the passage does not hold: dropped


def test_sentence_writer_asks_once_per_sentence_with_the_passage_first() -> None:
    from borderqa.reader.generation import LlamaSentenceQuestionWriter, asked_sentences

    two = _p("report:p0009", HONDURAS.text + " The station closed briefly in 2013 for repairs to its roof.")
    model = FakeModel()
    raw = LlamaSentenceQuestionWriter(model).write(two)  # type: ignore[arg-type]
    assert len(model.prompts) == len(asked_sentences(two)) == 2
    first, second = (p[-1]["content"] for p in model.prompts)
    assert first.split("Sentence:")[0] == second.split("Sentence:")[0]  # one shared prefix: llama.cpp reuses it
    assert first.endswith(asked_sentences(two)[0]) and second.endswith(asked_sentences(two)[1])
    kept = check(two, parse_lines(raw)).kept
    assert [q.answer for q in kept] == ["14,000", "Tapachula"]  # the invented June 1999 is not in the passage
    assert all(two.text[q.answer_start : q.answer_start + len(q.answer)] == q.answer for q in kept)
    assert asked_sentences(_p("report:p0010", "Too short. We can attest to that.")) == []


def test_sentence_records_make_examples_apart_from_the_passage_records() -> None:
    checked = check(HONDURAS, parse_lines(MESSY)).kept
    report = build_examples([_record(HONDURAS, checked)], PASSAGES, EvalOverlap(["Who wrote the report?"]),
                            sentence_records=[_record(HONDURAS, checked[:1])], augment=False)
    ids = [e.id for e in report.examples]
    assert len(ids) == len(set(ids)) and f"{HONDURAS.id}:s1" in ids and f"{HONDURAS.id}:q1" in ids
    alone = build_examples([_record(HONDURAS, checked)], PASSAGES, EvalOverlap(["Who wrote the report?"]), augment=False)
    attributes = [e.question for e in alone.examples if e.kind == "attribute"]
    assert attributes and [e.question for e in report.examples if e.kind == "attribute"] == attributes  # once a passage
