"""Benchmark the local generator: load time, prompt size, time to first token, whole-answer time.

Self-contained: it reads the report's paragraphs straight from ``corpus/report.md`` and picks the top
ones for each question with a small lexical scorer (no index, no embedder), so it measures the language
model alone. Prompt-prefix reuse between questions is part of what it measures (llama.cpp keeps the
KV cache of the previous prompt), as in a real session: "new prompt tokens" are the tokens llama.cpp
actually evaluated (its own counter), so a prefix that stopped being reused shows up there.

On 2 cores any other busy process distorts the timings badly, so before each question it waits (up to
``--wait`` seconds) until other processes use less than a tenth of a core, and it reports how busy they
were while it ran (Linux only; elsewhere it just runs).

    .venv/bin/python benchmarks/local_llm.py                      # medians, settings' defaults
    .venv/bin/python benchmarks/local_llm.py --show               # also each answer and whether it has the fact
    .venv/bin/python benchmarks/local_llm.py --context-chars 0    # the old trimming: 700 characters a passage
"""

from __future__ import annotations

import argparse
import math
import os
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from borderqa.answering.local import LlamaCppGenerator
from borderqa.answering.prompts import answer_messages
from borderqa.config import LocalModelSettings
from borderqa.types import Passage, Turn

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "corpus" / "report.md"

# question, a fact the answer should contain ("" = the report does not answer it), and a phrase that
# picks the paragraph holding it (always put among the passages, so the model alone is measured)
QUESTIONS: list[tuple[str, str, str]] = [
    ("How long is Mexico's southern border?", "714", "714-mile southern border zone"),
    (
        "How many checkpoints did the researchers pass on the bus ride between Tapachula and Tonalá?",
        "11",
        "11 on a 140-mile bus ride",
    ),
    ("How many people did Mexico deport in 2013?", "80,079", "(80,079"),
    ("Of the people Mexico deported in 2013, how many came from Honduras?", "32,800", "Honduras (32,800)"),
    (
        "How many unaccompanied children from El Salvador, Guatemala and Honduras did CBP apprehend in FY 2013?",
        "21,537",
        "apprehended 21,537",
    ),
    ("What is the cargo train that migrants ride across Mexico nicknamed?", "Bestia", "nicknamed"),
    ("What is Honduras's homicide rate according to the UNODC?", "90.4", "90.4 homicides"),
    ("How many requests for refugee status did Mexico receive in 2013?", "1,164", "1,164 requests"),
    ("What percentage of the population of Chiapas lives in poverty?", "74.7", "74.7 percent"),
    ("What is the capital of France?", "", ""),
]

# first question, follow-up, fact in the answer, phrase picking the paragraph that answers the follow-up
FOLLOW_UPS: list[tuple[str, str, str, str]] = [
    ("How many people did Mexico deport in 2013?", "How many of those came from Honduras?", "32,800", "Honduras (32,800)"),
    ("What is the cargo train that migrants ride across Mexico nicknamed?", "How much do the gangs charge to ride on top of it?",
     "100", "currently charging"),
    ("Where is Latin America's largest migrant detention center?", "How many people can it hold?", "990", "capacity to hold 990"),
    ("What was the Mexico-Guatemala-Belize Border Region Program?", "How much money did it provide?", "50 million", "as much as US$50"),
]

_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_WORD = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")


def report_passages(path: Path = REPORT) -> list[Passage]:
    """Paragraphs of the markdown report with the nearest heading above them as section."""
    section = "Introduction"
    texts: list[tuple[str, str]] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        text = " ".join(_LINK.sub(r"\1", block).replace("**", "").replace("*", "").split())
        text = text.lstrip("- ").replace("\\$", "$")
        if not text:
            continue
        if len(text) < 90 and not text.endswith((".", ":", "?", '"', "”")):
            section = text
            continue
        if texts and text[0].islower():  # a paragraph split by a page break
            texts[-1] = (texts[-1][0], f"{texts[-1][1]} {text}")
            continue
        texts.append((section, text))
    return [
        Passage(id=f"report:p{n:04d}", document="report", section_path=(sec,), paragraph=n, ordinal=n, text=t)
        for n, (sec, t) in enumerate(texts, start=1)
    ]


