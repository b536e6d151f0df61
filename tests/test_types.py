"""The shared types' helpers (types.py). Fast, no models."""

from __future__ import annotations

from borderqa.types import Passage, neighbours


def test_neighbours_are_the_passages_before_and_after_in_the_same_document() -> None:
    a = Passage("report:p0001", "report", ("Intro",), 1, 1, "one")
    b = Passage("report:p0002", "report", ("Intro",), 2, 2, "two")
    c = Passage("report:p0003", "report", ("Intro", "Sub"), 1, 3, "three", kind="list_item")
    other = Passage("src:p0001", "src", ("S",), 1, 1, "elsewhere")
    order = [a, other, b, c]  # another document's passage between them: ordinals, not positions, decide
    assert neighbours(order, "report:p0002") == (a, c)
    assert neighbours(order, "report:p0001") == (None, b)
    assert neighbours(order, "report:p0003") == (b, None)
    assert neighbours(order, "src:p0001") == (None, None)
    assert neighbours(order, "report:p9999") == (None, None)
