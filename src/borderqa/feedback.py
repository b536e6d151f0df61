"""Staff feedback on answers: thumbs up/down and a comment, kept in SQLite under the data folder.

One file, ``<data_dir>/feedback.sqlite3``, in WAL mode with a busy timeout, so several browser tabs and
several processes (the UI, ``borderqa feedback export``) read and write it at once. Every call opens its
own short-lived connection: nothing is shared between threads. Each submission is a new row (nothing is
overwritten); ``latest()`` gives the newest one for an answer.

Text is cleaned before it is stored, so that export never fails on it: Unicode is NFC-normalised, a
surrogate pair becomes its character and a lone surrogate (which UTF-8 cannot encode) U+FFFD, and control characters other than tab and newline are
removed. A comment longer than ``MAX_COMMENT_CHARS`` is refused with a ``FeedbackError`` that says so;
nothing is stored in that case, so the caller keeps the text and can shorten it.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from borderqa.errors import QueryError
from borderqa.serialize import citation_to_dict
from borderqa.types import Answer

Rating = Literal["up", "down"]
ExportFormat = Literal["csv", "jsonl"]
MAX_COMMENT_CHARS = 10_000
DB_NAME = "feedback.sqlite3"
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    answer_id TEXT NOT NULL,
    rating TEXT CHECK (rating IN ('up', 'down') OR rating IS NULL),
    comment TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    status TEXT NOT NULL,
    generator TEXT NOT NULL,
    citations TEXT NOT NULL,
    app_version TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_answer ON feedback (answer_id, id);
"""


class FeedbackError(QueryError):
    """Feedback that cannot be stored as given (a comment too long); nothing was written."""


@dataclass(frozen=True)
class FeedbackRecord:
    id: int
    created_at: str
    conversation_id: str
    answer_id: str
    rating: Rating | None
    comment: str
    question: str
    answer: str
    status: str
    generator: str
    citations: list[dict[str, Any]]
    app_version: str


def app_version() -> str:
    try:
        return metadata.version("borderqa")
    except metadata.PackageNotFoundError:
        return "unknown"


def clean_text(text: str) -> str:
    """Text that SQLite, CSV and JSON all take: NFC, no lone surrogates, no control characters but tab/newline."""
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")  # pairs joined, lone ones U+FFFD
    return _CONTROL_RE.sub("", unicodedata.normalize("NFC", text))


class FeedbackStore:
    def __init__(self, data_dir: Path | str) -> None:
        self.path = Path(data_dir) / DB_NAME
        self._ready = False

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10.0)
        try:
            conn.execute("PRAGMA busy_timeout = 10000")
            if not self._ready:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.executescript(_SCHEMA)
                self._ready = True
            with conn:  # one transaction: committed on success, rolled back on error
                yield conn
        finally:
            conn.close()

    def add(
        self,
        answer: Answer,
        *,
        conversation_id: str,
        answer_id: str,
        rating: Rating | None,
        comment: str = "",
    ) -> FeedbackRecord:
        """Store one submission and return it as stored. Raises FeedbackError for a comment over the limit."""
        if rating not in ("up", "down", None):
            raise FeedbackError(f"rating must be 'up', 'down' or none, not {rating!r}")
        comment = clean_text(comment).strip()
        if len(comment) > MAX_COMMENT_CHARS:
            raise FeedbackError(
                f"the comment has {len(comment):,} characters; the limit is {MAX_COMMENT_CHARS:,}: "
                "shorten it and send again"
            )
        if rating is None and not comment:
            raise FeedbackError("choose thumbs up or down, or write a comment")
        citations = [
            {k: v for k, v in citation_to_dict(c).items() if k != "text"} for c in answer.citations
        ]
        row = {
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "conversation_id": clean_text(conversation_id),
            "answer_id": clean_text(answer_id),
            "rating": rating,
            "comment": comment,
            "question": clean_text(answer.question),
            "answer": clean_text(answer.text),
            "status": answer.status,
            "generator": answer.generator,
            "citations": json.dumps(citations, ensure_ascii=False),
            "app_version": app_version(),
        }
        with self._connect() as conn:
            cur = conn.execute(
                f"INSERT INTO feedback ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                tuple(row.values()),
            )
            row_id = int(cur.lastrowid or 0)
        return _record({"id": row_id, **row})

    def latest(self, answer_id: str) -> FeedbackRecord | None:
        with self._connect() as conn:
            conn.row_factory = sqlite3.Row
            row = conn.execute(
                "SELECT * FROM feedback WHERE answer_id = ? ORDER BY id DESC LIMIT 1", (answer_id,)
            ).fetchone()
        return _record(dict(row)) if row else None

    def records(self) -> list[FeedbackRecord]:
        if not self.path.exists():
            return []
        with self._connect() as conn:
            conn.row_factory = sqlite3.Row
            rows = conn.execute("SELECT * FROM feedback ORDER BY id").fetchall()
        return [_record(dict(r)) for r in rows]

    def export(self, fmt: ExportFormat) -> str:
        return export_records(self.records(), fmt)


def _record(row: dict[str, Any]) -> FeedbackRecord:
    citations = row["citations"]
    return FeedbackRecord(**{**row, "citations": json.loads(citations) if isinstance(citations, str) else citations})


def export_records(records: Sequence[FeedbackRecord], fmt: ExportFormat) -> str:
    """All records as CSV (citations as a JSON string in one column) or JSON Lines."""
    if fmt == "jsonl":
        return "".join(json.dumps(asdict(r), ensure_ascii=False) + "\n" for r in records)
    if fmt != "csv":
        raise FeedbackError(f"unknown export format {fmt!r}: choose csv or jsonl")
    out = io.StringIO()
    fields = list(FeedbackRecord.__dataclass_fields__)
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for r in records:
        d = asdict(r)
        d["citations"] = json.dumps(d["citations"], ensure_ascii=False)
        d["rating"] = d["rating"] or ""
        writer.writerow(d)
    return out.getvalue()
