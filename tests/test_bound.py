"""Does the answer found give what was asked (answering/bound.py)? Fast, no models."""

from __future__ import annotations

import pytest

from borderqa.answering.bound import (
    clashing_name,
    counts,
    gives_count,
    gives_figure,
    grouped_name,
    majority_name,
    missing_unit,
    negated_name,
    opposite_qualifier,
    unanswered,
    unbound_names,
)
from borderqa.query import Query
from borderqa.terms import TermWeights

TERMS = TermWeights.of([])


def _q(text: str) -> Query:
    return Query.parse(text, text, TERMS)


def test_a_figure_answered_without_the_name_it_was_asked_for_is_not_an_answer() -> None:
    said = "Honduras has the highest homicide rate, with 90.4 homicides per 100,000 residents."
    assert unbound_names("How many homicides per 100,000 does El Salvador have?", said) == ["El Salvador"]
    assert unbound_names("How many homicides per 100,000 does Honduras have?", said) == []
    assert unbound_names("How many Hondurans were killed per 100,000?", said) == []  # another form of the name
    assert unbound_names("How many homicides per 100,000 does Mexico have?", said) == []  # the report's frame
    # the name as the report writes it out: "DHS" is the report's "Homeland Security", "COMAR" its "Refugee
    # Assistance Commission"
    memo = "An internal draft Homeland Security memo from June 2014 estimated that the number could climb to 90,000."
    assert unbound_names("What did a June 2014 DHS memo project for the year?", memo) == []
    assert unbound_names("How many requests did COMAR receive?",
                         "The Secretariat of the Interior's Refugee Assistance Commission received 1,296 requests.") == []
    assert unbound_names("What did a June 2014 CBP memo project for the year?", memo) == ["CBP"]


def test_a_country_word_the_answer_gives_to_another_country_is_not_an_answer() -> None:
    said = "A cable reports that “only 125 Mexican immigration officials monitor the 577 mile border with Guatemala.”"
    assert clashing_name("How many Guatemalan immigration officials monitor the border?", said) == (
        "Guatemalan immigration", "Mexican immigration")
    assert "“Mexican immigration”, not “Guatemalan immigration”" in unanswered(
        _q("How many Guatemalan immigration officials monitor the border?"), said)
    assert clashing_name("How many Mexican immigration officials monitor the border?", said) is None  # the same country
    assert clashing_name("How many immigration officials monitor the border with Guatemala?", said) is None  # qualifies nothing
    # the question's own qualified word anywhere in the answer is enough; a bracketed name qualifies the word after it
    both = said + " Guatemalan immigration officials are fewer still."
    assert clashing_name("How many Guatemalan immigration officials are there?", both) is None
    assert clashing_name("Why does violence occur on the Mexican side?", "It happens on the southern (Guatemalan) side.") == (
        "Mexican side", "Guatemalan side")
    # a question that qualifies the word by two countries is answered by either, not by a third
    compared = "Why does violence occur on the Guatemalan side rather than the Mexican side?"
    assert clashing_name(compared, "It happens on the southern (Guatemalan) side.") is None
    assert clashing_name(compared, "It happens on the Belizean side, near Guatemala and Mexico.") == (
        "Guatemalan side", "Belizean side")
    assert clashing_name("How do Mexican police cooperate with Guatemalan police?",
                         "Mexican police cooperate with Belizean police along the border with Guatemala.") == (
        "Guatemalan police", "Belizean police")


