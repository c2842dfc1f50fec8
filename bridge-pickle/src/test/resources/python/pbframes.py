"""Length-prefixed frames over the binary stdin/stdout pipes shared with a Java test.

A frame is a 4-byte big-endian unsigned length followed by that many bytes, as in
multiprocessing.connection. Runs on Python 3.6+ (the encode-load checker runs under 3.6).
"""
import struct
import sys

_LENGTH = struct.Struct(">I")


def read_frame(stream=None):
    """Return the next frame's bytes, or None at end of input."""
    stream = stream or sys.stdin.buffer
    header = _read_exactly(stream, 4)
    if header is None:
        return None
    (length,) = _LENGTH.unpack(header)
    body = _read_exactly(stream, length)
    if body is None:
        raise EOFError("input ended inside a frame of %d bytes" % length)
    return body


def write_frame(data, stream=None):
    """Write one frame (bytes) without flushing."""
    stream = stream or sys.stdout.buffer
    stream.write(_LENGTH.pack(len(data)))
    stream.write(data)


def _read_exactly(stream, count):
    chunks = []
    remaining = count
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            if remaining == count and count:
                return None
            raise EOFError("input ended %d bytes short" % remaining)
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
