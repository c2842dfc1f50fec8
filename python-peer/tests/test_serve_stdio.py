"""``python -m picklebridge serve --stdio``: the messages of docs/protocol.md over real pipes."""

import datetime
import decimal
import os
import pickle
import socket
import subprocess
import sys
import time
import unittest
from multiprocessing import connection as mpc

from .serve_fixtures.server_process import (ARITH, EXPOSED, GENEROUS, PEER_DIR, ServeProcess,
                                            other_pythons, worker)


class ServeStdioTest(unittest.TestCase):
    """One serving child shared by the tests; each test uses its own request ids."""

    @classmethod
    def setUpClass(cls):
        cls.server = ServeProcess(ARITH, EXPOSED, "statistics", "os.path:join", "--threads", "8",
                                  stdio=True)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_hello_describes_the_python_server(self):
        self.server.send(("hello", {"protocol": 5, "client": "test", "capabilities": ["call"]}))
        kind, info = self.server.recv()
        self.assertEqual("hello", kind)
        self.assertRegex(info["server"], r"^picklebridge-python/\d+\.\d+")
        self.assertEqual(1, info["version"])
        self.assertEqual(5, info["protocol"])
        self.assertEqual(8, info["threads"])
        self.assertEqual("threads", info["mode"])
        self.assertIn("cancel", info["capabilities"])
        self.assertIn("statistics.mean", info["workers"])

    def test_module_functions_named_functions_and_exposed_ones_are_served(self):
        self.assertEqual(("result", 1, 2.5), self.server.call(1, "statistics.mean", [1, 2, 3, 4]))
        self.assertEqual(("result", 2, "a/b"), self.server.call(2, "os.path.join", "a", "b"))
        self.assertEqual(("result", 3, 21), self.server.call(3, EXPOSED + ".triple", 7))
        self.assertEqual(("result", 4, {"symbol": "X", "total": 5.0}),
                         self.server.call(4, "pricing.quote", "X", quantity=2))
        self.assertEqual(("result", 5, -4), self.server.call(5, "_hidden_but_exposed", 4))
        self.assertEqual(("result", 6, "hello bob?"), self.server.call(6, worker("greet"), "bob",
                                                                        punctuation="?"))

    def test_private_and_imported_functions_are_not_served(self):
        for request_id, name in ((10, worker("_checked_divide")), (11, worker("call_cancelled")),
                                 (12, "os.path.exists")):
            kind, reply_id, info = self.server.call(request_id, name)
            self.assertEqual(("error", request_id, "NameError"), (kind, reply_id, info["type"]))

    def test_python_exception_travels_back_with_its_traceback(self):
        kind, request_id, info = self.server.call(20, worker("divide"), 1, 0)
        self.assertEqual(("error", 20), (kind, request_id))
        self.assertEqual("ZeroDivisionError", info["type"])
        self.assertEqual("", info["java_class"])
        self.assertEqual("division by zero", info["message"])
        self.assertEqual(worker("divide"), info["worker"])
        self.assertIn("in _checked_divide", info["traceback"])
        self.assertIn("return a / b", info["traceback"])
        self.assertTrue(info["traceback"].startswith("Traceback (most recent call last):"))
        self.assertNotIn("_server_calls.py", info["traceback"])

    def test_user_exception_type_is_its_qualified_name(self):
        _kind, _id, info = self.server.call(21, worker("withdraw"), 10, 50)
        self.assertEqual(ARITH + ".InsufficientFunds", info["type"])
        self.assertEqual("balance 10 is less than 50", info["message"])

    def test_wrong_arguments_are_a_type_error(self):
        _kind, _id, info = self.server.call(22, worker("add"), 1)
        self.assertEqual("TypeError", info["type"])
        self.assertIn("'b'", info["message"])

    def test_unknown_worker_is_a_name_error_listing_close_names(self):
        kind, request_id, info = self.server.call(30, "statistics.maen", [1])
        self.assertEqual(("error", 30, "NameError"), (kind, request_id, info["type"]))
        self.assertIn("'statistics.mean'", info["message"])
        self.assertEqual("statistics.maen", info["worker"])

    def test_map_and_starmap(self):
        self.server.send(("map", 40, EXPOSED + ".triple", [1, 2, 3], {}))
        self.assertEqual(("result", 40, [3, 6, 9]), self.server.recv())
        self.server.send(("map", 41, worker("add"), [(1, 2), (3, 4)], {"star": True}))
        self.assertEqual(("result", 41, [3, 7]), self.server.recv())
        self.server.send(("map", 42, worker("divide"), [(1, 1), (2, 0)], {"star": True}))
        kind, request_id, info = self.server.recv()
        self.assertEqual(("error", 42, "ZeroDivisionError", 1),
                         (kind, request_id, info["type"], info["index"]))

    def test_streamed_call_sends_items_then_their_count(self):
        self.server.send(("call", 50, worker("count_up"), (3,), {}, {"stream": True}))
        replies = [self.server.recv() for _ in range(4)]
        self.assertEqual([("item", 50, 0), ("item", 50, 1), ("item", 50, 2), ("result", 50, 3)],
                         replies)

    def test_calls_run_concurrently_and_replies_come_in_completion_order(self):
        parties = 4
        for request_id in range(60, 60 + parties - 1):
            self.server.send(("call", request_id, worker("rendezvous"), ("stdio", parties), {}))
        # Three calls wait for a fourth; a quick call overtakes them.
        self.assertEqual(("result", 70, 2), self.server.call(70, worker("add"), 1, 1))
        self.server.send(("call", 60 + parties - 1, worker("rendezvous"), ("stdio", parties), {}))
        replies = sorted(self.server.recv() for _ in range(parties))
        self.assertEqual([("result", i, True) for i in range(60, 60 + parties)], replies)

    def test_cancel_replies_cancelled_and_marks_the_running_call(self):
        self.server.send(("call", 80, worker("wait_until_cancelled"), ("tag80",), {}))
        for attempt in range(GENEROUS * 20):
            if self.server.call(2000 + attempt, worker("has_started"), "tag80")[2]:
                break
            time.sleep(0.05)
        self.server.send(("cancel", 80))
        kind, request_id, info = self.server.recv()
        self.assertEqual(("error", 80, "CancelledError"), (kind, request_id, info["type"]))
        for attempt in range(GENEROUS * 20):  # the worker polls call_cancelled() every 10 ms
            kind, _id, stopped = self.server.call(3000 + attempt, worker("was_stopped"), "tag80")
            if stopped:
                break
            time.sleep(0.05)
        self.assertTrue(stopped)
        self.server.send(("cancel", 80))  # a second cancel of a finished call: no reply
        self.assertEqual(("result", 82, 5), self.server.call(82, worker("add"), 2, 3))

    def test_timeout_option_replies_timeout_error(self):
        self.server.send(("call", 90, worker("sleep"), (30,), {}, {"timeout": 0.2}))
        kind, request_id, info = self.server.recv()
        self.assertEqual(("error", 90, "TimeoutError"), (kind, request_id, info["type"]))

    def test_result_that_does_not_pickle_is_an_error_reply(self):
        kind, request_id, info = self.server.call(100, worker("unpicklable"))
        self.assertEqual(("error", 100), (kind, request_id))
        self.assertIn("cannot pickle the result", info["message"])

    def test_refused_global_and_garbage_get_protocol_errors_and_the_connection_stays(self):
        self.server.writer.send_bytes(pickle.dumps(("call", 120, worker("echo"), (unittest.TestCase,), {})))
        kind, request_id, info = self.server.recv()
        self.assertEqual(("error", 120, "ProtocolError"), (kind, request_id, info["type"]))
        self.assertIn("unittest.case", info["message"])
        self.server.writer.send_bytes(b"not a pickle")
        self.assertEqual("error", self.server.recv()[0])
        self.server.send(("frobnicate", 121))
        kind, request_id, info = self.server.recv()
        self.assertEqual(("error", 121, "ProtocolError"), (kind, request_id, info["type"]))
        self.server.send(("call", 122, worker("echo")))
        kind, request_id, info = self.server.recv()
        self.assertEqual(("error", 122, "ProtocolError"), (kind, request_id, info["type"]))
        self.assertEqual(("result", 123, 1), self.server.call(123, worker("echo"), 1))

    def test_natural_python_types_arrive_as_sent(self):
        value = {"i": 2 ** 70, "f": -0.0, "b": b"\x00", "t": (1,), "s": {1}, "l": [None],
                 "d": datetime.datetime(2024, 1, 2, 3, 4, 5, 6, datetime.timezone.utc),
                 "m": decimal.Decimal("1.5")}
        self.assertEqual(("result", 130, value), self.server.call(130, worker("echo"), value))

    def test_printing_workers_do_not_corrupt_the_frame_stream(self):
        # The arith fixture printed at import; its line went to stderr.
        self.server.wait_for_stderr("must not reach the frame stream")
        self.assertEqual(("pong", 1), (self.server.send(("ping", 1)), self.server.recv())[1])


