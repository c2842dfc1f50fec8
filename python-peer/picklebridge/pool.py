"""``picklebridge.Pool``: ``multiprocessing.pool.Pool`` with JVM threads as its workers.

The method set, argument names, defaults, chunksize formula, error messages and result
objects follow CPython's ``Lib/multiprocessing/pool.py``; ``func`` is a Java worker name
(``"demo.square"``) or a proxy (``pool.jvm.demo.square``)::

    >>> from picklebridge import Pool
    >>> with Pool(4) as pool:                       # a private JVM, over pipes
    ...     pool.map("demo.square", range(10))
    [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]

How it runs: a sender thread cuts maps into chunks and sends queued tasks (``call`` for
apply, one ``map`` message per chunk) while fewer than ``processes`` are in flight, so the JVM
runs at most ``processes`` calls at once for this pool.  It pickles the next task while it
waits for a slot, and a slot is free again as soon as a large reply starts to arrive, so the
next chunk travels while the last one's results are unpickled.  Replies go
through a result-handler thread, which calls ``callback``/``error_callback`` as the stdlib
does.  ``imap``/``imap_unordered`` read their iterable lazily on a feeder thread of their
own, keeping at most ``2 * processes + 2`` chunks sent or waiting to be consumed.

Deliberate differences from the stdlib: ``initializer`` is a Java worker called once with
``initargs`` when the pool starts (its error is raised by ``Pool()``); ``maxtasksperchild``
is validated and ignored (JVM threads keep no per-task state); after ``terminate()``
results still pending raise ``CancelledError`` instead of hanging; a callback that raises is
logged instead of killing the result thread; a Pool used in a forked child raises.
"""

import collections
import itertools
import logging
import os
import queue
import threading
import types
import warnings
from concurrent.futures import CancelledError, Future
from multiprocessing import TimeoutError
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from .client import Client, WorkerProxy, _WorkerNamespace, worker_name
from .errors import BridgeError

__all__ = ["Pool", "ApplyResult", "AsyncResult", "MapResult", "IMapIterator",
           "IMapUnorderedIterator"]

log = logging.getLogger("picklebridge")

INIT = "INIT"
RUN = "RUN"
CLOSE = "CLOSE"
TERMINATE = "TERMINATE"

job_counter = itertools.count()

Func = Union[str, WorkerProxy]


class _Task:
    """One message to send: a call (apply) or a map chunk."""

    __slots__ = ("result", "index", "worker", "kind", "payload", "kwargs", "star", "unwrap",
                 "released")

    def __init__(self, result: Any, index: int, worker: str, kind: str, payload: Any,
                 kwargs: Optional[dict] = None, star: bool = False, unwrap: bool = False):
        self.result = result
        self.index = index
        self.worker = worker
        self.kind = kind
        self.payload = payload
        self.kwargs = kwargs
        self.star = star
        self.unwrap = unwrap
        self.released = False  # its slot was given back


class _MapJob:
    """A whole ``map``: the sender thread cuts it into chunks as it sends them (as the
    stdlib's task handler does), so ``map_async`` returns at once and the first chunk goes
    out without waiting for the others to be cut.  ``starts`` holds each chunk's first
    index (a ``range`` for an even chunksize, a list for a ramped default)."""

    __slots__ = ("result", "worker", "items", "starts", "star")

    def __init__(self, result: "MapResult", worker: str, items: Sequence[Any],
                 starts: Sequence[int], star: bool):
        self.result = result
        self.worker = worker
        self.items = items
        self.starts = starts
        self.star = star


