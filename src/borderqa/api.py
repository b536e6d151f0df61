"""The HTTP API: ``create_app(assistant=None) -> FastAPI``. Pydantic request/response models live here only.

    GET  /health            index state and passage count (503 when the index is not ready)
    POST /search            {question, k?, mode?}              -> {question, hits}
    POST /ask               {question, history?, generator?}   -> the answer (serialize.answer_to_dict)
    POST /ask/stream        same body -> NDJSON: {"type": "token", "text"}..., then {"type": "answer", ...}
    GET  /passages          every passage (?section= keeps a section and its subsections, ?document=)
    GET  /passages/{id}     one passage, 404 when unknown

Every error is JSON ``{"error": message}``. Library errors map to statuses: QueryError 422,
ConfigError 400 (for example an unknown generator), IndexNotReadyError and ModelError 503,
GeneratorError 502, any other BorderQAError its ``http_status``. Request bodies over ``max_body_bytes``
are refused with 413 before they are read in full, let alone parsed. Endpoints are plain ``def``s, so
FastAPI runs the blocking retrieval and generation in its threadpool.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from borderqa.assistant import Assistant
from borderqa.config import SearchMode
from borderqa.errors import (
    BorderQAError,
    ConfigError,
    GeneratorError,
    IndexNotReadyError,
    ModelError,
    QueryError,
)
from borderqa.serialize import answer_to_dict, hit_to_dict, passage_to_dict
from borderqa.types import Answer, Passage, Turn

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 100_000
# A backstop: the Assistant's own, configurable limit is lower (answering.max_question_chars).
MAX_QUESTION_CHARS = 100_000
NDJSON = "application/x-ndjson"

_STATUS: tuple[tuple[type[BorderQAError], int], ...] = (
    (QueryError, 422),
    (ConfigError, 400),
    (IndexNotReadyError, 503),
    (ModelError, 503),
    (GeneratorError, 502),
)


def status_for(exc: BorderQAError) -> int:
    for kind, status in _STATUS:
        if isinstance(exc, kind):
            return status
    return exc.http_status


# --- request and response models ---------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Question(_Model):
    question: str = Field(max_length=MAX_QUESTION_CHARS, examples=["How long is Mexico's southern border?"])

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the question is empty: type a question about the report")
        return value


class SearchRequest(_Question):
    k: int | None = Field(default=None, ge=1, le=100, description="How many passages (default: settings).")
    mode: SearchMode | None = Field(default=None, description="Retrieval mode (default: settings).")
    documents: list[str] | None = Field(
        default=None, description="Only these document ids (default: every document).", examples=[["report"]]
    )


class TurnModel(_Model):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=MAX_BODY_BYTES)


class AskRequest(_Question):
    history: list[TurnModel] = Field(default_factory=list, description="Earlier turns, oldest first.")
    generator: str | None = Field(
        default=None, description="extractive, local or openai (default: settings).", examples=["extractive"]
    )
    documents: list[str] | None = Field(
        default=None, description="Answer only from these document ids (default: every document).", examples=[["report"]]
    )

    def turns(self) -> list[Turn]:
        return [Turn(t.role, t.content) for t in self.history]


class HitModel(BaseModel):
    id: str
    document: str
    section: str
    paragraph: int
    page: int | None = None
    locator: str = ""
    text: str
    score: float


class SearchResponse(BaseModel):
    question: str
    hits: list[HitModel]


class SourceSupportModel(BaseModel):
    """What the source behind a report anchor says about the cited sentence (two-hop provenance)."""

    claim: str
    anchor: str
    document: str
    document_title: str
    found: bool
    id: str | None
    locator: str | None
    page: int | None
    text: str | None
    quote: str
    score: float
    note: str


class CitationModel(BaseModel):
    marker: int
    id: str
    document: str
    section: str
    paragraph: int
    text: str
    quotes: list[str]
    document_title: str = ""
    locator: str = ""
    page: int | None = None
    sources: list[SourceSupportModel] = []


class SentenceModel(BaseModel):
    text: str
    citations: list[int]
    verdict: Literal["supported", "repaired", "dropped"]


class AnswerResponse(BaseModel):
    question: str
    standalone_question: str
    answer: str
    answerable: bool
    generator: str
    citations: list[CitationModel]
    sentences: list[SentenceModel]
    related_sections: list[str]
    timings: dict[str, float]


class PassageModel(BaseModel):
    id: str
    document: str
    section: str
    paragraph: int
    ordinal: int
    kind: str
    lines: list[int]
    text: str
    cites: list[str]
    context_id: str | None
    pages: list[int] = [0, 0]
    locator: str = ""


class PassagesResponse(BaseModel):
    count: int
    passages: list[PassageModel]


class IndexModel(BaseModel):
    exists: bool
    fresh: bool
    reason: str
    built_at: str | None = None
    model: str | None = None


class HealthResponse(BaseModel):
    ok: bool
    index: IndexModel
    passages: int
    error: str | None = None


class ErrorResponse(BaseModel):
    error: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse} for status in (400, 413, 422, 502, 503)
}


# --- request size limit -------------------------------------------------------------------------------


class BodySizeLimit:
    """ASGI middleware: refuse bodies over ``max_bytes`` with 413, by Content-Length or while reading."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"error": f"request body too large: the limit is {self.max_bytes} bytes"}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or ()).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await self._refuse(send)
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
                await self._refuse(send)
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


