"""``OpenAIChatGenerator``: any OpenAI-compatible chat endpoint, through LangChain's ``ChatOpenAI``.

Meant for a local server (``python -m llama_cpp.server``, Ollama, vLLM) holding the same model as the
local generator, so several processes can share one loaded model; nothing here calls a remote service
unless ``BORDERQA_OPENAI__BASE_URL`` points at one. Same prompts as the local generator, temperature 0.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from borderqa.answering.prompts import answer_messages, clean_rewrite, rewrite_messages
from borderqa.config import OpenAISettings
from borderqa.errors import GeneratorError, ModelError
from borderqa.types import Passage, Turn

if TYPE_CHECKING:
    from langchain_openai import ChatOpenAI

logger = logging.getLogger(__name__)

ANSWER_MAX_TOKENS = 256
REWRITE_MAX_TOKENS = 64
SEED = 1234


class OpenAIChatGenerator:
    """Generator and QuestionRewriter over an OpenAI-compatible ``/v1/chat/completions`` endpoint."""

    name = "openai"

    def __init__(
        self,
        settings: OpenAISettings,
        *,
        max_tokens: int = ANSWER_MAX_TOKENS,
        max_retries: int = 1,
    ) -> None:
        self._settings = settings
        self._max_tokens = max_tokens
        self._max_retries = max_retries
        self._clients: dict[int, ChatOpenAI] = {}

    @property
    def base_url(self) -> str:
        return self._settings.base_url

    # --- Generator --------------------------------------------------------------------------------

    def generate(self, question: str, passages: Sequence[Passage]) -> str:
        return self._invoke(answer_messages(question, passages), self._max_tokens)

    def stream(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        client = self._client(self._max_tokens)
        try:
            for chunk in client.stream(answer_messages(question, passages)):
                text = chunk.text
                if text:
                    yield text
        except Exception as exc:
            raise self._error(exc) from exc

    # --- QuestionRewriter -------------------------------------------------------------------------

    def rewrite(self, question: str, history: Sequence[Turn]) -> str:
        if not history:
            return question
        raw = self._invoke(rewrite_messages(question, history), REWRITE_MAX_TOKENS)
        rewritten = clean_rewrite(raw, question)
        logger.debug("rewrote %r as %r", question, rewritten)
        return rewritten

    # --- helpers ----------------------------------------------------------------------------------

    def _invoke(self, messages: list[dict[str, str]], max_tokens: int) -> str:
        client = self._client(max_tokens)
        try:
            return client.invoke(messages).text
        except Exception as exc:
            raise self._error(exc) from exc

    def _client(self, max_tokens: int) -> ChatOpenAI:
        """One client per token limit, built on first use (importing langchain-openai takes a while)."""
        client = self._clients.get(max_tokens)
        if client is not None:
            return client
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as exc:
            raise ModelError("langchain-openai is not installed: run make setup") from exc
        s = self._settings
        options: dict[str, Any] = {
            "base_url": s.base_url,
            "model": s.model,
            "api_key": s.api_key or "not-needed",
            "timeout": s.timeout,
            "max_retries": self._max_retries,
            "temperature": 0.0,
            "seed": SEED,
            # "max_tokens" is what every OpenAI-compatible server understands (llama.cpp's server
            # ignores the newer "max_completion_tokens" that ChatOpenAI would send instead).
            "extra_body": {"max_tokens": max_tokens},
        }
        client = ChatOpenAI(**options)
        self._clients[max_tokens] = client
        return client

    def _error(self, exc: Exception) -> GeneratorError:
        """Map the openai/httpx exception family to GeneratorError; anything else is a bug, re-raised."""
        import httpx
        import openai

        url = self._settings.base_url
        if isinstance(exc, openai.APITimeoutError):
            return GeneratorError(
                f"the model server at {url} did not answer within {self._settings.timeout:g} s"
            )
        if isinstance(exc, openai.APIConnectionError):
            return GeneratorError(
                f"cannot reach the model server at {url}: start it (see README, OpenAI-compatible server) "
                "or fix BORDERQA_OPENAI__BASE_URL"
            )
        if isinstance(exc, openai.APIStatusError):
            return GeneratorError(
                f"the model server at {url} answered HTTP {exc.status_code}: {_short(exc.message)}"
            )
        if isinstance(exc, openai.OpenAIError | httpx.HTTPError):
            return GeneratorError(f"the model server at {url} failed: {_short(str(exc))}")
        raise exc


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