class Pool:
    """A process-pool look-alike whose workers are JVM threads behind a picklebridge server.

    ``processes`` bounds how many calls of this pool run at once (default: CPU count).
    ``address``/``authkey`` and further keyword options are those of :class:`Client`
    (``None``: a private JVM in pipe mode; a list of addresses spreads chunks over servers).
    """

    def __init__(self, processes: Optional[int] = None, initializer: Optional[Func] = None,
                 initargs: Sequence[Any] = (), maxtasksperchild: Optional[int] = None, *,
                 address: Any = None, authkey: Union[None, bytes, str] = None,
                 **client_options: Any):
        self._state = INIT
        self._pool: List[int] = []
        self._cache: Dict[int, Any] = {}
        self._client: Optional[Client] = None
        if processes is None:
            processes = (getattr(os, "process_cpu_count", None) or os.cpu_count)() or 1
        if processes < 1:
            raise ValueError("Number of processes must be at least 1")
        if maxtasksperchild is not None:
            if not isinstance(maxtasksperchild, int) or maxtasksperchild <= 0:
                raise ValueError("maxtasksperchild must be a positive int or None")
        if initializer is not None:
            try:
                initializer = worker_name(initializer)
            except TypeError:
                raise TypeError("initializer must be a Java worker name or proxy (it runs in "
                                "the JVM), not %s" % type(initializer).__name__) from None
        self._processes = processes
        self._pool = list(range(processes))  # len(self._pool) as in the stdlib formulas
        self._maxtasksperchild = maxtasksperchild
        self._initializer = initializer
        self._initargs = tuple(initargs)
        self._pid = os.getpid()
        self._client = Client(address, authkey, **client_options)
        if initializer is not None:
            try:
                self._client.call(initializer, *self._initargs)
            except BaseException:
                self._client.close()
                raise
        self._lock = threading.Lock()
        self._slots = threading.Semaphore(processes)
        self._changed = threading.Condition(self._lock)
        self._outbox: "queue.SimpleQueue[Optional[_Task]]" = queue.SimpleQueue()
        self._replies: "queue.SimpleQueue[Any]" = queue.SimpleQueue()
        self._in_flight: Dict[Future, _Task] = {}
        self._feeders: List[threading.Thread] = []
        self._state = RUN
        self._sender = threading.Thread(target=self._send_tasks, daemon=True,
                                        name="picklebridge-pool-sender")
        self._result_handler = threading.Thread(target=self._handle_results, daemon=True,
                                                name="picklebridge-pool-results")
        self._sender.start()
        self._result_handler.start()

    def __del__(self, _warn=warnings.warn, RUN=RUN):
        if getattr(self, "_state", None) == RUN:
            _warn("unclosed running picklebridge pool %r" % (self,), ResourceWarning, source=self)
            try:
                self._state = TERMINATE
                self._outbox.put(None)
                self._replies.put(None)
            except AttributeError:
                pass

    def __repr__(self) -> str:
        cls = self.__class__
        return "<%s.%s state=%s pool_size=%d>" % (cls.__module__, cls.__qualname__,
                                                  self._state, len(self._pool))

    def __reduce__(self):
        raise NotImplementedError("pool objects cannot be passed between processes or pickled")

    @property
    def jvm(self) -> _WorkerNamespace:
        """Worker proxies to pass as ``func``: ``pool.map(pool.jvm.demo.square, data)``."""
        return _WorkerNamespace(self._client)

    @property
    def client(self) -> Client:
        """The pool's :class:`Client` (for direct calls sharing its connection)."""
        return self._client

    # -- public API, as multiprocessing.pool.Pool -------------------------------------------

    def _check_running(self) -> None:
        if self._pid != os.getpid():
            raise BridgeError("this picklebridge Pool belongs to process %d; create a new Pool "
                              "in forked process %d" % (self._pid, os.getpid()))
        if self._state != RUN:
            raise ValueError("Pool not running")

    def apply(self, func: Func, args: Sequence[Any] = (), kwds: Dict[str, Any] = {}) -> Any:
        """Equivalent of ``func(*args, **kwds)``, run in the JVM.  Pool must be running."""
        return self.apply_async(func, args, kwds).get()

    def map(self, func: Func, iterable: Iterable[Any], chunksize: Optional[int] = None) -> list:
        """Apply ``func`` to each element of ``iterable``; return the list of results."""
        return self._map_async(func, iterable, False, chunksize).get()

    def starmap(self, func: Func, iterable: Iterable[Sequence[Any]],
                chunksize: Optional[int] = None) -> list:
        """Like :meth:`map`, but each element is unpacked as arguments: ``func(*element)``."""
        return self._map_async(func, iterable, True, chunksize).get()

    def starmap_async(self, func: Func, iterable: Iterable[Sequence[Any]],
                      chunksize: Optional[int] = None, callback: Optional[Callable] = None,
                      error_callback: Optional[Callable] = None) -> "MapResult":
        """Asynchronous version of :meth:`starmap`."""
        return self._map_async(func, iterable, True, chunksize, callback, error_callback)

    def imap(self, func: Func, iterable: Iterable[Any], chunksize: int = 1) -> Iterator[Any]:
        """Lazy :meth:`map`: results in order, the iterable read as results are consumed."""
        return self._imap(IMapIterator, func, iterable, chunksize, "{0:n}")

    def imap_unordered(self, func: Func, iterable: Iterable[Any], chunksize: int = 1) -> Iterator[Any]:
        """Like :meth:`imap`, but results come in completion order."""
        return self._imap(IMapUnorderedIterator, func, iterable, chunksize, "{0!r}")

    def apply_async(self, func: Func, args: Sequence[Any] = (), kwds: Dict[str, Any] = {},
                    callback: Optional[Callable] = None,
                    error_callback: Optional[Callable] = None) -> "ApplyResult":
        """Asynchronous version of :meth:`apply`."""
        self._check_running()
        name = worker_name(func)
        result = ApplyResult(self, callback, error_callback)
        self._outbox.put(_Task(result, 0, name, "call", tuple(args), dict(kwds)))
        return result

    def map_async(self, func: Func, iterable: Iterable[Any], chunksize: Optional[int] = None,
                  callback: Optional[Callable] = None,
                  error_callback: Optional[Callable] = None) -> "MapResult":
        """Asynchronous version of :meth:`map`."""
        return self._map_async(func, iterable, False, chunksize, callback, error_callback)

    def close(self) -> None:
        """Accept no more tasks; the JVM finishes those queued, then :meth:`join` returns."""
        if self._state == RUN:
            self._state = CLOSE
            self._outbox.put(None)
            self._notify()

    def terminate(self) -> None:
        """Stop now: cancel work in flight (in the JVM too) and close the connection."""
        if self._state == TERMINATE or self._client is None:
            self._state = TERMINATE
            return
        self._state = TERMINATE
        if self._pid != os.getpid():
            return
        self._outbox.put(None)
        self._slots.release()  # wake the sender if it waits for a slot
        with self._lock:
            in_flight = list(self._in_flight)
        for future in in_flight:
            future.cancel()  # sends ("cancel", id)
        self._client.close()
        self._notify()
        self._join_threads()
        for result in list(self._cache.values()):
            result._abandon(CancelledError("the pool was terminated"))

    def join(self) -> None:
        """Wait for the sender and result threads after :meth:`close` or :meth:`terminate`."""
        if self._state == RUN:
            raise ValueError("Pool is still running")
        elif self._state not in (CLOSE, TERMINATE):
            raise ValueError("In unknown state")
        self._join_threads()
        self._client.close()

    def __enter__(self) -> "Pool":
        self._check_running()
        return self

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        self.terminate()

    # -- task sending ----------------------------------------------------------------------

    def _map_async(self, func: Func, iterable: Iterable[Any], star: bool,
                   chunksize: Optional[int] = None, callback: Optional[Callable] = None,
                   error_callback: Optional[Callable] = None) -> "MapResult":
        self._check_running()
        name = worker_name(func)
        if not hasattr(iterable, "__len__"):
            iterable = list(iterable)
        length = len(iterable)
        ramped = chunksize is None
        if ramped:
            chunksize, extra = divmod(length, len(self._pool) * 4)
            if extra:
                chunksize += 1
        if length == 0:
            chunksize = 0
        starts = _chunk_starts(length, chunksize, ramped)
        result = MapResult(self, chunksize, length, callback, error_callback=error_callback,
                           starts=starts)
        if chunksize > 0:
            self._outbox.put(_MapJob(result, name, iterable, starts, star))
        return result

    def _imap(self, iterator_class: type, func: Func, iterable: Iterable[Any], chunksize: int,
              chunk_format: str) -> Iterator[Any]:
        self._check_running()
        name = worker_name(func)
        if chunksize < 1:
            raise ValueError(("Chunksize must be 1+, not " + chunk_format).format(chunksize))
        result = iterator_class(self)
        feeder = threading.Thread(target=self._feed, args=(result, name, iterable, chunksize),
                                  daemon=True, name="picklebridge-pool-imap-feeder")
        with self._lock:
            self._feeders.append(feeder)
        feeder.start()
        if chunksize == 1:
            return result
        return (item for chunk in result for item in chunk)

    def _feed(self, result: "IMapIterator", name: str, iterable: Iterable[Any],
              chunksize: int) -> None:
        """Read ``iterable`` lazily, keeping a bounded number of chunks outstanding."""
        window = 2 * self._processes + 2
        index = -1
        try:
            for index, chunk in enumerate(_get_chunks(iterable, chunksize)):
                with self._changed:
                    while self._state == RUN and result._outstanding >= window:
                        self._changed.wait()
                    if self._state == TERMINATE:
                        return
                    result._outstanding += 1
                self._outbox_put(_Task(result, index, name, "map", chunk, unwrap=chunksize == 1))
        except Exception as exc:  # the iterable raised: deliver it at its position
            index += 1
            with self._changed:
                result._outstanding += 1
            self._replies.put((result, index, (False, exc)))
        result._set_length(index + 1)

    def _outbox_put(self, task: _Task) -> None:
        if self._state == TERMINATE:
            return
        self._outbox.put(task)

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def _send_tasks(self) -> None:
        while True:
            task = self._outbox.get()
            if task is None:
                # close(): imap feeders no longer wait for their consumers, so they finish
                # reading their iterables; send what they queue, then stop.
                if self._state == CLOSE and self._feeders_alive():
                    for feeder in list(self._feeders):
                        feeder.join()
                    self._outbox.put(None)
                    continue
                break
            if type(task) is _MapJob:
                job = task
                chunks = _cut(job.items, job.starts)
                if not all(self._send_task(_Task(job.result, index, job.worker, "map", chunk,
                                                 star=job.star))
                           for index, chunk in enumerate(chunks)):
                    break
            elif not self._send_task(task):
                break
        self._replies.put(None)

    def _send_task(self, task: _Task) -> bool:
        """Pickle ``task``, wait for a free slot, send it; False once the pool is terminated.

        The pickling happens before the wait, while the calls in flight run; the slot is
        given back as soon as a large reply starts to arrive (the JVM is done with it), so the
        next chunk is sent while that reply is still being unpickled.
        """
        try:
            if task.kind == "call":
                send = self._client.prepare("call", task.worker, task.payload, task.kwargs)
            else:
                send = self._client.prepare("map", task.worker, task.payload,
                                            {"star": bool(task.star)},
                                            on_reply=lambda: self._release_slot(task))
        except Exception as exc:
            self._replies.put((task.result, task.index, (False, exc)))
            return self._state != TERMINATE
        self._slots.acquire()
        if self._state == TERMINATE:
            return False
        try:
            future = send()
        except Exception as exc:
            self._release_slot(task)
            self._replies.put((task.result, task.index, (False, exc)))
            return True
        with self._lock:
            self._in_flight[future] = task
        future.add_done_callback(self._task_done)
        return True

    def _release_slot(self, task: _Task) -> None:
        with self._lock:
            if task.released:
                return
            task.released = True
        self._slots.release()

    def _feeders_alive(self) -> bool:
        with self._lock:
            self._feeders = [f for f in self._feeders if f.is_alive()]
            return bool(self._feeders)

    def _task_done(self, future: Future) -> None:
        with self._lock:
            task = self._in_flight.pop(future, None)
        if task is None:
            self._slots.release()
            return
        self._release_slot(task)
        if future.cancelled():
            outcome = (False, CancelledError("the pool was terminated"))
        else:
            exc = future.exception()
            if exc is not None:
                outcome = (False, exc)
            else:
                value = future.result()
                outcome = (True, value[0] if task.unwrap else value)
        self._replies.put((task.result, task.index, outcome))

    def _handle_results(self) -> None:
        sender_done = False
        while True:
            if sender_done and (self._state == TERMINATE or not self._cache):
                break
            try:
                reply = self._replies.get(timeout=0.1 if sender_done else None)
            except queue.Empty:
                continue
            if reply is None:
                sender_done = True
                continue
            result, index, outcome = reply
            try:
                result._set(index, outcome)
            except Exception:
                log.exception("picklebridge pool: a result callback raised")

    def _join_threads(self) -> None:
        for thread in [self._sender, self._result_handler] + list(self._feeders):
            if thread is not threading.current_thread() and thread.is_alive():
                thread.join(None if self._state == CLOSE else 5.0)


