"""The extractive generator on synthetic passages (fast: hashed bag-of-words embeddings)."""

from __future__ import annotations

from borderqa.answering.extractive import ExtractiveGenerator, is_list_question
from borderqa.answering.parts import own_words, question_parts
from borderqa.config import AnsweringSettings
from borderqa.embedding import FakeEmbedder
from borderqa.sentences import SentenceBank
from borderqa.terms import TermWeights
from borderqa.types import Passage


def _p(n: int, text: str, kind: str = "paragraph", context_id: str | None = None) -> Passage:
    return Passage(f"report:p{n:04d}", "report", ("Migrants in Transit",), n, n, text, kind=kind, context_id=context_id)  # type: ignore[arg-type]


DEPORT = _p(1, "Mexico stepped up enforcement in 2013. The INM deported 80,079 migrants that year. Most were Honduran. "
               "Shelters reported more abuse. The weather was hot.")
OTHER = _p(2, "Mexico deported migrants from many countries, and the numbers keep rising every year in the south.")
CAPTION = _p(3, "Joint Task Force Tecún Umán, Guatemala")
TASK_FORCE = _p(4, "The Tecún Umán task force has between 500 and 1,000 members and is headquartered in Coatepeque.")
LEAD = _p(5, "The agencies we encountered at checkpoints included:")
ITEMS = [_p(6 + i, name, kind="list_item", context_id=LEAD.id) for i, name in enumerate(("Federal Police", "Army", "Navy"))]
ALL = [DEPORT, OTHER, CAPTION, TASK_FORCE, LEAD, *ITEMS]


def _generator() -> ExtractiveGenerator:
    return ExtractiveGenerator(AnsweringSettings(), SentenceBank(FakeEmbedder()), TermWeights.of(ALL))


def test_answer_comes_from_the_top_passage_with_the_number_asked_for() -> None:
    answer = _generator().generate("How many migrants did the INM deport in 2013?", [DEPORT, OTHER])
    assert "80,079" in answer
    assert "[2]" not in answer  # the top passage answers: nothing cited from the second
    assert "The weather was hot" not in answer


def test_extra_sentences_keep_the_reports_order() -> None:
    answer = _generator().generate("How many migrants did the INM deport in 2013, and from where?", [DEPORT])
    sentences = [s for s in answer.split(" [1]") if s.strip()]
    assert 1 <= len(sentences) <= 3
    positions = [DEPORT.text.index(s.strip().lstrip(". ")) for s in sentences]
    assert positions == sorted(positions)


def test_a_bare_caption_is_skipped_for_the_passage_after_it() -> None:
    generator, question = _generator(), "How many members does the Tecún Umán task force have?"
    answer = generator.generate(question, [CAPTION, TASK_FORCE])
    assert "500 and 1,000" in answer and "[2]" in answer
    led, _ = generator.lead_answer(question, [CAPTION, TASK_FORCE], generator.leads(question, [CAPTION, TASK_FORCE]))
    assert led.startswith("The Tecún Umán task force has between 500 and 1,000") and "[1]" not in led  # the lead too


def test_list_question_gets_the_lead_in_and_bullets() -> None:
    answer = _generator().generate("Which agencies did they encounter at checkpoints?", [LEAD, *ITEMS])
    lines = answer.splitlines()
    assert lines[0].startswith("The agencies we encountered") and lines[0].endswith("[1]")
    assert [line.split(" [")[0] for line in lines[1:]] == ["- Federal Police", "- Army", "- Navy"]


ROUTES_LEAD = _p(30, "Migrants crossing the border tend to pass through one of three corridors:")
ROUTES = [_p(31 + i, text, kind="list_item", context_id=ROUTES_LEAD.id) for i, text in enumerate((
    "The Pacific coast route, which includes the Soconusco cities of Tapachula, Huixtla and Arriaga.",
    "The central route, which includes the cities of Comitán and San Cristóbal de las Casas.",
    "The jungle route, which follows the border highway to Tenosique and Palenque."))]


