"""Question analysis, corpus word statistics and the scope decision (fast: synthetic passages)."""

from __future__ import annotations

from pathlib import Path

import pytest

from borderqa.answering.questions import (
    asks_rate,
    expected_kind,
    focus,
    focus_found,
    focus_synonyms,
    gives_rate,
    offers_kind,
)
from borderqa.answering.scope import ScopeChecker, missing_numbers
from borderqa.config import ReaderSettings
from borderqa.lexical import BM25Index, tokenize
from borderqa.query import Query
from borderqa.reader.reading import Reading
from borderqa.terms import TermWeights, passage_words
from borderqa.types import Passage


def _p(n: int, text: str, section: tuple[str, ...] = ("Border Security Strategy",)) -> Passage:
    return Passage(f"report:p{n:04d}", "report", section, 1, n, text)


PASSAGES = [
    _p(1, "In February 2014, WOLA investigators crossed the line in four different places without showing a passport."),
    _p(2, "Mexico deported 80,079 migrants in 2013. Hondurans were 44 percent of them."),
    _p(3, "The cost of a temporary border work visa is approximately US$24."),
    _p(4, "Cuba and Guatemala send workers; the Department of Homeland Security declared an emergency."),
    _p(5, "Tapachula is the largest city of the Soconusco; deportations rose there."),
]
TERMS = TermWeights.of(PASSAGES)


def test_rare_words_weigh_more() -> None:
    terms = TermWeights.of([_p(1, "Migrants ride the train."), _p(2, "Migrants walk north."), _p(3, "Migrants pay La Bestia fees.")])
    assert terms.idf("bestia") > terms.idf("migrant")  # in one passage against in all three
    assert terms.idf("never-seen-word") > terms.idf("bestia")


def test_word_statistics_come_from_the_saved_table(tmp_path: Path) -> None:
    BM25Index(PASSAGES).save(tmp_path)
    saved = TermWeights(BM25Index.load(tmp_path, PASSAGES).words)
    for word in ("migrant", "tapachula", "checkpoint", "never-seen-word"):
        assert saved.idf(word) == TERMS.idf(word)
    assert saved.known("Strategy")  # a word of a section title only
    assert saved.known("La") and saved.known("El")  # stop words are no names to check
    assert saved.unknown_names("How far is Tijuana from Tapachula?") == ["Tijuana"]


def test_words_match_by_prefix_and_exactly() -> None:
    assert TERMS.matches("deported", {"deportation"})
    assert TERMS.matches("visa", {"visa"})
    assert not TERMS.matches("visa", {"passport"})
    assert not TERMS.matches("2013", {"20130"})  # numbers match whole


def test_coverage_is_weighted_by_rarity() -> None:
    weights = TERMS.question_weights("How many migrants did Mexico deport?")
    assert TERMS.coverage(weights, passage_words(PASSAGES[1])) > TERMS.coverage(weights, passage_words(PASSAGES[2]))
    assert TERMS.coverage({}, {"x"}) == 0.0


@pytest.mark.parametrize(
    ("question", "unknown"),
    [
        ("How long is the US-Canada border?", ["US-Canada"]),
        ("What did president Otto Pérez Molina say?", ["Otto Pérez Molina"]),
        ("What do Cuban workers do in Tapachula?", []),  # "Cuban" / "Cuba"
        ("How many Cubans asked for refuge?", []),  # "Cubans" / "Cuba"
        ("What did DHS declare?", []),  # short acronyms are not judged
        ("How many Hondurans were deported in FY2013?", []),  # plural of a known word; tokens with digits
        ("Tapachula: how big is it?", []),
        ("Where do migrants from the Northern Triangle cross?", []),  # an alias staff use
        ("How far is Tapachulla from the border?", []),  # a misspelling of a name the report uses
        ("How far is Tijuana from the border?", ["Tijuana"]),
    ],
)
def test_unknown_names(question: str, unknown: list[str]) -> None:
    assert TERMS.unknown_names(question) == unknown


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many migrants did Mexico deport in 2013?", "number"),
        ("What share of them were Honduran?", "number"),
        ("What fee do smugglers charge for the ride?", "number"),  # a noun naming an amount
        ("What is the annual budget of the task force?", "number"),
        ("What is Tabasco's homicide rate per 100,000 residents?", "number"),  # a possessive before the noun
        ("What is the approval rate for refugee requests?", "number"),
        ("What was Guatemala's national homicide rate in 2012?", "number"),  # up to three words before the noun
        ("What is El Salvador's homicide rate per 100,000 residents?", "number"),
        ("What is driving the migration?", ""),
        ("What explains Petén's homicide rate?", ""),  # why, not how high
        ("What is the source of funding for the program?", ""),  # a preposition before the noun
        ("What advantage do smugglers' fees give migrants?", ""),
        ("What does it cost per year to run the station?", "number"),  # "what did ... cost" in any tense
        ("What is the role of the Army?", ""),
        ("When did the Zapatistas rise up?", "date"),
        ("Who heads the Citizen Power Police?", "name"),
        ("Which agencies run checkpoints?", "name"),
        ("Why do migrants ride the train?", ""),
    ],
)
def test_expected_kind(question: str, kind: str) -> None:
    assert expected_kind(question) == kind


