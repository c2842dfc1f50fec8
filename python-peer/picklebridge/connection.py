"""One protocol connection: pipelined requests, replies dispatched by id.

:class:`BridgeConnection` wraps a framed ``multiprocessing.connection.Connection`` (or a
reader/writer pair for pipes).  Sends are serialised by a lock and write each frame with one
system call.  Replies are read by whoever needs them, one reader at a time:

* a synchronous :meth:`~BridgeConnection.call` that finds nobody reading reads its own reply
  (and dispatches any other reply that comes first) in the calling thread, as a stdlib
  ``Connection.send``/``recv`` pair would: no thread hand-off, no Future;
* when that caller has its reply and other requests still wait, it hands the reading over to
  another waiting caller, else to the connection's background thread;
* the background thread reads while asynchronous requests (:meth:`~BridgeConnection.request`,
  pings, the hello) are in flight, and completes their
  :class:`concurrent.futures.Future` in completion order.  While nothing is in flight it only
  watches the stream for its end (``POLLRDHUP``/``POLLHUP``), so a peer that goes away is
  noticed without a call.

When the stream ends, every request still in flight fails with a
:class:`BridgeConnectionError` naming the peer::

    >>> conn = BridgeConnection(reader, writer, peer="tcp://127.0.0.1:7341")
    >>> conn.start()                       # hello, negotiates the pickle protocol
    >>> conn.call("sys.echo", ((1, 2),), {})
    (1, 2)
    >>> conn.request("call", "sys.echo", ((1, 2),), {}).result()
    (1, 2)

The request/reply halves (:func:`encode_message`, :func:`decode_message`) are separate so a
serving peer can reuse them.
"""

import _thread
import itertools
import logging
import os
import pickle
import select
import struct
import threading
import weakref
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeoutError
from multiprocessing import connection as mpc
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from . import __version__
from .errors import (BridgeConnectionError, BridgeError, JvmExitedError, ProtocolError,
                     exception_from_info)
from .safe_pickle import HIGHEST_PROTOCOL, AllowList, dumps, load, loads, peek_kind_and_id
from .transport import (CHALLENGE, Frame, FrameReader, LargeFrame, frame_bytes,
                        shutdown_connection, write_frame, write_frames)

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

#: The first byte of every opcode that can name a global: GLOBAL ``c``, INST ``i``, EXT1,
#: EXT2, EXT4 and STACK_GLOBAL.  A pickle without any of these bytes can build only builtin
#: values (no callable ever reaches REDUCE, BUILD, OBJ or NEWOBJ), so ``pickle.loads`` loads
#: it exactly as the restricted unpickler would.
_GLOBAL_OPCODE_BYTES = b"ci\x82\x83\x84\x93"
#: Pickles shorter than this are checked for those bytes (one ``bytes.translate``) and then
#: loaded by ``pickle.loads``; longer ones go to the restricted unpickler, whose fixed cost no
#: longer matters beside theirs.
_FAST_LOAD_BELOW = 1024

#: Who reads replies when no synchronous caller does.
_BACKGROUND = "background"

_HANGUP_EVENTS = getattr(select, "POLLRDHUP", 0) | select.POLLHUP | select.POLLERR

_live_connections: "weakref.WeakSet[BridgeConnection]" = weakref.WeakSet()


def encode_message(message: tuple, protocol: int = HIGHEST_PROTOCOL) -> bytes:
    """Pickle one protocol message (a tuple whose first item names its kind)."""
    return dumps(message, protocol)


def decode_message(data: Union[bytes, bytearray, Frame], allow: Optional[AllowList] = None,
                   buffers: Optional[list] = None) -> tuple:
    """Unpickle one protocol message with the restricted unpickler; check its shape.

    ``data`` is bytes-like, or a frame as :class:`~picklebridge.transport.FrameReader` returns
    it (a large one is unpickled as it is read).  A short pickle that contains no byte able to open a global-naming opcode is loaded by
    ``pickle.loads`` (it cannot name anything, so the restricted unpickler would load the same
    value, about 1.5 us later).
    """
    if (type(data) is bytes and len(data) < _FAST_LOAD_BELOW
            and len(data.translate(None, _GLOBAL_OPCODE_BYTES)) == len(data)):
        message = pickle.loads(data, buffers=buffers)
    elif type(data) is LargeFrame:
        message = load(data, allow, buffers)  # straight from the stream
    else:
        message = loads(data, allow, buffers)
    if type(message) is not tuple or not message or type(message[0]) is not str:
        if not isinstance(message, tuple) or not message or not isinstance(message[0], str):
            raise ProtocolError("a message must be a tuple starting with its kind, got %r"
                                % (type(message).__name__,))
    return message


