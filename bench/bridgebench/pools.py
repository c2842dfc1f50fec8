"""Rows 3, 4 and 6: ``picklebridge.Pool`` (a private JVM over pipes) beside ``multiprocessing.Pool``.

Both pools get the same ``processes`` and the same default chunksize formula; each map's
result is checked against the other's. Cold starts run in fresh interpreters::

    >>> rows = pool_rows(context)
"""

import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from typing import Dict, List

import picklebridge

from .settings import Context
from .table import Row, Target

__all__ = ["pool_rows", "primes_below", "primes_below_sliced"]


def primes_below(n: int) -> int:
    """How many primes are below ``n``: demo.primes_below's sieve, line for line."""
    if n < 3:
        return 0
    composite = bytearray(n)
    count = 0
    for i in range(2, n):
        if composite[i]:
            continue
        count += 1
        if i * i < n:
            for j in range(i * i, n, i):
                composite[j] = 1
    return count


def primes_below_sliced(n: int) -> int:
    """The same sieve with the inner loop as a slice assignment (how Python is usually written)."""
    if n < 3:
        return 0
    composite = bytearray(n)
    count = 0
    for i in range(2, n):
        if composite[i]:
            continue
        count += 1
        if i * i < n:
            composite[i * i::i] = b"\x01" * len(range(i * i, n, i))
    return count