def test_offers_kind_ignores_what_the_question_already_says() -> None:
    q = "How many migrants did Mexico deport in 2013?"
    assert offers_kind("number", q, "Mexico deported 80,079 migrants in 2013.")
    assert not offers_kind("number", q, "Mexico deported migrants in 2013.")
    assert offers_kind("number", q, "Mexico deported eleven thousand migrants.")
    assert offers_kind("date", "When?", "It began in March.")
    assert offers_kind("name", "Who leads it?", "It is led by Manuel Velasco.")
    assert not offers_kind("name", "Who leads it?", "It is led by the governor.")


@pytest.mark.parametrize(
    ("question", "phrase"),
    [
        ("What's the population of Tapachula?", "population"),
        ("What is the monthly salary of an INM agent?", "monthly salary"),
        ("How many kilometers of fence has Guatemala built?", "kilometers"),
        ("How many people are in the task force?", ""),  # generic: no particular figure
        ("Of the 7 departments, how many sit on the border?", ""),  # a verb, not a thing
        ("Of the applications received, how many ended in a grant of asylum?", ""),  # a past-tense verb
        ("How many armed agents are in the unit?", "armed agents"),  # "-ed" before a noun is no verb
        ("How much speed does the train reach?", "speed"),  # a noun in "-eed"
        ("What is the speed of the train?", "speed"),
        ("Why do migrants ride the train?", ""),
        ("What is Honduras's unemployment rate?", "unemployment rate"),  # a possessive: the rate of Honduras
        ("What’s the INM’s budget?", "budget"),
        ("What is Mexico's rate?", ""),  # generic
        ("What's the real motive for Mexican forces doing any drug policing?", ""),  # asks why, not for a word
        ("What is the purpose of the checkpoints?", ""),
        ("What is the main cause of death among migrants on the train?", "main cause"),  # a thing, not why
        ("How much a head were the smugglers paid?", ""),  # an amount per person ("US$500 per migrant")
        ("How much per person do smugglers charge?", ""),
    ],
)
def test_focus(question: str, phrase: str) -> None:
    assert focus(question)[0] == phrase


def test_focus_found_with_synonyms_and_dollar_signs() -> None:
    assert focus_found(["spot"], passage_words(PASSAGES[0]), PASSAGES[0].text)  # "places"
    assert focus_found(["dollar"], passage_words(PASSAGES[2]), PASSAGES[2].text)  # "US$24"
    assert not focus_found(["population"], passage_words(PASSAGES[4]), PASSAGES[4].text)
    # an inflected money word ("How much funding ...?") and cash are dollar amounts too
    program = _p(92, "The program provided as much as US$50 million for patrol boats.")
    assert focus_found(["funding"], passage_words(program), program.text)
    assert focus_found(["cash"], passage_words(program), program.text)
    center = _p(93, "The INM announced the creation of a Center for Migration Intelligence.")
    assert not focus_found(["funding"], passage_words(center), center.text)
    # a word that only starts like one ("Costa Rica", FUNDAR, "pointer") is not its inflection
    for word in ("costa", "fundar", "cashier", "pointer", "claimant", "placed"):
        assert not focus_synonyms(word), word
    assert focus_synonyms("funded") == focus_synonyms("fund") and focus_synonyms("places") == focus_synonyms("place")


