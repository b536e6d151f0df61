"""What every request passes before a route: API keys, the body size limit, error bodies.

Errors are JSON everywhere: ``{"error": message}`` on BorderQA's own routes, OpenAI's shape
``{"error": {"message", "type", "param", "code"}}`` on the OpenAI-compatible ones, so that OpenAI clients
raise their usual exceptions with the message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from borderqa.errors import (
    BorderQAError,
    ConfigError,
    GeneratorError,
    IndexNotReadyError,
    ModelError,
    QueryError,
)

OPENAI_PATHS = ("/v1/chat/completions", "/v1/models")
_OPENAI_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    404: "invalid_request_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    422: "invalid_request_error",
    502: "api_error",
    503: "server_error",
}
_OPENAI_CODES = {401: "invalid_api_key", 413: "request_too_large", 415: "unsupported_media_type", 503: "overloaded"}


def is_openai_path(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in OPENAI_PATHS)


def error_body(path: str, status: int, message: str, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    if not is_openai_path(path):
        return {"error": message}
    return {
        "error": {
            "message": message,
            "type": _OPENAI_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error"),
            "param": param,
            "code": code or _OPENAI_CODES.get(status),
        }
    }


async def send_error(
    scope: Scope, send: Send, status: int, message: str, headers: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    body = json.dumps(error_body(scope.get("path", ""), status, message)).encode()
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


class ApiKeyAuth:
    """ASGI middleware: with keys set, every ``/v1`` request needs ``Authorization: Bearer <key>``.

    The given key is hashed and compared with every configured key's hash by ``hmac.compare_digest``, all
    of them every time, so the time taken says nothing about the keys. A missing and a wrong key get the same
    401, before the body is read. ``/healthz``, ``/readyz`` and the docs stay open.
    """

    def __init__(self, app: ASGIApp, keys: Sequence[str]) -> None:
        self.app = app
        self._digests = [_digest(k) for k in keys]

    def allows(self, authorization: str | None) -> bool:
        if not self._digests:
            return True
        scheme, _, given = (authorization or "").partition(" ")
        candidate = _digest(given.strip()) if scheme.lower() == "bearer" else b"\0" * 32
        ok = False
        for digest in self._digests:
            ok |= hmac.compare_digest(candidate, digest)
        return ok and scheme.lower() == "bearer"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not self._digests or not (path == "/v1" or path.startswith("/v1/")):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        raw = headers.get(b"authorization")
        if self.allows(raw.decode("latin-1") if raw is not None else None):
            await self.app(scope, receive, send)
            return
        message = "missing or wrong API key: send the header 'Authorization: Bearer <key>'"
        await send_error(scope, send, 401, message, [(b"www-authenticate", b"Bearer")])


class BodySizeLimit:
    """ASGI middleware: refuse bodies over ``max_bytes`` with 413, by Content-Length or while reading."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _refuse(self, scope: Scope, send: Send) -> None:
        await send_error(scope, send, 413, f"request body too large: the limit is {self.max_bytes} bytes")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or ()).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await self._refuse(scope, send)
            return
        # No (or an honest) Content-Length: read the body, counting, and replay it to the app.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, send)
                return
            chunks.append(chunk)
            more = bool(message.get("more_body", False))
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


_STATUS: tuple[tuple[type[BorderQAError], int], ...] = (
    (QueryError, 422),
    (ConfigError, 400),
    (IndexNotReadyError, 503),
    (ModelError, 503),
    (GeneratorError, 502),
)


def status_for(exc: BorderQAError, path: str = "") -> int:
    """The HTTP status of a library error (a bad question is 400 on the OpenAI routes, as OpenAI has it)."""
    for kind, status in _STATUS:
        if isinstance(exc, kind):
            return 400 if status == 422 and is_openai_path(path) else status
    return exc.http_status
