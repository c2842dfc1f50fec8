"""Opening a framed, authenticated ``multiprocessing.connection.Connection`` to a peer, and
reading and writing its frames with few system calls.

The authkey challenge-response is the standard library's own (``answer_challenge`` /
``deliver_challenge``); :func:`open_socket_connection` only adds a connect timeout,
``TCP_NODELAY`` and clear errors.  The frames are ``Connection.send_bytes``/``recv_bytes``'s
(docs/protocol.md section 2), read by :class:`FrameReader` through one reused buffer (one
``readv`` can bring several frames) and written by :func:`write_frame`/:func:`write_frames` with
the header and payload in one ``write``/``writev`` (no concatenation of large payloads)::

    >>> conn = open_socket_connection(parse_address("tcp://127.0.0.1:7341"), b"secret")
    >>> write_frame(conn.fileno(), dumps(("ping", 1)))
    >>> FrameReader(conn.fileno()).read()
    b'\x80\x05\x95...'
"""

import io
import os
import socket
import struct
from multiprocessing import AuthenticationError
from multiprocessing import connection as mpc
from typing import List, Optional, Sequence, Union

from .addresses import Address
from .errors import BridgeConnectionError, ProtocolError

__all__ = ["open_socket_connection", "shutdown_connection", "set_receive_timeout",
           "FrameReader", "Frame", "write_frame", "write_frames", "frame_bytes", "frame_file"]

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
_IOV_MAX = min(1024, os.sysconf("SC_IOV_MAX")) if hasattr(os, "sysconf") else 16
try:
    _IOV_MAX = max(16, _IOV_MAX)
except TypeError:  # pragma: no cover - sysconf answered None
    _IOV_MAX = 16

#: A frame as :meth:`FrameReader.read` returns it: ``bytes``, or for a frame larger than the
#: reader's buffer the list of ``bytearray`` chunks that hold it in order.
Frame = Union[bytes, List[bytearray]]


class FrameReader:
    """Reads length-prefixed frames from a file descriptor (socket or pipe).

    Frames that fit the reader's buffer (64 KiB) come back as ``bytes``; a single ``readv``
    may bring several of them, which later calls return without a system call.  A larger
    frame is read straight into ``bytearray`` chunks, the first at most 4 MiB and each next
    one at most as large as what arrived before it, so the declared length is never allocated
    up front (docs/protocol.md section 2) and the payload is copied out of the kernel once.

    Only one thread may read at a time.  :exc:`EOFError` at the end of the stream,
    :exc:`~picklebridge.errors.ProtocolError` for a length no frame can have.
    """

    BUFFER_BYTES = 64 * 1024
    FIRST_CHUNK_BYTES = 4 * 1024 * 1024

    __slots__ = ("fd", "_buffer", "_view", "_start", "_end")

    def __init__(self, fd: int):
        self.fd = fd
        self._buffer = bytearray(self.BUFFER_BYTES)
        self._view = memoryview(self._buffer)
        self._start = 0
        self._end = 0

    @property
    def buffered(self) -> int:
        """Bytes received but not yet returned as frames."""
        return self._end - self._start

    def read(self) -> Frame:
        """The next frame's payload; blocks until it has arrived."""
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
                        return self._read_large(start + header, size)
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

    def _read_large(self, payload_start: int, size: int) -> List[bytearray]:
        have = self._end - payload_start
        chunk = bytearray(min(size, max(self.FIRST_CHUNK_BYTES, have)))
        chunk[:have] = self._view[payload_start:self._end]
        self._start = self._end = 0
        chunks = [chunk]
        received = filled = have
        readv = os.readv
        while True:
            view = memoryview(chunk)
            while filled < len(chunk):
                count = readv(self.fd, [view[filled:]])
                if not count:
                    raise EOFError("end of stream inside a frame of %d bytes" % size)
                filled += count
                received += count
            view.release()
            if received >= size:
                return chunks
            chunk = bytearray(min(size - received, received))
            chunks.append(chunk)
            filled = 0


def frame_bytes(frame: Frame, writable: bool = False) -> Union[bytes, bytearray]:
    """A frame's payload as one object: ``bytes``, or a ``bytearray`` when ``writable``."""
    if type(frame) is bytes:
        return bytearray(frame) if writable else frame
    if len(frame) == 1:
        return frame[0] if writable else bytes(frame[0])
    return bytearray().join(frame) if writable else b"".join(frame)


def frame_file(frame: Frame) -> "io.RawIOBase":
    """A binary file reading a frame's payload (for ``pickle.Unpickler``), without joining
    the chunks of a large frame: a large ``bytes`` value is copied out of them only once."""
    if type(frame) is bytes:
        return io.BytesIO(frame)
    return _ChunksFile(frame)


class _ChunksFile(io.RawIOBase):
    """``read``/``readinto``/``readline`` over a list of buffers, in order."""

    def __init__(self, chunks: Sequence[bytearray]):
        super().__init__()
        self._chunks = list(chunks)
        self._index = 0
        self._position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        target = memoryview(target).cast("B")
        wanted = len(target)
        done = 0
        while done < wanted and self._index < len(self._chunks):
            chunk = self._chunks[self._index]
            count = min(wanted - done, len(chunk) - self._position)
            target[done:done + count] = memoryview(chunk)[self._position:self._position + count]
            done += count
            self._position += count
            if self._position == len(chunk):
                self._chunks[self._index] = None  # consumed: let it go
                self._index += 1
                self._position = 0
        return done

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = sum(len(c) for c in self._chunks[self._index:] if c is not None) - self._position
        out = bytearray(size)
        return bytes(out[:self.readinto(out)])

    def readline(self, size: int = -1) -> bytes:
        line = bytearray()
        while self._index < len(self._chunks) and (size < 0 or len(line) < size):
            chunk = self._chunks[self._index]
            newline = chunk.find(b"\n", self._position)
            stop = len(chunk) if newline < 0 else newline + 1
            if size >= 0:
                stop = min(stop, self._position + size - len(line))
            line += chunk[self._position:stop]
            self._position = stop
            if self._position == len(chunk):
                self._index += 1
                self._position = 0
            if newline >= 0 and line.endswith(b"\n"):
                break
        return bytes(line)


def _header(size: int) -> bytes:
    if size > _MAX_SHORT:
        return _LONG_MARKER + _LONG_LENGTH.pack(size)
    return _SHORT_HEADER.pack(size)


def write_frame(fd: int, payload: bytes) -> None:
    """Write one frame (header and payload in one system call when possible)."""
    size = len(payload)
    if size < _CONCATENATE_BELOW:
        data = _SHORT_HEADER.pack(size) + payload
        written = os.write(fd, data)
        if written != len(data):
            _write_rest(fd, [memoryview(data)[written:]])
    else:
        write_frames(fd, [payload])


def write_frames(fd: int, payloads: Sequence[object]) -> None:
    """Write frames back to back with ``writev`` (each payload is any bytes-like object)."""
    parts: List[object] = []
    for payload in payloads:
        size = memoryview(payload).nbytes
        parts.append(_header(size))
        parts.append(payload)
    _write_rest(fd, parts)


def _write_rest(fd: int, parts: List[object]) -> None:
    views = [memoryview(part).cast("B") for part in parts]
    index = 0
    while index < len(views):
        batch = views[index:index + _IOV_MAX]
        written = os.writev(fd, batch)
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
