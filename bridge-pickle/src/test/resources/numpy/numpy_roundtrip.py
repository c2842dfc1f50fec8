"""numpy/pandas round trips through the Java codec, driven from Python.

For every case this script writes, as 4-byte big-endian length-prefixed frames on stdout:
a description (a pickled dict of plain values: what Java must see), the pickle, then the out-of-band buffers. Java
decodes, checks the description, encodes the value back at the same protocol (out of band
when the case was) and answers with a pickled header ({"buffers": n} or {"error": ...}), the
pickle and its buffers. This script loads that with real numpy/pandas, compares with the
original and answers "ok" or "FAIL ...". A final {"done": True} ends the run.

Run with Debian's /usr/bin/python3, which has numpy and pandas.
"""

import pickle
import pickletools
import struct
import sys

import numpy as np
import pandas as pd

OUT = sys.stdout.buffer
IN = sys.stdin.buffer


def send(payload) -> None:
    payload = bytes(payload)
    OUT.write(struct.pack(">I", len(payload)))
    OUT.write(payload)


def receive() -> bytes:
    header = IN.read(4)
    if len(header) < 4:
        raise EOFError("java closed the pipe")
    (n,) = struct.unpack(">I", header)
    data = IN.read(n)
    if len(data) < n:
        raise EOFError("short frame")
    return data


def to_numpy2_names(data: bytes) -> bytes:
    """Rewrites numpy.core module names to numpy 2's numpy._core (frames dropped, lengths fixed)."""
    out = bytearray()
    ops = list(pickletools.genops(data))
    for i, (op, arg, pos) in enumerate(ops):
        end = ops[i + 1][2] if i + 1 < len(ops) else len(data)
        raw = data[pos:end]
        if op.name == "FRAME":
            continue
        if op.name in ("SHORT_BINUNICODE", "BINUNICODE") and arg.startswith("numpy.core"):
            name = ("numpy._core" + arg[len("numpy.core"):]).encode()
            out += bytes([0x8C, len(name)]) + name
        elif op.name == "GLOBAL" and arg.startswith("numpy.core"):
            out += b"c" + ("numpy._core" + arg[len("numpy.core"):]).replace(" ", "\n").encode() + b"\n"
        else:
            out += raw
    return bytes(out)


