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

Persistence: each index build saves its BM25 matrix next to its vectors (``save``: bm25s's own files plus
the passage ids it was built over), and readers ``load`` it with the arrays memory-mapped, so a worker
neither tokenises the corpus again at start nor holds a private copy of the matrix; pages are shared
between workers on one machine. A folder that is missing or was made over other passages is rebuilt
in memory (an index built before this existed) rather than trusted. Figures: benchmarks/scale.py.
"""


from __future__ import annotations

import functools
import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from borderqa.chunking import TitleRole, title_page_role
from borderqa.types import Passage, content_hash

log = logging.getLogger(__name__)
IDS_FILE = "passages.json"  # which passages (in order) a saved index was built over
WORDS_VERSION = 2  # 2: PassageWords holds each passage's setting too (passage_terms); 1: its text only

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

# Words a question asking for a title-page line uses (answering/front_matter.py); TITLE_PAGE_WHEN's ask for the
# date only with "when" or a year ("When was it written?"; "Who published it?" asks for a publisher, which no
# title-page line names).
TITLE_PAGE_ASKED: dict[TitleRole, str] = {
    "title": "title titled subtitle called",
    "byline": "author authors byline wrote written writes writer writers",
    "date": "date dated",
}
TITLE_PAGE_WHEN = "publish published publication released release written wrote year"

_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)*(?:-[a-z0-9]+)+|\d+(?:[.,]\d+)*|[a-z]+(?:[-'][a-z0-9]+)*|\d+[a-z]+")


# Combining marks (accents after NFKD) of the Basic Multilingual Plane, removed by one str.translate: a
# per-character test took most of the tokenizer's time (3.2 -> 0.9 ms a passage with the token cache below).
_NO_MARKS = {c: None for c in range(0x10000) if unicodedata.combining(chr(c))}
_US_RE = re.compile(r"\bu\.s\.(?=\W|$)")
_POSSESSIVE_RE = re.compile(r"'s?$")
_PARTS_RE = re.compile(r"[-']")
_THOUSANDS_RE = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")


def fold(text: str) -> str:
    """Lower case, no accents, plain quotes and dashes."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).translate(_NO_MARKS)
    text = text.lower().replace("’", "'").replace("‘", "'").replace("–", "-").replace("—", " ")
    return _US_RE.sub("us", text)


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
    if _THOUSANDS_RE.fullmatch(tok):
        tok = tok.replace(",", "")
    return tok.rstrip(".,")


@functools.lru_cache(maxsize=200_000)
def _token_terms(tok: str) -> tuple[str, ...]:
    """The terms of one raw token; cached, as a corpus repeats its words (one entry per distinct word)."""
    if tok[0].isdigit() and "-" not in tok:
        return (_number(tok),)
    out: list[str] = []
    tok = _POSSESSIVE_RE.sub("", tok)
    parts = [_number(p) if p[0].isdigit() else p for p in _PARTS_RE.split(tok) if p]
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
    return tuple(out)


def tokenize(text: str) -> list[str]:
    return [t for tok in _TOKEN_RE.findall(fold(text).replace("%", " percent ")) for t in _token_terms(tok)]


def content_words(text: str) -> set[str]:
    """``text``'s tokens but stop words (a stem can come out as one: tokenize drops them before stemming)."""
    return {t for t in tokenize(text) if t not in STOP_WORDS}


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


def passage_terms(passage: Passage) -> list[str]:
    """The words BM25 indexes for a passage, each field once: what ``PassageWords`` holds for it."""
    return [t for text, _ in passage_fields(passage) for t in tokenize(text)]


class PassageWords:
    """The one word-statistics table: each passage's words (``passage_terms``: its text and setting, as sets)
    and how many passages hold each word.

    Retrieval's re-scoring reads a candidate's words (figures and rare names in it); ``terms.TermWeights``
    reads the frequencies (how rare a question word is, which names the report uses). Computed once per
    build with the BM25 index and saved beside it as word ids (``words.npz``), so a reader does not tokenise
    the corpus at start (100,000 passages: minutes of tokenising against a second of loading).
    """

    FILE = "words.npz"

    def __init__(self, vocab: Sequence[str], ids: np.ndarray, offsets: np.ndarray) -> None:
        self._vocab = list(vocab)
        self._ids = ids
        self._offsets = offsets
        counts = np.bincount(ids, minlength=len(self._vocab)) if len(ids) else np.zeros(len(self._vocab), dtype=np.int64)
        self.document_frequency = {w: int(n) for w, n in zip(self._vocab, counts, strict=True)}

    @classmethod
    def of(cls, texts: Iterable[Sequence[str]]) -> PassageWords:
        """From each passage's tokens (``passage_terms``), in passage order."""
        position: dict[str, int] = {}
        rows = [sorted({position.setdefault(t, len(position)) for t in tokens}) for tokens in texts]
        offsets = np.cumsum([0, *(len(r) for r in rows)])
        ids = np.fromiter((i for r in rows for i in r), dtype=np.int32, count=int(offsets[-1]))
        return cls(list(position), ids, offsets)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def words(self, i: int) -> set[str]:
        """The words of the ``i``-th passage."""
        return {self._vocab[j] for j in self._ids[self._offsets[i] : self._offsets[i + 1]]}

    def save(self, folder: Path) -> None:
        np.savez(folder / self.FILE, vocab=np.array(self._vocab, dtype=str), ids=self._ids, offsets=self._offsets)

    @classmethod
    def load(cls, folder: Path) -> PassageWords:
        with np.load(folder / cls.FILE) as data:
            return cls(data["vocab"].tolist(), data["ids"], data["offsets"])


