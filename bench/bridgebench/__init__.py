"""The picklebridge benchmark: each row measures the bridge beside its reference, in one run.

``bench/run.py`` is the command; the modules here are its parts:

- :mod:`.machine` what the run ran on (cores, CPU, JDK, Pythons, load) and RSS sampling;
- :mod:`.processes` starting the Java server and the Python floor, and stopping them;
- :mod:`.floor_echo` the floor: a Python echo server with ``multiprocessing.connection``;
- :mod:`.calls` rows 1, 2 and 5 (latency, pipelined calls, bytes) against the floor;
- :mod:`.pools` rows 3, 4 and 6 (``Pool.map``, CPU-bound map, cold start) against
  ``multiprocessing.Pool``;
- :mod:`.memory` row 7 (RSS over a million calls and a long ``imap``);
- :mod:`.peers` row 8 (JPype, Py4J) run in the interpreter that has them;
- :mod:`.table` the rows, their targets, the printed table and the JSON file.
"""
