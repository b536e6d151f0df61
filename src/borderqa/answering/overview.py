"""Questions about a whole document: "Summarize the report", "What is the report about?", "What are WOLA's
main conclusions?", "What did the report find?".

No passage answers these by its words: retrieval found the acknowledgements ("WOLA wishes to thank ...") or
a paragraph that happens to say "finding", and the scope check refused ("the passages closest to the question
share none of its words"). The answer is the section the document gives to it: for the conclusions, the
section whose title says so ("Conclusion and Recommendations"); for a summary, the summary, overview or
introduction. From that section, the opening sentence of each of its first ``OVERVIEW_LINES`` paragraphs,
one cited line each: a section opens with what it is about, each paragraph with its point. (Choosing the
paragraphs whose opening sentence is closest to the mean of the section's sentence vectors picked a rhetorical
question and a detail of one recommendation over "This broken policy is contributing to one of the most
severe humanitarian crises in the Western Hemisphere"; not kept.)

What the report recommends is left to retrieval: the report says it in its own words ("our report recommends
several smaller steps ..."), and ``front_matter.as_the_report`` searches "What does WOLA recommend?" so.

A question is read as one only when it asks nothing else, naming the document (by "the report", its title, its
publisher or authors: ``front_matter.names_document``) or none ("What are the main conclusions?", "Summarize.":
the report), so "What does the report conclude about checkpoints?" is answered from the paragraphs about
checkpoints.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Literal

from borderqa.answering.front_matter import ASKING, names_document
from borderqa.lexical import tokenize
from borderqa.sentences import SentenceBank
from borderqa.types import Passage

Aspect = Literal["summary", "conclusions"]

OVERVIEW_LINES = 5  # paragraphs an overview quotes (one lead sentence each)

_CONCLUSIONS = re.compile(r"\b(?:conclu\w*|findings?|find|found|main argument|argue[sd]?|key messages?|bottom line|takeaways?)\b",
                          re.IGNORECASE)
_SUMMARY = re.compile(r"\b(?:summar\w*|overview|gist|nutshell|main points?|key points?|about|in brief|cover|covers)\b", re.IGNORECASE)
# the words such a question may hold besides those naming the document
_OVERVIEW_WORDS = frozenset(tokenize(
    "summary summarize summarise summarized overview gist nutshell brief briefly short main key central chief overall "
    "point points about cover covers conclusion conclusions conclude concludes concluded finding findings find finds found "
    "argument argue argues message messages bottom line takeaway takeaways give tell please"))
# section titles that hold each aspect, best first
_SECTIONS: dict[Aspect, tuple[re.Pattern[str], ...]] = {
    "conclusions": (re.compile(r"\bconclu", re.IGNORECASE), re.compile(r"\bfindings\b", re.IGNORECASE)),
    "summary": (re.compile(r"\bsummary\b", re.IGNORECASE), re.compile(r"\boverview\b", re.IGNORECASE),
                re.compile(r"\bintroduction\b", re.IGNORECASE)),
}


def asked_overview(question: str, lines: Sequence[Passage], names: Mapping[str, str],
                   publishers: Mapping[str, str], default: str = "") -> tuple[str, Aspect] | None:
    """(document id, what of it is asked) when ``question`` asks for a whole document's summary or conclusions
    and nothing else; None otherwise. ``lines``: the title-page lines; ``names``: id -> the words naming it;
    ``publishers``: id -> its publisher ("What did WOLA find?" names the report by who speaks in it);
    ``default``: the document a question naming none asks about ("What are the main conclusions?",
    "Summarize."), "" for none."""
    aspect: Aspect | None = "conclusions" if _CONCLUSIONS.search(question) else "summary" if _SUMMARY.search(question) else None
    if aspect is None:
        return None
    asked = set(tokenize(question))
    documents = list(dict.fromkeys([*names, *(p.document for p in lines)]))
    found = [d for d in documents if names_document(question, asked, d, lines, names, ASKING | _OVERVIEW_WORDS)
             or (publishers.get(d) and _names_publisher(question, publishers[d])
                 and not asked - ASKING - _OVERVIEW_WORDS - set(tokenize(names.get(d, ""))))]
    if not found and default and not asked - ASKING - _OVERVIEW_WORDS:
        return default, aspect
    return (found[0], aspect) if len(found) == 1 else None


def _names_publisher(question: str, publisher: str) -> bool:
    """Whether ``question`` names ``publisher`` ("WOLA" or "Washington Office on Latin America" of "WOLA
    (Washington Office on Latin America)")."""
    forms = [f.strip() for f in re.split(r"[()]", publisher) if f.strip()]
    return any(re.search(rf"\b{re.escape(f)}\b", question, re.IGNORECASE) for f in forms)


def overview_section(document: str, aspect: Aspect, passages: Sequence[Passage]) -> list[Passage]:
    """The prose paragraphs of ``document``'s section for ``aspect`` (with its subsections), in order; [] when
    it has none."""
    own = [p for p in passages if p.document == document and p.kind == "paragraph" and p.section_path]
    for title in _SECTIONS[aspect]:
        top = next((p.section_path[0] for p in own if title.search(p.section_path[0])), None)
        if top is not None:
            return [p for p in own if p.section_path[0] == top]
    return []


def overview_lines(section: Sequence[Passage], bank: SentenceBank, limit: int = OVERVIEW_LINES) -> list[tuple[Passage, str]]:
    """(paragraph, its lead sentence) for the first ``limit`` paragraphs of ``section`` that do not open with
    a question: a section opens with what it is about, and each paragraph with its point."""
    out = []
    for passage, sents in zip(section, bank.get(list(section)), strict=True):
        if sents.sentences and not sents.sentences[0].rstrip().endswith("?"):
            out.append((passage, sents.sentences[0]))
    return out[:limit]