def test_a_figure_for_a_list_of_countries_is_no_figure_for_one_of_them() -> None:
    said = "CBP apprehended 21,537 unaccompanied children from El Salvador, Guatemala, and Honduras in FY 2013."
    assert grouped_name("How many unaccompanied Guatemalan children did CBP apprehend?", said) == (
        "Guatemala", "El Salvador, Guatemala, and Honduras")
    assert "“El Salvador, Guatemala, and Honduras” together, not for “Guatemala”" in unanswered(
        _q("How many unaccompanied Guatemalan children did CBP apprehend?"), said)
    assert grouped_name("How many children from El Salvador, Guatemala and Honduras did CBP apprehend?", said) is None
    assert grouped_name("How many Guatemalan children did CBP apprehend?", said + " Of them, 8,068 were from Guatemala.") is None
    assert grouped_name("How far north can Guatemalans travel?", "Guatemalans and Belizeans can travel 60 miles.") is None  # a pair


@pytest.mark.parametrize(
    ("question", "answer", "gives"),
    [
        ("How much did the repair cost?", "After years of repair, the train will start again in 2014.", False),
        ("How much did the repair cost?", "The repair cost US$12 million.", True),
        ("How many stations were built in 2013?", "In 2013 the stations were built.", False),  # the question's own year
        ("How many checkpoints did WOLA count?", "We counted eleven checkpoints.", True),  # a number word
        ("How long has SEMAR been building them?", "SEMAR has been building them since 2010.", True),  # a time question
        ("What fee do smugglers charge?", "Smugglers charge a steep fee.", False),
        ("How many soldiers will Task Force Chortí have?", "It will launch in the second half of 2014.", False),  # a date
        ("How many children did CBP apprehend in FY2013?", "Apprehensions had risen since FY2011.", False),  # a fiscal year
        # a rank asked is given as an ordinal; an ordinal answers no other figure question
        ("Where did the INM rank in the number of complaints?", "The INM ranked eighth in the number of complaints.", True),
        ("Where did the INM rank in the number of complaints?", "The INM received many complaints.", False),
        ("How many complaints did the INM receive?", "The INM ranked eighth in the number of complaints.", False),
        ("Where did Chiapas rank in trafficking cases?", "Chiapas had the second highest number of cases.", True),
        ("How large will the ranks of the task force be?", "It will launch in the second half of 2014.", False),
        ("Where did Chiapas rank in trafficking cases?", "For the first time, Chiapas reported cases in 2013.", False),
    ],
)
def test_gives_figure(question: str, answer: str, gives: bool) -> None:
    assert gives_figure(question, answer) is gives


def test_several_is_no_exact_figure() -> None:
    said = "The force overlaps with others at several levels."
    assert gives_figure("How many officers are in the force?", said)  # an answer may say "several"
    assert not gives_figure("How many officers are in the force?", said, exact=True)  # a lead should say how many
    assert gives_figure("What share of the officers patrol the border?", "Around half patrol the border.", exact=True)


def test_a_number_question_answered_without_a_figure_is_refused_with_what_is_missing() -> None:
    reason = unanswered(_q("How much did the new airport cost to build?"), "A new airport opened in Palenque on February 14.")
    assert "give no figure" in reason
    assert unanswered(_q("How many migrants did Mexico deport in 2013?"), "Mexico deported 80,079 migrants in 2013.") == ""
    two_parts = _q("What is wrong with Mexico's asylum process, and how low is the approval rate?")
    assert unanswered(two_parts, "This approval rate is very low given the demand.") == ""  # one part is no figure


def test_a_presupposing_question_answered_without_its_names_is_refused() -> None:
    said = "In the remotest part of Chiapas, all checkpoints were manned by the Army or Navy."
    assert "“Honduras”" in unanswered(_q("Why were the checkpoints near Honduras run by the Army?"), said)
    assert unanswered(_q("Why were the checkpoints in Chiapas run by the Army?"), said) == ""
    assert unanswered(_q("What do checkpoints near Honduras look for?"), said) == ""  # asks, does not presuppose