# --- the application ----------------------------------------------------------------------------------


class _AssistantHolder:
    """The given Assistant, or one built by ``Assistant.from_settings()`` on first use."""

    def __init__(self, assistant: Assistant | None) -> None:
        self._assistant = assistant
        self._lock = threading.Lock()

    def get(self) -> Assistant:
        with self._lock:
            if self._assistant is None:
                try:
                    self._assistant = Assistant.from_settings()
                except ConfigError as exc:  # the server's settings, not the request, are wrong
                    raise HTTPException(500, f"the server is misconfigured: {exc}") from exc
            return self._assistant


def _assistant(request: Request) -> Assistant:
    holder: _AssistantHolder = request.app.state.assistant_holder
    return holder.get()


AssistantDep = Annotated[Assistant, Depends(_assistant)]


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _validation_message(exc: RequestValidationError) -> str:
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


def _ndjson(item: dict[str, Any]) -> bytes:
    return (json.dumps(item, ensure_ascii=False) + "\n").encode("utf-8")


def _stream_lines(first: str | Answer, rest: Iterator[str | Answer]) -> Iterator[bytes]:
    item: str | Answer = first
    try:
        while True:
            if isinstance(item, Answer):
                yield _ndjson({"type": "answer", **answer_to_dict(item)})
            else:
                yield _ndjson({"type": "token", "text": item})
            item = next(rest)
    except StopIteration:
        return
    except BorderQAError as exc:  # the status line is sent already: report in the stream
        log.warning("stream failed: %s", exc)
        yield _ndjson({"type": "error", "status": status_for(exc), "error": str(exc)})
    except Exception:
        log.exception("stream failed")
        yield _ndjson({"type": "error", "status": 500, "error": "internal error"})


def _only(documents: list[str] | None) -> dict[str, Any]:
    """The ``documents`` keyword for a restricted search or answer; none for every document."""
    return {"documents": documents} if documents else {}


def _in_section(p: Passage, section: str) -> bool:
    wanted = [s.strip().casefold() for s in section.split(">") if s.strip()]
    have = [s.casefold() for s in p.section_path]
    return bool(wanted) and have[: len(wanted)] == wanted