def test_a_list_question_that_names_one_item_is_answered_from_that_item() -> None:
    generator = ExtractiveGenerator(AnsweringSettings(), SentenceBank(FakeEmbedder()), TermWeights.of([*ALL, ROUTES_LEAD, *ROUTES]))
    passages = [ROUTES_LEAD, *ROUTES]
    question = "Which cities are on the Pacific coast route through the Soconusco?"
    assert generator.list_reply(question, passages) == ("", 1)
    answer = generator.generate(question, passages)
    assert answer == f"{ROUTES[0].text} [2]"
    # the whole list is still given when no one item is named
    whole = "Which routes do migrants take after crossing the border?"
    bullets, item = generator.list_reply(whole, passages)
    assert item is None and bullets.count("\n- ") == 3


def test_a_list_question_that_shares_little_with_the_lead_in_is_answered_from_the_top_item() -> None:
    generator = ExtractiveGenerator(AnsweringSettings(), SentenceBank(FakeEmbedder()), TermWeights.of([*ALL, ROUTES_LEAD, *ROUTES]))
    # retrieval put the central route first; the question asks what it passes through, not for the corridors
    passages = [ROUTES[1], ROUTES_LEAD, ROUTES[0], ROUTES[2]]
    assert generator.list_reply("Which cities does the central route go by?", passages) == ("", 0)
    # the corridors asked for: the lead-in's words are the question's
    bullets, item = generator.list_reply("Which corridors do migrants pass through after crossing the border?", passages)
    assert item is None and bullets.count("\n- ") == 3
    # an item that leans on the ones above it, or another item holding as much of the question: the whole list
    aid_lead = _p(40, "U.S. assistance at the border includes the following:")
    aid = [_p(41 + i, text, kind="list_item", context_id=aid_lead.id) for i, text in enumerate((
        "Facilities construction for the INM, Customs and Federal Police.",
        "Training of above agencies, plus Chiapas State Police.",
        "Training of state prosecutors in Chiapas."))]
    generator = ExtractiveGenerator(AnsweringSettings(), SentenceBank(FakeEmbedder()), TermWeights.of([*ALL, aid_lead, *aid]))
    assert generator.list_reply("Which agencies got facilities construction?", [aid[0], aid_lead, *aid[1:]]) == ("", 0)
    assert generator.list_reply("Which agencies got training?", [aid[1], aid_lead, aid[0], aid[2]])[1] is None
    assert generator.list_reply("Which agencies got training?", [aid[2], aid_lead, aid[0], aid[1]])[1] is None


def test_a_list_question_without_a_list_gets_no_bullets() -> None:
    assert _generator().list_reply("Which agencies deported migrants in 2013?", [DEPORT, OTHER]) == ("", None)
    assert _generator().list_reply("How many migrants did the INM deport in 2013?", [LEAD, *ITEMS]) == ("", None)  # no list asked


def test_list_questions_are_told_from_questions_that_mention_a_list() -> None:
    assert is_list_question("List the programs for the southern border.")
    assert is_list_question("Which agencies run checkpoints?")
    assert is_list_question("What are the four long-term steps in the plan?")  # a hyphenated word
    assert not is_list_question("Which authorities topped the list of abusers?")


def test_no_passages_is_a_refusal() -> None:
    assert _generator().generate("Anything?", []).startswith("The report does not say")


POLICE = _p(20, "An example in Chiapas is the state Border Police force, whose duties overlap with other forces at several "
                "levels of government. The governor created the 135-member Border Police in 2011. News reports say it grew.")


def test_a_how_many_answer_leads_with_the_sentence_that_gives_the_figure() -> None:
    generator = ExtractiveGenerator(AnsweringSettings(), SentenceBank(FakeEmbedder()), TermWeights.of([*ALL, POLICE]))
    question = "How many officers are in the Chiapas Border Police force?"
    best = generator.score_sentences(question, [POLICE])[0].text
    assert "several" in best  # the scorer alone would lead with the sentence that gives no figure
    answer, lines = generator.lead_answer(question, [POLICE], generator.leads(question, [POLICE]))
    assert answer.startswith("The governor created the 135-member Border Police in 2011. [1]") and lines == 1
    assert "several levels" in answer  # still quoted after the lead


WALK = _p(21, "Migrants arriving in Tapachula must walk to Arriaga, 150 miles to the northwest. This journey might take "
              "a migrant two weeks on foot. The route is dangerous.")


