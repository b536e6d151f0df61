"""``Assistant``: the one object the CLI, the HTTP API and the UI talk to.

Every collaborator is a constructor argument; ``from_settings`` builds the defaults (local Chroma index,
all-MiniLM-L6-v2, the generators). Models load lazily, on first use.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from borderqa.answering.assumption import LocalPremiseJudge, PremiseJudge, YesNoScorer
from borderqa.answering.base import Generator
from borderqa.chunking import CHUNKER_VERSION, split_corpus, split_passages
from borderqa.config import GeneratorName, SearchMode, Settings, fingerprint
from borderqa.corpus import Backing, Corpus, ManifestEntry, load_corpus, read_manifest
from borderqa.embedding import Embedder, SentenceTransformerEmbedder
from borderqa.errors import ConfigError, CorpusError, QueryError
from borderqa.index import BuildReport, ChromaIndex, ChromaServer, IndexState
from borderqa.reader.reading import Reader
from borderqa.retrieval import Retriever
from borderqa.sentences import SentenceBank
from borderqa.terms import TermWeights
from borderqa.types import Answer, Hit, Passage, SourceSupport, Turn

if TYPE_CHECKING:
    from borderqa.answering.pipeline import AnswerPipeline
    from borderqa.provenance import Provenance

log = logging.getLogger(__name__)

GeneratorFactory = Callable[[], Generator]


def default_generator_factories(
    settings: Settings, bank: SentenceBank, terms: Callable[[], TermWeights] | None = None, reader: Reader | None = None
) -> dict[str, GeneratorFactory]:
    """Generators by name, each built on first use (the local one loads a 1.1 GB model); the extractive
    one weighs the ``reader``'s sentence readings into its sentence scores."""

    def extractive() -> Generator:
        from borderqa.answering.extractive import ExtractiveGenerator

        return ExtractiveGenerator(settings.answering, bank, terms() if terms else None, reader, settings.reader.sentence_weight)

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
    from borderqa.embedding import model_dir, weights_file
    from borderqa.reader.model import SHIPPED_SHA256, WEIGHTS_FILE
    from borderqa.reader.reading import TrainedReader

    r = settings.reader
    weights, sha = weights_file(r.weights_path, r.sha256, WEIGHTS_FILE, SHIPPED_SHA256)
    onnx_dir = Path(settings.embedding.onnx_dir) if r.backend != "torch" else None
    return TrainedReader(model_dir(settings.embedding), weights, sha, r.threads, onnx_dir, int8=r.backend == "onnx-int8")


