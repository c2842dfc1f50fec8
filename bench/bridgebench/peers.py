"""Row 8: other Python-Java bridges, when the machine has them.

JPype is measured by :mod:`.peer_jpype` inside the interpreter that can import it (Debian's
``/usr/bin/python3`` with python3-jpype), and picklebridge in that same interpreter, so the
two share everything but the bridge. Py4J, when importable, would get the same rows; a peer
that is missing gives a skipped row saying so::

    >>> rows = peer_rows(context)
"""

import json
import os
import subprocess
import sys
from typing import List

from .settings import Context
from .table import Row, Target

__all__ = ["peer_rows", "importable"]

PEER_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peer_jpype.py")


def importable(python: str, module: str) -> bool:
    """Whether ``python -c "import module"`` succeeds."""
    if not python or not os.path.exists(python):
        return False
    try:
        return subprocess.run([python, "-c", "import " + module], capture_output=True,
                              timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _jpype_rows(context: Context) -> List[Row]:
    scale = context.scale
    command = [context.peer_python, PEER_SCRIPT, "--calls", str(scale.peer_calls),
               "--warmup", str(scale.latency_warmup), "--rounds", str(scale.rounds),
               "--bytes-mib", ",".join(str(s) for s in scale.peer_bytes_mib)]
    context.log("row 8: JPype and picklebridge (pipe) in %s" % context.peer_python)
    out = subprocess.run(command, capture_output=True, text=True, timeout=600,
                         env=os.environ.copy())
    if out.returncode != 0:
        raise RuntimeError("the JPype run failed (%d): %s" % (out.returncode, out.stderr[-3000:]))
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    ours, jpype = figures["ours"], figures["jpype"]
    where = "python %s, pipe" % figures["python"]
    name = "JPype %s" % figures["jpype_version"]
    rows = [
        Row("8", "sync call latency median vs JPype (%s)" % where, "us",
            round(ours["median_us"], 1), round(jpype["median_us"], 1), name, Target.report_only()),
        Row("8", "sync call latency p99 vs JPype (%s)" % where, "us",
            round(ours["p99_us"], 1), round(jpype["p99_us"], 1), name, Target.report_only()),
    ]
    for size in scale.peer_bytes_mib:
        rows.append(Row("8", "bytes echo %d MiB vs JPype (%s)" % (size, where), "MiB/s",
                        round(ours["bytes_mib_per_s"][str(size)], 1),
                        round(jpype["bytes_mib_per_s"][str(size)], 1), name, Target.report_only()))
    rows[0].details = figures
    return rows


def peer_rows(context: Context) -> List[Row]:
    """JPype's rows (or one skipped row), then Py4J's (skipped unless importable)."""
    rows: List[Row] = []
    if importable(context.peer_python, "jpype"):
        rows += _jpype_rows(context)
    else:
        rows.append(Row("8", "JPype latency and bytes", "", skipped="jpype not importable by %s"
                        % context.peer_python))
    py4j = [p for p in (context.peer_python, sys.executable) if importable(p, "py4j")]
    # Py4J needs its gateway server jar and a JVM running it; not measured yet even if present.
    rows.append(Row("8", "Py4J latency and bytes", "",
                    skipped="py4j not importable" if not py4j else
                    "py4j importable by %s but its gateway row is not written yet" % py4j[0]))
    return rows
