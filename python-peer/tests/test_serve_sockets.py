"""``python -m picklebridge serve --listen``: tcp with an authkey, unix sockets, the package's
own client, stock ``multiprocessing.connection.Client`` of other Pythons, peer death."""

import os
import socket
import stat
import subprocess
import sys
import tempfile
import time
import unittest
from concurrent.futures import CancelledError
from multiprocessing import connection as mpc
from multiprocessing.pool import RemoteTraceback

import picklebridge
from picklebridge import BridgeConnectionError

from .serve_fixtures.server_process import (ARITH, EXPOSED, GENEROUS, ServeProcess, other_pythons,
                                            worker)

KEY = b"serve-test-key\x00\xff"

STOCK_CLIENT_SCRIPT = r"""
import sys
from multiprocessing.connection import Client
host, port, key_file, worker = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
conn = Client((host, port), authkey=open(key_file, "rb").read())
conn.send(("call", 1, worker + "echo", ((1, "two", 3.0, b"4", None),), {}))
print(repr(conn.recv()))
conn.send(("call", 2, worker + "divide", (1, 0), {}))
kind, request_id, info = conn.recv()
print(repr((kind, request_id, info["type"], "_checked_divide" in info["traceback"])))
conn.send(("map", 3, worker + "add", [(1, 2), (3, 4)], {"star": True}))
print(repr(conn.recv()))
conn.send(("bye",))
try:
    conn.recv()
except EOFError:
    print("closed")
"""


class ServeTcpTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(prefix="pb-serve-")
        cls.key_file = os.path.join(cls.dir.name, "key")
        with open(cls.key_file, "wb") as out:
            out.write(KEY)
        cls.server = ServeProcess("--listen", "tcp://127.0.0.1:0", "--authkey-file", cls.key_file,
                                  ARITH, EXPOSED)
        cls.address = cls.server.addresses[0]
        host, _, port = cls.address[len("tcp://"):].rpartition(":")
        cls.host_port = (host, int(port))

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.dir.cleanup()

    def test_listens_on_loopback_and_announces_the_port(self):
        self.assertEqual("127.0.0.1", self.host_port[0])
        self.assertNotEqual(0, self.host_port[1])

    def test_package_client_calls_maps_and_gets_remote_exceptions(self):
        with picklebridge.connect(self.address, authkey=KEY) as client:
            self.assertTrue(client.server_info["server"].startswith("picklebridge-python/"))
            self.assertEqual(5, client.call(worker("add"), 2, 3))
            self.assertEqual("hello ann.", client.call(worker("greet"), "ann", punctuation="."))
            self.assertEqual([3, 6], client.map_chunk(EXPOSED + ".triple", [1, 2]).result(GENEROUS))
            self.assertEqual([3, 7], client.map_chunk(worker("add"), [(1, 2), (3, 4)], star=True)
                             .result(GENEROUS))
            self.assertEqual([0, 1, 2], list(client.stream(worker("count_up"), 3)))
            with self.assertRaises(ZeroDivisionError) as caught:
                client.call(worker("divide"), 1, 0)
            self.assertIsInstance(caught.exception.__cause__, RemoteTraceback)
            self.assertIn("return a / b", str(caught.exception.__cause__))
            with self.assertRaises(NameError) as caught:
                client.call(worker("ad"), 1, 2)
            self.assertIn(repr(worker("add")), str(caught.exception))
            with self.assertRaises(TimeoutError):
                client.submit(worker("sleep"), (30,), timeout=0.2).result(GENEROUS)

    def test_calls_on_one_connection_overlap(self):
        with picklebridge.connect(self.address, authkey=KEY) as client:
            futures = [client.call_async(worker("rendezvous"), "tcp", 4) for _ in range(4)]
            self.assertEqual([True] * 4, [future.result(GENEROUS) for future in futures])

    def test_cancelled_future_stops_the_call_and_the_connection_goes_on(self):
        with picklebridge.connect(self.address, authkey=KEY) as client:
            future = client.call_async(worker("wait_until_cancelled"), "tcp-cancel")
            for _ in range(GENEROUS * 20):
                if client.call(worker("has_started"), "tcp-cancel"):
                    break
                time.sleep(0.05)
            self.assertTrue(future.cancel())
            with self.assertRaises(CancelledError):
                future.result(GENEROUS)
            stopped = False
            for _ in range(GENEROUS * 20):
                stopped = client.call(worker("was_stopped"), "tcp-cancel")
                if stopped:
                    break
                time.sleep(0.05)
            self.assertTrue(stopped, "the server never marked the cancelled call")
            self.assertEqual(2, client.call(worker("echo"), 2))

    def test_wrong_authkey_is_refused_and_logged_with_the_peer(self):
        with self.assertRaises(BridgeConnectionError) as caught:
            picklebridge.connect(self.address, authkey=b"wrong key")
        self.assertIn("authentication", str(caught.exception))
        self.server.wait_for_stderr(r"authentication failed for tcp://127\.0\.0\.1:\d+")
        self.assertNotIn(repr(KEY), self.server.stderr_text())

    def test_stock_client_without_authkey_receives_the_challenge(self):
        conn = mpc.Client(self.host_port)
        try:
            self.assertTrue(conn.recv_bytes(256).startswith(b"#CHALLENGE#"))
            conn.send(("call", 1, worker("echo"), (1,), {}))  # not a valid response
            self.assertEqual(b"#FAILURE#", conn.recv_bytes(256))
        finally:
            conn.close()

    def test_stock_multiprocessing_clients_of_other_pythons(self):
        pythons = other_pythons()
        if not pythons:
            self.skipTest("neither python 3.8 nor 3.13 is installed")
        for version, python in pythons:
            with self.subTest(python=version):
                out = subprocess.run(
                    [python, "-c", STOCK_CLIENT_SCRIPT, self.host_port[0], str(self.host_port[1]),
                     self.key_file, ARITH + "."],
                    capture_output=True, text=True, timeout=60)
                self.assertEqual(0, out.returncode, out.stderr)
                self.assertEqual([
                    "('result', 1, (1, 'two', 3.0, b'4', None))",
                    "('error', 2, 'ZeroDivisionError', True)",
                    "('result', 3, [3, 7])",
                    "closed",
                ], out.stdout.splitlines())

    def test_killed_client_leaves_other_clients_served(self):
        script = ("import sys\nfrom multiprocessing.connection import Client\n"
                  "conn = Client(('%s', %d), authkey=open(sys.argv[1], 'rb').read())\n"
                  "conn.send(('call', 1, '%s', (60,), {}))\n"
                  "conn.send(('ping', 'up'))\nprint(conn.recv(), flush=True)\n"
                  "sys.stdin.read()\n" % (self.host_port[0], self.host_port[1], worker("sleep")))
        with picklebridge.connect(self.address, authkey=KEY) as survivor:
            doomed = subprocess.Popen([sys.executable, "-c", script, self.key_file],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            try:
                self.assertEqual("('pong', 'up')", doomed.stdout.readline().strip())
                doomed.kill()
                doomed.wait(GENEROUS)
            finally:
                if doomed.poll() is None:
                    doomed.kill()
                doomed.stdin.close()
                doomed.stdout.close()
            self.server.wait_for_stderr(r"connection tcp://127\.0\.0\.1:\d+ closed \(closed by the "
                                        r"peer\); 1 calls stopped")
            self.assertEqual(3, survivor.call(worker("add"), 1, 2))
        with picklebridge.connect(self.address, authkey=KEY) as newcomer:
            self.assertEqual(4, newcomer.call(worker("add"), 2, 2))


class ServeUnixTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="pb-serve-")
        self.path = os.path.join(self.dir.name, "pb.sock")
        self.servers = []

    def tearDown(self):
        for server in self.servers:
            server.stop()
        self.dir.cleanup()

    def serve(self, *args, **kwargs):
        server = ServeProcess(*args, **kwargs)
        self.servers.append(server)
        return server

    def test_stale_socket_file_is_replaced_and_the_new_one_is_private(self):
        stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        stale.bind(self.path)
        stale.close()  # the file stays, nobody accepts on it
        server = self.serve("--listen", "unix://" + self.path, ARITH)
        self.assertEqual(["unix://" + self.path], server.addresses)
        self.assertEqual(0o600, stat.S_IMODE(os.stat(self.path).st_mode))
        self.assertTrue(stat.S_ISSOCK(os.stat(self.path).st_mode))
        with picklebridge.connect("unix://" + self.path) as client:
            self.assertEqual(7, client.call(worker("add"), 3, 4))

    def test_socket_in_use_is_refused_and_unix_authkey_is_honoured(self):
        key_file = os.path.join(self.dir.name, "key")
        with open(key_file, "wb") as out:
            out.write(KEY)
        self.serve("--listen", "unix://" + self.path, "--authkey-file", key_file, ARITH)
        second = self.serve("--listen", "unix://" + self.path, ARITH, wait_for=0)
        self.assertEqual(1, second.wait(GENEROUS))
        second.wait_for_stderr("already in use")
        with picklebridge.connect("unix://" + self.path, authkey=KEY) as client:
            self.assertEqual(2, client.call(worker("echo"), 2))
        with self.assertRaises(BridgeConnectionError):
            picklebridge.connect("unix://" + self.path, authkey=b"other")

    def test_oversized_or_badly_framed_frames_close_only_that_connection(self):
        self.serve("--listen", "unix://" + self.path, "--max-frame", "1024", ARITH)
        with picklebridge.connect("unix://" + self.path) as survivor:
            big = mpc.Client(self.path, "AF_UNIX")
            try:
                big.send_bytes(b"\x80" * 2000)
                with self.assertRaises((EOFError, ConnectionResetError)):
                    big.recv_bytes()
            finally:
                big.close()
            bad = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                bad.connect(self.path)
                bad.sendall(b"\xff\xff\xff\xfe")  # length -2
                reply = mpc.Connection(os.dup(bad.fileno()))
                kind, request_id, info = reply.recv()
                self.assertEqual(("error", None, "ProtocolError"), (kind, request_id, info["type"]))
                with self.assertRaises(EOFError):
                    reply.recv_bytes()
                reply.close()
            finally:
                bad.close()
            self.servers[0].wait_for_stderr("longer than 1024 bytes")
            self.assertEqual(3, survivor.call(worker("add"), 1, 2))

    def test_tcp_without_authkey_file_generates_a_private_one(self):
        server = self.serve("--listen", "tcp://:0", ARITH)
        try:
            self.assertIsNotNone(server.authkey_file)
            self.assertEqual(0o600, stat.S_IMODE(os.stat(server.authkey_file).st_mode))
            with picklebridge.connect(server.addresses[0], authkey_file=server.authkey_file) as client:
                self.assertEqual(3, client.call(worker("add"), 1, 2))
            self.assertTrue(server.addresses[0].startswith("tcp://127.0.0.1:"))
        finally:
            if server.authkey_file:
                os.unlink(server.authkey_file)

    def test_server_exits_on_sigterm_and_removes_its_socket_file(self):
        server = self.serve("--listen", "unix://" + self.path, ARITH)
        server.process.terminate()
        self.assertEqual(0, server.wait(GENEROUS))
        self.assertFalse(os.path.exists(self.path))


if __name__ == "__main__":
    unittest.main()
