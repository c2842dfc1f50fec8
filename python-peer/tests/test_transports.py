"""Client and Pool over tcp (with the authkey handshake) and unix sockets, one or several."""

import time
import unittest

import picklebridge
from picklebridge import BridgeConnectionError

from .support import ListeningServer


class TcpTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = ListeningServer("tcp")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_call_with_authkey(self):
        with picklebridge.connect(self.server.address, self.server.authkey) as client:
            self.assertEqual(client.call("sys.echo", {"k": (1, 2)}), {"k": (1, 2)})
            self.assertEqual(client.jvm.demo.square(2 ** 40), 2 ** 80)

    def test_host_port_tuple(self):
        host, port = self.server.address[len("tcp://"):].rsplit(":", 1)
        with picklebridge.connect((host, int(port)), authkey=self.server.authkey) as client:
            self.assertEqual(client.call("sys.ping"), "pong")

    def test_pool_over_tcp(self):
        with picklebridge.Pool(2, address=self.server.address, authkey=self.server.authkey) as pool:
            self.assertEqual(pool.map("demo.square", range(10)), [n * n for n in range(10)])

    def test_terminate_interrupts_the_pools_calls_in_the_jvm(self):
        with picklebridge.connect(self.server.address, self.server.authkey) as observer:
            threads = observer.server_info["threads"]
            pool = picklebridge.Pool(threads, address=self.server.address, authkey=self.server.authkey)
            sleeping = [pool.apply_async("sys.sleep", (60,)) for _ in range(threads)]
            deadline = time.monotonic() + 20
            while pool.client.connections[0].in_flight < threads and time.monotonic() < deadline:
                time.sleep(0.01)
            self.assertEqual(pool.client.connections[0].in_flight, threads)
            time.sleep(0.2)  # let the server start them
            pool.terminate()
            for result in sleeping:
                with self.assertRaises(Exception):
                    result.get(1)
            # all worker threads slept for this pool; the observer's call needs one back
            self.assertEqual(observer.call_async("sys.echo", "free").result(20), "free")

    def test_wrong_authkey_is_a_clear_error(self):
        with self.assertRaisesRegex(BridgeConnectionError, "authentication"):
            picklebridge.connect(self.server.address, b"wrong key", connect_timeout=10)

    def test_missing_authkey_is_a_clear_error(self):
        with self.assertRaisesRegex(BridgeConnectionError, "requires an authkey"):
            picklebridge.connect(self.server.address, connect_timeout=10)

    def test_stock_multiprocessing_client(self):
        from multiprocessing.connection import Client
        with Client(tuple(picklebridge.addresses.parse_address(self.server.address).target),
                    authkey=self.server.authkey) as conn:
            conn.send(("call", 1, "sys.echo", ((1, "two", 3.0),), {}))
            self.assertEqual(conn.recv(), ("result", 1, (1, "two", 3.0)))

    def test_several_addresses_spread_the_work(self):
        with picklebridge.Pool(4, address=[self.server.address, self.server.address],
                               authkey=self.server.authkey) as pool:
            first, second = pool.client.connections
            results = [pool.apply_async("sys.sleep", (0.3,)) for _ in range(4)]
            for result in results:
                result.wait(30)
            self.assertEqual(pool.map("demo.square", range(40)), [n * n for n in range(40)])
            self.assertGreater(next(first._ids), 1)
            self.assertGreater(next(second._ids), 1)


class UnixTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = ListeningServer("unix", authkey=None)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_call_and_pool(self):
        with picklebridge.connect(self.server.address) as client:
            self.assertEqual(client.call("sys.echo", [b"x", None]), [b"x", None])
        with picklebridge.Pool(2, address=self.server.address) as pool:
            self.assertEqual(pool.starmap("demo.add", [(1, 2), (3, 4)]), [3, 7])


if __name__ == "__main__":
    unittest.main()
