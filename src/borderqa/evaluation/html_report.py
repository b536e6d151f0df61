"""``evals/reports/latest.html``: one self-contained page (no CDN, no external file) for an eval report.

It holds the summary tables (overall and by kind, each figure with its interval), the comparison with an
older run when there is one, a latency histogram (matplotlib, embedded as a base64 PNG), and every case:
question, answer (lead first), citations with the quoted sentence highlighted in its paragraph, each
sentence's verdict and role, and why the case failed. A few lines of inline JavaScript filter the cases by
generator, kind, outcome and text. Jinja2 renders it with autoescaping on, so report text cannot inject
markup. Each case row carries ``data-generator``, ``data-id``, ``data-kind`` and ``data-outcome``.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any

from borderqa.evaluation.metrics import ANSWER_METRICS, RETRIEVAL_METRICS, AnswerResult, kind_groups
from borderqa.ui_render import quote_spans

if TYPE_CHECKING:
    from borderqa.evaluation.report import EvalReport

Segment = tuple[str, bool]  # (text, highlighted)


def highlight_segments(text: str, quotes: Sequence[str]) -> list[Segment]:
    """``text`` cut into plain and highlighted pieces where the quotes occur (``ui_render.quote_spans``:
    verbatim, else ignoring case and runs of white space; a quote not in the text is not highlighted)."""
    out: list[Segment] = []
    pos = 0
    for start, end in quote_spans(text, quotes):
        if start > pos:
            out.append((text[pos:start], False))
        out.append((text[start:end], True))
        pos = end
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def lead_and_rest(row: dict[str, Any]) -> tuple[str, str, bool]:
    """(lead, rest of the answer, whether the answer opens with its lead): the page bolds the lead in place."""
    answer, lead = row.get("answer", ""), row.get("lead", "")
    if lead and answer.startswith(lead):
        return lead, answer[len(lead):], True
    return lead, answer, False


def latency_histogram(answers: Sequence[AnswerResult]) -> str | None:
    """Whole-answer latency per case, one series per generator, as a base64 PNG (None: no timings or no matplotlib)."""
    import numpy as np

    try:
        from matplotlib.figure import Figure  # no pyplot: no global state, no display
    except ImportError:  # the dev extra has it; the page says so
        return None

    series = [(a.generator, [float(r["total_s"]) for r in a.cases if float(r["total_s"]) > 0]) for a in answers]
    series = [(g, v) for g, v in series if v]
    if not series:
        return None
    everything = [x for _, v in series for x in v]
    low, high = min(everything), max(everything)
    bins = [float(b) for b in np.geomspace(low, high * 1.0001, 31)] if high > low else [low * 0.9, high * 1.1]
    fig = Figure(figsize=(8, 3.2), dpi=100)
    ax = fig.subplots()
    for generator, values in series:
        ax.hist(values, bins=bins, alpha=0.6, label=f"{generator} (n={len(values)})")
    ax.set_xscale("log")
    ax.set_xlabel("seconds per answer (log scale)")
    ax.set_ylabel("cases")
    ax.set_title("Whole-answer latency")
    ax.legend()
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _table(report: EvalReport, result: Any, metrics: Sequence[Any]) -> dict[str, Any]:
    from borderqa.evaluation.report import fmt

    overall, by_kind = report.tables(result)
    groups = kind_groups(result.cases, report.kinds())
    return {
        "name": getattr(result, "generator", None) or getattr(result, "mode", ""),
        "cases": len(result.cases),
        "overall": [fmt(overall[m.name], m.unit) for m in metrics],
        "by_kind": [(k, len(groups[k]), [fmt(t[m.name], m.unit) for m in metrics]) for k, t in by_kind.items()],
    }


def render_html(report: EvalReport) -> str:
    from jinja2 import Environment, StrictUndefined

    from borderqa.evaluation.report import run_line

    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["segments"] = lambda c: highlight_segments(c["text"], c.get("quotes", []))
    env.filters["lead_and_rest"] = lead_and_rest
    template = env.from_string(resources.files("borderqa.evaluation").joinpath("report.html.j2").read_text(encoding="utf-8"))
    rows = [(a.generator, row) for a in report.answers for row in a.cases]
    return template.render(
        run=report.run,
        run_line=run_line(report.run) if report.run else "",
        cases=report.cases,
        seed=report.seed,
        resamples=report.resamples,
        answer_labels=[m.label for m in ANSWER_METRICS],
        retrieval_labels=[m.label for m in RETRIEVAL_METRICS],
        answers=[_table(report, a, ANSWER_METRICS) for a in report.answers],
        retrieval=[_table(report, r, RETRIEVAL_METRICS) for r in report.retrieval if r.cases],
        comparison=report.comparison,
        histogram=latency_histogram(report.answers),
        rows=rows,
        generators=[a.generator for a in report.answers],
        kinds=report.kinds(),
    )
