"""Functions the Java client's tests call through ``python -m picklebridge serve``.

Served as ``javacalls.<name>``; :func:`quote` also as ``pricing.quote`` (``@expose``).
"""

import datetime
import decimal
import fractions
import os
import sys
import time
import uuid

import picklebridge

print("javacalls imported; this line must not reach the frame stream")


class InsufficientFunds(Exception):
    """A user-defined exception: its reply's type names the class."""


def echo(value):
    """Return ``value`` as received: Java sends it, Python pickles it back."""
    return value


def type_names(*args, **kwargs):
    """The Python type names of the arguments, to check what arrives from Java."""
    names = [type(arg).__name__ for arg in args]
    names += ["%s=%s" % (key, type(value).__name__) for key, value in sorted(kwargs.items())]
    return names


def kinds():
    """One value of each type the codec table maps, keyed by a readable name."""
    return {
        "none": None,
        "bool": True,
        "small_int": 7,
        "big_int": 2 ** 100,
        "float": 2.5,
        "str": "h\u00e9llo \U0001f30d",
        "bytes": b"\x00\x01\xff",
        "bytearray": bytearray(b"ab"),
        "tuple": (1, "a"),
        "list": [1, [2, 3]],
        "dict": {"b": 1, "a": 2},
        "set": {3},
        "frozenset": frozenset({4}),
        "date": datetime.date(2026, 11, 22),
        "datetime": datetime.datetime(2026, 11, 22, 3, 4, 5, 123456),
        "utc": datetime.datetime(2026, 11, 22, 3, 4, 5, tzinfo=datetime.timezone.utc),
        "timedelta": datetime.timedelta(seconds=90, microseconds=5),
        "decimal": decimal.Decimal("3.14159265358979323846"),
        "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "fraction": fractions.Fraction(1, 3),
        "complex": complex(1, -2),
    }


def divide(a, b):
    """ZeroDivisionError (with a two-frame traceback) when ``b`` is 0."""
    return _checked_divide(a, b)


def _checked_divide(a, b):
    return a / b


def withdraw(balance, amount):
    if amount > balance:
        raise InsufficientFunds("balance %d is less than %d" % (balance, amount))
    return balance - amount


def greet(name, punctuation="!"):
    return "hello " + name + punctuation


def square(x):
    if not isinstance(x, (int, float)):
        raise TypeError("square() needs a number, got %s" % type(x).__name__)
    return x * x


def count_up(n, fail_at=None):
    """A generator: streamed item by item when the call asks for ``stream``."""
    for i in range(n):
        if i == fail_at:
            raise RuntimeError("stopped at %d" % i)
        yield i


def nap(seconds):
    """Sleep, then return ``seconds``."""
    time.sleep(seconds)
    return seconds


def die(code, message):
    """Write ``message`` to stderr and end the process at once with ``code``."""
    print(message, file=sys.stderr, flush=True)
    os._exit(code)


def pid():
    return os.getpid()


@picklebridge.expose(name="pricing.quote")
def quote(symbol, quantity, discount=0.0):
    """Registered under an explicit name with ``@picklebridge.expose``."""
    prices = {"ACME": 12.5, "INIT": 3.0}
    if symbol not in prices:
        raise KeyError(symbol)
    return round(prices[symbol] * quantity * (1 - discount), 2)
