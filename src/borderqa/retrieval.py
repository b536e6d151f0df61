"""Hybrid retrieval: dense (Chroma) + lexical (BM25) -> score fusion -> re-scoring -> hits.

Candidates are the best ``fetch_k`` passages of each side (60: 40 lost 0.008 MRR on the eval). Fusion
(``RetrievalSettings.fusion``):

* ``"zscore"`` (the default) standardises each side's scores over the candidates (a passage the dense side
  did not return gets the lowest score it did return) and adds them with ``dense_weight`` and
  ``lexical_weight``;
* ``"rrf"``, reciprocal-rank fusion, adds ``weight / (rrf_k + rank)`` over the sides that returned a
  passage; the sum is standardised so that the re-scoring below adds to it in the same units.

Z-scores stay the default: on the 313 answerable eval cases, with the re-scoring below, RRF's best
constant (``rrf_k`` 10) reached MRR 0.915 (odd cases 0.913, even 0.917) against 0.920 (0.911 / 0.928),
a hair better on the tuning half and clearly worse on the check half, and the usual ``rrf_k`` = 60 only
0.907: ranks throw away how far ahead a passage is.

Re-scoring (no cross-encoder runs offline here) then adds, in the same standardised units:

* late interaction (``TOKEN_WEIGHT``): every word piece of the question is matched with its most similar
  word piece of the passage, using the embedding model's contextual vectors that the index stores, and
  the similarities are averaged (ColBERT's MaxSim, zero-shot, on the best ``LATE_CANDIDATES`` fused
  candidates). It catches paraphrases the single passage vector misses ("folks staffing remote
  roadblocks" / "security personnel at rural checkpoints"). A list item is read together with its
  lead-in's word pieces, as its passage vector and BM25 already read it ("the four general lines of
  Mexico's strategy" are named in the lead-in, the items only describe them); the scores are then
  standardised by the spread of the candidates' own-word scores, so that reading items in context does
  not move every other passage. That took hybrid MRR from 0.912 to 0.920 (odd 0.906 -> 0.911, even
  0.918 -> 0.928; recall@1 0.869 -> 0.882, recall@5 unchanged): the items of the strategy list went
  from outside the top 10 to 3rd. Standardising by the items-in-context scores instead gave 0.916 and
  lost one answer from the top 5. Without late interaction at all, MRR falls to 0.892 (odd 0.886, even
  0.898), recall@1 to 0.843;
* exact numbers: a number in the question ("86,298", "714") that occurs in the passage;
* rare words: question words that occur in few passages (names like "Tecún Umán", "Huixtla") found in it.
  These two bonuses are small and about neutral on the eval (one case moves); they are kept because
  figures and names are how staff pin a fact down, and the eval has few questions whose figure appears
  in several passages;
* lists: a list item is scored at least as high as its lead-in less ``LIST_GAP``; the answer to "what
  are the four steps" is in the items, while the words of the question are often only in the lead-in
  (recall@5 0.952 -> 0.955 when it came in; since items are read with their lead-in it changes no eval
  case, and stays as a floor for items outside the late-interaction candidates).

The question's vector and word pieces come from ``Embedder.encode_query``: the packaged model with its weights
blended with a copy fine-tuned on the reader's generated questions (``question_encoder.py``; the passages'
side is the index as built).

The title page's lines are labelled by what they are (index.py): "Who are the authors of Mexico's Other
Border?" found the byline nowhere in the top 10 when every line carried one label for the whole page,
and 2nd (after the title line) with a label per line.

Tried and dropped (MRR overall / odd / even, against 0.910 / 0.903 / 0.918 at the time): embedding each
paragraph with the first or last sentence of the paragraph before it (0.907 / 0.903 / 0.912 and 0.904 /
0.895 / 0.913), only the last one or two sentences of a list item's lead-in in its vector (0.908 and
0.912, the odd half worse both times), a second vector of the bare text (list items: 0.910, the even
half worse; every passage: 0.905), leaving the question's stop words or punctuation out of late
interaction (0.895 and 0.906), a bonus for passages holding a number when the question asks "how many"
(neutral, then worse). With the changes above, other BM25 ``k1``/``b``, weights, ``fetch_k`` and
``LATE_CANDIDATES`` were re-checked: the few a little better on the odd half (``LATE_CANDIDATES`` 50 or
``TOKEN_WEIGHT`` 1.75: 0.913 against 0.911) were worse on the even one (0.922 and 0.919 against 0.928).

Also tried (2026-12-07), each as a third score added to the candidates' fused ones (z-scored over the top 40,
weight 0.25-1.5), top-1 on the public answerable questions (327) and on the held-out ones (988): each
passage's best *sentence* cosine (the sentence bank's vectors): public 0.899 -> 0.865-0.887, held-out 0.911
-> 0.910-0.917; all-mpnet-base-v2 (the only larger embedder that installs offline, 6.5x slower) over the
same passage texts: public 0.899 -> 0.880-0.896, held-out 0.911 -> 0.908-0.911 (alone it ranks 0.712 and
0.808, though on held-out paraphrases it beats the whole hybrid, 0.757 against 0.743).

Weights were chosen on the odd-numbered eval cases and checked on the even ones, preferring settings good
on both halves over the best single point on one (see ``RetrievalSettings``).

``LangChainRetriever`` exposes the same pipeline as a LangChain ``BaseRetriever``.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import math
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from borderqa.config import RetrievalSettings, SearchMode
from borderqa.embedding import Embedder, Vectors
from borderqa.index import ChromaIndex
from borderqa.lexical import PassageWords, tokenize, top_indices
from borderqa.types import Hit, Passage

log = logging.getLogger(__name__)

TOKEN_WEIGHT = 1.5  # late interaction, relative to dense_weight and lexical_weight
NUMBER_BONUS = 0.3  # all the question's numbers in the passage
RARE_BONUS = 0.2  # all the question's rare words in the passage
RARE_IDF = 3.0  # a word in fewer than 1 passage in 20
LIST_GAP = 0.3  # how far below its lead-in a list item may fall
LATE_CANDIDATES = 40  # late interaction re-scores this many of the best fused candidates


@dataclass(frozen=True)
class _Candidate:
    passage: Passage
    fused: float
    dense_rank: int | None
    lexical_rank: int | None


def zscores(values: Vectors) -> Vectors:
    """Standardised scores (mean 0, unit spread); all zeros when the values do not vary."""
    return standardise(values, values)


def standardise(values: Vectors, reference: Vectors) -> Vectors:
    """``values`` in units of ``reference``'s spread around its mean; all zeros when the reference does not vary."""
    spread = float(reference.std()) if len(reference) else 0.0
    if spread < 1e-9:
        return np.zeros(len(values), dtype=np.float32)
    return np.asarray((values - float(reference.mean())) / spread, dtype=np.float32)


