"""Chat state without Streamlit: conversations, the answering worker, start-up steps."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

from borderqa.errors import GeneratorError
from borderqa.types import Answer, Hit, Turn
from borderqa.ui_chat import AnswerWorker, ChatMessage, ConversationStore, Startup, history_turns


class Echo:
    def __init__(self) -> None:
        self.gate = threading.Event()
        self.gate.set()
        self.seen: list[tuple[str, list[Turn]]] = []

    def stream(
        self, question: str, history: Sequence[Turn] | None = None, generator: str | None = None
    ) -> Iterator[str | Answer]:
        self.seen.append((question, list(history or ())))
        if question == "fail":
            raise GeneratorError("model down")
        yield "draft "
        assert self.gate.wait(10)
        yield Answer(question=question, text=f"answer to {question}", answerable=True, generator="extractive")

    def search(self, query: str, k: int | None = None) -> list[Hit]:
        return []


def test_history_turns_keeps_questions_and_answers_only() -> None:
    answer = Answer(question="q1", text="It is 714 miles long [1].", answerable=True, generator="extractive")
    messages = [
        ChatMessage("user", "q1"),
        ChatMessage("assistant", answer.text, answer=answer),
        ChatMessage("user", "q2"),
        ChatMessage("assistant", "q2", hits=[]),  # search results
        ChatMessage("user", "q3"),
        ChatMessage("assistant", "", error="boom"),
    ]
    assert history_turns(messages) == [
        Turn("user", "q1"),
        Turn("assistant", "It is 714 miles long [1]."),
        Turn("user", "q2"),
        Turn("user", "q3"),
    ]


def test_questions_are_answered_in_order_with_the_history_before_them() -> None:
    a = Echo()
    a.gate.clear()
    conv = ConversationStore().get("c1")
    worker = AnswerWorker()
    q1 = conv.ask("first")
    job1 = worker.submit(a, conv, q1)
    q2 = conv.ask("second")  # sent while the first is still being written
    assert worker.submit(a, conv, q1) is job1  # submitting again does not start it twice
    job2 = worker.submit(a, conv, q2)
    assert [m.content for m in conv.pending()] == ["first", "second"]
    a.gate.set()
    assert job2.done.wait(10) and job1.done.is_set()
    assert [(m.role, m.content) for m in conv.messages()] == [
        ("user", "first"),
        ("assistant", "answer to first"),
        ("user", "second"),
        ("assistant", "answer to second"),
    ]
    assert a.seen[1] == ("second", [Turn("user", "first"), Turn("assistant", "answer to first")])
    assert conv.pending() == [] and job1.draft() == "draft "


def test_an_error_is_a_reply_and_the_next_question_still_runs() -> None:
    a = Echo()
    conv = ConversationStore().get(None)
    worker = AnswerWorker()
    jobs = [worker.submit(a, conv, conv.ask(q)) for q in ("fail", "ok")]
    assert jobs[1].done.wait(10)
    assert [m.error for m in conv.messages() if m.role == "assistant"] == ["model down", ""]
    exchanges = conv.exchanges()
    assert exchanges[0].error == "model down" and exchanges[1].answer is not None


def test_store_keeps_conversations_by_id_and_forgets_the_oldest() -> None:
    store = ConversationStore(limit=2)
    c1 = store.get("one")
    assert store.get("one") is c1
    store.get("two")
    store.get("three")
    assert store.get("one") is not c1  # forgotten: a new, empty one
    assert len(store.get(None).id) == 12


def test_startup_runs_steps_once_and_records_errors() -> None:
    from borderqa.errors import IndexNotReadyError

    calls: list[str] = []

    def missing() -> None:
        raise IndexNotReadyError("run borderqa index")

    s = Startup([("one", lambda: calls.append("one")), ("index", missing)])
    worker = AnswerWorker()
    s.begin(worker)
    s.begin(worker)
    worker.call(lambda: None).result(10)
    assert s.done and calls == ["one"]
    assert [(st.label, st.error) for st in s.steps] == [("one", ""), ("index", "run borderqa index")]
