"""``python -m picklebridge serve --processes N``: calls run in worker processes, which a
cancel or a timeout terminates (and replaces) while the others keep working."""

import os
import tempfile
import time
import unittest

from .serve_fixtures.server_process import ARITH, EXPOSED, GENEROUS, ServeProcess, worker


class ServeProcessesTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = ServeProcess("--processes", "2", ARITH, EXPOSED, stdio=True)
        cls.server.send(("hello", {"protocol": 5}))
        cls.hello = cls.server.recv()[1]

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_hello_reports_process_mode(self):
        self.assertEqual("processes", self.hello["mode"])
        self.assertEqual(2, self.hello["processes"])

    def test_calls_run_in_other_processes(self):
        kind, _id, pid = self.server.call(1, worker("pid"))
        self.assertEqual("result", kind)
        self.assertNotEqual(self.hello["pid"], pid)
        self.assertEqual(("result", 2, 12), self.server.call(2, EXPOSED + ".triple", 4))
        self.assertEqual(("result", 3, {"symbol": "Z", "total": 2.5}),
                         self.server.call(3, "pricing.quote", "Z"))

    def test_exceptions_carry_the_worker_process_traceback(self):
        kind, request_id, info = self.server.call(10, worker("divide"), 1, 0)
        self.assertEqual(("error", 10, "ZeroDivisionError"), (kind, request_id, info["type"]))
        self.assertIn("in _checked_divide", info["traceback"])
        kind, request_id, info = self.server.call(11, worker("withdraw"), 1, 2)
        self.assertEqual(ARITH + ".InsufficientFunds", info["type"])

    def test_map_star_and_stream(self):
        self.server.send(("map", 20, worker("add"), [(1, 2), (3, 4)], {"star": True}))
        self.assertEqual(("result", 20, [3, 7]), self.server.recv())
        self.server.send(("call", 21, worker("count_up"), (2,), {}, {"stream": True}))
        self.assertEqual([("item", 21, 0), ("item", 21, 1), ("result", 21, 2)],
                         [self.server.recv() for _ in range(3)])

    def test_cancel_terminates_the_running_worker_process(self):
        with tempfile.TemporaryDirectory(prefix="pb-serve-") as directory:
            started = os.path.join(directory, "started")
            self.server.send(("call", 30, worker("announce_then_sleep"), (started, 60), {}))
            busy_pid = _wait_for_pid_file(started)
        self.assertNotEqual(self.hello["pid"], busy_pid)
        self.server.send(("cancel", 30))
        kind, request_id, info = self.server.recv()
        self.assertEqual(("error", 30, "CancelledError"), (kind, request_id, info["type"]))
        self.server.wait_for_stderr(r"terminating worker process %d running cancelled" % busy_pid)
        self.assertTrue(_wait_until_gone(busy_pid), "the cancelled call's process still runs")
        self.assertEqual(("result", 31, 5), self.server.call(31, worker("add"), 2, 3))

    def test_timeout_terminates_the_running_worker_process(self):
        self.server.send(("call", 40, worker("sleep"), (60,), {}, {"timeout": 0.3}))
        kind, request_id, info = self.server.recv()
        self.assertEqual(("error", 40, "TimeoutError"), (kind, request_id, info["type"]))
        self.assertEqual(("result", 41, 1), self.server.call(41, worker("echo"), 1))

    def test_worker_process_that_exits_is_reported_and_replaced(self):
        kind, request_id, info = self.server.call(50, worker("exit_process"), 3)
        self.assertEqual(("error", 50, "ChildProcessError"), (kind, request_id, info["type"]))
        self.assertIn("exited with code 3", info["message"])
        self.assertEqual(("result", 51, 2), self.server.call(51, worker("echo"), 2))


class ServeProcessesExitTest(unittest.TestCase):

    def test_stdin_end_stops_the_worker_processes_too(self):
        server = ServeProcess("--processes", "1", ARITH, stdio=True)
        try:
            kind, _id, child = server.call(1, worker("pid"))
            self.assertEqual("result", kind)
            server.send(("call", 2, worker("sleep"), (60,), {}))
            server.close_stdin()
            self.assertEqual(0, server.wait(GENEROUS))
            self.assertTrue(_wait_until_gone(child), "worker process %d outlived the server" % child)
        finally:
            server.stop()


def _wait_for_pid_file(path):
    for _ in range(GENEROUS * 20):
        if os.path.exists(path):
            with open(path) as pid_file:
                return int(pid_file.read())
        time.sleep(0.05)
    raise AssertionError("the call never started")


def _wait_until_gone(pid):
    """Whether process ``pid`` ended (or became a zombie) within the generous bound."""
    for _ in range(GENEROUS * 20):
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def _alive(pid):
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as stat_file:
            return stat_file.read().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False


if __name__ == "__main__":
    unittest.main()
