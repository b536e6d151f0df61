"""Sentences: splitting report prose, and a cache of sentence embeddings per passage."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from borderqa.embedding import Embedder, Vectors
from borderqa.types import Passage

QUESTIONS_KEPT = 256  # question vectors kept (SentenceBank.embed_question)

# Words that end in a period without ending a sentence ("U.S. Border Patrol", "Gen. (R) José").
_ABBREVIATIONS = {
    "u.s", "u.n", "gen", "mr", "mrs", "ms", "dr", "st", "no", "e.g", "i.e", "a.c", "jr", "sr", "vs", "etc",
    "approx", "fig", "inc", "co", "corp", "dept", "sen", "rep", "gov", "lt", "col", "sgt", "ft", "mt", "r",
}
_BOUNDARY = re.compile(r"""(?<=[.!?…])(?:["'”’)\]]*)(?:\s*(?:\[\d+(?:\s*,\s*\d+)*\])+)?\s+(?=["“‘(\[]?[¿¡]?[A-Z0-9])""")


# A sentence that leans on the one before it: a pronoun, "such", a connective, "each" of something named
# before. The reader was trained reading such a sentence with the one before (reader/features.py): a change
# here changes what it reads, so retrain it.
_LEANS_BACK = re.compile(
    r"^(this|these|that|those|it|its|they|their|them|such|he|she|his|her|both|each|of these|of those|in addition|"
    r"but|however|also|yet|still|instead|as a result|there)\b", re.IGNORECASE)


def leans_back(sentence: str) -> bool:
    """Whether ``sentence`` can only be read with the sentence before it ("These ...", "That year, ...")."""
    return bool(_LEANS_BACK.match(sentence))


# An opening phrase that points back: "Through this operation, ...", "Under these rules, ...". Not part of
# ``leans_back``, which the reader was trained with. 8 report sentences match it and not ``leans_back`` (all do
# point back); on held-out file h, 1 answerable question is no longer refused (its lead now names the operation).
_POINTS_BACK = re.compile(
    r"^(?:through|in|under|for|with|by|during|after|before|despite|from|at|on|since|because of|due to|like|"
    r"unlike|among|besides|beyond|within|amid|without|most of|many of|some of|all of|none of|part of)\s+"
    r"(?:this|these|that|those|such)\b[^,.;]{0,40},", re.IGNORECASE)


def refers_back(sentence: str) -> bool:
    """``leans_back``, or a sentence whose opening phrase points back ("Through this operation, the INM ...")."""
    return leans_back(sentence) or bool(_POINTS_BACK.match(sentence))


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping abbreviations, initials and decimals intact."""
    text = " ".join(text.split())
    out: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        before = text[start : m.start()].rstrip("\"'”’)]. ")
        last_word = before.rsplit(" ", 1)[-1].lower().rstrip(".")
        if last_word in _ABBREVIATIONS or re.fullmatch(r"[a-z]", last_word) or re.search(r"\b[a-z]\.[a-z]$", last_word):
            continue
        piece = text[start : m.end()].strip()
        if piece:
            out.append(piece)
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def passage_sentences(passage: Passage) -> list[str]:
    """A passage's sentences as the bank, the reader and provenance read them (a passage with none: its text)."""
    return split_sentences(passage.text) or [passage.text]


@dataclass(frozen=True)
class PassageSentences:
    sentences: tuple[str, ...]
    vectors: Vectors  # one unit vector per sentence


class SentenceBank:
    """Sentence splits and embeddings of passages, computed once per passage and kept."""

    def __init__(self, embedder: Embedder) -> None:
        self._source = embedder
        self._embedder: Embedder | None = None
        self._cache: dict[tuple[str, str], PassageSentences] = {}  # by (id, text hash): an edited passage is split again
        self._lock = threading.Lock()
        self._questions: OrderedDict[str, Vectors] = OrderedDict()

    def get(self, passages: list[Passage]) -> list[PassageSentences]:
        # The lock guards the cache only: embedding runs outside it, so one request's new passages do not
        # hold up another's cached ones (two requests may embed the same passage once each; same vectors).
        with self._lock:
            missing = list({(p.id, p.sha): p for p in passages if (p.id, p.sha) not in self._cache}.values())
        if missing:
            splits = [tuple(passage_sentences(p)) for p in missing]
            vectors = self.embedder.embed_documents([s for sents in splits for s in sents])
            ends = np.cumsum([len(sents) for sents in splits])
            with self._lock:
                for p, sents, end in zip(missing, splits, ends, strict=True):
                    self._cache.setdefault((p.id, p.sha), PassageSentences(sents, vectors[end - len(sents) : end]))
        with self._lock:
            return [self._cache[(p.id, p.sha)] for p in passages]

    @property
    def embedder(self) -> Embedder:
        """The source embedder's ``for_sentences()`` (ONNX Runtime, the same vectors sooner) if it has one,
        resolved on first use so that building a bank loads no model."""
        if self._embedder is None:
            make = getattr(self._source, "for_sentences", None)
            self._embedder = make() if callable(make) else self._source
        return self._embedder

    def embed_question(self, text: str) -> Vectors:
        """The question's vector, kept for the next ``QUESTIONS_KEPT`` questions: one answer scores sentences
        against the same question 3-5 times (the reader's verdict, the context, the lead, the quotes)."""
        with self._lock:
            vector = self._questions.get(text)
            if vector is not None:
                self._questions.move_to_end(text)
                return vector
        fresh: Vectors = self.embed([text])[0]
        fresh.setflags(write=False)  # shared by every caller
        with self._lock:
            self._questions[text] = fresh
            while len(self._questions) > QUESTIONS_KEPT:
                self._questions.popitem(last=False)
        return fresh

    def embed(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        return self.embedder.embed_documents(texts)