class _RequestFuture(Future):
    """The Future of an asynchronous request; ``cancel()`` also asks the peer to cancel it.

    Cheaper per call than ``add_done_callback`` (no callback list, no lock at completion).
    """

    request_id: Optional[int] = None
    on_item: Optional[Callable[[Any], None]] = None
    on_reply: Optional[Callable[[], None]] = None
    _connection: Optional["BridgeConnection"] = None

    def cancel(self) -> bool:
        cancelled = super().cancel()
        if cancelled:
            connection = self._connection
            if connection is not None:
                connection.cancel(self.request_id)
        return cancelled


class _SyncCall:
    """A synchronous call in flight: its caller reads the reply itself, or waits on ``waiter``.

    ``waiter`` is set (acquired) only while the caller waits for another reader; whoever
    completes the call or hands the reading over to its caller releases it once.
    """

    __slots__ = ("value", "error", "done", "waiter", "promoted")

    def __init__(self) -> None:
        self.value: Any = None
        self.error: Optional[BaseException] = None
        self.done = False
        self.waiter: Optional[Any] = None
        self.promoted = False  # the reading was handed over to this call's caller


#: What :meth:`BridgeConnection.prepare` returns: the Future, the pickle, out-of-band buffers.
PreparedRequest = Tuple["_RequestFuture", Union[bytes, List[Any]], Optional[List[pickle.PickleBuffer]]]


class _Parts(list):
    """A pickler's file that keeps what it is given: the parts of one frame, large ``bytes``
    values among them as they are (the C pickler writes those past its buffer)."""

    write = list.append


#: A ``bytes``, ``bytearray`` or ``str`` argument at least this long is pickled into parts.
LARGE_PAYLOAD_BYTES = 64 * 1024


def _carries_large_payload(values: Any) -> bool:
    """Whether one of ``values`` (a call's arguments) is a long bytes, bytearray or str."""
    for value in values:
        kind = type(value)
        if (kind is bytes or kind is str or kind is bytearray) and len(value) >= LARGE_PAYLOAD_BYTES:
            return True
    return False


def _pickle(message: tuple, large: bool, buffer_callback: Callable[[Any], Any]) -> Union[bytes, List[Any]]:
    if not large:
        return pickle.dumps(message, 5, buffer_callback=buffer_callback)
    parts = _Parts()
    pickle.Pickler(parts, 5, buffer_callback=buffer_callback).dump(message)
    return parts


