"""One protocol connection: pipelined requests, replies dispatched by id to Futures.

:class:`BridgeConnection` wraps a framed ``multiprocessing.connection.Connection`` (or a
reader/writer pair for pipes).  Sends are serialised by a lock; one reader thread unpickles
every reply with the restricted unpickler and completes the matching
:class:`concurrent.futures.Future`, in completion order.  When the stream ends, every request
still in flight fails with a :class:`BridgeConnectionError` naming the peer::

    >>> conn = BridgeConnection(reader, writer, peer="tcp://127.0.0.1:7341")
    >>> conn.start()                       # hello, negotiates the pickle protocol
    >>> conn.request("call", "sys.echo", ((1, 2),), {}).result()
    (1, 2)

The request/reply halves (:func:`encode_message`, :func:`decode_message`) are separate so a
serving peer can reuse them.
"""

import itertools
import logging
import os
import pickle
import struct
import threading
import weakref
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeoutError
from multiprocessing import connection as mpc
from typing import Any, Callable, Dict, Optional, Tuple

from . import __version__
from .errors import (BridgeConnectionError, BridgeError, JvmExitedError, ProtocolError,
                     exception_from_info)
from .safe_pickle import HIGHEST_PROTOCOL, AllowList, dumps, loads, peek_kind_and_id
from .transport import CHALLENGE, shutdown_connection

__all__ = ["BridgeConnection", "encode_message", "decode_message", "CAPABILITIES"]

log = logging.getLogger("picklebridge")

CAPABILITIES = ["call", "map", "stream", "cancel", "ping", "timeout"]

#: The client's extra capability: protocol 5 out-of-band buffers as frames (docs/protocol.md
#: 4.1). Only the client side implements it, so ``serve`` does not list it.
OOB_CAPABILITY = "oob"
#: Out-of-band buffers (docs/protocol.md 4.1): the first frame of a group starts with this byte.
OOB_MARKER = b"\xff"
#: Buffers smaller than this stay inside the pickle.
OOB_MIN_BUFFER_BYTES = 64 * 1024
#: Most buffers one message carries.
OOB_MAX_BUFFERS = 1024

_live_connections: "weakref.WeakSet[BridgeConnection]" = weakref.WeakSet()


def encode_message(message: tuple, protocol: int = HIGHEST_PROTOCOL) -> bytes:
    """Pickle one protocol message (a tuple whose first item names its kind)."""
    return dumps(message, protocol)


def decode_message(data: bytes, allow: Optional[AllowList] = None,
                   buffers: Optional[list] = None) -> tuple:
    """Unpickle one protocol message with the restricted unpickler; check its shape."""
    message = loads(data, allow, buffers)
    if not isinstance(message, tuple) or not message or not isinstance(message[0], str):
        raise ProtocolError("a message must be a tuple starting with its kind, got %r"
                            % (type(message).__name__,))
    return message


class _RequestFuture(Future):
    """A Future whose ``cancel()`` also asks the peer to cancel its request.

    Cheaper per call than ``add_done_callback`` (no callback list, no lock at completion).
    """

    def cancel(self) -> bool:
        cancelled = super().cancel()
        if cancelled:
            connection = getattr(self, "_connection", None)
            if connection is not None:
                connection.cancel(self.request_id)
        return cancelled


class _Request:
    __slots__ = ("future", "kind", "worker", "on_item")

    def __init__(self, future: Future, kind: str, worker: Optional[str],
                 on_item: Optional[Callable[[Any], None]]):
        self.future = future
        self.kind = kind
        self.worker = worker
        self.on_item = on_item


