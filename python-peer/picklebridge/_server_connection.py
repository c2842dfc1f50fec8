"""The serving side of one protocol connection (docs/protocol.md, section 4).

One thread reads frames, unpickles each with the restricted unpickler, answers ``hello``,
``ping``, ``cancel`` and ``bye`` itself and hands ``call`` and ``map`` to the runner's pool.
Replies go out in completion order from whichever thread finishes a call, one frame at a time
under a write lock, in the pickle protocol of the request they answer (2 for protocols 0-1)
unless ``hello`` negotiated one::

    frame 80 04 95 ... ("call", 7, "statistics.mean", ([1, 2, 3],), {})
      -> pool thread -> frame 80 04 95 ... ("result", 7, 2)

    >>> ServerConnection(conn, conn, peer="tcp://127.0.0.1:50312", server=server).serve()
"""

import logging
import threading
from multiprocessing import connection as mpc
from typing import Any, Callable, Dict, Optional

from ._server_calls import Call
from ._server_workers import describe_exception, protocol_error_info
from .connection import decode_message, encode_message
from .safe_pickle import HIGHEST_PROTOCOL, peek_kind_and_id
from .transport import shutdown_connection

__all__ = ["ServerConnection", "frame_protocol"]

log = logging.getLogger("picklebridge.serve")


def frame_protocol(data: bytes) -> int:
    """The pickle protocol to answer a frame in: its PROTO opcode's, at least 2 (2 if absent)."""
    if len(data) >= 2 and data[0] == 0x80:
        return max(2, min(HIGHEST_PROTOCOL, data[1]))
    return 2


def _is_request_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _shape(message: tuple) -> str:
    return "(%s)" % ", ".join(type(item).__name__ if i else repr(item)
                              for i, item in enumerate(message))