def test_a_focus_word_is_found_as_another_word_of_its_class() -> None:
    points = _p(90, "The pilot program is being implemented at 47 points in Chiapas.")
    assert focus_found(["site"], passage_words(points), points.text)  # "at how many sites"
    assert focus_found(["location"], passage_words(points), points.text)
    assert not focus_found(["member"], passage_words(points), points.text)  # people are no places
    force = _p(91, "It likely has between 500 and 1,000 members.")
    assert focus_found(["personnel"], passage_words(force), force.text)


def test_missing_numbers_allow_written_out_and_formatted_figures() -> None:
    p = _p(9, "Of the seven departments with the lowest 2012 homicide rates, four were on the border; 80,079 people.")
    def figures(q: str) -> tuple[str, ...]:
        return _q(q).figures

    assert missing_numbers(figures("Of the 7 departments in 2012, how many sit on the border?"), p) == []
    assert missing_numbers(figures("Were 80079 people deported?"), p) == []
    assert missing_numbers(figures("What is the rate per 100,000 people in 2010?"), p) == ["100,000", "2010"]
    assert missing_numbers(figures("How many in Q1 or FY2014?"), p) == []  # not free-standing figures


def test_rates_asked_and_given() -> None:
    assert asks_rate("How many people cross the river each day?")
    assert asks_rate("How much does the INM spend annually?")
    assert not asks_rate("What do migrants face each day on the train?")  # not a figure
    assert asks_rate("How much does a migrant earn a year on the farms?")
    # how long the papers last, not a price per year (two writers' questions were refused for "no figure per year")
    assert not asks_rate("What does it cost a migrant to get papers to live legally in Mexico for a year?")
    assert not asks_rate("What's the going price for a year of legal temporary-resident papers in Mexico?")
    assert gives_rate("Staff may enter two days a week.")
    assert gives_rate("tens of thousands of yearly migrants")
    assert not gives_rate("A raft took us across for US$1.50.")


def _q(question: str) -> Query:
    return Query.parse(question, question, TERMS)


def test_query_is_analysed_once_into_plain_fields() -> None:
    q = _q("How many migrants did Mexico deport in 2016 and 2013, currently?")
    assert q.later_years == (2016,) and q.figures == ("2016", "2013")
    assert q.kind == "number" and q.time_sensitive and "deport" in q.tokens
    assert _q("What happened in 2014?").later_years == ()


@pytest.mark.parametrize("question", [
    "What was Border Patrol's final count of apprehensions for the whole of fiscal year 2014?",
    "How many migrants had Mexico deported by the end of 2014?",
    "How many children did CBP apprehend in full-year FY 2014?",
    "How many deportations were there in December 2014?",
])
def test_a_period_that_ends_after_the_report_is_out_of_its_reach(question: str) -> None:
    decision = ScopeChecker(min_support=None).decide(_q(question), [PASSAGES[1]], 1.0)
    assert not decision.answerable and "cannot cover" in decision.reason
    assert "cannot cover whole" not in decision.reason  # "the whole of ..."


@pytest.mark.parametrize("question", [
    "How many migrants had Border Patrol apprehended eight months into fiscal year 2014?",
    "How many assisted returns were there in the first three months of 2014?",
    "What happened in April 2014?",
    # what the report expected of a later period is in it
    "What does Guatemala expect to launch by the second half of 2014?",
    "How many children did the memo estimate would arrive over the whole of fiscal year 2014?",
    "Why were prospects for reform dim ahead of the November 2014 midterm elections?",
])
def test_a_period_of_2014_the_report_covers_is_not(question: str) -> None:
    assert _q(question).after_report == ""


