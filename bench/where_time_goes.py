#!/usr/bin/env python3
"""Profile one benchmark workload: CPU per process, cProfile of every Python thread, JFR.

    python3 bench/where_time_goes.py latency --transport unix   # sync sys.echo calls
    python3 bench/where_time_goes.py pipelined --transport pipe
    python3 bench/where_time_goes.py map                        # Pool.map("demo.abs", 1M ints)
    python3 bench/where_time_goes.py bytes --mib 16 --transport tcp

It prints the CPU seconds of this Python process and of the JVM per call (or per item)
beside the same workload against the Python floor (or multiprocessing.Pool), the top
functions of a cProfile run over all client threads, and the JVM's hot methods from a
Flight Recorder recording (``-XX:StartFlightRecording``, settings=profile). The jar is found
as by bench/run.py.
"""

import argparse
import collections
import os
import sys
import tempfile
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(os.path.dirname(BENCH_DIR), "python-peer"), BENCH_DIR]

import picklebridge  # noqa: E402
from picklebridge.jvm import DEFAULT_JVM_OPTIONS  # noqa: E402

from bridgebench.calls import SMALL_TUPLE, FloorSide  # noqa: E402
from bridgebench.processes import FloorServer, JavaServer  # noqa: E402
from bridgebench.profiling import (LOG_TO_STDERR, CpuSplit, ThreadProfile, jfr_hot_methods, jfr_option,
                                   thread_cpu_delta, thread_cpu_seconds)  # noqa: E402
from run import find_jar  # noqa: E402