class ServerConnection:
    """Serves one client connection; :meth:`serve` returns when it is closed."""

    def __init__(self, reader: mpc.Connection, writer: mpc.Connection, *, peer: str, server: Any,
                 on_write_failure: Optional[Callable[[], None]] = None):
        self._reader = reader
        self._on_write_failure = on_write_failure
        self._writer = writer
        self.peer = peer
        self._server = server
        self._calls: Dict[Any, Call] = {}
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._write_lock = threading.Lock()
        self._slots = threading.Semaphore(server.max_in_flight)
        self._negotiated: Optional[int] = None
        self._bye = False
        self._closed = False

    @property
    def in_flight(self) -> int:
        """Requests waiting for their terminal reply."""
        return len(self._calls)

    # -- reading -------------------------------------------------------------------------

    def serve(self) -> None:
        """Read and handle frames until the peer closes, says bye, or the server stops."""
        reason = "end of stream"
        try:
            while not self._bye:
                data = self._reader.recv_bytes(self._server.max_frame)
                if not data:
                    # The stdlib reads a negative length other than -1 as an empty frame.
                    self._protocol_error(None, "bad frame: an empty payload or a negative length",
                                         self._negotiated or 2)
                    reason = "bad framing"
                    break
                self._handle(data)
        except EOFError:
            reason = "closed by the peer"
        except OSError as exc:
            if "bad message length" in str(exc):
                log.warning("closing %s: a frame had a bad length or was longer than %d bytes",
                            self.peer, self._server.max_frame)
            reason = str(exc) if not self._closed else "closed by the server"
        except Exception:
            log.exception("closing %s after an unexpected error", self.peer)
            reason = "unexpected error"
        if self._bye:
            reason = "bye"
            with self._idle:
                while self._calls and not self._closed:
                    self._idle.wait(0.5)
        self.close(reason)

    def _handle(self, data: bytes) -> None:
        protocol = self._negotiated or frame_protocol(data)
        try:
            message = decode_message(data, self._server.allow)
        except Exception as exc:
            kind, request_id = peek_kind_and_id(data)
            if kind not in ("call", "map") or not _is_request_id(request_id):
                request_id = None
            self._protocol_error(request_id, "cannot read the %smessage: %s"
                                 % (kind + " " if kind else "", exc), protocol)
            return
        try:
            self._dispatch(message, protocol)
        except Exception as exc:  # e.g. an unhashable id: the message is unusable, not the stream
            self._protocol_error(None, "unusable %r message: %s: %s"
                                 % (message[0], type(exc).__name__, exc), protocol)

    def _dispatch(self, message: tuple, protocol: int) -> None:
        kind = message[0]
        if kind == "call":
            self._call(message, protocol)
        elif kind == "map":
            self._map(message, protocol)
        elif kind == "cancel":
            call = self._calls.get(message[1]) if len(message) > 1 else None
            if call is not None:
                call.cancel()
        elif kind == "ping":
            self.send(("pong", message[1] if len(message) > 1 else None), protocol)
        elif kind == "hello":
            self._hello(message, protocol)
        elif kind == "bye":
            self._bye = True
        else:
            request_id = message[1] if len(message) > 1 and _is_request_id(message[1]) else None
            self._protocol_error(request_id, "unknown message kind %r" % (kind,), protocol)

    def _hello(self, message: tuple, protocol: int) -> None:
        info = message[1] if len(message) > 1 and isinstance(message[1], dict) else {}
        wanted = info.get("protocol")
        if isinstance(wanted, int) and not isinstance(wanted, bool):
            self._negotiated = max(2, min(HIGHEST_PROTOCOL, wanted))
            protocol = self._negotiated
        reply = dict(self._server.hello_info())
        reply["protocol"] = protocol
        self.send(("hello", reply), protocol)

    def _call(self, message: tuple, protocol: int) -> None:
        size = len(message)
        if (size not in (5, 6) or not isinstance(message[2], str)
                or not isinstance(message[3], (tuple, list)) or not isinstance(message[4], dict)
                or (size == 6 and not isinstance(message[5], dict))):
            self._malformed(message, "('call', id, worker, args_tuple, kwargs_dict[, options_dict])",
                            protocol)
            return
        options = message[5] if size == 6 else {}
        self._start(message[1], "call", message[2], tuple(message[3]), message[4], options, protocol)

    def _map(self, message: tuple, protocol: int) -> None:
        size = len(message)
        if (size not in (4, 5) or not isinstance(message[2], str)
                or not isinstance(message[3], (tuple, list))
                or (size == 5 and not isinstance(message[4], dict))):
            self._malformed(message, "('map', id, worker, items_list, options_dict)", protocol)
            return
        options = message[4] if size == 5 else {}
        self._start(message[1], "map", message[2], list(message[3]), {}, options, protocol)

    def _malformed(self, message: tuple, expected: str, protocol: int) -> None:
        request_id = message[1] if len(message) > 1 and _is_request_id(message[1]) else None
        self._protocol_error(request_id, "a %s message is %s, got %s"
                             % (message[0], expected, _shape(message)), protocol)

    def _start(self, request_id: Any, kind: str, worker: str, args: Any, kwargs: Dict[str, Any],
               options: Dict[str, Any], protocol: int) -> None:
        if not _is_request_id(request_id):
            self._protocol_error(None, "a %s's id must be an int, got %s"
                                 % (kind, type(request_id).__name__), protocol)
            return
        try:
            func = self._server.registry.resolve(worker)
        except NameError as exc:
            self.send(("error", request_id, protocol_error_info("NameError", str(exc), worker)),
                      protocol)
            return
        timeout = options.get("timeout")
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))):
            self._protocol_error(request_id, "the timeout option must be a number of seconds, "
                                 "got %s" % type(timeout).__name__, protocol)
            return
        if request_id in self._calls:
            self._protocol_error(request_id, "request id %d is already in flight" % request_id,
                                 protocol)
            return
        self._slots.acquire()  # backpressure: stop reading while max_in_flight calls run
        call = Call(self, request_id, kind, worker, func, args, kwargs, options, protocol)
        with self._lock:
            if self._closed:
                self._slots.release()
                return
            self._calls[request_id] = call
        try:
            self._server.runner.submit(call)
        except RuntimeError as exc:  # the pool is shut down: the server is stopping
            call.fail(protocol_error_info("RuntimeError", "cannot run %s: %s" % (worker, exc), worker))
            return
        if timeout is not None:
            if timeout > 0:
                self._server.deadlines.watch(call, float(timeout))
            else:
                call.expire(float(timeout))

    def _protocol_error(self, request_id: Any, message: str, protocol: int) -> None:
        log.info("protocol error from %s: %s", self.peer, message)
        self.send(("error", request_id, protocol_error_info("ProtocolError", message)), protocol)

    # -- writing -------------------------------------------------------------------------

    def send(self, message: tuple, protocol: int) -> bool:
        """Send one message; False when the connection is closed or broken.

        Raises the pickling error when ``message`` cannot be pickled.
        """
        data = encode_message(message, protocol)
        with self._write_lock:
            if self._closed:
                return False
            try:
                self._writer.send_bytes(data)
                return True
            except (OSError, ValueError) as exc:
                log.info("cannot write to %s (%s); closing it", self.peer, exc)
        if self._on_write_failure is not None:
            self._on_write_failure()
        else:
            shutdown_connection(self._reader)  # the reading thread sees the end and closes
        return False

    def finish(self, call: Call, message: Optional[tuple]) -> None:
        """Send ``call``'s terminal reply (None: none) and forget the call."""
        if message is not None:
            try:
                self.send(message, call.protocol)
            except Exception as exc:  # the result does not pickle
                info = describe_exception(exc, call.worker)
                info["message"] = "cannot pickle the result of %s: %s" % (call.worker, exc)
                self.send(("error", call.request_id, info), call.protocol)
        with self._lock:
            if self._calls.get(call.request_id) is call:
                del self._calls[call.request_id]
                self._slots.release()
            self._idle.notify_all()

    # -- closing -------------------------------------------------------------------------

    def close(self, reason: str = "closed by the server") -> None:
        """Close the connection and stop its calls (Python threads: marked cancelled)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            calls = list(self._calls.values())
            self._idle.notify_all()
        for call in calls:
            call.abandon()
        shutdown_connection(self._reader)  # wakes a reader, and a writer blocked on a socket
        # A writer blocked on a full pipe keeps the lock; its descriptors then close at exit.
        if self._write_lock.acquire(timeout=1.0):
            try:
                for conn in (self._reader, self._writer):
                    try:
                        conn.close()
                    except OSError:
                        pass
            finally:
                self._write_lock.release()
        log.info("connection %s closed (%s)%s", self.peer, reason,
                 "; %d calls stopped" % len(calls) if calls else "")
        self._server.connection_closed(self)

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return "<ServerConnection %s %s in_flight=%d>" % (self.peer, state, self.in_flight)
