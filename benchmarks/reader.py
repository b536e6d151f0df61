"""The reader's cost, and the default answer's with and without it, in one run on the eval questions.

Measures (medians over the questions, warm: models loaded, one question run first):
* the reader alone on the top ``reader.passages`` hybrid hits and on 5 (the issue's yardstick), per batch, by
  torch and by ONNX Runtime (``reader.backend``, the default), and torch's int8 dynamic quantisation;
* ``Assistant.ask`` with the default generator, reader on, against reader off (the baseline).

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


def _median_ms(fn: Callable[[str], object], questions: list[str]) -> tuple[float, float]:
    fn(questions[0])
    times = []
    for q in questions:
        t = time.perf_counter()
        fn(q)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--questions", type=int, default=60)
    args = ap.parse_args()
    questions = [c.question for c in load_cases() if not c.history][: args.questions]

    on = Assistant.from_settings()
    off = Assistant.from_settings(Settings.load(reader={"enabled": False}))
    assert on.reader is not None
    onnx = on.reader
    k = on.settings.reader.passages
    hits = {q: [h.passage for h in on.search(q, k=k)] for q in questions}
    five = {q: [h.passage for h in on.search(q, k=5)] for q in questions}
    onnx.read(questions[0], hits[questions[0]])  # loads (and exports, once) before timing
    torch_reader = default_reader(Settings.load(reader={"backend": "torch"}))
    assert torch_reader is not None
    rows = []
    for name, reader in (("torch", torch_reader), (f"ONNX Runtime ({onnx.backend})", onnx)):  # type: ignore[attr-defined]
        rows.append((f"reader, {k} passages, {name}", _median_ms(lambda q, r=reader: (r.forget(), r.read(q, hits[q])), questions)))
        rows.append((f"reader, 5 passages, {name}", _median_ms(lambda q, r=reader: (r.forget(), r.read(q, five[q])), questions)))
    import torch

    loaded = torch_reader.load()  # type: ignore[attr-defined]
    loaded_q = torch.ao.quantization.quantize_dynamic(loaded.net, {torch.nn.Linear}, dtype=torch.qint8)
    object.__setattr__(loaded, "net", loaded_q)
    rows.append((f"reader, {k} passages, torch int8 dynamic",
                 _median_ms(lambda q: (torch_reader.forget(), torch_reader.read(q, hits[q])), questions)))  # type: ignore[attr-defined]

    base = _median_ms(lambda q: off.ask(q), questions)
    with_reader = _median_ms(lambda q: on.ask(q), questions)
    rows += [("ask, default generator, reader off (baseline)", base), ("ask, default generator, reader on", with_reader)]
    print(f"{len(questions)} questions, torch threads {torch.get_num_threads()}, reader threads {on.settings.reader.threads}")
    print(f"{'what':<48} {'p50 ms':>8} {'p95 ms':>8}")
    for name, (p50, p95) in rows:
        print(f"{name:<48} {p50:8.1f} {p95:8.1f}")
    print(f"ratio ask reader on / off (p50): {with_reader[0] / base[0]:.2f}")


if __name__ == "__main__":
    main()
