"""picklebridge.Client in pipe mode (a private JVM) against the real server jar."""

import asyncio
import os
import threading
import unittest
from concurrent.futures import CancelledError, Future

import picklebridge
from picklebridge import BridgeConnectionError, JavaError, RemoteTraceback

from .support import server_jar

GENEROUS = 20  # seconds: far below the 60 s sleeps a broken cancel would leave running


class PipeClientTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        server_jar()
        cls.client = picklebridge.connect()

    @classmethod
    def tearDownClass(cls):
        cls.client.close()

    def test_call_and_attribute_proxy(self):
        self.assertEqual(self.client.call("sys.echo", [1, "two", 3.0]), [1, "two", 3.0])
        self.assertEqual(self.client.jvm.demo.square(7), 49)
        self.assertEqual(self.client.jvm.sys.ping(), "pong")
        self.assertEqual(repr(self.client.jvm.demo.square), "<WorkerProxy 'demo.square'>")

    def test_call_async_returns_a_future(self):
        future = self.client.call_async("demo.square", 12)
        self.assertIsInstance(future, Future)
        self.assertEqual(future.result(10), 144)

    def test_calls_from_many_threads_are_pipelined(self):
        # Eight threads each start a long call; all eight are in flight on the one
        # connection at once (a serialising client would hold seven back).
        futures = []
        lock = threading.Lock()

        def start():
            future = self.client.call_async("sys.sleep", 60)
            with lock:
                futures.append(future)

        threads = [threading.Thread(target=start) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        try:
            self.assertEqual(len(futures), 8)
            self.assertEqual(self.client.connections[0].in_flight, 8)
            self.client.ping(timeout=30)  # answered while the worker threads are busy
        finally:
            for future in futures:
                future.cancel()
        self.assertEqual(self.client.connections[0].in_flight, 0)

    def test_results_arrive_in_completion_order(self):
        slow = self.client.call_async("sys.sleep", 1.0)
        fast = self.client.call_async("sys.echo", "fast")
        self.assertEqual(fast.result(10), "fast")
        self.assertFalse(slow.done())
        slow.result(10)

    def test_java_exception_maps_to_builtin_with_java_trace_as_cause(self):
        with self.assertRaises(ValueError) as caught:
            self.client.call("sys.fail", "java.lang.IllegalArgumentException", "n must be positive")
        exc = caught.exception
        self.assertEqual(str(exc), "n must be positive")
        self.assertEqual(exc.java_class, "java.lang.IllegalArgumentException")
        self.assertIsInstance(exc.__cause__, RemoteTraceback)
        self.assertIn("java.lang.IllegalArgumentException", str(exc.__cause__))
        self.assertIn("\tat ", exc.remote_traceback)

    def test_unmapped_java_exception_is_java_error(self):
        with self.assertRaises(JavaError) as caught:
            self.client.call("sys.fail", "java.util.ConcurrentModificationException", "changed")
        self.assertIn("java.util.ConcurrentModificationException", str(caught.exception))

    def test_unknown_worker_is_name_error(self):
        with self.assertRaisesRegex(NameError, "sys.ech"):
            self.client.call("sys.ech", 1)

    def test_server_side_timeout(self):
        future = self.client.submit("sys.sleep", (30,), timeout=0.2)
        with self.assertRaises(TimeoutError):
            future.result(20)

    def test_cancel_interrupts_the_call_in_the_jvm(self):
        threads = self.client.server_info["threads"]
        futures = [self.client.call_async("sys.sleep", 60) for _ in range(threads)]
        for future in futures:
            self.assertTrue(future.cancel())
            with self.assertRaises(CancelledError):
                future.result(1)
        # Every worker thread was busy sleeping: this call runs only if the cancels reached them.
        self.assertEqual(self.client.call_async("sys.echo", 5).result(GENEROUS), 5)

    def test_stream(self):
        self.assertEqual(list(self.client.stream("demo.count", 5)), [0, 1, 2, 3, 4])

    def test_asyncio_acall(self):
        async def main():
            return await asyncio.gather(*(self.client.acall("demo.square", n) for n in range(5)))
        self.assertEqual(asyncio.run(main()), [0, 1, 4, 9, 16])

    def test_ping_and_server_info(self):
        self.client.ping()
        self.assertIn(self.client.connections[0].protocol, (4, 5))
        self.assertIn("threads", self.client.server_info)

    @unittest.skipUnless(hasattr(os, "fork"), "needs fork")
    def test_forked_child_gets_its_own_connection(self):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: the parent's connection must not be touched
            try:
                ok = (self.client.call("sys.echo", "child") == "child"
                      and self.client.connections[0].pid == os.getpid())
                self.client.close()
                os.write(write_end, b"1" if ok else b"0")
            except BaseException as exc:
                os.write(write_end, repr(exc).encode()[:500] or b"?")
            finally:
                os._exit(0)
        os.close(write_end)
        _, status = os.waitpid(pid, 0)
        answer = os.read(read_end, 600)
        os.close(read_end)
        self.assertEqual(answer, b"1")
        self.assertEqual(self.client.call("sys.echo", "parent"), "parent")

    @unittest.skipUnless(hasattr(os, "fork"), "needs fork")
    def test_pool_in_a_forked_child_raises_clearly(self):
        with picklebridge.Pool(1) as pool:
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:
                try:
                    pool.map("demo.square", [1])
                    os.write(write_end, b"no error")
                except picklebridge.BridgeError as exc:
                    os.write(write_end, str(exc).encode()[:500])
                except BaseException as exc:
                    os.write(write_end, repr(exc).encode()[:500])
                finally:
                    os._exit(0)
            os.close(write_end)
            os.waitpid(pid, 0)
            answer = os.read(read_end, 600).decode()
            os.close(read_end)
            self.assertIn("create a new Pool in forked process", answer)
            self.assertEqual(pool.map("demo.square", [3]), [9])


class PipeModeStartTest(unittest.TestCase):

    def test_missing_jar_is_named(self):
        with self.assertRaisesRegex(FileNotFoundError, "PICKLEBRIDGE_JAR|no-such.jar"):
            picklebridge.connect(jar="/no-such.jar")

    def test_missing_java_is_named(self):
        server_jar()
        with self.assertRaisesRegex(BridgeConnectionError, "/no/java"):
            picklebridge.connect(java="/no/java")

    def test_pipes_transport(self):
        server_jar()
        with picklebridge.connect(pipe_transport="pipes") as client:
            self.assertEqual(client.call("sys.echo", (1, 2)), (1, 2))

    def test_jvm_stderr_goes_to_logging(self):
        server_jar()
        with self.assertLogs("picklebridge.jvm", level="INFO") as logs:
            with picklebridge.connect() as client:
                client.ping()
        self.assertTrue(any("listening on stdio" in line for line in logs.output), logs.output)

    def test_closed_client_raises(self):
        server_jar()
        client = picklebridge.connect()
        client.close()
        with self.assertRaisesRegex(BridgeConnectionError, "closed"):
            client.call("sys.ping")


if __name__ == "__main__":
    unittest.main()
