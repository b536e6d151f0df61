"""``Assistant``: the one object the CLI, the HTTP API and the UI talk to.

Every collaborator is a constructor argument; ``from_settings`` builds the defaults (local Chroma index,
all-MiniLM-L6-v2, the generators). Models load lazily, on first use.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from borderqa.answering.base import Generator
from borderqa.answering.verdict import VerdictModel
from borderqa.chunking import CHUNKER_VERSION, split_corpus
from borderqa.config import GeneratorName, SearchMode, Settings, fingerprint
from borderqa.corpus import Corpus, load_corpus, read_manifest
from borderqa.corpus.manifest import ManifestEntry
from borderqa.embedding import Embedder, SentenceTransformerEmbedder
from borderqa.errors import ConfigError, QueryError
from borderqa.index import BuildReport, ChromaIndex, IndexState
from borderqa.reader.model import VERDICT_FILE
from borderqa.reader.reading import Reader
from borderqa.retrieval import Retriever
from borderqa.sentences import SentenceBank
from borderqa.terms import TermWeights
from borderqa.types import Answer, Hit, Passage, Turn

if TYPE_CHECKING:
    from borderqa.answering.pipeline import AnswerPipeline

log = logging.getLogger(__name__)

GeneratorFactory = Callable[[], Generator]


def default_generator_factories(
    settings: Settings, bank: SentenceBank, terms: Callable[[], TermWeights] | None = None
) -> dict[str, GeneratorFactory]:
    """Generators by name, each built on first use (the local one loads a 1.1 GB model)."""

    def extractive() -> Generator:
        from borderqa.answering.extractive import ExtractiveGenerator

        return ExtractiveGenerator(settings.answering, bank, terms() if terms else None)

    def local() -> Generator:
        from borderqa.answering.local import LlamaCppGenerator

        return LlamaCppGenerator(settings.local)

    def openai() -> Generator:
        from borderqa.answering.openai_chat import OpenAIChatGenerator

        return OpenAIChatGenerator(settings.openai)

    return {"extractive": extractive, "local": local, "openai": openai}


def default_reader(settings: Settings) -> Reader | None:
    """The shipped reader (loaded on first use), or None when ``reader.enabled`` is off."""
    if not settings.reader.enabled:
        return None
    from borderqa.embedding import packaged_model_path
    from borderqa.reader.model import SHIPPED_SHA256, WEIGHTS_FILE
    from borderqa.reader.reading import TrainedReader

    r = settings.reader
    base = Path(settings.embedding.model_path) if settings.embedding.model_path else packaged_model_path()
    weights = Path(r.weights_path) if r.weights_path else WEIGHTS_FILE
    return TrainedReader(base, weights, r.sha256 or (SHIPPED_SHA256 if not r.weights_path else ""), r.threads)


class Assistant:
    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        index: ChromaIndex,
        generators: dict[str, GeneratorFactory] | None = None,
        reader: Reader | None = None,
    ) -> None:
        self.settings = settings
        self.reader = reader
        self.embedder = embedder
        self.index = index
        self.bank = SentenceBank(embedder)
        self._factories = generators if generators is not None else default_generator_factories(settings, self.bank, lambda: self.terms)
        self._terms: TermWeights | None = None
        self._verdict: VerdictModel | None = None
        self._generators: dict[str, Generator] = {}
        self._retriever: Retriever | None = None
        self._lock = threading.RLock()  # re-entrant: building a generator may need the retriever

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Assistant:
        settings = settings or Settings.load()
        embedder = SentenceTransformerEmbedder(settings.embedding)
        index = ChromaIndex(settings.index_dir, embedder, fingerprint(settings), settings.collection)
        return cls(settings, embedder, index, reader=default_reader(settings))

    # --- corpus and index ---------------------------------------------------------------------------

    def load_corpus(self) -> Corpus:
        return load_corpus(Path(self.settings.corpus_dir))

    def documents(self) -> list[ManifestEntry]:
        """The corpus as the manifest lists it (cheap: no document is read)."""
        return read_manifest(Path(self.settings.corpus_dir))

    def corpus_passages(self) -> list[Passage]:
        """Passages straight from the corpus files (no index needed): what ``borderqa passages`` shows."""
        return split_corpus(self.load_corpus().documents)

    def index_state(self) -> IndexState:
        return self.index.state(self.load_corpus().documents, CHUNKER_VERSION)

    def build_index(self, progress: Callable[[int, int], None] | None = None, force: bool = False) -> tuple[BuildReport, Corpus]:
        corpus = self.load_corpus()
        report = self.index.build(
            corpus.documents, split_corpus(corpus.documents), CHUNKER_VERSION, progress=progress, force=force
        )
        with self._lock:
            self._retriever = None
            self._terms = None
        return report, corpus

    @property
    def retriever(self) -> Retriever:
        with self._lock:
            if self._retriever is None:
                self._retriever = Retriever(self.index, self.embedder, self.settings.retrieval)
            return self._retriever

    @property
    def verdict(self) -> VerdictModel | None:
        """The fitted combination of the reader and the word checks (``answering/verdict.py``)."""
        if self.reader is None:
            return None
        with self._lock:
            if self._verdict is None:
                r = self.settings.reader
                path = Path(r.verdict_path) if r.verdict_path else VERDICT_FILE
                self._verdict = VerdictModel.load(path)
            return self._verdict

    @property
    def terms(self) -> TermWeights:
        """Word statistics of the indexed passages (which words are rare, which names the report uses)."""
        retriever = self.retriever
        with self._lock:
            if self._terms is None:
                self._terms = TermWeights(retriever.passages)
            return self._terms

    def passages(self) -> list[Passage]:
        return self.retriever.passages

    def warm_up(self) -> float:
        """Load the embedding model, the index and the default generator now (seconds taken), so the
        first question does not pay for it. Needs a built index."""
        start = time.perf_counter()
        self.search("warm up")
        _ = self.terms
        if self.reader:
            self.reader.read("warm up", self.passages()[:1])
        load = getattr(self.generator(), "load", None)  # a language model's weights (llama.cpp: ~2 s)
        if callable(load):
            load()
        return time.perf_counter() - start

    # --- questions ----------------------------------------------------------------------------------

    def check_question(self, question: object) -> str:
        if not isinstance(question, str) or not question.strip():
            raise QueryError("the question is empty: type a question about the report")
        limit = self.settings.answering.max_question_chars
        if len(question) > limit:
            raise QueryError(f"the question has {len(question)} characters; the limit is {limit}")
        return " ".join(question.split())

    def search(self, query: str, k: int | None = None, mode: SearchMode | None = None) -> list[Hit]:
        query = self.check_question(query)
        if k is not None and not 1 <= k <= 100:
            raise QueryError("k must be between 1 and 100")
        return self.retriever.search(query, k=k, mode=mode)

    def generator(self, name: GeneratorName | str | None = None) -> Generator:
        name = name or self.settings.answering.generator
        if name not in self._factories:
            raise ConfigError(f"unknown generator {name!r}: choose one of {sorted(self._factories)}")
        with self._lock:
            if name not in self._generators:
                self._generators[name] = self._factories[name]()
            return self._generators[name]

    def generator_names(self) -> list[str]:
        return list(self._factories)

    def generator_loaded(self, name: str | None = None) -> bool:
        """Whether a generator (default: the configured one) is built, its model loaded, so no request waits for it."""
        with self._lock:
            built = self._generators.get(name or self.settings.answering.generator)
        return built is not None and bool(getattr(built, "loaded", True))

    def _pipeline(self, generator: str | None) -> AnswerPipeline:
        from borderqa.answering.pipeline import AnswerPipeline

        return AnswerPipeline(self.retriever, self.bank, self.generator(generator), self.settings.answering, self.terms,
                              self.reader, self.settings.reader, self.verdict)

    def ask(self, question: str, history: Sequence[Turn] | None = None, generator: str | None = None) -> Answer:
        start = time.perf_counter()
        question = self.check_question(question)
        answer = self._pipeline(generator).answer(question, list(history or ()))
        answer.timings["total"] = time.perf_counter() - start
        return answer

    def stream(
        self, question: str, history: Sequence[Turn] | None = None, generator: str | None = None
    ) -> Iterator[str | Answer]:
        """Text chunks as they are generated, then the final, verified ``Answer``."""
        start = time.perf_counter()
        question = self.check_question(question)
        for item in self._pipeline(generator).stream(question, list(history or ())):
            if isinstance(item, Answer):
                item.timings["total"] = time.perf_counter() - start
            yield item
