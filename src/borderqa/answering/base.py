"""The ``Generator`` protocol: turn a question and numbered passages into draft answer text.

A generator writes plain sentences carrying markers ``[n]`` where ``n`` is the 1-based position of a
passage in the list it was given. It does not need to be trustworthy: ``citations.verify`` checks every
sentence against what it cites, and repairs or drops what is not supported.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol, runtime_checkable

from borderqa.types import Passage, Turn

REPORT_DATE = "June 2014"


@runtime_checkable
class Generator(Protocol):
    name: str

    def generate(self, question: str, passages: Sequence[Passage]) -> str:
        """The whole draft answer."""
        ...

    def stream(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        """The draft answer as text chunks (concatenated, equal to ``generate``)."""
        ...


@runtime_checkable
class QuestionRewriter(Protocol):
    """A generator that can also turn a follow-up into a stand-alone question."""

    def rewrite(self, question: str, history: Sequence[Turn]) -> str: ...
