"""The premise check (answering/assumption.py) on the eval's questions that assume something: its margin per
case, the threshold chosen on the odd ids, and what that threshold does on the even ids; its cost per question.

Every eval case whose (stand-alone) question presupposes (``perturb.presupposes``) is answered with the
default generator and the check off; the answers that come out *answered* (the others the check never sees)
are read by the local model. A case counts as caught when an unanswerable or false-premise question gets a
margin under the threshold, refused when an answerable one does. The threshold is the lowest margin of an
answerable odd-id case (nothing answerable refused there), rounded down to 0.1.

    .venv/bin/python benchmarks/premise_check.py [--out evals/reports/premise-check.jsonl]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from pathlib import Path

from borderqa import Assistant, Settings
from borderqa.answering.assumption import LocalPremiseJudge
from borderqa.evaluation import load_cases
from borderqa.evaluation.cases import odd_id
from borderqa.reader.perturb import presupposes
from borderqa.serialize import turns_from_dicts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=Path("evals/reports/premise-check.jsonl"))
    args = ap.parse_args()
    assistant = Assistant.from_settings(Settings.load(answering={"premise_check": "off"}))
    judge = Assistant.from_settings(Settings.load(answering={"premise_check": "local"})).premise_judge
    assert isinstance(judge, LocalPremiseJudge), "the premise check needs the local model (make setup)"
    judge.margin("Why warm up?", ["Warming up."])
    rows = []
    for case in load_cases():
        answer = assistant.ask(case.question, history=turns_from_dicts(list(case.history)))
        question = answer.standalone_question or case.question
        if not presupposes(question) or answer.status != "answered":
            continue
        started = time.perf_counter()
        margin = judge.margin(question, [s.text for s in answer.sentences if s.verdict != "dropped" and s.role != "refusal"])
        rows.append({"id": case.id, "kind": case.kind, "answerable": case.answerable, "question": question,
                     "margin": margin, "seconds": time.perf_counter() - started})
        print(f"{case.id:14} {'answerable' if case.answerable else 'not':10} {margin:6.2f}  {question[:80]}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

    odd = [r for r in rows if odd_id(r["id"])]
    threshold = math.floor(min(r["margin"] for r in odd if r["answerable"]) * 10) / 10
    print(f"\nthreshold chosen on odd ids: {threshold} (answering.premise_min_margin is "
          f"{assistant.settings.answering.premise_min_margin})")
    print("| ids | answered, answerable | refused by the check | answered, not answerable | caught by the check |")
    print("|---|---|---|---|---|")
    for name, part in (("odd", odd), ("even", [r for r in rows if not odd_id(r["id"])]), ("all", rows)):
        yes = [r for r in part if r["answerable"]]
        no = [r for r in part if not r["answerable"]]
        refused = sum(r["margin"] < threshold for r in yes)
        caught = sum(r["margin"] < threshold for r in no)
        print(f"| {name} | {len(yes)} | {refused} | {len(no)} | {caught} |")
    seconds = sorted(r["seconds"] for r in rows)
    print(f"\ncheck time: median {statistics.median(seconds):.2f} s, p95 {seconds[int(len(seconds) * 0.95) - 1]:.2f} s "
          f"over {len(rows)} questions")


if __name__ == "__main__":
    main()