def _map_rows(context: Context) -> List[Row]:
    scale = context.scale
    processes = scale.map_processes
    data = list(range(-(scale.map_items // 2), scale.map_items - scale.map_items // 2))
    expected_sum = sum(abs(x) for x in data)
    primes_items = [scale.primes_n + 97 * i for i in range(scale.primes_items)]
    rates: Dict[str, List[float]] = {"ours": [], "mp": []}
    cpu: Dict[str, float] = {}
    context.log("rows 3, 4: picklebridge.Pool(%d) (private JVM) vs multiprocessing.Pool(%d); "
                "%d ints, %d prime counts below ~%d" % (processes, processes, len(data),
                                                        len(primes_items), scale.primes_n))
    # multiprocessing forks its workers first, before the JVM's pipes exist.
    with multiprocessing.Pool(processes) as mp, picklebridge.Pool(processes) as ours:
        # Untimed maps first, three per side: the JVM compiles the hot paths (the first map
        # runs partly interpreted, the second still compiling), both pools warm up.
        if ours.map("demo.abs", data) != mp.map(abs, data):
            raise AssertionError("demo.abs and abs disagree")
        for _ in range(2):
            ours.map("demo.abs", data)
            mp.map(abs, data)
        for _ in range(scale.rounds):
            for name, run in (("ours", lambda: ours.map("demo.abs", data)),
                              ("mp", lambda: mp.map(abs, data))):
                start = time.perf_counter()
                result = run()
                rates[name].append(len(data) / (time.perf_counter() - start))
                if len(result) != len(data) or sum(result) != expected_sum:
                    raise AssertionError("%s map returned a wrong result" % name)
                del result
        # Row 4: a warm-up map of a few items, then the timed one, each side.
        java_counts = ours.map("demo.primes_below", primes_items[:4])
        start = time.perf_counter()
        java_counts = ours.map("demo.primes_below", primes_items)
        cpu["ours"] = time.perf_counter() - start
        start = time.perf_counter()
        python_counts = mp.map(primes_below, primes_items)
        cpu["mp"] = time.perf_counter() - start
        start = time.perf_counter()
        sliced_counts = mp.map(primes_below_sliced, primes_items)
        cpu["mp_sliced"] = time.perf_counter() - start
        if not java_counts == python_counts == sliced_counts:
            raise AssertionError("prime counts disagree: %r / %r / %r"
                                 % (java_counts[:3], python_counts[:3], sliced_counts[:3]))
    items = len(primes_items)
    return [
        Row("3", "Pool.map demo.abs vs abs, %s ints, %d processes" % (format(len(data), ","), processes),
            "items/s", round(statistics.median(rates["ours"])), round(statistics.median(rates["mp"])),
            "multiprocessing.Pool", Target.at_least(1.5),
            details={"ours_rounds": [round(r) for r in rates["ours"]],
                     "mp_rounds": [round(r) for r in rates["mp"]]}),
        Row("4", "CPU-bound Pool.map, primes below ~%s x %d, loop sieve" % (format(scale.primes_n, ","), items),
            "items/s", round(items / cpu["ours"], 1), round(items / cpu["mp"], 1),
            "multiprocessing.Pool", Target.report_only(),
            details={"ours_s": round(cpu["ours"], 3), "mp_s": round(cpu["mp"], 3)}),
        Row("4", "CPU-bound Pool.map, same, Python sieve with slice assignment",
            "items/s", round(items / cpu["ours"], 1), round(items / cpu["mp_sliced"], 1),
            "multiprocessing.Pool", Target.report_only(),
            details={"ours_s": round(cpu["ours"], 3), "mp_s": round(cpu["mp_sliced"], 3)}),
    ]


_OUR_START = """
import json, time
start = time.perf_counter()
import picklebridge
imported = time.perf_counter()
pool = picklebridge.Pool(%(processes)d)
value = pool.apply("demo.square", (7,))
first = time.perf_counter()
pool.terminate()
assert value == 49, value
print(json.dumps({"import_s": imported - start, "first_result_s": first - imported}))
"""

_MP_START = """
import json, time
start = time.perf_counter()
import multiprocessing
imported = time.perf_counter()
if __name__ == "__main__":
    pool = multiprocessing.Pool(%(processes)d)
    value = pool.apply(abs, (-49,))
    first = time.perf_counter()
    pool.terminate()
    assert value == 49, value
    print(json.dumps({"import_s": imported - start, "first_result_s": first - imported}))
"""


def _fresh_start(code: str) -> Dict[str, float]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, env=os.environ.copy())
    if out.returncode != 0:
        raise RuntimeError("cold start run failed (%d): %s" % (out.returncode, out.stderr[-2000:]))
    return json.loads(out.stdout.strip().splitlines()[-1])


def _cold_start_row(context: Context) -> Row:
    processes = context.scale.map_processes
    ours_code = _OUR_START % {"processes": processes}
    mp_code = _MP_START % {"processes": processes}
    context.log("row 6: cold start, %d fresh interpreters per side (after one untimed each: "
                "it writes the class-data archive)" % context.scale.cold_runs)
    _fresh_start(ours_code)
    _fresh_start(mp_code)
    runs: Dict[str, List[Dict[str, float]]] = {"ours": [], "mp": []}
    for _ in range(context.scale.cold_runs):
        runs["ours"].append(_fresh_start(ours_code))
        runs["mp"].append(_fresh_start(mp_code))
    ours = statistics.median(r["first_result_s"] for r in runs["ours"])
    mp = statistics.median(r["first_result_s"] for r in runs["mp"])
    return Row("6", "cold start: Pool(%d) to first result, pipe mode" % processes, "s",
               round(ours, 3), round(mp, 3), "multiprocessing.Pool", Target.absolute_at_most(0.7, "s"),
               note="median of %d fresh interpreters; import time excluded" % context.scale.cold_runs,
               details={"ours_runs_s": [round(r["first_result_s"], 3) for r in runs["ours"]],
                        "mp_runs_s": [round(r["first_result_s"], 3) for r in runs["mp"]],
                        "ours_import_s": round(statistics.median(r["import_s"] for r in runs["ours"]), 3),
                        "mp_import_s": round(statistics.median(r["import_s"] for r in runs["mp"]), 3)})


def pool_rows(context: Context) -> List[Row]:
    """Rows 3, 4 (map throughput, CPU-bound map) and 6 (cold start)."""
    return _map_rows(context) + [_cold_start_row(context)]
