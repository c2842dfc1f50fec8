"""Loads Java-made pickles with real numpy/pandas and compares them with Python expressions.

Frames (4-byte big-endian length, then the bytes) on stdin: a UTF-8 expression over ``np`` and
``pd``, then the pickle. For each pair one answer frame on stdout: ``ok`` or ``FAIL ...``.
Arrays must match in dtype, shape and items; DataFrames and Series must be ``.equals`` with the
same dtypes, index and names. Run with Debian's /usr/bin/python3.
"""

import pickle
import struct
import sys

import numpy as np
import pandas as pd


def receive():
    header = sys.stdin.buffer.read(4)
    if len(header) < 4:
        return None
    (n,) = struct.unpack(">I", header)
    return sys.stdin.buffer.read(n)


def send(data: bytes) -> None:
    sys.stdout.buffer.write(struct.pack(">I", len(data)) + data)
    sys.stdout.buffer.flush()


def problem(expected, got):
    if type(got) is not type(expected):
        return f"type {type(got).__name__}: {got!r}"
    if isinstance(expected, np.ndarray):
        if got.dtype != expected.dtype or got.shape != expected.shape:
            return f"{got.dtype}{got.shape} != {expected.dtype}{expected.shape}: {got!r}"
        if expected.dtype.kind == "O":
            return None if got.tolist() == expected.tolist() else f"{got!r}"
        return None if got.tobytes() == expected.tobytes() else f"{got!r} != {expected!r}"
    if isinstance(expected, np.generic):
        return None if got.dtype == expected.dtype and got.tobytes() == expected.tobytes() else f"{got!r}"
    if isinstance(expected, (pd.DataFrame, pd.Series)):
        if not expected.equals(got) or not expected.index.equals(got.index):
            return f"not equal:\n{got!r}\n{got.index!r}"
        if isinstance(expected, pd.DataFrame) and (list(got.dtypes) != list(expected.dtypes) or list(got.columns) != list(expected.columns)):
            return f"dtypes/columns {list(got.dtypes)} {list(got.columns)}"
        if isinstance(expected, pd.Series) and (got.name != expected.name or got.dtype != expected.dtype):
            return f"name/dtype {got.name!r} {got.dtype}"
        return None
    return None if got == expected else f"{got!r} != {expected!r}"


def main():
    while True:
        expression = receive()
        if expression is None:
            return
        data = receive()
        try:
            expected = eval(expression.decode(), {"np": np, "pd": pd})  # the test's own expressions
            bad = problem(expected, pickle.loads(data))
        except Exception as e:  # noqa: BLE001 -- reported to Java
            bad = f"{type(e).__name__}: {e}"
        send(b"ok" if bad is None else f"FAIL {expression.decode()}: {bad}".encode())


if __name__ == "__main__":
    main()
