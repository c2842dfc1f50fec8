"""Row 8's measurements, run inside the interpreter that has JPype (Debian's /usr/bin/python3).

Both sides run in this one interpreter, alternating: picklebridge (a private JVM over pipes,
``sys.echo``) and JPype (a JVM inside this process, ``java.util.Objects.requireNonNull`` as
the identity: the tuple goes in as ``Object[]`` and comes back as a tuple of its elements;
bytes go in as ``byte[]`` and come back as ``bytes``). Prints one JSON object::

    /usr/bin/python3 peer_jpype.py --calls 20000 --rounds 3 --bytes-mib 1,16,256
"""

import argparse
import glob
import json
import statistics
import sys
import time

SMALL_TUPLE = (1, "two", 3.0)


def _latencies(call, count):
    clock = time.perf_counter_ns
    out = []
    for _ in range(count):
        start = clock()
        call()
        out.append((clock() - start) / 1000.0)
    return out


def _p99(values):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.99 * len(values))) - 1)]


def start_jpype():
    """Start JPype's JVM; Debian's package needs its support jar on the class path."""
    import jpype
    support = sorted(glob.glob("/usr/share/java/org.jpype*.jar"))
    if support:
        jpype.startJVM(classpath=support[:1], convertStrings=False)
    else:
        jpype.startJVM(convertStrings=False)
    from jpype.types import JArray, JByte, JObject
    identity = jpype.JClass("java.util.Objects").requireNonNull
    object_array, byte_array = JArray(JObject), JArray(JByte)

    def echo_tuple():
        return tuple(identity(object_array(SMALL_TUPLE)))

    def echo_bytes(data):
        return bytes(identity(byte_array(data)))

    return jpype.__version__, echo_tuple, echo_bytes


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--warmup", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bytes-mib", default="1,16,256")
    args = parser.parse_args()
    sizes = [int(s) for s in args.bytes_mib.split(",") if s]

    import picklebridge
    client = picklebridge.connect(None)
    version, jpype_tuple, jpype_bytes = start_jpype()
    sides = {"ours": (lambda: client.call("sys.echo", SMALL_TUPLE),
                      lambda data: client.call("sys.echo", data)),
             "jpype": (jpype_tuple, jpype_bytes)}
    result = {"python": sys.version.split()[0], "jpype_version": version}
    try:
        for name, (echo_tuple, _) in sides.items():
            if tuple(echo_tuple()) != SMALL_TUPLE:
                raise AssertionError("%s echoed %r" % (name, echo_tuple()))
            for _ in range(args.warmup):
                echo_tuple()
        samples = {name: [] for name in sides}
        per_round = max(1, args.calls // args.rounds)
        for _ in range(args.rounds):
            for name, (echo_tuple, _) in sides.items():
                samples[name] += _latencies(echo_tuple, per_round)
        for name, values in samples.items():
            result[name] = {"median_us": statistics.median(values), "p99_us": _p99(values),
                            "calls": len(values), "bytes_mib_per_s": {}}
        for size in sizes:
            data = bytes(range(256)) * (size * 4096)
            reps = 2 if size >= 256 else 5
            times = {name: [] for name in sides}
            for rep in range(reps + 1):
                for name, (_, echo_bytes) in sides.items():
                    start = time.perf_counter()
                    echoed = echo_bytes(data)
                    elapsed = time.perf_counter() - start
                    if len(echoed) != len(data) or (rep == 0 and echoed != data):
                        raise AssertionError("%s echoed %d bytes of %d" % (name, len(echoed), len(data)))
                    del echoed
                    if rep:
                        times[name].append(elapsed)
            for name in sides:
                result[name]["bytes_mib_per_s"][str(size)] = size / statistics.median(times[name])
    finally:
        client.close()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
