"""The reader reads sentences: how a passage-level example becomes (question, sentence) items, what the
model sees of a sentence, the listwise term, and a reader's say in the extractive scorer (fast: no model)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from borderqa.answering.extractive import ExtractiveGenerator
from borderqa.config import AnsweringSettings
from borderqa.embedding import FakeEmbedder
from borderqa.reader.examples import ReaderExample
from borderqa.reader.features import sentence_side
from borderqa.reader.reading import Reading
from borderqa.reader.train import TrainConfig, TrainReport, _batches, _listwise, sentence_items
from borderqa.sentences import SentenceBank, leans_back, passage_sentences, refers_back
from borderqa.terms import TermWeights
from borderqa.types import Passage

STATIONS = Passage("report:p0001", "report", ("Border Security", "Naval Stations"), 1, 1,
                   "SEMAR is building 12 Advanced Naval Stations on the rivers. Each station will have a detachment of "
                   "54 or 108 Marines. The stations were first built after 1994.")
OTHER = Passage("report:p0002", "report", ("Migrants",), 2, 2, "Migrants ride the train north from Tapachula every week.")
PASSAGES = {p.id: p for p in (STATIONS, OTHER)}


def _ex(ex_id: str, question: str, passage: Passage, label: str, answer: str = "", kind: str = "generated",
        origin: str = "") -> ReaderExample:
    start = passage.text.find(answer) if answer else -1
    return ReaderExample(ex_id, question, passage.id, passage.sha, label, answer, start, kind, origin or ex_id)  # type: ignore[arg-type]


def test_a_sentence_that_leans_back_is_read_with_the_one_before() -> None:
    sents = passage_sentences(STATIONS)
    first, shift = sentence_side(STATIONS, sents, 0)
    assert first == f"Naval Stations: {sents[0]}" and first[shift:] == sents[0]
    second, shift = sentence_side(STATIONS, sents, 1)
    assert second.startswith("Naval Stations: (SEMAR is building") and second[shift:] == sents[1]  # "Each station ..."
    third, shift = sentence_side(STATIONS, sents, 2)
    assert third == f"Naval Stations: {sents[2]}"  # "The stations ..." names its subject


@pytest.mark.parametrize(("sentence", "back"), [
    ("Through this operation, the INM rescued 1,438 migrants.", True),  # an opening phrase that points back
    ("Under these rules, each crossing card lasts a year.", True),
    ("These cards exist.", True),  # leans_back itself
    ("In 2013, the INM rescued 1,438 migrants.", False),
    ("Given that the INM deports most migrants, few stay in Chiapas.", False),  # "that" as a conjunction
    ("Mexico said that this, too, would change.", False),
])
def test_a_sentence_refers_back_by_a_pronoun_or_an_opening_phrase(sentence: str, back: bool) -> None:
    assert refers_back(sentence) is back


def test_the_readers_rule_stays_as_it_was_trained() -> None:
    assert not leans_back("Through this operation, the INM rescued 1,438 migrants.")


def test_an_opening_phrase_pointing_back_brings_the_sentence_before_into_the_answer() -> None:
    op = Passage("report:p0578", "report", ("Efforts", "Operations"), 1, 578,
                 "Another example is Operation Soconusco II, a joint operation of the Army and the INM in Chiapas. "
                 "Through this operation, from mid-January to mid-February, the INM rescued 1,438 migrants.")
    gen = ExtractiveGenerator(AnsweringSettings(), SentenceBank(FakeEmbedder()), TermWeights.of([op]))
    q = "How many migrants did the INM rescue from mid-January to mid-February?"
    answer, lines = gen.lead_answer(q, [op], gen.leads(q, [op]))
    assert answer.startswith("Another example is Operation Soconusco II") and "1,438" in answer and lines == 2


def test_examples_become_the_answering_sentence_its_siblings_and_the_variants_sentence() -> None:
    q = "How many Marines will each naval station have?"
    examples = [
        _ex("a", q, STATIONS, "answer", "54 or 108 Marines"),
        _ex("a:entity_swap", "How many Marines will each Army station have?", STATIONS, "none", kind="entity_swap", origin="a"),
        _ex("a:bm251", q, OTHER, "none", kind="hard_negative_bm25", origin="a"),
    ]
    report = TrainReport()
    items = sentence_items(examples, PASSAGES, report)
    answer = [it for it in items if it.label == 0]
    assert len(answer) == 1 and answer[0].side[0][answer[0].side[1] + answer[0].start:][:17] == "54 or 108 Marines"
    siblings = [it for it in items if it.question == q and it.group == answer[0].group and it.label == 2]
    assert len(siblings) == 3  # the passage's two other sentences, and the hard negative's one sentence
    (variant,) = [it for it in items if it.question != q]
    assert variant.label == 2 and "54 or 108" in variant.side[0]  # read against the sentence its original was answered by
    changed = _ex("b", q, STATIONS, "answer", "54 or 108 Marines")
    changed = ReaderExample(**{**changed.__dict__, "passage_sha": "0" * 16})
    assert sentence_items([changed], PASSAGES, report) == [] and report.skipped["passage changed"] == 1


def test_a_batch_holds_whole_questions() -> None:
    import random

    q = "How many Marines will each naval station have?"
    items = sentence_items([_ex("a", q, STATIONS, "answer", "54 or 108 Marines"),
                            _ex("b", "Who rides the train?", OTHER, "answer", "Migrants")], PASSAGES, TrainReport())
    batches = _batches(items, TrainConfig(groups_per_batch=1), random.Random(1))
    assert len(batches) == 2 and all(len({it.group for it in b}) == 1 for b in batches)


def test_the_listwise_term_rewards_ranking_the_answering_sentence_first() -> None:
    torch = pytest.importorskip("torch")
    q = "How many Marines will each naval station have?"
    items = sentence_items([_ex("a", q, STATIONS, "answer", "54 or 108 Marines")], PASSAGES, TrainReport())
    right = torch.tensor([[3.0, 0.0, 0.0] if it.label == 0 else [0.0, 0.0, 3.0] for it in items])
    wrong = torch.tensor([[0.0, 0.0, 3.0] if it.label == 0 else [3.0, 0.0, 0.0] for it in items])
    assert _listwise(right, items) < 0.1 < _listwise(wrong, items)
    assert _listwise(right[:1], items[:1]) is None  # one candidate: nothing to rank


class ScriptedReader:
    """A reader that says the sentence holding ``favourite`` answers, every other one not."""

    name = "scripted"

    def __init__(self, favourite: str) -> None:
        self.favourite = favourite
        self.calls = 0

    def read(self, question: str, passages: Sequence[Passage]) -> list[Reading]:
        self.calls += 1
        out = []
        for p in passages:
            sents = passage_sentences(p)
            answers = tuple(0.95 if self.favourite in s else 0.02 for s in sents)
            best = max(range(len(sents)), key=lambda i: answers[i])
            out.append(Reading(p, answers[best], 0.0, 1 - answers[best], sentences=tuple(sents), answers=answers, best=best))
        return out


def test_the_readers_say_moves_the_lead_and_a_lead_that_leans_back_comes_with_its_antecedent() -> None:
    q = "How many Advanced Naval Stations is SEMAR building, and how big is each detachment?"
    plain = ExtractiveGenerator(AnsweringSettings(), SentenceBank(FakeEmbedder()), TermWeights.of([STATIONS, OTHER]))
    assert "54 or 108" not in plain.score_sentences(q, [STATIONS])[0].text  # the words alone lead elsewhere
    reader = ScriptedReader("54 or 108")
    read = ExtractiveGenerator(AnsweringSettings(), SentenceBank(FakeEmbedder()), TermWeights.of([STATIONS, OTHER]), reader, 0.5)
    scored = read.score_sentences(q, [STATIONS])
    assert "54 or 108" in scored[0].text and scored[0].words is not None and scored[0].score > scored[0].words
    answer, lines = read.lead_answer(q, [STATIONS], read.leads(q, [STATIONS]))
    # "Each station ..." leans on the sentence before it, which leads with it
    assert answer.startswith("SEMAR is building 12 Advanced Naval Stations on the rivers. [1] "
                             "Each station will have a detachment of 54 or 108 Marines. [1]") and lines == 2
    assert plain.lead_answer(q, [STATIONS], plain.leads(q, [STATIONS]))[1] == 1  # without the reader: the first sentence alone
    calls = reader.calls
    off = ExtractiveGenerator(AnsweringSettings(), SentenceBank(FakeEmbedder()), TermWeights.of([STATIONS]), reader, 0.0)
    off.score_sentences(q, [STATIONS])
    assert off.reader is None and reader.calls == calls  # weight 0: the reader is not asked


def test_sentences_shown_beside_the_lead_are_chosen_by_topic_not_by_the_reader() -> None:
    stations = Passage("report:p0003", "report", ("Border Security",), 3, 3,
                       "SEMAR is building twelve Advanced Naval Stations on the rivers of Chiapas. The Advanced Naval "
                       "Stations will hold 54 or 108 Marines. The weather in the south was hot all year.")
    q = "How many Marines will the Advanced Naval Stations that SEMAR is building in Chiapas hold?"
    read = ExtractiveGenerator(AnsweringSettings(), SentenceBank(FakeEmbedder()), TermWeights.of([stations, OTHER]),
                               ScriptedReader("54 or 108"), 0.5)
    answer, lines = read.lead_answer(q, [stations], read.leads(q, [stations]))
    assert answer.startswith("The Advanced Naval Stations will hold 54 or 108 Marines. [1]") and lines == 1
    assert "SEMAR is building twelve" in answer  # the reader rates it low: it is what the lead is about
    assert "weather" not in answer

