"""The project's exception tree. Messages say what to do next.

    BorderQAError
     +-- ConfigError          bad settings                         CLI exit 2, HTTP 500
     +-- CorpusError          corpus folder / manifest / document  CLI exit 3, HTTP 500
     +-- IndexNotReadyError   no index, or built with other settings CLI exit 4, HTTP 503
     |    +-- IndexUnavailableError  the Chroma server is unreachable   CLI exit 7, HTTP 503
     +-- ModelError           model package missing or hash mismatch CLI exit 5, HTTP 503
     +-- QueryError           empty, too long or malformed question  CLI exit 2, HTTP 422
     +-- GeneratorError       a language model failed or is unreachable CLI exit 6, HTTP 502
"""

from __future__ import annotations


class BorderQAError(Exception):
    """Base of every error the library raises on purpose."""

    exit_code = 1
    http_status = 500


class ConfigError(BorderQAError):
    exit_code = 2


class CorpusError(BorderQAError):
    exit_code = 3


class IndexNotReadyError(BorderQAError):
    exit_code = 4
    http_status = 503


class IndexUnavailableError(IndexNotReadyError):
    """The Chroma server (``BORDERQA_CHROMA_URL``) did not answer; the next question tries it again."""

    exit_code = 7
    http_status = 503


class ModelError(BorderQAError):
    exit_code = 5
    http_status = 503


class QueryError(BorderQAError):
    exit_code = 2
    http_status = 422


class GeneratorError(BorderQAError):
    exit_code = 6
    http_status = 502
