"""The recheck's gap and margin (answering/recheck.py), calibrated on eval questions.

For every one-turn question the recheck could read at a gap up to ``--max-gap`` (``AnswerPipeline.rechecks``:
one the checks answer, with one part, no premise, no list, no passage a rule chose), the local model's yes-no margin is measured for
each of retrieval's top three prose passages within that gap (what the recheck shows it:
``AnswerPipeline.recheck_sentences``). Each (gap, margin) rule is then replayed on those margins: the passage
that would lead, and whether it holds one of the case's support snippets. Printed per group (public odd ids,
public even ids, each held-out file's group): answerable questions led by a supporting passage, passages moved
first for answerable and for unanswerable questions, and the questions read (the answer waits for the model
on those; the median answer must not). A proxy: the eval (``borderqa eval``) is what decides.

The margins are kept in ``--out`` (one line per case), so an interrupted run resumes.

    .venv/bin/python benchmarks/recheck.py [--cases evals/cases.jsonl evals/heldout/*.jsonl] [--groups a,b,e]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from borderqa import Assistant, Settings
from borderqa.answering.extractive import MIN_ANSWER_WORDS, is_prose
from borderqa.answering.recheck import recheck, undecided
from borderqa.evaluation import load_cases
from borderqa.evaluation.cases import odd_id
from borderqa.types import Hit, Passage

READ = 3  # passages the recheck reads at most
Row = dict[str, Any]  # one case: its group, and per top passage its score, prose, support and margin


def _group(path: Path, case_id: str, split: set[str]) -> str:
    """Public odd / even ids; held-out files the rule is chosen on / checked on; any other file by its name."""
    if path.parent.name == "heldout":
        return "held-out " + ("chosen-on" if path.stem.rsplit("-", 1)[-1] in split else "checked-on")
    kind = "odd" if odd_id(case_id) else "even"
    return f"{'public' if path.name == 'cases.jsonl' else path.stem} {kind}"


def collect(paths: list[Path], out: Path, max_gap: float, split: set[str]) -> list[Row]:
    stored = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    done = {row["id"]: row for row in stored}
    assistant = Assistant.from_settings(Settings.load(answering={"recheck_gap": 0}))  # retrieval's order as it comes
    pipe = assistant.pipeline()
    judge = pipe.premise_judge
    assert judge is not None, "the recheck needs the local model (make setup)"
    started, n = time.perf_counter(), 0
    with out.open("a", encoding="utf-8") as fh:
        for path in paths:
            for case in load_cases(path):
                if case.history or case.id in done:
                    continue
                prep = pipe.prepare(case.question, [])
                row: Row = {"id": case.id, "group": _group(path, case.id, split), "answerable": case.answerable,
                             "scores": [], "prose": [], "supports": [], "margins": []}
                if pipe.rechecks(prep, max_gap):
                    top = prep.hits[:READ]
                    row["scores"] = [h.score for h in top]
                    row["prose"] = [is_prose(h.passage) for h in top]
                    row["supports"] = [case.answerable and case.supports(h.passage) for h in top]
                    row["margins"] = [judge.margin(prep.standalone, pipe.recheck_sentences(prep.standalone, h.passage))
                                      if top[0].score - h.score < max_gap and is_prose(h.passage) else None for h in top]
                fh.write(json.dumps(row) + "\n")
                fh.flush()
                done[case.id] = row
                n += 1
                if n % 20 == 0:
                    print(f"{n} questions, {time.perf_counter() - started:.0f} s", flush=True)
    return list(done.values())


class _Stored:
    """A judge that gives the margins measured before (a passage's "best sentences" are its index)."""

    def __init__(self, margins: list[float | None]) -> None:
        self.margins = margins

    def margin(self, question: str, sentences: Sequence[str]) -> float | None:
        return self.margins[int(sentences[0])]


def leader(row: Row, gap: float, margin: float) -> int:
    """The passage the recheck (``recheck.recheck`` itself) puts first under (``gap``, ``margin``)."""
    hits = [Hit(Passage(str(i), "replay", (), i, i, "prose " * MIN_ANSWER_WORDS if prose else "caption"), score)
            for i, (score, prose) in enumerate(zip(row["scores"], row["prose"], strict=True))]
    if not undecided(hits, gap):
        return 0
    out, _ = recheck("", hits, _Stored(row["margins"]), lambda p: [p.id], margin, gap)
    return int(out[0].passage.id)


def replay(rows: list[Row], gaps: list[float], margins: list[float]) -> None:
    groups = sorted({r["group"] for r in rows})
    print("| gap | margin | " + " | ".join(f"{g}: led by support / moved (ans., not) / read" for g in groups) + " |")
    print("|---|---|" + "---|" * len(groups))
    for gap in [0.0, *gaps]:
        for margin in margins if gap else [0.0]:
            cells = []
            for g in groups:
                mine = [r for r in rows if r["group"] == g]
                ans = [r for r in mine if r["answerable"] and r["scores"]]
                led = [leader(r, gap, margin) for r in ans]
                right = sum(r["supports"][i] for r, i in zip(ans, led, strict=True))
                moved = sum(i > 0 for i in led)
                moved_not = sum(leader(r, gap, margin) > 0 for r in mine if not r["answerable"] and r["scores"])
                read = sum(bool(r["scores"]) and r["scores"][0] - r["scores"][1] < gap for r in mine if len(r["scores"]) > 1)
                cells.append(f"{right}/{len(ans)} / {moved}, {moved_not} / {read} of {len(mine)}")
            print(f"| {gap} | {margin} | " + " | ".join(cells) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cases", type=Path, nargs="+", default=[Path("evals/cases.jsonl")])
    ap.add_argument("--out", type=Path, default=Path("evals/reports/recheck-margins.jsonl"))
    ap.add_argument("--max-gap", type=float, default=3.0)
    ap.add_argument("--groups", default="a,b,e,f,h,j,l,n,p,r,t,x",
                    help="held-out file letters the rule is chosen on (the others check it)")
    args = ap.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rows = collect(args.cases, args.out, args.max_gap, set(args.groups.split(",")))
    gaps = [g for g in (1.0, 1.5, 2.0, 2.5, 3.0) if g <= args.max_gap]
    replay(rows, gaps, [0.0, 0.5, 1.0])


if __name__ == "__main__":
    main()
