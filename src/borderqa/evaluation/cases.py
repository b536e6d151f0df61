"""Golden cases (``evals/cases.jsonl``) and the selections the eval runs on.

A case: id, kind, question, history, answerable, support (snippets that occur in a passage that answers
it), facts (regexes an answer must match). A passage *supports* a case when it contains one of its snippets
(compared after folding case, accents and quotes).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from borderqa.conversation import standalone_question
from borderqa.errors import QueryError
from borderqa.lexical import fold
from borderqa.serialize import turns_from_dicts
from borderqa.types import Passage

CASES_PATH = Path("evals/cases.jsonl")
# The kinds in the order tables show them; a kind added to the cases later is shown after these.
KINDS = ("factual", "paraphrase", "multi", "unanswerable", "false_premise", "multi_turn")
# Generators too slow for every case in CI: they run on ``subset_for_slow_generators``.
SLOW_GENERATORS = ("local", "openai")


@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    question: str
    history: tuple[dict[str, str], ...]
    answerable: bool
    support: tuple[str, ...]
    facts: tuple[str, ...]
    section: str = ""

    def supports(self, passage: Passage) -> bool:
        text = normalize(passage.text)
        return any(normalize(s) in text for s in self.support)

    def search_query(self) -> str:
        return standalone_question(self.question, turns_from_dicts(list(self.history)))


def odd_id(case_id: str) -> bool:
    """Whether a case's number is odd: thresholds are chosen on odd ids and checked on even ones."""
    return bool(case_id) and case_id[-1] in "13579"


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[\"“”'‘’]", "'", fold(text))).strip()


def load_cases(path: Path = CASES_PATH) -> list[Case]:
    cases = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            cases.append(
                Case(d["id"], d["kind"], d["question"], tuple(d.get("history") or ()), bool(d["answerable"]),
                     tuple(d.get("support") or ()), tuple(d.get("facts") or ()), d.get("section", ""))
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise QueryError(f"{path}:{n} is not a case ({exc}): run `python evals/check_cases.py`") from exc
    return cases


def ordered_kinds(kinds: Iterable[str]) -> list[str]:
    """The known kinds first, in ``KINDS`` order, then any other kind alphabetically."""
    present = set(kinds)
    return [k for k in KINDS if k in present] + sorted(present - set(KINDS))


def select_cases(
    cases: Sequence[Case], kinds: Sequence[str] = (), ids: Sequence[str] = (), limit: int | None = None
) -> list[Case]:
    """The cases of the given kinds or ids (every case when both are empty), then the first ``limit``.

    An unknown kind or id is a QueryError naming what exists, so a typo never runs an empty eval.
    """
    known_kinds = {c.kind for c in cases}
    known_ids = {c.id for c in cases}
    if bad := sorted(set(kinds) - known_kinds):
        raise QueryError(f"unknown case kind {', '.join(bad)}: the cases have {', '.join(ordered_kinds(known_kinds))}")
    if bad := sorted(set(ids) - known_ids):
        raise QueryError(f"unknown case id {', '.join(bad)} (ids look like {cases[0].id if cases else 'fact-001'})")
    if limit is not None and limit < 1:
        raise QueryError(f"--limit must be at least 1, not {limit}")
    chosen = [c for c in cases if (not kinds and not ids) or c.kind in kinds or c.id in ids]
    return chosen[:limit]


def subset_for_slow_generators(cases: Sequence[Case], size: int = 24) -> list[Case]:
    """A fixed, spread-out subset (every n-th case of each kind) for generators too slow for all cases."""
    out: list[Case] = []
    kinds = sorted({c.kind for c in cases})
    if not kinds:
        return out
    per_kind = max(size // len(kinds), 1)
    for kind in kinds:
        of_kind = [c for c in cases if c.kind == kind]
        step = max(len(of_kind) // per_kind, 1)
        out.extend(of_kind[::step][:per_kind])
    return out


def suite_cases(generator: str, cases: Sequence[Case]) -> list[Case]:
    """The cases a generator answers in ``pytest evals/``: all of them, or the fixed subset for a slow one."""
    return subset_for_slow_generators(cases) if generator in SLOW_GENERATORS else list(cases)
