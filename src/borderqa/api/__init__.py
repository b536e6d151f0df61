"""The HTTP API: ``create_app(assistant=None, settings=None) -> FastAPI`` (``serve_app`` for uvicorn workers).

    GET  /healthz                 the process is up
    GET  /readyz                  index built with these settings and default generator loaded (503 naming the fix)
    POST /v1/search               {question, k?, mode?}                       -> {question, hits}
    POST /v1/ask                  {question, history?, generator?, stream?}   -> the answer JSON, or SSE events
    GET  /v1/passages             every passage (?section= a section and its subsections, ?document=)
    GET  /v1/passages/{id}        one passage, its neighbours, lead-in and cited anchors (404 when unknown)
    GET  /v1/documents            the corpus, with passage counts
    GET  /v1/models               the generators as OpenAI models
    POST /v1/chat/completions     OpenAI chat completions (streaming or not), citations kept

The unversioned paths of 0.1 (``/ask``, ``/search``, ``/health``, ...) are gone: they had no client but this
repository's own tests, and two copies of every route would double what the schema fuzz, the docs and
every future change must cover. A request to one gets a 404 saying the API lives under ``/v1``.

Errors are JSON: ``{"error": message}``, in OpenAI's shape on the OpenAI routes (``edges.py``). Library
errors map to statuses: QueryError 422 (400 on the OpenAI routes), ConfigError 400 (an unknown generator),
IndexNotReadyError and ModelError 503, GeneratorError 502; a full local-model queue 503 with Retry-After;
a body that is not JSON 415; over ``api.max_body_bytes`` 413; no or a wrong API key 401.
"""

from __future__ import annotations

from borderqa.api.app import create_app, serve_app
from borderqa.api.edges import status_for

__all__ = ["create_app", "serve_app", "status_for"]