def with_lead_in(tokens: Mapping[str, Vectors], leads: dict[str, str]) -> dict[str, Vectors]:
    """List item id -> its word pieces followed by its lead-in's: late interaction reads an item in the
    setting that gives it its meaning, as its passage vector and BM25 do."""
    return {pid: np.concatenate([tokens[pid], tokens[lead]]) for pid, lead in leads.items() if pid in tokens and lead in tokens}


def rrf_scores(
    ids: Sequence[str], dense_rank: dict[str, int], lexical_rank: dict[str, int], settings: RetrievalSettings
) -> Vectors:
    """Reciprocal-rank fusion, ``w / (rrf_k + rank)`` summed over the sides that returned a passage, then
    standardised and scaled by the summed weights so that re-scoring adds to it in the units it adds to
    z-score fusion."""
    s = settings
    raw = np.array(
        [
            (s.dense_weight / (s.rrf_k + dense_rank[pid]) if pid in dense_rank else 0.0)
            + (s.lexical_weight / (s.rrf_k + lexical_rank[pid]) if pid in lexical_rank else 0.0)
            for pid in ids
        ],
        dtype=np.float32,
    )
    return np.asarray((s.dense_weight + s.lexical_weight) * zscores(raw), dtype=np.float32)


def maxsim(query_tokens: Vectors, passage_tokens: Vectors) -> float:
    """Late interaction: mean over the question's word pieces of the best cosine with the passage's."""
    if len(query_tokens) == 0 or len(passage_tokens) == 0:
        return 0.0
    return float((query_tokens @ passage_tokens.T).max(axis=1).mean())


