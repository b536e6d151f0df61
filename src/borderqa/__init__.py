"""BorderQA: questions answered from WOLA's "Mexico's Other Border" (June 2014), cited paragraph by paragraph.

Public API::

    from borderqa import Assistant
    a = Assistant.from_settings()
    hits = a.search("How long is Mexico's southern border?", k=5)
    answer = a.ask("How many people did Mexico detain in 2013?")
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from borderqa.errors import (
    BorderQAError,
    ConfigError,
    CorpusError,
    GeneratorError,
    IndexNotReadyError,
    ModelError,
    QueryError,
)
from borderqa.types import Answer, Citation, Document, Hit, Passage, Sentence, Turn

if TYPE_CHECKING:
    from borderqa.assistant import Assistant
    from borderqa.config import Settings

# Imported on first use: ``import borderqa.feedback`` (or the CLI's --help) must not load torch, Chroma and
# LangChain, which ``borderqa.assistant`` pulls in (about 3 s of a cold start).
_LAZY = {"Assistant": "borderqa.assistant", "Settings": "borderqa.config"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'borderqa' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value

__all__ = [
    "Answer",
    "Assistant",
    "BorderQAError",
    "Citation",
    "ConfigError",
    "CorpusError",
    "Document",
    "GeneratorError",
    "Hit",
    "IndexNotReadyError",
    "ModelError",
    "Passage",
    "QueryError",
    "Sentence",
    "Settings",
    "Turn",
]
