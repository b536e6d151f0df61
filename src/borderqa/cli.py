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
from typing import TYPE_CHECKING, Any, TypeVar

import click

from borderqa.errors import BorderQAError, ConfigError, CorpusError, QueryError
from borderqa.serialize import answer_to_dict, hit_to_dict, passage_to_dict, turns_from_dicts

if TYPE_CHECKING:
    from borderqa.corpus import Corpus
    from borderqa.index import BuildReport

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


def _progress_bar(desc: str, unit: str = "text") -> tuple[Callable[[int, int], None], Callable[[], None]]:
    from tqdm import tqdm

    bar: dict[str, Any] = {}
    started = time.time()

    def update(done: int, total: int) -> None:
        if "bar" not in bar:  # made at the first report, when the total is known ...
            bar["bar"] = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr)
            bar["bar"].start_t = started  # ... but timed from the start: else the first chunk shows millions/s
        bar["bar"].n = done
        bar["bar"].refresh()

    def close() -> None:
        if "bar" in bar:
            bar["bar"].close()

    return update, close


def _report_build(report: BuildReport, corpus: Corpus, strict: bool = False) -> None:
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
    if strict and corpus.skipped:
        raise CorpusError(f"{len(corpus.skipped)} source(s) skipped (--strict); the rest is indexed")


@main.command()
@click.option("--force", is_flag=True, help="Rebuild even when nothing changed.")
@click.option("--strict", is_flag=True, help="Exit 3 when a source had to be skipped.")
def index(force: bool, strict: bool) -> None:
    """Build or update the local Chroma index under index/."""
    a = _assistant()
    update, close = _progress_bar("embedding")
    try:
        report, corpus = a.build_index(progress=update, force=force)
    finally:
        close()
    _report_build(report, corpus, strict)