def test_a_how_long_answer_leads_with_the_duration_not_the_distance() -> None:
    generator = ExtractiveGenerator(AnsweringSettings(), SentenceBank(FakeEmbedder()), TermWeights.of([*ALL, WALK]))
    question = "How long does the walk from Tapachula to Arriaga take a migrant?"
    if "two weeks" in generator.score_sentences(question, [WALK])[0].text:
        raise AssertionError("the scorer already leads with the duration: the test would not test the reordering")
    answer, lines = generator.lead_answer(question, [WALK], generator.leads(question, [WALK]))
    # "This journey ..." leans on the sentence before it: the lead is both, in the report's order
    assert answer.startswith("Migrants arriving in Tapachula must walk to Arriaga, 150 miles to the northwest. [1] "
                             "This journey might take a migrant two weeks on foot. [1]") and lines == 2


SEEN = _p(43, "In Tabasco, where 35 miles stand between the border and the train line in Tenosique, migrants walk "
              "or pay for a ride. We saw at least one hundred migrants during a two-hour drive on that road.")


def test_a_how_many_answer_leads_with_the_figure_that_counts_what_was_asked() -> None:
    generator = ExtractiveGenerator(AnsweringSettings(), SentenceBank(FakeEmbedder()), TermWeights.of([*ALL, SEEN]))
    question = "How many migrants did the team see walking on the Tabasco road to Tenosique?"
    if "one hundred" in generator.score_sentences(question, [SEEN])[0].text:
        raise AssertionError("the scorer already leads with the count: the test would not test the reordering")
    answer, _ = generator.lead_answer(question, [SEEN], generator.leads(question, [SEEN]))
    assert answer.startswith("We saw at least one hundred migrants")  # not "35 miles", a distance


RESCUED = _p(47, "In one March 2014 case in Reynosa, a group of migrants who had been rescued by the military received no "
                 "attention. The military simply left the migrants out on the street, and a criminal group kidnapped ten of them.")


def test_a_how_many_lead_without_a_count_gives_way_to_a_count_of_the_year_asked() -> None:
    generator = ExtractiveGenerator(AnsweringSettings(), SentenceBank(FakeEmbedder()), TermWeights.of([*ALL, RESCUED]))
    question = "In the March 2014 Reynosa case, how many rescued migrants were kidnapped?"
    if "ten of them" in generator.score_sentences(question, [RESCUED])[0].text:
        raise AssertionError("the scorer already leads with the count: the test would not test the reordering")
    answer, _ = generator.lead_answer(question, [RESCUED], generator.leads(question, [RESCUED]))
    assert answer.startswith("The military simply left the migrants")  # "In one March 2014 case": "one" counts nothing
    other = "In the March 2013 Reynosa case, how many rescued migrants were kidnapped?"  # not the year of the count
    answer, _ = generator.lead_answer(other, [RESCUED], generator.leads(other, [RESCUED]))
    assert answer.startswith("In one March 2014 case")


CAUGHT = _p(45, "In 2013, for the first time, a third of the migrants the Border Patrol caught were not Mexican. The "
                "majority of these 153,055 non-Mexican migrants came from Central America. Their number has nearly "
                "tripled in two years; there were 54,098 in 2011.")


def test_a_count_of_another_year_does_not_take_the_lead() -> None:
    generator = ExtractiveGenerator(AnsweringSettings(), SentenceBank(FakeEmbedder()), TermWeights.of([*ALL, CAUGHT]))
    then = "How many non-Mexican migrants did the Border Patrol catch in 2011?"
    if "153,055" in generator.score_sentences(then, [CAUGHT])[0].text:
        raise AssertionError("the scorer leads with the 2013 count: the test would not test the year rule")
    answer, lines = generator.lead_answer(then, [CAUGHT], generator.leads(then, [CAUGHT]))
    lead = " ".join(answer.split(" [1] ")[:lines])
    # the count of the year asked leads, with the sentence its "Their number" leans on (153,055 is 2013's)
    assert lead.endswith("there were 54,098 in 2011.") and lines == 2
    now = "How many non-Mexican migrants did the Border Patrol catch in 2013?"
    answer, _ = generator.lead_answer(now, [CAUGHT], generator.leads(now, [CAUGHT]))
    assert answer.startswith("The majority of these 153,055")  # its year is in the sentence before it