class _SingleThreadBLAS:
    """Run small matrix products on one BLAS thread.

    Late interaction is ~40 products of (question pieces x 384) by (384 x passage pieces). With OpenBLAS's
    default two threads on this 2-core machine, a second busy process (another query, a model answering)
    turned 3 ms of them into 600 ms of threads waiting on each other; one thread took 3-5 ms either way.
    """

    def __init__(self) -> None:
        try:
            from threadpoolctl import ThreadpoolController  # comes with scikit-learn (sentence-transformers)
        except ImportError:  # pragma: no cover - then the products run with the default threads
            self._controller: Any = None
        else:
            self._controller = ThreadpoolController()

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        if self._controller is None:
            yield
            return
        with self._controller.limit(limits=1, user_api="blas"):
            yield


def list_leads(passages: Sequence[Passage]) -> dict[str, str]:
    """List item id -> the passage that introduces it: its context (lead-in or parent item) or else the
    paragraph just before its run of items in the same section."""
    leads: dict[str, str] = {}
    run_lead: str | None = None
    prev: Passage | None = None
    for p in passages:
        if p.kind != "list_item":
            run_lead = None
        else:
            if prev is None or prev.kind != "list_item" or prev.section_path != p.section_path:
                same = prev is not None and prev.section_path == p.section_path and prev.kind == "paragraph"
                run_lead = prev.id if same and prev is not None else None
            lead = p.context_id or run_lead
            if lead:
                leads[p.id] = lead
        prev = p
    return leads


