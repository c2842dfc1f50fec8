"""Row 7: resident memory over a million calls and during an ``imap`` over a long generator.

The JVM (a private one, in pipe mode, as ``Pool()`` starts it) and this Python process are
sampled from ``/proc/PID/status`` every quarter second. "Flat" means the largest RSS of the
second half of the run is within 10 % of the largest of the first half::

    >>> rows = memory_rows(context)
"""

import collections
import os
import time
from typing import Iterator, List

import picklebridge

from .machine import RssSampler
from .settings import Context
from .table import Row, Target

__all__ = ["memory_rows"]

FLAT = Target.at_most(1.10)


def _calls(client: "picklebridge.Client", count: int, window: int) -> None:
    in_flight: "collections.deque" = collections.deque()
    call_async = client.call_async
    for i in range(count):
        in_flight.append(call_async("demo.abs", -i))
        if len(in_flight) >= window:
            in_flight.popleft().result()
    while in_flight:
        in_flight.popleft().result()


def _generator(count: int) -> Iterator[int]:
    for i in range(count):
        yield -i


def _row(name: str, summary: dict, seconds: float, what: str) -> Row:
    return Row("7", name, "MiB", summary.get("max_second_half_mib"),
               summary.get("max_first_half_mib"), "1st half", FLAT,
               note="%s in %.1f s; growth = max RSS of 2nd half / 1st half" % (what, seconds),
               details=summary)


def memory_rows(context: Context) -> List[Row]:
    scale = context.scale
    rows = []
    context.log("row 7: RSS over %s calls, then an imap over a %s-item generator (chunksize %d)"
                % (format(scale.memory_calls, ","), format(scale.memory_imap_items, ","),
                   scale.memory_imap_chunksize))
    with picklebridge.Pool(scale.map_processes) as pool:
        jvm_pid = pool.client.connections[0].process.pid
        pids = {"jvm": jvm_pid, "python": os.getpid()}
        _calls(pool.client, min(20_000, scale.memory_calls), scale.pipeline_window)  # warm-up
        with RssSampler(pids) as calls_rss:
            start = time.perf_counter()
            _calls(pool.client, scale.memory_calls, scale.pipeline_window)
            calls_seconds = time.perf_counter() - start
        with RssSampler(pids) as imap_rss:
            start = time.perf_counter()
            total = 0
            count = 0
            for value in pool.imap("demo.abs", _generator(scale.memory_imap_items),
                                   scale.memory_imap_chunksize):
                total += value
                count += 1
            imap_seconds = time.perf_counter() - start
        n = scale.memory_imap_items
        if count != n or total != n * (n - 1) // 2:
            raise AssertionError("imap returned %d items summing to %d" % (count, total))
    calls = "%s calls" % format(scale.memory_calls, ",")
    items = "imap of %s items" % format(scale.memory_imap_items, ",")
    rows.append(_row("JVM RSS after %s" % calls, calls_rss.summary("jvm"), calls_seconds, calls))
    rows.append(_row("python RSS after %s" % calls, calls_rss.summary("python"), calls_seconds, calls))
    rows.append(_row("JVM RSS during %s" % items, imap_rss.summary("jvm"), imap_seconds, items))
    rows.append(_row("python RSS during %s" % items, imap_rss.summary("python"), imap_seconds, items))
    rows[0].details["calls_per_s"] = round(scale.memory_calls / calls_seconds)
    rows[2].details["items_per_s"] = round(scale.memory_imap_items / imap_seconds)
    return rows
