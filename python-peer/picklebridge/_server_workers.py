"""Which Python functions a serving process offers, and under which worker names.

``python -m picklebridge serve statistics mymodule:score`` serves every public function of
``statistics`` (``"statistics.mean"`` ...), one function of ``mymodule``
(``"mymodule.score"``), and every function decorated with :func:`expose` in the modules it
imported::

    >>> registry = WorkerRegistry.from_specs(["statistics", "os.path:join"])
    >>> registry.resolve("statistics.mean")([1, 2, 3])
    2
    >>> registry.resolve("statistics.maen")
    Traceback (most recent call last):
    NameError: no worker named 'statistics.maen'; did you mean 'statistics.mean'?
"""

import asyncio
import builtins
import concurrent.futures
import difflib
import importlib
import inspect
import logging
import threading
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from .errors import error_info_from_exception

__all__ = ["expose", "exposed_functions", "WorkerRegistry", "describe_exception",
           "exception_type_name", "protocol_error_info"]

log = logging.getLogger("picklebridge.serve")

_exposed: List[Tuple[str, Callable[..., Any]]] = []
_exposed_lock = threading.Lock()


def expose(name: Any = None) -> Any:
    """Register a function as a worker of ``python -m picklebridge serve``.

    ``@expose`` names the worker ``"module.function"``; ``@expose(name="pricing.quote")``
    (or ``@expose("pricing.quote")``) names it explicitly.  The function is returned
    unchanged, so it stays an ordinary function for Python callers::

        @picklebridge.expose(name="pricing.quote")
        def quote(symbol: str, quantity: int) -> float: ...
    """
    if callable(name):  # bare @expose
        return _register(name, None)
    if name is not None and not isinstance(name, str):
        raise TypeError("expose() takes a worker name (str), not %s" % type(name).__name__)

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        return _register(func, name)
    return decorate


def _register(func: Callable[..., Any], name: Optional[str]) -> Callable[..., Any]:
    if not callable(func):
        raise TypeError("expose() decorates functions, not %s" % type(func).__name__)
    with _exposed_lock:
        _exposed.append((name or default_worker_name(func), func))
    return func


def exposed_functions() -> List[Tuple[str, Callable[..., Any]]]:
    """Every ``(worker name, function)`` registered with :func:`expose` so far."""
    with _exposed_lock:
        return list(_exposed)


def default_worker_name(func: Callable[..., Any]) -> str:
    """``"module.qualname"``: the name a function is served under unless told otherwise."""
    module = getattr(func, "__module__", None) or "__main__"
    qualname = getattr(func, "__qualname__", None) or getattr(func, "__name__", repr(func))
    return "%s.%s" % (module, qualname)


def _is_public_function(module: Any, name: str, obj: Any, listed: bool) -> bool:
    if not (inspect.isfunction(obj) or inspect.isbuiltin(obj)):
        return False
    # Without __all__, names a module merely imported (statistics imports math.sqrt) are
    # not its own functions.
    return listed or getattr(obj, "__module__", None) == module.__name__