class ServeStdioProtocolTest(unittest.TestCase):

    def test_reply_uses_the_request_protocol_until_hello_negotiates_one(self):
        server = ServeProcess(ARITH, stdio=True)
        try:
            for protocol, expected in ((0, 2), (1, 2), (2, 2), (3, 3), (4, 4), (5, 5)):
                data = pickle.dumps(("call", protocol, worker("echo"), ((1, "x"),), {}), protocol)
                server.writer.send_bytes(data)
                self.assertTrue(server.reader.poll(GENEROUS))
                reply = server.reader.recv_bytes()
                self.assertEqual(bytes([0x80, expected]), reply[:2], "request protocol %d" % protocol)
                self.assertEqual(("result", protocol, (1, "x")), pickle.loads(reply))
            server.writer.send_bytes(pickle.dumps(("hello", {"protocol": 3}), 5))
            self.assertEqual(b"\x80\x03", server.reader.recv_bytes()[:2])
            server.writer.send_bytes(pickle.dumps(("ping", 1), 5))
            self.assertEqual(b"\x80\x03", server.reader.recv_bytes()[:2])
        finally:
            server.stop()


class ServeStdioExitTest(unittest.TestCase):

    def test_stdin_end_of_file_makes_the_server_exit_even_with_calls_running(self):
        server = ServeProcess(ARITH, stdio=True)
        try:
            server.send(("call", 1, worker("sleep"), (60,), {}))
            server.send(("ping", 0))
            self.assertEqual(("pong", 0), server.recv())
            server.close_stdin()
            self.assertEqual(0, server.wait(GENEROUS))
        finally:
            server.stop()

    def test_closed_stdout_makes_the_server_exit(self):
        server = ServeProcess(ARITH, stdio=True)
        try:
            server.reader.close()
            server.send(("call", 1, worker("add"), (1, 2), {}))
            self.assertEqual(0, server.wait(GENEROUS))
            server.wait_for_stderr("stopping: stdout closed")
        finally:
            server.stop()

    def test_bye_finishes_calls_in_flight_then_closes(self):
        server = ServeProcess(ARITH, stdio=True)
        try:
            server.send(("call", 1, worker("sleep"), (0.2,), {}))
            server.send(("bye",))
            self.assertEqual(("result", 1, 0.2), server.recv())
            self.assertEqual(0, server.wait(GENEROUS))
            with self.assertRaises(EOFError):
                server.reader.recv()
        finally:
            server.stop()

    def test_stdin_socket_carries_both_directions(self):
        ours, theirs = socket.socketpair()
        env = dict(os.environ, PYTHONPATH=PEER_DIR)
        process = subprocess.Popen([sys.executable, "-m", "picklebridge", "serve", "--stdio", ARITH],
                                   cwd=PEER_DIR, env=env, stdin=theirs, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        theirs.close()
        conn = mpc.Connection(ours.detach())
        try:
            conn.send(("call", 1, worker("add"), (20, 22), {}))
            self.assertTrue(conn.poll(GENEROUS))
            self.assertEqual(("result", 1, 42), conn.recv())
            conn.close()
            self.assertEqual(0, process.wait(GENEROUS))
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()

    def test_serving_under_the_oldest_and_newest_supported_pythons(self):
        pythons = other_pythons()
        if not pythons:
            self.skipTest("neither python 3.8 nor 3.13 is installed")
        for version, python in pythons:
            with self.subTest(python=version):
                server = ServeProcess(ARITH, stdio=True, python=python)
                try:
                    server.send(("hello", {"protocol": 5}))
                    self.assertEqual(version, server.recv()[1]["python"])
                    self.assertEqual(("result", 1, 3), server.call(1, worker("add"), 1, 2))
                    self.assertIn("in _checked_divide", server.call(2, worker("divide"), 1, 0)[2]["traceback"])
                    server.send(("call", 3, worker("sleep"), (60,), {}))
                    server.close_stdin()
                    self.assertEqual(0, server.wait(GENEROUS))
                finally:
                    server.stop()

    def test_unimportable_module_fails_fast_with_a_clear_error(self):
        server = ServeProcess("no_such_module_xyz", stdio=True)
        try:
            self.assertEqual(2, server.wait(GENEROUS))
            server.wait_for_stderr("cannot load the workers: ModuleNotFoundError.*no_such_module_xyz")
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main()