#: A default-chunked ``map`` of at least this many items per chunk is ramped.
RAMP_MIN_CHUNKSIZE = 8192
#: The ramp's chunk sizes as fractions of the stdlib's chunksize, first chunk first.
RAMP = (16, 8, 4, 2)


def _chunk_starts(length: int, chunksize: int, ramped: bool) -> Sequence[int]:
    """Each chunk's first index.  An explicit chunksize cuts even chunks, as the stdlib does.

    The default (``ramped``) keeps the stdlib's number of full-sized chunks in the middle but
    ramps up at the start and down at the end (1/16, 1/8, 1/4, 1/2 of the chunksize): the
    first chunk is pickled and running in the JVM at once, and the last reply is quick to
    unpickle, so neither side waits long for the other at the ends of the map.  Results and
    their order are the same either way.
    """
    if chunksize <= 0:
        return range(0)
    if not ramped or chunksize < RAMP_MIN_CHUNKSIZE:
        return range(0, length, chunksize)
    ramp = [chunksize // d for d in RAMP]
    middle = length - 2 * sum(ramp)
    if middle < chunksize:
        return range(0, length, chunksize)
    count = -(-middle // chunksize)
    size, extra = divmod(middle, count)
    sizes = ramp + [size + (i < extra) for i in range(count)] + ramp[::-1]
    starts = [0]
    for size in sizes[:-1]:
        starts.append(starts[-1] + size)
    return starts


def _cut(items: Sequence[Any], starts: Sequence[int]) -> Iterator[list]:
    """The chunks of ``items`` that begin at ``starts`` (the last one runs to the end)."""
    if type(starts) is range:
        yield from _get_chunks(items, starts.step)
        return
    ends = list(starts[1:]) + [len(items)]
    if type(items) is list:  # slicing copies pointers at C speed
        for start, end in zip(starts, ends):
            yield items[start:end]
        return
    it = iter(items)
    for start, end in zip(starts, ends):
        yield list(itertools.islice(it, end - start))


def _get_chunks(iterable: Iterable[Any], size: int) -> Iterator[list]:
    if type(iterable) is list and size > 0:  # slicing copies pointers at C speed
        for start in range(0, len(iterable), size):
            yield iterable[start:start + size]
        return
    it = iter(iterable)
    while True:
        chunk = list(itertools.islice(it, size)) if size > 0 else []
        if not chunk:
            return
        yield chunk


def _run_callback(callback: Optional[Callable], value: Any) -> None:
    if callback is None:
        return
    try:
        callback(value)
    except Exception:
        log.exception("picklebridge pool: callback %r raised", callback)


class ApplyResult:
    """The result of :meth:`Pool.apply_async`, as ``multiprocessing.pool.ApplyResult``."""

    def __init__(self, pool: Pool, callback: Optional[Callable], error_callback: Optional[Callable]):
        self._pool = pool
        self._event = threading.Event()
        self._job = next(job_counter)
        self._cache = pool._cache
        self._callback = callback
        self._error_callback = error_callback
        self._cache[self._job] = self

    def ready(self) -> bool:
        """Whether the call has completed."""
        return self._event.is_set()

    def successful(self) -> bool:
        """Whether the call completed without raising; ValueError if not ready."""
        if not self.ready():
            raise ValueError("{0!r} not ready".format(self))
        return self._success

    def wait(self, timeout: Optional[float] = None) -> None:
        """Wait until the result is available or ``timeout`` seconds pass."""
        self._event.wait(timeout)

    def get(self, timeout: Optional[float] = None) -> Any:
        """Return the result, raise its error, or raise ``multiprocessing.TimeoutError``."""
        self.wait(timeout)
        if not self.ready():
            raise TimeoutError
        if self._success:
            return self._value
        else:
            raise self._value

    def _set(self, i: int, obj: Tuple[bool, Any]) -> None:
        self._success, self._value = obj
        if self._success:
            _run_callback(self._callback, self._value)
        else:
            _run_callback(self._error_callback, self._value)
        self._event.set()
        self._cache.pop(self._job, None)
        self._pool = None

    def _abandon(self, error: BaseException) -> None:
        if not self._event.is_set():
            self._success, self._value = False, error
            self._event.set()
        self._cache.pop(self._job, None)

    def __repr__(self) -> str:
        state = ("ready" if self.ready() else "pending")
        return "<%s job=%d %s>" % (type(self).__name__, self._job, state)

    __class_getitem__ = classmethod(types.GenericAlias) if hasattr(types, "GenericAlias") else None


AsyncResult = ApplyResult


class MapResult(ApplyResult):
    """The result of :meth:`Pool.map_async`: chunks fill the list as they complete."""

    def __init__(self, pool: Pool, chunksize: int, length: int, callback: Optional[Callable],
                 error_callback: Optional[Callable], starts: Optional[Sequence[int]] = None):
        ApplyResult.__init__(self, pool, callback, error_callback=error_callback)
        self._success = True
        self._value = None  # the result list, made when the first chunk's results arrive
        self._length = length
        self._chunksize = chunksize
        if chunksize <= 0:
            self._value = []
            self._number_left = 0
            self._event.set()
            del self._cache[self._job]
        else:
            if starts is None:
                starts = range(0, length, chunksize)
            self._starts = starts
            self._number_left = len(starts)

    def _set(self, i: int, success_result: Tuple[bool, Any]) -> None:
        self._number_left -= 1
        success, result = success_result
        if success and self._success:
            if self._value is None:
                self._value = [None] * self._length
            start = self._starts[i]
            self._value[start:start + len(result)] = result
            if self._number_left == 0:
                _run_callback(self._callback, self._value)
                self._cache.pop(self._job, None)
                self._event.set()
                self._pool = None
        else:
            if not success and self._success:
                # only store first exception
                self._success = False
                self._value = result
            if self._number_left == 0:
                # only consider the result ready once all jobs are done
                _run_callback(self._error_callback, self._value)
                self._cache.pop(self._job, None)
                self._event.set()
                self._pool = None


class IMapIterator:
    """The iterator :meth:`Pool.imap` returns; ``next(timeout)`` as in the stdlib."""

    def __init__(self, pool: Pool):
        self._pool = pool
        self._cond = threading.Condition(threading.Lock())
        self._job = next(job_counter)
        self._cache = pool._cache
        self._items: collections.deque = collections.deque()
        self._index = 0
        self._length: Optional[int] = None
        self._unsorted: Dict[int, Any] = {}
        self._outstanding = 0  # chunks sent or delivered but not yet consumed
        self._cache[self._job] = self

    def __iter__(self) -> "IMapIterator":
        return self

    def next(self, timeout: Optional[float] = None) -> Any:
        """The next result; ``multiprocessing.TimeoutError`` after ``timeout`` seconds."""
        with self._cond:
            try:
                item = self._items.popleft()
            except IndexError:
                if self._index == self._length:
                    self._pool = None
                    raise StopIteration from None
                self._cond.wait(timeout)
                try:
                    item = self._items.popleft()
                except IndexError:
                    if self._index == self._length:
                        self._pool = None
                        raise StopIteration from None
                    raise TimeoutError from None
        self._consumed()
        success, value = item
        if success:
            return value
        raise value

    __next__ = next

    def _consumed(self) -> None:
        pool = self._pool
        if pool is None:
            return
        with pool._changed:
            self._outstanding -= 1
            pool._changed.notify_all()

    def _set(self, i: int, obj: Tuple[bool, Any]) -> None:
        with self._cond:
            if self._index == i:
                self._items.append(obj)
                self._index += 1
                while self._index in self._unsorted:
                    obj = self._unsorted.pop(self._index)
                    self._items.append(obj)
                    self._index += 1
                self._cond.notify()
            else:
                self._unsorted[i] = obj
            if self._index == self._length:
                self._cache.pop(self._job, None)

    def _set_length(self, length: int) -> None:
        with self._cond:
            self._length = length
            if self._index == self._length:
                self._cond.notify()
                self._cache.pop(self._job, None)

    def _abandon(self, error: BaseException) -> None:
        with self._cond:
            if self._length is None or self._index < self._length:
                self._items.append((False, error))
                self._index += 1
                self._length = self._index
                self._cond.notify_all()
        self._cache.pop(self._job, None)

    def __repr__(self) -> str:
        return "<%s job=%d received=%d length=%s>" % (type(self).__name__, self._job,
                                                       self._index, self._length)


class IMapUnorderedIterator(IMapIterator):
    """The iterator :meth:`Pool.imap_unordered` returns: results in completion order."""

    def _set(self, i: int, obj: Tuple[bool, Any]) -> None:
        with self._cond:
            self._items.append(obj)
            self._index += 1
            self._cond.notify()
            if self._index == self._length:
                self._cache.pop(self._job, None)