@pytest.mark.parametrize(
    ("question", "top", "support", "answerable", "reason"),
    [
        ("How many migrants did Mexico deport in 2015?", 1, 1.0, False, "cannot cover 2015"),
        ("How long is the US-Canada border?", 0, 1.0, False, "never mentions “US-Canada”"),
        ("What's the population of Tapachula?", 4, 1.0, False, "nothing on “population”"),
        ("How many migrants did Mexico deport in 2013?", 1, 0.4, False, "closely enough"),
        ("How many migrants did Mexico deport in 2013?", 1, 1.0, True, ""),
        ("How much does a work visa cost?", 2, 1.0, True, ""),
        ("How many migrants were recorded in 2013?", 1, 1.0, True, ""),  # the act need not be named
        ("How many migrants were deported in 2013?", 1, 1.0, True, ""),
        ("How many migrants did Mexico deport in 2011?", 1, 1.0, False, "do not mention “2011”"),
        ("How many migrants does Mexico deport each month?", 1, 1.0, False, "no figure per day, month or year"),
        ("Can you give me a recipe for tamales?", 3, 1.0, False, "share none of its words"),
    ],
)
def test_scope_decisions(question: str, top: int, support: float, answerable: bool, reason: str) -> None:
    decision = ScopeChecker(min_support=0.6).decide(_q(question), [PASSAGES[top]], support)
    assert decision.answerable is answerable
    assert reason in decision.reason


def _reading(p: Passage, answer: float, contradicts: float = 0.0) -> Reading:
    return Reading(p, answer, contradicts, 1 - answer - contradicts)


def test_with_a_reader_threshold_its_probability_refuses_after_the_word_checks() -> None:
    checker = ScopeChecker(min_support=0.6, reader=ReaderSettings(min_answer=0.5, min_premise=0.9))
    assert checker.decide(_q("How much does a work visa cost?"), [PASSAGES[2]], 1.0, [_reading(PASSAGES[2], 0.9)]).answerable
    refused = checker.decide(_q("How much does a work visa cost?"), [PASSAGES[2]], 1.0, [_reading(PASSAGES[2], 0.2)])
    assert not refused.answerable and refused.reason == "none of the passages closest to the question answers it"
    off = ScopeChecker(min_support=0.6, reader=ReaderSettings(min_answer=0, min_premise=1))  # the reader does not refuse
    assert off.decide(_q("How much does a work visa cost?"), [PASSAGES[2]], 1.0, [_reading(PASSAGES[2], 0.01, 0.99)]).answerable
    plain = checker.decide(_q("How many migrants did Mexico deport in 2013?"), [PASSAGES[1]], 1.0, [_reading(PASSAGES[1], 0.1)])
    assert plain.reason == "none of the passages closest to the question answers it"
    # the top passage contradicting the question makes it a false premise, whatever its answer probability
    premise = checker.decide(_q("Why did Mexico stop deporting migrants in 2013?"), [PASSAGES[1]], 1.0,
                             [_reading(PASSAGES[1], 0.6, 0.95), _reading(PASSAGES[0], 0.1)])
    assert not premise.answerable and premise.premise is not None and premise.premise.passage is PASSAGES[1]
    lower = checker.decide(_q("Why did Mexico stop deporting migrants in 2013?"), [PASSAGES[1]], 1.0,
                           [_reading(PASSAGES[1], 0.6, 0.5), _reading(PASSAGES[0], 0.1, 0.99)])
    assert lower.answerable  # only the top passage's contradiction counts
    later = checker.decide(_q("How many migrants did Mexico deport in 2015?"), [PASSAGES[1]], 1.0, [_reading(PASSAGES[1], 0.99)])
    assert not later.answerable and "cannot cover 2015" in later.reason


def test_a_premise_the_top_passage_states_the_other_way_round_is_corrected() -> None:
    from borderqa.answering.premise import conflict

    passage = Passage("report:p0009", "report", ("Deportations",), 9, 9,
                      "Mexico's deportations jumped 9 percent in 2013. The Siglo XXI center is the largest in Latin America.")
    terms = TermWeights.of([passage, *PASSAGES])
    sentences = passage.text.replace(". ", ".|").split("|")
    fell = _q("Why did Mexico's deportations fall in 2013?")
    found = conflict(fell, sentences, terms)
    assert found is not None and (found.asked, found.stated) == ("fall", "jumped") and found.sentence == sentences[0]
    assert conflict(_q("Why is Siglo XXI the smallest center in Latin America?"), sentences[::-1], terms) is not None
    fewer = conflict(_q("Why did Mexico make fewer deportations in 2013?"), sentences, terms)  # a comparative
    assert fewer is not None and (fewer.asked, fewer.stated) == ("fewer", "jumped")
    assert conflict(_q("Why did Mexico's deportations jump in 2013?"), sentences, terms) is None  # the same direction
    assert conflict(_q("How many deportations fell in 2013?"), sentences, terms) is None  # asks, does not presuppose
    assert conflict(_q("Why did arrests of smugglers fall?"), sentences, terms) is None  # about something else
    decision = ScopeChecker(min_support=0.6).decide(fell, [passage], 1.0, sentences=sentences, terms=terms)
    assert not decision.answerable and decision.premise is not None
    assert decision.premise.span == sentences[0] and "“jumped”" in decision.reason


