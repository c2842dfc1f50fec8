"""What a run ran on, and the resident memory of processes over time.

    >>> describe_machine()["nproc"]
    2
    >>> with RssSampler({"jvm": 4242, "python": os.getpid()}) as rss:
    ...     run_the_workload()
    >>> rss.summary("jvm")
    {'samples': 40, 'first_mib': 61.2, 'max_first_half_mib': 80.1, 'max_second_half_mib': 80.4, ...}
"""

import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from typing import Dict, List, Optional, Tuple

__all__ = ["describe_machine", "load_average", "rss_mib", "RssSampler"]


def load_average() -> Tuple[float, float, float]:
    """The 1, 5 and 15 minute load averages."""
    return os.getloadavg()


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _java_version(java: str) -> str:
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return "unavailable (%s)" % exc
    lines = out.stderr.strip().splitlines()
    return " / ".join(lines[:2]) if lines else "unknown"


def _python_version(python: str) -> Optional[str]:
    if not python or not os.path.exists(python):
        return None
    try:
        out = subprocess.run([python, "-c", "import sys; print(sys.version.split()[0])"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


def _memory_mib() -> Optional[int]:
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


def describe_machine(java: str, jar: str, peer_python: Optional[str]) -> Dict[str, object]:
    """Cores, CPU model, memory, JDK, the Python versions used, the jar, the load average."""
    return {
        "nproc": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_mib": _memory_mib(),
        "kernel": platform.release(),
        "java": _java_version(java),
        "java_path": shutil.which(java) or java,
        "python": "%s (%s)" % (sys.version.split()[0], sys.executable),
        "peer_python": ("%s (%s)" % (_python_version(peer_python), peer_python)
                        if peer_python and _python_version(peer_python) else None),
        "jar": jar,
        "jar_mtime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(os.stat(jar).st_mtime)),
        "run_date": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "load_average_start": [round(x, 2) for x in load_average()],
    }


_VMRSS = re.compile(rb"^VmRSS:\s+(\d+)\s+kB", re.MULTILINE)


def rss_mib(pid: int) -> Optional[float]:
    """The resident set size of ``pid`` in MiB (from /proc/PID/status), None once it is gone."""
    try:
        with open("/proc/%d/status" % pid, "rb") as status:
            match = _VMRSS.search(status.read())
    except OSError:
        return None
    return int(match.group(1)) / 1024.0 if match else None


class RssSampler:
    """Samples the RSS of named processes every ``interval`` seconds on a daemon thread."""

    def __init__(self, pids: Dict[str, int], interval: float = 0.25):
        self.pids = dict(pids)
        self.interval = interval
        self.samples: Dict[str, List[Tuple[float, float]]] = {name: [] for name in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="bench-rss-sampler")
        self._start = 0.0

    def _sample(self) -> None:
        now = time.perf_counter() - self._start
        for name, pid in self.pids.items():
            value = rss_mib(pid)
            if value is not None:
                self.samples[name].append((now, value))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> "RssSampler":
        self._start = time.perf_counter()
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(5.0)
        self._sample()

    def summary(self, name: str) -> Dict[str, float]:
        """First, last and per-half maxima (MiB); ``growth`` = max of 2nd half / max of 1st."""
        values = [value for _, value in self.samples[name]]
        if not values:
            return {"samples": 0}
        half = max(1, len(values) // 2)
        first_half, second_half = values[:half], values[half:] or values[-1:]
        return {
            "samples": len(values),
            "first_mib": round(values[0], 1),
            "last_mib": round(values[-1], 1),
            "max_mib": round(max(values), 1),
            "max_first_half_mib": round(max(first_half), 1),
            "max_second_half_mib": round(max(second_half), 1),
            "growth": round(max(second_half) / max(first_half), 3),
            "series_mib": [round(v, 1) for v in _thin(values, 24)],
        }

    def __repr__(self) -> str:
        counts = ", ".join("%s=%d" % (n, len(s)) for n, s in self.samples.items())
        return "<RssSampler %s every %.2f s>" % (counts, self.interval)


def _thin(values: List[float], at_most: int) -> List[float]:
    if len(values) <= at_most:
        return values
    step = len(values) / at_most
    return [values[int(i * step)] for i in range(at_most)] + [values[-1]]
