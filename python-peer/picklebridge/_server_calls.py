"""Running served calls: one :class:`Call` per request, its single terminal reply, timeouts,
cancellation, and the thread pool that runs worker functions.

A call is finished exactly once, by whichever comes first: the worker returning or raising,
a ``cancel`` message, its timeout, or its connection closing.  Python threads cannot be
interrupted, so a cancelled or timed-out call still running is *marked* cancelled (a worker
may poll :func:`call_cancelled`) and its eventual result is dropped::

    >>> runner = ThreadRunner(threads=8)
    >>> runner.submit(call)           # call.reply(...) happens on a pool thread
"""

import collections.abc
import heapq
import itertools
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Optional, Tuple

from ._server_workers import describe_exception, protocol_error_info

__all__ = ["Call", "ThreadRunner", "DeadlineWatcher", "run_request", "call_cancelled"]

log = logging.getLogger("picklebridge.serve")

_current = threading.local()

#: What a worker function's run produced: ("result", value), ("error", info) or
#: ("items", list) (a streamed result collected in another process).
Outcome = Tuple[str, Any]


def call_cancelled() -> bool:
    """Inside a served worker function: whether its call was cancelled or timed out.

    Long-running workers can poll this and return early; their result is dropped anyway.
    """
    call = getattr(_current, "call", None)
    return call is not None and call.cancel_event.is_set()


def _is_stream(value: Any) -> bool:
    return isinstance(value, collections.abc.Iterator) or (
        isinstance(value, collections.abc.Iterable)
        and not isinstance(value, collections.abc.Collection))


class _StopStreaming(Exception):
    """The call ended (cancelled, connection closed) while its items were being sent."""


def run_request(func: Callable[..., Any], kind: str, worker: str, args: Any, kwargs: Dict[str, Any],
                options: Dict[str, Any], on_item: Optional[Callable[[Any], None]] = None,
                is_cancelled: Callable[[], bool] = lambda: False) -> Optional[Outcome]:
    """Run one ``call`` or ``map`` request's worker function; never raises.

    ``args`` is the call's args tuple, or the map chunk's items.  With ``options["stream"]``
    and an iterator result, items go to ``on_item`` as produced, or are collected into an
    ``("items", list)`` outcome when ``on_item`` is None.  Returns None when cancelled.
    """
    if kind == "map":
        star = bool(options.get("star"))
        results = []
        for index, item in enumerate(args):
            if is_cancelled():
                return None
            try:
                results.append(func(*item) if star else func(item))
            except BaseException as exc:  # SystemExit in a worker must not stop the server
                return "error", describe_exception(exc, worker, index=index, skip_frames=1)
        return "result", results
    try:
        value = func(*args, **kwargs)
        if not (options.get("stream") and _is_stream(value)):
            return "result", value
        if on_item is None:
            return "items", list(value)
        count = 0
        for item in value:
            on_item(item)
            count += 1
        return "result", count
    except _StopStreaming:
        return None
    except BaseException as exc:
        return "error", describe_exception(exc, worker, skip_frames=1)


