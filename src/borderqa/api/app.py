"""``create_app``: the routes, the error handlers and the start-up warm-up (the endpoint table is in
``borderqa.api``'s docstring and the README)."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException

from borderqa.api import models as m
from borderqa.api.edges import ApiKeyAuth, BodySizeLimit, error_body, is_openai_path, status_for
from borderqa.api.events import ask_events, validation_message
from borderqa.api.openai_compat import (
    Completion,
    NoQuestionError,
    UnknownModelError,
    generator_for,
    model_ids,
    split_messages,
)
from borderqa.api.streams import GenerationQueue, QueueFullError, first_and_rest, iterate_in_thread, last_item
from borderqa.assistant import Assistant
from borderqa.config import Settings
from borderqa.errors import BorderQAError, ConfigError
from borderqa.serialize import answer_to_dict, hit_to_dict, passage_to_dict
from borderqa.types import Answer, Passage, neighbours

log = logging.getLogger(__name__)

# Generators that hold one model that answers one request at a time: they queue (streams.GenerationQueue).
SERIAL_GENERATORS = ("local",)
SSE = "text/event-stream"
STARTING = "starting: loading the embedding model, the index and the default generator"
_SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}
_ERRORS: dict[int | str, dict[str, Any]] = {s: {"model": m.ErrorResponse} for s in (400, 401, 413, 415, 422, 502, 503)}
_OPENAI_ERRORS: dict[int | str, dict[str, Any]] = {s: {"model": m.OpenAIError} for s in (400, 401, 404, 413, 415, 503)}


class _AssistantHolder:
    """The given Assistant, or one built by ``Assistant.from_settings()`` on first use; its warm-up state."""

    def __init__(self, assistant: Assistant | None, settings: Settings) -> None:
        self._assistant = assistant
        self._settings = settings
        self._lock = threading.Lock()
        self.warming = False
        self.warm_error = ""

    def get(self) -> Assistant:
        with self._lock:
            if self._assistant is None:
                try:
                    self._assistant = Assistant.from_settings(self._settings)
                except ConfigError as exc:  # the server's settings, not the request, are wrong
                    raise HTTPException(500, f"the server is misconfigured: {exc}") from exc
            return self._assistant

    def warm_up_in_background(self) -> None:
        """Load models, index and the default generator without holding up /healthz (see /readyz)."""
        with self._lock:
            if self.warming:
                return
            self.warming = True

        def work() -> None:
            try:
                seconds = self.get().warm_up()
                self.warm_error = ""
                log.info("models and index loaded in %.1f s", seconds)
            except (BorderQAError, HTTPException) as exc:
                self.warm_error = str(getattr(exc, "detail", exc))
                log.warning("warm-up failed: %s", self.warm_error)
            finally:
                self.warming = False

        threading.Thread(target=work, name="borderqa-warm-up", daemon=True).start()


def _assistant(request: Request) -> Assistant:
    holder: _AssistantHolder = request.app.state.holder
    return holder.get()


def _json_body(request: Request) -> None:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json" and not (kind.startswith("application/") and kind.endswith("+json")):
        raise HTTPException(415, f"send the body as JSON with 'Content-Type: application/json' (got {kind or 'none'!r})")


AssistantDep = Annotated[Assistant, Depends(_assistant)]
JSON_BODY = [Depends(_json_body)]


def _generator(a: Assistant, requested: str | None) -> str:
    name = requested or a.settings.answering.generator
    if name not in a.generator_names():
        raise ConfigError(f"unknown generator {name!r}: choose one of {sorted(a.generator_names())}")
    return name


def _in_section(p: Passage, section: str) -> bool:
    wanted = [s.strip().casefold() for s in section.split(">") if s.strip()]
    have = [s.casefold() for s in p.section_path]
    return bool(wanted) and have[: len(wanted)] == wanted


def _passage_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/v1/passages/{id}"


def only(documents: list[str] | None) -> dict[str, Any]:
    """The ``documents`` keyword for a restricted search or answer; none for every document."""
    return {"documents": documents} if documents else {}


def create_app(assistant: Assistant | None = None, settings: Settings | None = None, warm_up: bool = False) -> FastAPI:
    """The BorderQA HTTP API around ``assistant`` (built from ``settings`` on the first request when None).

    ``warm_up``: load the models, the index and the default generator in the background at start-up
    (``/readyz`` answers 503 until they are loaded)."""
    settings = settings or (assistant.settings if assistant is not None else Settings.load())
    holder = _AssistantHolder(assistant, settings)
    queues = {name: GenerationQueue(settings.api.queue_depth, name) for name in SERIAL_GENERATORS}
    started = int(time.time())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm_up:
            holder.warm_up_in_background()
        yield

    app = FastAPI(
        title="BorderQA",
        version="1.0.0",
        lifespan=lifespan,
        description=(
            "Questions answered from WOLA's *Mexico's Other Border* (June 2014); every answer sentence "
            'cites report paragraphs. Errors are `{"error": message}` (OpenAI\'s error shape on the '
            "OpenAI-compatible routes)."
        ),
    )
    # Outermost last: CORS (answers preflights), then the API key, then the size limit.
    app.add_middleware(BodySizeLimit, max_bytes=settings.api.max_body_bytes)
    app.add_middleware(ApiKeyAuth, keys=settings.api_keys())
    if settings.api.origins():
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.api.origins(),
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["authorization", "content-type"],
            expose_headers=["retry-after"],
        )
    app.state.holder = holder
    app.state.queues = queues

    @app.exception_handler(BorderQAError)
    async def _library_error(request: Request, exc: BorderQAError) -> JSONResponse:
        status = status_for(exc, request.url.path)
        if status >= 500 and not isinstance(exc, QueueFullError):  # a full queue is load, not a fault
            log.warning("%s %s: %s", request.method, request.url.path, exc)
        headers = {"retry-after": str(exc.retry_after)} if isinstance(exc, QueueFullError) else None
        return JSONResponse(error_body(request.url.path, status, str(exc)), status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        status = 400 if is_openai_path(request.url.path) else 422
        return JSONResponse(error_body(request.url.path, status, validation_message(exc)), status_code=status)

    @app.exception_handler(UnknownModelError)
    async def _unknown_model(request: Request, exc: UnknownModelError) -> JSONResponse:
        body = error_body(request.url.path, 404, str(exc), code="model_not_found", param="model")
        return JSONResponse(body, status_code=404)

    @app.exception_handler(NoQuestionError)
    async def _no_question(request: Request, exc: NoQuestionError) -> JSONResponse:
        return JSONResponse(error_body(request.url.path, 400, str(exc), param="messages"), status_code=400)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        message = str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"no route {request.method} {request.url.path}: the API lives under /v1 (see /docs)"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path} (see /docs)"
        body = error_body(request.url.path, exc.status_code, message)
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Starlette re-raises after this response, so the server logs the traceback; the client never sees it.
        return JSONResponse(error_body(request.url.path, 500, "internal error: see the server log"), status_code=500)

    async def answer_of(make: Callable[[], Iterator[str | Answer]], name: str, ask: Callable[[], Answer], request: Request) -> Answer | None:
        """The final answer; a queued generator runs in a thread that stops if the client goes away."""
        queue = queues.get(name)
        if queue is None:
            return await run_in_threadpool(ask)
        item = await last_item(iterate_in_thread(make, queue), request.is_disconnected)
        if item is not None and not isinstance(item, Answer):
            raise BorderQAError("the answer stream ended without an answer")
        return item

    # --- health -------------------------------------------------------------------------------------

    @app.get("/healthz", response_model=m.LiveResponse, tags=["health"])
    async def healthz() -> dict[str, str]:
        """The process is up (answered on the event loop: never waits for a search or a model)."""
        return {"status": "ok"}

    @app.get("/readyz", response_model=m.ReadyResponse, responses={503: {"model": m.ReadyResponse}}, tags=["health"])
    def readyz(a: AssistantDep) -> JSONResponse:
        """Index built with these settings and default generator loaded; 503 otherwise, naming the fix."""
        name = a.settings.answering.generator
        problem, passages = "", 0
        if holder.warming:  # checked first: a probe must not slow the warm-up down
            body = m.ReadyResponse(ready=False, passages=0, generator=name, index={}, error=STARTING)
            return JSONResponse(body.model_dump(), status_code=503)
        state = a.index_state()
        index = {"exists": state.exists, "fresh": state.fresh, "built_at": state.manifest.get("built_at")}
        if not (state.exists and state.fresh):
            problem = state.reason or "the index is not ready: run `borderqa index`"
        else:
            passages = len(a.passages())
            if not a.generator_loaded():
                problem = f"the default generator {name!r} is not loaded" + (f": {holder.warm_error}" if holder.warm_error else "; loading it now")
                holder.warm_up_in_background()
        body = m.ReadyResponse(ready=not problem, passages=passages, generator=name, index=index, error=problem or None)
        return JSONResponse(body.model_dump(), status_code=503 if problem else 200)

    # --- BorderQA's own routes ----------------------------------------------------------------------

    @app.post("/v1/search", response_model=m.SearchResponse, responses=_ERRORS, dependencies=JSON_BODY)
    def search(body: m.SearchRequest, a: AssistantDep) -> dict[str, Any]:
        hits = a.search(body.question, k=body.k, mode=body.mode, **only(body.documents))
        return {"question": body.question, "hits": [hit_to_dict(h) for h in hits]}

    @app.post(
        "/v1/ask",
        response_model=m.AnswerResponse,
        responses={200: {"content": {SSE: {}}, "description": "the answer, or events with stream=true"}, **_ERRORS},
        dependencies=JSON_BODY,
    )
    async def ask(body: m.AskRequest, request: Request, a: AssistantDep) -> Response:
        """The verified answer; with ``"stream": true``, SSE ``token`` events then one ``answer`` event."""
        name = _generator(a, body.generator)
        a.check_question(body.question)
        turns = body.turns()

        def make() -> Iterator[str | Answer]:
            return a.stream(body.question, history=turns, generator=name, **only(body.documents))

        if not body.stream:
            answer = await answer_of(make, name, lambda: a.ask(body.question, history=turns, generator=name, **only(body.documents)), request)
            if answer is None:
                return Response(status_code=499)
            return JSONResponse(answer_to_dict(answer))
        first, rest = await first_and_rest(iterate_in_thread(make, queues.get(name)))
        return StreamingResponse(ask_events(first, rest), media_type=SSE, headers=_SSE_HEADERS)

    @app.get("/v1/passages", response_model=m.PassagesResponse, responses=_ERRORS)
    def passages(
        a: AssistantDep,
        section: Annotated[str | None, Query(description="A section path, e.g. 'Border Security Strategy'.")] = None,
        document: Annotated[str | None, Query(description="A document id, e.g. 'report'.")] = None,
    ) -> dict[str, Any]:
        found = [
            p
            for p in a.passages()
            if (section is None or _in_section(p, section)) and (document is None or p.document == document)
        ]
        return {"count": len(found), "passages": [passage_to_dict(p) for p in found]}

    @app.get("/v1/passages/{passage_id}", name="passage", response_model=m.PassageDetail, responses={404: {"model": m.ErrorResponse}, **_ERRORS})
    def passage(passage_id: str, request: Request, a: AssistantDep) -> dict[str, Any]:
        """One passage with its neighbours in the document, its lead-in and the report anchors it cites."""
        everything = a.passages()
        by_id = {p.id: p for p in everything}
        p = by_id.get(passage_id)
        if p is None:
            raise HTTPException(404, f"no passage {passage_id!r}: ids look like 'report:p0042' (see GET /v1/passages)")
        before, after = neighbours(everything, passage_id)

        def near(q: Passage | None) -> dict[str, Any] | None:
            return None if q is None else passage_to_dict(q)

        return {
            **passage_to_dict(p),
            "previous": near(before),
            "next": near(after),
            "context": near(by_id.get(p.context_id or "")),
            "url": _passage_url(request).format(id=p.id),
        }

    @app.get("/v1/documents", response_model=m.DocumentsResponse, responses=_ERRORS)
    def documents(a: AssistantDep) -> dict[str, Any]:
        """The corpus (report and cited sources) with each document's passage count in the index."""
        counts = Counter(p.document for p in a.passages())
        docs = [
            {
                "id": d.id,
                "title": d.title,
                "kind": d.kind,
                "format": d.format,
                "file": d.file,
                "authors": list(d.authors),
                "publisher": d.publisher,
                "date": d.date,
                "passages": counts.get(d.id, 0),
            }
            for d in a.documents()
        ]
        return {"count": len(docs), "documents": docs}

    # --- OpenAI-compatible --------------------------------------------------------------------------

    @app.get("/v1/models", response_model=m.ModelList, responses=_OPENAI_ERRORS, tags=["openai"])
    def models(a: AssistantDep) -> dict[str, Any]:
        """The generators as models: ``borderqa`` is the default one."""
        cards = [{"id": i, "object": "model", "created": started, "owned_by": "borderqa"} for i in model_ids(a.generator_names())]
        return {"object": "list", "data": cards}

    @app.get("/v1/models/{model_id}", response_model=m.ModelCard, responses=_OPENAI_ERRORS, tags=["openai"])
    def model(model_id: str, a: AssistantDep) -> dict[str, Any]:
        generator_for(model_id, a.generator_names(), a.settings.answering.generator)
        return {"id": model_id, "object": "model", "created": started, "owned_by": "borderqa"}

    @app.post(
        "/v1/chat/completions",
        response_model=m.ChatCompletion,
        responses={200: {"content": {SSE: {}}, "description": "a completion, or chunks with stream=true"}, **_OPENAI_ERRORS},
        dependencies=JSON_BODY,
        tags=["openai"],
    )
    async def chat(body: m.ChatRequest, request: Request, a: AssistantDep) -> Response:
        """OpenAI's chat completions; the reply keeps its citations (content, annotations, ``citations``)."""
        name = generator_for(body.model, a.generator_names(), a.settings.answering.generator)
        question, history = split_messages(body.messages)
        a.check_question(question)
        completion = Completion(body)
        url = _passage_url(request)

        def make() -> Iterator[str | Answer]:
            return a.stream(question, history=history, generator=name)

        if not body.stream:
            answer = await answer_of(make, name, lambda: a.ask(question, history=history, generator=name), request)
            if answer is None:
                return Response(status_code=499)
            return JSONResponse(completion.whole(answer, url))
        first, rest = await first_and_rest(iterate_in_thread(make, queues.get(name)))
        return StreamingResponse(completion.chunks(first, rest, url), media_type=SSE, headers=_SSE_HEADERS)

    return app


def serve_app() -> FastAPI:
    """The factory ``borderqa serve`` gives uvicorn (one call per worker process): settings from the
    environment, models loaded at start-up."""
    return create_app(warm_up=True)


__all__ = ["SERIAL_GENERATORS", "create_app", "serve_app"]
