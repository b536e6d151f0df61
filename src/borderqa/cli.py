"""The ``borderqa`` command. Logging set-up and progress bars live here only.

Library errors (``BorderQAError``) become a one-line message on stderr and the error's exit code.
"""

from __future__ import annotations

import contextlib
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


class _LogFilter(logging.Filter):
    """Let through BorderQA's records from ``level`` up and every other library's from ``library_level``.

    A filter on the handler, not logger levels: libraries set their own loggers' levels when they are
    imported (bm25s sets DEBUG), which is after this runs, since the CLI imports them lazily.
    """

    def __init__(self, level: int, library_level: int) -> None:
        super().__init__()
        self.level, self.library_level = level, library_level

    def filter(self, record: logging.LogRecord) -> bool:
        ours = record.name == "borderqa" or record.name.startswith("borderqa.")
        return record.levelno >= (self.level if ours else self.library_level)


def configure_logging(verbose: int) -> None:
    """Warnings and up by default; -v: BorderQA's info; -vv: everything, libraries' debug included."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_LogFilter(level, logging.DEBUG if verbose >= 2 else logging.WARNING))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose >= 2 else level)


@click.group(cls=_Group)
@click.option("-v", "--verbose", count=True, help="More log output: -v BorderQA's progress, -vv every library's debug.")
def main(verbose: int) -> None:
    """BorderQA: answers from WOLA's 'Mexico's Other Border' (June 2014), cited paragraph by paragraph."""
    configure_logging(verbose)


def _progress_bar(desc: str) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    from tqdm import tqdm

    bar: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, desc=desc, unit="text", file=sys.stderr)
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
def serve(host: str, port: int) -> None:
    """Serve the HTTP API (see README, HTTP API)."""
    import uvicorn

    from borderqa.api import create_app

    assistant = _assistant()
    with contextlib.suppress(BorderQAError):  # no index yet: /health and every question say so
        click.echo(f"models and index loaded in {assistant.warm_up():.1f} s", err=True)
    uvicorn.run(create_app(assistant), host=host, port=port)


@main.group()
def feedback() -> None:
    """Staff feedback given in the chat UI (kept in BORDERQA_DATA_DIR/feedback.sqlite3)."""


@feedback.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="A file (default: stdout).")
def feedback_export(fmt: str, out: Path | None) -> None:
    """Every feedback record: when, rating, comment, question, answer, citations, app version."""
    from borderqa.config import Settings
    from borderqa.feedback import FeedbackStore, export_records

    records = FeedbackStore(Settings.load().data_dir).records()
    text = export_records(records, "jsonl" if fmt == "jsonl" else "csv")
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {len(records)} record{'s' if len(records) != 1 else ''} to {out}", err=True)


@main.command("eval")
@click.option("--generator", "-g", "generators", multiple=True, help="Also evaluate answers with these generators.")
@click.option("--limit", type=int, default=None, help="Only the first N cases (quick runs).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("evals/reports"), show_default=True)
def eval_cmd(generators: tuple[str, ...], limit: int | None, out: Path) -> None:
    """Run the eval suite's metrics and write evals/reports/ (JSON + Markdown)."""
    from borderqa.evaluation import run_evaluation

    a = _assistant()
    update, close = _progress_bar("cases")
    start = time.perf_counter()
    try:
        report = run_evaluation(a, generators=list(generators), limit=limit, progress=update, out_dir=out)
    finally:
        close()
    click.echo(report.summary_markdown())
    click.echo(f"\nwrote {report.json_path} and {report.markdown_path} in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
