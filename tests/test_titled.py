"""A question about something a document gives a section to ("What is Paso Seguro?") is answered from that
section's first paragraph, which seldom names it again."""

from __future__ import annotations

from borderqa.answering.titled import asked_thing, titled_first, titled_section
from borderqa.types import Hit, Passage

STRATEGY = ("Border Security Strategy", "Several Guiding Strategies")


def _p(n: int, text: str, section: tuple[str, ...], kind: str = "paragraph") -> Passage:
    return Passage(f"report:p{n:04d}", "report", section, n, n, text, kind=kind)  # type: ignore[arg-type]


SUPPORT = _p(1, "This program devotes resources to infrastructure and public works projects in border states.",
             (*STRATEGY, "Border Zone Support Program (Programa de Apoyo a la Zona Fronteriza)"))
SUPPORT_2 = _p(2, "In Chiapas, three crossings have been shut down.", SUPPORT.section_path)
SAFE = _p(3, "This program was announced at an April 22 forum in Mexico's Senate.",
          (*STRATEGY, "“Safe Passage” Program (Programa “Paso Seguro”)"))
PLAN = _p(4, "The result is an effort to coordinate government investment.",
          (*STRATEGY, "Integrated Development Plan for the South-Southeast Zone (Plan Integral de Desarrollo de la Zona Sur-Sureste)"))
BIOMETRIC = _p(5, "A key example has been a pilot biometric registry program at the southern border.",
               (*STRATEGY, "Migration Program for the Southern Border of Mexico"))
VIOLENCE = _p(6, "Homicide rates are high.", ("Conditions", "Violence"))
POVERTY = _p(7, "Most migrants are poor, and many flee violence.", ("Migrants in Transit", "Poverty and Violence"))
CAPTION = _p(8, "Checkpoint near Huixtla", ("Checkpoints",), "caption")
EVERYTHING = [SUPPORT, SUPPORT_2, SAFE, PLAN, BIOMETRIC, VIOLENCE, POVERTY, CAPTION]


def test_what_a_what_is_question_asks_about() -> None:
    assert asked_thing("What is the Border Zone Support Program?") == {"border", "zone", "support", "program"}
    assert asked_thing("Tell me about Paso Seguro.") == {"paso", "seguro"}
    assert asked_thing("How much did the Border Zone Support Program cost?") == set()


def test_the_section_named_by_its_english_or_its_bracketed_name() -> None:
    assert titled_section("What is the Border Zone Support Program?", EVERYTHING) == [SUPPORT, SUPPORT_2]
    assert titled_section("What is the Programa de Apoyo a la Zona Fronteriza?", EVERYTHING) == [SUPPORT, SUPPORT_2]
    assert titled_section("What is Paso Seguro?", EVERYTHING) == [SAFE]
    assert titled_section("What is the Safe Passage program?", EVERYTHING) == [SAFE]


def test_no_section_for_part_of_a_name_a_word_of_two_titles_or_a_generic_word() -> None:
    assert titled_section("What is the Integrated Development Plan?", EVERYTHING) == []  # half the title's name
    assert titled_section("What is violence?", EVERYTHING) == []  # two sections' names
    assert titled_section("What is the program?", EVERYTHING) == []
    assert titled_section("What are checkpoints?", EVERYTHING) == []  # a caption is no paragraph
    assert titled_section("When was the Safe Passage program announced?", EVERYTHING) == []


def test_the_section_leads_the_hits() -> None:
    hits = [Hit(BIOMETRIC, 9.0), Hit(VIOLENCE, 4.0)]
    led = titled_first("What is the Border Zone Support Program?", hits, EVERYTHING)
    assert [h.passage for h in led] == [SUPPORT, BIOMETRIC, VIOLENCE] and led[0].chosen == "section"  # its first
    assert titled_first("What did the biometric program register?", hits, EVERYTHING) is hits
    # the section's paragraph retrieval ranks highest leads, not its first
    ranked = [Hit(BIOMETRIC, 9.0), Hit(SUPPORT_2, 4.0), Hit(SUPPORT, 3.0)]
    assert [h.passage for h in titled_first("What is the Border Zone Support Program?", ranked, EVERYTHING)][:2] == [SUPPORT_2, BIOMETRIC]


def test_a_long_run_of_spaces_is_read_at_once() -> None:
    assert asked_thing("What is " + " " * 5000 + "Paso Seguro?") == {"paso", "seguro"}