REFUGEES = _p(48, "Statistics about refugees in Mexico note 1,164 requests for refugee status in 2013. Applicants' top four "
                  "countries of origin were Honduras (455), El Salvador (285), Cuba (92), and India (88). Of these requests, only "
                  "245 were granted refugee status.")


def test_a_figure_lead_that_leaves_out_the_country_asked_gives_way_to_one_that_names_it() -> None:
    generator = ExtractiveGenerator(AnsweringSettings(), SentenceBank(FakeEmbedder()), TermWeights.of([*ALL, REFUGEES]))
    question = "How many refugee status requests did Mexico receive in 2013?"
    answer, _ = generator.lead_answer(question, [REFUGEES], generator.leads(question, [REFUGEES]))
    if not answer.startswith("Statistics about refugees"):
        raise AssertionError("the scorer does not lead with the total: the test would not test the reordering")
    for asked, named in (("Hondurans", "Honduras (455)"), ("Cubans", "Cuba (92)")):
        question = f"How many {asked} applied for refugee status in Mexico in 2013?"
        answer, _ = generator.lead_answer(question, [REFUGEES], generator.leads(question, [REFUGEES]))
        assert answer.startswith("Applicants' top four") and named in answer, asked  # not the total of 1,164
    # a follow-up asks about the country of its own words, not those of the question it follows
    question = "What about requests to Mexico that year? (following up: How many Hondurans applied for refugee status in 2013?)"
    answer, _ = generator.lead_answer(question, [REFUGEES], generator.leads(question, [REFUGEES]))
    assert answer.startswith("Statistics about refugees")


ANNOUNCED = _p(46, "This program was announced at an April 22 forum in Mexico's Senate. When she announced the program at the "
                   "Senate forum, Undersecretary Mercedes del Carmen Guillén said it will provide border cards at no cost. Few details followed.")


def test_a_who_answer_leads_with_the_sentence_that_names_a_person() -> None:
    generator = ExtractiveGenerator(AnsweringSettings(), SentenceBank(FakeEmbedder()), TermWeights.of([*ALL, ANNOUNCED]))
    question = "Who announced the program at the forum in Mexico's Senate?"
    if "Guillén" in generator.score_sentences(question, [ANNOUNCED])[0].text:
        raise AssertionError("the scorer already leads with the person: the test would not test the reordering")
    answer, lines = generator.lead_answer(question, [ANNOUNCED], generator.leads(question, [ANNOUNCED]))
    assert answer.startswith("When she announced the program at the Senate forum, Undersecretary Mercedes") and lines == 1
    assert "April 22 forum" in answer  # still quoted after the lead
    from borderqa.answering.extractive import _person_first
    counted = [(0, "Of the 40 officers named in complaints, 12 were fired.")]
    named = ["The Special Prosecutor Ana Ruiz Vela reviewed them."]
    assert _person_first("How many officers who were named in complaints were fired?", counted, named, [counted[0][1], *named]) == (
        counted, named)  # a count question keeps its figure lead
    # a person the shown quotes leave out is taken from the passage, after the lead
    order = ["This program was announced at an April 22 forum.", "When she announced it, Undersecretary Mercedes Guillén spoke.",
             "No details followed."]
    assert _person_first("Who unveiled the program?", [(0, order[0])], [order[2]], order) == ([(0, order[1])], [order[0], order[2]])
    # not for who holds a post: that answer must name someone among the sentences chosen (bound.py)
    assert _person_first("Who directs the program?", [(0, order[0])], [order[2]], order) == ([(0, order[0])], [order[2]])
    official = "Which Mexican official unveiled the program at the forum in Mexico's Senate?"  # a doer too
    answer, _ = generator.lead_answer(official, [ANNOUNCED], generator.leads(official, [ANNOUNCED]))
    assert answer.startswith("When she announced the program")
    where = "Where was the program announced?"  # no "who" question: the lead stays
    answer, _ = generator.lead_answer(where, [ANNOUNCED], generator.leads(where, [ANNOUNCED]))
    assert answer.startswith("This program was announced")


STUDY = _p(49, "A November 2013 report by the Documentation Network analyzed 931 testimonies of migrants. More criminal acts "
               "were committed in Chiapas than in any other Mexican state. Of the abuses by officials, the Federal Police were "
               "at the top of the list.")


