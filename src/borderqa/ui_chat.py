"""Chat state for the Streamlit UI, with no Streamlit in it: conversations, and the worker that answers.

Why no turn is lost:

- A question is stored in its ``Conversation`` the moment it is sent, before anything is answered.
- Answering runs on one worker thread per process (``AnswerWorker``), not in the script run. Streamlit
  stops a script run whenever the page reruns (a second question sent while the first streams, a sidebar
  click); the job goes on, stores its reply in the conversation itself, and the next run shows it.
- Questions are answered in the order they were sent, and each job reads the conversation's history when
  it starts, so a follow-up is resolved against the answer before it, never against a stale one.
- One worker for the whole process also means one model call at a time: the local llama.cpp model is not
  safe to share between threads, and two cores gain nothing from two at once.
- Conversations live in a ``ConversationStore`` keyed by an id the page keeps in its URL (``?c=...``),
  so a reload, or a second tab on the same URL, sees the same conversation; appends never overwrite.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from borderqa.errors import BorderQAError
from borderqa.transcript import Exchange
from borderqa.types import Answer, Hit, Turn


class ChatAssistant(Protocol):
    """What the UI needs of an ``Assistant`` (tests pass a fake with these methods)."""

    def stream(
        self, question: str, history: Sequence[Turn] | None = None, generator: str | None = None
    ) -> Iterator[str | Answer]: ...

    def search(self, query: str, k: int | None = None) -> list[Hit]: ...


def new_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass
class ChatMessage:
    """One bubble of the conversation."""

    role: str  # "user" or "assistant"
    content: str
    answer: Answer | None = None
    hits: list[Hit] = field(default_factory=list)
    error: str = ""
    id: str = field(default_factory=new_id)
    reply_to: str = ""  # an assistant message: the id of the question it answers
    generator: str | None = None  # a question: the generator asked for
    search_k: int | None = None  # a question: search only, this many passages


def history_turns(messages: Sequence[ChatMessage]) -> list[Turn]:
    """The conversation so far as ``Turn``s: every question, and the text of every answer.

    Search results and errors are not answers, so they are left out.
    """
    turns: list[Turn] = []
    for m in messages:
        if m.role == "user":
            turns.append(Turn("user", m.content))
        elif m.answer is not None:
            turns.append(Turn("assistant", m.answer.text))
    return turns


class Conversation:
    """The messages of one conversation, safe to share between script runs, tabs and the worker."""

    def __init__(self, id: str) -> None:
        self.id = id
        self._messages: list[ChatMessage] = []
        self._lock = threading.Lock()

    def messages(self) -> list[ChatMessage]:
        with self._lock:
            return list(self._messages)

    def questions(self) -> int:
        with self._lock:
            return sum(m.role == "user" for m in self._messages)

    def ask(self, text: str, generator: str | None = None, search_k: int | None = None) -> ChatMessage:
        message = ChatMessage("user", text, generator=generator, search_k=search_k)
        with self._lock:
            self._messages.append(message)
        return message

    def reply(self, message: ChatMessage) -> None:
        """Put a reply right after its question (replies to other questions may be there already)."""
        with self._lock:
            at = next((i for i, m in enumerate(self._messages) if m.id == message.reply_to), None)
            if at is None:  # its question was cleared meanwhile: keep the reply anyway, at the end
                self._messages.append(message)
                return
            at += 1
            while at < len(self._messages) and self._messages[at].role == "assistant":
                at += 1
            self._messages.insert(at, message)

    def pending(self) -> list[ChatMessage]:
        """Questions without a reply yet, in the order they were sent."""
        with self._lock:
            answered = {m.reply_to for m in self._messages if m.role == "assistant"}
            return [m for m in self._messages if m.role == "user" and m.id not in answered]

    def history_before(self, question_id: str) -> list[Turn]:
        with self._lock:
            at = next((i for i, m in enumerate(self._messages) if m.id == question_id), len(self._messages))
            return history_turns(self._messages[:at])

    def exchanges(self) -> list[Exchange]:
        """Question/answer pairs in order, for the export."""
        messages = self.messages()
        replies = {m.reply_to: m for m in messages if m.role == "assistant"}
        out: list[Exchange] = []
        for m in messages:
            if m.role != "user":
                continue
            r = replies.get(m.id)
            if r is None:
                out.append(Exchange(m.content, error="not answered yet"))
            elif r.answer is not None:
                out.append(Exchange(m.content, r.answer))
            else:
                out.append(Exchange(m.content, error=r.error or f"{len(r.hits)} passages (search only)"))
        return out

    def find_answer(self, message_id: str) -> tuple[ChatMessage | None, ChatMessage | None]:
        """(question, reply) for a reply's id."""
        messages = self.messages()
        reply = next((m for m in messages if m.id == message_id), None)
        question = next((m for m in messages if reply and m.id == reply.reply_to), None)
        return question, reply


