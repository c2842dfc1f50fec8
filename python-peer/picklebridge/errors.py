"""Exceptions raised by picklebridge, and the mapping of remote error replies to them.

A failed call arrives as ``("error", id, info)``.  :func:`exception_from_info` turns ``info``
into the exception the caller sees: a builtin type when the peer named one (``ValueError``,
``KeyError``, ``TimeoutError`` ...), :class:`JavaError` otherwise.  Its ``__cause__`` is a
:class:`multiprocessing.pool.RemoteTraceback` holding the remote stack trace, exactly as
``multiprocessing.Pool`` reports an exception raised in a worker process::

    >>> try:
    ...     client.call("sys.fail", "java.lang.IllegalStateException", "boom")
    ... except RuntimeError as exc:
    ...     print(exc.java_class, exc.__cause__)
"""

import builtins
import concurrent.futures
import traceback
from multiprocessing.pool import RemoteTraceback
from typing import Any, Dict, Mapping, Optional

__all__ = [
    "BridgeError", "BridgeConnectionError", "JvmExitedError", "JavaError", "ProtocolError",
    "RemoteTraceback", "exception_from_info", "error_info_from_exception",
]


class BridgeError(Exception):
    """Base class of every error that picklebridge itself raises."""


class BridgeConnectionError(BridgeError, ConnectionError):
    """The connection to a peer failed, closed, or was never established."""


class JvmExitedError(BridgeConnectionError):
    """The private JVM started in pipe mode exited; the message holds its exit code and stderr."""

    def __init__(self, message: str, exit_code: Optional[int] = None, stderr_tail: str = ""):
        super().__init__(message)
        self.exit_code = exit_code
        self.stderr_tail = stderr_tail


class ProtocolError(BridgeError):
    """A peer sent or refused a message that does not follow the wire protocol."""


class JavaError(BridgeError):
    """A remote exception with no matching Python builtin (``type`` was ``"JavaException"``)."""


# Names the peer may send that are not (or not only) found in builtins.
_SPECIAL_TYPES = {
    "CancelledError": concurrent.futures.CancelledError,
    "TimeoutError": TimeoutError,
    "ProtocolError": ProtocolError,
    "JavaException": JavaError,
}


def _exception_type(name: str) -> type:
    special = _SPECIAL_TYPES.get(name)
    if special is not None:
        return special
    candidate = getattr(builtins, name, None)
    if isinstance(candidate, type) and issubclass(candidate, Exception):
        return candidate
    return JavaError


def exception_from_info(info: Mapping[str, Any]) -> BaseException:
    """Build the exception to raise for the ``info`` dict of an ``error`` reply.

    The result carries ``java_class``, ``remote_traceback``, ``worker`` and ``index``
    attributes, and its ``__cause__`` prints the remote stack trace.
    """
    if not isinstance(info, Mapping):
        info = {"type": "ProtocolError", "message": "malformed error reply: %r" % (info,)}
    message = str(info.get("message") or "")
    java_class = str(info.get("java_class") or "")
    remote = str(info.get("traceback") or "")
    exc_type = _exception_type(str(info.get("type") or "JavaException"))
    if exc_type is JavaError and java_class and not message.startswith(java_class):
        message = "%s: %s" % (java_class, message) if message else java_class
    try:
        exc = exc_type(message)
    except Exception:  # a builtin whose constructor needs more arguments
        exc = JavaError("%s: %s" % (info.get("type"), message))
    exc.java_class = java_class
    exc.remote_traceback = remote
    exc.worker = info.get("worker")
    exc.index = info.get("index")
    if remote:
        # The same shape multiprocessing.pool.ExceptionWithTraceback gives a worker's traceback.
        exc.__cause__ = RemoteTraceback('\n"""\n%s"""' % (remote if remote.endswith("\n") else remote + "\n"))
    return exc


def error_info_from_exception(exc: BaseException, worker: Optional[str] = None) -> Dict[str, Any]:
    """Describe a Python exception as an ``error`` reply's info dict (for Python serve mode)."""
    info = {
        "type": type(exc).__name__,
        "java_class": "",
        "message": str(exc),
        "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
    }
    if worker is not None:
        info["worker"] = worker
    return info
