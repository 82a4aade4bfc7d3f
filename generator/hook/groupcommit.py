"""Orders stored in groups: one transaction and one fsync for every order that arrived while the
last one committed (sqlstore.py's ``create_order``)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Writer(Protocol):
    """What a group needs of the store: one write transaction, and statements inside it."""

    def _writing(self) -> AbstractContextManager[None]: ...

    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> Any: ...


class GroupCommit:
    """Orders stored together: every order that arrives while one transaction commits waits for
    the next, and that one stores them all — one commit and one fsync for the group, each order
    in its own savepoint (one failing leaves the others), each answered only once its group is
    durable. Durability is as with one transaction per order; the fsyncs are shared."""

    MAX = 256

    def __init__(self, store: Writer) -> None:
        self.store = store
        self.queue: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]] | None] = queue.SimpleQueue()
        self.thread: threading.Thread | None = None
        self.started = threading.Lock()

    def run(self, job: Callable[[], T]) -> T:
        future: Future[T] = Future()
        self.queue.put((job, future))
        if self.thread is None:
            with self.started:
                if self.thread is None:
                    self.thread = threading.Thread(target=self._loop, name="shopforest-commit", daemon=True)
                    self.thread.start()
        return future.result()

    def stop(self) -> None:
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join(timeout=30)
            self.thread = None

    def _loop(self) -> None:
        while (first := self.queue.get()) is not None:
            jobs = [first]
            while len(jobs) < self.MAX:
                try:
                    more = self.queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self.queue.put(None)  # stop after this group
                    break
                jobs.append(more)
            self._commit(jobs)

    def _commit(self, jobs: list[tuple[Callable[[], Any], Future[Any]]]) -> None:
        done: list[tuple[Future[Any], Any, BaseException | None]] = []
        try:
            with self.store._writing():
                for job, future in jobs:
                    self.store._run("SAVEPOINT one_order")
                    try:
                        value = job()
                    except Exception as exc:
                        self.store._run("ROLLBACK TO SAVEPOINT one_order")
                        done.append((future, None, exc))
                    else:
                        done.append((future, value, None))
                    self.store._run("RELEASE SAVEPOINT one_order")
        except Exception as exc:  # the commit failed: nothing of the group is stored
            for _, future in jobs:
                future.set_exception(exc)
            return
        for future, value, error in done:
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(value)