class Retriever:
    def __init__(self, index: ChromaIndex, embedder: Embedder, settings: RetrievalSettings) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        # One build for everything: passages, vectors, BM25 and word pieces of the same version.
        self.build = index.build_id()
        self._passages = index.passages(self.build)
        self._by_id = {p.id: p for p in self._passages}
        self._position = {p.id: i for i, p in enumerate(self._passages)}
        self._bm25 = index.lexical(self.build)
        self._tokens = index.token_vectors(self.build)
        self._one_thread = _SingleThreadBLAS()
        if not self._tokens:
            log.warning("the index has no word-piece vectors: run `borderqa index` for better ranking")
        self._leads = list_leads(self._passages)
        self._item_tokens = with_lead_in(self._tokens, self._leads)
        # Each passage's own words and their document frequencies, saved with the build's BM25 (lexical.py).
        self._words = self._bm25.words
        self._idf = {t: math.log(len(self._passages) / n) for t, n in self._words.document_frequency.items() if n}
        self._only: frozenset[str] | None = None  # see scoped()

    @property
    def words(self) -> PassageWords:
        """The build's word table (saved with its BM25 index): each passage's words and their frequencies."""
        return self._words

    @property
    def passages(self) -> list[Passage]:
        return list(self._passages)

    def late_tokens(self, pid: str) -> Vectors:
        """The word-piece vectors late interaction reads for a passage (a list item's with its lead-in's)."""
        tokens = self._item_tokens.get(pid)
        return tokens if tokens is not None else self._tokens.get(pid, np.zeros((0, 0), dtype=np.float32))

    def _in(self, documents: frozenset[str]) -> np.ndarray:
        return np.array([p.document in documents for p in self._passages], dtype=bool)

    def passage(self, pid: str) -> Passage | None:
        return self._by_id.get(pid)

    def scoped(self, documents: Collection[str] | None) -> Retriever:
        """The same retriever (same index, BM25 and vectors, nothing copied) searching only ``documents``
        by default; ``None`` or empty: every document."""
        view = copy.copy(self)
        view._only = frozenset(documents) if documents else None
        return view

    def search(
        self, query: str, k: int | None = None, mode: SearchMode | None = None, documents: Collection[str] | None = None
    ) -> list[Hit]:
        """Best ``k`` passages for ``query``; ``documents``: only passages of these document ids."""
        k = k or self.settings.k
        mode = mode or self.settings.mode
        fetch = max(self.settings.fetch_k, k)
        only = frozenset(documents) if documents else self._only
        if mode == "dense":
            dense = self.index.query(self.embedder.embed_query(query), k, build=self.build, documents=only)
            return [Hit(self._by_id[pid], s, dense_rank=i + 1) for i, (pid, s) in enumerate(dense)]
        lexical_scores = self._bm25.scores(query)
        if only is not None:
            lexical_scores = np.where(self._in(only), lexical_scores, 0.0)
        order = top_indices(lexical_scores, fetch)
        lexical = [(self._passages[i].id, float(lexical_scores[i])) for i in order if lexical_scores[i] > 0]
        if mode == "lexical":
            return [Hit(self._by_id[pid], s, lexical_rank=i + 1) for i, (pid, s) in enumerate(lexical[:k])]
        encoded = self.embedder.encode_query(query)
        dense = self.index.query(encoded.vector, fetch, build=self.build, documents=only)
        candidates = self._fuse(dense, lexical, lexical_scores)
        if self.settings.rescore:
            candidates = self._rescore(query, encoded.tokens, candidates)
        return [Hit(c.passage, c.fused, c.dense_rank, c.lexical_rank) for c in candidates[:k]]

    def _fuse(
        self, dense: Sequence[tuple[str, float]], lexical: Sequence[tuple[str, float]], lexical_scores: np.ndarray
    ) -> list[_Candidate]:
        """Both sides' candidates, scored by ``settings.fusion`` (see the module docstring)."""
        s = self.settings
        d_rank = {pid: i + 1 for i, (pid, _) in enumerate(dense)}
        l_rank = {pid: i + 1 for i, (pid, _) in enumerate(lexical)}
        ids = list(dict.fromkeys([pid for pid, _ in dense] + [pid for pid, _ in lexical]))
        if not ids:
            return []
        if s.fusion == "rrf":
            fused = rrf_scores(ids, d_rank, l_rank, s)
        else:
            cosine = dict(dense)
            floor = min(cosine.values()) if cosine else 0.0  # a passage dense did not return scores at most this
            d = np.array([cosine.get(pid, floor) for pid in ids], dtype=np.float32)
            lex = np.array([lexical_scores[self._position[pid]] for pid in ids], dtype=np.float32)
            fused = s.dense_weight * zscores(d) + s.lexical_weight * zscores(lex)
        out = [
            _Candidate(self._by_id[pid], float(f), d_rank.get(pid), l_rank.get(pid))
            for pid, f in zip(ids, fused, strict=True)
        ]
        return sorted(out, key=lambda c: (-c.fused, c.passage.ordinal))

    def _rescore(self, query: str, query_tokens: Vectors, candidates: list[_Candidate]) -> list[_Candidate]:
        if not candidates:
            return candidates
        scores = np.array([c.fused for c in candidates], dtype=np.float32)
        if self._tokens:
            n = min(LATE_CANDIDATES, len(candidates))
            empty = query_tokens[:0]
            ids = [c.passage.id for c in candidates[:n]]
            with self._one_thread():
                own = np.array([maxsim(query_tokens, self._tokens.get(pid, empty)) for pid in ids])
                read = np.array(
                    [maxsim(query_tokens, self._item_tokens[pid]) if pid in self._item_tokens else o
                     for pid, o in zip(ids, own, strict=True)]
                )
            # In units of the passages' own scores: reading items with their lead-in must not move the others.
            z = standardise(read, own)
            scores[:n] += TOKEN_WEIGHT * z
            if n < len(candidates):
                scores[n:] += TOKEN_WEIGHT * (float(z.min()) if n else 0.0)
        q_words = set(tokenize(query))
        numbers = {t for t in q_words if t[0].isdigit() and len(t) >= 2}
        rare = {t for t in q_words if not t[0].isdigit() and self._idf.get(t, 0.0) > RARE_IDF}
        for i, c in enumerate(candidates):
            words = self._words.words(self._position[c.passage.id])
            if numbers:
                scores[i] += NUMBER_BONUS * len(numbers & words) / len(numbers)
            if rare:
                scores[i] += RARE_BONUS * len(rare & words) / len(rare)
        by_id = {c.passage.id: float(s) for c, s in zip(candidates, scores, strict=True)}
        for i, c in enumerate(candidates):
            lead = self._leads.get(c.passage.id)
            if lead in by_id:
                scores[i] = max(float(scores[i]), by_id[lead] - LIST_GAP)
        out = [
            _Candidate(c.passage, float(s), c.dense_rank, c.lexical_rank) for c, s in zip(candidates, scores, strict=True)
        ]
        return sorted(out, key=lambda c: (-c.fused, c.passage.ordinal))


def __getattr__(name: str) -> Any:
    """``LangChainRetriever`` and ``hit_to_langchain`` live in ``langchain_adapter``, imported on first use:
    LangChain (with langsmith) is half of the CLI's import time and no command needs it."""
    if name in ("LangChainRetriever", "hit_to_langchain"):
        from borderqa import langchain_adapter

        return getattr(langchain_adapter, name)
    raise AttributeError(f"module 'borderqa.retrieval' has no attribute {name!r}")
