"""picklebridge.Pool against multiprocessing.Pool: same scenarios, same results and errors."""

import multiprocessing
import multiprocessing.pool
import threading
import time
import unittest
from concurrent.futures import CancelledError

import picklebridge

from . import pyfuncs
from .support import server_jar

# (python function for multiprocessing.Pool, Java worker for picklebridge.Pool)
SQUARE = (pyfuncs.square, "demo.square")
ABS = (abs, "demo.abs")
FLOORDIV = (pyfuncs.floordiv, "demo.floordiv")
ECHO = (pyfuncs.echo, "sys.echo")
SLEEP = (pyfuncs.sleep, "sys.sleep")
FAIL = (pyfuncs.fail, "sys.fail")
BAD_ARGUMENT = "java.lang.IllegalArgumentException"


class SideBySideTest(unittest.TestCase):
    """Each scenario runs on both pools; results, exception types and messages must agree."""

    @classmethod
    def setUpClass(cls):
        server_jar()
        cls.java = picklebridge.Pool(2)
        cls.python = multiprocessing.get_context("spawn").Pool(2)

    @classmethod
    def tearDownClass(cls):
        cls.python.terminate()
        cls.python.join()
        cls.java.terminate()

    def both(self, scenario, same_message=True):
        """Run scenario(pool, pick) on both pools; pick((py, java)) chooses the function.

        Java's own messages ("/ by zero") differ from CPython's, so errors raised by the
        JVM itself are compared by type only (same_message=False).
        """
        outcomes = []
        for pool, side in ((self.python, 0), (self.java, 1)):
            try:
                outcomes.append(("ok", scenario(pool, lambda pair: pair[side])))
            except Exception as exc:
                outcomes.append(("raised", type(exc), str(exc) if same_message else None))
        self.assertEqual(outcomes[0], outcomes[1])
        return outcomes[0]

    def test_map(self):
        self.assertEqual(self.both(lambda p, f: p.map(f(SQUARE), range(100))),
                         ("ok", [n * n for n in range(100)]))

    def test_map_with_large_chunk_replies(self):
        # each chunk's reply is larger than the client's 64 KiB read buffer: read from the
        # stream as it is unpickled, the slot given back when its head arrives
        items = [bytes([n % 256]) * 2000 for n in range(300)]
        self.assertEqual(self.both(lambda p, f: p.map(f(ECHO), items, chunksize=40)), ("ok", items))
        self.assertEqual(self.both(lambda p, f: list(p.imap(f(ECHO), items, chunksize=40))),
                         ("ok", items))
        self.assertEqual(self.both(lambda p, f: p.map_async(f(SQUARE), range(200000)).get(60)),
                         ("ok", [n * n for n in range(200000)]))

    def test_ramped_default_chunks_keep_results_order_and_errors(self):
        # 2 processes, 300000 items: the default chunksize (37500) is ramped at both ends
        # (chunks of 2343, 4687, ... items); results, their order and errors are the stdlib's
        items = list(range(-150000, 150000))
        for make in (lambda: items, lambda: tuple(items), lambda: iter(items)):
            self.assertEqual(self.both(lambda p, f: p.map(f(ABS), make())),
                             ("ok", [abs(n) for n in items]))
        pairs = [(n, 3) for n in range(300000)]
        for bad in (0, 1000, 150000, 299999):  # in the first, a ramp, a middle, the last chunk
            broken = pairs[:bad] + [(1, 0)] + pairs[bad + 1:]
            outcome = self.both(lambda p, f: p.starmap(f(FLOORDIV), broken), same_message=False)
            self.assertEqual(outcome[:2], ("raised", ZeroDivisionError))
        got = []
        self.java.map_async("demo.abs", items, callback=got.append).wait(60)
        self.assertEqual(got, [[abs(n) for n in items]])

    def test_ramped_chunk_bounds(self):
        from picklebridge.pool import _chunk_starts
        self.assertEqual(_chunk_starts(100, 7, False), range(0, 100, 7))
        self.assertEqual(_chunk_starts(300000, 37500, False), range(0, 300000, 37500))
        self.assertEqual(_chunk_starts(1000, 125, True), range(0, 1000, 125))  # small: even
        starts = _chunk_starts(1000000, 125000, True)
        sizes = [b - a for a, b in zip(starts, list(starts[1:]) + [1000000])]
        self.assertEqual(sizes[:4], [7812, 15625, 31250, 62500])
        self.assertEqual(sizes[-4:], [62500, 31250, 15625, 7812])
        self.assertLessEqual(max(sizes), 125000)
        self.assertEqual(sum(sizes), 1000000)

    def test_map_of_tuples_ranges_and_generators(self):
        for make in (lambda: tuple(range(50)), lambda: range(50), lambda: (n for n in range(50))):
            self.assertEqual(self.both(lambda p, f: p.map(f(SQUARE), make(), chunksize=7)),
                             ("ok", [n * n for n in range(50)]))

    def test_map_empty_and_explicit_chunksize(self):
        self.both(lambda p, f: p.map(f(SQUARE), []))
        self.both(lambda p, f: p.map(f(ABS), range(-20, 20), chunksize=3))
        self.both(lambda p, f: p.map(f(ABS), iter(range(-5, 5))))

    def test_starmap(self):
        self.both(lambda p, f: p.starmap(f(FLOORDIV), [(7, 2), (9, 3), (-7, 2)]))

    def test_apply_and_async_results(self):
        self.both(lambda p, f: p.apply(f(FLOORDIV), (17, 5)))
        self.both(lambda p, f: p.apply(f(FLOORDIV), (), {"a": 17, "b": 5}))
        self.both(lambda p, f: p.apply_async(f(SQUARE), (3,)).get(30))
        self.both(lambda p, f: p.map_async(f(SQUARE), range(10)).get(30))
        self.both(lambda p, f: p.starmap_async(f(FLOORDIV), [(1, 1)]).get(30))

    def test_errors_match(self):
        outcome = self.both(lambda p, f: p.apply(f(FLOORDIV), (1, 0)), same_message=False)
        self.assertEqual(outcome[:2], ("raised", ZeroDivisionError))
        outcome = self.both(lambda p, f: p.starmap(f(FLOORDIV), [(1, 1)] * 3 + [(1, 0)]),
                            same_message=False)
        self.assertEqual(outcome[:2], ("raised", ZeroDivisionError))
        outcome = self.both(lambda p, f: p.apply(f(FAIL), (BAD_ARGUMENT, "n must be positive")))
        self.assertEqual(outcome, ("raised", ValueError, "n must be positive"))
        # one argument where two are needed: TypeError on both sides
        outcome = self.both(lambda p, f: p.map_async(f(FAIL), [BAD_ARGUMENT]).get(30),
                            same_message=False)
        self.assertEqual(outcome[:2], ("raised", TypeError))

    def test_exception_cause_is_remote_traceback_on_both(self):
        for pool, func in ((self.python, pyfuncs.floordiv), (self.java, "demo.floordiv")):
            with self.assertRaises(ZeroDivisionError) as caught:
                pool.apply(func, (1, 0))
            self.assertIsInstance(caught.exception.__cause__, multiprocessing.pool.RemoteTraceback)

    def test_imap_and_imap_unordered(self):
        self.both(lambda p, f: list(p.imap(f(SQUARE), range(30))))
        self.both(lambda p, f: list(p.imap(f(SQUARE), range(30), chunksize=4)))
        self.both(lambda p, f: sorted(p.imap_unordered(f(SQUARE), range(30))))
        self.both(lambda p, f: sorted(p.imap_unordered(f(SQUARE), range(30), chunksize=7)))

    def test_imap_error_at_its_position(self):
        def scenario(pool, f):
            seen = []
            try:
                for value in pool.imap(f(SQUARE), [1, 2, None, 4]):
                    seen.append(value)
            except TypeError:
                return seen, "TypeError"
            return seen, None
        outcome = self.both(scenario)
        self.assertEqual(outcome, ("ok", ([1, 4], "TypeError")))

    def test_imap_of_a_raising_iterable(self):
        def numbers():
            yield 1
            yield 2
            raise KeyError("iterable broke")

        def scenario(pool, f):
            iterator = pool.imap(f(ECHO), numbers())
            got = [next(iterator), next(iterator)]
            try:
                next(iterator)
            except KeyError as exc:
                got.append(repr(exc))
            return got
        self.assertEqual(self.both(scenario), ("ok", [1, 2, "KeyError('iterable broke')"]))

    def test_imap_next_with_timeout(self):
        def scenario(pool, f):
            iterator = pool.imap(f(SLEEP), [0.5])
            events = []
            try:
                iterator.next(timeout=0.01)
            except multiprocessing.TimeoutError:
                events.append("timeout")
            events.append(iterator.next(timeout=30))
            try:
                iterator.next(timeout=30)
            except StopIteration:
                events.append("stop")
            return events
        self.assertEqual(self.both(scenario), ("ok", ["timeout", None, "stop"]))

    def test_chunksize_validation_messages(self):
        self.both(lambda p, f: p.imap(f(SQUARE), [1], chunksize=0))
        self.both(lambda p, f: p.imap_unordered(f(SQUARE), [1], chunksize=-1))

    def test_async_result_methods(self):
        def scenario(pool, f):
            result = pool.apply_async(f(SLEEP), (0.5,))
            events = [result.ready()]
            try:
                result.successful()
            except ValueError as exc:
                events.append(type(exc).__name__)
            try:
                result.get(0.01)
            except multiprocessing.TimeoutError as exc:
                events.append(type(exc).__name__)
            result.wait(30)
            events += [result.ready(), result.successful(), result.get()]
            return events
        self.assertEqual(self.both(scenario),
                         ("ok", [False, "ValueError", "TimeoutError", True, True, None]))

    def test_callbacks_run_on_a_result_thread(self):
        def scenario(pool, f):
            got = []
            done = threading.Event()

            def callback(value):
                got.append((value, threading.current_thread() is not threading.main_thread()))
                done.set()

            def error_callback(exc):
                got.append((type(exc).__name__, threading.current_thread() is not threading.main_thread()))
                done.set()
            pool.apply_async(f(SQUARE), (5,), callback=callback).wait(30)
            done.wait(30)
            done.clear()
            pool.apply_async(f(FLOORDIV), (1, 0), error_callback=error_callback).wait(30)
            done.wait(30)
            pool.map_async(f(SQUARE), [1, 2], callback=got.append).wait(30)
            return got
        self.assertEqual(self.both(scenario),
                         ("ok", [(25, True), ("ZeroDivisionError", True), [1, 4]]))