def test_a_which_state_or_force_answer_leads_with_the_sentence_that_names_one() -> None:
    from borderqa.answering.extractive import _named_first

    intro, *rest = STUDY.text.replace(". ", ".|").split("|")
    order = [intro, *rest]
    for question, first in (("In the Documentation Network's study, which Mexican state saw the most crimes?", rest[0]),
                            ("In the Documentation Network's study, which official force topped the list of abusers?", rest[1])):
        assert _named_first(question, [(0, intro)], rest, order) == ([(0, first)], [intro, *(q for q in rest if q != first)])
    generator = ExtractiveGenerator(AnsweringSettings(), SentenceBank(FakeEmbedder()), TermWeights.of([*ALL, STUDY]))
    question = "In the Documentation Network's report of 931 testimonies, which official force topped the list?"
    if "Federal Police" in generator.score_sentences(question, [STUDY])[0].text:
        raise AssertionError("the scorer already leads with the force: the test would not test the reordering")
    answer, _ = generator.lead_answer(question, [STUDY], generator.leads(question, [STUDY]))
    assert answer.startswith("Of the abuses by officials, the Federal Police")
    shut = ["President Peña Nieto announced the closure of several official border crossings.",
            "In Chiapas, the Viva México, Tzimol, and Quija crossings have been shut down."]
    assert _named_first("Which official border crossings in Chiapas were shut down?", [(0, shut[0])], shut[1:], shut) == (
        [(0, shut[1])], [shut[0]])
    # "Which Chiapas state police division ...?" asks for a division, not a state; no such question: nothing moves
    for question in ("Which Chiapas state police division patrols the border?", "How many testimonies did the study analyze?"):
        assert _named_first(question, [(0, intro)], rest, order) == ([(0, intro)], rest)


REFUGE = _p(22, "Statistics about refugees in Mexico note 1,164 requests for refugee status in Mexico in 2013. Of these "
                "requests, only 245 were granted. The process is slow.")


def test_a_two_part_question_leads_with_one_line_per_part() -> None:
    generator = ExtractiveGenerator(AnsweringSettings(), SentenceBank(FakeEmbedder()), TermWeights.of([*ALL, REFUGE]))
    parts = [(0, p) for p in question_parts("How many requests for refugee status did Mexico get in 2013, and how many were granted?")]
    assert len(parts) == 2
    first, second = (generator.score_sentences(p, [REFUGE])[0].text for _, p in parts)
    assert first == second  # the second part, read with the first beside it, scores the first's sentence best
    leads = generator.leads(parts[0][1], [REFUGE], parts)
    assert [lead.text for lead in leads] == [first, "Of these requests, only 245 were granted."]
    vague = _p(23, REFUGE.text.replace("only 245 were", "few were"))
    assert [lead.text for lead in generator.leads(parts[0][1], [vague], parts)] == [first]  # no figure: no second line
    answer, lines = generator.lead_answer(parts[0][1], [REFUGE], leads)
    assert lines == 2  # one line per part (the second part's line, "Of these ...", leads with the first's)
    assert answer.startswith(f"{first} [1] Of these requests, only 245 were granted. [1]")


def test_the_pipeline_answers_a_list_question_without_a_list_with_a_lead() -> None:
    from types import SimpleNamespace

    from borderqa.answering.pipeline import AnswerPipeline, _Prepared

    generator = _generator()
    pipeline = AnswerPipeline(SimpleNamespace(passages=ALL), generator.bank, generator, AnsweringSettings(), generator.terms)  # type: ignore[arg-type]
    question = "Which agencies deported migrants in 2013?"  # a list question; no list among the passages
    answer = pipeline.answer_prepared(_Prepared(question, question, [], [DEPORT, OTHER], True, 1.0, ""))
    assert answer.lead.startswith("The INM deported 80,079 migrants")  # before: the report's order, no lead
    assert answer.sentences[0].role == "lead"