def array_cases():
    kinds = ["?", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16"]
    for kind in kinds:
        orders = ["<", ">"] if np.dtype(kind).itemsize > 1 else ["|"]
        for byteorder in orders:
            dtype = np.dtype(kind if byteorder == "|" else byteorder + kind)
            if dtype.kind == "b":
                values = np.array([[True, False, True], [False, False, True]], dtype=dtype)
            elif dtype.kind == "u":
                values = (np.arange(6).reshape(2, 3) * 41 + np.iinfo(dtype).max - 300).astype(dtype)
            elif dtype.kind == "i":
                values = (np.arange(6).reshape(2, 3) * 37 + np.iinfo(dtype).min + 3).astype(dtype)
            elif dtype.kind == "c":
                values = (np.arange(6).reshape(2, 3) * (1.5 - 0.25j)).astype(dtype)
            else:
                values = np.array([[0.5, -1.25, np.inf], [np.nan, -0.0, 65504]], dtype=dtype)
            yield f"{dtype.str}-C", values
            yield f"{dtype.str}-F", np.asfortranarray(values)
    yield "0d-f8", np.array(3.25)
    yield "0d-i4", np.array(-7, dtype="i4")
    yield "empty-f8", np.zeros((0,), dtype="f8")
    yield "empty-2d-i8", np.zeros((0, 3), dtype="i8")
    yield "3d-f4-F", np.asfortranarray(np.arange(24, dtype="f4").reshape(2, 3, 4))
    yield "large-f8", np.linspace(0, 1, 100_000)
    yield "objects", np.array(["a", None, 3], dtype=object)
    yield "datetime64-ns", np.array(["2020-01-01T00:00:01", "NaT"], dtype="M8[ns]")
    yield "timedelta64-s", np.array([5, -3], dtype="m8[s]")


def scalar_cases():
    yield "f8", np.float64(1.5)
    yield "f4", np.float32(-2.75)
    yield "f2", np.float16(0.333)
    yield "i4", np.int32(-7)
    yield "i8", np.int64(2**62)
    yield "u8", np.uint64(2**64 - 1)
    yield "u1", np.uint8(200)
    yield "bool", np.bool_(True)
    yield "c16", np.complex128(1 - 2j)


def frame_cases():
    yield "numeric", pd.DataFrame({"a": [1, 2, 3], "b": [1.5, 2.5, np.nan], "c": [True, False, True]})
    yield "strings-index", pd.DataFrame({"s": ["x", "y"], "n": np.array([7, 8], dtype="i4")}, index=[10, 20])
    yield "named-str-index", pd.DataFrame({"v": [0.5, 0.25]}, index=pd.Index(["r1", "r2"], name="row"))
    yield "from-2d", pd.DataFrame(np.arange(12.0).reshape(4, 3), columns=["p", "q", "r"])
    yield "fortran-2d", pd.DataFrame(np.asfortranarray(np.arange(12).reshape(4, 3)))
    yield "datetime-column", pd.DataFrame({"t": pd.date_range("2020-01-01", periods=3), "v": [1, 2, 3]})
    yield "empty", pd.DataFrame()
    yield "1k-rows", pd.DataFrame({"x": np.arange(1000, dtype="f8"), "y": np.arange(1000) % 7})


def series_cases():
    yield "float", pd.Series([1.5, 2.5], name="x")
    yield "int-index", pd.Series(np.arange(4), index=[5, 6, 7, 8], name=None)
    yield "strings", pd.Series(["a", "b", None], name="s")


def describe(kind, value):
    if kind == "array":
        return {"dtype": value.dtype.str, "shape": list(value.shape),
                "fortran": bool(value.flags.f_contiguous and not value.flags.c_contiguous),
                "c_bytes": None if value.dtype.kind == "O" else bytes(value.tobytes(order="C"))}
    if kind == "scalar":
        return {"dtype": value.dtype.str, "bytes": bytes(value.tobytes())}
    if kind == "frame":
        numeric = {str(c): bytes(value[c].to_numpy().tobytes()) for c in value.columns
                   if value[c].dtype.kind in "biuf" and not isinstance(value[c].dtype, pd.api.extensions.ExtensionDtype)}
        return {"columns": [str(c) for c in value.columns], "rows": len(value), "column_bytes": numeric}
    return {"name": value.name, "size": len(value)}


def same(kind, original, back):
    if type(back) is not type(original):
        return f"type {type(back).__name__} != {type(original).__name__}"
    if kind == "array":
        if back.dtype != original.dtype or back.shape != original.shape:
            return f"{back.dtype}{back.shape} != {original.dtype}{original.shape}"
        if original.dtype.kind == "O":
            return None if list(back.ravel()) == list(original.ravel()) else f"{back!r} != {original!r}"
        if back.tobytes(order="C") != original.tobytes(order="C"):
            return f"items differ: {back!r} != {original!r}"
        return None
    if kind == "scalar":
        return None if back.dtype == original.dtype and back.tobytes() == original.tobytes() else f"{back!r} != {original!r}"
    if not original.equals(back):
        return f"not equal:\n{back!r}\n!=\n{original!r}"
    if kind == "frame" and (list(back.dtypes) != list(original.dtypes) or not back.index.equals(original.index)
                            or list(back.columns) != list(original.columns)):
        return f"dtypes/index differ: {back.dtypes} {back.index}"
    if kind == "series" and (back.name != original.name or back.dtype != original.dtype or not back.index.equals(original.index)):
        return f"name/dtype/index differ: {back!r}"
    return None


def run_case(kind, name, value, protocol, out_of_band, numpy2):
    buffers = []
    if out_of_band:
        data = pickle.dumps(value, protocol=5, buffer_callback=buffers.append)
    else:
        data = pickle.dumps(value, protocol=protocol)
    if numpy2:
        data = to_numpy2_names(data)
    label = f"{kind}:{name}:p{protocol}{':oob' if out_of_band else ''}{':numpy2' if numpy2 else ''}"
    meta = {"case": label, "kind": kind, "protocol": protocol, "buffers": len(buffers), "oob": out_of_band}
    meta.update(describe(kind, value))
    send(pickle.dumps(meta, 2))
    send(data)
    for b in buffers:
        send(b.raw())
    OUT.flush()
    answer = pickle.loads(receive())
    if "error" in answer:
        receive()
        send(b"skip")
        OUT.flush()
        return
    pickled = receive()
    received = [bytearray(receive()) for _ in range(answer["buffers"])]
    try:
        back = pickle.loads(pickled, buffers=received)
        problem = same(kind, value, back)
    except Exception as e:  # noqa: BLE001 -- reported to Java
        problem = f"{type(e).__name__}: {e}"
    send(b"ok" if problem is None else f"FAIL {label}: {problem}".encode())
    OUT.flush()


def main():
    groups = [("array", array_cases), ("scalar", scalar_cases), ("frame", frame_cases), ("series", series_cases)]
    for kind, cases in groups:
        for name, value in cases():
            for protocol in (2, 3, 4, 5):
                run_case(kind, name, value, protocol, False, False)
            run_case(kind, name, value, 5, True, False)
            if kind in ("array", "scalar"):
                run_case(kind, name, value, 2, False, True)
                run_case(kind, name, value, 5, True, True)
    send(pickle.dumps({"done": True}, 2))
    OUT.flush()


if __name__ == "__main__":
    main()
