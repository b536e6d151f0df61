"""The clause of a report sentence that holds a phrase, cut at clause boundaries (";", " — ", ", while",
", but", ", whereas" ...). The rule question writer (``reader/templates.py``) asks about one clause, not a
whole sentence's business. A clause too short to stand alone (under ``MIN_CLAUSE_WORDS``), or one that
leans on what came before ("and ...", "which ..."), gives way to the whole sentence.

It once cut the answer's lead down to the clause around the reader's span; leading with the best whole
sentence stated the fact first more often (``ExtractiveGenerator.lead_answer`` has the figures).
"""

from __future__ import annotations

import re
from itertools import pairwise

MIN_CLAUSE_WORDS = 6
_BOUNDARY = re.compile(
    r";\s+|\s+[—–]\s+|,\s+(?=(?:while|whereas|but|although|though|yet|even as|according to)\b)|:\s+(?=[A-Z])",
    re.IGNORECASE,
)
_LEANS = re.compile(r"^(and|or|which|who|whom|whose|that|where|when|while|but|although|though|yet|even)\b", re.IGNORECASE)


def clause_with(sentence: str, span: str) -> str:
    """The clause of ``sentence`` that holds ``span`` (the whole sentence when no clause fits)."""
    span = span.strip()
    at = sentence.find(span) if span else -1
    if at < 0:
        return sentence
    cuts = [0] + [m.end() for m in _BOUNDARY.finditer(sentence)] + [len(sentence) + 1]
    for lo, hi in pairwise(cuts):
        if lo <= at < hi:
            end = next((m.start() for m in _BOUNDARY.finditer(sentence, lo) if m.start() >= at + len(span)), len(sentence))
            piece = sentence[lo:end].strip(" ,;:—–")
            if len(piece.split()) < MIN_CLAUSE_WORDS or _LEANS.match(piece) or span not in piece:
                return sentence
            piece = piece[0].upper() + piece[1:]
            return piece if re.search(r"[.!?][\"”’)]*$", piece) else piece + "."
    return sentence
