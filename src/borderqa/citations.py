"""Citation markers in and out, and the sentence-by-sentence check of an answer against what it cites.

A sentence is *supported* by a passage when (1) every number, amount, date and proper name in it occurs in
the passage (formatting variants allowed: "eleven" = "11", "US$1.50" = "$1.50", "1,969" = "1969") and
(2) it is close in meaning to one of the passage's sentences (embedding cosine) or shares most of its
content words with it. Sentences are then:

* ``supported``: the cited passages support it;
* ``repaired``: it cited nothing or the wrong passage, and another retrieved passage supports it (the
  citation is replaced), or it was replaced by the best supporting sentence of the report;
* ``dropped``: nothing retrieved supports it; it is removed from the answer text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from borderqa.lexical import fold, tokenize
from borderqa.sentences import PassageSentences, SentenceBank, split_sentences
from borderqa.terms import passage_setting
from borderqa.types import Citation, Passage, Sentence

MARKER_RE = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
REFUSAL_RE = re.compile(
    r"^(the (report|passages?|text|context) (does|do) not|the report doesn't|i (don't|do not) know|"
    r"(this|that) (is|was) not (mentioned|covered|addressed)|there is no (information|mention))",
    re.IGNORECASE,
)
# How a language model flags a question built on something the passages contradict (prompts.py asks
# for "The premise is wrong: ..."); small models vary the wording.
PREMISE_RE = re.compile(
    r"^(the (question'?s? )?premise (of the question )?(is|seems|appears) (wrong|false|incorrect|mistaken|not supported)|"
    r"the question'?s? (premise|assumption) is (wrong|false|incorrect|mistaken)|contrary to (the question|what the question assumes))"
    r"\s*[:,.;-]*\s*",
    re.IGNORECASE,
)
_WORD_NUMBERS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
    "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19", "twenty": "20",
    "thirty": "30", "forty": "40", "fifty": "50", "hundred": "100", "dozen": "12",
}
# Capitalised words that are not claims about the report's content.
_NAME_ALLOWED = {"the", "report", "wola", "june", "according", "as", "in", "it", "its", "this", "these", "they",
                 "however", "also", "yes", "no", "a", "an", "of", "on", "at", "by", "for", "i"}
SEMANTIC_MIN = 0.55
OVERLAP_MIN = 0.6


@dataclass(frozen=True)
class DraftSentence:
    text: str  # without markers
    markers: tuple[int, ...]


def parse_draft(draft: str) -> list[DraftSentence]:
    """Sentences of a generator's draft and the passage numbers each cites."""
    out: list[DraftSentence] = []
    for line in draft.splitlines():
        line = line.strip()
        bullet = re.match(r"^([-*•]|\d+[.)])\s+", line)
        pieces = [line[bullet.end():]] if bullet else split_sentences(line)
        for piece in pieces:
            markers = tuple(int(n) for m in MARKER_RE.finditer(piece) for n in re.split(r"\s*,\s*", m.group(1)))
            text = MARKER_RE.sub("", piece).strip()
            if bullet:
                text = "- " + text
            if re.search(r"\w", text):
                out.append(DraftSentence(text, markers))
            elif markers and out:  # a marker stranded after the sentence it belongs to
                out[-1] = DraftSentence(out[-1].text, out[-1].markers + markers)
    return out


def premise_flag(draft: Sequence[DraftSentence]) -> tuple[bool, list[DraftSentence]]:
    """Whether the draft opens by rejecting the question's premise; the draft without that phrase."""
    if not draft or not PREMISE_RE.match(draft[0].text):
        return False, list(draft)
    rest = PREMISE_RE.sub("", draft[0].text, count=1).strip()
    first = [DraftSentence(rest[:1].upper() + rest[1:], draft[0].markers)] if re.search(r"\w", rest) else []
    return True, first + list(draft[1:])


def is_refusal(text: str) -> bool:
    return bool(REFUSAL_RE.match(text.strip().lstrip("- ")))


def numbers_in(text: str) -> set[str]:
    folded = fold(text)
    found = set()
    for tok in re.findall(r"\d+(?:[.,]\d+)*", folded):
        tok = tok.rstrip(".,")
        if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", tok):
            tok = tok.replace(",", "")
        if re.fullmatch(r"\d+\.\d+", tok):
            tok = tok.rstrip("0").rstrip(".")
        found.add(tok)
    for word in re.findall(r"[a-z]+", folded):
        if word in _WORD_NUMBERS:
            found.add(_WORD_NUMBERS[word])
    return found


