"""Python counterparts of the server's sys/demo workers, for side-by-side tests with
multiprocessing.Pool (importable by its worker processes)."""

import time


def echo(x):
    return x


def square(x):
    return x * x


def floordiv(a, b):
    return a // b


def fail_value_error(message):
    raise ValueError(message)


def sleep(seconds):
    time.sleep(seconds)


def fail(java_class, message):
    """What sys.fail does for the Java classes the tests use."""
    raise {"java.lang.IllegalArgumentException": ValueError}[java_class](message)