def top_passages(question: str, passages: list[Passage], k: int = 4, gold: str = "") -> list[Passage]:
    """The ``k`` best passages by a tf-idf overlap; the one containing ``gold`` is always among them."""
    docs = [Counter(_WORD.findall(p.text.lower())) for p in passages]
    df = Counter(w for d in docs for w in d)
    terms = set(_WORD.findall(question.lower()))

    def score(d: Counter[str]) -> float:
        return sum(math.log(len(docs) / df[t]) * (1 + math.log(d[t])) for t in terms if d[t])

    ranked = sorted(range(len(passages)), key=lambda i: score(docs[i]), reverse=True)
    chosen = [passages[i] for i in ranked[:k]]
    if gold and not any(gold in p.text for p in chosen):
        holder = next(p for p in passages if gold in p.text)
        chosen.insert(min(1, k - 1), holder)
        chosen = chosen[:k]
    return chosen


class _CpuMeter:
    """CPU used by processes other than this one, in cores, from /proc (None where there is no /proc)."""

    def __init__(self) -> None:
        self._last = self._read()

    @staticmethod
    def _read() -> tuple[int, int, int] | None:
        try:
            with open("/proc/stat", encoding="ascii") as f:
                values = [int(v) for v in f.readline().split()[1:9]]
            with open("/proc/self/stat", encoding="ascii") as f:
                mine = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total = sum(values)
        return total, total - values[3] - values[4], int(mine[11]) + int(mine[12])

    def others(self) -> float | None:
        """Cores used by other processes since the last call."""
        now, last = self._read(), self._last
        self._last = now
        if now is None or last is None or now[0] <= last[0]:
            return None
        return ((now[1] - last[1]) - (now[2] - last[2])) / (now[0] - last[0]) * (os.cpu_count() or 1)

    def wait_quiet(self, limit: float, threshold: float = 0.1) -> None:
        deadline = time.monotonic() + limit
        self.others()
        while time.monotonic() < deadline:
            time.sleep(2.0)
            busy = self.others()
            if busy is None or busy < threshold:
                return
        self.others()


def follow_up_first_tokens(settings: LocalModelSettings, passages: list[Passage], k: int) -> tuple[list[float], int]:
    """Seconds from a follow-up's rewrite to its answer's first token, and answers with the fact."""
    generator = LlamaCppGenerator(settings)
    generator.load()
    firsts: list[float] = []
    right = 0
    try:
        for question, follow_up, fact, gold in FOLLOW_UPS:
            answer = generator.generate(question, top_passages(question, passages, k))
            history = [Turn("user", question), Turn("assistant", answer)]
            started = time.perf_counter()
            rewritten = generator.rewrite(follow_up, history)
            first: float | None = None
            pieces: list[str] = []
            for piece in generator.stream(rewritten, top_passages(rewritten, passages, k, gold)):
                first = first if first is not None else time.perf_counter() - started
                pieces.append(piece)
            firsts.append(first if first is not None else time.perf_counter() - started)
            right += fact in "".join(pieces)
    finally:
        generator.close()
    return firsts, right


