"""Time CPython's C pickle (``_pickle``) on the benchmark payloads; print JSON to stdout.

``python3 cpython_bench.py DIR [SECONDS]``: for every ``DIR/<name>.pickle``, the mean time of
``pickle.loads(data)`` and of ``pickle.dumps(value, 5)`` per call, in microseconds, as JMH's
average-time mode reports it. Garbage collection stays enabled (as in a real program and in the
JVM). Each operation runs for about SECONDS (default 2) after one warm-up call; the best of
three rounds is kept.
"""
import gc
import json
import os
import pickle
import sys
import time

NAMES = ["rpc", "ints", "floats", "strings", "dicts", "bytes"]


def mean_micros(operation, seconds):
    operation()  # warm up: caches, allocator arenas
    best = None
    for _ in range(3):
        calls = 0
        start = time.perf_counter()
        elapsed = 0.0
        while elapsed < seconds / 3 or calls < 2:
            operation()
            calls += 1
            elapsed = time.perf_counter() - start
        per_call = elapsed / calls * 1e6
        best = per_call if best is None else min(best, per_call)
    return best


def main(directory, seconds):
    gc.enable()
    results = {"python": sys.version.split()[0], "unit": "us/op", "payloads": {}}
    for name in NAMES:
        with open(os.path.join(directory, name + ".pickle"), "rb") as source:
            data = source.read()
        value = pickle.loads(data)
        results["payloads"][name] = {
            "bytes": len(data),
            "decode": mean_micros(lambda: pickle.loads(data), seconds),
            "encode": mean_micros(lambda: pickle.dumps(value, 5), seconds),
        }
        print("cpython %-8s decode %12.1f us  encode %12.1f us" % (
            name, results["payloads"][name]["decode"], results["payloads"][name]["encode"]), file=sys.stderr)
    json.dump(results, sys.stdout, indent=2)


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 2.0)