class WorkerRegistry:
    """Worker names mapped to the Python callables that run them."""

    def __init__(self) -> None:
        self._workers: Dict[str, Callable[..., Any]] = {}
        self.specs: List[str] = []

    @classmethod
    def from_specs(cls, specs: Iterable[str]) -> "WorkerRegistry":
        """Import each ``module`` or ``module:function`` spec, then add every exposed function."""
        registry = cls()
        for spec in specs:
            registry.add_spec(spec)
        registry.add_exposed()
        return registry

    def add(self, name: str, func: Callable[..., Any]) -> None:
        """Serve ``func`` as worker ``name`` (a later registration of the name wins)."""
        previous = self._workers.get(name)
        if previous is not None and previous is not func:
            log.warning("worker %s registered twice; serving %r", name, func)
        self._workers[name] = func

    def add_spec(self, spec: str) -> List[str]:
        """Add the workers ``spec`` names; return their names.

        ``"module"``: the module's public functions (those in ``__all__`` when it has one);
        ``"module:qualname"`` or ``"module.function"``: that one callable.
        """
        self.specs.append(spec)
        module_name, _, qualname = spec.partition(":")
        if not module_name:
            raise ValueError("worker spec %r does not name a module" % spec)
        if not qualname:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                parent, _, attribute = module_name.rpartition(".")
                if exc.name != module_name or not parent:
                    raise
                module_name, qualname = parent, attribute  # "statistics.mean"
            else:
                return self._add_module(module)
        module = importlib.import_module(module_name)
        target: Any = module
        for part in qualname.split("."):
            try:
                target = getattr(target, part)
            except AttributeError:
                raise ValueError("module %s has no attribute %r (from worker spec %r)"
                                 % (module_name, qualname, spec)) from None
        if not callable(target):
            raise ValueError("%s:%s is a %s, not a function" % (module_name, qualname,
                                                                type(target).__name__))
        name = "%s.%s" % (module_name, qualname)
        self.add(name, target)
        return [name]

    def _add_module(self, module: Any) -> List[str]:
        listed = getattr(module, "__all__", None)
        candidates = list(listed) if listed is not None else [
            name for name in dir(module) if not name.startswith("_")]
        added = []
        for name in candidates:
            obj = getattr(module, name, None)
            if _is_public_function(module, name, obj, listed is not None):
                worker = "%s.%s" % (module.__name__, name)
                self.add(worker, obj)
                added.append(worker)
        return added

    def add_exposed(self) -> List[str]:
        """Add every function registered with :func:`expose`; return their names."""
        names = []
        for name, func in exposed_functions():
            self.add(name, func)
            names.append(name)
        return names

    def resolve(self, name: str) -> Callable[..., Any]:
        """The callable of worker ``name``; NameError listing close names when there is none."""
        try:
            return self._workers[name]
        except (KeyError, TypeError):
            pass
        raise NameError(self.unknown_message(name))

    def unknown_message(self, name: Any) -> str:
        """The NameError message for an unknown worker, with the closest names served."""
        text = str(name)
        prefix, _, suffix = text.rpartition(".")
        # A typo in the function name: compare function names within the same module first,
        # since whole names sharing a long module prefix all look alike.
        siblings = {known.rpartition(".")[2]: known for known in self._workers
                    if known.rpartition(".")[0] == prefix}
        close = [siblings[match] for match in difflib.get_close_matches(suffix, siblings, n=3)]
        # The right function name under another module; else whole names that look alike.
        close += sorted(known for known in self._workers if known.rpartition(".")[2] == suffix)
        if not close:
            close = difflib.get_close_matches(text, self._workers, n=3)
        close = list(dict.fromkeys(close))[:3]
        if close:
            return "no worker named %r; did you mean %s?" % (
                text, ", ".join(repr(each) for each in close))
        return "no worker named %r (%d workers are served)" % (text, len(self._workers))

    def names(self) -> List[str]:
        """The worker names served, sorted."""
        return sorted(self._workers)

    def __contains__(self, name: object) -> bool:
        return name in self._workers

    def __len__(self) -> int:
        return len(self._workers)

    def __repr__(self) -> str:
        return "<WorkerRegistry %d workers from %s>" % (len(self._workers), self.specs)


#: Exception classes whose protocol name is their bare name though they are not builtins.
_PROTOCOL_NAMED = (concurrent.futures.CancelledError, concurrent.futures.TimeoutError,
                   asyncio.CancelledError)


def exception_type_name(exc_type: type) -> str:
    """The error reply's ``type``: a builtin's name, else ``"module.QualName"``."""
    name = exc_type.__name__
    if getattr(builtins, name, None) is exc_type or exc_type in _PROTOCOL_NAMED:
        return name
    return "%s.%s" % (exc_type.__module__, exc_type.__qualname__)


def describe_exception(exc: BaseException, worker: Optional[str] = None,
                       index: Optional[int] = None, skip_frames: int = 0) -> Dict[str, Any]:
    """The ``info`` dict of an ``error`` reply for a Python exception.

    ``skip_frames`` drops the serving code's own frames from the top of the traceback, so the
    traceback starts where the worker function was entered.
    """
    tb = exc.__traceback__
    for _ in range(skip_frames):
        if tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
    info = error_info_from_exception(exc.with_traceback(tb), worker)
    info["type"] = exception_type_name(type(exc))
    if index is not None:
        info["index"] = index
    return info


def protocol_error_info(type_name: str, message: str, worker: Optional[str] = None) -> Dict[str, Any]:
    """An error ``info`` dict the server itself raises (no Python traceback to show)."""
    info = {"type": type_name, "java_class": "", "message": message, "traceback": ""}
    if worker is not None:
        info["worker"] = worker
    return info
