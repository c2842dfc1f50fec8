"""Merge JMH's JSON and cpython_bench.py's JSON into one table and bench/results/codec.json.

``python3 report.py OUT_JSON CPYTHON_JSON JMH_JSON...`` prints a Markdown table: per payload and
direction, the mean time per operation of bridge-pickle ("ours"), net.razorvine:pickle 1.5 and
CPython's C pickle, then the two ratios the targets are stated in:

* razorvine / ours: how many times faster than razorvine we are (target >= 2);
* ours / CPython: how many times slower than CPython we are (target <= 1.5).
"""
import json
import platform
import sys

NAMES = ["rpc", "ints", "floats", "strings", "dicts", "bytes"]
LABELS = {"rpc": "RPC message (~70 B)", "ints": "1M ints", "floats": "1M floats",
          "strings": "200k short strings", "dicts": "100k small dicts", "bytes": "64 MiB bytes"}
ZERO_COPY_LABEL = "64 MiB bytes, *opt-in zero-copy view* (not the default)"
RAZORVINE_TARGET = 2.0
CPYTHON_TARGET = 1.5


def jmh_scores(paths):
    scores = {}
    for entry in [entry for path in paths for entry in json.load(open(path))]:
        method = entry["benchmark"].rsplit(".", 1)[1]          # decodeOurs, encodeRazorvine, ...
        payload = entry["params"]["payload"]
        unit = entry["primaryMetric"]["scoreUnit"]
        if unit != "us/op":
            raise SystemExit("expected us/op from JMH, got " + unit)
        scores[(payload, method)] = (entry["primaryMetric"]["score"], entry["primaryMetric"]["scoreError"])
    return scores


def human(micros):
    if micros is None:
        return "n/a"
    if micros >= 1e6:
        return "%.2f s" % (micros / 1e6)
    if micros >= 1e3:
        return "%.1f ms" % (micros / 1e3)
    return "%.2f us" % micros


def main(out_path, cpython_path, *jmh_paths):
    scores = jmh_scores(jmh_paths)
    cpython = json.load(open(cpython_path))
    rows = []
    for name in NAMES:
        for op in ("decode", "encode"):
            rows.append(_row(scores, cpython, name, LABELS[name], op, op + "Ours", "default"))
    # Extra, opt-in row (never instead of the default one): PickleCodec.builder().zeroCopyBytes(1 MiB)
    # decodes large bytes as read-only ByteBuffer views of the input. Same razorvine and CPython figures.
    if ("bytes", "decodeOursZeroCopy") in scores:
        rows.append(_row(scores, cpython, "bytes", ZERO_COPY_LABEL, "decode", "decodeOursZeroCopy",
                         "opt-in zeroCopyBytes: read-only ByteBuffer view of the input, not byte[]"))
    print("| payload | op | ours | razorvine 1.5 | CPython %s | razorvine/ours (>=2) | ours/CPython (<=1.5) |"
          % cpython["python"])
    print("|---|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print("| %s | %s | %s | %s | %s | %s | %s |" % (
            row["label"], row["op"], human(row["ours_us"]), human(row["razorvine_us"]), human(row["cpython_us"]),
            _ratio(row["razorvine_over_ours"], row["meets_razorvine_target"]),
            _ratio(row["ours_over_cpython"], row["meets_cpython_target"])))
    result = {"machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                          "python": cpython["python"]},
              "unit": "us/op", "targets": {"razorvine_over_ours_min": RAZORVINE_TARGET,
                                           "ours_over_cpython_max": CPYTHON_TARGET},
              "rows": rows}
    with open(out_path, "w") as out:
        json.dump(result, out, indent=2)
        out.write("\n")


def _row(scores, cpython, name, label, op, ours_method, variant):
    ours = scores.get((name, ours_method), (None, None))[0]
    theirs = scores.get((name, op + "Razorvine"), (None, None))[0]
    native = cpython["payloads"].get(name, {}).get(op)
    vs_razorvine = theirs / ours if ours and theirs else None
    vs_cpython = ours / native if ours and native else None
    return {
        "payload": name, "label": label, "op": op, "variant": variant,
        "ours_us": ours, "razorvine_us": theirs, "cpython_us": native,
        "razorvine_over_ours": vs_razorvine, "ours_over_cpython": vs_cpython,
        "meets_razorvine_target": vs_razorvine is not None and vs_razorvine >= RAZORVINE_TARGET,
        "meets_cpython_target": vs_cpython is not None and vs_cpython <= CPYTHON_TARGET,
    }


def _ratio(value, met):
    return "n/a" if value is None else "%.2fx%s" % (value, "" if met else " **miss**")


if __name__ == "__main__":
    main(*sys.argv[1:])
