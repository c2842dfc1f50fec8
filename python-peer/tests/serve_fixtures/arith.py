"""Plain module-level functions: served as ``tests.serve_fixtures.arith.<name>``."""

import os
import threading
import time

from picklebridge.serve import call_cancelled

print("arith imported; this line must not reach the frame stream")  # stdio mode check


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


def unpicklable():
    return threading.Lock()


def exit_process(code):
    os._exit(code)


_active = 0
_active_lock = threading.Condition()


def rendezvous(parties, timeout=20.0):
    """Wait until ``parties`` calls are running at once; return how many were seen together.

    Calls that run one after another never meet, so the count proves concurrency without
    measuring time (the timeout only bounds a failing run).
    """
    global _active
    with _active_lock:
        _active += 1
        seen = _active
        _active_lock.notify_all()
        deadline = time.monotonic() + timeout
        while _active < parties and time.monotonic() < deadline:
            _active_lock.wait(deadline - time.monotonic())
            seen = max(seen, _active)
        seen = max(seen, _active)
        _active -= 1
        return seen


_stopped = set()


def wait_until_cancelled(tag, timeout=20.0):
    """Poll :func:`call_cancelled` like a cooperative long-running worker would."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if call_cancelled():
            _stopped.add(tag)
            return "stopped"
        time.sleep(0.01)
    return "not cancelled"


def was_stopped(tag):
    return tag in _stopped