def test_the_setting_of_the_answer_binds_the_names_its_sentences_leave_out() -> None:
    question = _q("How many preliminary investigations has the Chiapas special prosecutor opened?")
    said = "The special prosecutor reported having opened 586 preliminary investigations into crimes against migrants."
    assert "“Chiapas”" in unanswered(question, said)
    before = "In response to abuses of migrants in Chiapas, in 2008 the state government created a Special Prosecutor's Office."
    assert unanswered(question, said, setting=f"Efforts to Counter Migrant Abuse {before}") == ""
    assert unanswered(_q("Why are migrant workers in Chiapas reluctant to report abuse?"),
                      "Many fear that reporting abuse would lead to their deportation.",
                      setting="Migrants Who Remain in Chiapas") == ""
    assert "“Honduras”" in unanswered(_q("How many investigations concern Honduras?"), said, setting="Chiapas")


def test_a_question_about_the_army_is_answered_by_what_the_report_says_of_the_military() -> None:
    question = _q("How much have complaints about abuses gone up since the army was sent after the cartels?")
    assert unanswered(question, "Complaints against the armed forces rose six-fold between 2006 and 2012.") == ""
    assert "“the Army”" in unanswered(question, "Complaints against the Federal Police rose six-fold between 2006 and 2012.")


@pytest.mark.parametrize(
    ("answer", "refused"),
    [
        ("As of mid-2014, the Customs station at Huixtla, about 25 miles from Tapachula, is complete.", True),
        ("The Customs station at Huixtla cost US$12 million.", False),
        ("The station cost 40 million pesos.", False),
        ("Mexico issues the cards at no charge.", False),
    ],
)
def test_a_question_about_money_needs_an_amount(answer: str, refused: bool) -> None:
    reason = unanswered(_q("How much did the Huixtla customs station cost to build?"), answer)
    assert (reason == "the sentences closest to an answer give no amount of money") is refused


def test_a_figure_question_not_about_money_needs_no_amount() -> None:
    assert unanswered(_q("How much cocaine did Mexico seize in 2013?"), "Mexico seized 3.7 tons in 2013.") == ""


@pytest.mark.parametrize(
    ("question", "answer", "unit"),
    [
        ("How far is Arriaga from Tapachula?", "Arriaga is 150 miles to the northwest.", ""),
        ("How far is Arriaga from Tapachula?", "The walk might take two weeks.", "distance"),
        ("How long does the walk to Arriaga take?", "Arriaga is 150 miles to the northwest.", "length of time"),
        ("How long does the walk to Arriaga take?", "The walk might take two weeks.", ""),
        ("How long is the walkway at El Ceibo?", "The walkway is 100 yards long.", ""),  # a length, not a time
        ("What fee do smugglers charge?", "Their fees can exceed US$8,000.", ""),
        ("How many of the Mérida-funded dogs work at the border?", "Mérida funded 78 dogs.", ""),  # a count
        ("What share of migrants said they were robbed?", "A report analyzed 931 testimonies.", "percentage or share"),
        ("What share of migrants said they were robbed?", "Of those surveyed, 52 percent were robbed.", ""),
        ("What proportion of the arrivals were Honduran?", "About a third came from Honduras.", ""),
        ("What proportion of the arrivals were Honduran?", "Nine out of every ten were Honduran.", ""),
        ("How many percent were Honduran?", "Upwards of 90% were Honduran.", ""),
    ],
)
def test_the_unit_asked_for(question: str, answer: str, unit: str) -> None:
    assert missing_unit(question, answer) == unit


def test_an_amount_per_person_asked_needs_one_per_person() -> None:
    paid = "The authorities detained two smugglers who had been paid US$500 per migrant to cross them into Chiapas."
    total = "Since 2008, CARSI assistance has amounted to US$803 million."
    assert unanswered(_q("How much a head were the two smugglers paid?"), paid) == ""
    assert "no figure per person" in unanswered(_q("How much a head did CARSI assistance amount to?"), total)
    assert unanswered(_q("How much did CARSI assistance amount to?"), total) == ""


