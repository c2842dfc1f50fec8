"""Quick start: a multiprocessing-style Pool whose workers are JVM threads.

Run from a checkout after building the jar:

    mvn -B -q -DskipTests package && python3 python-peer/examples/quickstart.py

``Pool()`` starts a private JVM running the bundled server over stdin/stdout pipes; nothing
else needs starting.  The code is the code you would write for ``multiprocessing.Pool``,
with Java worker names in place of Python functions.
"""

import os
import sys
import time

try:
    import picklebridge
except ImportError:  # running from a checkout without `pip install ./python-peer`
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import picklebridge

from picklebridge import Pool


def main() -> None:
    started = time.perf_counter()
    with Pool(4) as pool:
        ready = time.perf_counter()

        squares = pool.map("demo.square", range(10))
        print("squares:", squares)

        limits = [10 ** k for k in range(2, 8)]
        counts = pool.map(pool.jvm.demo.primes_below, limits)  # a CPU-bound Java worker
        for limit, count in zip(limits, counts):
            print("primes below %-9d %d" % (limit, count))

        total = sum(pool.imap_unordered("demo.square", range(100_000), chunksize=5_000))
        print("sum of 100,000 squares computed in the JVM:", total)

        try:
            pool.apply("demo.floordiv", (1, 0))
        except ZeroDivisionError as exc:
            print("a Java exception arrives as a Python one:", repr(exc))
        finished = time.perf_counter()

    print("JVM start %.2f s, work %.2f s, total %.2f s (picklebridge %s)"
          % (ready - started, finished - ready, time.perf_counter() - started,
             picklebridge.__version__))


if __name__ == "__main__":
    main()
