"""The CLI's logging: quiet by default whatever levels libraries set for themselves; -v and -vv show more."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from borderqa.cli import configure_logging


@pytest.fixture(autouse=True)
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def emit() -> None:
    bm25s = logging.getLogger("bm25s")
    bm25s.setLevel(logging.DEBUG)  # what bm25s does when it is imported, after the CLI set logging up
    bm25s.debug("Building index from tokens")
    logging.getLogger("chromadb").warning("library warning")
    logging.getLogger("borderqa.index").info("index opened")
    logging.getLogger("borderqa.retrieval").debug("fused 60 candidates")


@pytest.mark.parametrize(
    ("verbose", "shown"),
    [
        (0, ["library warning"]),
        (1, ["library warning", "index opened"]),
        (2, ["Building index from tokens", "library warning", "index opened", "fused 60 candidates"]),
    ],
)
def test_library_logging_is_quiet_unless_verbose(
    verbose: int, shown: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(verbose)
    emit()
    err = capsys.readouterr().err
    every = ["Building index from tokens", "library warning", "index opened", "fused 60 candidates"]
    assert [m for m in every if m in err] == shown
    assert "WARNING chromadb: library warning" in err
