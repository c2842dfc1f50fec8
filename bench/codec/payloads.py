"""Write the codec benchmark's payloads as protocol-5 pickles: ``python3 payloads.py DIR``.

Each payload is ``DIR/<name>.pickle``; the JMH benchmark (bench/codec-jmh) and
cpython_bench.py time the very same bytes. Deterministic (seeded).
"""
import os
import pickle
import random
import sys

PROTOCOL = 5


def payloads():
    """name -> value, in table order."""
    rng = random.Random(20261122)
    return {
        "rpc": ("call", 1, "sys.echo", ((1, "two", 3.0),), {}),
        "ints": [rng.randrange(-2 ** 31, 2 ** 31) for _ in range(1_000_000)],
        "floats": [rng.random() * 1e6 for _ in range(1_000_000)],
        "strings": ["s%06d" % i for i in range(200_000)],
        "dicts": [{"id": i, "name": "user%d" % i, "score": i * 0.5} for i in range(100_000)],
        "bytes": rng.randbytes(64 * 1024 * 1024),
    }


def main(directory):
    os.makedirs(directory, exist_ok=True)
    for name, value in payloads().items():
        with open(os.path.join(directory, name + ".pickle"), "wb") as out:
            out.write(pickle.dumps(value, PROTOCOL))


if __name__ == "__main__":
    main(sys.argv[1])