def test_money_is_no_count_for_a_how_many_question() -> None:
    said = 'The program provided as much as US$50 million for "patrol boats, night vision equipment" in 2011.'
    assert not gives_figure("How many patrol boats did the program deliver?", said)
    assert gives_figure("How many patrol boats did the program deliver?", said.replace("in 2011", "and 12 boats"))
    assert gives_figure("How much did the program provide?", said)  # a money question takes the amount
    assert gives_figure("How many dollars did the program provide?", said)


def test_a_question_that_asks_for_a_date_needs_one() -> None:
    vague = "Once the train resumes operating out of Tapachula, gangs will shift south. This year has seen a rise in gang activity."
    assert "no date" in unanswered(_q("On what date was train service out of Tapachula scheduled to resume?"), vague)
    assert unanswered(_q("What year did the Zapatistas rise up?"), "The Zapatista uprising burst onto the scene in 1994.") == ""
    assert unanswered(_q("In which month did the patrol start?"), "In April we observed such a patrol.") == ""
    assert unanswered(_q("When will the train run again?"), vague) == ""  # "when" may be answered by an event
    sometime = "The train will once again start in Tapachula sometime in 2014."
    assert "no day" in unanswered(_q("On what date did the train start running out of Tapachula again?"), sometime)
    assert "no day" in unanswered(_q("On what exact date did the train start running again?"), sometime)
    assert unanswered(_q("What year did the train start running out of Tapachula again?"), sometime) == ""
    assert unanswered(_q("On what date did the airport open?"), "The new airport in Palenque opened on February 14.") == ""
    assert unanswered(_q("On what date did the airport open?"), "The airport opened on Feb. 14th.") == ""
    assert unanswered(_q("On what date did the airport open?"), "The airport opened on the 14th of February.") == ""


def test_a_which_company_question_needs_a_name() -> None:
    vague = "These and other large development projects (such as gold mines and wind energy projects) have residents anxious."
    assert "name no companies" in unanswered(_q("Which companies hold the gold-mining concessions in the border region?"), vague)
    assert unanswered(_q("Which agency runs the Siglo XXI center?"), "The INM runs the Siglo XXI center in Tapachula.") == ""
    assert unanswered(_q("Who is most at risk on the train?"), "Women and children face the worst abuse.") == ""  # not held to it


@pytest.mark.parametrize(
    ("question", "sentence", "counted"),
    [
        ("How many migrants did the team see on the road?", "We saw at least one hundred migrants during the drive.", True),
        ("How many migrants did the team see on the road?", "Where 35 miles stand between the border and the train, migrants walk.", False),
        ("How many migrants did the team see on the road?", "More than a third of migrants were not Mexican.", False),
        ("How many migrants did the team see on the road?", "In 2013 the migrants walked.", False),
        ("How many migration stations does the INM run?", "The Tapachula center can hold 990 migrants.", False),
        ("How many migration stations does the INM run?", "The INM maintains 22 migration stations throughout Mexico.", True),
        ("How much did the station cost?", "It was built in 2013.", True),  # not a count question
        ("How many miles long is the border?", "The border runs 577 miles.", True),  # a distance, not a count
        ("How many asylum seekers arrived?", "Some 300 asylum-seekers arrived.", True),  # a hyphenated word's parts
        ("How many detention beds are there?", "The hospital has 40 doctors and a detention wing.", False),  # "beds" is a noun
        ("At how many sites is the registry in place?", "It is being implemented at 47 points.", True),  # a word of its class
    ],
)
def test_a_figure_counts_the_thing_asked_about_when_it_stands_next_to_it(question: str, sentence: str, counted: bool) -> None:
    assert counts(question, sentence) is counted


