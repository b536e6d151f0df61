"""The premise check on the local model (answering/assumption.py): when it runs, what it turns an answer
into, and how it fails (fast: a scripted model; the real one is in test_llm_integration.py)."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace

import pytest

from borderqa.answering.assumption import EXAMPLES, LocalPremiseJudge, YesNoScorer, premise_messages
from borderqa.answering.extractive import ExtractiveGenerator
from borderqa.answering.pipeline import PREMISE_DOUBTED, PREMISE_LEAD, AnswerPipeline, _Prepared
from borderqa.config import AnsweringSettings, Settings
from borderqa.embedding import FakeEmbedder
from borderqa.errors import GeneratorError, ModelError
from borderqa.sentences import SentenceBank
from borderqa.terms import TermWeights
from borderqa.types import Passage

TRAIN = Passage(
    "report:p0201", "report", ("Migrants in Transit", "The train"), 1, 201,
    "The train line out of Tapachula was destroyed by Hurricane Stan in 2005. Migrants now walk to Arriaga.",
)


class _Judge:
    """A premise judge with a fixed margin, recording what it was asked."""

    def __init__(self, margin: float | None) -> None:
        self.value = margin
        self.asked: list[tuple[str, list[str]]] = []

    def margin(self, question: str, sentences: Sequence[str]) -> float | None:
        self.asked.append((question, list(sentences)))
        return self.value


class _Model:
    """A yes/no model: a fixed margin, or a failure to load."""

    def __init__(self, margin: float = 0.0, error: Exception | None = None) -> None:
        self.value = margin
        self.error = error
        self.calls = 0

    def yes_no_margin(self, messages: list[dict[str, str]], wait: float | None = None) -> float:
        self.calls += 1
        self.wait = wait
        if self.error:
            raise self.error
        return self.value


def _answer(question: str, judge: _Judge | None, settings: AnsweringSettings | None = None):
    settings = settings or AnsweringSettings()
    bank = SentenceBank(FakeEmbedder())
    gen = ExtractiveGenerator(settings, bank, TermWeights.of([TRAIN]))
    pipeline = AnswerPipeline(SimpleNamespace(passages=[TRAIN]), bank, gen, settings,  # type: ignore[arg-type]
                              TermWeights.of([TRAIN]), premise_judge=judge)
    draft = "The train line out of Tapachula was destroyed by Hurricane Stan in 2005 [1]."
    return pipeline._verified(draft, _Prepared(question, question, [], [TRAIN], True, 1.0, ""))


def test_a_doubted_premise_becomes_a_cited_correction() -> None:
    judge = _Judge(-2.0)
    answer = _answer("Why did the 2010 earthquake stop the Tapachula train?", judge)
    assert judge.asked == [("Why did the 2010 earthquake stop the Tapachula train?",
                            ["The train line out of Tapachula was destroyed by Hurricane Stan in 2005."])]
    assert answer.status == "false_premise" and not answer.answerable
    assert answer.text.startswith(PREMISE_LEAD) and "Hurricane Stan" in answer.text and "[1]" in answer.text
    assert answer.reason == PREMISE_DOUBTED
    assert answer.citations[0].passage == TRAIN
    assert [s.role for s in answer.sentences] == ["premise", "correction"]


def test_a_premise_the_model_bears_out_is_answered() -> None:
    answer = _answer("Why did the Tapachula train stop running?", _Judge(3.0))
    assert answer.status == "answered" and answer.text.startswith("The train line")
    assert "premise_check" in answer.timings


def test_the_threshold_is_the_setting() -> None:
    strict = AnsweringSettings(premise_min_margin=3.5)
    assert _answer("Why did the Tapachula train stop running?", _Judge(3.0), strict).status == "false_premise"


def test_only_questions_that_assume_something_are_checked() -> None:
    judge = _Judge(-5.0)
    answer = _answer("What destroyed the train line out of Tapachula?", judge)
    assert answer.status == "answered" and judge.asked == []


@pytest.mark.parametrize("judge", [None, _Judge(None)])
def test_no_check_or_no_verdict_leaves_the_answer(judge: _Judge | None) -> None:
    assert _answer("Why did the Tapachula train stop running?", judge).status == "answered"


def test_a_model_that_cannot_load_turns_the_check_off_once() -> None:
    model = _Model(error=ModelError("llama-cpp-python is not installed"))
    judge = LocalPremiseJudge(model)
    assert judge.margin("Why X?", ["X happened."]) is None
    assert judge.margin("Why X?", ["X happened."]) is None
    assert model.calls == 1 and "not installed" in judge.failed


def test_a_prompt_the_model_fails_on_skips_only_that_answer() -> None:
    model = _Model(error=GeneratorError("the prompt has 5000 tokens, more than the model's context (4096)"))
    judge = LocalPremiseJudge(model)
    assert judge.margin("Why X?", ["X happened."]) is None
    model.error = None
    assert judge.margin("Why X?", ["X happened."]) == 0.0
    assert model.calls == 2 and not judge.failed


def test_the_local_judge_passes_the_margin_and_skips_empty_text() -> None:
    model = _Model(1.25)
    judge = LocalPremiseJudge(model)
    assert isinstance(model, YesNoScorer)
    assert judge.margin("Why X?", ["  "]) is None and model.calls == 0
    assert judge.margin("Why X?", ["X happened.", "Then Y."]) == 1.25


def test_the_prompt_ends_with_the_text_and_question_after_fixed_examples() -> None:
    messages = premise_messages("Why did X happen?", "X happened in 2010.")
    assert messages[0]["role"] == "system"
    assert [m["role"] for m in messages[1:-1]] == ["user", "assistant"] * len(EXAMPLES)
    assert {m["content"] for m in messages[2:-1:2]} == {"Yes", "No"}
    assert messages[-1]["role"] == "user"
    assert "X happened in 2010." in messages[-1]["content"] and "Why did X happen?" in messages[-1]["content"]
    # the fixed part is the same for every question, so llama.cpp reuses it
    assert premise_messages("Why Y?", "Y.")[:-1] == messages[:-1]


def test_the_examples_are_invented() -> None:
    # no place of the report (the examples must not leak eval content)
    for text, question, _ in EXAMPLES:
        for name in ("Mexico", "Guatemala", "Chiapas", "Tapachula", "Honduras", "Tabasco"):
            assert name not in text and name not in question


def test_premise_check_off_builds_no_judge(tmp_path) -> None:
    from borderqa.assistant import Assistant

    settings = Settings.load(index_dir=str(tmp_path), answering={"premise_check": "off"})
    assistant = Assistant(settings, FakeEmbedder(), SimpleNamespace(), generators={"local": lambda: _Model()})  # type: ignore[arg-type]
    assert assistant.premise_judge is None
    on_settings = Settings.load(index_dir=str(tmp_path))
    assert on_settings.answering.premise_check == "local"  # on by default (see config.py)
    on = Assistant(on_settings, FakeEmbedder(), SimpleNamespace(), generators={"local": lambda: _Model(0.5)})  # type: ignore[arg-type]
    assert isinstance(on.premise_judge, LocalPremiseJudge)
    no_local = Assistant(on_settings, FakeEmbedder(), SimpleNamespace(), generators={})  # type: ignore[arg-type]
    assert no_local.premise_judge is None


def test_a_busy_local_model_leaves_the_answer_unchecked_instead_of_waiting(tmp_path) -> None:
    """The judge asks the model not to wait long; the real model, busy with another answer (its lock held
    by another thread), gives up after that wait without loading anything."""
    import threading
    import time

    from borderqa.answering.local import LlamaCppGenerator

    model = _Model(1.5)
    assert LocalPremiseJudge(model, wait=0.25).margin("Why?", ["Because."]) == 1.5 and model.wait == 0.25
    busy = LlamaCppGenerator(Settings.load(index_dir=str(tmp_path)).local, model_path=tmp_path / "absent.gguf")
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with busy._lock:
            held.set()
            release.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        held.wait(5)
        started = time.perf_counter()
        assert LocalPremiseJudge(busy, wait=0.1).margin("Why did the train stop?", ["It stopped."]) is None
        assert time.perf_counter() - started < 2
        with pytest.raises(GeneratorError, match="busy"):
            busy.yes_no_margin([{"role": "user", "content": "?"}], wait=0.05)
    finally:
        release.set()
        thread.join()


REPAIR = Passage(
    "report:p0210", "report", ("The Train", "Dangers of the Train"), 1, 210,
    "After years of repair, the train will once again start in Tapachula sometime in 2014. It may be safer.",
)


class _ByText(_Judge):
    """A premise judge whose margin is +3 for sentences naming Hurricane Stan, -2 for any other."""

    def margin(self, question: str, sentences: Sequence[str]) -> float | None:
        self.asked.append((question, list(sentences)))
        return 3.0 if any("Hurricane Stan" in s for s in sentences) else -2.0


@pytest.mark.parametrize(("second_score", "judge", "answered"), [
    (0.5, _ByText(None), True),  # close, and the model finds the second bears the premise out: it answers
    (5.0, _ByText(None), False),  # retrieval far surer of the first: the correction stands
    (0.5, _Judge(-2.0), False),  # the model finds neither bears it out: the correction stands
])
def test_a_premise_doubted_on_the_top_passage_is_answered_from_a_close_second_that_bears_it_out(
        second_score: float, judge: _Judge, answered: bool) -> None:
    from borderqa.query import Query
    from borderqa.types import Hit

    settings = AnsweringSettings()
    terms = TermWeights.of([TRAIN, REPAIR])
    bank = SentenceBank(FakeEmbedder())
    gen = ExtractiveGenerator(settings, bank, terms)
    pipeline = AnswerPipeline(SimpleNamespace(passages=[TRAIN, REPAIR]), bank, gen, settings, terms,  # type: ignore[arg-type]
                              premise_judge=judge)
    question = "Why does the train no longer start in Tapachula?"
    hits = [Hit(REPAIR, 6.0), Hit(TRAIN, 6.0 - second_score)]
    prep = _Prepared(question, question, hits, [REPAIR, TRAIN], True, 1.0, "", query=Query.parse(question, question, terms))
    answer = pipeline.answer_prepared(prep)
    if answered:  # before: "The report does not support the question's premise", citing the repair
        assert answer.status == "answered" and answer.lead.startswith("The train line out of Tapachula was destroyed")
        assert [c.passage for c in answer.citations] == [TRAIN]
    else:
        assert answer.status == "false_premise" and answer.reason == PREMISE_DOUBTED
