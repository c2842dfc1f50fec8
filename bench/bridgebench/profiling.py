"""Where the time goes: CPU per process, cProfile over every Python thread, JFR hot methods.

    >>> with CpuSplit({"python": os.getpid(), "jvm": jvm_pid}) as cpu:
    ...     run_the_workload()
    >>> cpu.seconds
    {'python': 1.92, 'jvm': 0.71, 'wall': 2.10}
    >>> with ThreadProfile() as profile:            # start it before the client's threads
    ...     client = picklebridge.connect(...)
    >>> profile.print_top(15)
    >>> print(jfr_hot_methods("/tmp/server.jfr", 15))
"""

import cProfile
import collections
import io
import json
import os
import pstats
import subprocess
import sys
import threading
import time
from typing import Dict, List, Optional

__all__ = ["cpu_seconds", "thread_cpu_seconds", "thread_cpu_delta", "CpuSplit", "ThreadProfile", "jfr_option", "jfr_hot_methods"]

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> Optional[float]:
    """User + system CPU seconds of ``pid`` (its threads included), None once it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICKS


def thread_cpu_seconds(pid: int) -> Dict[str, float]:
    """CPU seconds per thread name of ``pid`` (threads of one pool summed: ``pb-worker-3`` ->
    ``pb-worker``)."""
    out: Dict[str, float] = collections.defaultdict(float)
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return {}
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as stat:
                text = stat.read()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")].rstrip("0123456789-# ").strip() or "?"
        fields = text.rsplit(")", 1)[1].split()
        out[name] += (int(fields[11]) + int(fields[12])) / _TICKS
    return dict(out)


def thread_cpu_delta(before: Dict[str, float], after: Dict[str, float]) -> Dict[str, float]:
    """Per-thread-name CPU seconds spent between two :func:`thread_cpu_seconds` readings."""
    delta = {name: round(after[name] - before.get(name, 0.0), 3) for name in after}
    return dict(sorted(((n, s) for n, s in delta.items() if s > 0), key=lambda kv: -kv[1]))


class CpuSplit:
    """CPU seconds each named process (or list of processes) spent inside the block."""

    def __init__(self, pids: Dict[str, object]):
        self.pids = {name: list(p) if isinstance(p, (list, tuple)) else [p] for name, p in pids.items()}
        self.seconds: Dict[str, float] = {}
        self._before: Dict[str, float] = {}
        self._start = 0.0

    def _read(self) -> Dict[str, float]:
        return {name: sum(cpu_seconds(pid) or 0.0 for pid in pids) for name, pids in self.pids.items()}

    def __enter__(self) -> "CpuSplit":
        self._before = self._read()
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc_info: object) -> None:
        wall = time.perf_counter() - self._start
        after = self._read()
        self.seconds = {name: round(after[name] - self._before[name], 3) for name in after}
        self.seconds["wall"] = round(wall, 3)

    def __repr__(self) -> str:
        return "<CpuSplit %s>" % self.seconds


class ThreadProfile:
    """cProfile in this thread and in every thread started inside the block; stats merged."""

    def __init__(self):
        self._profiles: List[cProfile.Profile] = []
        self._lock = threading.Lock()

    def _start_in_thread(self, *_args: object) -> None:
        profile = cProfile.Profile()
        with self._lock:
            self._profiles.append(profile)
        profile.enable()  # replaces this hook for the rest of the thread

    def __enter__(self) -> "ThreadProfile":
        threading.setprofile(self._start_in_thread)
        self._start_in_thread()
        return self

    def __exit__(self, *exc_info: object) -> None:
        threading.setprofile(None)
        for profile in self._profiles:
            profile.disable()  # only stops the calling thread's; the others stop collecting below

    def stats(self) -> pstats.Stats:
        with self._lock:
            profiles = list(self._profiles)
        stats = pstats.Stats(profiles[0], stream=io.StringIO())
        for profile in profiles[1:]:
            try:
                profile.create_stats()
                stats.add(profile)
            except TypeError:
                continue
        return stats

    def top(self, count: int = 15, sort: str = "tottime") -> str:
        out = io.StringIO()
        stats = self.stats()
        stats.stream = out
        stats.sort_stats(sort).print_stats(count)
        return "\n".join(line for line in out.getvalue().splitlines()
                         if line.strip() and not line.startswith(("   Ordered", "   List")))


def jfr_option(path: str) -> str:
    """The JVM option that records to ``path`` with the profiling settings, written at exit."""
    return "-XX:StartFlightRecording=filename=%s,settings=profile,dumponexit=true" % path


#: In stdio mode stdout carries frames only, but JFR announces its recording there (even with
#: ``-Xlog:all=warning:stderr``); this turns the announcement off.
LOG_TO_STDERR = "-Xlog:jfr+startup=off"


def jfr_hot_methods(path: str, count: int = 15, jfr: str = "jfr") -> str:
    """Top methods of ``jdk.ExecutionSample``: by top frame (self) and anywhere on the stack."""
    out = subprocess.run([jfr, "print", "--json", "--events", "jdk.ExecutionSample", path],
                         capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        return "jfr print failed: %s" % out.stderr[-500:]
    events = json.loads(out.stdout)["recording"]["events"]
    self_counts: "collections.Counter[str]" = collections.Counter()
    total_counts: "collections.Counter[str]" = collections.Counter()
    threads: "collections.Counter[str]" = collections.Counter()
    for event in events:
        frames = (event["values"].get("stackTrace") or {}).get("frames") or []
        names = ["%s.%s" % (f["method"]["type"]["name"].rsplit(".", 1)[-1], f["method"]["name"])
                 for f in frames]
        thread = (event["values"].get("sampledThread") or {}).get("javaName") or "?"
        threads[thread.rstrip("0123456789-")] += 1
        if names:
            self_counts[names[0]] += 1
            for name in set(names):
                total_counts[name] += 1
    samples = len(events)
    lines = ["%d execution samples; by thread: %s" % (samples, ", ".join(
        "%s %d%%" % (t, 100 * n // max(1, samples)) for t, n in threads.most_common(6)))]
    lines.append("self (top frame):")
    lines += ["  %5.1f%%  %s" % (100.0 * n / max(1, samples), name) for name, n in self_counts.most_common(count)]
    lines.append("total (on the stack):")
    lines += ["  %5.1f%%  %s" % (100.0 * n / max(1, samples), name) for name, n in total_counts.most_common(count)]
    lines.append(jfr_gc_summary(path, jfr))
    return "\n".join(lines)


def _seconds(duration: str) -> float:
    """A JFR JSON duration such as ``"PT0.004512S"`` in seconds."""
    text = duration.strip().upper().lstrip("PT").rstrip("S")
    minutes = 0.0
    if "M" in text:
        head, text = text.split("M", 1)
        minutes = float(head)
    return minutes * 60 + (float(text) if text else 0.0)


def jfr_gc_summary(path: str, jfr: str = "jfr") -> str:
    """Garbage collections in the recording: count, total and longest pause."""
    out = subprocess.run([jfr, "print", "--json", "--events", "jdk.GarbageCollection", path],
                         capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        return "jfr gc summary failed: %s" % out.stderr[-300:]
    events = json.loads(out.stdout)["recording"]["events"]
    pauses = [_seconds(e["values"].get("sumOfPauses") or e["values"].get("duration") or "PT0S")
              for e in events]
    names = collections.Counter(e["values"].get("name", "?") for e in events)
    if not pauses:
        return "garbage collections: none"
    return ("garbage collections: %d (%s), pauses total %.1f ms, longest %.1f ms"
            % (len(pauses), ", ".join("%s %d" % kv for kv in names.items()),
               1000 * sum(pauses), 1000 * max(pauses)))


if __name__ == "__main__":
    print(jfr_hot_methods(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 15))
