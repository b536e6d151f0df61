"""Running an eval: the selected cases through retrieval and each generator, recorded with what ran it.

A run records its name, the git commit (and whether the tree had uncommitted changes), a fingerprint of
every setting, the index fingerprint, the model hashes the settings pin (each is checked when its model
loads), the machine (cores, the cores this process may use, torch and llama.cpp threads, load average at
start and end), the selection, the bootstrap seed and the timing.
"""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from borderqa.config import Settings, fingerprint
from borderqa.evaluation.bootstrap import RESAMPLES, SEED
from borderqa.evaluation.cases import (
    CASES_PATH,
    SLOW_GENERATORS,
    Case,
    load_cases,
    select_cases,
    subset_for_slow_generators,
)
from borderqa.evaluation.metrics import (
    MODES,
    AnswerResult,
    RetrievalResult,
    evaluate_answers,
    evaluate_retrieval,
)
from borderqa.evaluation.report import EvalReport, load_report

if TYPE_CHECKING:
    from borderqa.assistant import Assistant

# progress(stage, done, total): stage is "retrieval <mode>" or "answers <generator>"
StageProgress = Callable[[str, int, int], None]


def _git(*args: str) -> str:
    try:
        out = subprocess.run(["git", *args], capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()


def settings_fingerprint(settings: Settings) -> str:
    """A short hash of every setting (the index fingerprint covers only what the index depends on)."""
    return hashlib.sha256(settings.model_dump_json().encode("utf-8")).hexdigest()[:12]


def model_hashes(settings: Settings) -> dict[str, str]:
    """Every ``*sha256`` setting, by its dotted name (``embedding.model_sha256``, ``local.model_sha256``, ...)."""
    out: dict[str, str] = {}

    def walk(prefix: str, group: dict[str, Any]) -> None:
        for k, v in group.items():
            if isinstance(v, dict):
                walk(f"{prefix}{k}.", v)
            elif k.endswith("sha256"):
                out[f"{prefix}{k}"] = str(v)

    walk("", settings.model_dump(mode="json"))
    return out


def machine_info(settings: Settings) -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "embedding_query_threads": settings.embedding.query_threads,
        "local_threads": settings.local.threads,
        "load_start": _load(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def collect_run_info(
    settings: Settings, name: str = "", selection: dict[str, Any] | None = None, seed: int = SEED, resamples: int = RESAMPLES
) -> dict[str, Any]:
    return {
        "name": name,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "git_commit": _git("rev-parse", "HEAD") or "unknown",
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "settings_fingerprint": settings_fingerprint(settings),
        "index_fingerprint": fingerprint(settings),
        "model_hashes": model_hashes(settings),
        "machine": machine_info(settings),
        "selection": selection or {},
        "seed": seed,
        "resamples": resamples,
    }


def finish_run_info(run: dict[str, Any], started: float) -> None:
    """Add the end time, the wall time, the load average at the end and torch's thread count."""
    run["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    run["seconds"] = round(time.perf_counter() - started, 1)
    machine = run.setdefault("machine", {})
    machine["load_end"] = _load()
    torch = sys.modules.get("torch")  # loaded with the embedding model during the run
    machine["torch_threads"] = torch.get_num_threads() if torch is not None else None


def run_evaluation(
    assistant: Assistant,
    generators: Sequence[str] = ("extractive",),
    limit: int | None = None,
    progress: StageProgress | None = None,
    out_dir: Path | None = None,
    cases_path: Path = CASES_PATH,
    slow_generators: Sequence[str] = SLOW_GENERATORS,
    kinds: Sequence[str] = (),
    ids: Sequence[str] = (),
    all_cases: bool = False,
    run_name: str = "",
    compare_with: Path | None = None,
) -> EvalReport:
    """Retrieval in every mode and answers with extractive plus ``generators``, on the selected cases.

    Slow generators get a fixed subset of the selection (``subset_for_slow_generators``) unless
    ``all_cases``, a ``limit`` or explicit ``ids`` say which cases. ``compare_with`` (an older report)
    is read before anything runs, so a bad path fails at once.
    """
    older = load_report(compare_with) if compare_with is not None else None
    started = time.perf_counter()
    cases = select_cases(load_cases(cases_path), kinds, ids, limit)
    run = collect_run_info(assistant.settings, run_name, {"kinds": list(kinds), "ids": list(ids), "limit": limit,
                                                          "all_cases": all_cases})

    def stage(name: str) -> Callable[[int, int], None] | None:
        return (lambda done, total: progress(name, done, total)) if progress else None

    retrieval = [evaluate_retrieval(assistant, cases, mode, stage(f"retrieval {mode}")) for mode in MODES]
    answers: list[AnswerResult] = []
    for g in dict.fromkeys(["extractive", *generators]):
        chosen: list[Case] = cases
        if g in slow_generators and not (all_cases or limit is not None or ids):
            chosen = subset_for_slow_generators(cases)
        answers.append(evaluate_answers(assistant, chosen, g, stage(f"answers {g}")))
    return finish_report(retrieval, answers, len(cases), run, started, older, out_dir)


def finish_report(
    retrieval: list[RetrievalResult],
    answers: list[AnswerResult],
    cases: int,
    run: dict[str, Any],
    started: float,
    older: EvalReport | None = None,
    out_dir: Path | None = None,
) -> EvalReport:
    """The report of a finished run, compared with ``older`` if given, written to ``out_dir`` if given."""
    from borderqa.evaluation.compare import compare_reports

    finish_run_info(run, started)
    report = EvalReport(retrieval, answers, cases, run)
    if older is not None:
        report.comparison = compare_reports(older, report)
    if out_dir is not None:
        report.write(out_dir)
    return report