class BM25Index:
    """Okapi BM25 over passage text plus its section title and lead-in (bm25s backend), with the passages'
    own word sets (``words``) from the same tokenizing pass."""

    def __init__(
        self, passages: Iterable[Passage], k1: float = 1.2, b: float = 0.5, *,
        _bm25: Any = None, _words: PassageWords | None = None,
    ) -> None:
        self.passages = list(passages)
        if _bm25 is None or _words is None:
            import bm25s

            fields = [[(tokenize(text), w) for text, w in passage_fields(p)] for p in self.passages]
            corpus = [[t for tokens, w in f for t in tokens * w] or ["_empty_"] for f in fields]
            _bm25 = bm25s.BM25(k1=k1, b=b)
            _bm25.index(corpus, show_progress=False)
            _words = PassageWords.of([t for tokens, _ in f for t in tokens] for f in fields)
        self._bm25 = _bm25
        self.words = _words
        self._vocab = set(_bm25.vocab_dict)

    @staticmethod
    def _ids_key(passages: Sequence[Passage]) -> str:
        """Which passages, and which version of the word table: a saved index with another is rebuilt."""
        return content_hash(f"words {WORDS_VERSION}\n" + "\n".join(
            f"{p.id}\t{content_hash(repr(passage_fields(p)))}" for p in passages  # the text and the setting it indexes
        ))

    def save(self, folder: Path) -> None:
        """Write the index to ``folder`` (bm25s's files, the word sets and the passages it covers)."""
        self._bm25.save(str(folder), show_progress=False)
        self.words.save(folder)
        (folder / IDS_FILE).write_text(
            json.dumps({"passages": len(self.passages), "key": self._ids_key(self.passages)}), encoding="utf-8"
        )

    @classmethod
    def load(cls, folder: Path, passages: Sequence[Passage]) -> BM25Index:
        """The index saved in ``folder``, its arrays memory-mapped; rebuilt if missing or not over ``passages``."""
        import bm25s

        try:
            saved = json.loads((folder / IDS_FILE).read_text(encoding="utf-8"))
            if saved.get("key") != cls._ids_key(passages):
                raise ValueError("it was built over other passages")
            bm25 = bm25s.BM25.load(str(folder), mmap=True, show_progress=False)
            words = PassageWords.load(folder)
        except (OSError, ValueError, KeyError) as exc:
            log.info("BM25 index in %s not used (%s); building it in memory", folder, exc)
            return cls(passages)
        return cls(passages, _bm25=bm25, _words=words)

    @classmethod
    def is_saved_for(cls, folder: Path, passages: Sequence[Passage]) -> bool:
        """Whether ``folder`` holds an index over exactly these passages (a rebuild can then copy it)."""
        try:
            return bool(json.loads((folder / IDS_FILE).read_text(encoding="utf-8")).get("key") == cls._ids_key(passages))
        except (OSError, ValueError):
            return False

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
        return [(self.passages[i].id, float(s[i])) for i in top_indices(s, k) if s[i] > 0]


def top_indices(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` highest scores, highest first, ties in position order: the same as
    ``np.argsort(-scores, kind="stable")[:k]`` without sorting every score (at 100,000 passages the full
    sort took longer than scoring the question)."""
    n = len(scores)
    if k >= n:
        return np.argsort(-scores, kind="stable")
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    kth = np.partition(scores, n - k)[n - k]  # the k-th highest score
    above = np.flatnonzero(scores > kth)
    ties = np.flatnonzero(scores == kth)[: k - len(above)]
    chosen = np.concatenate([above, ties])
    return chosen[np.argsort(-scores[chosen], kind="stable")]