def follow_ups(args: argparse.Namespace) -> int:
    """Follow-ups with saved model states (local.cache_mb) against none, in the same run."""
    passages = report_passages()
    results = {}
    for cache_mb in (0, LocalModelSettings().cache_mb):
        settings = LocalModelSettings(
            cache_dir=str(ROOT / ".models"), threads=args.threads, passages=args.passages,
            context_chars=args.context_chars, flash_attn=args.flash_attn, cache_mb=cache_mb,
        )
        results[cache_mb] = follow_up_first_tokens(settings, passages, args.passages)
    (base, base_right), (ours, ours_right) = results.values()
    ratio = statistics.median(ours) / statistics.median(base)
    sys.stdout.write(
        f"follow-ups: {len(FOLLOW_UPS)}, rewrite then answer, time to the answer's first token\n"
        f"  no saved states (cache_mb 0): median {statistics.median(base):.2f} s, right {base_right}/{len(FOLLOW_UPS)}\n"
        f"  saved states (cache_mb {LocalModelSettings().cache_mb}): median {statistics.median(ours):.2f} s, "
        f"right {ours_right}/{len(FOLLOW_UPS)}, ratio {ratio:.2f}\n"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    defaults = LocalModelSettings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print every answer")
    parser.add_argument(
        "--passages", type=int, default=defaults.passages, help="passages per prompt (the setting local.passages)"
    )
    parser.add_argument(
        "--context-chars",
        type=int,
        default=defaults.context_chars,
        help="passage characters in all (the setting local.context_chars; 0: 700 per passage)",
    )
    parser.add_argument(
        "--flash-attn", action=argparse.BooleanOptionalAction, default=defaults.flash_attn, help="local.flash_attn"
    )
    parser.add_argument("--threads", type=int, default=defaults.threads)
    parser.add_argument("--wait", type=float, default=120.0, help="seconds to wait for a quiet machine per question")
    parser.add_argument("--follow-ups", action="store_true", help="measure follow-ups, saved model states on and off")
    args = parser.parse_args(argv)
    if args.follow_ups:
        return follow_ups(args)

    passages = report_passages()
    generator = LlamaCppGenerator(
        LocalModelSettings(
            cache_dir=str(ROOT / ".models"),
            threads=args.threads,
            passages=args.passages,
            context_chars=args.context_chars,
            flash_attn=args.flash_attn,
        )
    )
    started = time.perf_counter()
    generator.load()
    load = time.perf_counter() - started

    prefix_tokens = generator.count_prompt_tokens(answer_messages("", [])[:-1])
    prompt_tokens: list[int] = []
    new_tokens: list[int] = []
    rates: list[float] = []
    first_token: list[float] = []
    whole: list[float] = []
    chunks: list[int] = []
    busy: list[float] = []
    meter = _CpuMeter()
    right = 0
    for question, fact, gold in QUESTIONS:
        context = top_passages(question, passages, args.passages, gold)
        prompt_tokens.append(generator.count_prompt_tokens(generator.messages(question, context)))
        meter.wait_quiet(args.wait)
        started = time.perf_counter()
        first: float | None = None
        pieces: list[str] = []
        for piece in generator.stream(question, context):
            if first is None:
                first = time.perf_counter() - started
            pieces.append(piece)
        whole.append(time.perf_counter() - started)
        first_token.append(first if first is not None else whole[-1])
        chunks.append(len(pieces))
        others = meter.others()
        if others is not None:
            busy.append(others)
        stats = generator.last_stats
        if stats is not None:
            new_tokens.append(stats.prompt_tokens)
            rates.append(stats.prompt_tokens_per_second)
        answer = "".join(pieces).strip()
        ok = (fact in answer) if fact else answer.startswith("The report does not say")
        cited = bool(re.search(r"\[\d+\]", answer)) or not fact
        right += ok and cited
        if args.show:
            sys.stdout.write(
                f"\n[{'ok' if ok else '--'}{'' if cited else ' no-marker'}] {question}\n  {answer}\n"
            )

    out = sys.stdout
    out.write(f"\nmodel load: {load:.2f} s ({args.threads} threads, flash attention {args.flash_attn})\n")
    out.write(
        f"questions: {len(QUESTIONS)}, passages per prompt: {args.passages}, "
        f"passage characters in all: {args.context_chars or '700 per passage'}\n"
        f"prompt tokens: median {statistics.median(prompt_tokens):.0f} "
        f"(min {min(prompt_tokens)}, max {max(prompt_tokens)}), of which a fixed prefix of "
        f"{prefix_tokens} (rules and worked example) is reused from the previous question\n"
        f"new prompt tokens evaluated: median {statistics.median(new_tokens):.0f} "
        f"(max {max(new_tokens)}), at a median {statistics.median(rates):.0f} tokens/s\n"
        f"time to first token: median {statistics.median(first_token):.2f} s "
        f"(first question {first_token[0]:.2f} s, max {max(first_token):.2f} s)\n"
        f"whole answer: median {statistics.median(whole):.2f} s (max {max(whole):.2f} s)\n"
        f"chunks per answer: median {statistics.median(chunks):.0f}\n"
        f"right fact (or refusal) with a marker: {right}/{len(QUESTIONS)}\n"
    )
    if busy:
        disturbed = sum(b > 0.25 for b in busy)
        out.write(
            f"other processes: median {statistics.median(busy):.2f} cores while answering; "
            f"{disturbed} of {len(busy)} questions ran next to more than a quarter of a core"
            f"{' (timings unreliable)' if disturbed else ''}\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
