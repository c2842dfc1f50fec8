#!/usr/bin/python3
"""Bench row "numpy": echo a 64 MiB float64 ndarray and a 1M-row DataFrame through the bridge,
against the Python floor (the same objects echoed by a Python peer over
multiprocessing.connection, on the same kind of socket).

    /usr/bin/python3 bench/numpy_row.py                  # full sizes, 5 round trips each
    /usr/bin/python3 bench/numpy_row.py --quick          # 8 MiB / 100k rows, 3 round trips
    /usr/bin/python3 bench/numpy_row.py --json out.json  # also write the rows as JSON

Needs numpy and pandas (Debian's python3-numpy / python3-pandas install them for
/usr/bin/python3); without them it prints why and exits 0, so a bench run elsewhere skips it.
Uses the server jar at ``--jar``, else ``$PICKLEBRIDGE_JAR``, else the checkout's
``bridge-server/target/bridge-server.jar``. Both sides run a private peer over one end of a
socketpair (the bridge's default pipe transport); the figure is the median round trip.
The bridge is measured twice when the server offers it: with protocol 5 out-of-band buffers
(capability "oob", the default) and with everything in band.
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
CHECKOUT = os.path.dirname(BENCH_DIR)
sys.path[:0] = [os.path.join(CHECKOUT, "python-peer")]

try:
    import numpy as np
    import pandas as pd
except ImportError as e:  # pragma: no cover - depends on the machine
    print("numpy_row: skipped, %s (install python3-numpy python3-pandas and use /usr/bin/python3)" % e)
    sys.exit(0)

from multiprocessing.connection import Connection  # noqa: E402

import picklebridge  # noqa: E402

NUMPY_ALLOW = [
    "numpy.dtype", "numpy.ndarray", "numpy.core.multiarray._reconstruct", "numpy.core.multiarray.scalar",
    "numpy.core.numeric._frombuffer", "pandas.core.frame.DataFrame", "pandas.core.series.Series",
    "pandas.core.internals.managers.BlockManager", "pandas.core.internals.managers.SingleBlockManager",
    "pandas._libs.internals._unpickle_block", "pandas.core.indexes.base._new_Index",
    "pandas.core.indexes.base.Index", "pandas.core.indexes.range.RangeIndex",
]


def objects(quick: bool):
    n = (1 << 20) if quick else (8 << 20)          # float64 items: 8 MiB or 64 MiB
    rows = 100_000 if quick else 1_000_000
    rng = np.random.default_rng(7)
    array = rng.random(n)
    frame = pd.DataFrame({
        "x": rng.random(rows),
        "n": np.arange(rows, dtype="i8"),
        "f": rng.random(rows).astype("f4"),
        "ok": rng.random(rows) > 0.5,
    })
    return [("ndarray %d MiB float64" % (array.nbytes >> 20), array, np.array_equal),
            ("DataFrame %d rows x 4 (%d MiB)" % (rows, frame.memory_usage().sum() >> 20), frame,
             lambda a, b: a.equals(b))]


def timed(echo, value, same, repeats):
    back = echo(value)
    if not same(value, back):
        raise AssertionError("echo returned a different value")
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        echo(value)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class Floor:
    """A Python peer echoing over multiprocessing.connection on a socketpair (bridgebench/floor_echo.py)."""

    def __init__(self):
        ours, theirs = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(BENCH_DIR, "bridgebench", "floor_echo.py"), "stdio"],
            stdin=theirs, stdout=theirs)
        theirs.close()
        self.conn = Connection(ours.detach())  # the Connection owns the descriptor now
        self.ids = 0

    def echo(self, value):
        self.ids += 1
        self.conn.send(("call", self.ids, "sys.echo", (value,), {}))
        return self.conn.recv()[2]

    def close(self):
        self.conn.close()
        self.process.wait(30)


def find_jar(given):
    for candidate in (given, os.environ.get("PICKLEBRIDGE_JAR"),
                      os.path.join(CHECKOUT, "bridge-server", "target", "bridge-server.jar")):
        if candidate and os.path.isfile(candidate):
            return os.path.abspath(candidate)
    sys.exit("numpy_row: no server jar; build it: mvn -B -q -DskipTests package -pl bridge-server -am")


def bridge_client(jar, out_of_band):
    options = dict(jar=jar, allow=NUMPY_ALLOW)
    try:
        return picklebridge.connect(out_of_band=out_of_band, **options)
    except TypeError:  # a client without the option: it decides itself
        if out_of_band is False:
            return None
        return picklebridge.connect(**options)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jar")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int)
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 5)
    jar = find_jar(args.jar)
    cases = objects(args.quick)

    floor = Floor()
    try:
        floor_times = [timed(floor.echo, value, same, repeats) for _, value, same in cases]
    finally:
        floor.close()

    bridges = {}
    for label, oob in (("bridge, out of band", True), ("bridge, in band", False)):
        client = bridge_client(jar, oob)
        if client is None:
            continue
        with client:
            offered = "oob" in client.server_info.get("capabilities", ())
            if oob and not offered:
                label = "bridge (server without oob)"
            echo = lambda v, c=client: c.call("sys.echo", v)  # noqa: E731
            bridges[label] = [timed(echo, value, same, repeats) for _, value, same in cases]
            if oob and not offered:
                break

    rows = []
    print("%-34s %-28s %10s %10s %7s" % ("object", "peer", "ms", "floor ms", "ratio"))
    for i, (name, _, _) in enumerate(cases):
        for label, times in bridges.items():
            ratio = times[i] / floor_times[i]
            rows.append({"object": name, "peer": label, "ms": round(times[i] * 1e3, 1),
                         "floor_ms": round(floor_times[i] * 1e3, 1), "ratio": round(ratio, 2)})
            print("%-34s %-28s %10.1f %10.1f %7.2f" % (name, label, times[i] * 1e3, floor_times[i] * 1e3, ratio))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"row": "numpy", "repeats": repeats, "quick": args.quick, "rows": rows}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
