"""Which abuse a figure counts (answering/abuses.py), and the refusal it gives in bound.unanswered."""

from __future__ import annotations

from borderqa.answering.abuses import abuses_in, other_abuse
from borderqa.answering.bound import unanswered
from borderqa.query import Query
from borderqa.terms import TermWeights

SURVEY = ("A November 2013 report by the Documentation Network analyzed 931 testimonies of migrants. Of those surveyed, "
          "a staggering 52 percent reported being robbed and 33 percent reported being extorted, primarily by criminal groups.")


def _q(text: str) -> Query:
    return Query.parse(text, text, TermWeights.of([]))


def test_the_kinds_an_abuse_is_named_by() -> None:
    assert abuses_in("migrants were robbed, extorted and kidnapped") == ["kidnapping", "robbery", "extortion"]
    assert abuses_in("cases of sexual assault and beatings") == ["sexual assault", "assault"]
    assert abuses_in("the robust economy") == [] and abuses_in("a killer whale") == []
    assert abuses_in("agents stole their money") == ["robbery"]


def test_a_figure_for_one_abuse_is_no_figure_for_another() -> None:
    asked = "What percentage of migrants in the Documentation Network's survey reported being kidnapped?"
    assert unanswered(_q(asked), SURVEY) == "the sentences closest to an answer give figures for “robbery”, not for “kidnapping”"
    assert unanswered(_q("What percentage of migrants surveyed reported being robbed?"), SURVEY) == ""
    assert unanswered(_q("How many testimonies did the Documentation Network analyze?"), SURVEY) == ""  # no abuse asked


def test_an_abuse_the_answer_names_is_not_held_against_it() -> None:
    named = "Kidnapping is common on the route. In 2013, 52 percent of migrants reported being robbed."
    assert other_abuse("How many migrants were kidnapped?", named.split(". "), named.split(". ")[1:]) is None
    unfigured = ["Migrants are often robbed on the route.", "In 2013 the shelter took in 1,200 people."]
    assert other_abuse("How many migrants were kidnapped?", unfigured, unfigured[1:]) is None  # no figure counts one
