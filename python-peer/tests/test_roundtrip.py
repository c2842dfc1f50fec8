"""Every type of the codec's table survives a round trip through the JVM's sys.echo."""

import array
import collections
import dataclasses
import datetime
import decimal
import enum
import fractions
import math
import unittest
import uuid

import picklebridge
from picklebridge import GlobalRefusedError

from .support import server_jar

try:
    import zoneinfo
    PARIS = zoneinfo.ZoneInfo("Europe/Paris")
except Exception:  # Python < 3.9, or no tz database
    PARIS = None


@dataclasses.dataclass
class Point:
    x: int
    y: float


class Colour(enum.Enum):
    RED = 1
    GREEN = "g"


Pair = collections.namedtuple("Pair", "left right")

VALUES = {
    "none": None, "true": True, "false": False,
    "int": 7, "negative": -3, "int64 max": 2 ** 63 - 1, "int64 min": -2 ** 63,
    "big int": 2 ** 64, "huge negative": -(2 ** 200) + 1,
    "float": 1.5, "inf": float("inf"), "-inf": float("-inf"), "tiny": 5e-324,
    "complex": complex(1.5, -2), "str": "héllo wörld ✓ 𝄞", "empty str": "",
    "lone surrogate": "a\ud800b", "bytes": bytes(range(256)), "empty bytes": b"",
    "bytearray": bytearray(b"\x00\xffabc"), "tuple": (1, ("nested", 2.0), ()),
    "list": [1, [2, [3]], []], "dict": {"b": 1, "a": 2, 3: "three", (1, 2): None},
    "set": {1, "two", (3,)}, "frozenset": frozenset({1, 2}),
    "date": datetime.date(2024, 2, 29), "time": datetime.time(23, 59, 58, 123456),
    "time with offset": datetime.time(1, 2, 3, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))),
    "datetime": datetime.datetime(2024, 1, 2, 3, 4, 5, 678901),
    "utc datetime": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
    "offset datetime": datetime.datetime(2024, 1, 2, 3, 4, 5,
                                         tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30))),
    "timedelta": datetime.timedelta(days=-2, seconds=5, microseconds=7),
    "decimal": decimal.Decimal("-1234.5600"), "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "fraction": fractions.Fraction(-22, 7), "range": range(1, 100, 3), "slice": slice(1, None, -2),
    "ordered dict": collections.OrderedDict([("z", 1), ("a", 2)]),
    "defaultdict": collections.defaultdict(list, {"k": [1]}),
    "counter": collections.Counter("abracadabra"),
    "array q": array.array("q", [1, -2, 2 ** 62]), "array d": array.array("d", [1.5, -0.0]),
    "array i": array.array("i", [1, 2]), "array b": array.array("b", [-1, 1]),
    "array B": array.array("B", [0, 255]), "array f": array.array("f", [0.5]),
}
if PARIS is not None:
    VALUES["zoneinfo datetime"] = datetime.datetime(2024, 7, 1, 12, 0, tzinfo=PARIS)


class EchoRoundTripTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        server_jar()
        cls.client = picklebridge.connect(allow=[Point, ("tests.test_roundtrip", "Pair")])
        cls.strict = picklebridge.connect()

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.strict.close()

    def echo(self, value):
        return self.client.call("sys.echo", value)

    def test_every_table_type(self):
        for name, value in VALUES.items():
            with self.subTest(name):
                back = self.echo(value)
                self.assertEqual(back, value)
                self.assertIs(type(back), type(value))
        back = self.echo(VALUES)
        self.assertEqual(back, VALUES)

    def test_float_specials(self):
        self.assertTrue(math.isnan(self.echo(float("nan"))))
        self.assertEqual(math.copysign(1, self.echo(-0.0)), -1)

    def test_dict_order_and_defaultdict_factory_kept(self):
        back = self.echo({"z": 1, "a": 2, "m": 3})
        self.assertEqual(list(back), ["z", "a", "m"])
        self.assertIs(self.echo(collections.defaultdict(int)).default_factory, int)

    def test_zoneinfo_kept(self):
        if PARIS is None:
            self.skipTest("zoneinfo needs Python 3.9+ and a tz database")
        self.assertEqual(self.echo(VALUES["zoneinfo datetime"]).tzinfo, PARIS)

    def test_shared_references_stay_shared(self):
        shared = [1, 2]
        back = self.echo([shared, shared, {"again": shared}])
        self.assertIs(back[0], back[1])
        self.assertIs(back[0], back[2]["again"])

    def test_cycles(self):
        cyclic = [1]
        cyclic.append(cyclic)
        back = self.echo(cyclic)
        self.assertIs(back[1], back)
        table = {"name": "t"}
        table["self"] = table
        back = self.echo(table)
        self.assertIs(back["self"], back)

    def test_user_types_need_allowing(self):
        value = Point(1, 2.5)
        self.assertEqual(self.echo(value), value)
        self.assertEqual(self.echo(Pair(1, "x")), Pair(1, "x"))
        with self.assertRaises(GlobalRefusedError) as caught:
            self.strict.call("sys.echo", value)
        self.assertIn("tests.test_roundtrip.Point", str(caught.exception))
        # the refused reply failed its own call only
        self.assertEqual(self.strict.call("sys.echo", 1), 1)

    def test_bare_globals(self):
        self.assertIs(self.echo(int), int)
        self.assertIs(self.echo(Point), Point)
        self.assertEqual(self.echo([complex, Point(0, 0.5)]), [complex, Point(0, 0.5)])

    def test_enum_members_of_imported_modules(self):
        self.assertIs(self.strict.call("sys.echo", Colour.GREEN), Colour.GREEN)

    def test_older_pickle_protocols(self):
        value = [b"bytes", bytearray(b"ba"), {1, 2}, datetime.date(2024, 1, 2), decimal.Decimal("1.5"),
                 collections.OrderedDict(a=1), 2 ** 70, ("t", None)]
        for protocol in (2, 3, 4):
            with self.subTest(protocol=protocol):
                with picklebridge.connect(protocol=protocol) as client:
                    self.assertEqual(client.connections[0].protocol, protocol)
                    self.assertEqual(client.call("sys.echo", value), value)

    def test_large_payload(self):
        blob = bytes(range(256)) * 40_000  # 10 MB
        self.assertEqual(self.echo(blob), blob)


if __name__ == "__main__":
    unittest.main()
