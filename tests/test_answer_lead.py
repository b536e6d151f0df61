"""Leading with the answer: the clause that states a span, multi-part questions split, rule-written
questions, the verdict model's fit, and the reader's re-ranking (fast: no model)."""

from __future__ import annotations

import random

from borderqa.answering.compose import clause_with
from borderqa.answering.parts import question_parts
from borderqa.answering.pipeline import frame_in_time, rerank
from borderqa.answering.verdict import FEATURES, VerdictModel, auc, fit
from borderqa.reader.reading import Reading
from borderqa.reader.templates import TemplateWriter, sentence_questions
from borderqa.types import Hit, Passage

SENTENCE = ("The Naval Stations are being built on the rivers; each of these will have a detachment of 54 or 108 Marines, "
            "while the Navy will patrol the coast.")


def test_the_lead_is_the_clause_that_holds_the_span() -> None:
    assert clause_with(SENTENCE, "54 or 108 Marines") == "Each of these will have a detachment of 54 or 108 Marines."
    assert clause_with(SENTENCE, "rivers") == "The Naval Stations are being built on the rivers."
    short = "In 2013 Mexico deported 80,079 people."
    assert clause_with(short, "80,079") == short  # no clause boundary: the whole sentence
    assert clause_with(short, "not there") == short
    assert clause_with("It grew, while costs fell to $5.", "$5") == "It grew, while costs fell to $5."  # "while ..." leans back


def test_two_part_questions_are_split_and_the_second_part_keeps_its_subject() -> None:
    parts = question_parts("When did the WOLA team make its field trip to the border, and how many days did it last?")
    assert parts == ["When did the WOLA team make its field trip to the border?",
                     "How many days did it last? (When did the WOLA team make its field trip to the border)"]
    assert question_parts("When and where did the maras get started?") == ["When and where did the maras get started?"]
    assert question_parts("What is La Bestia?") == ["What is La Bestia?"]
    assert len(question_parts("How many requests did Mexico get in 2013 and how many were granted?")) == 2


def test_rule_questions_put_the_answer_where_the_question_asks() -> None:
    qs = dict(sentence_questions("Over 80,000 migrants were deported in 2013, and 93 percent of them were Central American."))
    counted = [(q, a) for q, a in qs.items() if q.startswith("How many migrants were deported in 2013")]
    assert counted and counted[0][1] == "Over 80,000"
    assert any(a == "93 percent" and "what percent" in q for q, a in qs.items())
    assert any(a == "2013" and "in what year" in q for q, a in qs.items())
    passage = Passage("x:p0001", "x", ("S",), 1, 1, "The raft cost US$1.50 and took about 10 minutes to cross.")
    lines = TemplateWriter().write(passage).splitlines()
    assert lines and all(line.startswith("Q: ") and " | A: " in line for line in lines)
    assert any("how much money" in line and line.endswith("| A: US$1.50") for line in lines)


def test_the_verdict_fit_separates_classes_it_can_see() -> None:
    rng = random.Random(3)
    rows, labels = [], []
    for _ in range(400):
        y = rng.random() < 0.3
        row = [rng.random() for _ in FEATURES]
        row[4] = (0.7 if y else 0.3) + rng.gauss(0, 0.1)  # coverage carries the signal
        rows.append(row)
        labels.append(int(y))
    model = fit(rows, labels)
    assert auc([model.probability(r) for r in rows], labels) > 0.95
    assert model.weights[4] > 0 and abs(model.weights[4]) == max(abs(w) for w in model.weights)
    again = VerdictModel(*(v for v in (model.mean, model.scale, model.weights, model.bias)))
    assert again.probability(rows[0]) == model.probability(rows[0])


def test_rerank_moves_a_hit_first_only_when_the_reader_prefers_it_by_the_margin() -> None:
    ps = [Passage(f"r:p{i}", "r", ("S",), 1, i, f"text {i}") for i in range(4)]
    hits = [Hit(p, 1.0 - i / 10) for i, p in enumerate(ps)]
    readings = [Reading(ps[0], 0.2, 0, 0.8), Reading(ps[1], 0.9, 0, 0.1), Reading(ps[2], 0.3, 0, 0.7)]
    moved, moved_readings = rerank(hits, readings, margin=0.5)
    assert [h.passage.id for h in moved] == ["r:p1", "r:p0", "r:p2", "r:p3"]
    assert [r.passage.id for r in moved_readings] == ["r:p1", "r:p0", "r:p2"]
    kept, _ = rerank(hits, readings, margin=0.8)  # 0.9 - 0.2 < 0.8: retrieval's order stays
    assert [h.passage.id for h in kept] == ["r:p0", "r:p1", "r:p2", "r:p3"]
    assert rerank(hits, [], margin=0.5)[0] == hits


def test_framing_in_time_lowers_only_an_ordinary_first_word() -> None:
    assert frame_in_time("The station is complete [1].") == "As of the report (June 2014), the station is complete [1]."
    said = "Mexico's southern border is far more tranquil [1]."
    assert frame_in_time(said) == f"As of the report (June 2014), {said}"  # a name keeps its capital
