"""Opening a framed, authenticated ``multiprocessing.connection.Connection`` to a peer, and
reading and writing its frames with few system calls.

The authkey challenge-response is the standard library's own (``answer_challenge`` /
``deliver_challenge``); :func:`open_socket_connection` only adds a connect timeout,
``TCP_NODELAY`` and clear errors.  The frames are ``Connection.send_bytes``/``recv_bytes``'s
(docs/protocol.md section 2), read by :class:`FrameReader` through one reused buffer (one
``readv`` can bring several frames; a frame larger than the buffer is read as it is unpickled)
and written by :func:`write_frame`/:func:`write_frames` with the header and payload in one
``write``/``writev`` (large payloads are never concatenated)::

    >>> conn = open_socket_connection(parse_address("tcp://127.0.0.1:7341"), b"secret")
    >>> write_frame(conn.fileno(), dumps(("ping", 1)))
    >>> FrameReader(conn.fileno()).read()
    b'\x80\x05\x95...'
"""

import os
import socket
import struct
from multiprocessing import AuthenticationError
from multiprocessing import connection as mpc
from typing import List, Optional, Sequence, Union

from .addresses import Address
from .errors import BridgeConnectionError, ProtocolError

__all__ = ["open_socket_connection", "shutdown_connection", "set_receive_timeout",
           "FrameReader", "LargeFrame", "Frame", "write_frame", "write_frames", "frame_bytes"]

CHALLENGE = b"#CHALLENGE#"


def set_receive_timeout(conn: mpc.Connection, seconds: float) -> None:
    """Bound blocking reads on ``conn``'s socket (0 removes the bound)."""
    whole = int(seconds)
    timeval = struct.pack("ll", whole, int((seconds - whole) * 1_000_000))
    sock = socket.socket(fileno=conn.fileno())
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeval)
    finally:
        sock.detach()


