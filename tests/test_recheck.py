"""The recheck (answering/recheck.py): the local model's say on which of retrieval's top two passages answers,
asked only when retrieval scores them close (fast: a scripted judge; the real model's figures are in the
module docstring and the eval)."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace

import pytest

from benchmark_modules import BENCHMARKS, load
from borderqa.answering.extractive import ExtractiveGenerator
from borderqa.answering.pipeline import AnswerPipeline
from borderqa.answering.recheck import recheck, undecided
from borderqa.config import AnsweringSettings
from borderqa.embedding import FakeEmbedder
from borderqa.sentences import SentenceBank
from borderqa.terms import TermWeights
from borderqa.types import Hit, Passage


def _p(n: int, text: str) -> Passage:
    return Passage(f"report:p{n:04d}", "report", ("Migrants in Transit",), n, n, text)


RISING = _p(1, "Mexico deported migrants from many countries in 2013, and the deportations of migrants keep rising in the south.")
DEPORT = _p(2, "Mexico stepped up enforcement in 2013. The INM deported 80,079 migrants that year. Most were Honduran.")
UNDATED = _p(3, "The INM deported 80,079 migrants, most of them Honduran, and the deportations of migrants keep rising.")
CAPTION = _p(4, "Deportations by the INM")


class _Judge:
    """Yes (3.0) for sentences that give the figure, no (-1.0) otherwise; records what it read."""

    def __init__(self, margin: float | None = None) -> None:
        self.fixed = margin
        self.asked: list[list[str]] = []

    def margin(self, question: str, sentences: Sequence[str]) -> float | None:
        self.asked.append(list(sentences))
        if self.fixed is not None:
            return self.fixed
        return 3.0 if any("80,079" in s for s in sentences) else -1.0


def _hits(*pairs: tuple[Passage, float]) -> list[Hit]:
    return [Hit(p, s) for p, s in pairs]


def test_undecided_when_the_top_two_prose_passages_score_within_the_gap() -> None:
    assert undecided(_hits((RISING, 2.0), (DEPORT, 1.0)), gap=1.5)
    assert not undecided(_hits((RISING, 3.0), (DEPORT, 1.0)), gap=1.5)
    assert not undecided(_hits((RISING, 2.0), (DEPORT, 1.0)), gap=0)  # 0: off
    assert not undecided(_hits((RISING, 2.0)), gap=1.5)
    assert not undecided(_hits((CAPTION, 2.0), (DEPORT, 1.9)), gap=1.5)  # a caption answers nothing


def test_the_second_passage_leads_only_when_the_model_finds_it_answers_better() -> None:
    hits = _hits((RISING, 2.0), (DEPORT, 1.9), (UNDATED, 1.0))
    best = {RISING.id: ["Deportations keep rising."], DEPORT.id: ["The INM deported 80,079 migrants that year."]}
    out, found = recheck("How many?", hits, _Judge(), lambda p: best[p.id], margin=0.0)
    assert [h.passage for h in out] == [DEPORT, RISING, UNDATED] and found is not None
    assert found.margins == (-1.0, 3.0) and found.swapped
    kept, found = recheck("How many?", hits, _Judge(), lambda p: best[p.id], margin=5.0)  # not by enough
    assert kept is hits and found is not None and not found.swapped
    same, found = recheck("How many?", hits, _Judge(None), lambda p: ["x"], margin=0.0)  # no say either way
    assert same is hits and found is not None and not found.swapped


def test_a_third_passage_within_the_gap_is_read_too() -> None:
    hits = _hits((RISING, 2.0), (UNDATED, 1.9), (DEPORT, 1.0))
    best = {RISING.id: ["Deportations keep rising."], UNDATED.id: ["Deportations keep rising."],
            DEPORT.id: ["The INM deported 80,079 migrants that year."]}
    judge = _Judge()
    out, found = recheck("How many?", hits, judge, lambda p: best[p.id], margin=0.0, gap=1.5)
    assert [h.passage for h in out] == [DEPORT, RISING, UNDATED] and found is not None and found.swapped
    assert len(judge.asked) == 3  # before: the top two only, and the first stayed
    far = _hits((RISING, 2.0), (UNDATED, 1.9), (DEPORT, 0.2))  # the third outside the gap: not read
    judge = _Judge()
    out, found = recheck("How many?", far, judge, lambda p: best[p.id], margin=0.0, gap=1.5)
    assert out is far and len(judge.asked) == 2


def test_no_margin_from_the_model_keeps_retrievals_order() -> None:
    class Silent:
        def margin(self, question: str, sentences: Sequence[str]) -> float | None:
            return None

    hits = _hits((RISING, 2.0), (DEPORT, 1.9))
    assert recheck("How many?", hits, Silent(), lambda p: ["x"], margin=0.0) == (hits, None)


def _pipeline(hits: list[Hit], judge: _Judge | None, **settings: float) -> AnswerPipeline:
    passages = [h.passage for h in hits]
    answering = AnsweringSettings(**settings)
    generator = ExtractiveGenerator(answering, SentenceBank(FakeEmbedder()), TermWeights.of(passages))
    retriever = SimpleNamespace(passages=passages, search=lambda text, k=5: hits[:k])
    return AnswerPipeline(retriever, generator.bank, generator, answering, generator.terms, premise_judge=judge)  # type: ignore[arg-type]


QUESTION = "How many migrants did the INM deport in 2013?"


def test_the_pipeline_answers_from_the_passage_the_model_picks() -> None:
    judge = _Judge()
    answer = _pipeline(_hits((RISING, 2.0), (DEPORT, 1.9)), judge).answer(QUESTION, [])
    assert answer.answerable and "80,079" in answer.lead
    assert answer.citations[0].passage == DEPORT and [h.passage for h in answer.hits][:2] == [DEPORT, RISING]
    assert len(judge.asked) == 2 and "recheck" in answer.timings
    # before: the top passage, which gives no figure, and the answer was refused
    off = _pipeline(_hits((RISING, 2.0), (DEPORT, 1.9)), judge, recheck_gap=0).answer(QUESTION, [])
    assert not off.answerable and "no figure" in off.reason and len(judge.asked) == 2


def test_retrievals_order_stays_when_the_other_passage_fails_the_checks() -> None:
    # UNDATED never mentions 2013: answering from it would answer another question
    judge = _Judge()
    answer = _pipeline(_hits((RISING, 2.0), (UNDATED, 1.9)), judge).answer(QUESTION, [])
    assert len(judge.asked) == 2 and [h.passage for h in answer.hits][:2] == [RISING, UNDATED]
    assert "80,079" not in answer.text


@pytest.mark.parametrize("question", [
    "Why did the INM deport so many migrants in 2013?",  # assumes something: the premise check reads the answer
    "How many migrants did the INM deport in 2013, and how many were Honduran?",  # two parts: each its own passage
    "Which agencies deported migrants in 2013?",  # a list question
])
def test_questions_the_recheck_leaves_alone(question: str) -> None:
    answer = _pipeline(_hits((RISING, 2.0), (DEPORT, 1.9)), _Judge(), premise_min_margin=-20).answer(question, [])
    assert "recheck" not in answer.timings


def test_without_a_local_model_nothing_is_rechecked() -> None:
    answer = _pipeline(_hits((RISING, 2.0), (DEPORT, 1.9)), None).answer(QUESTION, [])
    assert "recheck" not in answer.timings


NO_YEAR = _p(5, "The INM deported many migrants from Honduras, and the deportations of migrants keep rising in the south.")


def test_a_year_the_top_passage_lacks_is_answered_from_the_second_the_model_picks() -> None:
    hits = _hits((NO_YEAR, 2.0), (DEPORT, 1.9))
    judge = _Judge()
    answer = _pipeline(hits, judge).answer(QUESTION, [])
    assert answer.answerable and "80,079" in answer.lead and answer.citations[0].passage == DEPORT
    assert len(judge.asked) == 2 and "recheck" in answer.timings
    # the model must say the second answers (the premise check's margin), not only that it answers better
    doubtful = _pipeline(hits, judge, premise_min_margin=5.0).answer(QUESTION, [])
    assert not doubtful.answerable and "2013" in doubtful.reason
    # not close: retrieval's order stands, and the model is not asked
    asked = len(judge.asked)
    far = _pipeline(_hits((NO_YEAR, 4.0), (DEPORT, 1.9)), judge).answer(QUESTION, [])
    assert not far.answerable and "2013" in far.reason and len(judge.asked) == asked


def test_a_year_neither_passage_holds_is_not_rechecked() -> None:
    judge = _Judge()
    answer = _pipeline(_hits((NO_YEAR, 2.0), (UNDATED, 1.9)), judge).answer(QUESTION, [])
    assert not answer.answerable and "2013" in answer.reason and judge.asked == []


def test_a_refusal_for_a_name_the_report_never_uses_gets_no_second_look() -> None:
    judge = _Judge()
    answer = _pipeline(_hits((NO_YEAR, 2.0), (DEPORT, 1.9)), judge).answer("How many migrants did the Zorblax Agency deport in 2013?", [])
    assert not answer.answerable and "Zorblax" in answer.reason and judge.asked == []


def test_the_calibration_replays_the_recheck_on_stored_margins() -> None:
    """``benchmarks/recheck.py`` measures each passage's margin once and replays ``recheck`` under each gap and
    margin: the passage it puts first is the one the recheck would."""
    leader = load(BENCHMARKS / "recheck.py").leader
    row = {"scores": [5.0, 4.0, 3.2], "prose": [True, True, True], "margins": [0.0, 1.0, 2.0]}
    assert leader(row, gap=1.5, margin=0.0) == 1  # the third is outside the gap: not read
    assert leader(row, gap=2.0, margin=0.0) == 2  # within it: read, and its margin is the higher
    assert leader(row, gap=2.0, margin=2.5) == 0  # neither beats the first by enough
    assert leader(row, gap=0.5, margin=0.0) == 0  # the two are not close: no recheck
    assert leader({**row, "prose": [True, False, True]}, gap=2.0, margin=0.0) == 0  # a caption second: none
    assert leader({**row, "margins": [0.0, None, None]}, gap=2.0, margin=0.0) == 0  # no say from the model
