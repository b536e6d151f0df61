"""The reader keeps its readings per (question, passage, what the passage is read with): no model needed,
the network is replaced by a counting stand-in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from borderqa.reader import reading
from borderqa.reader.reading import Reading, TrainedReader
from borderqa.types import Passage


class CountingReader(TrainedReader):
    def __init__(self) -> None:
        super().__init__(Path("."), Path("unused"), "")
        self.read_passages: list[str] = []

    def _read(self, question: str, passages: Sequence[Passage]) -> list[Reading]:
        self.read_passages += [p.id for p in passages]
        return [Reading(p, 0.5, 0.1, 0.4, sentences=(p.text,), answers=(0.5,), best=0, contradicting=0) for p in passages]


def _passage(n: int, text: str = "The border is 714 miles long.") -> Passage:
    return Passage(f"report:p{n:04d}", "report", ("Belts of Control",), 1, n, text)


def test_a_passage_is_read_once_per_question() -> None:
    reader = CountingReader()
    first = reader.read("How long is the border?", [_passage(1), _passage(2)])
    again = reader.read("How long is the border?", [_passage(2), _passage(1), _passage(3)])
    assert reader.read_passages == ["report:p0001", "report:p0002", "report:p0003"]
    assert again[0] is first[1] and again[1] is first[0]  # the kept readings themselves, in the order asked
    reader.read("How wide is the border?", [_passage(1)])
    assert reader.read_passages[-1] == "report:p0001"  # another question reads it again


def test_an_edited_or_retitled_passage_is_read_again() -> None:
    reader = CountingReader()
    p = _passage(1)
    reader.read("q", [p])
    reader.read("q", [replace(p, text="The border is 700 miles long.")])
    reader.read("q", [replace(p, section_path=("Geography",))])  # the model reads the title with the sentence
    reader.read("q", [p])
    assert reader.read_passages == ["report:p0001"] * 3


def test_the_kept_readings_are_bounded(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(reading, "KEPT", 3)
    reader = CountingReader()
    reader.read("q", [_passage(n) for n in range(1, 6)])
    reader.read("q", [_passage(5), _passage(1)])
    assert reader.read_passages == [f"report:p{n:04d}" for n in range(1, 6)] + ["report:p0001"]  # the oldest went
