"""Rows 1, 2 and 5: one connection's calls against the floor, over tcp, unix, pipe, socketpair.

Ours is ``picklebridge.connect(...)`` calling ``sys.echo`` in the Java server; the floor is
:mod:`.floor_echo` answering the same message with the same framing and pickle. The two
alternate in ``scale.rounds`` rounds, so a change in the machine's load hits both::

    >>> rows = call_rows(context)      # latency median and p99, pipelined calls/s, bytes MiB/s
"""

import collections
import statistics
import threading
import time
from typing import Callable, Dict, List

from multiprocessing.connection import Client as StdlibClient

import picklebridge
from picklebridge.jvm import JavaProcess

from .floor_echo import set_nodelay
from .processes import FloorServer, JavaServer
from .settings import Context
from .table import Row, Target

__all__ = ["call_rows", "SMALL_TUPLE", "percentile"]

SMALL_TUPLE = (1, "two", 3.0)
TRANSPORTS = ("tcp", "unix", "pipe", "socketpair")


def percentile(sorted_values: List[float], fraction: float) -> float:
    """The value below which ``fraction`` of the sorted values lie (nearest rank)."""
    index = min(len(sorted_values) - 1, max(0, int(round(fraction * len(sorted_values))) - 1))
    return sorted_values[index]


def _timed_calls(call: Callable[[], object], count: int) -> List[float]:
    """Microseconds of each of ``count`` calls."""
    clock = time.perf_counter_ns
    out = []
    append = out.append
    for _ in range(count):
        start = clock()
        call()
        append((clock() - start) / 1000.0)
    return out


# -- the two sides ---------------------------------------------------------------------------

class OurSide:
    """A picklebridge client on one transport."""

    def __init__(self, client: "picklebridge.Client"):
        self.client = client

    def sync_call(self) -> object:
        return self.client.call("sys.echo", SMALL_TUPLE)

    def echo(self, value: object) -> object:
        return self.client.call("sys.echo", value)

    def pipelined(self, count: int, window: int) -> float:
        """Calls per second with ``window`` ``call_async`` in flight."""
        call_async = self.client.call_async
        in_flight: "collections.deque" = collections.deque()
        start = time.perf_counter()
        for _ in range(count):
            in_flight.append(call_async("sys.echo", SMALL_TUPLE))
            if len(in_flight) >= window:
                in_flight.popleft().result()
        while in_flight:
            in_flight.popleft().result()
        return count / (time.perf_counter() - start)


class FloorSide:
    """The stdlib client of the floor: send, then receive, in the calling thread."""

    def __init__(self, floor: FloorServer):
        self.reader = floor.reader
        self.writer = floor.writer
        self.next_id = 0

    def sync_call(self) -> object:
        self.next_id += 1
        self.writer.send(("call", self.next_id, "sys.echo", (SMALL_TUPLE,), {}))
        return self.reader.recv()[2]

    def echo(self, value: object) -> object:
        self.next_id += 1
        self.writer.send(("call", self.next_id, "sys.echo", (value,), {}))
        return self.reader.recv()[2]

    def pipelined(self, count: int, window: int) -> float:
        """Calls per second: a sender thread keeps ``window`` calls in flight, this one reads.

        (Faster here than one thread alternating sends and reads, so the floor is its best.)
        """
        slots = threading.Semaphore(window)
        send, recv = self.writer.send, self.reader.recv
        first = self.next_id

        def sender() -> None:
            for i in range(count):
                slots.acquire()
                send(("call", first + i, "sys.echo", (SMALL_TUPLE,), {}))

        start = time.perf_counter()
        thread = threading.Thread(target=sender, name="bench-floor-sender")
        thread.start()
        for _ in range(count):
            recv()
            slots.release()
        elapsed = time.perf_counter() - start
        thread.join()
        self.next_id += count
        return count / elapsed


# -- rows ------------------------------------------------------------------------------------

