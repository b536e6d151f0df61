"""The sentence bank: splits and vectors kept per passage, and no request waiting on another's embedding."""

from __future__ import annotations

import threading

import numpy as np

from borderqa.embedding import FakeEmbedder, Vectors
from borderqa.sentences import SentenceBank
from borderqa.types import Passage


def _p(n: int, text: str) -> Passage:
    return Passage(f"doc:p{n}", "doc", ("Section",), 1, n, text)


class _Slow(FakeEmbedder):
    """Blocks while embedding any text that holds ``word``, until released."""

    def __init__(self, word: str) -> None:
        super().__init__()
        self.word = word
        self.entered = threading.Event()
        self.release = threading.Event()
        self.calls = 0

    def embed_documents(self, texts: list[str]) -> Vectors:
        self.calls += 1
        if any(self.word in t for t in texts):
            self.entered.set()
            assert self.release.wait(10)
        return super().embed_documents(texts)


def test_sentences_are_split_embedded_once_and_kept() -> None:
    embedder = _Slow("never")
    bank = SentenceBank(embedder)
    a, b = _p(1, "Migrants ride the train. They pay fees."), _p(2, "Agents check papers.")
    first = bank.get([a, b, a])
    assert first[0].sentences == ("Migrants ride the train.", "They pay fees.") and first[0] is first[2]
    assert first[1].vectors.shape == (1, embedder.dimension)
    assert np.allclose(first[0].vectors, embedder.embed_documents(list(first[0].sentences)))
    calls = embedder.calls
    assert bank.get([b, a])[1] is first[0] and embedder.calls == calls  # cached: no model call


def test_a_cached_passage_is_served_while_another_request_embeds() -> None:
    embedder = _Slow("slow")
    bank = SentenceBank(embedder)
    cached = _p(1, "Agents check papers.")
    bank.get([cached])
    worker = threading.Thread(target=bank.get, args=([_p(2, "A slow new passage.")],))
    worker.start()
    assert embedder.entered.wait(10)
    done: list[object] = []
    reader = threading.Thread(target=lambda: done.append(bank.get([cached])))
    reader.start()
    reader.join(5)
    served = bool(done)  # while the other request is still inside the model
    embedder.release.set()
    worker.join(10)
    assert served


def test_a_question_is_embedded_once_for_the_scorings_of_one_answer() -> None:
    embedder = _Slow("never")
    bank = SentenceBank(embedder)
    first = bank.embed_question("How many Marines are in each station?")
    calls = embedder.calls
    again = bank.embed_question("How many Marines are in each station?")
    assert again is first and embedder.calls == calls
    assert bank.embed_question("Another question?") is not first and embedder.calls == calls + 1
    assert np.allclose(first, embedder.embed_query("How many Marines are in each station?"))
    assert not first.flags.writeable  # shared: nobody may change it in place
