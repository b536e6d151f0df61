"""The minimal pairs (reader/augment.py) and the odd/even calibration (reader/calibrate.py). No model."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from borderqa.answering.verdict import FEATURES, VerdictModel
from borderqa.reader.augment import augmented, binding_swap, polar_swap, why_premises
from borderqa.reader.calibrate import CaseRows, choose, fit_on, outcome
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


def _rows(case_id: str, answerable: bool, p: float, words: bool = True) -> CaseRows:
    row = [0.0] * len(FEATURES)
    row[0] = p
    return CaseRows(case_id, "factual" if answerable else "unanswerable", answerable, words, (tuple(row),))


IDENTITY = VerdictModel(mean=(0.0,) * len(FEATURES), scale=(1.0,) * len(FEATURES),
                        weights=(20.0,) + (0.0,) * (len(FEATURES) - 1), bias=-10.0)  # P = sigmoid(20 (p - 0.5))


def test_threshold_is_chosen_within_the_false_refusal_budget() -> None:
    rows = [_rows(f"f-{i:03d}", True, 0.9) for i in range(40)] + [_rows("f-100", True, 0.3)]
    rows += [_rows(f"u-{i:03d}", False, 0.2) for i in range(10)] + [_rows("u-100", False, 0.95, words=False)]
    best = choose(rows, IDENTITY, max_false=0.05)
    o = outcome(rows, IDENTITY, best.min_answer, best.min_premise)
    assert o.refusal == 1.0 and o.false_refusals <= 0.05
    assert outcome(rows, None).refusal == 1 / 11  # the word checks alone refuse only u-100


def test_a_contradicted_premise_is_refused_by_its_own_threshold() -> None:
    row = [0.0] * len(FEATURES)
    row[1] = 0.97  # reader_contradicts
    premise = CaseRows("p-001", "false_premise", False, True, (tuple(row),))
    assert outcome([premise], IDENTITY, 0.0, 0.95).refusal == 1.0
    assert outcome([premise], IDENTITY, 0.0, 0.99).refusal == 0.0


def test_odd_fit_learns_the_direction_of_a_feature() -> None:
    rows = [_rows(f"f-{i:03d}", True, 0.8 + i / 1000) for i in range(30)] + [_rows(f"u-{i:03d}", False, 0.1 + i / 1000) for i in range(30)]
    model = fit_on(rows)
    assert model.probability(rows[0].rows[0]) > 0.5 > model.probability(rows[-1].rows[0])
    assert _rows("x-001", True, 0).odd and not _rows("x-002", True, 0).odd


def test_calibrate_command_reports_both_halves_from_recorded_rows(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from borderqa.cli import main
    from borderqa.reader.calibrate import save_rows

    rows = [_rows(f"f-{i:03d}", True, 0.9) for i in range(20)] + [_rows(f"u-{i:03d}", False, 0.1) for i in range(10)]
    path = tmp_path / "rows.jsonl"
    save_rows(path, rows)
    out = tmp_path / "verdict.json"
    result = CliRunner().invoke(main, ["reader", "calibrate", "--rows", str(path), "--reuse", "--write-verdict", str(out)])
    assert result.exit_code == 0, result.output
    assert "| word checks only |" in result.output and "odd-fit: BORDERQA_READER__MIN_ANSWER=" in result.output
    assert VerdictModel.load(out).weights


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
