"""The OpenAI-compatible routes: ``POST /v1/chat/completions`` and ``GET /v1/models``, citations kept.

The last user message is the question; the user and assistant messages before it are the history (system
messages are ignored: the report is the only context). The generators are the models: ``borderqa`` (the
default generator), ``borderqa-extractive``, ``borderqa-local``, ``borderqa-openai``.

Citations survive every client, because they travel three ways:
- the reply's ``content`` ends with a short "Sources" list (section, paragraph, quote), so a client that
  keeps only the text (LangChain's ``ChatOpenAI`` does) still has them;
- ``message.annotations`` has one ``url_citation`` per cited paragraph, its ``start_index``/``end_index``
  spanning that paragraph's line of the Sources list and its ``url`` opening ``/v1/passages/{id}`` (the
  shape LiteLLM, the Vercel AI SDK and openai-agents read);
- ``citations`` (top level) carries everything: id, document, section, paragraph, quote, verdict, url.
When streaming, content arrives once verified (a draft is never sent as content, so the streamed text
equals the non-streamed one), and the annotations and citations come in the final chunk, the one with
``finish_reason``. While a model drafts, SSE comments keep the connection alive.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

from borderqa.api.edges import error_body, status_for
from borderqa.api.models import ChatMessage, ChatRequest
from borderqa.errors import BorderQAError
from borderqa.serialize import citation_to_dict
from borderqa.types import Answer, Citation, Sentence, Turn

log = logging.getLogger(__name__)

QUOTE_CHARS = 200
_VERDICT_ORDER = ("supported", "repaired", "dropped")
MODEL_PREFIX = "borderqa"
OPENAI_CHAT = "/v1/chat/completions"


class UnknownModelError(LookupError):
    def __init__(self, model: str, known: Sequence[str]) -> None:
        super().__init__(f"The model {model!r} does not exist: choose one of {list(known)} (GET /v1/models)")


class NoQuestionError(ValueError):
    pass


def model_ids(generators: Sequence[str]) -> list[str]:
    return [MODEL_PREFIX, *(f"{MODEL_PREFIX}-{g}" for g in generators)]


def generator_for(model: str, generators: Sequence[str], default: str) -> str:
    """The generator a model name stands for (also accepted: a bare generator name)."""
    if model == MODEL_PREFIX:
        return default
    name = model.removeprefix(f"{MODEL_PREFIX}-")
    if name in generators:
        return name
    raise UnknownModelError(model, model_ids(generators))


def split_messages(messages: Sequence[ChatMessage]) -> tuple[str, list[Turn]]:
    """The last user message, and the user/assistant turns before it."""
    last = max((i for i, m in enumerate(messages) if m.role == "user"), default=None)
    if last is None:
        raise NoQuestionError("messages hold no user message: the last user message is the question")
    history = [Turn(m.role, m.text()) for m in messages[:last] if m.role in ("user", "assistant") and m.text()]
    return messages[last].text(), history  # type: ignore[arg-type]


def _quote(c: Citation) -> str:
    text = c.quotes[0] if c.quotes else c.passage.text
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1].rstrip() + "…"


def verdict(marker: int, sentences: Sequence[Sentence]) -> str:
    """The weakest verdict among the answer sentences that cite ``marker``."""
    found = [s.verdict for s in sentences if marker in s.citations]
    return max(found, key=_VERDICT_ORDER.index) if found else "supported"


def render(answer: Answer, passage_url: str) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """(content, annotations, citations) for an answer; ``passage_url`` has a ``{id}`` placeholder."""
    content = answer.text.strip()
    annotations: list[dict[str, Any]] = []
    citations: list[dict[str, Any]] = []
    if answer.citations:
        content += "\n\nSources:"
    for c in answer.citations:
        p = c.passage
        url = passage_url.format(id=p.id)
        quote = _quote(c)
        line = f'[{c.marker}] {p.section}, ¶{p.paragraph}: "{quote}"'
        content += "\n"
        start = len(content)
        content += line
        annotations.append(
            {
                "type": "url_citation",
                "url_citation": {
                    "start_index": start,
                    "end_index": len(content),
                    "title": f"{p.section}, ¶{p.paragraph}",
                    "url": url,
                },
            }
        )
        citations.append({**citation_to_dict(c), "quote": quote, "verdict": verdict(c.marker, answer.sentences), "url": url})
    return content, annotations, citations


def _words(text: str) -> int:
    return len(text.split())


def usage(messages: Sequence[ChatMessage], content: str) -> dict[str, int]:
    """Counts of words, not model tokens (the extractive generator has no tokens)."""
    prompt = sum(_words(m.text()) for m in messages)
    completion = _words(content)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


class Completion:
    """One chat completion's identity: the same id, time and model in every chunk."""

    def __init__(self, request: ChatRequest) -> None:
        self.request = request
        self.id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        self.created = int(time.time())

    def whole(self, answer: Answer, passage_url: str) -> dict[str, Any]:
        content, annotations, citations = render(answer, passage_url)
        message = {"role": "assistant", "content": content, "refusal": None, "annotations": annotations}
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.request.model,
            "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
            "usage": usage(self.request.messages, content),
            "citations": citations,
        }

    def _chunk(self, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        body = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.request.model,
            "choices": [choice],
            **extra,
        }
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n".encode()

    async def chunks(
        self, first: str | Answer, rest: AsyncIterator[str | Answer], passage_url: str
    ) -> AsyncIterator[bytes]:
        """SSE ``data:`` lines: the role, the verified content by sentence, then annotations and citations."""
        yield self._chunk({"role": "assistant", "content": ""})
        item: str | Answer = first
        last_comment = 0.0
        try:
            while not isinstance(item, Answer):
                now = time.monotonic()
                if now - last_comment >= 1.0:  # the draft is not content; say we are alive, once a second
                    last_comment = now
                    yield b": drafting\n\n"
                item = await rest.__anext__()
        except StopAsyncIteration:
            yield _error_line(502, "the answer stream ended without an answer")
            return
        except BorderQAError as exc:  # the status line is sent already: report it in the stream
            log.warning("chat stream failed: %s", exc)
            yield _error_line(status_for(exc, OPENAI_CHAT), str(exc))
            return
        except Exception:
            log.exception("chat stream failed")
            yield _error_line(500, "internal error: see the server log")
            return
        finally:
            aclose = getattr(rest, "aclose", None)
            if aclose is not None:
                await aclose()
        content, annotations, citations = render(item, passage_url)
        for piece in _pieces(content):
            yield self._chunk({"content": piece})
        yield self._chunk({"annotations": annotations}, "stop", citations=citations)
        options = self.request.stream_options
        if options is not None and options.include_usage:
            body = {
                "id": self.id,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": self.request.model,
                "choices": [],
                "usage": usage(self.request.messages, content),
            }
            yield f"data: {json.dumps(body)}\n\n".encode()
        yield b"data: [DONE]\n\n"


def _error_line(status: int, message: str) -> bytes:
    body = error_body(OPENAI_CHAT, status, message)
    return f"data: {json.dumps(body)}\n\n".encode()


def _pieces(content: str) -> list[str]:
    """The content in line-sized pieces (the answer's sentences are already verified: no reason to wait)."""
    lines = content.split("\n")
    return [line + "\n" for line in lines[:-1]] + [lines[-1]] if content else []