class ConversationStore:
    """Conversations by id, in memory for the life of the server process (the newest ``limit`` kept)."""

    def __init__(self, limit: int = 1000) -> None:
        self._items: OrderedDict[str, Conversation] = OrderedDict()
        self._limit = limit
        self._lock = threading.Lock()

    def get(self, id: str | None) -> Conversation:
        """The conversation with this id (a new, empty one if it is unknown); no id: a new id."""
        id = id or new_id()
        with self._lock:
            conv = self._items.get(id)
            if conv is None:
                conv = self._items[id] = Conversation(id)
                while len(self._items) > self._limit:
                    self._items.popitem(last=False)
            self._items.move_to_end(id)
            return conv


class AnswerJob:
    """One question being answered: the chunks so far, then the reply (stored in the conversation)."""

    def __init__(self, question: ChatMessage) -> None:
        self.question = question
        self.started = time.monotonic()
        self.chunks: list[str] = []
        self.reply: ChatMessage | None = None
        self.done = threading.Event()

    def draft(self) -> str:
        return "".join(self.chunks)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def run(self, assistant: ChatAssistant, conversation: Conversation) -> None:
        self.started = time.monotonic()
        q = self.question
        try:
            if q.search_k is not None:
                reply = ChatMessage("assistant", q.content, hits=assistant.search(q.content, k=q.search_k))
            else:
                history = conversation.history_before(q.id)
                answer = _final(assistant.stream(q.content, history=history, generator=q.generator), self.chunks)
                reply = ChatMessage("assistant", answer.text, answer=answer)
        except BorderQAError as exc:
            reply = ChatMessage("assistant", "", error=str(exc))
        except Exception as exc:  # the page never shows a traceback
            reply = ChatMessage("assistant", "", error=f"Something went wrong ({type(exc).__name__}): {exc}")
        reply.reply_to = q.id
        conversation.reply(reply)
        self.reply = reply
        self.done.set()


def _final(items: Iterable[str | Answer], chunks: list[str]) -> Answer:
    for item in items:
        if isinstance(item, Answer):
            return item
        chunks.append(item)
    raise BorderQAError("the answer stream ended without an answer; try again")


class AnswerWorker:
    """Runs start-up steps and answer jobs one at a time, in order, on one thread for the process."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="borderqa-answer")
        self._jobs: dict[str, AnswerJob] = {}
        self._lock = threading.Lock()

    def submit(self, assistant: ChatAssistant, conversation: Conversation, question: ChatMessage) -> AnswerJob:
        """The job for this question, started if it is not running yet (so calling again is harmless)."""
        with self._lock:
            job = self._jobs.get(question.id)
            if job is None:
                job = self._jobs[question.id] = AnswerJob(question)
                self._pool.submit(self._run, job, assistant, conversation)
            return job

    def _run(self, job: AnswerJob, assistant: ChatAssistant, conversation: Conversation) -> None:
        try:
            job.run(assistant, conversation)
        finally:
            with self._lock:
                self._jobs.pop(job.question.id, None)

    def call(self, fn: Callable[[], Any]) -> Future[Any]:
        """Run ``fn`` on the worker, after the jobs already queued (start-up uses this)."""
        return self._pool.submit(fn)


@dataclass
class StartupStep:
    label: str
    seconds: float | None = None  # None: not done yet
    error: str = ""
    began: float | None = None  # time.monotonic() when it started


class Startup:
    """The assistant's loading steps, run once on the worker; the page shows their progress."""

    def __init__(self, steps: Sequence[tuple[str, Callable[[], object]]]) -> None:
        self._steps = list(steps)
        self.steps = [StartupStep(label) for label, _ in steps]
        self.started = time.monotonic()
        self.finished: float | None = None
        self._begun = False
        self._lock = threading.Lock()

    def begin(self, worker: AnswerWorker) -> None:
        with self._lock:
            if self._begun:
                return
            self._begun = True
        worker.call(self._run)

    def _run(self) -> None:
        self.started = time.monotonic()
        for (_, fn), step in zip(self._steps, self.steps, strict=True):
            t = step.began = time.monotonic()
            try:
                fn()
            except BorderQAError as exc:  # no index yet: each question will say so
                step.error = str(exc)
            step.seconds = time.monotonic() - t
        self.finished = time.monotonic() - self.started

    @property
    def done(self) -> bool:
        return self.finished is not None


def startup_steps(assistant: object) -> list[tuple[str, Callable[[], object]]]:
    """The assistant's own loading steps (``Assistant.warm_up_steps``); a plain ``warm_up`` is one step."""
    steps = getattr(assistant, "warm_up_steps", None)
    if callable(steps):
        return list(steps())
    warm_up = getattr(assistant, "warm_up", None)
    return [("Loading the index, the embedding model and the generator", warm_up)] if callable(warm_up) else []
