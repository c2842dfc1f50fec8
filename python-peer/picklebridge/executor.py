"""``JavaExecutor``: a :class:`concurrent.futures.Executor` whose calls run in the JVM.

    >>> from picklebridge import JavaExecutor
    >>> with JavaExecutor(max_workers=4) as executor:
    ...     future = executor.submit("demo.square", 12)
    ...     list(executor.map("demo.square", range(5), timeout=10))
    [0, 1, 4, 9, 16]
"""

import collections
import os
import threading
import time
from concurrent.futures import CancelledError, Executor, Future
from typing import Any, Callable, Iterable, Iterator, Optional, Union

from .client import Client, WorkerProxy, _WorkerNamespace, worker_name

__all__ = ["JavaExecutor"]


class JavaExecutor(Executor):
    """Runs Java workers with at most ``max_workers`` calls in flight (queued calls wait here).

    ``address``, ``authkey`` and further options are those of :class:`Client`; ``None``
    starts a private JVM over pipes.  ``map`` sends ``chunksize`` items per message.
    """

    def __init__(self, max_workers: Optional[int] = None, *, address: Any = None,
                 authkey: Union[None, bytes, str] = None, **client_options: Any):
        if max_workers is None:
            max_workers = min(32, (os.cpu_count() or 1) + 4)
        if max_workers <= 0:
            raise ValueError("max_workers must be greater than 0")
        self._max_workers = max_workers
        self._client = Client(address, authkey, **client_options)
        self._changed = threading.Condition()
        self._queued: "collections.deque[tuple]" = collections.deque()  # (future, send)
        self._running = 0
        self._shutdown = False
        # Sends triggered by a completion happen here, never on the connection's reader thread.
        self._sender = threading.Thread(target=self._send_queued, daemon=True,
                                        name="picklebridge-executor-sender")
        self._sender.start()

    @property
    def jvm(self) -> _WorkerNamespace:
        """Worker proxies: ``executor.submit(executor.jvm.demo.square, 3)``."""
        return _WorkerNamespace(self._client)

    def submit(self, fn: Union[str, WorkerProxy], /, *args: Any, **kwargs: Any) -> Future:
        """Schedule ``fn(*args, **kwargs)`` in the JVM; return a Future."""
        name = worker_name(fn)
        return self._schedule(lambda: self._client.submit(name, args, kwargs))

    def _schedule(self, send: Callable[[], Future]) -> Future:
        outer: Future = Future()
        with self._changed:
            if self._shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")
            self._queued.append((outer, send))
            self._changed.notify_all()
        return outer

    def _send_queued(self) -> None:
        while True:
            with self._changed:
                while not (self._queued and self._running < self._max_workers):
                    if self._shutdown and not self._queued:
                        return
                    self._changed.wait()
                outer, send = self._queued.popleft()
                if not outer.set_running_or_notify_cancel():
                    continue
                self._running += 1
            try:
                inner = send()
            except BaseException as exc:
                self._finish(None, outer, exc)
                continue
            inner.add_done_callback(lambda done, outer=outer: self._finish(done, outer))

    def _finish(self, inner: Optional[Future], outer: Future,
                error: Optional[BaseException] = None) -> None:
        with self._changed:
            self._running -= 1
            self._changed.notify_all()
        if error is not None:
            outer.set_exception(error)
        elif inner.cancelled():
            outer.set_exception(CancelledError())
        elif inner.exception() is not None:
            outer.set_exception(inner.exception())
        else:
            outer.set_result(inner.result())

    def map(self, fn: Union[str, WorkerProxy], *iterables: Iterable[Any],
            timeout: Optional[float] = None, chunksize: int = 1) -> Iterator[Any]:
        """Like :func:`map`, in the JVM; ``chunksize`` items travel per message."""
        if chunksize < 1:
            raise ValueError("chunksize must be >= 1.")
        name = worker_name(fn)
        end_time = None if timeout is None else timeout + time.monotonic()
        items = list(zip(*iterables))
        chunks = [items[i:i + chunksize] for i in range(0, len(items), chunksize)]
        futures = [self._schedule(lambda chunk=chunk: self._client.map_chunk(name, chunk, star=True))
                   for chunk in chunks]

        def result_iterator() -> Iterator[Any]:
            try:
                futures.reverse()
                while futures:
                    future = futures.pop()
                    if end_time is None:
                        chunk_results = future.result()
                    else:
                        chunk_results = future.result(end_time - time.monotonic())
                    yield from chunk_results
            finally:
                for future in futures:
                    future.cancel()
        return result_iterator()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop accepting calls; optionally cancel queued ones; wait for the rest, then close."""
        with self._changed:
            self._shutdown = True
            if cancel_futures:
                while self._queued:
                    outer, _send = self._queued.popleft()
                    outer.cancel()
            self._changed.notify_all()
        if wait:
            with self._changed:
                while self._queued or self._running:
                    self._changed.wait()
            self._sender.join()
            self._client.close()
        else:
            threading.Thread(target=self.shutdown, args=(True,), daemon=True).start()

    def __repr__(self) -> str:
        return "<picklebridge.JavaExecutor max_workers=%d%s>" % (
            self._max_workers, " shutdown" if self._shutdown else "")
