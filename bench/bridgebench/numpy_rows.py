"""Row 9: numpy and pandas echoed through the bridge against the Python floor (issue 8).

``bench/numpy_row.py`` does the measuring inside the interpreter that has numpy and pandas
(Debian's ``/usr/bin/python3``); this module runs it and turns its figures into table rows: a
64 MiB float64 ndarray and a 1M-row DataFrame echoed by ``sys.echo`` (out of band and in band)
against the same objects echoed by a Python peer over ``multiprocessing.connection``::

    >>> rows = numpy_rows(context)
"""

import json
import os
import subprocess
from typing import List

from .peers import importable
from .settings import Context
from .table import Row, Target

__all__ = ["numpy_rows"]

ROW_SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "numpy_row.py")


def numpy_rows(context: Context) -> List[Row]:
    """The numpy/pandas echo rows, or one skipped row when the peer Python lacks them."""
    python = context.peer_python
    if not (importable(python, "numpy") and importable(python, "pandas")):
        return [Row("9", "numpy/pandas echo", "", skipped="numpy or pandas not importable by %s" % python)]
    output = os.path.join(context.workdir, "numpy_row.json")
    command = [python, ROW_SCRIPT, "--jar", context.jar, "--json", output]
    if context.scale.name == "quick":
        command.append("--quick")
    context.log("row 9: numpy/pandas echo in %s" % python)
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, env=os.environ.copy())
    if done.returncode != 0:
        raise RuntimeError("the numpy row failed (%d): %s" % (done.returncode, done.stderr[-3000:]))
    with open(output) as f:
        figures = json.load(f)
    rows = []
    for item in figures["rows"]:
        rows.append(Row("9", "echo %s, %s" % (item["object"], item["peer"]), "ms", item["ms"],
                        item["floor_ms"], "python floor (same object)", Target.report_only()))
    if rows:
        rows[0].details = figures
    return rows
