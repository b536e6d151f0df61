"""Follow-up questions resolved against the conversation before retrieval (the deterministic method).

A question is a follow-up when it leans on something earlier: a pronoun or demonstrative ("those",
"them", "that program"), an opening like "and ..." / "what about ...", or too few words of its own. Its
stand-alone form keeps the question and adds the previous question it follows ("How many of those were
from Honduras? (following up: How many people did Mexico deport in 2013?)"), which is what retrieval and
the generator then see. With a language model in use, the model rewrites the question instead
(``QuestionRewriter``), and this method is the fallback.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from borderqa.lexical import tokenize
from borderqa.types import Turn

_REFERRING = re.compile(
    r"\b(those|these|that|this|them|they|their|theirs|it|its|he|she|him|her|his|there|then|such|"
    r"the same|the latter|the former|the other|the rest|what else|else)\b",
    re.IGNORECASE,
)
_OPENERS = re.compile(r"^\s*(and|but|so|also|what about|how about|and what|why|how come|what else|which ones?)\b", re.IGNORECASE)


def is_followup(question: str) -> bool:
    if _REFERRING.search(question) or _OPENERS.match(question):
        return True
    return len(tokenize(question)) <= 2


def standalone_question(question: str, history: Sequence[Turn]) -> str:
    previous = [t.content for t in history if t.role == "user" and t.content.strip()]
    if not previous or not is_followup(question):
        return question
    return f"{question} (following up: {previous[-1]})"