def open_socket_connection(address: Address, authkey: Optional[bytes],
                           timeout: float = 30.0) -> mpc.Connection:
    """Connect to a tcp or unix ``address`` and, given an authkey, authenticate both ways."""
    try:
        if address.scheme == "tcp":
            sock = socket.create_connection(address.target, timeout=timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        elif address.scheme == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            try:
                sock.connect(address.target)
            except BaseException:
                sock.close()
                raise
        else:
            raise ValueError("not a socket address: %s" % (address,))
    except OSError as exc:
        raise BridgeConnectionError("cannot connect to picklebridge server at %s: %s"
                                    % (address, exc)) from exc
    sock.settimeout(None)
    conn = mpc.Connection(sock.detach())
    if authkey is None:
        return conn
    set_receive_timeout(conn, timeout)
    try:
        mpc.answer_challenge(conn, authkey)
        mpc.deliver_challenge(conn, authkey)
    except AuthenticationError as exc:
        conn.close()
        raise BridgeConnectionError("authentication with %s failed: %s (check the authkey)"
                                    % (address, exc)) from exc
    except (OSError, EOFError) as exc:
        conn.close()
        raise BridgeConnectionError("authentication with %s failed: the server closed the "
                                    "connection or did not answer (%s)" % (address, exc)) from exc
    set_receive_timeout(conn, 0)
    return conn


def shutdown_connection(conn: mpc.Connection) -> None:
    """Wake a thread blocked reading ``conn`` (socket or pipe) and close it for this process.

    For sockets, ``shutdown`` reaches the peer and every reader; for pipes the fd is closed.
    """
    try:
        fd = conn.fileno()
    except (OSError, ValueError):
        return
    try:
        sock = socket.socket(fileno=fd)
    except OSError:
        sock = None  # not a socket: a pipe
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        finally:
            sock.detach()


# -- frames ----------------------------------------------------------------------------------

_SHORT_HEADER = struct.Struct(">i")
_LONG_LENGTH = struct.Struct(">Q")
#: The long form's marker: a length of -1, then the length as an unsigned 64-bit integer.
_LONG_MARKER = b"\xff\xff\xff\xff"
_MAX_SHORT = 0x7FFFFFFF
#: Frames up to this size are written as one ``header + payload`` bytes (as Connection does).
_CONCATENATE_BELOW = 16 * 1024
_IOV_MAX = 16
if hasattr(os, "sysconf"):
    try:
        _IOV_MAX = max(16, min(1024, os.sysconf("SC_IOV_MAX")))
    except (OSError, ValueError, TypeError):  # pragma: no cover - an unusual libc
        pass


class LargeFrame:
    """A frame larger than the reader's buffer, read from the stream only as it is consumed.

    It is a binary file over the frame's payload (``read``, ``readinto``, ``readline``), so
    ``pickle.Unpickler`` can load it straight from the socket or pipe: a large ``bytes``
    value goes from the kernel into the object the unpickler builds, with no copy in between,
    and nothing of the declared length is allocated up front.  ``head`` holds its first bytes
    (up to 64, for peeking at a message's kind and id).  The reader finishes (skips) whatever
    is left of it before it reads the next frame.
    """

    HEAD_BYTES = 64

    __slots__ = ("size", "remaining", "head", "_reader")

    def __init__(self, reader: "FrameReader", size: int, head: bytes):
        self._reader = reader
        self.size = size
        self.remaining = size
        self.head = head

    def __repr__(self) -> str:
        return "<LargeFrame %d bytes, %d unread>" % (self.size, self.remaining)

    def readinto(self, target: object) -> int:
        """Fill ``target`` from the frame; fewer bytes only at the frame's end."""
        view = memoryview(target).cast("B")
        wanted = min(len(view), self.remaining)
        done = self._reader._take_buffered(view, wanted)
        fd = self._reader.fd
        while done < wanted:
            count = os.readv(fd, [view[done:wanted]])
            if not count:
                raise EOFError("end of stream inside a frame of %d bytes" % self.size)
            done += count
        self.remaining -= done
        return done

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes of the frame (all that is left when ``size`` is negative)."""
        if size is None or size < 0 or size > self.remaining:
            size = self.remaining
        reader = self._reader
        start = reader._start
        if reader._end - start >= size:  # all buffered: one slice
            reader._start = start + size
            self.remaining -= size
            return reader._view[start:start + size].tobytes()
        pieces = [reader._view[start:reader._end].tobytes()]
        reader._start = reader._end = 0
        have = len(pieces[0])
        fd = reader.fd
        while have < size:
            piece = os.read(fd, size - have)
            if not piece:
                raise EOFError("end of stream inside a frame of %d bytes" % self.size)
            pieces.append(piece)
            have += len(piece)
        self.remaining -= size
        return b"".join(pieces)

    def readline(self, size: int = -1) -> bytes:
        """Bytes up to and including the next newline (pickle protocols 0 and 1)."""
        line = bytearray()
        while self.remaining and (size is None or size < 0 or len(line) < size):
            byte = self.read(1)
            line += byte
            if byte == b"\n":
                break
        return bytes(line)

    def to_bytes(self, writable: bool = False) -> Union[bytes, bytearray]:
        """The rest of the payload as one object (``bytearray`` when ``writable``)."""
        pieces = []
        have = 0
        while self.remaining:
            piece = self.read(min(self.remaining, max(FrameReader.BUFFER_BYTES, have)))
            pieces.append(piece)
            have += len(piece)
        return bytearray().join(pieces) if writable else b"".join(pieces)

    def finish(self) -> None:
        """Skip whatever the consumer left unread."""
        reader = self._reader
        self.remaining -= reader._take_buffered(None, self.remaining)
        scratch = reader._view
        while self.remaining:
            count = os.readv(reader.fd, [scratch[:min(len(scratch), self.remaining)]])
            if not count:
                raise EOFError("end of stream inside a frame of %d bytes" % self.size)
            self.remaining -= count


#: A frame as :meth:`FrameReader.read` returns it.
Frame = Union[bytes, LargeFrame]


class FrameReader:
    """Reads length-prefixed frames from a file descriptor (socket or pipe).

    Frames that fit the reader's buffer (64 KiB) come back as ``bytes``; a single ``readv``
    may bring several of them, which later calls return without a system call.  A larger
    frame comes back as a :class:`LargeFrame`, read from the stream as it is consumed.

    Only one thread may read at a time.  :exc:`EOFError` at the end of the stream,
    :exc:`~picklebridge.errors.ProtocolError` for a length no frame can have.
    """

    BUFFER_BYTES = 64 * 1024

    __slots__ = ("fd", "owed", "_buffer", "_view", "_start", "_end", "_open")

    def __init__(self, fd: int):
        self.fd = fd
        #: Frames to skip before the next one is returned (the rest of an interrupted group).
        self.owed = 0
        self._buffer = bytearray(self.BUFFER_BYTES)
        self._view = memoryview(self._buffer)
        self._start = 0
        self._end = 0
        self._open: Optional[LargeFrame] = None

    def read(self) -> Frame:
        """The next frame's payload; blocks until it has arrived (a large one: its head)."""
        if self._open is not None:
            self._open.finish()
            self._open = None
        while self.owed:
            skipped = self._next()
            self.owed -= 1
            if type(skipped) is not bytes:
                skipped.finish()
                self._open = None
        return self._next()

    def _next(self) -> Frame:
        buffer = self._buffer
        while True:
            start = self._start
            available = self._end - start
            if available >= 4:
                size = _SHORT_HEADER.unpack_from(buffer, start)[0]
                header = 4
                if size < 0:
                    if size != -1:
                        raise ProtocolError("invalid frame length %d" % size)
                    if available >= 12:
                        size = _LONG_LENGTH.unpack_from(buffer, start + 4)[0]
                        header = 12
                        if size >= 1 << 63:
                            raise ProtocolError("frame length %d is too long" % size)
                    else:
                        header = 0  # the long length has not arrived yet
                if header:
                    end = start + header + size
                    if end <= self._end:
                        self._start = end
                        return self._view[start + header:end].tobytes()
                    if header + size > len(buffer):
                        head_end = start + header + LargeFrame.HEAD_BYTES
                        if self._end >= head_end:
                            self._start = start + header
                            self._open = LargeFrame(self, size,
                                                    self._view[self._start:head_end].tobytes())
                            return self._open
            self._fill()

    def _fill(self) -> None:
        """Read more bytes after those buffered, moving a partial frame to the front first."""
        start, end = self._start, self._end
        if start:
            if end > start:
                self._buffer[:end - start] = self._buffer[start:end]
            end -= start
            self._start, self._end = 0, end
        count = os.readv(self.fd, [self._view[end:]])
        if not count:
            raise EOFError("end of stream")
        self._end = end + count

    def _take_buffered(self, target: Optional[memoryview], wanted: int) -> int:
        """Move up to ``wanted`` buffered bytes into ``target`` (None: drop them)."""
        start = self._start
        count = min(wanted, self._end - start)
        if count > 0:
            if target is not None:
                target[:count] = self._view[start:start + count]
            self._start = start + count
            if self._start == self._end:
                self._start = self._end = 0
            return count
        return 0


def frame_bytes(frame: Frame, writable: bool = False) -> Union[bytes, bytearray]:
    """A frame's (remaining) payload as one object: ``bytes``, or ``bytearray`` if ``writable``."""
    if type(frame) is bytes:
        return bytearray(frame) if writable else frame
    return frame.to_bytes(writable)


def _header(size: int) -> bytes:
    if size > _MAX_SHORT:
        return _LONG_MARKER + _LONG_LENGTH.pack(size)
    return _SHORT_HEADER.pack(size)


def write_frame(fd: int, payload: bytes) -> None:
    """Write one frame (header and payload in one system call)."""
    size = len(payload)
    if size < _CONCATENATE_BELOW:
        data = _SHORT_HEADER.pack(size) + payload
        written = os.write(fd, data)
        if written != len(data):
            _write_all(fd, [memoryview(data)[written:]])
    else:
        _write_all(fd, [_header(size), payload])


def write_frames(fd: int, frames: Sequence[Sequence[object]]) -> None:
    """Write frames back to back with ``writev``; each frame is given as the list of the
    bytes-like parts of its payload (written in order, never concatenated)."""
    parts: List[object] = []
    for frame in frames:
        parts.append(_header(sum(memoryview(part).nbytes for part in frame)))
        parts.extend(frame)
    _write_all(fd, parts)


def _write_all(fd: int, parts: List[object]) -> None:
    views = [memoryview(part).cast("B") for part in parts]
    index = 0
    while index < len(views):
        written = os.writev(fd, views[index:index + _IOV_MAX])
        while written:
            first = views[index]
            if written >= len(first):
                written -= len(first)
                index += 1
            else:
                views[index] = first[written:]
                written = 0
        while index < len(views) and not len(views[index]):
            index += 1