def test_a_low_crime_rate_corrects_a_question_that_takes_a_place_for_the_deadliest() -> None:
    from borderqa.answering.premise import conflict
    from borderqa.reader.perturb import presupposes

    passage = Passage("report:p0011", "report", ("Violence",), 11, 11,
                      "Chiapas had the 12th lowest homicide rate of Mexico's states in 2013, and Tabasco had the 6th lowest.")
    terms = TermWeights.of([passage, *PASSAGES])
    assert presupposes("What makes Tabasco the deadliest border state?") and presupposes("What explains the drop?")
    assert not presupposes("What is the homicide rate in Tabasco?")
    found = conflict(_q("What makes Tabasco the deadliest border state?"), [passage.text], terms)
    assert found is not None and (found.asked, found.stated) == ("deadliest", "lowest crime")
    assert conflict(_q("Why is Tabasco one of the safest border states?"), [passage.text], terms) is None  # the same end
    high = "Honduras has the highest homicide rate in the world, with 90.4 homicides per 100,000 residents."
    terms = TermWeights.of([Passage("report:p0012", "report", ("Violence",), 12, 12, high), *PASSAGES])
    found = conflict(_q("Why is Honduras so peaceful?"), [high], terms)
    assert found is not None and found.stated in ("highest", "highest crime")


def test_a_comparison_stated_the_other_way_round_corrects_the_premise() -> None:
    from borderqa.answering.premise import conflict

    calm = ("Mexico's southern border is far more tranquil than its U.S. borderlands, which have witnessed some of "
            "the world's highest levels of violent crime.")
    below = "The southern border states' homicide rates are below the national average."
    terms = TermWeights.of([Passage("report:p0013", "report", ("Violence",), 13, 13, f"{calm} {below}"), *PASSAGES])
    found = conflict(_q("Why is Mexico's southern border more violent than its U.S. borderlands?"), [calm], terms)
    assert found is not None and (found.asked, found.stated) == ("more violent", "more tranquil")  # not "violent crime"
    assert conflict(_q("Why is Mexico's southern border less violent than its U.S. borderlands?"), [calm], terms) is None
    found = conflict(_q("Why are the southern border states' homicide rates higher than the national average?"), [below], terms)
    assert found is not None and (found.asked, found.stated) == ("higher", "below")
    # compared with something else, or against loose words of the scale: no correction
    assert conflict(_q("Why is Honduras more violent than Mexico's southern border states?"), [calm], terms) is None
    petén = "Only the department of Petén, which has seen violent competition between traffickers, has a high rate."
    terms = TermWeights.of([Passage("report:p0017", "report", ("Violence",), 17, 17, petén), *PASSAGES])
    assert conflict(_q("Why is the Guatemalan side less violent than the Petén department?"), [petén], terms) is None
    noted = "As noted above, COMAR approves only a small number of the refugee requests it receives."
    terms = TermWeights.of([Passage("report:p0018", "report", ("Refugees",), 18, 18, noted), *PASSAGES])
    assert conflict(_q("Why is the number of refugee requests COMAR approves lower than the number filed?"), [noted], terms) is None
    low = "Chiapas had the 12th lowest homicide rate of Mexico's states in 2013."
    terms = TermWeights.of([Passage("report:p0019", "report", ("Violence",), 19, 19, low), *PASSAGES])
    assert conflict(_q("Why is Chiapas dangerous for migrants despite its low homicide rate?"), [low], terms) is None