def test_a_part_whose_answer_is_not_in_the_top_two_passages_is_answered_from_its_own_closest() -> None:
    from types import SimpleNamespace

    from borderqa.answering.pipeline import AnswerPipeline, _Prepared
    from borderqa.query import Query
    from borderqa.types import Hit

    generator = _generator()
    question = "How many migrants did the INM deport in 2013, and how many members does the Tecún Umán task force have?"
    searched: list[str] = []

    def search(text: str, k: int = 5) -> list[Hit]:
        searched.append(text)
        return [Hit(TASK_FORCE if "Tecún" in text else DEPORT, 1.0)]

    retriever = SimpleNamespace(passages=ALL, search=search)
    pipeline = AnswerPipeline(retriever, generator.bank, generator, AnsweringSettings(), generator.terms)  # type: ignore[arg-type]
    answer = pipeline.answer_prepared(_Prepared(question, question, [], [DEPORT, OTHER], True, 1.0, ""))
    assert len(searched) == 2  # one search per part
    assert "80,079" in answer.text and "between 500 and 1,000 members" in answer.text  # before: the task force part unanswered
    assert {c.passage.id for c in answer.citations} == {DEPORT.id, TASK_FORCE.id}

    # a decision re-run on reordered passages reuses the parts' passages: no part is searched again
    query = Query.parse(question, question, generator.terms)
    searched.clear()
    pipeline._decided(question, question, [Hit(OTHER, 2.0), Hit(DEPORT, 1.0)], query, [DEPORT, TASK_FORCE])
    assert searched == []
    first = pipeline._decided(question, question, [Hit(DEPORT, 2.0), Hit(OTHER, 1.0)], query)
    assert len(searched) == 2 and first.part_passages == [DEPORT, TASK_FORCE]


def test_a_caption_leads_no_part() -> None:
    from types import SimpleNamespace

    from borderqa.answering.pipeline import AnswerPipeline, _Prepared
    from borderqa.query import Query

    based = _p(45, "Guatemala's Tecún Umán task force has between 500 and 1,000 members and is headquartered in Coatepeque.")
    generator = _generator()
    pipeline = AnswerPipeline(SimpleNamespace(passages=ALL), generator.bank, generator, AnsweringSettings(), generator.terms)  # type: ignore[arg-type]
    question = "Where is Guatemala's Tecún Umán joint task force based, and roughly how many members does it have?"
    query = Query.parse(question, question, generator.terms)
    for part_passages in ([based], [CAPTION]):  # the caption may be a part's own closest passage too
        answer = pipeline.answer_prepared(_Prepared(question, question, [], [CAPTION, based], True, 1.0, "", query=query,
                                                    part_passages=part_passages))
        assert answer.lead.startswith("Guatemala's Tecún Umán task force has between 500")  # before: the caption
        assert CAPTION.id not in {c.passage.id for c in answer.citations}


REGISTRY = _p(24, "A pilot biometric registry program was announced by the INM in November 2013. It registers border crossers.")
KIOSKS = _p(25, "The first delivery of biometric equipment came in 2011, when the ambassador handed over kiosks. "
                "Four biometric kiosks were handed over to the INM that year. The kiosks stand at the border.")


def test_a_part_led_from_another_passage_brings_that_passages_sentences() -> None:
    generator = ExtractiveGenerator(AnsweringSettings(), SentenceBank(FakeEmbedder()), TermWeights.of([*ALL, REGISTRY, KIOSKS]))
    question = "When was the biometric registry program announced, and how many biometric kiosks were handed over in 2011?"
    parts = [(0, question_parts(question)[0]), (1, question_parts(question)[1])]
    leads = generator.leads(question, [REGISTRY, KIOSKS], parts)
    assert [lead.passage for lead in leads] == [0, 1] and leads[1].part == parts[1][1]
    answer, lines = generator.lead_answer(question, [REGISTRY, KIOSKS], leads)
    assert lines == 2
    # the part's lead and at least one more of its passage's sentences
    assert sum(s in answer for s in ("The first delivery", "Four biometric kiosks", "The kiosks stand")) >= 2


def test_a_how_many_question_leads_with_a_figure_not_a_year() -> None:
    registry = _p(26, "The pilot biometric registry program being implemented by the INM was announced in November 2013. "
                      "The registry program now runs at 47 points in four states.")
    generator = ExtractiveGenerator(AnsweringSettings(), SentenceBank(FakeEmbedder()), TermWeights.of([*ALL, registry]))
    question = "At how many points is the pilot biometric registry program being implemented?"
    assert [lead.text for lead in generator.leads(question, [registry])] == [
        "The registry program now runs at 47 points in four states."]


