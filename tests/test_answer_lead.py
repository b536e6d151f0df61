"""Leading with the answer: the clause that states a span, multi-part questions split, rule-written
questions (fast: no model)."""

from __future__ import annotations

from borderqa.answering.compose import clause_with
from borderqa.answering.parts import question_parts
from borderqa.answering.pipeline import frame_in_time
from borderqa.reader.templates import TemplateWriter, sentence_questions
from borderqa.types import Passage

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
    assert question_parts("Where is the task force headquartered, and roughly how many members does it have?")[1].startswith(
        "Roughly how many members does it have? (")
    assert question_parts("When did Peña Nieto take office, and in what year did the program start?")[1].startswith(
        "In what year did the program start? (")
    assert len(question_parts("Which force topped the list of abusers, and with what share?")) == 1  # the first part's figure
    # "in / on which ..." after "and" starts a part when it asks a question of its own after a first part with a verb
    assert question_parts("Which stretch of the route do shelter workers fear most, and in which state did the survey "
                          "find the most abuse?") == ["Which stretch of the route do shelter workers fear most?",
                                                      "In which state did the survey find the most abuse?"]
    for one in ("How many naval stations is SEMAR building, and in which states?",  # leans on the first part
                "Who is the director of the El Caminante shelter, and in which town is it?",
                "In which Mexican cities and on which crossings are the biometric kiosks installed?",  # no verb first
                "How many members does the Citizen Power Police have, and to what region are half of them sent?",
                "To what extent does Mexico enforce its rules, and at what cost?"):
        assert question_parts(one) == [one]
    assert question_parts("How many were detained in 2013, and how many of them were children?")[1].endswith(")")
    # one question asked with two question words, not two questions
    for one in ("Is there a limit on how far and how long Guatemalans with a crossing card can stay in Mexico?",
                "How far into Mexico, and for how long, does the crossing card let Guatemalans stay?"):
        assert question_parts(one) == [one]
    # "since when" after a first part with no verb of its own shares the rest of the question
    one = "In which Guatemalan city and since when has the Tecún Umán task force been operating?"
    assert question_parts(one) == [one]


def test_a_later_part_that_names_its_own_subject_is_read_alone() -> None:
    parts = question_parts("How many migrants did the INM rescue in Operation Soconusco II, and how many officers does the new "
                           "Citizen Power Police have?")
    assert parts[1] == "How many officers does the new Citizen Power Police have?"
    # "since when" starts a part; "its" points within the part, not back at the first
    assert question_parts("In what year was the INM incorporated into the National Security Council, and since when has "
                          "the government been developing its southern border strategy?")[1] == (
        "Since when has the government been developing its southern border strategy?")
    # too little of its own, or a word pointing back: read with the first beside it
    for second in ("how many were minors?", "which state led that year?", "how many of the latter patrol the border?",
                   "who runs the shelter there?", "what share of the total did that state account for?"):
        assert question_parts(f"How many migrants did Mexico deport in 2013, and {second}")[1].endswith(
            "(How many migrants did Mexico deport in 2013)")


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


def test_framing_in_time_lowers_only_an_ordinary_first_word() -> None:
    assert frame_in_time("The station is complete [1].") == "As of the report (June 2014), the station is complete [1]."
    said = "Mexico's southern border is far more tranquil [1]."
    assert frame_in_time(said) == f"As of the report (June 2014), {said}"  # a name keeps its capital
