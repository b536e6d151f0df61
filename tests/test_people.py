"""Questions that ask who holds a post, and the people an answer names (answering/people.py). Fast, no models."""

from __future__ import annotations

import pytest

from borderqa.answering.people import asks_person, persons


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Who directs the Fray Matías de Córdova Human Rights Center in Tapachula?", True),
        ("Who is the director of the El Caminante shelter?", True),
        ("What is the name of the U.S. Northern Command commander who described the workshops?", True),
        ("Who was named to head the Center for Migration Intelligence?", True),
        ("Who runs the La 72 migrant shelter?", False),  # an order, a church or a person
        ("What is the name of the shelter whose director denounced the abuses?", False),  # a shelter's name
        ("Who is most at risk on the train?", False),
        ("Who said the Guatemalan border is now our southern border?", False),
    ],
)
def test_asks_person(question: str, asks: bool) -> None:
    assert asks_person(question) is asks


def test_a_person_is_two_capitalised_words_that_name_no_institution_place_or_asked_thing() -> None:
    q = "Who was put in charge of coordinating the federal response?"
    said = "Obama appointed Federal Emergency Management Agency head Craig Fugate to coordinate it."
    assert persons(q, said) == ["Obama", "Craig Fugate"]  # "Federal Emergency Management Agency": an institution
    assert persons(q, "Undersecretary Mercedes del Carmen Guillén said the program is free.") == ["Undersecretary Mercedes del Carmen Guillén"]
    assert persons(q, "A unit within the Interior Secretariat, the INM enforces the law.") == []
    assert persons(q, "Workshops were sponsored by U.S. Southern Command and the Catholic Church.") == []
    assert persons(q, "The INM announced a Center for Migration Intelligence (Centro de Inteligencia Migratoria).") == []  # a gloss
    assert persons(q, "It is headquartered in Coatepeque, Quetzaltenango, near Tecún Umán.") == []  # places, one by one
    assert persons(q, "A contingent of U.S. National Guard from Georgia trained the unit.") == []  # an initial is no name
    directs = "Who directs the Fray Matías de Córdova Human Rights Center?"
    assert persons(directs, "The Tapachula-based Fray Matías de Córdova Human Rights Center found a policy.") == []  # the question's own
    # words before an institution word are its name, a person's name may follow it as a title does
    assert persons(directs, "The center put her in touch with the Interior's Refugee Assistance Commission.") == []
    assert any("Alan Bersin" in name for name in persons(q, "Assistant Secretary for International Affairs Alan Bersin said so."))
    assert persons(q, "Secretary Jeh Johnson's Homeland Security Department announced it.") == ["Secretary Jeh Johnson's"]


@pytest.mark.parametrize(
    "said",
    [
        "In March 2014, Fray Tomás González, director of the “La 72” migrant shelter in Tenosique, denounced abuses.",
        "Ardelio Vargas said so.",  # a name that opens the sentence
        "It is led by Gen. Salvador Cienfuegos.",  # a title's full stop ends no sentence
        "Undersecretary Mercedes del Carmen Guillén announced it.",
    ],
)
def test_the_people_the_report_names_are_people(said: str) -> None:
    assert persons("Who is the director of the center?", said)