@main.command("add-source")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--title", default="", help="Title (default: the file's own, for HTML and PDF).")
@click.option("--url", default="")
@click.option("--publisher", default="")
@click.option("--date", default="", help="Publication date (default: the file's own, for HTML and PDF).")
@click.option("--backs", multiple=True, help='A report anchor it backs: "anchor text" or "report:p0042=anchor text".')
@click.option("--id", "doc_id", default="", help="Document id (default: from the file name).")
def add_source(file: Path, title: str, url: str, publisher: str, date: str, backs: tuple[str, ...], doc_id: str) -> None:
    """Copy FILE into corpus/sources/, add it to the manifest and index it (only it is embedded)."""
    from borderqa.corpus.editing import parse_backing

    a = _assistant()
    update, close = _progress_bar("embedding")
    try:
        entry, report, corpus = a.add_source(file, title, url, publisher, date, [parse_backing(b) for b in backs],
                                             doc_id, progress=update)
    finally:
        close()
    click.echo(f"added {entry.id}: {entry.file} ({entry.title})")
    _report_build(report, corpus)


@main.command("remove-source")
@click.argument("doc_id", metavar="ID")
def remove_source(doc_id: str) -> None:
    """Remove source ID from the manifest (and its file from corpus/sources/), then update the index."""
    entry, report, corpus = _assistant().remove_source(doc_id)
    click.echo(f"removed {entry.id}: {entry.file}")
    _report_build(report, corpus)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def sources(as_json: bool) -> None:
    """List the corpus documents: id, kind, file, passages, and why a source is skipped."""
    for s in _assistant().sources():
        e = s.entry
        row = {"id": e.id, "kind": e.kind, "format": e.format, "file": e.file, "title": e.title, "date": e.date,
               "url": e.url, "passages": s.passages, "skipped": s.skipped,
               "backs": [b.anchor if not b.passage else f"{b.passage}={b.anchor}" for b in e.backs]}
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
            continue
        state = f"SKIPPED: {s.skipped}" if s.skipped else f"{s.passages} passages"
        backs = f"\n    backs: {'; '.join(row['backs'])}" if e.backs else ""
        click.echo(f"{e.id}  [{e.kind}, {e.format}] {e.file}  {state}\n    {e.title}{backs}")


@main.command()
@click.argument("passage_id")
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
def provenance(passage_id: str, as_json: bool) -> None:
    """Which sources back the anchors of report passage PASSAGE_ID, and what they say."""
    from borderqa.serialize import source_support_to_dict

    passage, found = _assistant().trace(passage_id)
    if as_json:
        out = {"passage": passage_to_dict(passage), "sources": [source_support_to_dict(s) for s in found]}
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    click.echo(f"{passage.id}  {passage.locator}\n    {passage.text}")
    click.echo(f"    anchors: {'; '.join(passage.cites) or 'none'}")
    if not found:
        click.echo("no ingested source backs these anchors (add one: borderqa add-source FILE --backs ANCHOR)")
    for s in found:
        click.echo(f'\n"{s.claim}"\n  anchor "{s.anchor}" -> {s.document} ({s.document_title})')
        if s.found and s.passage is not None:
            click.echo(f'  {s.passage.id} · {s.passage.locator}: "{s.quote}" (support {s.score:.2f})')
        else:
            click.echo(f"  {s.note}")


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


def _documents(option: str) -> list[str] | None:
    return [d.strip() for d in option.split(",") if d.strip()] or None


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
@click.option("--documents", default="", help="Only these document ids, comma-separated (see `borderqa sources`).")
def search(question: str | None, k: int, mode: str | None, as_json: bool, batch: Path | None, documents: str) -> None:
    """Find the passages that best match QUESTION."""
    a = _assistant()
    only = _documents(documents)
    if batch is not None:
        for _, item in _read_jsonl(batch):
            hits = a.search(item["question"], k=k, mode=mode, documents=only)
            out = {"id": item.get("id"), "question": item["question"], "hits": [hit_to_dict(h) for h in hits]}
            click.echo(json.dumps(out, ensure_ascii=False))
        return
    if question is None:
        raise QueryError("give a QUESTION or --batch FILE")
    hits = a.search(question, k=k, mode=mode, documents=only)
    if as_json:
        click.echo(json.dumps({"question": question, "hits": [hit_to_dict(h) for h in hits]}, ensure_ascii=False))
        return
    for i, h in enumerate(hits, 1):
        p = h.passage
        click.echo(f"{i}. {p.id}  {p.locator}  (score {h.score:.4f})\n   {p.text}\n")


def _print_answer(d: dict[str, Any]) -> None:
    click.echo(d["answer"])
    if d["citations"]:
        click.echo("")
    for c in d["citations"]:
        quote = f' — "{c["quotes"][0]}"' if c["quotes"] else ""
        title = f"{c['document_title']}, " if c["document_title"] and c["document"] != "report" else ""
        click.echo(f"[{c['marker']}] {c['id']} · {title}{c['locator']}{quote}")
        for src in c["sources"]:
            said = f'{src["id"]} · {src["locator"]}: "{src["quote"]}"' if src["found"] else src["note"]
            click.echo(f'      source for "{src["anchor"]}": {src["document_title"]}: {said}')
    for s in d["related_sections"]:
        click.echo(f"  see: {s}")


@main.command()
@click.argument("question", required=False)
@click.option("--generator", "-g", type=click.Choice(["extractive", "local", "openai"]), default=None)
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@click.option("--batch", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="JSONL of {id, question, history?}.")
@click.option("--documents", default="", help="Answer only from these document ids, comma-separated.")
def ask(question: str | None, generator: str | None, as_json: bool, batch: Path | None, documents: str) -> None:
    """Answer QUESTION from the corpus, every sentence cited and checked."""
    a = _assistant()
    only = _documents(documents)
    if batch is not None:
        for n, item in _read_jsonl(batch):
            try:
                history = turns_from_dicts(item.get("history"))
            except ValueError as exc:
                raise QueryError(f"{batch}:{n}: {exc}") from exc
            answer = a.ask(item["question"], history=history, generator=generator, documents=only)
            click.echo(json.dumps(answer_to_dict(answer, id=item.get("id")), ensure_ascii=False))
        return
    if question is None:
        raise QueryError("give a QUESTION or --batch FILE")
    answer = a.ask(question, generator=generator, documents=only)
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


@main.group(cls=_Group)
def reader() -> None:
    """The reader: its training data (and training)."""


@reader.command("data")
@click.option("--document", default=None, help="Only this corpus document id (appends to the same files).")
@click.option("--limit", type=click.IntRange(min=0), default=None, help="Generate for at most N new passages.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for questions.jsonl and examples.jsonl [default: the package's reader/data].")
@click.option("--cases", type=click.Path(dir_okay=False, path_type=Path), default=Path("evals/cases.jsonl"),
              show_default=True, help="Eval cases no generated question may overlap.")
@click.option("--examples-only", is_flag=True, help="Only rebuild examples.jsonl from the questions written so far.")
@click.option("--no-false-premise", is_flag=True, help="Ask only for answerable questions (a quicker pass).")
@click.option("--per-sentence", is_flag=True, help="Two questions per sentence, into sentence_questions.jsonl.")
def reader_data(
    document: str | None, limit: int | None, out: Path | None, cases: Path, examples_only: bool, no_false_premise: bool,
    per_sentence: bool,
) -> None:
    """Write questions with the local model (resumable), then the reader's training examples."""
    from borderqa.reader.build import run_data

    a = _assistant()
    bars = {name: _progress_bar(name) for name in ("passages", "examples")}
    try:
        summary = run_data(
            a, out=out, cases=cases, document=document, limit=limit, generate=not examples_only, false_premise=not no_false_premise,
            per_sentence=per_sentence, progress={name: bar[0] for name, bar in bars.items()},
        )
    finally:
        for _, close in bars.values():
            close()
    click.echo(summary)



@reader.command("train")
@click.option("--data", "data_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Examples JSONL [default: the package's reader/data/examples.jsonl].")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("reader-weights/reader.safetensors"),
              show_default=True, help="Where to write the weights (their CARD.md goes beside them).")
