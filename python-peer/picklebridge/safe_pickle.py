"""Pickling for the wire, and a restricted unpickler for everything that comes back.

Bytes from a peer are never given to :func:`pickle.loads`.  :class:`RestrictedUnpickler`
resolves a global only when it is on the allow-list: the value types of the codec's type
table (builtins, datetime, decimal, uuid, fractions, collections, array, zoneinfo), the
helpers pickle itself emits for them (``copyreg._reconstructor``, ``_codecs.encode``, ...),
members of :class:`enum.Enum` subclasses in modules the program has already imported, and,
when numpy / pandas are importable, the reconstructors their pickles name for arrays, dtypes,
scalars, DataFrames and Series (:data:`NUMPY_ALLOWED`, :data:`PANDAS_ALLOWED`; see
docs/numpy.md for why these are safe to resolve).  Anything else raises :class:`GlobalRefusedError` naming the global and how to allow it::

    >>> allow = AllowList(["myapp.models.Point"])     # or [("myapp.models", "Point")]
    >>> loads(data, allow)
"""

import _compat_pickle
import enum
import functools
import importlib.util
import io
import pickle
import pickletools
import sys
from typing import Any, Callable, Iterable, Optional, Tuple, Union

__all__ = [
    "DEFAULT_ALLOWED", "NUMPY_ALLOWED", "PANDAS_ALLOWED", "AllowList", "GlobalRefusedError", "RestrictedUnpickler",
    "dumps", "load", "loads", "peek_kind_and_id",
]

HIGHEST_PROTOCOL = min(5, pickle.HIGHEST_PROTOCOL)

#: ``(module, name)`` pairs every unpickler accepts.
DEFAULT_ALLOWED = frozenset(
    [("builtins", name) for name in (
        "bool", "int", "float", "complex", "str", "bytes", "bytearray", "tuple", "list",
        "dict", "set", "frozenset", "range", "slice", "object", "NotImplemented", "Ellipsis",
    )]
    + [("datetime", name) for name in ("date", "time", "datetime", "timedelta", "timezone")]
    + [("decimal", "Decimal"), ("uuid", "UUID"), ("uuid", "SafeUUID"), ("fractions", "Fraction")]
    + [("collections", name) for name in ("OrderedDict", "defaultdict", "Counter", "deque")]
    + [("zoneinfo", "ZoneInfo"), ("zoneinfo", "ZoneInfo._unpickle")]
    + [("array", "array"), ("array", "_array_reconstructor")]
    # Helpers pickle emits; each one's class arguments pass through find_class too.
    + [("copyreg", "_reconstructor"), ("copyreg", "__newobj__"), ("copyreg", "__newobj_ex__"),
       ("_codecs", "encode")]
)

#: numpy's reconstructors (numpy 1.x ``numpy.core`` and numpy 2 ``numpy._core`` names): each
#: builds an array, dtype or scalar from bytes and shapes; object arrays' items go through
#: ``find_class`` like everything else.
NUMPY_ALLOWED = frozenset(
    [("numpy", "dtype"), ("numpy", "ndarray")]
    + [(core + ".multiarray", name) for core in ("numpy.core", "numpy._core")
       for name in ("_reconstruct", "scalar")]
    + [(core + ".numeric", "_frombuffer") for core in ("numpy.core", "numpy._core")]
)

#: pandas' (1.x and 2.x) reconstructors of DataFrame and Series over numpy blocks, their index
#: classes, and the datetime/timedelta arrays and indexes.
PANDAS_ALLOWED = frozenset(
    [("pandas.core.frame", "DataFrame"), ("pandas.core.series", "Series"),
     ("pandas.core.internals.managers", "BlockManager"),
     ("pandas.core.internals.managers", "SingleBlockManager"),
     ("pandas._libs.internals", "_unpickle_block"),
     ("pandas.core.indexes.base", "_new_Index"), ("pandas.core.indexes.base", "Index"),
     ("pandas.core.indexes.range", "RangeIndex"),
     ("pandas._libs.arrays", "__pyx_unpickle_NDArrayBacked"),
     ("pandas.core.arrays.datetimes", "DatetimeArray"),
     ("pandas.core.arrays.timedeltas", "TimedeltaArray"),
     ("pandas.core.indexes.datetimes", "_new_DatetimeIndex"),
     ("pandas.core.indexes.datetimes", "DatetimeIndex"),
     ("pandas.core.indexes.timedeltas", "TimedeltaIndex")]
    + [("pandas.core.indexes.numeric", name)
       for name in ("Int64Index", "UInt64Index", "Float64Index", "NumericIndex")]
)


@functools.lru_cache(maxsize=None)
def _importable(package: str) -> bool:
    """Whether ``package`` is installed (looked up, not imported)."""
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        return False


GlobalName = Union[str, Tuple[str, str]]


class GlobalRefusedError(pickle.UnpicklingError):
    """A reply named a global that is not on the allow-list."""

    def __init__(self, module: str, name: str):
        super().__init__(
            "picklebridge refused to load global '%s.%s' from a peer's pickle; if you trust "
            "that type, allow it with allow=[%r] (Client, Pool or JavaExecutor argument)"
            % (module, name, "%s.%s" % (module, name)))
        self.module = module
        self.name = name