class PoolLifecycleTest(unittest.TestCase):
    """States and messages, compared to multiprocessing.Pool where they can be."""

    def setUp(self):
        server_jar()

    def test_constructor_validation_matches_stdlib(self):
        with self.assertRaises(ValueError) as stdlib:
            multiprocessing.pool.ThreadPool(0)
        with self.assertRaises(ValueError) as ours:
            picklebridge.Pool(0)
        self.assertEqual(str(stdlib.exception), str(ours.exception))
        for bad in (0, "x"):  # the stdlib's message since 3.9 (3.8 fails in the workers)
            with self.subTest(maxtasksperchild=bad):
                with self.assertRaisesRegex(ValueError, "^maxtasksperchild must be a positive int or None$"):
                    picklebridge.Pool(1, maxtasksperchild=bad)

    def test_states_and_messages(self):
        pool = picklebridge.Pool(2)
        self.assertIn("state=RUN pool_size=2", repr(pool))
        with self.assertRaises(ValueError) as caught:
            pool.join()
        self.assertEqual(str(caught.exception), "Pool is still running")
        pending = pool.map_async("demo.square", range(50))
        pool.close()
        with self.assertRaises(ValueError) as caught:
            pool.apply("sys.ping")
        self.assertEqual(str(caught.exception), "Pool not running")
        pool.join()
        self.assertEqual(pending.get(0), [n * n for n in range(50)])

    def test_with_terminates_and_cancels_work_in_the_jvm(self):
        with picklebridge.Pool(2) as pool:
            slow = pool.apply_async("sys.sleep", (60,))
            time.sleep(0.2)
        self.assertIn("state=TERMINATE", repr(pool))
        with self.assertRaises(CancelledError):
            slow.get(10)

    def test_initializer_is_a_worker_called_once(self):
        with picklebridge.Pool(1, initializer="sys.echo", initargs=(1,)) as pool:
            self.assertEqual(pool.apply("demo.square", (3,)), 9)
        with self.assertRaises(ValueError):
            picklebridge.Pool(1, initializer="sys.fail",
                              initargs=("java.lang.IllegalArgumentException", "bad init"))
        with self.assertRaisesRegex(TypeError, "initializer must be a Java worker"):
            picklebridge.Pool(1, initializer=print)

    def test_func_must_be_a_worker(self):
        with picklebridge.Pool(1) as pool:
            with self.assertRaisesRegex(TypeError, "worker name"):
                pool.map(abs, [1])
            self.assertEqual(pool.map(pool.jvm.demo.square, [2, 3]), [4, 9])

    def test_processes_bounds_concurrent_calls(self):
        with picklebridge.Pool(2) as pool:
            started = time.monotonic()
            pool.map("sys.sleep", [0.3] * 4, chunksize=1)
            self.assertGreaterEqual(time.monotonic() - started, 0.55)

    def test_imap_reads_the_iterable_lazily(self):
        consumed = []

        def numbers():
            for n in range(10_000):
                consumed.append(n)
                yield n

        with picklebridge.Pool(2) as pool:
            iterator = pool.imap("demo.square", numbers(), chunksize=10)
            first = [next(iterator) for _ in range(5)]
            time.sleep(0.3)  # give a greedy feeder time to run ahead
            self.assertEqual(first, [0, 1, 4, 9, 16])
            # window = 2 * processes + 2 chunks of 10, plus the chunk being read
            self.assertLessEqual(len(consumed), (2 * 2 + 2 + 2) * 10)
            self.assertEqual(sum(1 for _ in iterator), 10_000 - 5)
        self.assertEqual(len(consumed), 10_000)

    def test_several_pools_are_independent(self):
        with picklebridge.Pool(1) as first, picklebridge.Pool(1) as second:
            self.assertEqual(first.map("demo.square", [2]), second.map("demo.square", [2]))


if __name__ == "__main__":
    unittest.main()