@click.option("--epochs", type=click.IntRange(1, 20), default=2, show_default=True)
@click.option("--layers", type=click.IntRange(1, 6), default=6, show_default=True, help="Encoder layers kept from the base.")
@click.option("--max-steps", type=click.IntRange(min=0), default=0, help="Stop after N steps (a smoke run).")
def reader_train(data_file: Path | None, out: Path, epochs: int, layers: int, max_steps: int) -> None:
    """Fine-tune the reader on the examples (progress bar; resumes after a finished epoch) and print the
    sha256 to set as BORDERQA_READER__SHA256."""
    from borderqa.reader.data import DATA_DIR, EXAMPLES_FILE
    from borderqa.reader.fit import fit_reader

    a = _assistant()
    update, close = _progress_bar("training", "step")
    try:
        summary = fit_reader(a, data_file or DATA_DIR / EXAMPLES_FILE, out, epochs=epochs, layers=layers,
                             max_steps=max_steps, progress=lambda step, total, loss: update(step, total))
    finally:
        close()
    click.echo(summary)


@reader.command("train-questions")
@click.option("--data", "data_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Examples JSONL [default: the package's reader/data/examples.jsonl].")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("reader-weights/questions.safetensors"),
              show_default=True)
@click.option("--epochs", type=click.FloatRange(0.01, 20), default=2.0, show_default=True)
@click.option("--splits", default="train,dev", show_default=True,
              help="Example splits trained on (train: leave the reader's dev passages out, to measure on them).")
@click.option("--max-steps", type=click.IntRange(min=0), default=0, help="Stop after N steps (a smoke run).")
def reader_train_questions(data_file: Path | None, out: Path, epochs: float, splits: str, max_steps: int) -> None:
    """Fine-tune retrieval's question encoder on the reader's questions, against the live index (nothing is
    re-indexed), and print the sha256 to set as BORDERQA_EMBEDDING__QUESTION_SHA256."""
    from borderqa.embedding import model_dir
    from borderqa.question_encoder import corpus_of, train_question_encoder, training_pairs
    from borderqa.reader.data import DATA_DIR, EXAMPLES_FILE

    a = _assistant()
    retriever = a.retriever
    corpus = corpus_of(retriever)
    pairs = training_pairs(data_file or DATA_DIR / EXAMPLES_FILE, corpus.passage_ids, splits.split(","))
    update, close = _progress_bar("training", "step")
    try:
        summary = train_question_encoder(corpus, pairs, model_dir(a.settings.embedding), a.settings.embedding.model_sha256, out,
                                         epochs=epochs, max_steps=max_steps,
                                         progress=lambda step, total, loss: update(step, total))
    finally:
        close()
    click.echo(f"trained {summary.steps} steps on {summary.pairs} questions in {summary.seconds / 60:.1f} min "
               f"(loss {summary.first_loss:.2f} -> {summary.last_loss:.2f})\n"
               f"wrote {out} (sha256 {summary.sha256})\n"
               f"use it: BORDERQA_EMBEDDING__QUESTION_WEIGHTS={out} BORDERQA_EMBEDDING__QUESTION_SHA256={summary.sha256}")


@reader.command("calibrate")
@click.option("--cases", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=Path("evals/cases.jsonl"),
              show_default=True, help="The eval cases (odd ids choose, even ids check).")
@click.option("--rows", type=click.Path(dir_okay=False, path_type=Path), default=Path("evals/reports/reader-rows.jsonl"),
              show_default=True, help="Where the per-case rows are written (and read back with --reuse).")
@click.option("--reuse", is_flag=True, help="Read --rows instead of answering the cases again.")
def reader_calibrate(cases: Path, rows: Path, reuse: bool) -> None:
    """Choose the refusal thresholds (min_support, the reader's min_answer) on the eval's odd ids and check
    them on the even ids."""
    from borderqa.evaluation.cases import load_cases
    from borderqa.reader.calibrate import collect, load_rows, report, save_rows, setting

    if reuse:
        try:
            recorded = load_rows(rows)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{rows} is not a usable rows file ({exc}): run `borderqa reader calibrate` without --reuse") from exc
    else:
        a = _assistant()
        update, close = _progress_bar("cases", "case")
        try:
            recorded = collect(a, load_cases(cases), update)
        finally:
            close()
        rows.parent.mkdir(parents=True, exist_ok=True)
        save_rows(rows, recorded)
    table, chosen = report(recorded)
    click.echo(table)
    click.echo(f"chosen on the odd ids: BORDERQA_ANSWERING__MIN_SUPPORT {setting(chosen.min_support)}, "
               f"BORDERQA_READER__MIN_ANSWER={chosen.min_answer:.2f}")


if __name__ == "__main__":
    main()
