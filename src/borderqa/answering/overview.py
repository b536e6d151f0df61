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

A question is read as one only when it asks nothing else, naming the document (by "the report", its short title
or its publisher) or none ("What are the main conclusions?", "Summarize.": the report), so "What does the report
conclude about checkpoints?" and "What did the report find about border security?" are answered from what
retrieval finds, as are "Who found it?", "Where can I find the report?" and "What did the report not find?".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Literal

from borderqa.answering.front_matter import publisher_names, short_title
from borderqa.lexical import NUMBER_WORDS, tokenize
from borderqa.sentences import SentenceBank
from borderqa.types import Passage

Aspect = Literal["summary", "conclusions"]

OVERVIEW_LINES = 5  # paragraphs an overview quotes (one lead sentence each)

# Words that ask for each aspect, in the forms a question writes them; "about", "find" and "found" ask for one
# only of a question that names the document ("What is the report about?", "What did WOLA find?"), not "Who
# found it?" or "Where can I find the report?" (``_NOT_CONTENT``)
_ASPECT_WORDS: dict[Aspect, tuple[str, ...]] = {
    "conclusions": ("conclusion", "conclusions", "conclude", "concludes", "concluded", "finding", "findings",
                    "argument", "argue", "argues", "argued", "message", "messages", "bottom line", "takeaway", "takeaways"),
    "summary": ("summary", "summarize", "summarise", "summarized", "summarised", "overview", "gist", "nutshell",
                "main points", "key points", "in brief"),
}
_WHEN_NAMED: dict[Aspect, tuple[str, ...]] = {"conclusions": ("find", "finds", "found"), "summary": ("about", "cover", "covers")}
# "the report", "the authors": the default document
_GENERIC_NAMES = ("report", "document", "study", "paper", "publication", "author", "authors", "writers")
# the words such a question may hold besides the aspect's and those naming the document
_FILLER = frozenset(tokenize("main key central chief overall principal brief briefly short give tell please point points line"))
# "in two sentences", "in three bullet points": how long, not what about
_LENGTH = re.compile(r"\bin\s+(?:\w+\s+){0,2}(?:sentences?|lines?|bullets?|bullet points?|words?|paragraphs?)\b", re.IGNORECASE)
_HOW_MANY_LINES = re.compile(r"\bin\s+(\w+)\s+(?:short\s+|single\s+)?(?:sentences?|lines?|bullets?|bullet points?|points?)\b",
                             re.IGNORECASE)
_NOT_CONTENT = re.compile(r"^\s*(?:where|when|who|whom|whose|which|how\s+(?:many|much|long|far|often))\b"
                          r"|\b(?:not|no|never|n't)\b", re.IGNORECASE)


def _pattern(words: Sequence[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)


_ASKS = {aspect: _pattern(words) for aspect, words in _ASPECT_WORDS.items()}
_ASKS_NAMED = {aspect: _pattern(words) for aspect, words in _WHEN_NAMED.items()}
_ASPECT_TOKENS = frozenset(tokenize(" ".join(w for words in (*_ASPECT_WORDS.values(), *_WHEN_NAMED.values()) for w in words)))
_GENERIC = _pattern(_GENERIC_NAMES)
_GENERIC_TOKENS = frozenset(tokenize(" ".join(_GENERIC_NAMES)))
# section titles that hold each aspect, best first
_SECTIONS: dict[Aspect, tuple[re.Pattern[str], ...]] = {
    "conclusions": (re.compile(r"\bconclu", re.IGNORECASE), re.compile(r"\bfindings\b", re.IGNORECASE)),
    "summary": (re.compile(r"\bsummary\b", re.IGNORECASE), re.compile(r"\boverview\b", re.IGNORECASE),
                re.compile(r"\bintroduction\b", re.IGNORECASE)),
}


def asked_overview(question: str, lines: Sequence[Passage], names: Mapping[str, str],
                   publishers: Mapping[str, str], default: str = "") -> tuple[str, Aspect] | None:
    """(document id, what of it is asked) when ``question`` asks for a whole document's summary or conclusions
    and nothing else; None otherwise. The document is named by "the report" (document, study, paper: the
    ``default`` one, the report), by its short title ("Mexico's Other Border") or its publisher ("What did
    WOLA find?"), or not at all ("What are the main conclusions?", "Summarize.": the ``default``; "" for none).
    ``lines``: the title-page lines; ``names``: id -> the words naming it; ``publishers``: id -> its publisher."""
    text = _LENGTH.sub(" ", question)
    if _NOT_CONTENT.search(text):
        return None
    words = set(tokenize(text))
    documents = list(dict.fromkeys([*names, *(p.document for p in lines)]))
    titled = {d: short_title(d, lines) for d in documents}
    by_name = [d for d in documents if (titled[d] and titled[d] <= words)
               or (publishers.get(d) and any(re.search(rf"\b{re.escape(n)}\b", text, re.IGNORECASE)
                                             for n in publisher_names(publishers[d])))]
    only = default or (documents[0] if len(documents) == 1 else "")  # what "the report" is
    named = by_name[0] if len(by_name) == 1 else (only if _GENERIC.search(text) and not by_name else "")
    aspect = next((a for a in _ASKS if _ASKS[a].search(text) or (named and _ASKS_NAMED[a].search(text))), None)
    document = named or (default if not by_name else "")
    if aspect is None or not document:
        return None
    naming = set(_GENERIC_TOKENS)
    if titled.get(document) and titled[document] <= words:  # its title's words name it only all together
        naming |= titled[document]
    if publishers.get(document):
        naming |= set(tokenize(" ".join(publisher_names(publishers[document]))))
    extra = words - _ASPECT_TOKENS - _FILLER - naming
    return (document, aspect) if not extra else None


def overview_section(document: str, aspect: Aspect, passages: Sequence[Passage]) -> list[Passage]:
    """The prose paragraphs of ``document``'s section for ``aspect`` (with its subsections), in order; [] when
    it has none."""
    own = [p for p in passages if p.document == document and p.kind == "paragraph" and p.section_path]
    for title in _SECTIONS[aspect]:
        top = next((p.section_path[0] for p in own if title.search(p.section_path[0])), None)
        if top is not None:
            return [p for p in own if p.section_path[0] == top]
    return []


def asked_lines(question: str) -> int:
    """How many lines an overview question asks for ("in two sentences", "in 3 bullet points"), at most
    ``OVERVIEW_LINES``; ``OVERVIEW_LINES`` when it names none."""
    m = _HOW_MANY_LINES.search(question)
    word = m.group(1).lower() if m else ""
    digits = word if word.isdigit() else "1" if word in ("one", "a") else NUMBER_WORDS.get(word, "")
    n = int(digits) if digits else OVERVIEW_LINES
    return max(1, min(n, OVERVIEW_LINES))


def overview_lines(section: Sequence[Passage], bank: SentenceBank, limit: int = OVERVIEW_LINES) -> list[tuple[Passage, str]]:
    """(paragraph, its lead sentence) for the first ``limit`` paragraphs of ``section`` that do not open with
    a question: a section opens with what it is about, and each paragraph with its point."""
    out = []
    for passage, sents in zip(section, bank.get(list(section)), strict=True):
        if sents.sentences and not sents.sentences[0].rstrip().endswith("?"):
            out.append((passage, sents.sentences[0]))
    return out[:limit]