@pytest.mark.parametrize(
    ("sentence", "count"),
    [
        ("Of these requests, only 245 were granted.", True),
        ("We saw at least one hundred migrants.", True),
        ("More than a third of migrants were not Mexican.", False),
        ("Where 35 miles stand between the border and the train, migrants walk.", False),
        ("The airport cost US$12 million and opened in 2014.", False),
        ("Requests rose 90 percent over two years.", False),
        ("The walk takes two weeks.", False),
        ("One migrant told us he was robbed twice.", False),
        ("The previous governor created the 135-member Border Police.", True),  # a hyphenated figure
        ("Of the 400-plus officers in the new force, half patrol.", True),
        ("Donated UH-1H Huey and SAC-333 helicopters are stationed nearby.", False),  # model names
        ("Migrants are robbed along this 35-mile stretch.", False),  # a hyphenated distance
        ("Two-thirds of migrants were robbed.", False),
        ("Only one agent was prosecuted.", True),
    ],
)
def test_gives_count(sentence: str, count: bool) -> None:
    assert gives_count(sentence) is count


def test_a_how_many_question_answered_without_a_count_is_refused() -> None:
    share = "Mexico's southern border states account for less than 5 percent of its population."
    assert unanswered(_q("How many migrants drowned crossing the Usumacinta?"), share).endswith("give no count")
    assert "no count of “migrants”" in unanswered(_q("How many migrants did the Usumacinta claim?"), share)
    assert unanswered(_q("How many officers are in the Chiapas Border Police?"),
                      "The previous governor created the 135-member Border Police in Chiapas.") == ""
    assert unanswered(_q("How many dollars did the program provide?"), "It provided US$50 million in 2011.") == ""
    assert unanswered(_q("How many miles long is the border?"), "The border runs 577 miles.") == ""
    poor = "Chiapas is the state with the highest percentage of its population, 74.7 percent, living in poverty."
    assert "give no count" in unanswered(_q("What is the population of Chiapas?"), poor)
    assert unanswered(_q("What is the population of Chiapas?"), "Chiapas has 5.2 million residents.") == ""


def test_a_question_for_who_holds_a_post_needs_a_person_named() -> None:
    center = "The Tapachula-based Fray Matías de Córdova Human Rights Center found an informal policy of detention."
    assert "name no one" in unanswered(_q("Who directs the Fray Matías de Córdova Human Rights Center?"), center)
    named = "Its director, Diego Lorente Pérez, described an informal policy of detention."
    assert unanswered(_q("Who directs the Fray Matías de Córdova Human Rights Center?"), named) == ""
    assert unanswered(_q("Who runs the La 72 shelter?"), "La 72 is run by the Franciscan Catholic order.") == ""


def test_a_price_asked_of_a_thing_the_report_says_is_free_is_a_false_premise() -> None:
    from borderqa.answering.bound import costs_nothing

    free = ["These border-crossing cards exist; Mexico issues them at no charge to Guatemalan applicants.", "They store data."]
    assert costs_nothing("How much does Mexico charge Guatemalans for a border-crossing card?", free) == free[:1]
    assert costs_nothing("How much does Mexico charge for a work visa?", [*free, "A work visa costs about US$24."]) == []  # an amount
    assert costs_nothing("How many cards has Mexico issued?", free) == []  # no price asked



def test_a_figure_said_of_another_place_is_no_answer() -> None:
    other = ("Unlike the coastal region, two of the Army checkpoints between Benemérito de las Américas and Palenque "
             "required passengers to dismount. Civil society groups in Comitán raised concerns.")
    reason = unanswered(_q("How many checkpoints are there on the road between Comitán and Palenque?"), other)
    assert "figures for “Benemérito de las Américas”, not for “Comitán”" in reason
    said = "We encountered 11 on a 140-mile bus ride between Tapachula and Tonalá, just before Arriaga."
    assert unanswered(_q("How many checkpoints are there between Tapachula and Arriaga?"), said) == ""
    assert unanswered(_q("How many checkpoints did the team pass from Tapachula to Tonalá?"), said) == ""
    assert unanswered(_q("How many migrants were detained in Chiapas?"), "In Chiapas, arrests rose. In 2013, 40,000 were held.") == ""
    assert unanswered(_q("How many migrants were detained in Chiapas?"), "In 2013, 40,000 were held in Chiapas and Tabasco.") == ""