class BridgeConnection:
    """A client-side protocol connection with many requests in flight."""

    def __init__(self, reader: mpc.Connection, writer: Optional[mpc.Connection] = None, *,
                 peer: str, allow: Optional[AllowList] = None, protocol: int = HIGHEST_PROTOCOL,
                 describe_exit: Optional[Callable[[], Tuple[Optional[int], str]]] = None,
                 on_close: Optional[Callable[[], None]] = None, out_of_band: bool = True):
        self._reader = reader
        self._writer = writer if writer is not None else reader
        self.peer = peer
        self._allow = allow
        self.protocol = protocol
        self._offer_oob = out_of_band
        #: Whether large buffers travel as their own frames (both hellos listed "oob" at protocol 5).
        self.out_of_band = False
        #: Out-of-band groups sent and received (each carries one or more buffer frames).
        self.oob_sent = 0
        self.oob_received = 0
        self.server_info: Dict[str, Any] = {}
        self._describe_exit = describe_exit
        self._on_close = on_close
        self._ids = itertools.count(1)
        self._pending: Dict[int, _Request] = {}
        self._pending_lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._hello: Optional[Future] = None
        self._pongs: Dict[Any, Future] = {}
        self._closed = False
        self._failure: Optional[BaseException] = None
        self._reader_thread: Optional[threading.Thread] = None
        self.pid = os.getpid()
        _live_connections.add(self)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, timeout: Optional[float] = 60.0) -> Dict[str, Any]:
        """Send hello, start the reader thread, wait for the server's hello reply."""
        self._hello = Future()
        self._reader_thread = threading.Thread(target=self._read_loop, daemon=True,
                                               name="picklebridge-reader %s" % self.peer)
        self._reader_thread.start()
        self._send(("hello", {"protocol": self.protocol,
                              "client": "picklebridge-python/%s" % __version__,
                              "capabilities": list(CAPABILITIES)
                              + ([OOB_CAPABILITY] if self._offer_oob else [])}))
        try:
            info = self._hello.result(timeout)
        except FutureTimeoutError:
            self.close()
            raise BridgeConnectionError("%s did not answer hello within %s s" % (self.peer, timeout))
        except BaseException:
            self.close()
            raise
        self.server_info = dict(info) if isinstance(info, dict) else {}
        self.protocol = min(self.protocol, int(self.server_info.get("protocol", self.protocol)))
        self.out_of_band = (self._offer_oob and self.protocol >= 5
                            and OOB_CAPABILITY in (self.server_info.get("capabilities") or ()))
        return self.server_info

    @property
    def closed(self) -> bool:
        """Whether the connection was closed, by either side."""
        return self._closed

    @property
    def in_flight(self) -> int:
        """How many requests wait for their terminal reply."""
        return len(self._pending)

    def close(self, reason: str = "the connection was closed") -> None:
        """Say bye, close the connection, fail requests still in flight with ``reason``."""
        if os.getpid() != self.pid:
            self.forget_after_fork()
            return
        with self._send_lock:
            if self._closed:
                return
            try:
                self._writer.send_bytes(encode_message(("bye",), self.protocol))
            except (OSError, ValueError):
                pass
            self._closed = True
        self._fail_all(BridgeConnectionError("%s: %s" % (self.peer, reason)))
        # Wake the reader: a socket is shut down; a pipe peer sees stdin's end and exits.
        shutdown_connection(self._reader)
        if self._writer is not self._reader:
            self._writer.close()
        if self._on_close is not None:
            self._on_close()
        if self._reader_thread is not None and self._reader_thread is not threading.current_thread():
            self._reader_thread.join(2.0)
        self._close_fds()

    def abort(self, error: BaseException) -> None:
        """Fail every request with ``error`` and stop using the connection (peer gone)."""
        if self._closed:
            return
        self._closed = True
        self._fail_all(error)
        shutdown_connection(self._reader)

    def forget_after_fork(self) -> None:
        """In a forked child: drop this process's copy of the fds without touching the peer."""
        self._closed = True
        self._failure = BridgeConnectionError(
            "%s: this connection belongs to process %d, not to forked process %d"
            % (self.peer, self.pid, os.getpid()))
        self._pending.clear()
        self._close_fds()

    def _close_fds(self) -> None:
        for conn in {id(self._reader): self._reader, id(self._writer): self._writer}.values():
            try:
                conn.close()
            except OSError:
                pass

    # -- requests --------------------------------------------------------------------------

    def request(self, kind: str, worker: str, args: Any, kwargs_or_options: Any = None,
                options: Optional[Dict[str, Any]] = None,
                on_item: Optional[Callable[[Any], None]] = None) -> Future:
        """Send a ``call`` (args tuple, kwargs dict) or ``map`` (items list, options dict).

        Returns a Future for the terminal reply; cancelling it sends ``("cancel", id)``.
        """
        future = _RequestFuture()
        request_id = next(self._ids)
        if kind == "call":
            if type(args) is not tuple:
                args = tuple(args)
            kwargs = kwargs_or_options if type(kwargs_or_options) is dict else dict(kwargs_or_options or {})
            message = ("call", request_id, worker, args, kwargs)
            if options:
                message += (options,)
        elif kind == "map":
            message = ("map", request_id, worker, list(args), dict(kwargs_or_options or {}))
        else:
            raise ValueError("unknown request kind %r" % (kind,))
        with self._pending_lock:
            self._check_open()
            self._pending[request_id] = _Request(future, kind, worker, on_item)
        future.request_id = request_id
        try:
            self._send(message)
        except BaseException as exc:
            with self._pending_lock:
                self._pending.pop(request_id, None)
            if isinstance(exc, OSError):
                raise BridgeConnectionError("%s: cannot send: %s" % (self.peer, exc)) from exc
            raise
        future._connection = self  # from now on, cancel() sends ("cancel", id)
        return future

    def cancel(self, request_id: int) -> None:
        """Ask the peer to cancel a request (its terminal reply is then ignored)."""
        with self._pending_lock:
            self._pending.pop(request_id, None)
        try:
            self._send(("cancel", request_id))
        except (OSError, BridgeError, ValueError):
            pass  # a closed connection cancels everything anyway

    def ping(self, payload: Any = None, timeout: Optional[float] = 10.0) -> Any:
        """Round-trip a ``ping``; return the pong's payload."""
        key = payload if payload is not None else next(self._ids)
        future: Future = Future()
        self._pongs[key] = future
        self._send(("ping", key))
        return future.result(timeout)

    def _check_open(self) -> None:
        if os.getpid() != self.pid:
            raise BridgeConnectionError(
                "%s: this connection was opened by process %d and cannot be used in forked "
                "process %d" % (self.peer, self.pid, os.getpid()))
        if self._failure is not None:
            raise self._failure
        if self._closed:
            raise BridgeConnectionError("%s: the connection is closed" % self.peer)

    def _send(self, message: tuple) -> None:
        buffers: list = []
        if self.out_of_band:
            def keep_in_band(buffer: pickle.PickleBuffer) -> bool:
                # pickle's buffer_callback: a false answer takes the buffer out of band
                if memoryview(buffer).nbytes < OOB_MIN_BUFFER_BYTES or len(buffers) >= OOB_MAX_BUFFERS:
                    return True
                buffers.append(buffer)
                return False
            data = pickle.dumps(message, 5, buffer_callback=keep_in_band)
        else:
            data = encode_message(message, self.protocol)
        with self._send_lock:
            if self._closed:
                self._check_open()
            if not buffers:
                self._writer.send_bytes(data)
                return
            # one group, back to back: header + pickle, then each buffer as its own frame
            self._writer.send_bytes(OOB_MARKER + struct.pack(">I", len(buffers)) + data)
            for buffer in buffers:
                self._writer.send_bytes(buffer.raw())
            self.oob_sent += 1

    # -- replies ---------------------------------------------------------------------------

    def _read_loop(self) -> None:
        failure: Optional[BaseException] = None
        try:
            while True:
                data = self._reader.recv_bytes()
                if data[:1] == OOB_MARKER:
                    self._receive_group(data)
                else:
                    self._dispatch(data)
        except (EOFError, OSError) as exc:
            failure = exc
        except BaseException as exc:  # a bug here must not leave callers waiting forever
            log.exception("picklebridge reader for %s failed", self.peer)
            failure = exc
        if self._closed:
            return  # close() or abort() did the rest
        self._closed = True
        self._fail_all(self._connection_lost(failure))
        if self._on_close is not None:
            self._on_close()
        self._close_fds()

    def _connection_lost(self, cause: Optional[BaseException]) -> BridgeConnectionError:
        if self._describe_exit is not None:
            code, description = self._describe_exit()
            error = JvmExitedError(description, code, description.partition("\n")[2])
        else:
            detail = "end of stream" if isinstance(cause, EOFError) or cause is None else cause
            error = BridgeConnectionError("the connection to %s was lost (%s)" % (self.peer, detail))
        error.__cause__ = cause
        return error

    def _fail_all(self, error: BaseException) -> None:
        if self._failure is None:
            self._failure = error
        with self._pending_lock:
            pending = list(self._pending.values())
            self._pending.clear()
        waiting = [request.future for request in pending]
        waiting += list(self._pongs.values())
        if self._hello is not None:
            waiting.append(self._hello)
        for future in waiting:
            if not future.done():
                try:
                    future.set_exception(error)
                except Exception:  # cancelled or completed meanwhile
                    pass

    def _receive_group(self, header: bytes) -> None:
        """An out-of-band group: the pickle after the 5-byte header, then its buffer frames."""
        count = struct.unpack(">I", header[1:5])[0] if len(header) >= 5 else 0
        if not 0 < count <= OOB_MAX_BUFFERS:
            for _ in range(count):  # stay in step with the stream, keep nothing
                self._reader.recv_bytes()
            log.error("picklebridge: %s sent an out-of-band group of %d buffers", self.peer, count)
            return
        # writable buffers, so numpy arrays arrive writable (one copy out of the received bytes)
        buffers = [bytearray(self._reader.recv_bytes()) for _ in range(count)]
        self.oob_received += 1
        self._dispatch(header[5:], buffers)

    def _dispatch(self, data: bytes, buffers: Optional[list] = None) -> None:
        if self._hello is not None and not self._hello.done() and data.startswith(CHALLENGE):
            self._hello.set_exception(BridgeConnectionError(
                "%s requires an authkey: pass authkey=... (or authkey_file=...)" % self.peer))
            return
        try:
            message = decode_message(data, self._allow, buffers)
        except Exception as exc:
            kind, request_id = peek_kind_and_id(data)
            if kind in ("result", "item", "error") and self._complete(request_id, exc=exc, final=True):
                return
            if self._hello is not None and not self._hello.done():
                self._hello.set_exception(ProtocolError(
                    "%s answered hello with an unusable message: %s" % (self.peer, exc)))
                return
            log.error("picklebridge: unreadable message from %s: %s", self.peer, exc)
            return
        kind = message[0]
        if kind == "result" and len(message) == 3:
            self._complete(message[1], value=message[2])
        elif kind == "error" and len(message) == 3:
            if message[1] is None:
                self._connection_error(message[2])
            else:
                self._complete(message[1], exc=exception_from_info(message[2]))
        elif kind == "item" and len(message) == 3:
            request = self._pending.get(message[1])
            if request is not None and request.on_item is not None:
                request.on_item(message[2])
        elif kind == "hello" and self._hello is not None:
            if not self._hello.done():
                self._hello.set_result(message[1] if len(message) > 1 else {})
        elif kind == "pong":
            future = self._pongs.pop(message[1] if len(message) > 1 else None, None)
            if future is not None and not future.done():
                future.set_result(message[1])
        else:
            log.warning("picklebridge: ignoring unexpected message %r from %s", kind, self.peer)

    def _complete(self, request_id: Any, value: Any = None, exc: Optional[BaseException] = None,
                  final: bool = True) -> bool:
        with self._pending_lock:
            request = self._pending.pop(request_id, None)
        if request is None:
            return False  # cancelled by us, or an id we never sent
        try:  # a future cancelled meanwhile raises InvalidStateError
            if exc is not None:
                request.future.set_exception(exc)
            else:
                request.future.set_result(value)
        except Exception:  # InvalidStateError: cancelled meanwhile
            pass
        return True

    def _connection_error(self, info: Any) -> None:
        error = exception_from_info(info)
        log.error("picklebridge: %s reported a connection error: %s: %s",
                  self.peer, type(error).__name__, error)
        if self._hello is not None and not self._hello.done():
            self._hello.set_exception(error)

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return "<BridgeConnection %s %s in_flight=%d protocol=%d>" % (
            self.peer, state, self.in_flight, self.protocol)


def _forget_connections_after_fork() -> None:
    for conn in list(_live_connections):
        conn.forget_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_connections_after_fork)
