"""``LlamaCppGenerator``: the local language model (Qwen2.5-Coder-1.5B-Instruct GGUF) via llama-cpp-python.

The model is loaded lazily on first use (about 2 s and 1.9 GB of memory on 2 threads) and kept. One
llama.cpp context cannot serve two completions at once, so every call holds a lock for the whole
completion; concurrent callers (API workers, UI sessions) wait their turn. A streaming caller holds
the lock until it has consumed or closed the stream.

llama.cpp runs its threads through OpenMP, whose threads spin while they wait. With as many threads
as cores, one other busy process (the embedder, a test run, a browser) makes them starve each other:
measured on 2 cores, one busy process next to it cut prompt processing from 74 to 21 tokens/s and
generation from 18 to 0.3 tokens/s. With ``OMP_WAIT_POLICY=PASSIVE`` the same contention still gave
about 45 and 15 tokens/s, at the price of some speed on an idle machine (about 51 and 14 tokens/s). It is set here, before
llama.cpp is first imported, unless the environment already sets it: export
``OMP_WAIT_POLICY=ACTIVE`` on a machine that runs nothing else.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from borderqa.answering.model_files import local_model_path
from borderqa.answering.prompts import answer_messages, clean_rewrite, rewrite_messages
from borderqa.config import LocalModelSettings
from borderqa.errors import GeneratorError, ModelError
from borderqa.types import Passage, Turn

if TYPE_CHECKING:
    from llama_cpp import Llama

logger = logging.getLogger(__name__)

REWRITE_MAX_TOKENS = 64
SEED = 1234

Messages = list[dict[str, str]]


class LlamaCppGenerator:
    """Generator and QuestionRewriter over a local GGUF model, temperature 0."""

    name = "local"

    def __init__(
        self,
        settings: LocalModelSettings,
        model_path: Path | str | None = None,
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self._settings = settings
        self._model_path = Path(model_path) if model_path is not None else None
        self._progress = progress
        self._lock = threading.RLock()
        self._llm: Llama | None = None
        self.load_seconds: float | None = None

    # --- model lifecycle --------------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        return self._llm is not None

    def load(self) -> None:
        """Find (join, verify) and load the model now instead of on the first question."""
        with self._lock:
            self._load()

    def _load(self) -> Llama:
        if self._llm is not None:
            return self._llm
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # read once, when OpenMP is first loaded
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise ModelError("llama-cpp-python is not installed: run make setup") from exc
        path = self._model_path or local_model_path(self._settings, self._progress)
        started = time.perf_counter()
        try:
            llm = Llama(
                model_path=str(path),
                n_ctx=self._settings.context_tokens,
                n_threads=self._settings.threads,
                n_threads_batch=self._settings.threads,
                seed=SEED,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelError(f"llama.cpp could not load {path}: {exc}; run make setup") from exc
        self.load_seconds = time.perf_counter() - started
        logger.info("loaded %s in %.1f s (%d threads)", path.name, self.load_seconds, self._settings.threads)
        self._llm = llm
        return llm

    def close(self) -> None:
        """Free the model's memory; the next call loads it again."""
        with self._lock:
            if self._llm is not None:
                self._llm.close()
                self._llm = None

    # --- Generator --------------------------------------------------------------------------------

    def generate(self, question: str, passages: Sequence[Passage]) -> str:
        return "".join(self.stream(question, passages))

    def stream(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        # Each passage costs ~1.2 s of prompt processing on 2 cores (benchmarks/local_llm.py: 4 passages
        # 7.0 s to first token, 10.5 s whole; 3 passages 5.8 s, 8.4 s; same answers right). Markers still
        # number the first passages, so the pipeline's verification reads them unchanged.
        messages = answer_messages(question, passages[: self._settings.passages])
        yield from self._complete(messages, self._settings.max_tokens)

    # --- QuestionRewriter -------------------------------------------------------------------------

    def rewrite(self, question: str, history: Sequence[Turn]) -> str:
        if not history:
            return question
        raw = "".join(self._complete(rewrite_messages(question, history), REWRITE_MAX_TOKENS))
        rewritten = clean_rewrite(raw, question)
        logger.debug("rewrote %r as %r", question, rewritten)
        return rewritten

    # --- helpers ----------------------------------------------------------------------------------

    def count_prompt_tokens(self, messages: Messages) -> int:
        """Tokens the model reads for ``messages`` (its chat template applied), loading it if needed."""
        with self._lock:
            llm = self._load()
            template = llm.metadata.get("tokenizer.chat_template")
            if template:
                from llama_cpp.llama_chat_format import Jinja2ChatFormatter

                formatter = Jinja2ChatFormatter(
                    template=template,
                    eos_token=llm.detokenize([llm.token_eos()]).decode("utf-8", "ignore"),
                    bos_token=llm.detokenize([llm.token_bos()]).decode("utf-8", "ignore"),
                    add_generation_prompt=True,
                )
                prompt = formatter(messages=cast(Any, messages)).prompt
            else:
                prompt = "\n".join(m["content"] for m in messages)
            return len(llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True))

    def _complete(self, messages: Messages, max_tokens: int) -> Iterator[str]:
        with self._lock:
            llm = self._load()
            started = time.perf_counter()
            first: float | None = None
            pieces = 0
            try:
                chunks = llm.create_chat_completion(
                    messages=cast(Any, messages),
                    temperature=0.0,
                    max_tokens=max_tokens,
                    seed=SEED,
                    stream=True,
                )
                for chunk in cast(Iterator[dict[str, Any]], chunks):
                    content = chunk["choices"][0].get("delta", {}).get("content")
                    if content:
                        if first is None:
                            first = time.perf_counter() - started
                        pieces += 1
                        yield content
            except (ValueError, RuntimeError) as exc:
                raise GeneratorError(f"the local model failed: {exc}") from exc
            logger.debug(
                "local completion: %d chunks, first after %.2f s, done after %.2f s",
                pieces,
                first or 0.0,
                time.perf_counter() - started,
            )
