"""BorderQA: questions answered from WOLA's "Mexico's Other Border" (June 2014), cited paragraph by paragraph.

Public API::

    from borderqa import Assistant
    a = Assistant.from_settings()
    hits = a.search("How long is Mexico's southern border?", k=5)
    answer = a.ask("How many people did Mexico detain in 2013?")
"""

from __future__ import annotations

from borderqa.assistant import Assistant
from borderqa.config import Settings
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
