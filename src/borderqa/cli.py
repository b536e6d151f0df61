"""The ``borderqa`` command. Logging set-up and progress bars live here only.

Library errors (``BorderQAError``) become a one-line message on stderr and the error's exit code.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from borderqa.errors import BorderQAError, QueryError
from borderqa.serialize import answer_to_dict, hit_to_dict, passage_to_dict, turns_from_dicts

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("borderqa")


def _assistant() -> Any:
    from borderqa.assistant import Assistant

    return Assistant.from_settings()


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BorderQAError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=_Group)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def main(verbose: int) -> None:
    """BorderQA: answers from WOLA's 'Mexico's Other Border' (June 2014), cited paragraph by paragraph."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("chromadb", "httpx", "sentence_transformers", "transformers", "bm25s"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def _progress_bar(desc: str, unit: str = "text") -> tuple[Callable[[int, int], None], Callable[[], None]]:
    from tqdm import tqdm

    bar: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr)
        bar["bar"].n = done
        bar["bar"].refresh()

    def close() -> None:
        if "bar" in bar:
            bar["bar"].close()

    return update, close


@main.command()
@click.option("--force", is_flag=True, help="Rebuild even when nothing changed.")
def index(force: bool) -> None:
    """Build or update the local Chroma index under index/."""
    a = _assistant()
    update, close = _progress_bar("embedding")
    try:
        report, corpus = a.build_index(progress=update, force=force)
    finally:
        close()
    for message in corpus.skipped:
        click.echo(f"warning: {message}", err=True)
    if report.skipped:
        click.echo(f"index is up to date ({report.passages} passages); nothing to embed ({report.seconds:.2f} s)")
    else:
        click.echo(
            f"indexed {report.passages} passages ({report.windows} windows): embedded {report.embedded}, "
            f"reused {report.reused}, changed documents: {', '.join(report.changed_documents) or 'none'} "
            f"in {report.seconds:.1f} s"
        )


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--document", default=None, help="Only this document id.")
def passages(as_json: bool, document: str | None) -> None:
    """Print every passage as the chunker made it (id, section, paragraph numbers, text, cites)."""
    for p in _assistant().corpus_passages():
        if document and p.document != document:
            continue
        if as_json:
            click.echo(json.dumps(passage_to_dict(p), ensure_ascii=False))
        else:
            cites = f"\n    cites: {'; '.join(p.cites)}" if p.cites else ""
            click.echo(
                f"{p.id}  [{p.kind}] {p.section} ¶{p.paragraph} (lines {p.lines[0]}-{p.lines[1]})\n    {p.text}{cites}\n"
            )


def _read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise QueryError(f"{path}:{n} is not JSON: {exc.msg}") from exc
            if not isinstance(item, dict) or not isinstance(item.get("question"), str):
                raise QueryError(f'{path}:{n} needs an object with a "question" string')
            yield n, item


@main.command()
@click.argument("question", required=False)
@click.option("-k", default=5, show_default=True, type=click.IntRange(1, 100), help="How many passages.")
@click.option("--mode", type=click.Choice(["dense", "lexical", "hybrid"]), default=None, help="Retrieval mode.")
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@click.option("--batch", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="JSONL of {id, question}.")
def search(question: str | None, k: int, mode: str | None, as_json: bool, batch: Path | None) -> None:
    """Find the report paragraphs that best match QUESTION."""
    a = _assistant()
    if batch is not None:
        for _, item in _read_jsonl(batch):
            hits = a.search(item["question"], k=k, mode=mode)
            out = {"id": item.get("id"), "question": item["question"], "hits": [hit_to_dict(h) for h in hits]}
            click.echo(json.dumps(out, ensure_ascii=False))
        return
    if question is None:
        raise QueryError("give a QUESTION or --batch FILE")
    hits = a.search(question, k=k, mode=mode)
    if as_json:
        click.echo(json.dumps({"question": question, "hits": [hit_to_dict(h) for h in hits]}, ensure_ascii=False))
        return
    for i, h in enumerate(hits, 1):
        p = h.passage
        click.echo(f"{i}. {p.id}  {p.section} ¶{p.paragraph}  (score {h.score:.4f})\n   {p.text}\n")


def _print_answer(d: dict[str, Any]) -> None:
    click.echo(d["answer"])
    if d["citations"]:
        click.echo("")
    for c in d["citations"]:
        quote = f' — "{c["quotes"][0]}"' if c["quotes"] else ""
        click.echo(f"[{c['marker']}] {c['id']} · {c['section']} ¶{c['paragraph']}{quote}")
    for s in d["related_sections"]:
        click.echo(f"  see: {s}")


