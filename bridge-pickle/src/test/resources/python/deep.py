"""Strict structural equality for object graphs that went through another pickler.

``==`` is not enough: it treats 1 == True == 1.0, nan != nan, 0.0 == -0.0, ignores dict order
and cannot tell a shared list from two equal lists. ``difference(a, b)`` walks both graphs
together and returns None when they match, else a path and reason. It requires:

* the same type at every node (bool is not int, bytes is not bytearray, tuple is not list);
* floats equal bit for bit up to nan (any nan matches any nan), so -0.0 != 0.0;
* dicts with the same keys in the same order;
* the same sharing: a mutable object reached twice in ``a`` corresponds to one object reached
  twice in ``b`` (and vice versa), so shared parts and cycles are kept, and equal-but-distinct
  objects are not merged.
"""
import array
import collections
import datetime
import math


_ATOMS = (type(None), bool, int, float, complex, str, bytes, datetime.date, datetime.time,
          datetime.datetime, datetime.timedelta, range, slice)


def difference(a, b):
    """None if the graphs match, else a short description of the first mismatch."""
    return _Walker().diff(a, b, "$")


class _Walker:
    def __init__(self):
        self.forward = {}   # id(a node) -> b node
        self.backward = {}  # id(b node) -> a node
        self.keep = []      # keeps nodes alive so ids stay unique during the walk

    def diff(self, a, b, path):
        if type(a) is not type(b):
            return "%s: type %s != %s (%s vs %s)" % (path, type(a).__name__, type(b).__name__,
                                                     _short(a), _short(b))
        if isinstance(a, float):
            return None if _same_float(a, b) else "%s: %r != %r" % (path, a, b)
        if isinstance(a, complex):
            same = _same_float(a.real, b.real) and _same_float(a.imag, b.imag)
            return None if same else "%s: %r != %r" % (path, a, b)
        if isinstance(a, _ATOMS) or _is_enum(a):
            return _compare_atom(a, b, path)
        identity = self._check_identity(a, b, path)
        if identity is not True:
            return identity
        return self._compare_structure(a, b, path)

    def _check_identity(self, a, b, path):
        """True to go on comparing; None when already compared; else a message."""
        if _identity_free(a):
            return True
        seen_b = self.forward.get(id(a))
        seen_a = self.backward.get(id(b))
        if seen_b is None and seen_a is None:
            self.forward[id(a)] = b
            self.backward[id(b)] = a
            self.keep.append((a, b))
            return True
        if seen_b is b and seen_a is a:
            return None
        return "%s: sharing differs (%s)" % (path, "a shared part became two objects"
                                             if seen_b is not None else "two objects were merged into one")

    def _compare_structure(self, a, b, path):
        if isinstance(a, (bytearray, array.array)):
            same = a == b and (not isinstance(a, array.array) or a.typecode == b.typecode)
            if isinstance(a, array.array) and a.typecode in "fd" and not same:
                same = a.typecode == b.typecode and len(a) == len(b) and all(
                    _same_float(x, y) for x, y in zip(a, b))
            return None if same else "%s: %s != %s" % (path, _short(a), _short(b))
        if isinstance(a, (set, frozenset)):
            return None if a == b else "%s: %s != %s" % (path, _short(a), _short(b))
        if isinstance(a, (list, tuple)):
            if len(a) != len(b):
                return "%s: length %d != %d" % (path, len(a), len(b))
            for index, (x, y) in enumerate(zip(a, b)):
                found = self.diff(x, y, "%s[%d]" % (path, index))
                if found:
                    return found
            return self._compare_attributes(a, b, path)
        if isinstance(a, dict):
            if list(a.keys()) != list(b.keys()):
                return "%s: keys %s != %s" % (path, _short(list(a)), _short(list(b)))
            if isinstance(a, collections.defaultdict) and a.default_factory is not b.default_factory:
                return "%s: default_factory %r != %r" % (path, a.default_factory, b.default_factory)
            for (ka, va), (kb, vb) in zip(a.items(), b.items()):
                found = self.diff(ka, kb, "%s<key %s>" % (path, _short(ka))) or self.diff(
                    va, vb, "%s[%s]" % (path, _short(ka)))
                if found:
                    return found
            return self._compare_attributes(a, b, path)
        return self._compare_attributes(a, b, path)

    def _compare_attributes(self, a, b, path):
        """Instance state: __dict__ and __slots__ values (none for plain builtins)."""
        state_a, state_b = _state(a), _state(b)
        if state_a is None and state_b is None:
            if type(a).__module__ == "builtins" or isinstance(a, (list, tuple, dict)):
                return None
            return None if a == b else "%s: %s != %s" % (path, _short(a), _short(b))
        if list(state_a) != list(state_b):
            return "%s: attributes %s != %s" % (path, sorted(state_a), sorted(state_b))
        for name in state_a:
            found = self.diff(state_a[name], state_b[name], "%s.%s" % (path, name))
            if found:
                return found
        return None


def _state(obj):
    attributes = {}
    if hasattr(obj, "__dict__") and type(obj).__module__ != "builtins":
        attributes.update(obj.__dict__)
    for cls in type(obj).__mro__:
        for name in getattr(cls, "__slots__", ()):
            if hasattr(obj, name):
                attributes[name] = getattr(obj, name)
    return attributes if attributes or hasattr(obj, "__dict__") and not isinstance(
        obj, (list, dict, tuple, set, frozenset)) or type(obj).__module__ != "builtins" else None


def _identity_free(obj):
    """Immutable values Python itself may share or copy freely (the empty tuple, ...)."""
    return isinstance(obj, (tuple, frozenset)) and len(obj) == 0


def _is_enum(obj):
    return any(cls.__name__ == "Enum" and cls.__module__ == "enum" for cls in type(obj).__mro__)


def _compare_atom(a, b, path):
    if isinstance(a, (datetime.datetime, datetime.time)) and (a != b or repr(a.tzinfo) != repr(b.tzinfo)
                                                              or a.fold != b.fold):
        return "%s: %r != %r" % (path, a, b)
    return None if a == b else "%s: %s != %s" % (path, _short(a), _short(b))


def _same_float(x, y):
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return x == y and math.copysign(1.0, x) == math.copysign(1.0, y)


def _short(value, limit=120):
    try:
        text = repr(value)
    except RecursionError:
        text = "<%s (recursive)>" % type(value).__name__
    return text if len(text) <= limit else text[:limit] + "..."