def test_a_which_question_about_something_the_report_says_there_is_none_of_is_corrected() -> None:
    from borderqa.answering.premise import conflict, denied

    none = "As of mid-2014, though, the Integrated Development Plan has not guided any new investment."
    terms = TermWeights.of([Passage("report:p0014", "report", ("Development",), 14, 14, none), *PASSAGES])
    found = conflict(_q("Which new investments has the Integrated Development Plan funded so far?"), [none], terms)
    assert found is not None and found.asked == "new investments" and found.stated == "not guided any new investment"
    # asking whether there were any, or which plan has none, takes nothing for granted
    assert conflict(_q("Has the Integrated Development Plan guided any new investment?"), [none], terms) is None
    assert denied("Which new investments has the plan not guided?", none) == ""  # the question negates
    assert denied("Which agencies has the plan funded?", none) == ""  # says nothing of agencies
    ties = "Authorities have found no ties between international terrorist groups and the migrants detained each year."
    assert denied("Which terrorist groups were the detained migrants linked to?", ties).startswith("no ties between")


def test_a_size_the_question_assumes_far_over_every_count_given_corrects_the_premise() -> None:
    from borderqa.answering.premise import conflict, smaller

    created = "The previous governor, Juan Sabines, created the 135-member Border Police in Chiapas in 2010."
    terms = TermWeights.of([Passage("report:p0015", "report", ("Police",), 15, 15, created), *PASSAGES])
    found = conflict(_q("How did the Chiapas Border Police grow to several thousand officers?"), [created], terms)
    assert found is not None and (found.asked, found.stated) == ("several thousand", "135")  # 2010 is a year
    # few of the question's words ("grow", "several thousand", "officers"), but the count is said of its subject
    few = "The previous governor created the 135-member Border Police as a force within the Secretariat of Public Security."
    terms = TermWeights.of([Passage("report:p0016", "report", ("Police",), 16, 16, few), *PASSAGES])
    assert terms.coverage(_q("How did the Chiapas Border Police grow to several thousand officers?").weights,
                          set(tokenize(few))) < 0.3  # under premise.MIN_COVERAGE: the test tests the nearness rule
    assert conflict(_q("How did the Chiapas Border Police grow to several thousand officers?"), [few], terms) is not None
    other = "The governor created a 135-member force within the Secretariat of Public Security."  # said of no word asked
    assert conflict(_q("How did the Chiapas Border Police grow to several thousand officers?"), [other], terms) is None
    assert smaller("Why did the Border Police grow to 135 officers?", created) is None
    assert smaller("Why were dozens of bars shut?", "A 2013 crackdown closed dozens of these bars.") is None
    assert smaller("Why do thousands of migrants ride the train?", "In 2013, 35 percent of migrants rode it.") is None
    assert smaller("Why were thousands of migrants deported?", "Mexico deported 80,079 migrants.") is None
    assert smaller("Why do thousands of migrants walk every day?", "They walk 35 miles over three days.") is None  # no counts
    assert smaller("Why were thousands of children deported?", "Mexico deported 2,011 children, 12 of them from Belize.") is None


def test_what_the_question_puts_first_and_the_report_second_corrects_the_premise() -> None:
    from borderqa.answering.premise import ranked_below

    listed = ("Approximately 18 percent of the abuses were committed by Mexican authorities, with the Federal Police at "
              "the top of the list (35 percent), followed by municipal police forces (31 percent).")
    found = ranked_below("Why were municipal police the officials most often accused of abuse?", listed)
    assert found is not None and found[0] == "most" and found[1].startswith("followed by municipal police")
    assert ranked_below("Why were the Federal Police the officials most often accused of abuse?", listed) is None
    assert ranked_below("Why were municipal police accused of abuse?", listed) is None  # puts nothing first


def test_a_premise_that_gives_another_country_what_the_report_gives_one_is_corrected() -> None:
    from borderqa.answering.premise import conflict

    passage = Passage("report:p0010", "report", ("Violence",), 10, 10,
                      "Most border violence related to the drug trade happens on the southern (Guatemalan) side.")
    terms = TermWeights.of([passage, *PASSAGES])
    found = conflict(_q("Why does most drug-related border violence happen on the Mexican side?"), [passage.text], terms)
    assert found is not None and (found.asked, found.stated) == ("Mexican side", "Guatemalan side")
    assert conflict(_q("Why does most drug-related border violence happen on the Guatemalan side?"), [passage.text], terms) is None
    assert conflict(_q("How much drug-related border violence happens on the Mexican side?"), [passage.text], terms) is None


