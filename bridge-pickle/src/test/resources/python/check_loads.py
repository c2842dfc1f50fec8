"""Load pickles written by Java and check them against what each case must be.

Protocol (frames, see pbframes): the Java test sends a case name and a pickle; this script
answers ``ok``, ``skip <reason>`` (this Python lacks what the case needs) or ``fail <reason>``.
It stops at end of input. Runs on Python 3.6+ (protocols <= 4 there).
"""
import array
import collections
import datetime
import decimal
import fractions
import pickle
import sys
import uuid

import deep
import pbfixtures
from pbframes import read_frame, write_frame

try:
    import zoneinfo
except ImportError:  # Python < 3.9
    zoneinfo = None

sys.setrecursionlimit(20000)  # deep.difference recurses per nesting level

NAN = float("nan")
INF = float("inf")


def _shared():
    part = [1]
    return [part, part]


def _cyclic_list():
    items = ["head"]
    items.append(items)
    return items


def _cyclic_map():
    table = {"name": "root"}
    table["self"] = table
    return table


def _shared_tuple():
    pair = (1, "p")
    return [pair, pair]


def _deep(depth):
    value = []
    for _ in range(depth):
        value = [value]
    return value


def _zoned():
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    return datetime.datetime(2024, 7, 14, 12, 30, 0, 250000, tzinfo=paris)


EXPECTED = {
    "none": lambda: None,
    "bools": lambda: [True, False],
    "ints": lambda: [1, 2, 3, 4, 2 ** 100, 5, 6, -2 ** 63, 2 ** 63 - 1, -2 ** 64, 0, 255, 256, 65535, 65536,
                     -1, -129],
    "floats": lambda: [0.0, -0.0, NAN, INF, -INF, 1.5, 5e-324, 0.1],
    "complex": lambda: [1 + 2j, complex(NAN, -0.0)],
    "strings": lambda: ["", "ascii", "h\u00e9llo", "\U0001F600", "\ud800", "x\udfffy", "c", "\x00"],
    "long_string": lambda: "\u00e9" * 100000,
    "bytes": lambda: [b"\x00\x01\xff", b"", bytes(range(256)) * 1000],
    "bytearray": lambda: bytearray(b"\x00\xfe"),
    "bytes_vs_bytearray": lambda: (b"ab", bytearray(b"ab")),
    "tuples": lambda: [(), (1,), (1, "a"), (1, 2, 3), (1, 2, 3, 4, 5)],
    "lists": lambda: [[1, 2], [3], ["o", None], [1, 2], [3, 4], [0.5], [True, False], [], [1, 2, 3, 4]],
    "dict_order": lambda: {"b": 1, "a": 2, (1, "t"): 3, None: 4, 5: "five"},
    "set": lambda: {1, "two", (3,)},
    "frozenset": lambda: frozenset({1, 2}),
    "shared": _shared,
    "equal_not_merged": lambda: [[1], [1]],
    "cyclic_list": _cyclic_list,
    "cyclic_map": _cyclic_map,
    "shared_tuple": _shared_tuple,
    "deep": lambda: _deep(500),
    "big_list": lambda: list(range(100000)),
    "big_dict": lambda: {str(i): i for i in range(3000)},
    "date": lambda: datetime.date(2024, 2, 29),
    "time": lambda: datetime.time(13, 14, 15, 123456),
    "time_offset": lambda: datetime.time(1, 2, 3, 4, tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30))),
    "datetime": lambda: datetime.datetime(2024, 1, 2, 3, 4, 5, 678901),
    "datetime_utc": lambda: datetime.datetime(2024, 1, 2, 3, 4, 5, 1, tzinfo=datetime.timezone.utc),
    "datetime_offset": lambda: datetime.datetime(1999, 12, 31, 23, 59, 59, 999999,
                                                 tzinfo=datetime.timezone(datetime.timedelta(hours=-7))),
    "datetime_zoneinfo": _zoned,
    "instant": lambda: datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc),
    "timedelta": lambda: [datetime.timedelta(days=-1, seconds=5, microseconds=7),
                          datetime.timedelta(days=3, hours=4, microseconds=999999), datetime.timedelta(0)],
    "decimal": lambda: [decimal.Decimal("3.14159"), decimal.Decimal("-0.000"), decimal.Decimal("1E+1000")],
    "uuid": lambda: uuid.UUID("12345678-1234-5678-9abc-def012345678"),
    "fraction": lambda: [fractions.Fraction(3, 4), fractions.Fraction(-10 ** 30, 7)],
    "range": lambda: [range(0, 10, 3), range(10, -10, -2)],
    "slice": lambda: [slice(1, None, 2), slice(None, 5, None)],
    "slice_of_containers": lambda: slice(["a"], ("b",), frozenset({1})),
    "ordereddict": lambda: collections.OrderedDict([("b", 1), ("a", 2)]),
    "defaultdict": lambda: collections.defaultdict(list, {"a": [1]}),
    "counter": lambda: collections.Counter({"a": 5, "b": 2, "r": 2}),
    "array_b": lambda: array.array("b", [-128, 0, 127]),
    "array_B": lambda: array.array("B", [0, 255]),
    "array_h": lambda: array.array("h", [-32768, 32767]),
    "array_H": lambda: array.array("H", [0, 65535]),
    "array_i": lambda: array.array("i", [-2 ** 31, 2 ** 31 - 1]),
    "array_I": lambda: array.array("I", [0, 2 ** 32 - 1]),
    "array_l": lambda: array.array("l", [-2 ** 63, 2 ** 63 - 1]),
    "array_L": lambda: array.array("L", [0, 2 ** 64 - 1]),
    "array_q": lambda: array.array("q", [-2 ** 63, 2 ** 63 - 1]),
    "array_Q": lambda: array.array("Q", [0, 2 ** 64 - 1]),
    "array_f": lambda: array.array("f", [1.5, -0.0]),
    "array_d": lambda: array.array("d", [0.1, -0.0, NAN]),
    "array_u": lambda: array.array("u", "h\u00e9\U0001F600"),
    "record": lambda: {"x": 1, "label": "a", "tags": ["t"]},
    "java_enum": lambda: "GREEN",
    "optional": lambda: [1, None],
    "stream": lambda: [1, 2, 3],
    "pyobject_dataclass": lambda: pbfixtures.Pt(x=1, y=[2]),
    "pyobject_enum": lambda: pbfixtures.Color.RED,
    "pyobject_namedtuple": lambda: pbfixtures.Point(1, "two"),
    "pyobject_plain": lambda: pbfixtures.Plain(a=1, b="two"),
    "pyobject_slots": lambda: pbfixtures.Slotted(1, "b"),
    "pyobject_bag": lambda: _bag(),
    "pyglobal": lambda: [len, pbfixtures.Plain],
}