def test_a_later_part_is_held_to_its_own_kind_not_the_first_parts() -> None:
    registry = _p(27, "The INM handed over four biometric kiosks to the border crossings. "
                      "The registry program was announced in November 2013.")
    generator = ExtractiveGenerator(AnsweringSettings(), SentenceBank(FakeEmbedder()), TermWeights.of([*ALL, registry]))
    parts = question_parts("How many biometric kiosks did the INM hand over, and when was the registry program announced?")
    assert own_words(parts[1]) == "When was the registry program announced?"
    leads = generator.leads(parts[0], [registry], [(0, p) for p in parts])
    assert [lead.text for lead in leads][1:] == ["The registry program was announced in November 2013."]


OFFICE = _p(41, "In response to the abuses migrants suffer in Chiapas, in 2008 the state government created a Special "
                "Prosecutor's Office for Crimes Against Immigrants.")
OPENED = _p(42, "The special prosecutor reported having opened 586 preliminary investigations into crimes against migrants "
                "since the office's creation.")


def test_a_name_the_paragraph_before_sets_binds_the_answer_that_leaves_it_out() -> None:
    from types import SimpleNamespace

    from borderqa.answering.pipeline import AnswerPipeline, _Prepared
    from borderqa.query import Query

    generator = ExtractiveGenerator(AnsweringSettings(), SentenceBank(FakeEmbedder()), TermWeights.of([*ALL, OFFICE, OPENED]))
    question = "How many preliminary investigations has the Chiapas special prosecutor opened?"

    def ask(passages: list[Passage], question: str = question) -> str:
        pipeline = AnswerPipeline(SimpleNamespace(passages=passages), generator.bank, generator, AnsweringSettings(), generator.terms)  # type: ignore[arg-type]
        query = Query.parse(question, question, generator.terms)
        return pipeline.answer_prepared(_Prepared(question, question, [], [OPENED], True, 1.0, "", query=query)).text

    assert "586 preliminary investigations" in ask([*ALL, OFFICE, OPENED])
    assert ask([*ALL, OPENED]).startswith("The report does not say")  # "Chiapas" is nowhere in what it read
    # a country the paragraph before names does not bind: the figure may be for others
    guatemala = _p(41, OFFICE.text.replace("migrants suffer", "migrants from Guatemala suffer"))
    asked = "How many preliminary investigations into crimes against Guatemalan migrants has the special prosecutor opened?"
    assert "“Guatemala”" in ask([*ALL, guatemala, OPENED], asked)


def test_a_part_leaning_on_the_first_is_answered_from_the_paragraph_after_the_firsts() -> None:
    from types import SimpleNamespace

    from borderqa.answering.pipeline import AnswerPipeline, _Prepared
    from borderqa.types import Hit

    def para(n: int, text: str, section: str = "Border Security in Guatemala") -> Passage:
        return Passage(f"report:p{n:04d}", "report", (section,), n, n, text)  # type: ignore[arg-type]

    based = para(40, "The Tecún Umán task force is headquartered in the city of Coatepeque, near the border.")
    members = "Its strength is secret. The task force likely has roughly between 500 and 1,000 members."
    strength, elsewhere = para(41, members), para(41, members, "Other")
    question = "Where is the Tecún Umán task force headquartered, and roughly how many members does it have?"
    generator = _generator()
    for after, found in ((strength, True), (elsewhere, False)):
        everything = [*ALL, based, after]
        # search finds the headquarters paragraph for each part: the second is read with the first beside it
        retriever = SimpleNamespace(passages=everything, search=lambda text, k=5: [Hit(based, 1.0)])
        pipeline = AnswerPipeline(retriever, generator.bank, generator, AnsweringSettings(), generator.terms)  # type: ignore[arg-type]
        answer = pipeline.answer_prepared(_Prepared(question, question, [], [based, OTHER], True, 1.0, ""))
        assert answer.lead.startswith("The Tecún Umán task force is headquartered in the city of Coatepeque")
        # before: the members part had no line; a paragraph of another section is not the first's follow-up
        assert ("500 and 1,000" in answer.text) is found
        assert (after.id in {c.passage.id for c in answer.citations}) is found
