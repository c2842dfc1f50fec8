"""FrameReader, LargeFrame and write_frame(s) over real pipes and socketpairs, against the
stdlib's own ``Connection.send_bytes``/``recv_bytes`` framing; decode_message's fast path."""

import os
import pickle
import socket
import struct
import threading
import unittest
from multiprocessing import connection as mpc

from picklebridge.connection import decode_message
from picklebridge.errors import ProtocolError
from picklebridge.safe_pickle import GlobalRefusedError
from picklebridge.transport import FrameReader, LargeFrame, frame_bytes, write_frame, write_frames

GENEROUS = 20  # seconds

# around the reader's 64 KiB buffer, and past a few MiB
SIZES = [1, 100, FrameReader.BUFFER_BYTES - 4, FrameReader.BUFFER_BYTES - 3,
         FrameReader.BUFFER_BYTES, FrameReader.BUFFER_BYTES + 1, 1 << 20, 5 * (1 << 20) + 7]


def payload(size, seed=0):
    """Bytes that differ at every position (a shifted or swapped chunk would not compare equal)."""
    block = bytes((seed + i * 7) % 251 for i in range(251))
    return (block * (size // 251 + 1))[:size]


class Channel:
    """A pipe or a socketpair: ``read_fd``, ``write_fd``, closed on exit."""

    def __init__(self, kind):
        if kind == "pipe":
            self.read_fd, self.write_fd = os.pipe()
            self._fds = [self.read_fd, self.write_fd]
        else:
            left, right = socket.socketpair()
            self.read_fd, self.write_fd = left.detach(), right.detach()
            self._fds = [self.read_fd, self.write_fd]

    def close_writer(self):
        if self.write_fd in self._fds:
            self._fds.remove(self.write_fd)
            os.close(self.write_fd)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        for fd in self._fds:
            os.close(fd)


def in_thread(target):
    """Run ``target`` on a thread (a writer that would fill the pipe); join it at the end."""
    errors = []

    def run():
        try:
            target()
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, errors


class FrameReaderTest(unittest.TestCase):

    def test_reads_what_the_stdlib_writes(self):
        for kind in ("pipe", "socketpair"):
            with self.subTest(kind=kind), Channel(kind) as channel:
                sender = mpc.Connection(os.dup(channel.write_fd), readable=False)

                def send():
                    for number, size in enumerate(SIZES):
                        sender.send_bytes(payload(size, number))
                    sender.close()
                thread, errors = in_thread(send)
                reader = FrameReader(channel.read_fd)
                for number, size in enumerate(SIZES):
                    frame = reader.read()
                    if size + 4 <= FrameReader.BUFFER_BYTES:
                        self.assertIs(type(frame), bytes)
                    else:
                        self.assertIsInstance(frame, LargeFrame)
                        self.assertEqual(frame.size, size)
                        self.assertEqual(frame.head, payload(size, number)[:LargeFrame.HEAD_BYTES])
                    self.assertEqual(frame_bytes(frame), payload(size, number))
                thread.join(GENEROUS)
                self.assertEqual(errors, [])
                channel.close_writer()
                with self.assertRaises(EOFError):
                    reader.read()

    def test_the_stdlib_reads_what_we_write(self):
        for kind in ("pipe", "socketpair"):
            with self.subTest(kind=kind), Channel(kind) as channel:
                receiver = mpc.Connection(os.dup(channel.read_fd), writable=False)

                def send():
                    for number, size in enumerate(SIZES):
                        write_frame(channel.write_fd, payload(size, number))
                    # one frame given in parts, then two frames in one writev
                    write_frames(channel.write_fd, [[b"ab", memoryview(b"cd"), bytearray(b"e")]])
                    write_frames(channel.write_fd, [[payload(70000, 1)], [b"x"]])
                thread, errors = in_thread(send)
                for number, size in enumerate(SIZES):
                    self.assertEqual(receiver.recv_bytes(), payload(size, number))
                self.assertEqual(receiver.recv_bytes(), b"abcde")
                self.assertEqual(receiver.recv_bytes(), payload(70000, 1))
                self.assertEqual(receiver.recv_bytes(), b"x")
                thread.join(GENEROUS)
                self.assertEqual(errors, [])
                receiver.close()

    def test_many_small_frames_come_from_few_reads(self):
        with Channel("socketpair") as channel:
            for number in range(100):
                write_frame(channel.write_fd, b"frame %d" % number)
            reader = FrameReader(channel.read_fd)
            self.assertEqual([reader.read() for _ in range(100)],
                             [b"frame %d" % number for number in range(100)])
            self.assertEqual(reader._end - reader._start, 0)

    def test_a_frame_split_across_writes(self):
        with Channel("pipe") as channel:
            frame = struct.pack(">i", 10) + b"0123456789"

            def send():
                for byte in frame + frame:
                    os.write(channel.write_fd, bytes([byte]))
            thread, errors = in_thread(send)
            reader = FrameReader(channel.read_fd)
            self.assertEqual((reader.read(), reader.read()), (b"0123456789", b"0123456789"))
            thread.join(GENEROUS)
            self.assertEqual(errors, [])

    def test_long_form_length(self):
        with Channel("socketpair") as channel:
            os.write(channel.write_fd, b"\xff\xff\xff\xff" + struct.pack(">Q", 5) + b"hello")
            os.write(channel.write_fd, struct.pack(">i", 3) + b"end")
            reader = FrameReader(channel.read_fd)
            self.assertEqual(reader.read(), b"hello")
            self.assertEqual(reader.read(), b"end")

    def test_lengths_no_frame_can_have(self):
        for header in (struct.pack(">i", -2),
                       b"\xff\xff\xff\xff" + struct.pack(">Q", 1 << 63)):
            with self.subTest(header=header), Channel("socketpair") as channel:
                os.write(channel.write_fd, header + b"data")
                with self.assertRaises(ProtocolError):
                    FrameReader(channel.read_fd).read()

    def test_end_of_stream_inside_a_frame(self):
        for size in (2000, 1 << 20):  # declared; 1000 bytes arrive
            with self.subTest(size=size), Channel("pipe") as channel:
                os.write(channel.write_fd, struct.pack(">i", size) + b"x" * 1000)
                channel.close_writer()
                reader = FrameReader(channel.read_fd)
                with self.assertRaises(EOFError):
                    frame_bytes(reader.read())

    def test_an_unread_large_frame_is_skipped(self):
        with Channel("socketpair") as channel:
            def send():
                write_frame(channel.write_fd, payload(3 << 20, 5))
                write_frame(channel.write_fd, b"next")
            thread, errors = in_thread(send)
            reader = FrameReader(channel.read_fd)
            large = reader.read()
            self.assertEqual(large.read(3), payload(3, 5))
            self.assertEqual(reader.read(), b"next")
            self.assertEqual(large.remaining, 0)
            thread.join(GENEROUS)
            self.assertEqual(errors, [])

    def test_owed_frames_are_skipped(self):
        # what an interrupted out-of-band group leaves: its remaining buffer frames
        with Channel("socketpair") as channel:
            def send():
                write_frames(channel.write_fd, [[b"buffer 1"], [payload(200000, 2)], [b"next"]])
            thread, errors = in_thread(send)
            reader = FrameReader(channel.read_fd)
            reader.owed = 2
            self.assertEqual(reader.read(), b"next")
            self.assertEqual(reader.owed, 0)
            thread.join(GENEROUS)
            self.assertEqual(errors, [])

    def test_large_pickles_load_from_the_stream_at_every_protocol(self):
        value = ("result", 7, [payload(1 << 20, 3), "é" * 100000, list(range(50000))])
        for protocol in range(0, pickle.HIGHEST_PROTOCOL + 1):
            with self.subTest(protocol=protocol), Channel("socketpair") as channel:
                data = pickle.dumps(value, protocol)
                thread, errors = in_thread(lambda: write_frame(channel.write_fd, data))
                frame = FrameReader(channel.read_fd).read()
                self.assertIsInstance(frame, LargeFrame)
                self.assertEqual(decode_message(frame), value)
                thread.join(GENEROUS)
                self.assertEqual(errors, [])


class DecodeMessageTest(unittest.TestCase):

    def test_short_pickles_naming_globals_are_refused(self):
        # GLOBAL (protocol 0-2), STACK_GLOBAL (3+) and INST: each names os.system
        refused = [
            b"(S'result'\nI1\ncos\nsystem\n(S'true'\ntRt.",
            b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00(\x8c\x06result\x94K\x01\x8c\x02os\x94"
            b"\x8c\x06system\x94\x93\x94\x8c\x04true\x94\x85\x94R\x94t\x94.",
            b"(S'result'\nI1\n(S'true'\nios\nsystem\nt.",
        ]
        for data in refused:
            with self.subTest(data=data):
                self.assertLess(len(data), 1024)  # the fast path's size
                with self.assertRaises(GlobalRefusedError):
                    decode_message(data)

    def test_short_pickles_of_builtin_values_load(self):
        for protocol in range(0, pickle.HIGHEST_PROTOCOL + 1):
            for value in [("result", 1, (1, "two", 3.0)), ("result", 2, "cici\x82\x93"),
                          ("result", 3, {"c": b"i", 4: [None, True, 1.5, -2 ** 70]})]:
                with self.subTest(protocol=protocol, value=value):
                    self.assertEqual(decode_message(pickle.dumps(value, protocol)), value)

    def test_allowed_globals_still_load(self):
        import decimal
        value = ("result", 1, decimal.Decimal("1.5"))
        self.assertEqual(decode_message(pickle.dumps(value, 2)), value)
        self.assertEqual(decode_message(pickle.dumps(value, 5)), value)

    def test_a_message_must_be_a_kind_tuple(self):
        for value in [[], (), ("",)[1:], [1, 2], (1, 2), "result"]:
            with self.subTest(value=value), self.assertRaises(ProtocolError):
                decode_message(pickle.dumps(value))


if __name__ == "__main__":
    unittest.main()
