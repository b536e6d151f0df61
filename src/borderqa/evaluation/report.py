"""An eval run's report: every case's row, every metric with its interval (overall and by kind), what
produced it, and its JSON / Markdown / HTML files.

Files written to the report folder (``evals/reports/``): ``eval-<time>[-<run name>].json`` (the full
report, the input of ``--compare``), the same as ``.md``, and ``latest.json``, ``latest.md`` and
``latest.html`` (one self-contained page). Reports written before intervals existed (no ``schema``) are
read too: their metrics are recomputed from their case rows.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from borderqa.errors import QueryError
from borderqa.evaluation.bootstrap import RESAMPLES, SEED, Estimate, estimate
from borderqa.evaluation.cases import ordered_kinds
from borderqa.evaluation.metrics import (
    ANSWER_METRICS,
    RETRIEVAL_METRICS,
    AnswerResult,
    Metric,
    RetrievalResult,
    Row,
    kind_groups,
)

SCHEMA = 2
Table = dict[str, Estimate]


@dataclass
class EvalReport:
    retrieval: list[RetrievalResult]
    answers: list[AnswerResult]
    cases: int  # cases selected for the run
    run: dict[str, Any] = field(default_factory=dict)  # run_info.collect_run_info(...)
    comparison: Any = None  # a compare.Comparison, when the run was compared with an older report
    json_path: Path = Path()
    markdown_path: Path = Path()
    html_path: Path = Path()
    _tables: dict[str, tuple[Table, dict[str, Table]]] = field(default_factory=dict, repr=False)

    @property
    def seed(self) -> int:
        return int(self.run.get("seed", SEED))

    @property
    def resamples(self) -> int:
        return int(self.run.get("resamples", RESAMPLES))

    def kinds(self) -> list[str]:
        results: list[AnswerResult | RetrievalResult] = [*self.retrieval, *self.answers]
        return ordered_kinds(r.get("kind", "") for res in results for r in res.cases)

    def tables(self, result: AnswerResult | RetrievalResult) -> tuple[Table, dict[str, Table]]:
        """Every metric of one generator (or retrieval mode) with its interval: overall, and per kind."""
        name = result.generator if isinstance(result, AnswerResult) else f"retrieval:{result.mode}"
        if name not in self._tables:
            metrics = ANSWER_METRICS if isinstance(result, AnswerResult) else RETRIEVAL_METRICS
            overall = self._estimates(metrics, result.cases, f"{name}|all")
            by_kind = {k: self._estimates(metrics, rows, f"{name}|{k}") for k, rows in kind_groups(result.cases, self.kinds()).items()}
            self._tables[name] = (overall, by_kind)
        return self._tables[name]

    def _estimates(self, metrics: Sequence[Metric], rows: Sequence[Row], key: str) -> Table:
        return {m.name: estimate(m, rows, self.seed, self.resamples, key) for m in metrics}

    # --- JSON -----------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        def block(result: AnswerResult | RetrievalResult, head: dict[str, Any]) -> dict[str, Any]:
            overall, by_kind = self.tables(result)
            return {**head, "metrics": {k: e.to_dict() for k, e in overall.items()},
                    "by_kind": {kind: {k: e.to_dict() for k, e in t.items()} for kind, t in by_kind.items()},
                    "cases": result.cases}

        data: dict[str, Any] = {
            "schema": SCHEMA, "run": self.run, "cases": self.cases,
            "retrieval": [block(r, {"mode": r.mode}) for r in self.retrieval],
            "answers": [block(a, {"generator": a.generator, "cases_run": a.cases_run}) for a in self.answers],
        }
        if self.comparison is not None:
            data["comparison"] = self.comparison.to_dict()
        return data

    def write(self, out_dir: Path) -> None:
        from borderqa.evaluation.html_report import render_html

        out_dir.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        name = slug(str(self.run.get("name") or ""))
        base = f"eval-{stamp}-{name}" if name else f"eval-{stamp}"
        self.json_path, self.markdown_path = out_dir / f"{base}.json", out_dir / f"{base}.md"
        self.html_path = out_dir / "latest.html"
        text = json.dumps(self.to_dict(), indent=1, ensure_ascii=False)
        markdown = self.summary_markdown() + "\n"
        for path, content in ((self.json_path, text), (out_dir / "latest.json", text), (self.markdown_path, markdown),
                              (out_dir / "latest.md", markdown), (self.html_path, render_html(self))):
            path.write_text(content, encoding="utf-8")

    # --- Markdown -------------------------------------------------------------------------------------

    def summary_markdown(self) -> str:
        run = self.run
        lines = [f"# BorderQA eval{': ' + run['name'] if run.get('name') else ''} ({self.cases} cases)", ""]
        if run:
            lines += [run_line(run), ""]
        lines += ["Every figure: value (95 % bootstrap interval over cases).", ""]
        retrieval = [r for r in self.retrieval if r.cases]  # none when the selection has no answerable case
        if retrieval:
            lines += ["## Retrieval (answerable cases)", ""]
            lines += md_table(["mode", "cases"], RETRIEVAL_METRICS,
                              [(r.mode, len(r.cases), self.tables(r)[0]) for r in retrieval])
            hybrid = next((r for r in retrieval if r.mode == "hybrid"), None)
            if hybrid is not None:
                lines += ["", "### Hybrid retrieval by kind", ""]
                lines += md_table(["kind", "cases"], RETRIEVAL_METRICS,
                                  [(k, t["recall_at_1"].n, t) for k, t in self.tables(hybrid)[1].items()])
        if self.answers:
            lines += ["", "## Answers", ""]
            lines += md_table(["generator", "cases"], ANSWER_METRICS, [(a.generator, a.cases_run, self.tables(a)[0]) for a in self.answers])
            for a in self.answers:
                groups = kind_groups(a.cases, self.kinds())
                lines += ["", f"### {a.generator} by kind", ""]
                lines += md_table(["kind", "cases"], ANSWER_METRICS, [(k, len(groups[k]), t) for k, t in self.tables(a)[1].items()])
        if self.comparison is not None:
            lines += ["", self.comparison.markdown()]
        misses = [c for r in self.retrieval if r.mode == "hybrid" for c in r.cases if c["rank"] != 1]
        if misses:
            lines += ["", "## Hybrid retrieval misses (rank of first supporting passage)", "", "| case | rank | question |", "|---|---|---|"]
            lines += [f"| {c['id']} | {c['rank'] or '-'} | {cell(c['question'])} |" for c in misses]
        for a in self.answers:
            bad = [c for c in a.cases if c.get("outcome", outcome(c)) == "fail"]
            if bad:
                lines += ["", f"## {a.generator}: failed answer cases", "", "| case | expected | given | why | answer |", "|---|---|---|---|---|"]
                lines += [f"| {c['id']} | {'answer' if c['answerable_expected'] else 'refuse'} | {'answer' if c['answerable_given'] else 'refuse'} | "
                          f"{cell('; '.join(c.get('reasons', [])))} | {cell(c['answer'][:160])} |" for c in bad]
        return "\n".join(lines)


def outcome(row: Row) -> str:
    """pass / fail for rows of reports written before rows carried their outcome."""
    if row["answerable_expected"]:
        return "pass" if row.get("facts_ok") else "fail"
    return "fail" if row["answerable_given"] else "pass"


def cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")[:60]


def fmt(e: Estimate | None, unit: str = "") -> str:
    """``0.831 (0.79–0.87)``; seconds with 2 decimals, milliseconds with 1; ``—`` when no case counts."""
    if e is None or e.value is None:
        return "—"
    digits, bound = {"s": (2, 2), "ms": (1, 1)}.get(unit, (3, 2))
    if e.low is None or e.high is None:
        return f"{e.value:.{digits}f}"
    return f"{e.value:.{digits}f} ({e.low:.{bound}f}–{e.high:.{bound}f})"


def md_table(head: Sequence[str], metrics: Sequence[Metric], rows: Sequence[tuple[str, int, Table]]) -> list[str]:
    out = ["| " + " | ".join([*head, *(m.label for m in metrics)]) + " |", "|" + "---|" * (len(head) + len(metrics))]
    out += ["| " + " | ".join([name, str(n), *(fmt(t.get(m.name), m.unit) for m in metrics)]) + " |" for name, n, t in rows]
    return out


def run_line(run: dict[str, Any]) -> str:
    """What produced a run, in one line (fields the run does not record are left out)."""
    m = run.get("machine", {})
    parts = []
    if run.get("git_commit"):
        parts.append(f"commit {run['git_commit'][:10]}{' (uncommitted changes)' if run.get('git_dirty') else ''}")
    if run.get("settings_fingerprint"):
        parts.append(f"settings {run['settings_fingerprint']}")
    if m.get("cores"):
        parts.append(f"{m['cores']} cores ({m.get('usable_cores')} usable), torch threads {m.get('torch_threads')}, "
                     f"llama.cpp threads {m.get('local_threads')}")
    if m.get("load_start"):
        parts.append(f"load average {m['load_start'][0]} at start, {(m.get('load_end') or ['?'])[0]} at end")
    if run.get("started"):
        parts.append(f"{run['started']}{', ' + str(run['seconds']) + ' s' if run.get('seconds') else ''}")
    selection = run.get("selection") or {}
    if any(selection.values()):
        parts.append("selection " + ", ".join(f"{k} {v}" for k, v in selection.items() if v))
    return ("Run: " + "; ".join(parts) + ".") if parts else ""


def load_report(path: Path) -> EvalReport:
    """Read a report JSON (any schema) back; a missing or malformed file is a QueryError naming it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        retrieval = [RetrievalResult(r["mode"], list(r["cases"])) for r in data.get("retrieval", [])]
        answers = [AnswerResult(a["generator"], list(a["cases"])) for a in data.get("answers", [])]
        for a in answers:
            for row in a.cases:
                row.setdefault("outcome", outcome(row))
        return EvalReport(retrieval, answers, int(data.get("cases", 0)), dict(data.get("run") or {}), json_path=path)
    except FileNotFoundError as exc:
        raise QueryError(f"no report at {path}: reports are in evals/reports/ (eval-*.json)") from exc
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise QueryError(f"{path} is not an eval report JSON ({exc})") from exc
