"""The restricted unpickler and the error mapping, without a peer."""

import collections
import datetime
import decimal
import enum
import fractions
import pickle
import unittest
import uuid
from concurrent.futures import CancelledError

from picklebridge.errors import JavaError, RemoteTraceback, exception_from_info
from picklebridge.safe_pickle import AllowList, GlobalRefusedError, loads, peek_kind_and_id


class Colour(enum.Enum):
    RED = 1


class Point:
    def __init__(self, x):
        self.x = x

    def __eq__(self, other):
        return isinstance(other, Point) and other.x == self.x


class RestrictedUnpicklerTest(unittest.TestCase):

    def test_value_types_load(self):
        value = [1, 2 ** 70, 1.5, 2j, "s", b"b", bytearray(b"ba"), (1,), {1: 2}, {3}, frozenset({4}),
                 range(3), slice(1, 2), datetime.datetime(2024, 1, 2, 3, 4, 5, 6),
                 datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
                 datetime.timedelta(seconds=3), decimal.Decimal("1.10"), uuid.UUID(int=7),
                 fractions.Fraction(1, 3), collections.OrderedDict(a=1),
                 collections.defaultdict(list, a=[1]), collections.Counter("aab")]
        for protocol in range(0, pickle.HIGHEST_PROTOCOL + 1):
            with self.subTest(protocol=protocol):
                self.assertEqual(loads(pickle.dumps(value, protocol)), value)

    def test_refuses_unlisted_global_naming_it_and_the_fix(self):
        data = pickle.dumps(Point(1))
        with self.assertRaises(GlobalRefusedError) as caught:
            loads(data)
        self.assertIsInstance(caught.exception, pickle.UnpicklingError)
        self.assertIn("'%s.Point'" % __name__, str(caught.exception))
        self.assertIn("allow=", str(caught.exception))

    def test_refuses_code_execution_gadgets(self):
        payload = b"cos\nsystem\n(S'echo pwned'\ntR."
        with self.assertRaises(GlobalRefusedError):
            loads(payload)
        with self.assertRaises(GlobalRefusedError):
            loads(pickle.dumps(eval))

    def test_getattr_only_reaches_allowed_names(self):
        try:
            import zoneinfo
            paris = zoneinfo.ZoneInfo("Europe/Paris")
        except Exception:
            self.skipTest("zoneinfo needs Python 3.9+ and a tz database")
        self.assertEqual(loads(pickle.dumps(paris, 5)), paris)  # getattr(ZoneInfo, "_unpickle")
        # getattr(allowed, "__init__") and friends stay out of reach
        gadget = b"\x80\x04cbuiltins\ngetattr\ncbuiltins\nstr\nX\x08\x00\x00\x00__init__\x86R."
        with self.assertRaises(GlobalRefusedError):
            loads(gadget)

    def test_allow_extends_by_string_tuple_or_class(self):
        data = pickle.dumps(Point(2))
        for entry in ("%s.Point" % __name__, (__name__, "Point"), Point, (__name__, "*")):
            with self.subTest(entry=entry):
                self.assertEqual(loads(data, AllowList([entry])), Point(2))

    def test_enum_classes_of_imported_modules_load(self):
        self.assertIs(loads(pickle.dumps(Colour.RED)), Colour.RED)

    def test_peek_reads_kind_and_id_without_loading(self):
        data = pickle.dumps(("result", 42, Point(3)), 5)
        self.assertEqual(peek_kind_and_id(data), ("result", 42))
        self.assertEqual(peek_kind_and_id(pickle.dumps(("error", None, {}), 2)), ("error", None))


class ErrorMappingTest(unittest.TestCase):

    def info(self, **fields):
        info = {"type": "ValueError", "java_class": "java.lang.IllegalArgumentException",
                "message": "n must be positive", "traceback":
                "java.lang.IllegalArgumentException: n must be positive\n\tat Demo.run(Demo.java:7)"}
        info.update(fields)
        return info

    def test_builtin_type_with_remote_traceback_as_cause(self):
        exc = exception_from_info(self.info())
        self.assertIs(type(exc), ValueError)
        self.assertEqual(str(exc), "n must be positive")
        self.assertEqual(exc.java_class, "java.lang.IllegalArgumentException")
        self.assertIsInstance(exc.__cause__, RemoteTraceback)
        self.assertIn("at Demo.run(Demo.java:7)", str(exc.__cause__))

    def test_special_and_unknown_names(self):
        self.assertIs(type(exception_from_info(self.info(type="CancelledError"))), CancelledError)
        self.assertIs(type(exception_from_info(self.info(type="TimeoutError"))), TimeoutError)
        for name in ("JavaException", "NoSuchThing", "print", "BaseException", "SystemExit"):
            with self.subTest(name=name):
                exc = exception_from_info(self.info(type=name))
                self.assertIs(type(exc), JavaError)
                self.assertIn("java.lang.IllegalArgumentException", str(exc))

    def test_builtin_needing_more_arguments_falls_back(self):
        exc = exception_from_info(self.info(type="UnicodeDecodeError"))
        self.assertIsInstance(exc, JavaError)


if __name__ == "__main__":
    unittest.main()
