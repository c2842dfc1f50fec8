"""User-level types the corpus, checker and round-trip scripts share.

Pickles name these by module, so they live in their own module (``pbfixtures``) rather than in
``__main__``: a pickle made by one script loads in another. Imports on Python 3.6+ (dataclasses
and zoneinfo are optional there).
"""
import collections
import enum

try:
    import dataclasses
except ImportError:  # Python 3.6
    dataclasses = None

Point = collections.namedtuple("Point", "x y")


class Color(enum.Enum):
    """An Enum pickled by value: ``Color(1)``."""
    RED = 1
    GREEN = 2
    BLUE = "blue"


class Slotted:
    """A __slots__ class: its state pickles as ``(None, {slot: value})``."""
    __slots__ = ("a", "b")

    def __init__(self, a, b):
        self.a = a
        self.b = b

    def __eq__(self, other):
        return type(other) is Slotted and (self.a, self.b) == (other.a, other.b)

    def __repr__(self):
        return "Slotted(%r, %r)" % (self.a, self.b)


class Plain:
    """An ordinary class with a __dict__."""

    def __init__(self, **attributes):
        self.__dict__.update(attributes)

    def __eq__(self, other):
        return type(other) is Plain and self.__dict__ == other.__dict__

    def __repr__(self):
        return "Plain(%s)" % ", ".join("%s=%r" % item for item in self.__dict__.items())


class Bag(list):
    """A list subclass with an attribute: pickles with APPENDS and BUILD."""

    def __eq__(self, other):
        return type(other) is Bag and list(self) == list(other) and self.__dict__ == other.__dict__

    def __repr__(self):
        return "Bag(%s, %r)" % (list.__repr__(self), self.__dict__)


class Registry(dict):
    """A dict subclass: pickles with SETITEMS."""

    def __eq__(self, other):
        return type(other) is Registry and dict(self) == dict(other) and self.__dict__ == other.__dict__

    def __repr__(self):
        return "Registry(%s)" % dict.__repr__(self)


if dataclasses is not None:
    @dataclasses.dataclass
    class Pt:
        """A dataclass: pickled as NEWOBJ plus a BUILD of its __dict__."""
        x: object
        y: object = None
else:
    Pt = None
