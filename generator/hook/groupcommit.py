"""Orders stored in groups: one transaction and one fsync for every order that arrived while the
last one committed (sqlstore.py's ``submit_order``)."""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from contextlib import AbstractContextManager
from typing import Any, Generic, Protocol, TypeVar

log = logging.getLogger("shopforest.hook")

Item = TypeVar("Item", bound="Keyed")
Result = TypeVar("Result")


class Keyed(Protocol):
    @property
    def key(self) -> str: ...


class Writer(Protocol[Item, Result]):
    """What a group needs of the store."""

    def _commit_group(self, items: list[Item]) -> list[Result | Exception]:
        """Store every item in one transaction, committed before it returns; an item refused on
        its own (its key belongs to another request) is an exception in its place. Raises when
        the transaction fails: then nothing of the group is stored."""
        ...

    def _writing(self) -> AbstractContextManager[None]: ...

    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> Any: ...

    def _store_one(self, item: Item) -> Result: ...


class GroupCommit(Generic[Item, Result]):
    """Orders stored together: every order that arrives while one transaction commits waits for
    the next, and that one stores them all — one commit and one fsync for the group, each order
    answered only once its group is durable. Durability is as with one transaction per order;
    the fsyncs are shared.

    The group goes in as a few statements for all its orders (``_commit_group``). Should that
    fail (an order number taken, a deadlock with another process's group), it is rolled back and
    stored again one order at a time, each in its own savepoint, so that one failing order
    leaves the others. Two orders with one idempotency key never share a group: the second
    waits for the next, and finds the first's key there."""

    MAX = 256

    def __init__(self, store: Writer[Item, Result]) -> None:
        self.store = store
        self.queue: queue.SimpleQueue[tuple[Item, Future[Result]] | None] = queue.SimpleQueue()
        self.thread: threading.Thread | None = None
        self.started = threading.Lock()
        self._held: list[tuple[Item, Future[Result]]] = []  # kept for the next group (a key already in this one)

    def submit(self, item: Item) -> Future[Result]:
        """Queue ``item``; the future is done once its group is committed (or has failed). An
        event loop awaits it with ``asyncio.wrap_future``, without a thread of its own."""
        future: Future[Result] = Future()
        self.queue.put((item, future))
        if self.thread is None:
            with self.started:
                if self.thread is None:
                    self.thread = threading.Thread(target=self._loop, name="shopforest-commit", daemon=True)
                    self.thread.start()
        return future

    def run(self, item: Item) -> Result:
        return self.submit(item).result()

    def stop(self) -> None:
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join(timeout=30)
            self.thread = None

    def _loop(self) -> None:
        stopping = False
        while not stopping or self._held:
            pending, self._held = self._held, []
            if not pending:
                first = self.queue.get()
                if first is None:
                    return
                pending = [first]
            jobs: list[tuple[Item, Future[Result]]] = []
            keys: set[str] = set()
            while True:
                for job in pending:
                    if job[0].key in keys:
                        self._held.append(job)
                    else:
                        keys.add(job[0].key)
                        jobs.append(job)
                if len(jobs) >= self.MAX or stopping:
                    break
                try:
                    more = self.queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True  # stop once what is queued is stored
                    pending = []
                else:
                    pending = [more]
            try:
                self._commit(jobs)
            except Exception as exc:  # a bug, not the database: this group fails, the thread goes on
                log.exception("group commit failed")
                for _, future in jobs:
                    if not future.done():
                        future.set_exception(exc)

    def _commit(self, jobs: list[tuple[Item, Future[Result]]]) -> None:
        # An order whose request was cancelled before its group began (the client went away) is
        # not stored: no 201 was sent, and a retry with its key makes it. Once begun, a future
        # can no longer be cancelled, so each one taken is answered.
        jobs = [job for job in jobs if job[1].set_running_or_notify_cancel()]
        if not jobs:
            return
        items = [item for item, _ in jobs]
        try:
            results = self.store._commit_group(items)
        except Exception:  # rolled back: once more, one order at a time
            try:
                results = self._one_by_one(items)
            except Exception as exc:  # the commit failed: nothing of the group is stored
                for _, future in jobs:
                    future.set_exception(exc)
                return
        for (_, future), result in zip(jobs, results, strict=True):
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)

    def _one_by_one(self, items: list[Item]) -> list[Result | Exception]:
        done: list[Result | Exception] = []
        with self.store._writing():
            for item in items:
                self.store._run("SAVEPOINT one_order")
                try:
                    done.append(self.store._store_one(item))
                except Exception as exc:
                    self.store._run("ROLLBACK TO SAVEPOINT one_order")
                    done.append(exc)
                self.store._run("RELEASE SAVEPOINT one_order")
        return done