def test_a_country_named_only_to_leave_it_out_does_not_answer_for_it() -> None:
    other = ("The overwhelming majority of these 153,055 “other-than-Mexican” apprehended migrants came from Central "
             "America [1]. In 2013, for the first time, more than a third of migrants whom the U.S. Border Patrol "
             "apprehended were not Mexican [1].")
    asked = "How many Mexican nationals did the U.S. Border Patrol apprehend in 2013?"
    assert negated_name(asked, other) == "Mexican"
    assert "other than “Mexican”" in unanswered(_q(asked), other)
    # the question that leaves the country out itself is answered by the same sentences
    for same in ("How many non-Mexican migrants did the Border Patrol apprehend in 2013?",
                 "How many other-than-Mexican migrants did Border Patrol apprehend in 2013?"):
        assert negated_name(same, other) is None
        assert unanswered(_q(same), other) == ""
    # a mention that does not leave it out answers for it
    assert negated_name("How many Mexican children did CBP apprehend?", "apprehensions of unaccompanied Mexican "
                        "children, going from 11,768 in FY 2011 to 17,240 in FY 2013, were not Guatemalan") is None


def test_a_noun_qualified_only_by_the_opposite_word_does_not_answer() -> None:
    permit = "For example, a temporary resident permit costs around US$250 for one year [1]."
    asked = "How much does a permanent resident permit cost a migrant in Mexico?"
    assert opposite_qualifier(asked, permit) == ("permanent resident", "temporary resident")
    assert "“temporary resident”, not “permanent resident”" in unanswered(_q(asked), permit)
    assert opposite_qualifier("How much does a temporary resident permit cost?", permit) is None
    # both said: the question's own is there too
    both = "Most aid has gone to the northern border zone, little to the southern border [1]."
    assert opposite_qualifier("How much aid went to the southern border?", both) is None
    assert opposite_qualifier("How much aid went to the southern border?", "Most went to the northern borders.") == (
        "southern border", "northern border")


def test_the_most_of_a_group_given_to_another_country_clashes() -> None:
    shelters = ("Staff told us that upwards of 90 percent of those arriving in their very full shelters had come from "
                "Honduras, even though Guatemala is just a few miles away.")
    assert majority_name("Why were Nicaraguans the bulk of arrivals at the shelters?", shelters) == ("Nicaragua", "Honduras")
    assert majority_name("Why are most migrants at the shelters Guatemalan?", shelters) == ("Guatemala", "Honduras")
    assert majority_name("Why are most migrants at the shelters Honduran?", shelters) is None  # the same country
    assert majority_name("Why are Guatemalans at the shelters?", shelters) is None  # not about the most of them
    assert majority_name("Why is Guatemala the most dangerous country for migrants?", shelters) is None  # a superlative
    deported = "Of those deported in 2013, nearly all came from Honduras (32,800), Guatemala (30,005), or El Salvador (14,586)."
    assert majority_name("Why did most deportees come from Guatemala?", deported) is None  # one of the list
    assert majority_name("Why did most deportees come from Nicaragua?", deported) == ("Nicaragua", "Honduras")


