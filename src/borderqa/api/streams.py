"""Answers off the event loop: a bounded queue for the local model, and streams that stop with their client.

The local language model (llama.cpp) serves one completion at a time. ``GenerationQueue`` lets at most
``depth`` requests for it in at once, one running and the rest waiting their turn; the next one is refused at
once with ``QueueFullError`` (503 with ``Retry-After``) instead of waiting without bound. Searches, health
checks and extractive answers never touch the queue.

``iterate_in_thread`` runs a blocking answer stream (``Assistant.stream``) in a thread of its own and hands
its items to the event loop. When the consumer goes away (the client disconnected, so the response task was
cancelled) the thread is told to stop: it closes the stream between two chunks, which closes the model's
completion, and gives its place in the queue back.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar

from borderqa.errors import BorderQAError

T = TypeVar("T")
# Until one answer has been timed, Retry-After assumes a local answer takes this long (README: 5-8 s).
FIRST_GUESS_SECONDS = 8.0


class QueueFullError(BorderQAError):
    http_status = 503

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Ticket:
    """One admitted request's place in a ``GenerationQueue``."""

    def __init__(self, queue: GenerationQueue) -> None:
        self._queue = queue
        self._held = False
        self._released = False
        self._started = 0.0

    def hold(self, cancel: threading.Event) -> bool:
        """Wait for the model (False when cancelled first)."""
        while not cancel.is_set():
            if self._queue._run.acquire(timeout=0.05):
                self._held = True
                self._started = time.monotonic()
                return True
        return False

    def release(self) -> None:
        if self._released:
            return
        self._released = True
        if self._held:
            self._queue._record(time.monotonic() - self._started)
            self._queue._run.release()
        self._queue._leave()


class GenerationQueue:
    def __init__(self, depth: int, name: str = "local") -> None:
        self.depth = depth
        self.name = name
        self._run = threading.Lock()
        self._count = threading.Lock()
        self._admitted = 0
        self._seconds: float | None = None

    @property
    def admitted(self) -> int:
        return self._admitted

    def admit(self) -> Ticket:
        with self._count:
            if self._admitted >= self.depth:
                raise QueueFullError(
                    f"the {self.name} model is busy: {self._admitted} requests are running or waiting "
                    f"(the limit is api.queue_depth={self.depth}); retry later or use generator 'extractive'",
                    self.retry_after(),
                )
            self._admitted += 1
        return Ticket(self)

    def retry_after(self) -> int:
        """Seconds until a place is likely to be free: one answer's time (the mean of the last ones)."""
        return max(1, math.ceil(self._seconds if self._seconds is not None else FIRST_GUESS_SECONDS))

    def _record(self, seconds: float) -> None:
        with self._count:
            self._seconds = seconds if self._seconds is None else 0.7 * self._seconds + 0.3 * seconds

    def _leave(self) -> None:
        with self._count:
            self._admitted -= 1


async def iterate_in_thread(
    make: Callable[[], Iterator[T]], queue: GenerationQueue | None = None
) -> AsyncIterator[T]:
    """The items of ``make()``, produced in a thread (once ``queue`` lets it run); stops it when closed.

    The place in the queue is taken on the first ``__anext__`` (raising ``QueueFullError`` there)."""
    loop = asyncio.get_running_loop()
    items: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    cancel = threading.Event()

    def put(kind: str, value: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is listening any more
            loop.call_soon_threadsafe(items.put_nowait, (kind, value))

    def work() -> None:
        try:
            if ticket is not None and not ticket.hold(cancel):
                return
            stream = make()
            try:
                for item in stream:
                    if cancel.is_set():
                        break
                    put("item", item)
            finally:
                close = getattr(stream, "close", None)
                if close is not None:
                    close()
        except BaseException as exc:
            put("error", exc)
        finally:
            if ticket is not None:
                ticket.release()
            put("done", None)

    ticket = queue.admit() if queue is not None else None
    try:
        threading.Thread(target=work, name="borderqa-answer", daemon=True).start()
    except BaseException:
        if ticket is not None:
            ticket.release()
        raise
    try:
        while True:
            kind, value = await items.get()
            if kind == "item":
                yield value
            elif kind == "error":
                raise value
            else:
                return
    finally:
        cancel.set()


async def first_and_rest(items: AsyncIterator[T]) -> tuple[T, AsyncIterator[T]]:
    """The first item now (so that its errors get a status code), and the stream of the rest."""
    try:
        first = await items.__anext__()
    except StopAsyncIteration as exc:
        raise BorderQAError("the answer stream ended without an answer") from exc
    return first, items


async def last_item(items: AsyncIterator[T], disconnected: Callable[[], Any], poll: float = 0.25) -> T | None:
    """Drain ``items`` for its last item; stop (closing it) and return None when the client goes away."""

    async def drain() -> T | None:
        last: T | None = None
        async for item in items:
            last = item
        return last

    task = asyncio.ensure_future(drain())
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=poll)
            if done:
                return task.result()
            if await disconnected():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                return None
    finally:
        if not task.done():
            task.cancel()
        aclose = getattr(items, "aclose", None)
        if aclose is not None:
            await aclose()
