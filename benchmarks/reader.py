"""The reader's cost, and the default answer's with and without it, in one run on the eval questions.

Measures (medians over the questions, warm: models loaded, one question run first):
* the reader alone on the top ``reader.passages`` hybrid hits and on 5 (the issue's yardstick), per batch, by
  torch, by ONNX Runtime fp32 and by ONNX Runtime with int8 weights (``reader.backend``);
* ``Assistant.ask`` with the default generator, reader on, against reader off (the baseline), and against
  the local model's checks off (the premise check and the recheck, ``answering.premise_check`` "off"): what
  those cost at the median and at p95.

    .venv/bin/python benchmarks/reader.py [--questions 60]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from borderqa import Assistant, Settings
from borderqa.assistant import default_reader
from borderqa.evaluation import load_cases
from borderqa.reader.reading import TrainedReader
from borderqa.types import Passage


def _median_ms(fn: Callable[[str], object], questions: list[str]) -> tuple[float, float]:
    fn(questions[0])
    times = []
    for q in questions:
        t = time.perf_counter()
        fn(q)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def _afresh(reader: TrainedReader, passages: dict[str, list[Passage]]) -> Callable[[str], object]:
    """Read a question's passages with nothing kept from before (a benchmark times reading, not remembering)."""
    def run(question: str) -> object:
        reader.forget()
        return reader.read(question, passages[question])
    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--questions", type=int, default=60)
    args = ap.parse_args()
    questions = [c.question for c in load_cases() if not c.history][: args.questions]

    on = Assistant.from_settings()
    off = Assistant.from_settings(Settings.load(reader={"enabled": False}))
    assert on.reader is not None
    k = on.settings.reader.passages
    hits = {q: [h.passage for h in on.search(q, k=k)] for q in questions}
    five = {q: [h.passage for h in on.search(q, k=5)] for q in questions}
    rows = []
    medians: dict[tuple[str, str], float] = {}  # (backend asked for, passages) -> p50 ms
    for backend in ("torch", "onnx", "onnx-int8"):
        reader = default_reader(Settings.load(reader={"backend": backend}))
        assert isinstance(reader, TrainedReader)
        reader.read(questions[0], hits[questions[0]])  # loads (and exports or quantises, once) before timing
        name = f"{backend} (runs on {reader.backend})"
        for label, passages in ((f"{k} passages", hits), ("5 passages", five)):
            timed = _median_ms(_afresh(reader, passages), questions)
            medians[backend, label] = timed[0]
            rows.append((f"reader, {label}, {name}", timed))
    import torch

    unchecked = Assistant.from_settings(Settings.load(answering={"premise_check": "off"}))
    for assistant in (on, off, unchecked):  # models load before timing, not in the first question needing them
        assistant.warm_up()
    judge = on.premise_judge
    base = _median_ms(lambda q: off.ask(q), questions)
    with_reader = _median_ms(lambda q: on.ask(q), questions)
    without_checks = _median_ms(lambda q: unchecked.ask(q), questions)
    rows += [("ask, default generator, reader off (baseline)", base),
             (f"ask, default generator, reader on ({on.settings.reader.backend})", with_reader),
             ("ask, reader on, local-model checks off", without_checks)]
    print(f"{len(questions)} questions, torch threads {torch.get_num_threads()}, reader threads {on.settings.reader.threads}")
    print(f"{'what':<56} {'p50 ms':>8} {'p95 ms':>8}")
    for name, (p50, p95) in rows:
        print(f"{name:<56} {p50:8.1f} {p95:8.1f}")
    print(f"ratio ask reader on / off (p50): {with_reader[0] / base[0]:.2f}")
    if judge is not None:
        print(f"ratio ask local-model checks on / off (p50): {with_reader[0] / without_checks[0]:.2f}, "
              f"(p95): {with_reader[1] / without_checks[1]:.2f}")
    else:
        print("no local model: the premise check and the recheck were off in every run")
    for label in (f"{k} passages", "5 passages"):
        ratio = medians["onnx-int8", label] / medians["onnx", label]
        print(f"ratio reader onnx-int8 / onnx, {label} (p50): {ratio:.2f}")


if __name__ == "__main__":
    main()