def test_an_outcome_asked_for_needs_one_told() -> None:
    lodged = "In late March 2014 the governor of Veracruz lodged a criminal complaint before the PGR against two train companies."
    for asked in ("What did the PGR decide about the governor's complaint against the train companies?",
                  "Did the PGR bring charges against the train companies after the complaint?",
                  "Did Congress approve the request for extra funding?"):
        assert "no decision or outcome" in unanswered(_q(asked), lodged), asked
    assert unanswered(_q("Did Congress approve the request?"), "Congress had not approved the request by June 2014.") == ""
    assert unanswered(_q("Who did Obama put in charge of the response?"), "Obama named Craig Fugate to lead it.") == ""
    shut = "Peña Nieto closed several crossings in November 2013, citing security."
    assert unanswered(_q("Why did Peña Nieto decide to shut several crossings?"), shut) == ""  # a reason, not an outcome
    # approving funding or releasing figures is no decision on something put to an authority
    carsi = "Since 2008, the United States has appropriated over US$803 million in assistance to Central America."
    assert unanswered(_q("Did Congress approve funding for the Central America Regional Security Initiative?"), carsi) == ""
    assert unanswered(_q("Did the INM release figures on deportations of children?"), "The INM returned 8,350 children.") == ""
    assert unanswered(_q("What is the rule on migrants filing refugee claims?"), "Migrants can only file within 30 days.") == ""


def test_a_figure_for_another_police_force_is_no_answer() -> None:
    border = "The previous governor created the 135-member Border Police in Chiapas. Its mission is to patrol 17 municipalities."
    assert "“Border Police”, not for “Road Police”" in unanswered(_q("How many officers does the Chiapas Road Police have?"), border)
    assert unanswered(_q("How many officers does the Chiapas Border Police have?"), border) == ""
    # the force asked about is named by the paragraph's setting, or a sentence the figure leans on
    assert unanswered(_q("How many officers does the Citizen Power Police have?"), border, "the Citizen Power Police") == ""
    # "police" as a word is no force's name
    assert unanswered(_q("How many police officers patrol the Chiapas border?"), border) == ""
    power = "The Citizen Power Police was created in 2013. Of its 400-plus officers, half patrol the border."
    assert unanswered(_q("How many officers does the Citizen Power Police have?"), power) == ""


def test_an_answer_about_another_place_of_the_kind_asked_is_no_answer() -> None:
    ranks = ("Chiapas had the 12th lowest homicide rate of Mexico's 31 states and Federal District in 2013, and Tabasco "
             "had the 6th lowest.")
    reason = unanswered(_q("Where did Campeche rank among Mexican states for homicide rate in 2013?"), ranks)
    assert reason == "the sentences closest to an answer speak of “Chiapas”, not “Campeche”"
    assert unanswered(_q("Where did Tabasco rank among Mexican states for homicide rate in 2013?"), ranks) == ""
    station = "The Siglo XXI station in Tapachula is the largest in Latin America."
    assert "not “Mexico City”" in unanswered(_q("What is the capacity of the station in Mexico City?"), station)
    assert unanswered(_q("What is the largest station in Chiapas?"), station) == ""  # a city is not another state
    assert unanswered(_q("What is grown in Chiapas?"), "Coffee is grown in the Soconusco region.") == ""  # inside it
    # a question that asks for a place is answered by another one
    transit = "Other southern border states, especially Tabasco, are zones of transit where migrants begin their journey."
    assert unanswered(_q("Besides Chiapas, which state is a zone of transit where migrants begin their journey?"), transit) == ""
    assert unanswered(_q("Where does the train route start now that the Tapachula track is destroyed?"),
                      "Now, the route starts in Arriaga.") == ""


def test_places_ranked_after_a_figure_are_given_none() -> None:
    ranked = ("Chiapas, which includes the most densely populated border zones, was in first place with 43 percent "
              "of the 2013 total (34,252), followed by Veracruz, Tabasco, and Oaxaca.")
    reason = unanswered(_q("How many returns and deportations took place in Veracruz in 2013?"), ranked)
    assert reason == "the sentences closest to an answer give figures for “Chiapas”, not for “Veracruz”"
    assert unanswered(_q("How many returns and deportations took place in Chiapas in 2013?"), ranked) == ""
    both = "Chiapas saw 43 percent of the total, followed by Veracruz with 12 percent."  # a figure of its own
    assert unanswered(_q("What share of deportations took place in Veracruz?"), both) == ""