def create_app(assistant: Assistant | None = None, max_body_bytes: int = MAX_BODY_BYTES) -> FastAPI:
    """The BorderQA HTTP API around ``assistant`` (built from settings on the first request when None)."""
    holder = _AssistantHolder(assistant)
    app = FastAPI(
        title="BorderQA",
        version="0.1.0",
        description=(
            "Questions answered from WOLA's *Mexico's Other Border* (June 2014); every answer sentence "
            'cites report paragraphs. Errors are `{"error": message}`.'
        ),
    )
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    app.state.assistant_holder = holder

    @app.exception_handler(BorderQAError)
    async def _library_error(request: Request, exc: BorderQAError) -> JSONResponse:
        status = status_for(exc)
        if status >= 500:
            log.warning("%s %s: %s", request.method, request.url.path, exc)
        return _error(status, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, _validation_message(exc))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Starlette re-raises after this response, so the server logs the traceback; the client never sees it.
        return _error(500, "internal error: see the server log")

    @app.get("/health", response_model=HealthResponse, responses={503: {"model": HealthResponse}})
    def health(a: AssistantDep) -> JSONResponse:
        state = a.index_state()
        passages, error = 0, state.reason
        if state.exists and state.fresh:
            try:
                passages = len(a.passages())
            except BorderQAError as exc:
                error = str(exc)
        ok = state.exists and state.fresh and not error
        index = IndexModel(
            exists=state.exists,
            fresh=state.fresh,
            reason=state.reason,
            built_at=state.manifest.get("built_at"),
            model=state.manifest.get("model"),
        )
        body = HealthResponse(ok=ok, index=index, passages=passages, error=error or None)
        return JSONResponse(body.model_dump(), status_code=200 if ok else 503)

    @app.post("/search", response_model=SearchResponse, responses=_ERRORS)
    def search(body: SearchRequest, a: AssistantDep) -> dict[str, Any]:
        hits = a.search(body.question, k=body.k, mode=body.mode, **_only(body.documents))
        return {"question": body.question, "hits": [hit_to_dict(h) for h in hits]}

    @app.post("/ask", response_model=AnswerResponse, responses=_ERRORS)
    def ask(body: AskRequest, a: AssistantDep) -> dict[str, Any]:
        return answer_to_dict(a.ask(body.question, history=body.turns(), generator=body.generator, **_only(body.documents)))

    @app.post(
        "/ask/stream",
        response_class=StreamingResponse,
        responses={200: {"content": {NDJSON: {}}, "description": "NDJSON lines"}, **_ERRORS},
    )
    def ask_stream(body: AskRequest, a: AssistantDep) -> StreamingResponse:
        """Lines ``{"type": "token", "text": ...}``, then ``{"type": "answer", ...}`` (or ``"error"``)."""
        a.check_question(body.question)
        items = iter(a.stream(body.question, history=body.turns(), generator=body.generator, **_only(body.documents)))
        # The first item is computed before the response starts, so that an unknown generator, an
        # index that is not ready or a failing model still get a proper status code.
        try:
            first = next(items)
        except StopIteration as exc:
            raise GeneratorError("the answer stream ended without an answer") from exc
        return StreamingResponse(_stream_lines(first, items), media_type=NDJSON)

    @app.get("/passages", response_model=PassagesResponse, responses=_ERRORS)
    def passages(
        a: AssistantDep,
        section: Annotated[
            str | None, Query(description="A section path, e.g. 'Border Security Strategy'.")
        ] = None,
        document: Annotated[str | None, Query(description="A document id, e.g. 'report'.")] = None,
    ) -> dict[str, Any]:
        found = [
            p
            for p in a.passages()
            if (section is None or _in_section(p, section)) and (document is None or p.document == document)
        ]
        return {"count": len(found), "passages": [passage_to_dict(p) for p in found]}

    @app.get("/passages/{passage_id}", response_model=PassageModel, responses={404: {"model": ErrorResponse}})
    def passage(passage_id: str, a: AssistantDep) -> dict[str, Any]:
        for p in a.passages():
            if p.id == passage_id:
                return passage_to_dict(p)
        raise HTTPException(
            404, f"no passage {passage_id!r}: ids look like 'report:p0042' (see GET /passages)"
        )

    return app