def _workload(name: str, args):
    """(ours(client), floor(FloorSide), units) for a call workload."""
    if name == "latency":
        return (lambda c: [c.call("sys.echo", SMALL_TUPLE) for _ in range(args.count)],
                lambda f: [f.sync_call() for _ in range(args.count)], args.count)
    if name == "pipelined":
        def ours(client):
            in_flight = collections.deque()
            for _ in range(args.count):
                in_flight.append(client.call_async("sys.echo", SMALL_TUPLE))
                if len(in_flight) >= 128:
                    in_flight.popleft().result()
            while in_flight:
                in_flight.popleft().result()
        return ours, lambda f: f.pipelined(args.count, 128), args.count
    data = bytes(range(256)) * (args.mib * 4096)
    reps = max(1, args.count // 1000)
    return (lambda c: [c.call("sys.echo", data) for _ in range(reps)],
            lambda f: [f.echo(data) for _ in range(reps)], reps)


def profile_calls(args, workdir: str) -> None:
    recording = os.path.join(workdir, "server.jfr")
    jvm_options = [jfr_option(recording), LOG_TO_STDERR] if args.jfr else []
    ours_work, floor_work, units = _workload(args.workload, args)
    with JavaServer(find_jar(""), workdir, jvm_options=jvm_options) as server:
        def connect():
            if args.transport in ("pipe", "socketpair"):
                os.environ["PICKLEBRIDGE_CDS"] = "0" if args.jfr else os.environ.get("PICKLEBRIDGE_CDS", "1")
                client = picklebridge.connect(None, jvm_options=list(DEFAULT_JVM_OPTIONS) + jvm_options,
                                              pipe_transport="pipes" if args.transport == "pipe" else "socketpair")
                return client, client.connections[0].process.pid
            address = server.tcp if args.transport == "tcp" else server.unix
            return picklebridge.connect(address, authkey=server.authkey), server.pid

        client, jvm_pid = connect()
        with client:
            ours_work(client)  # warm-up
            threads_before = thread_cpu_seconds(jvm_pid)
            with CpuSplit({"python": os.getpid(), "jvm": jvm_pid}) as ours_cpu:
                ours_work(client)
            jvm_threads = thread_cpu_delta(threads_before, thread_cpu_seconds(jvm_pid))
            if args.cprofile:
                # A second client, started under the profiler so its reader thread is seen too.
                with ThreadProfile() as profile:
                    other, _ = connect() if args.transport in ("tcp", "unix") else (client, None)
                    ours_work(other)
                if other is not client:
                    other.close()
        with FloorServer(args.transport, workdir) as floor:
            side = FloorSide(floor)
            floor_work(side)
            with CpuSplit({"python": os.getpid(), "floor": floor.pid}) as floor_cpu:
                floor_work(side)
    _print_split(args, units, {"ours": ours_cpu.seconds, "floor": floor_cpu.seconds})
    _print_threads(units, jvm_threads)
    if args.cprofile:
        print("\ncProfile, all picklebridge client threads (a separate run):")
        print(profile.top(args.top))
    if args.jfr:
        if args.transport in ("pipe", "socketpair"):
            time.sleep(1.0)
        print("\nJFR of the JVM (%s):" % recording)
        print(jfr_hot_methods(recording, args.top))


def profile_map(args, workdir: str) -> None:
    import multiprocessing
    recording = os.path.join(workdir, "pool.jfr")
    data = list(range(-(args.items // 2), args.items - args.items // 2))
    options = list(DEFAULT_JVM_OPTIONS) + ([jfr_option(recording), LOG_TO_STDERR] if args.jfr else [])
    if args.jfr:
        os.environ["PICKLEBRIDGE_CDS"] = "0"
    profile = None
    with multiprocessing.Pool(2) as mp:
        with picklebridge.Pool(2, jvm_options=options) as ours:
            jvm_pid = ours.client.connections[0].process.pid
            ours.map("demo.abs", data)
            ours.map("demo.abs", data)
            threads_before = thread_cpu_seconds(jvm_pid)
            with CpuSplit({"python": os.getpid(), "jvm": jvm_pid}) as ours_cpu:
                ours.map("demo.abs", data)
            jvm_threads = thread_cpu_delta(threads_before, thread_cpu_seconds(jvm_pid))
            ours.close()
            ours.join()
        if args.cprofile:
            # A second pool started under the profiler, so that its sender, result and reader
            # threads are profiled too (a JVM of its own, without the recording).
            with ThreadProfile() as profile:
                with picklebridge.Pool(2) as profiled:
                    profiled.map("demo.abs", data)
                    profiled.map("demo.abs", data)
        mp.map(abs, data)
        with CpuSplit({"python": os.getpid(), "workers": [p.pid for p in mp._pool]}) as mp_cpu:
            mp.map(abs, data)
    _print_split(args, len(data), {"ours": ours_cpu.seconds, "multiprocessing": mp_cpu.seconds})
    _print_threads(len(data), jvm_threads)
    if profile:
        print("\ncProfile, all threads of a second picklebridge Pool (start and two maps):")
        print(profile.top(args.top))
    if args.jfr:
        print("\nJFR of the JVM (%s):" % recording)
        print(jfr_hot_methods(recording, args.top))


def _print_threads(units: int, threads) -> None:
    print("  JVM CPU by thread: " + ", ".join("%s %.3g us/unit" % (name, 1e6 * s / units)
                                             for name, s in list(threads.items())[:8]))


def _print_split(args, units: int, splits) -> None:
    print("%s, %s units (%s):" % (args.workload, format(units, ","),
                                  getattr(args, "transport", "pipe")))
    for side, seconds in splits.items():
        wall = seconds["wall"]
        parts = ", ".join("%s %.3g us/unit (%.0f%% of wall)" % (name, 1e6 * s / units, 100 * s / wall)
                          for name, s in seconds.items() if name != "wall")
        print("  %-16s wall %.3g us/unit (%.3f s); CPU: %s" % (side, 1e6 * wall / units, wall, parts))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workload", choices=("latency", "pipelined", "map", "bytes"))
    parser.add_argument("--transport", choices=("tcp", "unix", "pipe", "socketpair"), default="unix")
    parser.add_argument("--count", type=int, default=10000, help="calls (bytes: 1000 per echo)")
    parser.add_argument("--items", type=int, default=1_000_000, help="map: ints")
    parser.add_argument("--mib", type=int, default=16, help="bytes: payload size")
    parser.add_argument("--no-jfr", dest="jfr", action="store_false")
    parser.add_argument("--no-cprofile", dest="cprofile", action="store_false")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    os.environ["PICKLEBRIDGE_JAR"] = find_jar("")
    with tempfile.TemporaryDirectory(prefix="pbprofile-") as workdir:
        if args.workload == "map":
            profile_map(args, workdir)
        else:
            profile_calls(args, workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
