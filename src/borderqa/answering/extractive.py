"""The extractive generator: no language model, only the report's own sentences, each cited.

Every sentence of the retrieved passages is scored against the question (embedding cosine, plus the share
of the question's words it contains, plus a small prior for higher-ranked passages). The answer is the
best sentence, with the sentence before it when it opens with a pronoun ("These ...", "It ..."), and
further sentences only when they score nearly as well. A question that asks for a list, when the passages
hold a list, is answered with the list's lead-in and its items as bullets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from borderqa.config import AnsweringSettings
from borderqa.lexical import tokenize
from borderqa.sentences import SentenceBank
from borderqa.types import Passage

_LIST_QUESTION = re.compile(
    r"\b(list|name (the|all|some)|which (agencies|countries|organizations|organisations|programs|cities|routes|"
    r"corridors|states|forces|units|groups|people|shelters)|what (are|were) (the )?(\w+ ){0,3}"
    r"(routes|corridors|recommendations|agencies|steps|programs|strategies|lines|elements|kinds|types|forms)|"
    r"recommend\w*|what does the report (propose|recommend)|who (did|does) (wola|the report) thank)\b",
    re.IGNORECASE,
)
_LEANS_BACK = re.compile(r"^(this|these|that|those|it|its|they|their|such|of these|of those|in addition|but|however|also)\b", re.IGNORECASE)


@dataclass(frozen=True)
class ScoredSentence:
    score: float
    passage: int  # index into the passages given
    position: int  # sentence number within the passage
    text: str


def is_list_question(question: str) -> bool:
    return bool(_LIST_QUESTION.search(question))


class ExtractiveGenerator:
    name = "extractive"

    def __init__(self, settings: AnsweringSettings, bank: SentenceBank) -> None:
        self.settings = settings
        self.bank = bank

    def score_sentences(self, question: str, passages: Sequence[Passage]) -> list[ScoredSentence]:
        banks = self.bank.get(list(passages))
        q_vec = self.bank.embed([question])[0]
        q_tokens = set(tokenize(question))
        out = []
        for i, sents in enumerate(banks):
            sims = sents.vectors @ q_vec if len(sents.sentences) else np.zeros(0)
            for j, text in enumerate(sents.sentences):
                cover = len(q_tokens & set(tokenize(text))) / len(q_tokens) if q_tokens else 0.0
                out.append(ScoredSentence(float(sims[j]) + 0.35 * cover + 0.06 / (i + 1), i, j, text))
        return sorted(out, key=lambda s: -s.score)

    def generate(self, question: str, passages: Sequence[Passage]) -> str:
        if not passages:
            return "The report does not say."
        scored = self.score_sentences(question, passages)
        if is_list_question(question):
            bullets = self._list_answer(scored, passages)
            if bullets:
                return bullets
        return self._prose_answer(scored, passages)

    def stream(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        yield self.generate(question, passages)

    def _prose_answer(self, scored: list[ScoredSentence], passages: Sequence[Passage]) -> str:
        best = scored[0]
        chosen = [best]
        for s in scored[1:]:
            if len(chosen) >= min(self.settings.max_sentences, 3) or s.score < 0.93 * best.score:
                break
            if s.passage == best.passage or s.score >= 0.97 * best.score:
                chosen.append(s)
        chosen = self._with_antecedents(chosen, scored)
        chosen.sort(key=lambda s: (s.passage != best.passage, s.passage, s.position))
        return " ".join(f"{s.text} [{s.passage + 1}]" for s in chosen)

    def _with_antecedents(self, chosen: list[ScoredSentence], scored: list[ScoredSentence]) -> list[ScoredSentence]:
        """Add the sentence before one that leans back on it ("These ...", "It ...")."""
        by_pos = {(s.passage, s.position): s for s in scored}
        out = list(chosen)
        for s in chosen:
            prev = by_pos.get((s.passage, s.position - 1))
            if prev is not None and _LEANS_BACK.match(s.text) and prev not in out:
                out.append(prev)
        return out

    def _list_answer(self, scored: list[ScoredSentence], passages: Sequence[Passage]) -> str:
        ids = {p.id: i for i, p in enumerate(passages)}
        for s in scored[:6]:
            p = passages[s.passage]
            lead = p.context_id if p.kind == "list_item" else (p.id if any(q.context_id == p.id for q in passages) else None)
            if lead is None:
                continue
            items = [q for q in passages if q.context_id == lead and q.kind == "list_item"]
            if len(items) < 2:
                continue
            items.sort(key=lambda q: q.ordinal)
            lines = []
            if lead in ids:
                lines.append(f"{passages[ids[lead]].text} [{ids[lead] + 1}]")
            for q in items:
                first = self.bank.get([q])[0].sentences[0]
                lines.append(f"- {first} [{ids[q.id] + 1}]")
            return "\n".join(lines)
        return ""
