"""What the report's vocabulary says about a question: how specific each of its words is, whether a word
is matched by a sentence, and which names in it the report never uses.

Built once from the indexed passages. Used by the extractive generator (which sentence answers) and by
the scope check (does the report answer at all). Words are the lexical tokenizer's (accents and case
folded, plurals stripped, numbers whole); a question word also matches a sentence word that shares its
first five letters ("deported" / "deportations"), or one of its synonyms in ``lexical.SYNONYMS``.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence

from borderqa.chunking import title_page_role
from borderqa.lexical import (
    TITLE_PAGE_ASKED,
    TITLE_PAGE_WHEN,
    TITLE_PAGE_WORDS,
    PassageWords,
    expand_query,
    fold,
    passage_terms,
    tokenize,
)
from borderqa.types import Passage

PREFIX = 5  # letters two words must share to match ("deported" / "deportations")
TYPO_MIN_LETTERS = 6  # names this long are checked for misspellings ...
TYPO_SIMILARITY = 0.85  # ... of a report word at least this similar (difflib ratio)

# Names staff use that the report spells out another way: they are not unknown to it.
NAME_ALIASES = frozenset({"northern triangle", "dhs", "hhs", "cbp", "otm", "otms", "fy", "q1", "q2", "q3", "q4"})
_NAME_RE = re.compile(r"[A-Za-zÀ-ÿ][\w’'.-]*")
_SENTENCE_START = re.compile(r"(^|[.?!:;]\s+|[\"“(]\s*)$")


def passage_setting(passage: Passage) -> str:
    """A passage's text with its setting (section titles and list lead-in; for a title-page line, what it
    is, as the search index has it and as a question asks for it: ``lexical.TITLE_PAGE_WORDS``,
    ``TITLE_PAGE_ASKED``)."""
    words = ""
    if passage.kind == "title":
        role = title_page_role(passage)
        words = f" {TITLE_PAGE_WORDS[role]} {TITLE_PAGE_ASKED[role]} {TITLE_PAGE_WHEN if role == 'date' else ''}"
    return f"{passage.text} {' '.join(passage.section_path)} {passage.context}{words}"


def passage_words(passage: Passage) -> set[str]:
    """The tokens of a passage with its setting (section titles and list lead-in)."""
    return set(tokenize(passage_setting(passage)))


class TermWeights:
    """Word statistics of the indexed passages, read from the one table the index keeps (``PassageWords``,
    saved with the build's BM25 index): no passage is tokenised again when a reader starts."""

    def __init__(self, words: PassageWords) -> None:
        self._df = words.document_frequency
        self._n = max(len(words), 1)
        self._prefixes = {w[:PREFIX] for w in self._df if len(w) >= PREFIX and not w[0].isdigit()}
        self._long_words = sorted(w for w in self._df if len(w) >= TYPO_MIN_LETTERS - 1 and w.isalpha())

    @classmethod
    def of(cls, passages: Sequence[Passage]) -> TermWeights:
        """Statistics of these passages (what the index computes when it builds BM25 over them)."""
        return cls(PassageWords.of(passage_terms(p) for p in passages))

    def idf(self, token: str) -> float:
        return math.log((self._n + 1) / (self._df.get(token, 0) + 0.5))

    def question_weights(self, question: str) -> dict[str, float]:
        """The question's words (with the report's synonyms), each weighted by how rare it is."""
        return {t: self.idf(t) for t in dict.fromkeys(expand_query(tokenize(question)))}

    @staticmethod
    def matches(token: str, words: set[str]) -> bool:
        if token in words:
            return True
        if len(token) >= PREFIX and not token[0].isdigit():
            prefix = token[:PREFIX]
            return any(w.startswith(prefix) for w in words if len(w) >= PREFIX)
        return False

    @staticmethod
    def coverage(weights: Mapping[str, float], words: set[str]) -> float:
        """Share of the question's weight that these words match."""
        total = sum(weights.values())
        if not total:
            return 0.0
        return sum(w for t, w in weights.items() if TermWeights.matches(t, words)) / total

    def known(self, word: str) -> bool:
        """Whether the report uses this word, allowing a plural, a longer form or a misspelling of it."""
        w = fold(word)
        # the word itself (as the tokenizer stems it), or a nationality of a place the report names
        # ("Cubans" -> "cuba", "Guatemalan" -> "guatemala"); a stop word ("La", "El") is no name to check
        one = w.removesuffix("s")
        for form in (w, one.removesuffix("n"), one.removesuffix("an")):
            if form and all(t in self._df for t in tokenize(form)):
                return True
        if len(w) >= PREFIX and w[:PREFIX] in self._prefixes:
            return True
        # a misspelling of a word the report uses ("Tapachulla") is not an unknown name
        return len(w) >= TYPO_MIN_LETTERS and bool(difflib.get_close_matches(w, self._long_words, n=1, cutoff=TYPO_SIMILARITY))

    def unknown_names(self, question: str) -> list[str]:
        """Capitalised words of the question (names, places, organisations) that the report never uses.

        Sentence-initial words, acronyms of up to four letters (the report often spells them out) and
        tokens with digits ("FY2014") are not judged; nor are the aliases in ``NAME_ALIASES``.
        """
        folded_q = fold(question)
        out: list[str] = []  # adjacent unknown words form one name ("Otto Pérez Molina")
        last_end = -1
        for m in _NAME_RE.finditer(question):
            word = m.group().rstrip(".’'").removesuffix("’s").removesuffix("'s")
            if not word or not word[0].isupper() or _SENTENCE_START.search(question[: m.start()]):
                continue
            if any(c.isdigit() for c in word) or (word.isupper() and len(word) <= 4):
                continue
            parts = [p for p in re.split(r"[-’'.]", fold(word)) if len(p) > 1]
            if any(alias in folded_q for alias in NAME_ALIASES if fold(word) in alias.split()):
                continue
            if any(not self.known(p) for p in parts):
                follows = out and re.fullmatch(r"\s+", question[last_end : m.start()])
                out[-1:] = [f"{out[-1]} {word}"] if follows else [*out[-1:], word]
                last_end = m.start() + len(word)
        return out

