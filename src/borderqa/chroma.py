"""Connections to Chroma, the only ``import chromadb``: an embedded PersistentClient per build folder, or
Chroma's own server through ``chromadb.HttpClient`` (``BORDERQA_CHROMA_URL``, optional bearer token).
Telemetry is off for both; no collection is ever given an embedding function (index.py passes vectors).

A server that does not answer (refused, reset, timed out) becomes ``IndexUnavailableError`` (HTTP 503,
CLI exit 7). Chroma's HTTP client opens a connection per request, so once the server is back the next
request simply works: no client has to be rebuilt.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from borderqa.errors import ConfigError, IndexUnavailableError

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


EMBEDDED = "embedded"  # the manifest's "chroma" for a PersistentClient build, else the server's URL


def chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def embedded_client(path: Path) -> Any:
    import chromadb

    return chromadb.PersistentClient(path=str(path), settings=chroma_settings())


def unreachable(exc: BaseException) -> bool:
    """Whether a Chroma client error means the server did not answer (rather than a bad request)."""
    import httpx

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, httpx.TransportError | ConnectionError | TimeoutError):
            return True
        if "could not connect" in str(seen).lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@dataclass(frozen=True)
class ChromaServer:
    """Chroma's own server (``chroma run``, the ``chromadb/chroma`` image, or a distributed deployment)."""

    url: str
    token: str = ""

    def client(self) -> Any:
        parsed = urlparse(self.url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ConfigError(f"BORDERQA_CHROMA_URL={self.url!r} is not of the form http://host:port")
        import chromadb

        https = parsed.scheme == "https"
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else None
        try:
            return chromadb.HttpClient(
                host=parsed.hostname, port=parsed.port or (443 if https else 8000), ssl=https,
                headers=headers, settings=chroma_settings(),
            )
        except Exception as exc:
            raise self.unavailable(exc) from exc

    def unavailable(self, exc: BaseException) -> IndexUnavailableError:
        return IndexUnavailableError(
            f"the Chroma server at {self.url} did not answer ({type(exc).__name__}): start it (`make chroma`) "
            "or fix BORDERQA_CHROMA_URL; the next request tries again"
        )
