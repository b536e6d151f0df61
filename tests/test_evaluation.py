"""The eval engine on fabricated data: bootstrap intervals, the lead metric, comparison of two runs,
selections, progress, the JSON / HTML reports and ``borderqa eval`` (with a fake assistant).

Fast and offline; the one browser test (the HTML report in headless Chromium) is marked slow.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from borderqa import cli
from borderqa.config import Settings
from borderqa.errors import QueryError
from borderqa.evaluation import (
    ANSWER_METRICS,
    METRICS,
    NO_CHANGE,
    AnswerResult,
    Case,
    EvalReport,
    ProgressLog,
    RetrievalResult,
    compare_reports,
    estimate,
    eta_line,
    judge,
    load_report,
    paired_difference,
    select_cases,
)
from borderqa.evaluation.html_report import highlight_segments, render_html
from borderqa.evaluation.metrics import form_problems
from borderqa.types import Answer, Citation, Hit, Passage, Sentence

FACT = METRICS["fact_accuracy"]
P = Passage("report:p0001", "report", ("Introduction",), 1, 1,
            "Mexico's southern border zone is 714 miles long. It is easy to cross by raft.")
OTHER = Passage("report:p0002", "report", ("Recommendations",), 2, 2, "The United States should fund reform.")


def _case(i: int = 1, kind: str = "factual", answerable: bool = True, facts: tuple[str, ...] = ("714",)) -> Case:
    return Case(f"{kind[:4]}-{i:03d}", kind, f"Question {i} about the border?", (), answerable,
                ("southern border zone is 714 miles",) if answerable else (), facts if answerable else ())


def _answer(text: str, lead: str = "", answerable: bool = True, cite: Passage = P, quotes: tuple[str, ...] = ()) -> Answer:
    sentences = tuple(Sentence(s, (1,), "supported", role="lead" if n == 0 else "quote")
                      for n, s in enumerate(re.split(r"(?<=\.) ", text)))
    if not answerable:
        return Answer("q", text, False, "fake", sentences=(Sentence(text, (), "supported", "refusal", role="refusal"),),
                      status="not_in_report", lead=text, timings={"total": 0.05})
    quotes = quotes or (cite.text.split(". ")[0] + ".",)
    return Answer("q", text, True, "fake", citations=(Citation(1, cite, quotes),), sentences=sentences,
                  lead=lead or sentences[0].text, timings={"total": 0.1, "first_token": 0.02})


def _rows(n_right: int, n: int, prefix: str = "fact") -> list[dict[str, Any]]:
    """n answerable rows, the first n_right right (facts_ok), as judge() writes them."""
    rows = []
    for i in range(n):
        case = Case(f"{prefix}-{i:03d}", "factual", f"Q{i}?", (), True, ("714 miles",), ("714",))
        rows.append(judge(case, _answer("It is 714 miles long." if i < n_right else "It is long.")))
    return rows


# --- bootstrap ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.2, 0.5, 0.83])
def test_interval_covers_the_true_proportion_and_shrinks_with_n(p: float) -> None:
    widths = []
    for n in (40, 160, 640):
        e = estimate(FACT, _rows(round(p * n), n), resamples=1000)
        assert e.value == pytest.approx(round(p * n) / n)
        assert e.low is not None and e.high is not None
        assert e.low <= p <= e.high, (n, e)
        widths.append(e.high - e.low)
    assert widths[0] > widths[1] > widths[2]
    assert widths[2] < widths[0] / 3  # about 1/sqrt(n): 640 cases, a quarter of the width of 40


def test_intervals_cover_the_truth_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(7)
    truth, n, trials = 0.7, 120, 100
    covered = 0
    for t in range(trials):
        rows = _rows(int(rng.binomial(n, truth)), n)
        e = estimate(FACT, rows, seed=t, resamples=500)
        covered += e.low is not None and e.high is not None and e.low <= truth <= e.high
    assert 0.87 <= covered / trials <= 1.0, covered


def test_intervals_are_seeded() -> None:
    rows = _rows(30, 50)
    assert estimate(FACT, rows) == estimate(FACT, rows)
    assert estimate(FACT, rows, seed=1) != estimate(FACT, rows, seed=2)


def test_ratio_and_quantile_metrics_have_intervals() -> None:
    rows = _rows(30, 50)
    for r, t in zip(rows, np.linspace(0.1, 1.0, 50), strict=True):
        r["total_s"] = float(t)
    p50 = estimate(METRICS["latency_p50_s"], rows)
    assert p50.value == pytest.approx(0.55, abs=0.02) and p50.low is not None and p50.high is not None
    assert p50.low < p50.value < p50.high
    assert estimate(METRICS["refusal_accuracy"], rows) .value is None  # no unanswerable case counts


# --- judging and the lead metric ----------------------------------------------------------------------


def test_lead_states_the_fact_only_when_it_holds_every_fact_found() -> None:
    case = _case(facts=("714", "raft"))
    both = judge(case, _answer("It is 714 miles and crossed by raft. More."))
    assert both["facts_ok"] and both["lead_states_fact"] and both["outcome"] == "pass"
    buried = judge(case, _answer("The border is long. It is 714 miles, crossed by raft."))
    assert buried["facts_ok"] and not buried["lead_states_fact"]
    assert "the lead does not state the fact" in buried["reasons"]
    partial = judge(case, _answer("It is 714 miles. Crossed by raft."))  # the lead holds one of the two found
    assert not partial["lead_states_fact"]
    wrong = judge(case, _answer("Nobody knows."))
    assert not wrong["facts_ok"] and not wrong["lead_states_fact"] and wrong["outcome"] == "fail"
    assert wrong["reasons"][:2] == ["fact /714/ not in the answer", "fact /raft/ not in the answer"]
    lead = METRICS["lead_accuracy"]
    assert lead.value([both, buried, partial, wrong]) == pytest.approx(0.25)
    multi = judge(_case(kind="multi"), _answer("Part one. It is 714 miles."))
    refused = judge(case, _answer("The report does not say.", answerable=False))
    assert lead.score(multi) is None and lead.score(refused) is None  # not a one-fact answered question


def test_lead_falls_back_to_the_first_lead_sentence() -> None:
    answer = _answer("It is 714 miles.")
    no_field = Answer(answer.question, answer.text, True, "fake", answer.citations, answer.sentences, lead="")
    assert judge(_case(), no_field)["lead"] == "It is 714 miles."


def test_refusals_judged_and_reasons_given() -> None:
    unans = _case(2, "unanswerable", answerable=False)
    assert judge(unans, _answer("The report does not say.", answerable=False))["outcome"] == "pass"
    wrong = judge(unans, _answer("It is 714 miles."))
    assert wrong["outcome"] == "fail" and wrong["reasons"] == ["answered a question the report does not answer"]
    refused = judge(_case(), _answer("The report does not say.", answerable=False))
    assert refused["reasons"] == ["refused an answerable question (not_in_report)"]
    off = judge(_case(), _answer("It is 714 miles long.", cite=OTHER, quotes=(OTHER.text,)))
    assert off["cited_supporting"] == 0 and "cites no supporting passage" in off["reasons"]


def test_form_problems() -> None:
    row = judge(_case(), _answer("It is 714 miles."))
    assert form_problems(row) == []
    bad = judge(_case(), _answer("It is 714 miles.", quotes=("A sentence the paragraph does not hold.",)))
    assert form_problems(bad) == ["[1] quote not in report:p0001: 'A sentence the paragraph does not hold.'"]
    bad["sentences"].append({"text": "Extra claim.", "citations": [], "verdict": "supported", "role": "quote", "note": ""})
    assert "uncited quote sentence: 'Extra claim.'" in form_problems(bad)
    refused = judge(_case(), _answer("The report does not say.", answerable=False))
    assert form_problems(refused) == []


# --- comparison ---------------------------------------------------------------------------------------


def _report(rows: list[dict[str, Any]], generator: str = "extractive", name: str = "") -> EvalReport:
    return EvalReport([], [AnswerResult(generator, [dict(r) for r in rows])], len(rows), {"name": name, "seed": 2014, "resamples": 1000})


def test_identical_runs_show_no_significant_change() -> None:
    rows = _rows(70, 100)
    comparison = compare_reports(_report(rows), _report(rows))
    assert comparison.verdict() == NO_CHANGE
    assert comparison.flips == []
    for d in comparison.groups[0].differences:
        assert d.diff == 0 and d.low == 0 and d.high == 0 and not d.significant
    assert NO_CHANGE in comparison.markdown()


def test_known_flips_are_listed_exactly() -> None:
    before = _rows(70, 100)
    after = [dict(r) for r in before]
    to_wrong, to_right = ["fact-003", "fact-010", "fact-042"], ["fact-080", "fact-081", "fact-090", "fact-095", "fact-099"]
    for r in after:
        if r["id"] in to_wrong + to_right:
            right = r["id"] in to_right
            r.update(judge(Case(r["id"], "factual", r["question"], (), True, ("714 miles",), ("714",)),
                           _answer("It is 714 miles long." if right else "It is long.")))
    comparison = compare_reports(_report(before), _report(after))
    got = {(f.id, f.direction) for f in comparison.flips}
    assert got == {(i, "right → wrong") for i in to_wrong} | {(i, "wrong → right") for i in to_right}
    flip = next(f for f in comparison.flips if f.id == "fact-003")
    assert (flip.question, flip.before, flip.after) == ("Q3?", "It is 714 miles long.", "It is long.")
    fact = next(d for d in comparison.groups[0].differences if d.metric == "fact_accuracy")
    assert (fact.before, fact.after) == (pytest.approx(0.70), pytest.approx(0.72))
    assert fact.low is not None and fact.high is not None and fact.low <= fact.diff <= fact.high
    assert not fact.significant  # 2 net cases of 100
    text = comparison.markdown()
    assert "Flipped right → wrong: 3" in text and "Flipped wrong → right: 5" in text and "| extractive | fact-042 |" in text


def test_a_large_drop_is_significant_and_named() -> None:
    before, after = _rows(80, 100), _rows(50, 100)  # cases 50..79 go right -> wrong
    comparison = compare_reports(_report(before), _report(after))
    fact = next(d for d in comparison.groups[0].differences if d.metric == "fact_accuracy")
    assert fact.diff == pytest.approx(-0.30) and fact.significant and fact.high is not None and fact.high < 0
    assert "extractive fact acc. worse" in comparison.verdict()
    assert len(comparison.flips) == 30


def test_a_latency_change_alone_is_not_a_change_in_quality() -> None:
    before = _rows(70, 100)
    after = [dict(r, total_s=r["total_s"] * 3) for r in before]
    verdict = compare_reports(_report(before), _report(after)).verdict()
    assert verdict == f"{NO_CHANGE}; latency: extractive p50 s slower, extractive p95 s slower"


def test_paired_difference_uses_only_common_cases() -> None:
    d = paired_difference(FACT, _rows(10, 10, "a"), _rows(0, 10, "b"))
    assert d.before is None and d.after is None and d.n == 0


def test_report_round_trip_and_compare_from_files(tmp_path: Path) -> None:
    report = _report(_rows(70, 100), name="base line")
    report.retrieval = [RetrievalResult("hybrid", [{"id": f"fact-{i:03d}", "kind": "factual", "question": "?",
                                                    "rank": 1 if i % 2 else 3, "top": [], "ms": 5.0} for i in range(100)])]
    report.write(tmp_path)
    assert report.json_path.name.endswith("-base-line.json")
    data = json.loads(report.json_path.read_text())
    assert data["schema"] == 2 and data["run"]["name"] == "base line"
    m = data["answers"][0]["metrics"]["fact_accuracy"]
    assert m["value"] == 0.7 and m["low"] < 0.7 < m["high"] and m["n"] == 100
    assert set(data["answers"][0]["by_kind"]) == {"factual"}
    assert (tmp_path / "latest.json").read_text() == report.json_path.read_text()
    assert "0.700 (0." in (tmp_path / "latest.md").read_text()
    back = load_report(report.json_path)
    comparison = compare_reports(back, report)
    assert comparison.verdict() == NO_CHANGE and [g.group for g in comparison.groups] == ["extractive", "hybrid"]


def test_old_reports_without_intervals_can_be_compared(tmp_path: Path) -> None:
    old = {"cases": 2, "retrieval": [], "answers": [{"generator": "extractive", "fact_accuracy": 0.5, "cases": [
        {"id": "fact-000", "kind": "factual", "question": "Q0?", "answer": "714", "answerable_expected": True,
         "answerable_given": True, "cited": [], "total_s": 0.1, "first_token_s": 0.0, "facts_ok": True,
         "cited_supporting": 1, "cited_total": 1},
        {"id": "fact-001", "kind": "factual", "question": "Q1?", "answer": "no", "answerable_expected": True,
         "answerable_given": True, "cited": [], "total_s": 0.1, "first_token_s": 0.0, "facts_ok": False,
         "cited_supporting": 0, "cited_total": 1}]}]}
    path = tmp_path / "eval-old.json"
    path.write_text(json.dumps(old))
    comparison = compare_reports(load_report(path), _report(_rows(2, 2)))
    assert [(f.id, f.direction) for f in comparison.flips] == [("fact-001", "wrong → right")]


def test_bad_report_paths_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(QueryError, match="no report at"):
        load_report(tmp_path / "missing.json")
    (tmp_path / "x.json").write_text("{not json")
    with pytest.raises(QueryError, match="not an eval report"):
        load_report(tmp_path / "x.json")


# --- selections, progress ----------------------------------------------------------------------------


def test_select_cases() -> None:
    cases = [_case(1), _case(2), _case(1, "multi"), _case(3, "unanswerable", answerable=False)]
    assert [c.id for c in select_cases(cases, kinds=["multi"])] == ["mult-001"]
    assert [c.id for c in select_cases(cases, kinds=["factual"], limit=1)] == ["fact-001"]
    assert [c.id for c in select_cases(cases, ids=["fact-002", "unan-003"])] == ["fact-002", "unan-003"]
    assert len(select_cases(cases)) == 4
    with pytest.raises(QueryError, match="unknown case kind fals"):
        select_cases(cases, kinds=["fals"])
    with pytest.raises(QueryError, match="unknown case id"):
        select_cases(cases, ids=["fact-999"])


def test_progress_lines_say_the_time_left() -> None:
    assert eta_line("answers local", 10, 40, 30.0) == "answers local: 10/40 cases, 30 s, about 1 min 30 s left"
    assert eta_line("answers local", 40, 40, 120.0) == "answers local: 40/40 cases, 2 min 00 s, done"
    lines: list[str] = []
    now = [0.0]
    log = ProgressLog(lines.append, every=10, clock=lambda: now[0])
    for done in range(21):
        now[0] = done * 1.0
        log("answers extractive", done, 20)
    assert lines == ["answers extractive: 20 cases",
                     "answers extractive: 1/20 cases, 1 s, about 19 s left",
                     "answers extractive: 11/20 cases, 11 s, about 9 s left",
                     "answers extractive: 20/20 cases, 20 s, done"]


# --- HTML ---------------------------------------------------------------------------------------------


def test_highlight_segments() -> None:
    text = "First sentence.  Second   sentence here. Third."
    assert highlight_segments(text, ["second sentence here."]) == [
        ("First sentence.  ", False), ("Second   sentence here.", True), (" Third.", False)]
    assert highlight_segments(text, ["not there"]) == [(text, False)]
    assert highlight_segments("a b c", ["a b", "b c"]) == [("a b c", True)]


def _mixed_report() -> EvalReport:
    rows = [judge(_case(1), _answer("It is 714 miles long.")),
            judge(_case(2), _answer("The border is long. It is 714 miles.")),
            judge(_case(3), _answer("Nobody <b>knows</b>.")),
            judge(_case(4, "unanswerable", answerable=False), _answer("The report does not say.", answerable=False)),
            judge(_case(5, "multi_turn"), _answer("It is 714 miles.", cite=OTHER, quotes=(OTHER.text,)))]
    report = _report(rows, name="html")
    report.answers.append(AnswerResult("local", [dict(r, total_s=3.0 + i) for i, r in enumerate(rows[:3])]))
    return report


def test_html_report_is_self_contained_and_escaped() -> None:
    page = render_html(_mixed_report())
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # no CDN, nothing fetched
    assert "data:image/png;base64," in page
    assert page.count('<tr class="case"') == 8
    assert "Nobody &lt;b&gt;knows&lt;/b&gt;." in page and "<b>knows</b>" not in page
    assert "<mark>Mexico&#39;s southern border zone is 714 miles long.</mark>" in page
    assert "0.750 (0." in page  # extractive fact accuracy (3 of 4 answerable) with its interval


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium: apt-get install chromium")
def test_html_report_renders_in_chromium_and_matches_the_json(tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    report = _mixed_report()
    report.write(tmp_path)
    data = json.loads(report.json_path.read_text())
    expected = [(a["generator"], c["id"], c["kind"], c["outcome"], c["question"], c["answer"]) for a in data["answers"] for c in a["cases"]]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(report.html_path.as_uri())
            rows = page.locator("tr.case")
            got = rows.evaluate_all("""rs => rs.map(r => [r.dataset.generator, r.dataset.id, r.dataset.kind, r.dataset.outcome,
                r.querySelector('td.question').childNodes[0].textContent.trim(), r.querySelector('.answer-text').textContent])""")
            assert [tuple(g) for g in got] == expected
            expect(page.locator("#shown")).to_have_text(f"{len(expected)} of {len(expected)} shown")
            page.select_option("#f-outcome", "fail")
            fails = sum(1 for e in expected if e[3] == "fail")
            expect(page.locator("tr.case:visible")).to_have_count(fails)
            page.select_option("#f-kind", "factual")
            page.select_option("#f-generator", "extractive")
            expect(page.locator("tr.case:visible")).to_have_count(1)
            page.select_option("#f-outcome", "")
            page.locator("tr.case:visible td.citations summary").first.click()
            expect(page.locator("tr.case:visible mark").first).to_be_visible()
            expect(page.locator("img[alt='latency histogram']")).to_be_visible()
            assert page.locator("img[alt='latency histogram']").evaluate("i => i.naturalWidth") > 100
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
            Path("/tmp/borderqa-eval-report.png").write_bytes((tmp_path / "report.png").read_bytes())
            assert all(u.startswith(("file:", "data:")) for u in requests), requests
        finally:
            browser.close()


# --- the CLI with a fake assistant --------------------------------------------------------------------


class FakeAssistant:
    """Answers 714 to every question whose id ends in an odd digit when ``good``; refuses unanswerable ones."""

    def __init__(self, good: bool) -> None:
        self.settings = Settings()
        self.good = good

    def search(self, query: str, k: int = 10, mode: str = "hybrid") -> list[Hit]:
        return [Hit(OTHER, 1.0), Hit(P, 0.5)] if "2" in query else [Hit(P, 1.0)]

    def ask(self, question: str, history: Any = None, generator: str | None = None) -> Answer:
        if "never" in question:
            return _answer("The report does not say.", answerable=False)
        n = int(re.findall(r"\d+", question)[0])
        return _answer("It is 714 miles long." if self.good or n % 2 else "It is long.")


def _cases_file(tmp_path: Path) -> Path:
    lines = [{"id": f"fact-{i:03d}", "kind": "factual", "question": f"How long, {i}?", "history": [], "answerable": True,
              "support": ["southern border zone is 714 miles"], "facts": ["714"]} for i in range(1, 11)]
    lines.append({"id": "unans-001", "kind": "unanswerable", "question": "What did it never say?", "history": [],
                  "answerable": False, "support": [], "facts": []})
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    return path


def test_cli_eval_writes_reports_and_compares(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cases, out = _cases_file(tmp_path), tmp_path / "reports"
    runner = CliRunner()
    monkeypatch.setattr(cli, "_assistant", lambda: FakeAssistant(good=False))
    first = runner.invoke(cli.main, ["eval", "--cases", str(cases), "--out", str(out), "--run-name", "before"])
    assert first.exit_code == 0, first.output
    assert "| extractive | 11 | 0.500 (" in first.output and "### extractive by kind" in first.output
    old = next(out.glob("eval-*-before.json"))
    run = json.loads(old.read_text())["run"]
    assert run["name"] == "before" and len(run["git_commit"]) >= 7 and run["settings_fingerprint"]
    assert run["model_hashes"]["embedding.model_sha256"].startswith("53aa5117") and run["machine"]["cores"] >= 1
    assert (out / "latest.html").exists()

    monkeypatch.setattr(cli, "_assistant", lambda: FakeAssistant(good=True))
    second = runner.invoke(cli.main, ["eval", "--cases", str(cases), "--out", str(out), "--compare", str(old)])
    assert second.exit_code == 0, second.output
    assert "### Flipped wrong → right: 5" in second.output and "### Flipped right → wrong: 0" in second.output
    assert "### retrieval: hybrid (10 cases in both)" in second.output
    assert re.search(r"\| fact acc\. \| 0\.500 \| 1\.000 \| \+0\.500 \(\+0\.\d+ to \+\d\.\d+\) \| \*\*yes\*\* \|", second.output)

    limited = runner.invoke(cli.main, ["eval", "--cases", str(cases), "--out", str(out), "--kind", "unanswerable", "--limit", "1"])
    assert limited.exit_code == 0 and "(1 cases)" in limited.output
    assert "## Retrieval" not in limited.output  # no answerable case selected: no empty retrieval tables
    bad = runner.invoke(cli.main, ["eval", "--cases", str(cases), "--out", str(out), "--kind", "multi"])
    assert bad.exit_code == 2 and "unknown case kind multi" in bad.output
    missing = runner.invoke(cli.main, ["eval", "--cases", str(cases), "--out", str(out), "--compare", str(tmp_path / "no.json")])
    assert missing.exit_code == 2 and "no report at" in missing.output


def test_answer_metrics_cover_the_documented_names() -> None:
    assert [m.name for m in ANSWER_METRICS][:6] == ["fact_accuracy", "lead_accuracy", "citation_precision", "citation_recall",
                                                    "refusal_accuracy", "false_refusal_rate"]
