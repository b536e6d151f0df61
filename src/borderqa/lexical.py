"""BM25 over the passages, with a tokenizer made for this report's English, Spanish names and numbers.

The tokenizer folds accents and case ("Tecún Umán" = "tecun uman"), keeps numbers whole and drops their
thousands separators ("86,298" = "86298"), reads number words as digits ("nine organizations" =
"9 organizations") and "%" as "percent", strips possessives ("Mexico's" = "mexico"), indexes hyphenated
words both as parts and joined ("714-mile" -> "714", "mile", "714mile"), reads "U.S." as "us", removes
English stop words and strips plural endings. ``expand_query`` adds the report's own word for a
Spanish or informal term ("retenes" -> "checkpoints", "La Bestia" -> "train").

What BM25 indexes per passage (``passage_fields``): its text counted twice, plus its section title and
the lead-in of its list (or the paragraph introducing its quote) counted once, so "the three corridors"
finds the list items under "... pass through one of three corridors:" while a passage's own words still
weigh most. Measured on the eval (BM25 alone, MRR): text only once 0.793, without the lead-in 0.787,
without the section title 0.792, all three fields 0.796. k1 = 1.2, b = 0.5: the paragraphs run from one
line to a page, and full length normalisation (b = 0.75) ranked slightly worse (MRR 0.789).

bm25s was chosen over rank-bm25 by measurement (``benchmarks/lexical_speed.py``, same tokens, same k1
and b, Robertson idf): scoring a question took 0.04 ms against 0.30 ms on the 310 passages and 0.15 ms
against 54 ms on the corpus replicated x100 (31,000 passages), because bm25s precomputes a sparse matrix
of term scores where rank-bm25 looks every query term up in every document. Indexing is slower (0.9 s
against 0.35 s at x100) and happens once. The top 10 differ only where rank-bm25 floors negative idf
(same ten passages for 79 of 100 questions, 95 % overlap); ``BM25Index`` itself keeps bm25s's default
Lucene idf, which is never negative.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np

from borderqa.chunking import TitleRole, title_page_role
from borderqa.types import Passage

_STOP_TEXT = """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
    nor not now of off on once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours yourself yourselves
    also did does according report wola say says said tell told many much may might one"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
# Spanish function words that appear in names and quotes ("La Bestia", "Programa de Apoyo").
STOP_WORDS_ES = frozenset(("de", "del", "la", "las", "el", "los", "y", "en", "a", "o", "un", "una", "por", "para", "con", "al"))

# Number words as the digits a question may use instead ("one" stays a stop word: "one of the ...").
_UNITS = ("zero", "", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
          "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty")
_TENS = ("thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
NUMBER_WORDS = {w: str(n) for n, w in enumerate(_UNITS) if w} | {w: str(10 * n) for n, w in enumerate(_TENS, 3)}
_COMPOUND_TENS = frozenset(("twenty", *_TENS))
_DIGIT_WORDS = {"one": 1} | {w: n for n, w in enumerate(_UNITS[:10]) if w and n}

# The report's own wording for terms staff use. Keys and values are already normalised words.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "reten": ("checkpoint",),
    "retene": ("checkpoint",),
    "bestia": ("train", "beast"),
    "beast": ("train", "bestia"),
    "mara": ("gang",),
    "pandilla": ("gang",),
    "coyote": ("smuggler",),
    "pollero": ("smuggler",),
    "kid": ("child", "minor"),
    "children": ("child", "minor"),
    "minor": ("child",),
    "deportation": ("deport", "return"),
    "deported": ("deport", "return"),
    "migra": ("inm", "migration"),
    "navy": ("semar", "marine"),
    "army": ("sedena",),
    "wall": ("fence", "barrier"),
    "money": ("funding", "assistance", "aid"),
    "usa": ("us", "united", "states"),
    "american": ("us",),
    "refugee": ("asylum",),
    "asylum": ("refugee",),
    "sweep": ("operation",),
    "cop": ("police",),
    "cops": ("police",),
    "soldier": ("army", "military"),
}

# Words for what each title-page line is, so "who wrote the report" finds the byline and not the title.
TITLE_PAGE_WORDS: dict[TitleRole, str] = {
    "title": "title page title",
    "byline": "title page author authors byline written wrote",
    "date": "title page date published publication",
}

_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)*(?:-[a-z0-9]+)+|\d+(?:[.,]\d+)*|[a-z]+(?:[-'][a-z0-9]+)*|\d+[a-z]+")


def fold(text: str) -> str:
    """Lower case, no accents, plain quotes and dashes."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("’", "'").replace("‘", "'").replace("–", "-").replace("—", " ")
    return re.sub(r"\bu\.s\.(?=\W|$)", "us", text)


def _stem(word: str) -> str:
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _number(tok: str) -> str:
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", tok):
        tok = tok.replace(",", "")
    return tok.rstrip(".,")


def tokenize(text: str) -> list[str]:
    out: list[str] = []
    for tok in _TOKEN_RE.findall(fold(text).replace("%", " percent ")):
        if tok[0].isdigit() and "-" not in tok:
            out.append(_number(tok))
            continue
        tok = re.sub(r"'s?$", "", tok)
        parts = [_number(p) if p[0].isdigit() else p for p in re.split(r"[-']", tok) if p]
        for part in parts:
            if part[0].isdigit():
                out.append(part)
            elif part in NUMBER_WORDS:
                out.append(NUMBER_WORDS[part])
            elif part not in STOP_WORDS and part not in STOP_WORDS_ES:
                out.append(_stem(part))
        if len(parts) > 1:
            out.append("".join(parts))
        if len(parts) == 2 and parts[0] in _COMPOUND_TENS and parts[1] in _DIGIT_WORDS:
            out.append(str(int(NUMBER_WORDS[parts[0]]) + _DIGIT_WORDS[parts[1]]))  # "twenty-two" = "22"
    return out


def expand_query(tokens: Sequence[str]) -> list[str]:
    extra = [s for t in tokens for s in SYNONYMS.get(t, ()) if s not in tokens]
    return [*tokens, *extra]


def passage_fields(passage: Passage) -> list[tuple[str, int]]:
    """What BM25 indexes for a passage, as (text, weight): its words count double, its setting once."""
    fields = [(passage.text, 2), (passage.section_path[-1] if passage.section_path else "", 1), (passage.context, 1)]
    if passage.kind == "title":
        fields.append((TITLE_PAGE_WORDS[title_page_role(passage)], 1))
    return fields


def passage_tokens(passage: Passage) -> list[str]:
    return [t for text, weight in passage_fields(passage) for t in tokenize(text) * weight]


class BM25Index:
    """Okapi BM25 over passage text plus its section title and lead-in (bm25s backend)."""

    def __init__(self, passages: Iterable[Passage], k1: float = 1.2, b: float = 0.5) -> None:
        import bm25s

        self.passages = list(passages)
        corpus = [passage_tokens(p) or ["_empty_"] for p in self.passages]
        self._bm25 = bm25s.BM25(k1=k1, b=b)
        self._bm25.index(corpus, show_progress=False)
        self._vocab = {t for doc in corpus for t in doc}

    def query_tokens(self, query: str) -> list[str]:
        """The question's words (plus the report's synonyms) that occur in some passage."""
        return [t for t in expand_query(tokenize(query)) if t in self._vocab]

    def scores(self, query: str) -> np.ndarray:
        tokens = self.query_tokens(query)
        if not tokens:
            return np.zeros(len(self.passages), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        s = self.scores(query)
        order = np.argsort(-s, kind="stable")[:k]
        return [(self.passages[i].id, float(s[i])) for i in order if s[i] > 0]
