"""A conversation as Markdown (the UI's "Export"), and the one function that names a citation's place.

``locator()`` is used by the UI's citation cards and by the export alike: "Checkpoints ¶3" (short) or
"Border Security Strategy > ... > Checkpoints ¶3" (full). When citations carry a page locator or the
provenance of a cited source, this is the one place to add them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from borderqa.types import Answer, Citation, Passage

REPORT = "WOLA, “Mexico's Other Border: Security, Migration, and the Humanitarian Crisis at the Line with Central America” (June 2014)"


def passage_locator(p: Passage, full: bool = True) -> str:
    """``Border Security Strategy > Checkpoints ¶3`` (full) or ``Checkpoints ¶3``; a paged source's
    ``p. 4 ¶2`` (``Passage.locator``)."""
    if p.pages[0]:
        return p.locator
    where = (p.section if full else (p.section_path[-1] if p.section_path else "")) or p.document
    return f"{where} ¶{p.paragraph}"


def locator(c: Citation, full: bool = True) -> str:
    """Where a citation points, for people: section (or page) and paragraph number, and a source's title
    ("Crossings at the Suchiate River, p. 4 ¶1")."""
    title = f"{c.document_title}, " if c.document_title and c.passage.document != "report" else ""
    return title + passage_locator(c.passage, full)


@dataclass(frozen=True)
class Exchange:
    """One question and what came back: an answer, or an error message."""

    question: str
    answer: Answer | None = None
    error: str = ""


def _quote(text: str) -> str:
    return " ".join(text.split())


def answer_markdown(answer: Answer) -> str:
    """The answer's text, then each citation with its locator, id and quoted sentences."""
    lines: list[str] = []
    if answer.status != "answered":
        lines.append(f"*{'Not in the report' if answer.status == 'not_in_report' else 'False premise'}.*")
        lines.append("")
    shown = [s for s in answer.sentences if s.verdict != "dropped"]
    if shown:
        for s in shown:
            marks = "".join(f"[{m}]" for m in s.citations)
            bullet = "" if s.role in ("lead", "refusal", "premise") else "- "
            lines.append(f"{bullet}{_quote(s.text)}{' ' + marks if marks else ''}")
    else:
        lines.append(_quote(answer.text))
    if answer.citations:
        lines.append("")
        for c in answer.citations:
            lines.append(f"[{c.marker}] {locator(c, full=False)}, {c.passage.id} ({c.passage.section})")
            lines.extend(f"> “{_quote(q)}”" for q in c.quotes)
            lines.append("")
    dropped = [s for s in answer.sentences if s.verdict == "dropped"]
    if dropped:
        lines.append("Left out by the citation check: " + " ".join(f"“{_quote(s.text)}”" for s in dropped))
    return "\n".join(lines).rstrip() + "\n"


def conversation_markdown(exchanges: Sequence[Exchange], when: datetime | None = None) -> str:
    when = when or datetime.now(UTC)
    out = [
        "# BorderQA conversation",
        "",
        f"Answers from {REPORT}. Exported {when:%Y-%m-%d %H:%M} UTC.",
        "",
    ]
    for n, ex in enumerate(exchanges, 1):
        out += [f"## {n}. {_quote(ex.question)}", ""]
        if ex.answer is not None:
            out.append(answer_markdown(ex.answer))
        else:
            out += [f"*No answer: {ex.error or 'not answered yet'}*", ""]
    return "\n".join(out).rstrip() + "\n"
