"""The minimal pairs (reader/augment.py) and the odd/even calibration (reader/calibrate.py). No model."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from borderqa.reader.augment import augmented, binding_swap, polar_swap, why_premises
from borderqa.reader.calibrate import CaseRow, choose, outcome, report
from borderqa.reader.data import _example
from borderqa.reader.perturb import Perturber
from borderqa.types import Passage


def _p(pid: str, text: str) -> Passage:
    n = int(pid.rsplit("p", 1)[-1])
    return Passage(id=pid, document="report", section_path=("Border",), paragraph=n, ordinal=n, text=text, kind="paragraph")


RATES = _p("report:p0001", "Honduras has the highest homicide rate in the world, with 90.4 homicides per 100,000 residents. "
                           "Many migrants from Guatemala cross the border at night.")
CENTER = _p("report:p0002", "The Siglo XXI detention center in Tapachula is the largest such facility in Latin America. "
                            "Detentions increased in 2013 because more families fled violence.")
OTHER = _p("report:p0003", "Belize shares a short border with Mexico and Guatemala near Chetumal.")
PASSAGES = [RATES, CENTER, OTHER]


def test_polar_swap_flips_a_word_the_answering_sentence_uses() -> None:
    assert polar_swap("Why is Siglo XXI the largest center?", CENTER.text) == "Why is Siglo XXI the smallest center?"
    assert polar_swap("Why did detentions increase?", CENTER.text) is None  # "increase" is not the sentence's word
    assert polar_swap("How many detentions were there?", CENTER.text) is None


def test_binding_swap_names_what_the_passage_mentions_but_not_next_to_a_figure() -> None:
    perturber = Perturber(PASSAGES)
    first = RATES.text.split(". ")[0]
    swapped = binding_swap(perturber, "What homicide rate does Honduras have?", RATES, first)
    assert swapped == "What homicide rate does Guatemala have?"  # mentioned in the passage, never with a figure
    # no other country of the passage: nothing to bind wrongly
    assert binding_swap(perturber, "How large is the center in Tapachula?", CENTER, CENTER.text.split(". ")[0]) is None


def test_why_premises_pair_a_flipped_claim_with_its_correction() -> None:
    made = list(why_premises(Perturber(PASSAGES), CENTER))
    labels = Counter(label for label, _, _ in made)
    assert labels["contradicts"] >= 1
    flipped = next(q for label, q, _ in made if label == "contradicts")
    assert flipped.startswith("Why ") and flipped.endswith("?")
    assert "smallest" in flipped or "decreased" in flipped
    # each flipped question has its unflipped twin, answerable: "Why" alone decides nothing
    assert labels["answer"] == labels["contradicts"]


def test_augmented_labels_and_offsets_are_consistent() -> None:
    positive = _example("report:p0001:q1", "What homicide rate does Honduras have?", RATES, "answer", "generated",
                        "report:p0001:q1", "90.4 homicides per 100,000 residents", RATES.text.index("90.4"))
    examples = list(augmented(PASSAGES, [positive], _example, Perturber(PASSAGES)))
    kinds = Counter(e.kind for e in examples)
    assert "report:p0001:q1:binding" in {e.id for e in examples}
    assert kinds["rule"] >= 1 and kinds["binding_swap"] >= 1
    assert kinds["why_premise"] >= 1
    by_id = {p.id: p for p in PASSAGES}
    for e in examples:
        if e.answer_start >= 0:
            assert by_id[e.passage_id].text[e.answer_start : e.answer_start + len(e.answer)] == e.answer
        if e.label == "none":
            assert e.answer == "" and e.answer_start == -1
    assert len({e.id for e in examples}) == len(examples)


def _row(case_id: str, answerable: bool, support: float, reader: float = 1.0, answered: bool = True) -> CaseRow:
    return CaseRow(case_id, "factual" if answerable else "unanswerable", answerable, answered, support, reader, answerable, answerable)


def test_thresholds_are_chosen_within_the_false_refusal_budget() -> None:
    rows = [_row(f"f-{i:03d}", True, 0.9, 0.6) for i in range(40)] + [_row("f-100", True, 0.25, 0.6)]
    rows += [_row(f"u-{i:03d}", False, 0.25, 0.6) for i in range(5)] + [_row(f"u-{i:03d}", False, 0.9, 0.02) for i in range(5, 10)]
    rows += [_row("u-100", False, 0.95, answered=False)]  # refused by a later check whatever the thresholds
    best = choose(rows, max_false=0.05)
    o = outcome(rows, best.min_support, best.min_answer)
    assert o.refusal == 1.0 and o.false_refusals <= 0.05 and o.wrong == 1  # f-100 is the one refused
    assert outcome(rows).refusal == 1 / 11  # no thresholds: only u-100
    strict = choose(rows, max_false=0.0)  # no false refusal allowed: the support floor must stay under 0.25
    assert strict.false_refusals == 0.0 and strict.min_support <= 0.2 and strict.refusal < 1.0


def test_the_odd_half_chooses_and_a_row_knows_its_half() -> None:
    assert _row("x-001", True, 0).odd and not _row("x-002", True, 0).odd
    rows = [_row(f"f-{i:03d}", True, 0.8) for i in range(1, 41)] + [_row(f"u-{i:03d}", False, 0.3) for i in range(1, 21)]
    table, chosen = report(rows)
    assert chosen.min_support > 0.3 and "| chosen on odd ids |" in table and "| none |" in table


def test_calibrate_command_reports_both_halves_from_recorded_rows(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from borderqa.cli import main
    from borderqa.reader.calibrate import save_rows

    rows = [_row(f"f-{i:03d}", True, 0.9) for i in range(20)] + [_row(f"u-{i:03d}", False, 0.1) for i in range(10)]
    path = tmp_path / "rows.jsonl"
    save_rows(path, rows)
    result = CliRunner().invoke(main, ["reader", "calibrate", "--rows", str(path), "--reuse"])
    assert result.exit_code == 0, result.output
    assert "| chosen on odd ids |" in result.output and "BORDERQA_ANSWERING__MIN_SUPPORT" in result.output


def test_calibrate_reuse_of_a_missing_or_broken_rows_file_is_a_clear_error(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from borderqa.cli import main

    missing = CliRunner().invoke(main, ["reader", "calibrate", "--rows", str(tmp_path / "none.jsonl"), "--reuse"])
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "f-001"\n', encoding="utf-8")
    bad = CliRunner().invoke(main, ["reader", "calibrate", "--rows", str(broken), "--reuse"])
    for result in (missing, bad):
        assert result.exit_code == 2 and "not a usable rows file" in result.output
        assert "Traceback" not in result.output
