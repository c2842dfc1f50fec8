"""Pickle a corpus of values at protocols 0-5 and write them to stdout for a Java test.

Usage: ``python3 corpus.py [PROTOCOL ...]`` (default: 0 to pickle.HIGHEST_PROTOCOL).

For every case and protocol it writes three frames (see pbframes): the case name, the status
(``ok <protocol>`` or ``skip <protocol> <reason>`` when this Python cannot pickle the value at
that protocol) and the pickle (empty when skipped). The Java side knows, by case name, what each
value must decode to.
"""
import array
import collections
import datetime
import decimal
import fractions
import pickle
import sys
import uuid
import zoneinfo

import pbfixtures
from pbframes import write_frame

UTC = datetime.timezone.utc
PLUS_0530 = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
MINUS_07 = datetime.timezone(datetime.timedelta(hours=-7))
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def shared_list():
    part = [1, "x"]
    return [part, part, [1, "x"]]


def cyclic_list():
    items = [1]
    items.append(items)
    return items


def cyclic_dict():
    table = {"name": "root"}
    table["self"] = table
    return table


def cycle_through_tuple():
    holder = []
    pair = (1, holder)
    holder.append(pair)
    return pair


def shared_tuple():
    point = (1, 2.5, "p")
    return {"a": point, "b": point}


def bag():
    b = pbfixtures.Bag([1, 2, 3])
    b.label = "bag"
    return b


def registry():
    r = pbfixtures.Registry(a=1)
    r["b"] = [2]
    return r


def cases():
    """(name, value) pairs; the Java test holds the expected value of each name."""
    yield "none", None
    yield "true", True
    yield "false", False
    yield "ints", [0, 1, -1, 127, 128, 255, 256, -256, 65535, 65536, 2 ** 31 - 1, -2 ** 31,
                   2 ** 31, 2 ** 32, 2 ** 63 - 1, -2 ** 63]
    yield "bigints", [2 ** 63, -2 ** 63 - 1, 2 ** 64, 10 ** 40, -10 ** 40, 2 ** 1000]
    yield "floats", [0.0, -0.0, 1.5, -2.25, 1e308, 5e-324, 0.1, float("inf"), float("-inf"), float("nan")]
    yield "complex", [1 + 2j, complex(float("nan"), -0.0), -1.5j]
    yield "strings", ["", "ascii", "h\u00e9llo", "\u65e5\u672c", "\U0001F600", "back\\slash\nnew line",
                      "\ud800", "a\udfffb", "\x00nul"]
    yield "bytes", [b"", b"\x00\xff", bytes(range(256))]
    yield "bytearray", bytearray(b"\x00mutable\xff")
    yield "bytes_vs_bytearray", (b"ab", bytearray(b"ab"))
    yield "tuples", [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)]
    yield "list", [1, "a", None, 2.0]
    yield "dict_order", {"b": 1, "a": 2, 3: "c", (1, 2): "t", None: 0}
    yield "set", {1, 2, 3}
    yield "frozenset", frozenset({"x", "y"})
    yield "empties", ([], {}, set(), frozenset(), (), "", b"")
    yield "nested", {"a": [1, (2, [3, {"x": frozenset({(1, 2)})}])]}
    yield "tuple_key", {(1, "a"): [1], frozenset({1}): "f"}
    yield "shared_list", shared_list()
    yield "cyclic_list", cyclic_list()
    yield "cyclic_dict", cyclic_dict()
    yield "cycle_through_tuple", cycle_through_tuple()
    yield "shared_tuple", shared_tuple()
    yield "long_list", list(range(2500))
    yield "date", datetime.date(2024, 2, 29)
    yield "time", datetime.time(13, 14, 15, 123456)
    yield "time_offset", datetime.time(1, 2, 3, 4, tzinfo=PLUS_0530)
    yield "datetime", datetime.datetime(2024, 1, 2, 3, 4, 5, 678901)
    yield "datetime_utc", datetime.datetime(2024, 1, 2, 3, 4, 5, 1, tzinfo=UTC)
    yield "datetime_offset", datetime.datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=MINUS_07)
    yield "datetime_zoneinfo", datetime.datetime(2024, 7, 14, 12, 30, 0, 250000, tzinfo=PARIS)
    yield "datetime_zoneinfo_winter", datetime.datetime(2024, 1, 5, 8, 0, 0, 7, tzinfo=NEW_YORK)
    yield "timedelta", [datetime.timedelta(days=-1, seconds=5, microseconds=7),
                        datetime.timedelta(days=3, hours=4, microseconds=999999), datetime.timedelta(0)]
    yield "decimal", [decimal.Decimal("3.14159"), decimal.Decimal("-0.000"), decimal.Decimal("1E+1000"),
                      decimal.Decimal("12345678901234567890.0987654321")]
    yield "uuid", uuid.UUID("12345678-1234-5678-9abc-def012345678")
    yield "fraction", [fractions.Fraction(3, 4), fractions.Fraction(-10 ** 30, 7)]
    yield "range", [range(0, 10, 3), range(5), range(10, -10, -2)]
    yield "slice", [slice(1, None, 2), slice(None, 5, None), slice("a", (1,), 3.0)]
    yield "ordereddict", collections.OrderedDict([("b", 1), ("a", 2)])
    yield "defaultdict", collections.defaultdict(list, {"a": [1], "b": []})
    yield "defaultdict_none", collections.defaultdict(None, {"k": 1})
    yield "counter", collections.Counter("abracadabra")
    yield "enum", [pbfixtures.Color.RED, pbfixtures.Color.BLUE, pbfixtures.Color.RED]
    yield "namedtuple", pbfixtures.Point(1, "two")
    yield "dataclass", pbfixtures.Pt(x=1, y=[2, "three"])
    yield "slots", pbfixtures.Slotted(1, "b")
    yield "plain_object", pbfixtures.Plain(a=1, b="two")
    yield "list_subclass", bag()
    yield "dict_subclass", registry()
    yield "global_value", [len, pbfixtures.Plain, int]
    for code in "bBuhHiIlLqQfd":
        yield "array_" + code, array_of(code)


def array_of(code):
    samples = {
        "b": [-128, 0, 127], "B": [0, 255], "u": "h\u00e9\U0001F600",
        "h": [-32768, 32767], "H": [0, 65535], "i": [-2 ** 31, 2 ** 31 - 1], "I": [0, 2 ** 32 - 1],
        "l": [-2 ** 63, 2 ** 63 - 1], "L": [0, 2 ** 64 - 1], "q": [-2 ** 63, 2 ** 63 - 1],
        "Q": [0, 2 ** 64 - 1], "f": [1.5, -0.0, float("inf")], "d": [0.1, -0.0, float("nan")],
    }
    return array.array(code, samples[code])


def main(argv):
    protocols = [int(p) for p in argv] or list(range(pickle.HIGHEST_PROTOCOL + 1))
    out = sys.stdout.buffer
    for name, value in cases():
        for protocol in protocols:
            try:
                data = pickle.dumps(value, protocol)
                status = "ok %d" % protocol
            except Exception as error:  # this Python cannot pickle it at this protocol
                data = b""
                status = "skip %d %s: %s" % (protocol, type(error).__name__, error)
            write_frame(name.encode(), out)
            write_frame(status.encode(), out)
            write_frame(data, out)
    out.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