@dataclass(frozen=True)
class SourceStatus:
    """One manifest entry as ``borderqa sources`` lists it."""

    entry: ManifestEntry
    passages: int  # as chunked from the file now (0 when it was skipped)
    skipped: str  # why it cannot be read; empty when it can


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
        self._factories = generators if generators is not None else default_generator_factories(settings, self.bank, lambda: self.terms, reader)
        self._terms: TermWeights | None = None
        self._premise_judge: PremiseJudge | None = None
        self._generators: dict[str, Generator] = {}
        self._retriever: Retriever | None = None
        self._provenance: Provenance | None = None
        self._entries: list[ManifestEntry] | None = None  # the manifest, read once per index build
        self._lock = threading.RLock()  # re-entrant: building a generator may need the retriever

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Assistant:
        settings = settings or Settings.load()
        embedder = SentenceTransformerEmbedder(settings.embedding)
        server = ChromaServer(settings.chroma_url, settings.chroma_token) if settings.chroma_url else None
        index = ChromaIndex(settings.index_dir, embedder, fingerprint(settings), settings.collection, server)
        return cls(settings, embedder, index, reader=default_reader(settings))

    # --- corpus and index ---------------------------------------------------------------------------

    def load_corpus(self) -> Corpus:
        return load_corpus(Path(self.settings.corpus_dir), self.settings.max_source_mb)

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
            self._provenance = None
            self._entries = None
        return report, corpus

    # --- sources ------------------------------------------------------------------------------------

    def add_source(
        self, file: Path, title: str = "", url: str = "", publisher: str = "", date: str = "",
        backs: Sequence[Backing] = (), doc_id: str = "", progress: Callable[[int, int], None] | None = None,
    ) -> tuple[ManifestEntry, BuildReport, Corpus]:
        """Copy a source into ``corpus/sources/``, add its manifest entry and update the index (only the
        new document's passages are embedded: the rest are reused by content hash)."""
        from borderqa.corpus.editing import add_source

        entry = add_source(Path(self.settings.corpus_dir), file, title, url, publisher, date, backs, doc_id,
                           self.settings.max_source_mb)
        report, corpus = self.build_index(progress=progress)
        return entry, report, corpus

    def remove_source(self, doc_id: str) -> tuple[ManifestEntry, BuildReport, Corpus]:
        from borderqa.corpus.editing import remove_source

        entry = remove_source(Path(self.settings.corpus_dir), doc_id)
        report, corpus = self.build_index()
        return entry, report, corpus

    def sources(self) -> list[SourceStatus]:
        """Every manifest entry with its passage count, or why it is skipped."""
        corpus = self.load_corpus()
        docs = {d.id: d for d in corpus.documents}
        why = {s.id: s.reason for s in corpus.skips}
        return [
            SourceStatus(e, len(split_passages(docs[e.id])) if e.id in docs else 0, why.get(e.id, ""))
            for e in corpus.entries
        ]

    @property
    def provenance(self) -> Provenance:
        from borderqa.provenance import Provenance

        retriever = self.retriever
        with self._lock:
            if self._provenance is None:
                self._provenance = Provenance(retriever, self.bank, self._manifest())
            return self._provenance

    def _manifest(self) -> list[ManifestEntry]:
        """The manifest as read once per index build (for provenance and the documents' names); none when the
        index is served without its corpus folder."""
        with self._lock:
            if self._entries is None:
                try:
                    self._entries = read_manifest(Path(self.settings.corpus_dir))
                except CorpusError as exc:
                    log.warning("no source provenance and no document names: %s", exc)
                    self._entries = []
            return self._entries

    def trace(self, passage_id: str) -> tuple[Passage, tuple[SourceSupport, ...]]:
        """A report passage and what the sources behind its anchors say (``borderqa provenance``)."""
        passage = self.retriever.passage(passage_id)
        if passage is None:
            raise QueryError(f"no passage {passage_id!r} in the index (ids look like report:p0042)")
        return passage, self.provenance.trace(passage)

    @property
    def retriever(self) -> Retriever:
        """The retriever over the live build; rebuilt when another process (``borderqa index``) switched it."""
        with self._lock:
            if self._retriever is None or self._retriever.build != self.index.build_id():
                self._retriever = Retriever(self.index, self.embedder, self.settings.retrieval)
                self._terms = None
            return self._retriever

    @property
    def terms(self) -> TermWeights:
        """Word statistics of the indexed passages (which words are rare, which names the report uses)."""
        retriever = self.retriever
        with self._lock:
            if self._terms is None:
                self._terms = TermWeights(retriever.words)
            return self._terms

    def passages(self) -> list[Passage]:
        return self.retriever.passages

    def warm_up_steps(self) -> list[tuple[str, Callable[[], object]]]:
        """What ``warm_up`` does, one labelled step at a time (the chat UI shows each as it runs)."""
        reader = self.reader
        return [
            ("Opening the report index", lambda: self.retriever),
            ("Loading the embedding model", lambda: self.search("warm up")),
            ("Preparing the sentence scorer", lambda: self.bank.embed_question("warm up")),  # its ONNX session
            ("Counting the report's words", lambda: self.terms),
            *(
                [("Loading the answer reader", lambda: reader.read("warm up", self.passages()[:1]))]
                if reader is not None
                else []
            ),
            (f"Preparing the {self.settings.answering.generator} generator", self._warm_generator),
            *([("Preparing the premise check", self._warm_premise_judge)] if self.premise_judge is not None else []),
        ]

    def _warm_premise_judge(self) -> None:
        judge = self.premise_judge  # loads the local model and reads the check's fixed instruction once
        if judge is not None:
            judge.margin("Why warm up?", ["Warming up."])

    def _warm_generator(self) -> None:
        load = getattr(self.generator(), "load", None)  # a language model's weights (llama.cpp: ~2 s)
        if callable(load):
            load()

    def warm_up(self) -> float:
        """Load the embedding model, the index and the default generator now (seconds taken), so the
        first question does not pay for it. Needs a built index."""
        start = time.perf_counter()
        for _, step in self.warm_up_steps():
            step()
        return time.perf_counter() - start

    # --- questions ----------------------------------------------------------------------------------

    def check_question(self, question: object) -> str:
        if not isinstance(question, str) or not question.strip():
            raise QueryError("the question is empty: type a question about the report")
        limit = self.settings.answering.max_question_chars
        if len(question) > limit:
            raise QueryError(f"the question has {len(question)} characters; the limit is {limit}")
        return " ".join(question.split())

    def check_documents(self, documents: Collection[str] | None) -> frozenset[str] | None:
        """The document ids a search is restricted to (None: all); an unknown id is a QueryError."""
        if not documents:
            return None
        wanted = frozenset(documents)
        known = {p.document for p in self.retriever.passages}
        unknown = sorted(wanted - known)
        if unknown:
            raise QueryError(f"unknown document {', '.join(map(repr, unknown))}: indexed are {', '.join(sorted(known))}")
        return wanted

    def search(
        self, query: str, k: int | None = None, mode: SearchMode | None = None, documents: Collection[str] | None = None
    ) -> list[Hit]:
        """Best passages for ``query``; ``documents``: only these document ids (default: all)."""
        query = self.check_question(query)
        if k is not None and not 1 <= k <= 100:
            raise QueryError("k must be between 1 and 100")
        return self.retriever.search(query, k=k, mode=mode, documents=self.check_documents(documents))

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

    @property
    def premise_judge(self) -> PremiseJudge | None:
        """The premise check on the local model (``answering.premise_check``), sharing the local generator's
        loaded model; None when it is off or no local model is configured."""
        if self.settings.answering.premise_check == "off" or "local" not in self._factories:
            return None
        with self._lock:
            if self._premise_judge is None:
                model = self.generator("local")
                if not isinstance(model, YesNoScorer):
                    return None
                self._premise_judge = LocalPremiseJudge(model)
            return self._premise_judge

    def pipeline(self, generator: str | None = None, documents: Collection[str] | None = None) -> AnswerPipeline:
        """The answer pipeline this assistant runs (its stages are public for tools such as
        ``borderqa reader calibrate``): ``generator`` by name (None: the configured one), over ``documents``."""
        from borderqa.answering.pipeline import AnswerPipeline

        retriever = self.retriever.scoped(self.check_documents(documents))
        return AnswerPipeline(retriever, self.bank, self.generator(generator), self.settings.answering, self.terms,
                              self.reader, self.settings.reader, self.premise_judge, self.document_names(),
                              self.document_publishers(), self.report_document())

    def document_names(self) -> dict[str, str]:
        """Each document's id -> the words that name it (title, publisher, authors, date), as the manifest has
        them: a question about a document itself names it so (``answering/front_matter.py``). Empty when the
        corpus folder cannot be read (an index used without its corpus)."""
        return {d.id: " ".join([d.title, d.publisher, *d.authors, d.date]) for d in self._manifest()}

    def document_publishers(self) -> dict[str, str]:
        """Each document's id -> its publisher, as the manifest has it ("Who published the report?")."""
        return {d.id: d.publisher for d in self._manifest() if d.publisher}

    def report_document(self) -> str:
        """The report's document id, as the manifest has it ("" without a manifest)."""
        return next((d.id for d in self._manifest() if d.kind == "report"), "")

    def _with_provenance(self, answer: Answer) -> Answer:
        """Citations with their document's title and, for report passages, what their sources say."""
        start = time.perf_counter()
        out = replace(answer, citations=self.provenance.attach(answer.citations))
        out.timings["provenance"] = time.perf_counter() - start
        return out

    def ask(
        self, question: str, history: Sequence[Turn] | None = None, generator: str | None = None,
        documents: Collection[str] | None = None,
    ) -> Answer:
        """A verified, cited answer; ``documents``: answer only from these document ids (default: all)."""
        start = time.perf_counter()
        question = self.check_question(question)
        answer = self._with_provenance(self.pipeline(generator, documents).answer(question, list(history or ())))
        answer.timings["total"] = time.perf_counter() - start
        return answer

    def stream(
        self, question: str, history: Sequence[Turn] | None = None, generator: str | None = None,
        documents: Collection[str] | None = None,
    ) -> Iterator[str | Answer]:
        """Text chunks as they are generated, then the final, verified ``Answer``."""
        start = time.perf_counter()
        question = self.check_question(question)
        for item in self.pipeline(generator, documents).stream(question, list(history or ())):
            if isinstance(item, Answer):
                item = self._with_provenance(item)
                item.timings["total"] = time.perf_counter() - start
            yield item