class Call:
    """One ``call`` or ``map`` request in flight on a connection."""

    def __init__(self, connection: Any, request_id: int, kind: str, worker: str,
                 func: Callable[..., Any], args: Any, kwargs: Dict[str, Any],
                 options: Dict[str, Any], protocol: int):
        self.connection = connection
        self.request_id = request_id
        self.kind = kind
        self.worker = worker
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.options = options
        self.protocol = protocol
        self.cancel_event = threading.Event()
        self.future: Any = None
        self._lock = threading.Lock()
        self._done = False

    @property
    def done(self) -> bool:
        """Whether the terminal reply was sent (or the call abandoned)."""
        return self._done

    def _claim(self) -> bool:
        with self._lock:
            if self._done:
                return False
            self._done = True
            return True

    def complete(self, outcome: Optional[Outcome]) -> None:
        """Reply with the worker's outcome, unless the call already ended."""
        if outcome is None:
            return
        status, value = outcome
        if status == "items":
            try:
                for item in value:
                    self.send_item(item)
            except _StopStreaming:
                return
            status, value = "result", len(value)
        if self._claim():
            self.connection.finish(self, (status, self.request_id, value))

    def fail(self, info: Dict[str, Any]) -> bool:
        """Stop the call and reply ``("error", id, info)``; False when it had already ended."""
        self.cancel_event.set()
        if self.future is not None:
            self.future.cancel()
        if not self._claim():
            return False
        self.connection.finish(self, ("error", self.request_id, info))
        return True

    def cancel(self) -> bool:
        """The client's ``cancel``: reply CancelledError now, stop the worker if possible."""
        return self.fail(protocol_error_info(
            "CancelledError", "request %s to %s was cancelled" % (self.request_id, self.worker),
            self.worker))

    def expire(self, timeout: float) -> bool:
        """The call's timeout passed: reply TimeoutError now, stop the worker if possible."""
        return self.fail(protocol_error_info(
            "TimeoutError", "%s did not finish within %g s" % (self.worker, timeout), self.worker))

    def abandon(self) -> None:
        """The connection closed: stop the call; no reply can be sent."""
        self.cancel_event.set()
        if self.future is not None:
            self.future.cancel()
        if self._claim():
            self.connection.finish(self, None)

    def send_item(self, item: Any) -> None:
        """Send one streamed item (``("item", id, value)``) before the terminal reply."""
        if self._done or self.cancel_event.is_set():
            raise _StopStreaming()
        if not self.connection.send(("item", self.request_id, item), self.protocol):
            raise _StopStreaming()

    def __repr__(self) -> str:
        state = "done" if self._done else ("cancelled" if self.cancel_event.is_set() else "running")
        return "<Call %s %s %s %s>" % (self.request_id, self.kind, self.worker, state)


class DeadlineWatcher:
    """One thread that expires calls whose ``timeout`` option has passed."""

    def __init__(self, clock: Callable[[], float]):
        self._clock = clock
        self._heap: List[Tuple[float, int, Call, float]] = []
        self._sequence = itertools.count()
        self._condition = threading.Condition()
        self._thread: Optional[threading.Thread] = None

    def watch(self, call: Call, timeout: float) -> None:
        """Expire ``call`` after ``timeout`` seconds unless it finishes first."""
        with self._condition:
            heapq.heappush(self._heap, (self._clock() + timeout, next(self._sequence), call, timeout))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="picklebridge-deadlines")
                self._thread.start()
            self._condition.notify()

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._heap or self._heap[0][0] > self._clock():
                    wait = self._heap[0][0] - self._clock() if self._heap else None
                    self._condition.wait(wait)
                _deadline, _seq, call, timeout = heapq.heappop(self._heap)
            if not call.done:
                call.expire(timeout)


class ThreadRunner:
    """Runs calls on a :class:`~concurrent.futures.ThreadPoolExecutor` of ``threads`` threads."""

    mode = "threads"

    def __init__(self, threads: int):
        self.threads = threads
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="picklebridge-call")

    def submit(self, call: Call) -> None:
        """Queue ``call``; its reply is sent from the pool thread that runs it."""
        call.future = self._executor.submit(self._execute, call)

    def _execute(self, call: Call) -> None:
        if call.cancel_event.is_set():
            return
        _current.call = call
        try:
            outcome = self.run(call)
        finally:
            _current.call = None
        call.complete(outcome)

    def run(self, call: Call) -> Optional[Outcome]:
        """Run ``call``'s worker function in this thread."""
        return run_request(call.func, call.kind, call.worker, call.args, call.kwargs, call.options,
                           on_item=call.send_item, is_cancelled=call.cancel_event.is_set)

    def close(self) -> None:
        """Drop queued calls; running ones are left to the process exit."""
        try:
            self._executor.shutdown(wait=False, cancel_futures=True)
        except TypeError:  # Python 3.8 has no cancel_futures
            self._executor.shutdown(wait=False)

    def describe(self) -> Dict[str, Any]:
        """What the hello reply says about this runner."""
        return {"threads": self.threads, "mode": self.mode}

    def __repr__(self) -> str:
        return "<%s %s=%d>" % (type(self).__name__, self.mode, self.threads)
