"""Write pickles of ``list(range(n))`` for the linear-time test: one frame per (n, protocol).

``python3 big_lists.py N [N ...]`` writes, for each N and each protocol 0 and 5, a frame
``<n> <protocol>`` followed by a frame with the pickle. Protocol 0 appends item by item
(APPEND); protocol 5 in batches of 1000 (APPENDS), the case that made razorvine quadratic.
"""
import pickle
import sys

from pbframes import write_frame


def main(sizes):
    for size in sizes:
        value = list(range(size))
        for protocol in (0, 5):
            write_frame(("%d %d" % (size, protocol)).encode())
            write_frame(pickle.dumps(value, protocol))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main([int(n) for n in sys.argv[1:]])
