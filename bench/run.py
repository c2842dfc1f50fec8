#!/usr/bin/env python3
"""Benchmark picklebridge against its floor and its peers, side by side, in one run.

    python3 bench/run.py                    # every row, ~10 minutes on 2 cores
    python3 bench/run.py --quick            # smaller counts, ~1-2 minutes
    python3 bench/run.py --quick --check-only   # CI smoke: every row runs and checks its
                                                # results; exit 1 only if a row fails
    python3 bench/run.py --rows 1,2         # some rows only

It uses the server jar at ``--jar``, else ``$PICKLEBRIDGE_JAR``, else the checkout's
``bridge-server/target/bridge-server.jar``, else what the ``picklebridge`` package finds.
It prints one table (our figure, the reference figure, ratio = ours / reference, the target,
pass or miss) and writes it with the machine's description to ``bench/results/latest.json``
(``quick.json`` for ``--quick``; nothing for ``--check-only`` unless ``--json`` is given).
Every reference is measured in the same run: ratios, not absolute times, are what hold on a
shared machine. docs/performance.md explains each row.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
CHECKOUT = os.path.dirname(BENCH_DIR)
PYTHON_PEER = os.path.join(CHECKOUT, "python-peer")
CHECKOUT_JAR = os.path.join(CHECKOUT, "bridge-server", "target", "bridge-server.jar")
BUILD_COMMAND = "mvn -B -q -DskipTests package -pl bridge-server -am"

sys.path[:0] = [PYTHON_PEER, BENCH_DIR]

from bridgebench.machine import describe_machine, load_average  # noqa: E402
from bridgebench.settings import Context, Scale  # noqa: E402
from bridgebench.table import Row, format_markdown, format_table, read_json, write_json  # noqa: E402

# Row 7 first: this process's RSS is then not inflated by the other rows' data.
ROW_GROUPS = (
    ("7", "bridgebench.memory", "memory_rows"),
    ("1,2,5", "bridgebench.calls", "call_rows"),
    ("3,4,6", "bridgebench.pools", "pool_rows"),
    ("8", "bridgebench.peers", "peer_rows"),
    ("9", "bridgebench.numpy_rows", "numpy_rows"),
)


def log(message: str) -> None:
    print("[bench %s load %.2f] %s" % (time.strftime("%H:%M:%S"), load_average()[0], message),
          file=sys.stderr, flush=True)


def find_jar(given: str) -> str:
    """The jar to measure; exits with the build command when there is none."""
    for candidate in (given, os.environ.get("PICKLEBRIDGE_JAR")):
        if candidate:
            if not os.path.isfile(candidate):
                sys.exit("bench: jar %s does not exist; build it with (from %s):\n  %s"
                         % (candidate, CHECKOUT, BUILD_COMMAND))
            return os.path.abspath(candidate)
    if os.path.isfile(CHECKOUT_JAR):
        return CHECKOUT_JAR
    try:
        from picklebridge.jvm import find_jar as package_find_jar
        return os.path.abspath(package_find_jar())
    except FileNotFoundError:
        sys.exit("bench: no server jar; build it with (from %s):\n  %s" % (CHECKOUT, BUILD_COMMAND))


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller counts (~1-2 minutes)")
    parser.add_argument("--check-only", action="store_true",
                        help="run and check every row; exit 1 only if a row fails (CI)")
    parser.add_argument("--rows", default="1,2,3,4,5,6,7,8,9", help="rows to run, e.g. 1,2,5")
    parser.add_argument("--jar", default="", help="server jar (default: see above)")
    parser.add_argument("--java", default="java", help="java launcher for the server")
    parser.add_argument("--peer-python", default="/usr/bin/python3",
                        help="interpreter for row 8 (the one with JPype)")
    parser.add_argument("--json", default=None, help="where to write the results")
    parser.add_argument("--markdown", metavar="RESULTS_JSON", default=None,
                        help="print the table of a results file in Markdown (for docs) and exit")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.markdown:
        rows, machine, _settings = read_json(args.markdown)
        print(format_markdown(rows))
        return 0
    jar = find_jar(args.jar)
    os.environ["PICKLEBRIDGE_JAR"] = jar
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [PYTHON_PEER, BENCH_DIR] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    scale = Scale.quick() if args.quick or args.check_only else Scale.full()
    wanted = {r.strip() for r in args.rows.split(",") if r.strip()}
    json_path = args.json
    if json_path is None and not args.check_only:
        json_path = os.path.join(BENCH_DIR, "results", "quick.json" if args.quick else "latest.json")

    machine = describe_machine(args.java, jar, args.peer_python)
    log("jar %s (built %s); scale %s; nproc %s; load average %s"
        % (jar, machine["jar_mtime"], scale.name, machine["nproc"], machine["load_average_start"]))
    workdir = tempfile.mkdtemp(prefix="pbbench-")
    context = Context(jar=jar, java=args.java, workdir=workdir, scale=scale,
                      peer_python=args.peer_python, log=log)
    rows = []
    failures = []
    started = time.perf_counter()
    try:
        for group, module_name, function_name in ROW_GROUPS:
            if not wanted & set(group.split(",")):
                continue
            try:
                module = __import__(module_name, fromlist=[function_name])
                group_rows = getattr(module, function_name)(context)
                rows += [row for row in group_rows if row.row_id in wanted]
            except Exception as exc:  # one failing group must not hide the others' figures
                failures.append("rows %s: %s: %s" % (group, type(exc).__name__, exc))
                traceback.print_exc()
                rows.append(Row(group, "rows %s" % group, "",
                                skipped="FAILED: %s: %s" % (type(exc).__name__, str(exc)[:200])))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    machine["load_average_end"] = [round(x, 2) for x in load_average()]
    machine["run_seconds"] = round(time.perf_counter() - started, 1)

    rows.sort(key=lambda row: row.row_id.split(",")[0])  # stable: each group keeps its order
    print()
    print(format_table(rows))
    print()
    print("scale %s: %s" % (scale.name, ", ".join("%s=%s" % kv for kv in scale.describe().items()
                                                    if kv[0] != "name")))
    print("machine: %s cores, %s, %s MiB; %s; python %s; peer python %s"
          % (machine["nproc"], machine["cpu_model"], machine["memory_mib"], machine["java"],
             machine["python"], machine["peer_python"]))
    print("load average at start %s, at end %s; run took %.0f s"
          % (machine["load_average_start"], machine["load_average_end"], machine["run_seconds"]))
    if json_path:
        os.makedirs(os.path.dirname(os.path.abspath(json_path)), exist_ok=True)
        write_json(json_path, rows, machine, {"scale": scale.describe(), "rows": sorted(wanted),
                                              "check_only": args.check_only})
        print("wrote %s" % os.path.relpath(json_path))
    if failures:
        print("FAILED rows:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    if args.check_only:
        print("check-only: every row ran and its results were correct (figures not judged)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
