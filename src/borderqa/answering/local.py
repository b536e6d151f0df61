"""``LlamaCppGenerator``: the local language model (Qwen2.5-Coder-1.5B-Instruct GGUF) via llama-cpp-python.

The model is loaded lazily on first use (about 2 s and 1.9 GB of memory on 2 threads) and kept. One
llama.cpp context cannot serve two completions at once, so every call holds a lock for the whole
completion; concurrent callers (API workers, UI sessions) wait their turn. A streaming caller holds
the lock until it has consumed or closed the stream.

llama.cpp runs its threads through OpenMP, whose threads spin while they wait. With as many threads
as cores, one other busy process (the embedder, a test run, a browser) makes them starve each other:
measured on 2 cores, one busy process next to it cut prompt processing from 74 to 21 tokens/s and
generation from 18 to 0.3 tokens/s. With ``OMP_WAIT_POLICY=PASSIVE`` the same contention still gave
about 45 and 15 tokens/s. On an idle machine it costs generation only: prompt processing 66 tokens/s
either way, generation 14 against 21 tokens/s (remeasured with the prefix reused). It is set here,
before llama.cpp is first imported, unless the environment already sets it: export
``OMP_WAIT_POLICY=ACTIVE`` on a machine that runs nothing else.

``last_stats`` holds llama.cpp's own counters for the last completion, among them how many prompt
tokens it actually evaluated: the fixed prefix (~376 tokens) is reused from the previous question, so
only the passages and question are new.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
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


def state_bytes(state: Any) -> int:
    """Every byte a saved llama.cpp state keeps: the model state, and the logits and token copies.

    llama-cpp-python's ``LlamaRAMCache`` counts only the first. Each saved state also copies the logits
    buffer (measured: an answer state 19 MB of model state and 297 MB of logits, a rewrite 7 and 139 MB),
    so its 512 MB cap let a process grow to 13.6 GB over about 400 completions.
    """
    return int(state.llama_state_size) + int(state.scores.nbytes) + int(state.input_ids.nbytes)


@functools.cache
def _counted_cache_type() -> type:
    from llama_cpp.llama_cache import LlamaRAMCache

    class CountedRAMCache(LlamaRAMCache):  # type: ignore[misc]
        @property
        def cache_size(self) -> int:
            return sum(state_bytes(state) for state in self.cache_state.values())

    return CountedRAMCache


def counted_ram_cache(capacity_bytes: int) -> Any:
    """A llama.cpp prompt-state cache that holds at most ``capacity_bytes``, counted by ``state_bytes``."""
    return _counted_cache_type()(capacity_bytes=capacity_bytes)


@dataclass(frozen=True)
class CompletionStats:
    """What one completion cost, from llama.cpp's own counters.

    ``prompt_tokens`` counts only the tokens llama.cpp evaluated: the prefix it reused from the previous
    prompt (the rules and worked example) is not among them.
    """

    prompt_tokens: int
    prompt_seconds: float
    generated_tokens: int
    generation_seconds: float
    first_token_seconds: float | None
    total_seconds: float

    @property
    def prompt_tokens_per_second(self) -> float:
        return self.prompt_tokens / self.prompt_seconds if self.prompt_seconds > 0 else 0.0


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
        self.last_stats: CompletionStats | None = None

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
                flash_attn=self._settings.flash_attn,
                seed=SEED,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelError(f"llama.cpp could not load {path}: {exc}; run make setup") from exc
        if self._settings.cache_mb:
            llm.set_cache(counted_ram_cache(self._settings.cache_mb << 20))
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
        yield from self._complete(self.messages(question, passages), self._settings.max_tokens)

    def messages(self, question: str, passages: Sequence[Passage]) -> Messages:
        """The answer prompt for ``question``: the first ``local.passages`` passages, trimmed together.

        Prompt processing (about 67 tokens/s on 2 cores, the machine's limit: flash attention, batch
        sizes and the OpenMP wait policy move it by 0-7 %) is most of the time to the first token, and
        the passages are the part that is new for every question (the rules and worked example are
        reused). Trimming all passages together to ``local.context_chars`` characters (the sentences that
        share the most words with the question) cuts that part from ~410 tokens to ~260 at 1000
        characters, ~180 at 600 (benchmarks/local_llm.py, medians: first token 6.25 -> 4.24 / 2.95 s).
        On the eval's 24-case subset, 1000 kept every fact (first token 5.48 -> 3.29 s); 600 lost 2 of
        16 (2.68 s). Markers still number the first passages in order, and the pipeline verifies the
        draft against the whole passages.
        """
        chosen = passages[: self._settings.passages]
        budget = self._settings.context_chars
        return answer_messages(question, chosen, context_chars=budget or None)

    # --- QuestionRewriter -------------------------------------------------------------------------

    def rewrite(self, question: str, history: Sequence[Turn]) -> str:
        if not history:
            return question
        raw = "".join(self._complete(rewrite_messages(question, history), REWRITE_MAX_TOKENS))
        rewritten = clean_rewrite(raw, question)
        logger.debug("rewrote %r as %r", question, rewritten)
        return rewritten

    # --- other prompts ----------------------------------------------------------------------------

    def complete(self, messages: Messages, max_tokens: int) -> str:
        """The whole reply to ``messages`` (temperature 0), for callers with their own prompt (the
        reader's data builder writes questions with it)."""
        return "".join(self._complete(messages, max_tokens))

    # --- helpers ----------------------------------------------------------------------------------

    def count_prompt_tokens(self, messages: Messages) -> int:
        """Tokens the model reads for ``messages`` (its chat template applied), loading it if needed."""
        with self._lock:
            llm = self._load()
            return len(llm.tokenize(self._prompt(llm, messages).encode("utf-8"), add_bos=False, special=True))

    def yes_no_margin(self, messages: Messages, wait: float | None = None) -> float:
        """logit("Yes") - logit("No") for the first token of the reply to ``messages``: a graded yes/no
        without sampling. The prompt's prefix evaluated last time (instruction, examples) is reused.
        ``wait``: seconds to wait for the model while it writes another answer (None: as long as it takes);
        after that, GeneratorError (the model is busy)."""
        if not self._lock.acquire(timeout=-1 if wait is None else wait):
            raise GeneratorError(f"the local model is busy with another answer (waited {wait} s)")
        try:
            return self._yes_no_margin(messages)
        finally:
            self._lock.release()

    def _yes_no_margin(self, messages: Messages) -> float:
        """The margin itself; the caller holds the lock."""
        llm = self._load()
        tokens = llm.tokenize(self._prompt(llm, messages).encode("utf-8"), add_bos=False, special=True)
        if len(tokens) >= llm.n_ctx():
            raise GeneratorError(f"the prompt has {len(tokens)} tokens, more than the model's context ({llm.n_ctx()})")
        yes, no = (llm.tokenize(w, add_bos=False)[0] for w in (b"Yes", b"No"))
        started = time.perf_counter()
        try:
            import numpy as np
            from llama_cpp import llama_get_logits

            kept = 0  # llama.cpp keeps the evaluated tokens: evaluate only what differs
            for old, new in zip(llm.input_ids[: llm.n_tokens], tokens[:-1], strict=False):
                if old != new:
                    break
                kept += 1
            llm.n_tokens = kept
            llm.eval(tokens[kept:])
            logits = np.ctypeslib.as_array(llama_get_logits(llm.ctx), shape=(llm.n_vocab(),))
        except (ValueError, RuntimeError) as exc:
            raise GeneratorError(f"the local model failed: {exc}") from exc
        logger.debug("yes/no: %d new prompt tokens in %.2f s", len(tokens) - kept, time.perf_counter() - started)
        return float(logits[yes] - logits[no])

    @staticmethod
    def _prompt(llm: Llama, messages: Messages) -> str:
        """``messages`` as the model reads them: its chat template, ready for the assistant's turn."""
        template = llm.metadata.get("tokenizer.chat_template")
        if not template:
            return "\n".join(m["content"] for m in messages)
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=llm.detokenize([llm.token_eos()]).decode("utf-8", "ignore"),
            bos_token=llm.detokenize([llm.token_bos()]).decode("utf-8", "ignore"),
            add_generation_prompt=True,
        )
        return formatter(messages=cast(Any, messages)).prompt

    def _complete(self, messages: Messages, max_tokens: int) -> Iterator[str]:
        with self._lock:
            llm = self._load()
            from llama_cpp import llama_perf_context, llama_perf_context_reset

            llama_perf_context_reset(llm.ctx)
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
            perf = llama_perf_context(llm.ctx)
            self.last_stats = CompletionStats(
                prompt_tokens=perf.n_p_eval,
                prompt_seconds=perf.t_p_eval_ms / 1000,
                generated_tokens=perf.n_eval,
                generation_seconds=perf.t_eval_ms / 1000,
                first_token_seconds=first,
                total_seconds=time.perf_counter() - started,
            )
            logger.debug(
                "local completion: %d new prompt tokens (%.0f/s), %d generated, first after %.2f s, done after %.2f s",
                self.last_stats.prompt_tokens,
                self.last_stats.prompt_tokens_per_second,
                self.last_stats.generated_tokens,
                first or 0.0,
                self.last_stats.total_seconds,
            )
