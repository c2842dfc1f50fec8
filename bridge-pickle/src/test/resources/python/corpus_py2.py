"""Pickle a Python 2 corpus at protocols 0-2 and write it to stdout (run under Python 2.7).

Same output as corpus.py: per case and protocol, three frames (name, ``ok <protocol>``,
pickle). Python 2 ``str`` is bytes, so the Java side decodes these with each
``python2StringEncoding`` choice, as Python 3's ``pickle.loads(..., encoding=)`` would.
"""
import datetime
import pickle
import struct
import sys


class Thing(object):
    """A new-style class: protocols 0-1 pickle it through copy_reg._reconstructor."""

    def __init__(self, a, b):
        self.a = a
        self.b = b


def cases():
    yield "py2_str", "abc"
    yield "py2_str_latin1", "h\xe9"
    yield "py2_unicode", u"h\xe9\u65e5\U0001F600"
    yield "py2_int", [0, 1, -1, 255, 65536, 2 ** 31 - 1, -2 ** 31]
    yield "py2_long", [10L, 2 ** 63 - 1, 2 ** 70, -(2 ** 70)]
    yield "py2_floats", [1.5, -0.0, float("inf"), float("-inf"), float("nan")]
    yield "py2_bools", [True, False, None]
    yield "py2_containers", {"list": [1, 2], "tuple": (1, u"u"), "set": set([3]), "frozen": frozenset([4])}
    yield "py2_datetime", datetime.datetime(2020, 1, 2, 3, 4, 5, 6)
    yield "py2_date", datetime.date(1999, 12, 31)
    yield "py2_object", Thing(1, u"two")


def write_frame(out, data):
    out.write(struct.pack(">I", len(data)))
    out.write(data)


def main(argv):
    protocols = [int(p) for p in argv] or [0, 1, 2]
    out = sys.stdout
    for name, value in cases():
        for protocol in protocols:
            write_frame(out, name)
            write_frame(out, "ok %d" % protocol)
            write_frame(out, pickle.dumps(value, protocol))
    out.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
