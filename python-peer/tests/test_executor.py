"""JavaExecutor as a concurrent.futures.Executor."""

import concurrent.futures
import time
import unittest

import picklebridge

from .support import server_jar


class JavaExecutorTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        server_jar()

    def test_submit_map_and_as_completed(self):
        with picklebridge.JavaExecutor(max_workers=2) as executor:
            futures = [executor.submit("demo.square", n) for n in range(10)]
            done = {f.result() for f in concurrent.futures.as_completed(futures, timeout=30)}
            self.assertEqual(done, {n * n for n in range(10)})
            self.assertEqual(list(executor.map("demo.add", range(5), range(5), chunksize=2)),
                             [0, 2, 4, 6, 8])
            self.assertEqual(executor.submit(executor.jvm.sys.echo, "x").result(30), "x")

    def test_map_timeout(self):
        with picklebridge.JavaExecutor(max_workers=1) as executor:
            results = executor.map("sys.sleep", [5], timeout=0.2)
            with self.assertRaises(concurrent.futures.TimeoutError):
                list(results)
            executor.shutdown(wait=True, cancel_futures=True)

    def test_shutdown_cancel_futures_and_errors(self):
        executor = picklebridge.JavaExecutor(max_workers=1)
        running = executor.submit("sys.sleep", 0.5)
        queued = [executor.submit("sys.sleep", 10) for _ in range(3)]
        time.sleep(0.1)
        executor.shutdown(wait=True, cancel_futures=True)
        self.assertIsNone(running.result(0))
        self.assertTrue(all(future.cancelled() for future in queued))
        with self.assertRaisesRegex(RuntimeError, "after shutdown"):
            executor.submit("sys.ping")

    def test_error_propagates(self):
        with picklebridge.JavaExecutor(max_workers=1) as executor:
            future = executor.submit("demo.floordiv", 1, 0)
            self.assertIsInstance(future.exception(30), ZeroDivisionError)


if __name__ == "__main__":
    unittest.main()
