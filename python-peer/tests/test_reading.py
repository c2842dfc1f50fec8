"""Who reads the replies: a synchronous call reads its own, other callers wait for it or take
over from it, the background thread reads for asynchronous requests; mixed from many threads,
with large payloads, and when the peer dies (real jar, real processes)."""

import os
import signal
import threading
import time
import unittest

import picklebridge
from picklebridge import BridgeConnectionError, JvmExitedError

from .support import ListeningServer, server_jar

GENEROUS = 20  # seconds


def run_threads(count, target):
    """Run ``target(number)`` on ``count`` threads; return the exceptions they raised."""
    errors = []

    def run(number):
        try:
            target(number)
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,), daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(GENEROUS * 3)
    if any(thread.is_alive() for thread in threads):
        errors.append(AssertionError("a calling thread still runs (a lost reply or a hang)"))
    return errors


class ReadingTest(unittest.TestCase):

    transport = "socketpair"

    @classmethod
    def setUpClass(cls):
        server_jar()
        cls.client = picklebridge.connect(pipe_transport=cls.transport)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()

    def test_sync_and_async_calls_from_many_threads(self):
        done = []

        def caller(number):
            for i in range(150):
                if number % 2:
                    self.assertEqual(self.client.call("sys.echo", (number, i)), (number, i))
                else:
                    futures = [self.client.call_async("demo.square", i + k) for k in range(3)]
                    futures[0].add_done_callback(lambda f: done.append(f.result()))
                    self.assertEqual([f.result(GENEROUS) for f in futures],
                                     [(i + k) ** 2 for k in range(3)])
        self.assertEqual(run_threads(6, caller), [])
        self.assertEqual(len(done), 3 * 150)
        self.assertEqual(self.client.connections[0].in_flight, 0)

    def test_a_call_is_not_held_back_by_a_slow_one_in_flight(self):
        slow = self.client.call_async("sys.sleep", 1.0)
        self.assertEqual(self.client.call("sys.echo", "fast"), "fast")
        self.assertFalse(slow.done())
        slow.result(GENEROUS)

    def test_a_request_sent_while_a_caller_reads_is_completed(self):
        # The main thread reads its own reply (a 0.3 s call); meanwhile other threads send a
        # quick call (its reply comes first, read by the main thread) and a slow one (still
        # in flight when the main thread has its reply: someone else must read it).
        futures = {}

        def others():
            time.sleep(0.05)
            futures["quick"] = self.client.call_async("sys.echo", "quick")
            futures["slow"] = self.client.call_async("sys.sleep", 0.6)
            futures["sync"] = self.client.call("sys.echo", "sync")
        thread = threading.Thread(target=others, daemon=True)
        thread.start()
        self.client.call("sys.sleep", 0.3)
        thread.join(GENEROUS)
        self.assertFalse(thread.is_alive())
        self.assertEqual(futures["quick"].result(GENEROUS), "quick")
        self.assertEqual(futures["sync"], "sync")
        futures["slow"].result(GENEROUS)
        self.assertEqual(self.client.connections[0].in_flight, 0)

    def test_waiting_callers_take_over_the_reading(self):
        # staggered calls that end in the order they started: each caller that has its reply
        # leaves the others waiting, one of which must go on reading
        def caller(number):
            time.sleep(0.02 * number)
            self.client.call("sys.sleep", 0.2 + 0.05 * number)
            self.assertEqual(self.client.call("sys.echo", number), number)
        self.assertEqual(run_threads(5, caller), [])

    def test_an_interrupted_reader_fails_the_reply_it_was_dispatching(self):
        # The main thread reads (its own 0.3 s call); a stream started meanwhile delivers its
        # first item to a callback that raises KeyboardInterrupt in the main thread. The
        # stream must fail rather than wait forever, and the connection must go on working.
        conn = self.client.connections[0]
        started = {}

        def interrupt(_item):
            raise KeyboardInterrupt

        def start_stream():
            time.sleep(0.05)
            started["future"] = conn.request("call", "demo.count", (3,), {}, {"stream": True},
                                             on_item=interrupt)
        thread = threading.Thread(target=start_stream, daemon=True)
        thread.start()
        with self.assertRaises(KeyboardInterrupt):
            self.client.call("sys.sleep", 0.3)
        thread.join(GENEROUS)
        with self.assertRaisesRegex(BridgeConnectionError, "interrupted"):
            started["future"].result(GENEROUS)
        self.assertEqual(self.client.call("sys.echo", "still fine"), "still fine")
        deadline = time.monotonic() + GENEROUS
        while conn.in_flight and time.monotonic() < deadline:  # the sleep's reply, unread
            time.sleep(0.01)
        self.assertEqual(conn.in_flight, 0)

    def test_large_payloads_both_ways(self):
        sizes = [65536 - 40, 65536, 65536 + 40, 3 * (1 << 20) + 1]
        for size in sizes:
            data = bytes(range(256)) * (size // 256) + b"z" * (size % 256)
            with self.subTest(size=size):
                self.assertEqual(self.client.call("sys.echo", data), data)
                self.assertEqual(self.client.call_async("sys.echo", bytearray(data)).result(GENEROUS),
                                 bytearray(data))
                text = data.decode("latin-1")
                self.assertEqual(self.client.call("sys.echo", [text, 1]), [text, 1])

    def test_large_payloads_from_several_threads(self):
        data = os.urandom(1 << 20)

        def caller(number):
            for _ in range(3):
                self.assertEqual(self.client.call("sys.echo", (number, data)), (number, data))
        self.assertEqual(run_threads(4, caller), [])


class PipesReadingTest(ReadingTest):

    transport = "pipes"


class PeerDeathWhileReadingTest(unittest.TestCase):

    def setUp(self):
        server_jar()

    def test_kill_9_fails_callers_that_read_and_that_wait(self):
        for transport in ("socketpair", "pipes"):
            with self.subTest(transport=transport):
                client = picklebridge.connect(pipe_transport=transport)
                try:
                    pid = client.connections[0].process.pid
                    outcomes = []

                    def caller(number):
                        try:
                            client.call("sys.sleep", 60)
                        except BaseException as exc:
                            outcomes.append(exc)
                    threads = [threading.Thread(target=caller, args=(n,), daemon=True)
                               for n in range(3)]
                    for thread in threads:
                        thread.start()
                    deadline = time.monotonic() + GENEROUS
                    while client.connections[0].in_flight < 3 and time.monotonic() < deadline:
                        time.sleep(0.01)
                    os.kill(pid, signal.SIGKILL)
                    for thread in threads:
                        thread.join(GENEROUS)
                    self.assertFalse(any(thread.is_alive() for thread in threads))
                    self.assertEqual(len(outcomes), 3)
                    for exc in outcomes:
                        self.assertIsInstance(exc, JvmExitedError)
                        self.assertIn("killed by signal 9", str(exc))
                    with self.assertRaises(BridgeConnectionError):
                        client.call("sys.ping")
                finally:
                    client.close()

    def test_an_idle_connection_notices_its_server_going_away(self):
        server = ListeningServer("tcp")
        try:
            client = picklebridge.connect(server.address, server.authkey)
            self.assertEqual(client.call("sys.echo", 1), 1)
            conn = client.connections[0]
            server.process.kill()
            server.process.wait(GENEROUS)
            deadline = time.monotonic() + GENEROUS
            while not conn.closed and time.monotonic() < deadline:
                time.sleep(0.01)
            self.assertTrue(conn.closed, "no call was in flight, yet the end must be noticed")
            with self.assertRaises(BridgeConnectionError):
                client.call("sys.ping")
            client.close()
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main()
