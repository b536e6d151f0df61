"""One JSON shape for passages, hits and answers, shared by the CLI, the HTTP API and the UI."""

from __future__ import annotations

from typing import Any

from borderqa.types import Answer, Citation, Hit, Passage, Sentence, SourceSupport, Turn


def passage_to_dict(p: Passage) -> dict[str, Any]:
    return {
        "id": p.id,
        "document": p.document,
        "section": p.section,
        "paragraph": p.paragraph,
        "ordinal": p.ordinal,
        "kind": p.kind,
        "lines": list(p.lines),
        "text": p.text,
        "cites": list(p.cites),
        "context_id": p.context_id,
        "pages": list(p.pages),
        "locator": p.locator,
    }


def hit_to_dict(h: Hit) -> dict[str, Any]:
    return {
        "id": h.passage.id,
        "document": h.passage.document,
        "section": h.passage.section,
        "paragraph": h.passage.paragraph,
        "page": h.passage.page,
        "locator": h.passage.locator,
        "text": h.passage.text,
        "score": round(h.score, 6),
    }


def citation_to_dict(c: Citation) -> dict[str, Any]:
    p = c.passage
    return {
        "marker": c.marker,
        "id": p.id,
        "document": p.document,
        "section": p.section,
        "paragraph": p.paragraph,
        "text": p.text,
        "quotes": list(c.quotes),
        "document_title": c.document_title,
        "locator": p.locator,
        "page": p.page,
        "sources": [source_support_to_dict(s) for s in c.sources],
    }


def source_support_to_dict(s: SourceSupport) -> dict[str, Any]:
    """Two-hop provenance of one report sentence: its anchor, the source, and the source passage."""
    p = s.passage
    return {
        "claim": s.claim,
        "anchor": s.anchor,
        "document": s.document,
        "document_title": s.document_title,
        "found": s.found,
        "id": p.id if p else None,
        "locator": p.locator if p else None,
        "page": p.page if p else None,
        "text": p.text if p else None,
        "quote": s.quote,
        "score": round(s.score, 4),
        "note": s.note,
    }


def sentence_to_dict(s: Sentence) -> dict[str, Any]:
    return {"text": s.text, "citations": list(s.citations), "verdict": s.verdict, "role": s.role}


def answer_to_dict(a: Answer, id: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {} if id is None else {"id": id}
    out.update(
        {
            "question": a.question,
            "standalone_question": a.standalone_question or a.question,
            "answer": a.text,
            "answerable": a.answerable,
            "status": a.status,
            "lead": a.lead,
            "span": a.span,
            "reason": a.reason,
            "confidence": None if a.confidence is None else round(a.confidence, 4),
            "generator": a.generator,
            "citations": [citation_to_dict(c) for c in a.citations],
            "sentences": [sentence_to_dict(s) for s in a.sentences],
            "related_sections": list(a.related_sections),
            "timings": {k: round(v, 4) for k, v in a.timings.items()},
        }
    )
    return out


def turns_from_dicts(items: object) -> list[Turn]:
    """Parse ``[{"role": "user"|"assistant", "content": str}, ...]``; raises ValueError on bad shape."""
    if items is None:
        return []
    if not isinstance(items, list):
        raise ValueError("history must be a list of {role, content} objects")
    turns: list[Turn] = []
    for item in items:
        if not isinstance(item, dict) or item.get("role") not in ("user", "assistant"):
            raise ValueError('each history item needs "role": "user" or "assistant"')
        content = item.get("content")
        if not isinstance(content, str):
            raise ValueError('each history item needs a string "content"')
        turns.append(Turn(role=item["role"], content=content))
    return turns