def test_a_two_part_question_is_checked_against_the_top_two_passages_together() -> None:
    p2013 = _p(6, "Border Patrol apprehended 153,055 other-than-Mexican migrants in 2013.")
    p2011 = _p(7, "Apprehensions of other-than-Mexican migrants were 54,098 in 2011.")
    terms = TermWeights.of([p2013, p2011, *PASSAGES])
    checker = ScopeChecker(min_support=None)
    both = Query.parse(q := "How many other-than-Mexican migrants were apprehended in 2013, and how many in 2011?", q, terms)
    assert checker.decide(both, [p2013, p2011], 1.0).answerable  # each part's year is in one of the two
    one = Query.parse(q := "How many other-than-Mexican migrants were apprehended in 2011 and 2013?", q, terms)
    assert "“2011”" in checker.decide(one, [p2013, p2011], 1.0).reason  # one part: the top passage must hold both
    third = Query.parse(q := "How many migrants were apprehended in 2013, and how many in 2009?", q, terms)
    p2009 = _p(8, "In 2009 few were caught.")
    assert "“2009”" in checker.decide(third, [p2013, p2011, p2009], 1.0).reason
    # ... unless the third is a part's own closest passage, which the answer may take that part from
    assert checker.decide(third, [p2013, p2011, p2009], 1.0, part_passages=[p2013, p2009]).answerable
    assert not checker.decide(one, [p2013, p2011], 1.0, part_passages=[p2013, p2011, p2009]).answerable  # one part: top only


def test_a_premise_after_a_lead_in_is_still_taken_for_granted() -> None:
    from borderqa.reader.perturb import presupposes

    assert presupposes("According to UNHCR, why have asylum requests by children dropped so sharply?")
    assert presupposes("In 2013, why did deportations fall?")
    assert not presupposes("According to UNHCR, how many children had protection needs?")
    assert not presupposes("In Chiapas, what do migrants ride?")


def test_intensity_willingness_and_membership_stated_the_other_way_round_correct_the_premise() -> None:
    from borderqa.answering.premise import conflict

    trains = Passage("report:p0013", "report", ("Trains",), 13, 13,
                     "Two lines of northbound cargo trains that migrants ride are policed very lightly by the authorities.")
    harvest = Passage("report:p0014", "report", ("Work",), 14, 14,
                      "Mexican citizens in the Soconusco region rarely deign to do seasonal work harvesting coffee.")
    terms = TermWeights.of([trains, harvest, *PASSAGES])
    found = conflict(_q("Why are the northbound cargo trains that migrants ride so heavily policed?"), [trains.text], terms)
    assert found is not None and (found.asked, found.stated) == ("heavily", "lightly")
    reluctant = harvest.text.replace("rarely deign", "are reluctant")
    found = conflict(_q("Why are Mexicans in the Soconusco region so eager to do seasonal harvest work?"), [reluctant], terms)
    assert found is not None and (found.asked, found.stated) == ("eager", "reluctant")
    # "rarely" and "loosely" qualify other verbs and subjects as often as the question's: not read
    assert conflict(_q("Why are Guatemalan workers willing to do seasonal harvest work in the Soconusco region?"),
                    [harvest.text], terms) is None
    assert conflict(_q("Why do the maras control the Soconusco region so tightly?"),
                    ["The maras are loosely tied networks of youth gangs in the Soconusco region."], terms) is None
    assert conflict(_q("Why are the cargo trains that migrants ride policed so lightly?"), [trains.text], terms) is None
    council = Passage("report:p0015", "report", ("Strategy",), 15, 15,
                      "As was made clear by the INM's 2005 incorporation into the National Security Council, migration is a security issue.")
    terms = TermWeights.of([council, *PASSAGES])
    found = conflict(_q("How did the INM's 2005 removal from the National Security Council change migration policy?"),
                     [council.text], terms)
    assert found is not None and (found.asked, found.stated) == ("removal", "incorporation")
