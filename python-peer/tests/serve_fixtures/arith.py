"""Plain module-level functions: served as ``tests.serve_fixtures.arith.<name>``."""

import os
import threading
import time

from picklebridge.serve import call_cancelled

if os.environ.get("PICKLEBRIDGE_SERVE_FIXTURE_PRINT"):  # set by ServeProcess: a stdio check
    print("arith imported; this line must not reach the frame stream")


class InsufficientFunds(Exception):
    """A user-defined exception: its reply's type is the qualified class name."""


def add(a, b):
    return a + b


def echo(value):
    return value


def describe(value):
    """The Python type names of a value and its items, to check what Java-side codecs send."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return [type(value).__name__, [type(item).__name__ for item in value]]
    if isinstance(value, dict):
        return [type(value).__name__, {key: type(item).__name__ for key, item in value.items()}]
    return [type(value).__name__]


def greet(name, punctuation="!"):
    return "hello " + name + punctuation


def withdraw(balance, amount):
    if amount > balance:
        raise InsufficientFunds("balance %d is less than %d" % (balance, amount))
    return balance - amount


def divide(a, b):
    return _checked_divide(a, b)


def _checked_divide(a, b):
    return a / b


def count_up(n):
    """A generator: streamed item by item when the call asks for ``stream``."""
    for i in range(n):
        yield i


def pid():
    return os.getpid()


def sleep(seconds):
    time.sleep(seconds)
    return seconds


def announce_then_sleep(path, seconds):
    """Write this process's pid to ``path`` (so a test knows the call started), then sleep."""
    with open(path + ".tmp", "w") as out:
        out.write(str(os.getpid()))
    os.replace(path + ".tmp", path)
    time.sleep(seconds)
    return seconds


def unpicklable():
    return threading.Lock()


def exit_process(code):
    os._exit(code)


_barriers = {}
_barriers_lock = threading.Lock()


def rendezvous(tag, parties, timeout=20.0):
    """Wait until ``parties`` calls with this ``tag`` are running at once; True when they met.

    Calls that run one after another never meet, so meeting proves concurrency without
    measuring time (the timeout only bounds a failing run, which returns False).
    """
    with _barriers_lock:
        barrier = _barriers.setdefault(tag, threading.Barrier(parties))
    try:
        barrier.wait(timeout)
    except threading.BrokenBarrierError:
        return False
    return True


_started = set()
_stopped = set()


def wait_until_cancelled(tag, timeout=20.0):
    """Poll :func:`call_cancelled` like a cooperative long-running worker would."""
    _started.add(tag)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if call_cancelled():
            _stopped.add(tag)
            return "stopped"
        time.sleep(0.01)
    return "not cancelled"


def has_started(tag):
    return tag in _started


def was_stopped(tag):
    return tag in _stopped
