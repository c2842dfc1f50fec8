"""A JVM killed mid-map fails every pending call quickly, naming its exit; never a hang."""

import os
import signal
import time
import unittest

import picklebridge
from picklebridge import BridgeConnectionError, JvmExitedError

from .support import server_jar

GENEROUS = 15  # seconds: bounds the wait so a regression fails instead of hanging


class PeerDeathTest(unittest.TestCase):

    def setUp(self):
        server_jar()

    def test_kill_9_in_the_middle_of_a_map(self):
        for transport in ("socketpair", "pipes"):
            with self.subTest(transport=transport):
                self.kill_9_in_the_middle_of_a_map(transport)

    def kill_9_in_the_middle_of_a_map(self, transport):
        pool = picklebridge.Pool(2, pipe_transport=transport)
        try:
            pid = pool.client.connections[0].process.pid
            pending = pool.map_async("sys.sleep", [0.05] * 400, chunksize=5)
            single = pool.apply_async("sys.sleep", (60,))
            time.sleep(0.5)
            os.kill(pid, signal.SIGKILL)
            with self.assertRaises(JvmExitedError) as caught:
                pending.get(GENEROUS)
            self.assertIn("killed by signal 9", str(caught.exception))
            self.assertIsInstance(caught.exception, ConnectionError)
            with self.assertRaises(JvmExitedError):
                single.get(GENEROUS)
            with self.assertRaises(BridgeConnectionError):
                pool.apply("sys.ping")
        finally:
            pool.terminate()

    def test_jvm_exit_code_and_stderr_reach_the_error(self):
        with self.assertRaises(JvmExitedError) as caught:
            picklebridge.connect(server_args=["--no-such-option"], connect_timeout=GENEROUS)
        message = str(caught.exception)
        self.assertRegex(message, r"the JVM \(pid \d+\) exited with code [1-9]")
        self.assertIn("--no-such-option", message)  # from the JVM's stderr
        self.assertNotEqual(caught.exception.exit_code, 0)

    def test_sigterm_fails_calls_in_flight(self):
        client = picklebridge.connect(server_args=["--shutdown-grace=0"])
        try:
            future = client.call_async("sys.sleep", 60)
            time.sleep(0.2)
            os.kill(client.connections[0].process.pid, signal.SIGTERM)
            with self.assertRaises(Exception) as caught:
                future.result(GENEROUS)
            self.assertNotIsInstance(caught.exception, TimeoutError)
        finally:
            client.close()

    def test_python_exit_makes_the_jvm_exit(self):
        for transport in ("socketpair", "pipes"):
            with self.subTest(transport=transport):
                self.python_exit_makes_the_jvm_exit(transport)

    def python_exit_makes_the_jvm_exit(self, transport):
        import subprocess
        import sys
        code = ("import picklebridge, os\n"
                "c = picklebridge.connect(pipe_transport=%r)\n" % transport +
                "print(c.connections[0].process.pid, flush=True)\n"
                "os._exit(0)\n")  # no close(): the JVM must notice stdin's end by itself
        env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env, timeout=60)
        jvm_pid = int(out.stdout.split()[0])
        deadline = time.monotonic() + GENEROUS
        while time.monotonic() < deadline and _alive(jvm_pid):
            time.sleep(0.1)
        self.assertFalse(_alive(jvm_pid), "the JVM outlived its Python parent")


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


if __name__ == "__main__":
    unittest.main()
