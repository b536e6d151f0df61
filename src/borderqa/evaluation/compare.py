"""Two runs compared case by case: every metric before and after, the paired difference with its
interval and significance, and the cases that flipped.

Only the cases both runs hold (same id; for answers, the same generator) are compared, so a run on more
cases is compared on the overlap. A case *flips* when its outcome (``metrics.judge``: right or wrong)
differs between the runs: "right → wrong" or "wrong → right".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from borderqa.evaluation.bootstrap import Difference, paired_difference
from borderqa.evaluation.metrics import ANSWER_METRICS, METRICS, RETRIEVAL_METRICS, Metric, Row
from borderqa.evaluation.report import EvalReport, cell, run_line

NO_CHANGE = "no significant change"


@dataclass(frozen=True)
class Flip:
    generator: str
    id: str
    kind: str
    direction: str  # "right → wrong" or "wrong → right"
    question: str
    before: str
    after: str


@dataclass
class GroupComparison:
    section: str  # "answers" or "retrieval"
    group: str  # generator or retrieval mode
    cases: int  # cases both runs hold
    differences: list[Difference] = field(default_factory=list)


@dataclass
class Comparison:
    before_path: str
    before_run: dict[str, Any]
    groups: list[GroupComparison]
    flips: list[Flip]

    @property
    def significant(self) -> list[tuple[GroupComparison, Difference]]:
        return [(g, d) for g in self.groups for d in g.differences if d.significant]

    def verdict(self) -> str:
        """``no significant change``, or which quality metrics moved and which way.

        Latency moves with the machine's load as much as with the code, so a latency difference is named
        after the verdict ("; latency: ...") and never makes one on its own.
        """
        quality = [(g, d) for g, d in self.significant if not METRICS[d.metric].unit]
        latency = [(g, d) for g, d in self.significant if METRICS[d.metric].unit]
        text = ("significant change: " + ", ".join(_moved(g, d) for g, d in quality)) if quality else NO_CHANGE
        return text + ("; latency: " + ", ".join(_moved(g, d) for g, d in latency) if latency else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "before": self.before_path, "before_run": self.before_run, "verdict": self.verdict(),
            "groups": [{"section": g.section, "group": g.group, "cases": g.cases,
                        "differences": [{**d.__dict__, "significant": d.significant} for d in g.differences]}
                       for g in self.groups],
            "flips": [f.__dict__ for f in self.flips],
        }

    def rows(self, group: GroupComparison) -> list[tuple[str, str, str, str, bool]]:
        """(metric label, before, after, difference with interval, significant) per metric, formatted."""
        out = []
        for d in group.differences:
            m = METRICS[d.metric]
            out.append((m.label, _num(d.before, m), _num(d.after, m), _diff(d, m), d.significant))
        return out

    def markdown(self) -> str:
        run = self.before_run
        lines = [f"## Compared with {self.before_path}{' (run ' + repr(run['name']) + ')' if run.get('name') else ''}", ""]
        if run:
            lines += ["Before: " + run_line(run), ""]
        lines += [f"**{self.verdict()}** (paired bootstrap over the cases both runs hold; significant: the 95 % interval "
                  "of the difference excludes 0).", ""]
        for g in self.groups:
            lines += [f"### {g.section}: {g.group} ({g.cases} cases in both)", "",
                      "| metric | before | after | difference (95 % interval) | significant |", "|---|---|---|---|---|"]
            lines += [f"| {label} | {b} | {a} | {d} | {'**yes**' if sig else 'no'} |" for label, b, a, d, sig in self.rows(g)]
            lines.append("")
        for direction in ("right → wrong", "wrong → right"):
            flips = [f for f in self.flips if f.direction == direction]
            lines += [f"### Flipped {direction}: {len(flips)}", ""]
            if flips:
                lines += ["| generator | case | kind | question | before | after |", "|---|---|---|---|---|---|"]
                lines += [f"| {f.generator} | {f.id} | {f.kind} | {cell(f.question)} | {cell(f.before[:200])} | {cell(f.after[:200])} |"
                          for f in flips]
                lines.append("")
        return "\n".join(lines).rstrip()


def _moved(g: GroupComparison, d: Difference) -> str:
    m = METRICS[d.metric]
    better = (d.diff or 0) > 0 if m.higher_is_better else (d.diff or 0) < 0
    word = ("faster" if better else "slower") if m.unit else ("better" if better else "worse")
    return f"{g.group} {m.label} {word}"


def _num(x: float | None, m: Metric) -> str:
    if x is None:
        return "—"
    return f"{x:.{ {'s': 2, 'ms': 1}.get(m.unit, 3) }f}"


def _diff(d: Difference, m: Metric) -> str:
    if d.diff is None:
        return "—"
    digits = {"s": 2, "ms": 1}.get(m.unit, 3)
    if d.low is None or d.high is None:
        return f"{d.diff:+.{digits}f}"
    return f"{d.diff:+.{digits}f} ({d.low:+.{digits}f} to {d.high:+.{digits}f})"


def _group(section: str, name: str, metrics: tuple[Metric, ...], before: list[Row], after: list[Row], seed: int, resamples: int) -> GroupComparison:
    old_ids = {r["id"] for r in before}
    common = sum(1 for r in after if r["id"] in old_ids)
    diffs = [paired_difference(m, before, after, seed, resamples, f"{section}|{name}") for m in metrics]
    return GroupComparison(section, name, common, [d for d in diffs if d.before is not None or d.after is not None])


def flips(generator: str, before: list[Row], after: list[Row]) -> list[Flip]:
    old = {r["id"]: r for r in before}
    out = []
    for r in after:
        o = old.get(r["id"])
        if o is None or o.get("outcome") == r.get("outcome"):
            continue
        direction = "wrong → right" if r.get("outcome") == "pass" else "right → wrong"
        out.append(Flip(generator, r["id"], r.get("kind", ""), direction, r["question"], o["answer"], r["answer"]))
    return out


def compare_reports(before: EvalReport, after: EvalReport) -> Comparison:
    """``after`` against ``before``: per generator and retrieval mode both have, every metric and the flips."""
    seed, resamples = after.seed, after.resamples
    groups: list[GroupComparison] = []
    flipped: list[Flip] = []
    old_answers = {a.generator: a for a in before.answers}
    for a in after.answers:
        if (o := old_answers.get(a.generator)) is not None:
            groups.append(_group("answers", a.generator, ANSWER_METRICS, o.cases, a.cases, seed, resamples))
            flipped += flips(a.generator, o.cases, a.cases)
    old_modes = {r.mode: r for r in before.retrieval}
    for r in after.retrieval:
        if (om := old_modes.get(r.mode)) is not None and om.cases and r.cases:
            groups.append(_group("retrieval", r.mode, RETRIEVAL_METRICS, om.cases, r.cases, seed, resamples))
    path = str(before.json_path) if before.json_path != Path() else ""
    return Comparison(path, before.run, groups, flipped)