#: What a case needs from the loading Python, beyond pickle itself.
NEEDS = {
    "datetime_zoneinfo": lambda: zoneinfo is not None,
    "pyobject_dataclass": lambda: pbfixtures.Pt is not None,
}

#: Identity facts ``deep.difference`` implies, checked again by name so a reader sees them.
IDENTITY = {
    "shared": lambda v: v[0] is v[1],
    "equal_not_merged": lambda v: v[0] is not v[1],
    "cyclic_list": lambda v: v[1] is v,
    "cyclic_map": lambda v: v["self"] is v,
    "shared_tuple": lambda v: v[0] is v[1],
    "pyobject_enum": lambda v: v is pbfixtures.Color.RED,
    "pyglobal": lambda v: v[0] is len and v[1] is pbfixtures.Plain,
}


def _bag():
    bag = pbfixtures.Bag([1, 2])
    bag.label = "bag"
    return bag


def check(name, data):
    """Return the answer for one case: ok, skip ... or fail ..."""
    if name not in EXPECTED:
        return "fail unknown case %r" % name
    if name in NEEDS and not NEEDS[name]():
        return "skip Python %d.%d lacks what %s needs" % (sys.version_info[:2] + (name,))
    try:
        value = pickle.loads(data)
    except Exception as error:
        return "fail pickle.loads raised %s: %s" % (type(error).__name__, error)
    found = deep.difference(EXPECTED[name](), value)
    if found:
        return "fail " + found
    if name in IDENTITY and not IDENTITY[name](value):
        return "fail identity check of %s" % name
    return "ok"


def main():
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        name = read_frame(stdin)
        if name is None:
            return
        data = read_frame(stdin)
        write_frame(check(name.decode(), data).encode(), stdout)
        stdout.flush()


if __name__ == "__main__":
    main()