def test_a_date_to_come_needs_one_given_not_the_state_as_of_a_date() -> None:
    status = ("As of mid-2014, the Customs station at Huixtla is complete. Those in Palenque and La Trinitaria remain "
              "under construction.")
    asked = "When is the La Trinitaria customs facility expected to be completed?"
    assert unanswered(_q(asked), status) == "the sentences closest to an answer give no expected date"
    assert unanswered(_q("When is the Palenque station due to open?"), status) == "the sentences closest to an answer give no expected date"
    due = "The La Trinitaria facility is expected to be completed in December 2014."
    assert unanswered(_q(asked), due) == ""


def test_a_share_asked_needs_a_share_not_any_number() -> None:
    shelters = ("We visited the “La 72” migrant shelter in Tenosique and the “Hogar de la Misericordia” shelter in Arriaga. "
                "Staff at the facilities in Tenosique and Palenque told us that upwards of 90 percent of those arriving "
                "had come from Honduras.")
    asked = "What share of the migrants arriving at the Arriaga shelter are Honduran?"
    assert not gives_figure(asked, shelters.split(". ")[0])  # "La 72" is a name's number, not a share
    assert unanswered(_q(asked), shelters) == "the sentences closest to an answer give figures for “Tenosique”, not for “Arriaga”"
    assert unanswered(_q("What share of the migrants arriving at the Tenosique shelter are Honduran?"), shelters) == ""
    assert gives_figure("What proportion were children?", "One in four were children.")


def test_a_figure_the_report_says_it_does_not_know_is_none() -> None:
    aid = ("As of February 2014, the State Department reported that the Mérida Initiative has allocated $112 million in "
           "technology for border security. An unknown, likely smaller, additional amount—much of it for Mexican Navy / "
           "Marine facilities—has come from the Defense Department's counter-drug budget.")
    asked = "How much Defense Department money has gone to Mexican Navy and Marine facilities?"
    assert unanswered(_q(asked), aid) == "the report says it does not know"
    assert unanswered(_q("How much has the Mérida Initiative allocated in technology for border security?"), aid) == ""
    little = ("The special prosecutor has opened 586 preliminary investigations. Little information is available "
              "regarding how many of these investigations led to sentences.")
    assert unanswered(_q("How many of the investigations led to sentences?"), little) == (
        "the report says it does not know")


def test_a_rate_asked_needs_a_rate() -> None:
    ranks = ("Of the seven departments (out of twenty-two) with the lowest 2012 homicide rates, four were border "
             "departments. Only the department of Petén has a homicide rate above Guatemala's national rate.")
    assert unanswered(_q("What was Petén's homicide rate in 2012?"), ranks) == "the sentences closest to an answer give no rate"
    rate = "According to UNODC, Honduras has the highest homicide rate in the world with 90.4 homicides per 100,000 residents."
    assert unanswered(_q("What is Honduras's homicide rate according to UNODC?"), rate) == ""
    assert unanswered(_q("What is the approval rate for refugee requests?"), "Only 24.7 percent were approved.") == ""
    asked = "Of the seven Guatemalan departments with the lowest homicide rates in 2012, how many were border departments?"
    assert unanswered(_q(asked), ranks) == ""  # a count
    ranked = "Chiapas had the 12th lowest homicide rate of Mexico's 31 states and Federal District in 2013."
    assert unanswered(_q("What was Chiapas's homicide rate ranking in 2013?"), ranked) == ""  # a rank, not a rate
    assert unanswered(_q("At what rate have apprehensions grown?"), "Apprehensions nearly tripled in two years.") == ""


def test_a_share_is_not_required_where_only_a_figure_is_read() -> None:
    # the lead's scoring reads figures only (extractive.offers): a share asked is held to a share in the checks
    assert not gives_figure("What share were Honduran?", "In 2013, the INM returned 8,350 migrant children.")
    assert gives_figure("What share were Honduran?", "In 2013, the INM returned 8,350 migrant children.", share=False)