def _latency_and_pipelining(ours, floor, context: Context) -> Dict[str, object]:
    scale = context.scale
    for side in (ours, floor):
        for _ in range(scale.latency_warmup):
            side.sync_call()
        if side.sync_call() != SMALL_TUPLE:
            raise AssertionError("echo returned %r" % (side.sync_call(),))
    per_round = max(1, scale.latency_calls // scale.rounds)
    samples: Dict[str, List[float]] = {"ours": [], "floor": []}
    rates: Dict[str, List[float]] = {"ours": [], "floor": []}
    per_round_pipelined = max(scale.pipeline_window, scale.pipelined_calls // scale.rounds)
    for side in (ours, floor):  # the pipelined path is warmed up too (the JVM compiles it)
        side.pipelined(per_round_pipelined, scale.pipeline_window)
    for _ in range(scale.rounds):
        samples["ours"] += _timed_calls(ours.sync_call, per_round)
        samples["floor"] += _timed_calls(floor.sync_call, per_round)
        rates["ours"].append(ours.pipelined(per_round_pipelined, scale.pipeline_window))
        rates["floor"].append(floor.pipelined(per_round_pipelined, scale.pipeline_window))
    out: Dict[str, object] = {}
    for side in ("ours", "floor"):
        values = sorted(samples[side])
        out[side] = {"median_us": statistics.median(values), "p99_us": percentile(values, 0.99),
                     "calls": len(values), "pipelined_per_s": statistics.median(rates[side]),
                     "pipelined_rounds": [round(r) for r in rates[side]]}
    return out


def _bytes_echo(ours, floor, context: Context) -> Dict[int, Dict[str, float]]:
    """MiB/s of payload per round trip (median of the echoes), per size."""
    out = {}
    for size_mib, reps in zip(context.scale.bytes_sizes_mib, context.scale.bytes_reps):
        data = bytes(range(256)) * (size_mib * 4096)
        times: Dict[str, List[float]] = {"ours": [], "floor": []}
        # Untimed echoes of each size first, on both sides, until about 64 MiB went through
        # (at least one): the JVM compiles the large-frame paths, both sides size their buffers.
        warmup = max(1, 64 // size_mib)
        for rep in range(reps + warmup):
            for name, side in (("ours", ours), ("floor", floor)):
                start = time.perf_counter()
                echoed = side.echo(data)
                elapsed = time.perf_counter() - start
                if len(echoed) != len(data) or (rep == 0 and echoed != data):
                    raise AssertionError("%s echoed %d bytes, not the %d sent"
                                         % (name, len(echoed), len(data)))
                del echoed
                if rep >= warmup:
                    times[name].append(elapsed)
        out[size_mib] = {name: size_mib / statistics.median(values)
                         for name, values in times.items()}
        out[size_mib]["echoes"] = reps
        del data
    return out


class StdlibToJava:
    """A stdlib ``multiprocessing.connection`` client of our Java server: the floor's client
    code against our server, which splits our gap into the server's share and the client's."""

    def __init__(self, transport: str, server: JavaServer):
        self.process = None
        if transport in ("pipe", "socketpair"):
            self.process = JavaProcess(transport="pipes" if transport == "pipe" else transport)
            self.reader, self.writer = self.process.start()
        elif transport == "tcp":
            host, port = server.tcp[len("tcp://"):].rsplit(":", 1)
            self.reader = self.writer = StdlibClient((host, int(port)), "AF_INET", authkey=server.authkey)
            set_nodelay(self.reader)
        else:
            self.reader = self.writer = StdlibClient(server.unix[len("unix://"):], "AF_UNIX",
                                                     authkey=server.authkey)

    def __enter__(self) -> "StdlibToJava":
        return self

    def __exit__(self, *exc_info: object) -> None:
        for conn in {id(c): c for c in (self.reader, self.writer)}.values():
            conn.close()
        if self.process is not None:
            self.process.stop()


def _split(ours_by_stdlib, floor, context: Context) -> Dict[str, float]:
    """Latency median and pipelined rate of the stdlib client against our server."""
    scale = context.scale
    for _ in range(scale.latency_warmup // 2):
        ours_by_stdlib.sync_call()
    values = sorted(_timed_calls(ours_by_stdlib.sync_call, max(1, scale.latency_calls // 2)))
    count = max(scale.pipeline_window, scale.pipelined_calls // scale.rounds)
    ours_by_stdlib.pipelined(count, scale.pipeline_window)  # warm-up
    rate = ours_by_stdlib.pipelined(count, scale.pipeline_window)
    return {"median_us": statistics.median(values), "p99_us": percentile(values, 0.99),
            "pipelined_per_s": rate}


def _our_client(transport: str, server: JavaServer) -> "picklebridge.Client":
    if transport in ("pipe", "socketpair"):  # a private JVM, the package's default options
        return picklebridge.connect(None, pipe_transport="pipes" if transport == "pipe" else transport)
    address = server.tcp if transport == "tcp" else server.unix
    return picklebridge.connect(address, authkey=server.authkey)


def call_rows(context: Context) -> List[Row]:
    """Rows 1 (latency), 2 (pipelined) and 5 (bytes; not over unix, which is like socketpair).

    ``socketpair`` is the default of ``connect()``/``Pool()``: one end of a socketpair as the
    private JVM's stdin and stdout; ``pipe`` is ``pipe_transport="pipes"``: two plain pipes.
    """
    results: Dict[str, Dict[str, object]] = {}
    bytes_results: Dict[str, Dict[int, Dict[str, float]]] = {}
    with JavaServer(context.jar, context.workdir, java=context.java) as server:
        for transport in TRANSPORTS:
            private = transport in ("pipe", "socketpair")
            context.log("rows 1, 2, 5: %s (ours: %s; floor: python %s)"
                        % (transport, "private JVM" if private else "java -jar server",
                           "child over stdin/stdout" if private else "Listener"))
            with _our_client(transport, server) as client, \
                    FloorServer(transport, context.workdir) as floor:
                ours, reference = OurSide(client), FloorSide(floor)
                results[transport] = _latency_and_pipelining(ours, reference, context)
                with StdlibToJava(transport, server) as stdlib_to_java:
                    results[transport]["split"] = _split(FloorSide(stdlib_to_java), reference,
                                                         context)
                if transport in ("tcp", "pipe", "socketpair"):
                    bytes_results[transport] = _bytes_echo(ours, reference, context)
    return _rows_from(results, bytes_results, context)


def _rows_from(results, bytes_results, context: Context) -> List[Row]:
    rows = []
    for transport in TRANSPORTS:
        ours, floor = results[transport]["ours"], results[transport]["floor"]
        details = {"ours": ours, "floor": floor}
        rows.append(Row("1", "sync call latency median, %s" % transport, "us",
                        round(ours["median_us"], 1), round(floor["median_us"], 1),
                        "python floor", Target.at_most(1.3), details=details))
        rows.append(Row("1", "sync call latency p99, %s" % transport, "us",
                        round(ours["p99_us"], 1), round(floor["p99_us"], 1),
                        "python floor", Target.at_most(1.3)))
    for transport in TRANSPORTS:
        split, floor = results[transport]["split"], results[transport]["floor"]
        rows.append(Row("1", "  split: stdlib client -> our server, median, %s" % transport, "us",
                        round(split["median_us"], 1), round(floor["median_us"], 1),
                        "python floor", Target.report_only(),
                        note="the floor's client code against our Java server", details=split))
    for transport in TRANSPORTS:
        ours, floor = results[transport]["ours"], results[transport]["floor"]
        rows.append(Row("2", "pipelined calls/s, %s, window %d" % (transport, context.scale.pipeline_window),
                        "/s", round(ours["pipelined_per_s"]), round(floor["pipelined_per_s"]),
                        "python floor", Target.at_least(0.8),
                        details={"ours_rounds": ours["pipelined_rounds"],
                                 "floor_rounds": floor["pipelined_rounds"]}))
    for transport in TRANSPORTS:
        split, floor = results[transport]["split"], results[transport]["floor"]
        rows.append(Row("2", "  split: stdlib client -> our server, pipelined, %s" % transport, "/s",
                        round(split["pipelined_per_s"]), round(floor["pipelined_per_s"]),
                        "python floor", Target.report_only()))
    for transport, sizes in bytes_results.items():
        for size_mib, figures in sizes.items():
            rows.append(Row("5", "bytes echo %d MiB, %s" % (size_mib, transport), "MiB/s",
                            round(figures["ours"], 1), round(figures["floor"], 1),
                            "python floor", Target.at_least(0.8),
                            details={"echoes_timed": figures["echoes"]}))
    return rows