def names_in(text: str) -> set[str]:
    """Capitalised words that are not the first word of the sentence: the proper names it asserts."""
    words = re.findall(r"[A-Za-zÀ-ÿ][\w’'-]*", text.lstrip("- "))
    names = set()
    for w in words[1:]:
        if w[0].isupper():
            f = fold(w).strip("'").removesuffix("'s")
            if f not in _NAME_ALLOWED and len(f) > 1:
                names.add(f)
    return names


class Verifier:
    def __init__(self, bank: SentenceBank) -> None:
        self.bank = bank

    def _facts_ok(self, claim: str, passage: Passage) -> bool:
        haystack = passage_setting(passage)
        if not numbers_in(claim) <= numbers_in(haystack):
            return False
        folded = fold(haystack)
        return all(re.search(rf"\b{re.escape(n)}", folded) for n in names_in(claim))

    def support(self, claim: str, vector: np.ndarray, passage: Passage, sents: PassageSentences) -> tuple[float, str]:
        """How well ``passage`` supports ``claim`` (0 when a fact is missing) and its best sentence."""
        if not self._facts_ok(claim, passage):
            return 0.0, ""
        sims = sents.vectors @ vector
        best = int(np.argmax(sims))
        semantic = float(sims[best])
        claim_tokens = set(tokenize(claim))
        overlap = len(claim_tokens & set(tokenize(passage.text))) / len(claim_tokens) if claim_tokens else 0.0
        if semantic >= SEMANTIC_MIN or overlap >= OVERLAP_MIN:
            return max(semantic, overlap), sents.sentences[best]
        return 0.0, ""

    def verify(self, draft: Sequence[DraftSentence], passages: Sequence[Passage]) -> list[tuple[Sentence, list[tuple[int, str]]]]:
        """Each draft sentence with its verdict and the (passage index, quoted sentence) pairs it rests on.

        Markers are 1-based positions in ``passages``; a marker naming no passage is removed.
        """
        if not draft:
            return []
        banks = self.bank.get(list(passages))
        vectors = self.bank.embed([d.text.lstrip("- ") for d in draft])
        out: list[tuple[Sentence, list[tuple[int, str]]]] = []
        for d, vec in zip(draft, vectors, strict=True):
            if is_refusal(d.text):
                out.append((Sentence(d.text, (), "supported", note="refusal", role="refusal"), []))
                continue
            cited = [m - 1 for m in dict.fromkeys(d.markers) if 1 <= m <= len(passages)]
            scores = [self.support(d.text, vec, passages[i], banks[i]) for i in range(len(passages))]
            good = [(i, scores[i][1]) for i in cited if scores[i][0] > 0]
            if good:
                note = "" if len(good) == len(cited) == len(set(d.markers)) else "removed citations that do not support it"
                out.append((Sentence(d.text, tuple(i + 1 for i, _ in good), "supported", note), good))
                continue
            best = max(range(len(passages)), key=lambda i: scores[i][0])
            if scores[best][0] > 0:
                why = "had no citation" if not d.markers else "cited passages that do not support it"
                out.append((Sentence(d.text, (best + 1,), "repaired", f"{why}; cited the supporting passage"),
                            [(best, scores[best][1])]))
            else:
                out.append((Sentence(d.text, (), "dropped", "no retrieved passage supports it"), []))
        return out


def renumber(
    verified: Sequence[tuple[Sentence, list[tuple[int, str]]]], passages: Sequence[Passage]
) -> tuple[list[Sentence], list[Citation]]:
    """Markers renumbered 1..n in order of first use; one Citation per cited passage with its quotes."""
    order: dict[int, int] = {}
    quotes: dict[int, list[str]] = {}
    sentences: list[Sentence] = []
    for sentence, support in verified:
        markers = []
        for i, quote in support:
            order.setdefault(i, len(order) + 1)
            markers.append(order[i])
            if quote and quote not in quotes.setdefault(i, []):
                quotes[i].append(quote)
        sentences.append(replace(sentence, citations=tuple(markers)))
    citations = [Citation(n, passages[i], tuple(quotes.get(i, ()))) for i, n in sorted(order.items(), key=lambda kv: kv[1])]
    return sentences, citations


def render(sentences: Sequence[Sentence]) -> str:
    """Answer text: kept sentences with their markers; bullets on their own lines."""
    parts: list[str] = []
    for s in sentences:
        if s.verdict == "dropped":
            continue
        marks = "".join(f"[{m}]" for m in s.citations)
        text = s.text
        if marks:
            end = re.search(r"[.!?:][\"”’)]*$", text)
            text = f"{text[: end.start()]} {marks}{text[end.start():]}" if end else f"{text} {marks}"
        parts.append(("\n" if text.startswith("- ") else " ") + text)
    return "".join(parts).strip()