class AllowList:
    """The set of globals a :class:`RestrictedUnpickler` may resolve.

    Entries are ``(module, qualname)`` tuples, ``"module.name"`` / ``"module:qualname"``
    strings, classes or functions, or ``(module, "*")`` for every name of one module.
    ``include_numpy`` adds :data:`NUMPY_ALLOWED` (and :data:`PANDAS_ALLOWED`) when numpy
    (and pandas) are installed.
    """

    def __init__(self, extra: Iterable[Any] = (), include_defaults: bool = True,
                 include_numpy: bool = True):
        self._pairs = set(DEFAULT_ALLOWED) if include_defaults else set()
        if include_numpy and _importable("numpy"):
            self._pairs |= NUMPY_ALLOWED
            if _importable("pandas"):
                self._pairs |= PANDAS_ALLOWED
        self._modules = set()
        for entry in extra:
            module, name = self._normalise(entry)
            if name == "*":
                self._modules.add(module)
            else:
                self._pairs.add((module, name))

    @staticmethod
    def _normalise(entry: Any) -> Tuple[str, str]:
        if isinstance(entry, tuple) and len(entry) == 2:
            return str(entry[0]), str(entry[1])
        if isinstance(entry, str):
            if ":" in entry:
                module, _, name = entry.partition(":")
            else:
                module, _, name = entry.rpartition(".")
            if module and name:
                return module, name
            raise ValueError("allow entry %r is not 'module.name' or 'module:qualname'" % entry)
        module = getattr(entry, "__module__", None)
        qualname = getattr(entry, "__qualname__", None)
        if module and qualname:
            return module, qualname
        raise TypeError("allow entry %r is not a name, a (module, name) pair or a class" % (entry,))

    def allows(self, module: str, name: str) -> bool:
        """Whether ``module.name`` is listed (enum classes are checked separately)."""
        return (module, name) in self._pairs or module in self._modules

    def __repr__(self) -> str:
        return "<AllowList %d names, %d modules>" % (len(self._pairs), len(self._modules))


_DEFAULT_ALLOW_LIST = AllowList()


def _imported_enum_class(module: str, name: str) -> Optional[type]:
    """The Enum subclass ``module.name`` if its module is already imported, else None."""
    target = sys.modules.get(module)
    for part in name.split("."):
        if target is None or part.startswith("__"):
            return None
        target = getattr(target, part, None)
    if isinstance(target, type) and issubclass(target, enum.Enum):
        return target
    return None


def _guarded_getattr(allow: AllowList) -> Callable[[Any, str], Any]:
    """``getattr`` as pickle uses it (``getattr(ZoneInfo, "_unpickle")``), limited to names
    that are themselves allowed, and to members of Enum classes."""
    def getattr_allowed(owner: Any, name: str) -> Any:
        module = getattr(owner, "__module__", None)
        qualname = getattr(owner, "__qualname__", None)
        if isinstance(owner, type) and issubclass(owner, enum.Enum) and name in owner.__members__:
            return owner[name]
        if (isinstance(owner, type) and isinstance(module, str) and isinstance(qualname, str)
                and isinstance(name, str) and allow.allows(module, qualname + "." + name)):
            return getattr(owner, name)
        raise GlobalRefusedError(str(module), "%s.%s" % (qualname, name))
    return getattr_allowed


class RestrictedUnpickler(pickle.Unpickler):
    """An Unpickler whose ``find_class`` only resolves allow-listed globals."""

    def __init__(self, file, *, allow: Optional[AllowList] = None, **kwargs):
        super().__init__(file, **kwargs)
        self._allow = allow if allow is not None else _DEFAULT_ALLOW_LIST

    def find_class(self, module: str, name: str) -> Any:
        # Protocols 0-2 carry Python 2 names (__builtin__, copy_reg); judge the Python 3 ones.
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        if self._allow.allows(module, name):
            return super().find_class(module, name)
        if (module, name) == ("builtins", "getattr"):
            return _guarded_getattr(self._allow)
        # An Enum class only looks its members up by value; importing nothing new keeps
        # module import side effects out of reach.
        enum_class = _imported_enum_class(module, name)
        if enum_class is not None:
            return enum_class
        raise GlobalRefusedError(module, name)


def dumps(obj: Any, protocol: int = HIGHEST_PROTOCOL) -> bytes:
    """Pickle ``obj`` for the wire."""
    return pickle.dumps(obj, protocol=protocol)


def loads(data: bytes, allow: Optional[AllowList] = None, buffers: Optional[Iterable[Any]] = None) -> Any:
    """Unpickle bytes from a peer with :class:`RestrictedUnpickler`; ``buffers`` are the
    protocol 5 out-of-band buffers its NEXT_BUFFER opcodes refer to, in order."""
    return RestrictedUnpickler(io.BytesIO(data), allow=allow, buffers=buffers).load()


def load(file: Any, allow: Optional[AllowList] = None, buffers: Optional[Iterable[Any]] = None) -> Any:
    """Unpickle one pickle read from the binary ``file`` with :class:`RestrictedUnpickler`."""
    return RestrictedUnpickler(file, allow=allow, buffers=buffers).load()


def peek_kind_and_id(data: bytes) -> Tuple[Optional[str], Any]:
    """Read a message's kind and id without unpickling it (for replies that fail to load).

    Walks the opcodes with :func:`pickletools.genops`, which executes nothing.
    """
    values = []
    try:
        for opcode, arg, _pos in pickletools.genops(io.BytesIO(data)):
            if opcode.name in ("PROTO", "FRAME", "MARK", "MEMOIZE", "PUT", "BINPUT", "LONG_BINPUT"):
                continue
            if opcode.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE", "BINUNICODE8",
                               "BININT", "BININT1", "BININT2", "INT", "LONG1", "LONG4", "LONG"):
                values.append(arg)
            elif opcode.name == "NONE":
                values.append(None)
            else:
                break
            if len(values) == 2:
                break
    except Exception:
        pass
    kind = values[0] if values and isinstance(values[0], str) else None
    ident = values[1] if len(values) > 1 else None
    return kind, ident
