"""Server-sent events of ``POST /v1/ask`` with ``"stream": true``, and validation messages.

    event: token     data: {"text": "..."}            draft text as it is generated
    event: answer    data: {whole answer JSON}        the verified answer (serialize.answer_to_dict), last
    event: error     data: {"status": 502, "error": "..."}   instead of the answer, when it failed
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi.exceptions import RequestValidationError

from borderqa.api.edges import status_for
from borderqa.errors import BorderQAError
from borderqa.serialize import answer_to_dict
from borderqa.types import Answer

log = logging.getLogger(__name__)


def sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


async def ask_events(first: str | Answer, rest: AsyncIterator[str | Answer]) -> AsyncIterator[bytes]:
    item: str | Answer = first
    try:
        while True:
            if isinstance(item, Answer):
                yield sse("answer", answer_to_dict(item))
                return
            yield sse("token", {"text": item})
            item = await rest.__anext__()
    except StopAsyncIteration:
        yield sse("error", {"status": 502, "error": "the answer stream ended without an answer"})
    except BorderQAError as exc:  # the status line is sent already: report in the stream
        log.warning("stream failed: %s", exc)
        yield sse("error", {"status": status_for(exc), "error": str(exc)})
    except Exception:
        log.exception("stream failed")
        yield sse("error", {"status": 500, "error": "internal error: see the server log"})
    finally:
        aclose = getattr(rest, "aclose", None)
        if aclose is not None:
            await aclose()


def validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            parts.append("the request body is not valid JSON")
            continue
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        msg = str(err.get("msg", "invalid"))
        if msg.startswith("Value error, "):  # our validators' messages stand on their own
            parts.append(msg.removeprefix("Value error, "))
        else:
            parts.append(f"{where}: {msg}" if where else msg)
    return "; ".join(parts) or "invalid request"