class BridgeConnection:
    """A client-side protocol connection with many requests in flight."""

    def __init__(self, reader: mpc.Connection, writer: Optional[mpc.Connection] = None, *,
                 peer: str, allow: Optional[AllowList] = None, protocol: int = HIGHEST_PROTOCOL,
                 describe_exit: Optional[Callable[[], Tuple[Optional[int], str]]] = None,
                 on_close: Optional[Callable[[], None]] = None, out_of_band: bool = True):
        self._reader = reader
        self._writer = writer if writer is not None else reader
        self._frames = FrameReader(reader.fileno())
        self._write_fd = self._writer.fileno()
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
        # _lock guards _pending, _followers, _pongs, _awaiting_hello, _reading_by and the wake
        # pipe; _send_lock keeps frames (and out-of-band groups) whole on the stream.
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._pending: Dict[int, Union[_RequestFuture, _SyncCall]] = {}
        self._followers: Dict[int, _SyncCall] = {}  # synchronous callers waiting for a reader
        self._pongs: Dict[Any, Future] = {}
        self._hello: Optional[Future] = None
        self._awaiting_hello = False
        #: Who reads: None, _BACKGROUND, or the _SyncCall whose caller reads.
        self._reading_by: Union[None, str, _SyncCall] = None
        self._background_watching = False
        self._wake_r: Optional[int] = None
        self._wake_w: Optional[int] = None
        self._early_replies = False  # some request has an on_reply hook
        self._closed = False
        self._failure: Optional[BaseException] = None
        self._reader_thread: Optional[threading.Thread] = None
        self.pid = os.getpid()
        _live_connections.add(self)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, timeout: Optional[float] = 60.0) -> Dict[str, Any]:
        """Send hello, start the background reader, wait for the server's hello reply."""
        self._hello = Future()
        self._awaiting_hello = True
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        self._reader_thread = threading.Thread(target=self._background, daemon=True,
                                               name="picklebridge-reader %s" % self.peer)
        self._reader_thread.start()
        with self._lock:
            self._need_reader_locked()
        self._write(encode_message(("hello", {
            "protocol": self.protocol, "client": "picklebridge-python/%s" % __version__,
            "capabilities": list(CAPABILITIES) + ([OOB_CAPABILITY] if self._offer_oob else [])}),
            self.protocol))
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
                write_frame(self._write_fd, encode_message(("bye",), self.protocol))
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
        with self._lock:
            if self._reading_by is None:
                self._reading_by = _BACKGROUND
            self._wake_locked()  # the background thread sees the close and ends
        thread = self._reader_thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(2.0)
        self._close_fds()

    def abort(self, error: BaseException) -> None:
        """Fail every request with ``error`` and stop using the connection (peer gone)."""
        if self._closed:
            return
        self._closed = True
        self._fail_all(error)
        shutdown_connection(self._reader)
        with self._lock:
            self._wake_locked()

    def forget_after_fork(self) -> None:
        """In a forked child: drop this process's copy of the fds without touching the peer."""
        self._closed = True
        self._failure = BridgeConnectionError(
            "%s: this connection belongs to process %d, not to forked process %d"
            % (self.peer, self.pid, os.getpid()))
        # another thread of the parent may have held these at the fork
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._pending.clear()
        self._followers.clear()
        self._pongs.clear()
        self._close_fds()
        for fd in (self._wake_r, self._wake_w):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._wake_r = self._wake_w = None

    def _close_fds(self) -> None:
        for conn in {id(self._reader): self._reader, id(self._writer): self._writer}.values():
            try:
                conn.close()
            except OSError:
                pass

    # -- requests --------------------------------------------------------------------------

    def call(self, worker: str, args: tuple, kwargs: Dict[str, Any],
             options: Optional[Dict[str, Any]] = None) -> Any:
        """Call ``worker(*args, **kwargs)`` and return its result, or raise its error.

        When no other thread is reading replies, the calling thread reads its own (as a
        stdlib ``Connection.send``/``recv`` pair would); otherwise it waits for the reader.
        """
        request_id = next(self._ids)
        if options:
            message: tuple = ("call", request_id, worker, args, kwargs, options)
        else:
            message = ("call", request_id, worker, args, kwargs)
        data, buffers = self._encode(message, _carries_large_payload(args))
        call = _SyncCall()
        lock = self._lock
        with lock:
            if self._closed:
                self._check_open()
            self._pending[request_id] = call
        try:
            self._write(data, buffers)
        except BaseException:
            with lock:
                self._pending.pop(request_id, None)
            raise
        waiter = None
        with lock:
            if call.done:
                pass  # another reader got the reply already
            elif self._reading_by is None:
                self._reading_by = call
            else:
                waiter = _thread.allocate_lock()
                waiter.acquire()
                call.waiter = waiter
                self._followers[request_id] = call
        if waiter is not None:
            try:
                waiter.acquire()
            except BaseException:  # KeyboardInterrupt while waiting
                self._abandon(request_id, call)
                raise
        if self._reading_by is call:
            self._read_until_done(request_id, call)
        if call.error is not None:
            raise call.error
        return call.value

    def request(self, kind: str, worker: str, args: Any, kwargs_or_options: Any = None,
                options: Optional[Dict[str, Any]] = None,
                on_item: Optional[Callable[[Any], None]] = None) -> Future:
        """Send a ``call`` (args tuple, kwargs dict) or ``map`` (items list, options dict).

        Returns a Future for the terminal reply; cancelling it sends ``("cancel", id)``.
        """
        return self.send_prepared(self.prepare(kind, worker, args, kwargs_or_options, options,
                                               on_item))

    def prepare(self, kind: str, worker: str, args: Any, kwargs_or_options: Any = None,
                options: Optional[Dict[str, Any]] = None,
                on_item: Optional[Callable[[Any], None]] = None,
                on_reply: Optional[Callable[[], None]] = None) -> "PreparedRequest":
        """Pickle a request without sending it (:meth:`send_prepared` sends it), so a sender
        can pickle the next request while it waits for the moment to send it.

        ``on_reply`` is called by the reading thread as soon as the head of a large terminal
        reply has arrived, before the reply is unpickled (the peer has finished the work).
        """
        future = _RequestFuture()
        if on_item is not None:
            future.on_item = on_item
        if on_reply is not None:
            future.on_reply = on_reply
            self._early_replies = True
        request_id = next(self._ids)
        if kind == "call":
            if type(args) is not tuple:
                args = tuple(args)
            kwargs = kwargs_or_options if type(kwargs_or_options) is dict else dict(kwargs_or_options or {})
            message: tuple = ("call", request_id, worker, args, kwargs)
            if options:
                message += (options,)
            large = _carries_large_payload(args)
        elif kind == "map":
            message = ("map", request_id, worker, args if type(args) is list else list(args),
                       dict(kwargs_or_options or {}))
            large = False
        else:
            raise ValueError("unknown request kind %r" % (kind,))
        data, buffers = self._encode(message, large)
        future.request_id = request_id
        return future, data, buffers

    def send_prepared(self, prepared: "PreparedRequest") -> Future:
        """Send a request :meth:`prepare` pickled; return its Future."""
        future, data, buffers = prepared
        request_id = future.request_id
        with self._lock:
            if self._closed:
                self._check_open()
            self._pending[request_id] = future
            if self._reading_by is None:
                self._need_reader_locked()
        try:
            self._write(data, buffers)
        except BaseException:
            with self._lock:
                self._pending.pop(request_id, None)
            raise
        future._connection = self  # from now on, cancel() sends ("cancel", id)
        return future

    def cancel(self, request_id: int) -> None:
        """Ask the peer to cancel a request (its terminal reply is then ignored)."""
        with self._lock:
            self._pending.pop(request_id, None)
        try:
            self._write(encode_message(("cancel", request_id), self.protocol))
        except (OSError, BridgeError, ValueError):
            pass  # a closed connection cancels everything anyway

    def ping(self, payload: Any = None, timeout: Optional[float] = 10.0) -> Any:
        """Round-trip a ``ping``; return the pong's payload."""
        key = payload if payload is not None else next(self._ids)
        future: Future = Future()
        with self._lock:
            if self._closed:
                self._check_open()
            self._pongs[key] = future
            if self._reading_by is None:
                self._need_reader_locked()
        try:
            self._write(encode_message(("ping", key), self.protocol))
            return future.result(timeout)
        finally:
            with self._lock:
                if self._pongs.get(key) is future:
                    del self._pongs[key]

    def _check_open(self) -> None:
        if os.getpid() != self.pid:
            raise BridgeConnectionError(
                "%s: this connection was opened by process %d and cannot be used in forked "
                "process %d" % (self.peer, self.pid, os.getpid()))
        if self._failure is not None:
            raise self._failure
        if self._closed:
            raise BridgeConnectionError("%s: the connection is closed" % self.peer)

    def _encode(self, message: tuple, large: bool = False
                ) -> Tuple[Union[bytes, List[Any]], Optional[List[pickle.PickleBuffer]]]:
        """The message's pickle, and the buffers that travel out of band (or None).

        For a message carrying a ``large`` payload the pickle is a list of parts: the
        pickler hands large ``bytes`` over as they are, and they are written without a copy.
        """
        if not self.out_of_band:
            if not large:
                return pickle.dumps(message, self.protocol), None
            parts = _Parts()
            pickle.Pickler(parts, self.protocol).dump(message)
            return parts, None
        buffers: List[pickle.PickleBuffer] = []
        data = _pickle(message, large, buffers.append)  # every PickleBuffer out of band
        if not buffers:
            return data, None
        if (len(buffers) > OOB_MAX_BUFFERS
                or any(memoryview(b).nbytes < OOB_MIN_BUFFER_BYTES for b in buffers)):
            buffers = []

            def keep_in_band(buffer: pickle.PickleBuffer) -> bool:
                # pickle's buffer_callback: a false answer takes the buffer out of band
                if memoryview(buffer).nbytes < OOB_MIN_BUFFER_BYTES or len(buffers) >= OOB_MAX_BUFFERS:
                    return True
                buffers.append(buffer)
                return False
            data = _pickle(message, large, keep_in_band)
        return data, buffers or None

    def _write(self, data: Union[bytes, List[Any]],
               buffers: Optional[List[pickle.PickleBuffer]] = None) -> None:
        """Write one message: one frame, or an out-of-band group back to back."""
        with self._send_lock:
            if self._closed:
                self._check_open()
            try:
                if buffers is None:
                    if type(data) is bytes:
                        write_frame(self._write_fd, data)
                    else:
                        write_frames(self._write_fd, [data])
                else:
                    head = OOB_MARKER + struct.pack(">I", len(buffers))
                    first = [head, data] if type(data) is bytes else [head] + data
                    write_frames(self._write_fd, [first] + [[buffer.raw()] for buffer in buffers])
                    self.oob_sent += 1
            except OSError as exc:
                raise BridgeConnectionError("%s: cannot send: %s" % (self.peer, exc)) from exc

    # -- who reads -------------------------------------------------------------------------

    def _needs_reader_locked(self) -> bool:
        return bool(self._pending or self._pongs or self._awaiting_hello)

    def _need_reader_locked(self) -> None:
        """Something waits for a reply and nobody reads: the background thread reads."""
        if self._reading_by is None:
            self._reading_by = _BACKGROUND
            self._wake_locked()

    def _wake_locked(self) -> None:
        if self._wake_w is not None:
            try:
                os.write(self._wake_w, b"\0")
            except (BlockingIOError, OSError):
                pass  # already awake with wake-ups pending, or gone

    def _read_until_done(self, request_id: int, call: _SyncCall) -> None:
        """Read and dispatch frames in this thread until ``call`` has its reply."""
        read, on_frame = self._frames.read, self._on_frame
        frame = None
        try:
            while not call.done:
                frame = None
                frame = read()
                on_frame(frame)
        except (EOFError, OSError, ProtocolError) as exc:
            self._stream_ended(exc)
        except Exception as exc:  # a bug here must not leave callers waiting forever
            log.exception("picklebridge reader for %s failed", self.peer)
            self._stream_ended(exc)
        except BaseException as exc:  # KeyboardInterrupt: forget the call, let another thread read
            with self._lock:
                self._pending.pop(request_id, None)
            if frame is not None:
                self._reply_lost(frame, exc)
            self._hand_over()
            raise
        self._hand_over()

    def _reply_lost(self, frame: Frame, cause: BaseException) -> None:
        """The thread reading ``frame`` was interrupted while it dispatched it: fail the
        request the frame answered (if still waiting) instead of leaving it waiting forever."""
        head = frame if type(frame) is bytes else frame.head
        if head[:1] == OOB_MARKER:
            head = head[5:]
        kind, request_id = peek_kind_and_id(head[:256])
        if kind in ("result", "error", "item"):
            try:
                self._complete(request_id, exc=BridgeConnectionError(
                    "%s: the reply to request %r was lost: the thread reading it was "
                    "interrupted (%s)" % (self.peer, request_id, type(cause).__name__)))
            except TypeError:  # an unhashable id
                pass

    def _hand_over(self) -> None:
        """A caller that read its reply gives the reading to another waiting caller, to the
        background thread when only asynchronous requests wait, else to nobody."""
        with self._lock:
            if self._closed:
                self._reading_by = _BACKGROUND
                self._wake_locked()
            elif self._followers:
                request_id = next(iter(self._followers))
                follower = self._followers.pop(request_id)
                follower.promoted = True
                self._reading_by = follower
                waiter, follower.waiter = follower.waiter, None
                waiter.release()
            elif self._needs_reader_locked():
                self._reading_by = _BACKGROUND
                self._wake_locked()
            else:
                self._reading_by = None
                if not self._background_watching:
                    self._wake_locked()  # to watch the stream for its end again

    def _abandon(self, request_id: int, call: _SyncCall) -> None:
        """A waiting caller was interrupted: forget its call; pass the reading on if it had it."""
        with self._lock:
            self._pending.pop(request_id, None)
            self._followers.pop(request_id, None)
            reading = self._reading_by is call
        if reading:
            self._hand_over()

    def _background(self) -> None:
        """The background thread: read while asynchronous requests wait, else watch the stream
        for its end (and the wake pipe for work).  It ends once the connection is closed and
        no caller reads any more."""
        poller = select.poll()
        poller.register(self._wake_r, select.POLLIN)
        watching = False
        try:
            while True:
                with self._lock:
                    reading_by = self._reading_by
                    if self._closed and type(reading_by) is not _SyncCall:
                        return
                    watch = reading_by is None and not self._closed
                    self._background_watching = watch
                if watch != watching:
                    if watch:
                        poller.register(self._frames.fd, _HANGUP_EVENTS)
                    else:
                        poller.unregister(self._frames.fd)
                    watching = watch
                hangup = False
                for fd, _events in poller.poll():
                    if fd == self._wake_r:
                        os.read(fd, 4096)
                    else:
                        hangup = True
                with self._lock:
                    if self._closed:
                        continue
                    if self._reading_by is None and hangup:
                        self._reading_by = _BACKGROUND  # read what is left, then the end
                    elif self._reading_by is not _BACKGROUND:
                        continue
                if self._read_while_needed():
                    return
        finally:
            with self._lock:
                self._background_watching = False
                for fd in (self._wake_r, self._wake_w):
                    if fd is not None:
                        try:
                            os.close(fd)
                        except OSError:
                            pass
                self._wake_r = self._wake_w = None

    def _read_while_needed(self) -> bool:
        """Read frames while requests wait; True when the stream has ended."""
        read, on_frame = self._frames.read, self._on_frame
        try:
            while True:
                on_frame(read())
                if not (self._pending or self._pongs or self._awaiting_hello):
                    with self._lock:
                        if not self._needs_reader_locked():
                            self._reading_by = None
                            return False
        except (EOFError, OSError, ProtocolError) as exc:
            self._stream_ended(exc)
        except BaseException as exc:  # a bug here must not leave callers waiting forever
            log.exception("picklebridge reader for %s failed", self.peer)
            self._stream_ended(exc)
        return True

    # -- replies ---------------------------------------------------------------------------

    def _stream_ended(self, cause: Optional[BaseException]) -> None:
        if self._closed:
            return  # close() or abort() did the rest
        self._closed = True
        self._fail_all(self._connection_lost(cause))
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
        with self._lock:
            pending = list(self._pending.values())
            self._pending.clear()
            self._followers.clear()
            waiting: List[Future] = list(self._pongs.values())
            self._pongs.clear()
            self._awaiting_hello = False
            for request in pending:
                if type(request) is _SyncCall:
                    request.error = error
                    request.done = True
                    waiter, request.waiter = request.waiter, None
                    if waiter is not None:
                        waiter.release()
                else:
                    waiting.append(request)
        if self._hello is not None:
            waiting.append(self._hello)
        for future in waiting:
            if not future.done():
                try:
                    future.set_exception(error)
                except Exception:  # cancelled or completed meanwhile
                    pass

    def _on_frame(self, frame: Frame) -> None:
        if type(frame) is bytes:
            if frame[:1] == OOB_MARKER:
                self._receive_group(frame)
            else:
                self._dispatch(frame)
        elif frame.head[:1] == OOB_MARKER:
            self._receive_group(frame_bytes(frame))
        else:
            if self._early_replies:
                self._reply_arriving(frame.head)
            self._dispatch(frame)

    def _reply_arriving(self, head: bytes) -> None:
        """A large frame begins: if it ends a request with an ``on_reply`` hook, call it now."""
        kind, request_id = peek_kind_and_id(head)
        if kind not in ("result", "error"):
            return
        try:
            request = self._pending.get(request_id)
        except TypeError:  # an unhashable id: _dispatch reports it
            return
        on_reply = getattr(request, "on_reply", None)
        if on_reply is not None:
            request.on_reply = None
            try:
                on_reply()
            except Exception:
                log.exception("picklebridge: an on_reply hook raised")

    def _receive_group(self, header: bytes) -> None:
        """An out-of-band group: the pickle after the 5-byte header, then its buffer frames."""
        count = struct.unpack(">I", header[1:5])[0] if len(header) >= 5 else 0
        if not 0 < count <= OOB_MAX_BUFFERS:
            for _ in range(count):  # stay in step with the stream, keep nothing
                self._frames.read()
            log.error("picklebridge: %s sent an out-of-band group of %d buffers", self.peer, count)
            return
        # writable buffers, so numpy arrays arrive writable
        buffers: List[bytearray] = []
        try:
            for _ in range(count):
                buffers.append(frame_bytes(self._frames.read(), writable=True))
        except (EOFError, OSError, ProtocolError):
            raise
        except BaseException:  # interrupted: skip the group's other frames, stay in step
            unread = self._frames._open
            self._frames.owed += count - len(buffers) - (
                1 if unread is not None and unread.remaining else 0)
            raise
        self.oob_received += 1
        self._dispatch(header[5:], buffers)

    def _dispatch(self, data: Frame, buffers: Optional[list] = None) -> None:
        if self._awaiting_hello and type(data) is bytes and data.startswith(CHALLENGE):
            self._hello_done(exc=BridgeConnectionError(
                "%s requires an authkey: pass authkey=... (or authkey_file=...)" % self.peer))
            return
        try:
            message = decode_message(data, self._allow, buffers)
        except Exception as exc:
            kind, request_id = peek_kind_and_id(data if type(data) is bytes else data.head)
            if kind in ("result", "item", "error") and self._complete(request_id, exc=exc):
                return
            if self._awaiting_hello:
                self._hello_done(exc=ProtocolError(
                    "%s answered hello with an unusable message: %s" % (self.peer, exc)))
                return
            log.error("picklebridge: unreadable message from %s: %s", self.peer, exc)
            return
        kind = message[0]
        if kind == "result" and len(message) == 3:
            self._complete(message[1], message[2])
        elif kind == "error" and len(message) == 3:
            if message[1] is None:
                self._connection_error(message[2])
            else:
                self._complete(message[1], exc=exception_from_info(message[2]))
        elif kind == "item" and len(message) == 3:
            on_item = getattr(self._pending.get(message[1]), "on_item", None)
            if on_item is not None:
                on_item(message[2])
        elif kind == "hello" and self._hello is not None:
            if self._awaiting_hello:
                self._hello_done(message[1] if len(message) > 1 else {})
        elif kind == "pong":
            with self._lock:
                future = self._pongs.pop(message[1] if len(message) > 1 else None, None)
            if future is not None and not future.done():
                future.set_result(message[1])
        else:
            log.warning("picklebridge: ignoring unexpected message %r from %s", kind, self.peer)

    def _hello_done(self, info: Any = None, exc: Optional[BaseException] = None) -> None:
        with self._lock:
            self._awaiting_hello = False
        if self._hello is not None and not self._hello.done():
            if exc is not None:
                self._hello.set_exception(exc)
            else:
                self._hello.set_result(info)

    def _complete(self, request_id: Any, value: Any = None,
                  exc: Optional[BaseException] = None) -> bool:
        with self._lock:
            request = self._pending.pop(request_id, None)
            if request is None:
                return False  # cancelled by us, or an id we never sent
            if type(request) is _SyncCall:
                request.value = value
                request.error = exc
                request.done = True
                waiter = request.waiter
                if waiter is not None:
                    request.waiter = None
                    del self._followers[request_id]
                    waiter.release()
                return True
        try:  # a future cancelled meanwhile raises InvalidStateError
            if exc is not None:
                request.set_exception(exc)
            else:
                request.set_result(value)
        except Exception:  # InvalidStateError: cancelled meanwhile
            pass
        return True

    def _connection_error(self, info: Any) -> None:
        error = exception_from_info(info)
        log.error("picklebridge: %s reported a connection error: %s: %s",
                  self.peer, type(error).__name__, error)
        if self._awaiting_hello:
            self._hello_done(exc=error)

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return "<BridgeConnection %s %s in_flight=%d protocol=%d>" % (
            self.peer, state, self.in_flight, self.protocol)


def _forget_connections_after_fork() -> None:
    for conn in list(_live_connections):
        conn.forget_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_connections_after_fork)