@main.command()
@click.argument("question", required=False)
@click.option("--generator", "-g", type=click.Choice(["extractive", "local", "openai"]), default=None)
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@click.option("--batch", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="JSONL of {id, question, history?}.")
def ask(question: str | None, generator: str | None, as_json: bool, batch: Path | None) -> None:
    """Answer QUESTION from the report, every sentence cited and checked."""
    a = _assistant()
    if batch is not None:
        for n, item in _read_jsonl(batch):
            try:
                history = turns_from_dicts(item.get("history"))
            except ValueError as exc:
                raise QueryError(f"{batch}:{n}: {exc}") from exc
            answer = a.ask(item["question"], history=history, generator=generator)
            click.echo(json.dumps(answer_to_dict(answer, id=item.get("id")), ensure_ascii=False))
        return
    if question is None:
        raise QueryError("give a QUESTION or --batch FILE")
    answer = a.ask(question, generator=generator)
    d = answer_to_dict(answer)
    if as_json:
        click.echo(json.dumps(d, ensure_ascii=False))
    else:
        _print_answer(d)


@main.command()
@click.option("--generator", "-g", type=click.Choice(["extractive", "local", "openai"]), default=None)
def chat(generator: str | None) -> None:
    """A conversation in the terminal: answers stream, citations follow each answer. Ctrl-D to quit."""
    from borderqa.types import Answer, Turn

    a = _assistant()
    history: list[Turn] = []
    click.echo("Ask about 'Mexico's Other Border' (WOLA, June 2014). Empty line or Ctrl-D to quit.")
    while True:
        try:
            question = click.prompt("you", default="", show_default=False, prompt_suffix="> ")
        except (EOFError, click.Abort):
            break
        if not question.strip():
            break
        click.echo("borderqa> ", nl=False)
        final: Answer | None = None
        try:
            for item in a.stream(question, history=history, generator=generator):
                if isinstance(item, Answer):
                    final = item
                else:
                    click.echo(item, nl=False)
        except QueryError as exc:
            click.echo(f"\nerror: {exc}", err=True)
            continue
        click.echo("")
        if final is not None:
            click.echo("\n--- verified answer ---")
            _print_answer(answer_to_dict(final))
            history += [Turn("user", question), Turn("assistant", final.text)]
        click.echo("")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes; each loads its own models (about 0.6 GB, 2.5 GB with the local model).",
)
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="One log line per request.")
def serve(host: str, port: int, workers: int, access_log: bool) -> None:
    """Serve the HTTP API (see README, HTTP API); /readyz answers 200 once the models are loaded."""
    import uvicorn

    from borderqa.config import Settings

    Settings.load()  # a bad setting stops here, once, rather than in every worker
    click.echo(f"serving http://{host}:{port} ({workers} worker{'s' if workers > 1 else ''}); docs at /docs", err=True)
    # uvicorn restarts a worker that does not answer its health ping within the timeout (5 s by default);
    # importing torch and loading the models on a busy 2-core machine took longer, so every worker was
    # killed and restarted, again and again, before it could serve.
    uvicorn.run(
        "borderqa.api:serve_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        timeout_worker_healthcheck=120,
    )


@main.command("eval")
@click.option("--generator", "-g", "generators", multiple=True, help="Also evaluate answers with these generators.")
@click.option("--kind", "kinds", multiple=True, help="Only cases of this kind (repeatable): factual, multi, ...")
@click.option("--case", "ids", multiple=True, help="Only this case id (repeatable).")
@click.option("--limit", type=click.IntRange(1), default=None, help="Only the first N selected cases (quick runs).")
@click.option("--all", "all_cases", is_flag=True, help="Slow generators on every selected case, not the fixed subset.")
@click.option("--run-name", default="", help="A name for this run, recorded in the report and its file name.")
@click.option("--compare", "compare_with", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="An older report JSON: print each metric before/after with a paired interval, and the flipped cases.")
@click.option("--cases", "cases_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=Path("evals/cases.jsonl"), show_default=True, help="The golden cases (JSONL).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("evals/reports"), show_default=True)
def eval_cmd(
    generators: tuple[str, ...], kinds: tuple[str, ...], ids: tuple[str, ...], limit: int | None, all_cases: bool,
    run_name: str, compare_with: Path | None, cases_path: Path, out: Path,
) -> None:
    """Run the eval metrics (95 % intervals, tables by kind) and write evals/reports/ (JSON, Markdown, HTML)."""
    from borderqa.evaluation import run_evaluation

    a = _assistant()
    bars: dict[str, Callable[[int, int], None]] = {}
    closers: list[Callable[[], None]] = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in bars:
            for close in closers:
                close()
            bars[stage], close = _progress_bar(stage, "case")
            closers[:] = [close]
        bars[stage](done, total)

    start = time.perf_counter()
    try:
        report = run_evaluation(a, generators=list(generators), limit=limit, progress=progress, out_dir=out, kinds=kinds,
                                ids=ids, all_cases=all_cases, run_name=run_name, compare_with=compare_with,
                                cases_path=cases_path)
    finally:
        for close in closers:
            close()
    click.echo(report.summary_markdown())
    click.echo(f"\nwrote {report.json_path}, {report.markdown_path} and {report.html_path} in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
