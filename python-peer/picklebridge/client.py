"""The picklebridge client: call Java workers from any thread, synchronously, as Futures or
awaitables, over one or several connections.

    >>> import picklebridge
    >>> with picklebridge.connect() as client:           # a private JVM in pipe mode
    ...     client.call("sys.echo", [1, "two"])
    ...     client.jvm.demo.square(7)                    # attribute proxies
    ...     client.call_async("sys.sleep", 0.1).result()
    [1, 'two']
    49
"""

import asyncio
import logging
import os
import queue
import threading
import weakref
from concurrent.futures import Future
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Union

from .addresses import Address, parse_addresses, read_authkey
from .connection import BridgeConnection
from .errors import BridgeConnectionError, JvmExitedError
from .jvm import JavaProcess
from .safe_pickle import HIGHEST_PROTOCOL, AllowList
from .transport import open_socket_connection

__all__ = ["Client", "connect", "WorkerProxy", "worker_name"]

log = logging.getLogger("picklebridge")


class WorkerProxy:
    """A named Java worker: ``client.jvm.demo.square(7)``; attributes extend the name."""

    __slots__ = ("_client", "_picklebridge_worker")

    def __init__(self, client: Optional["Client"], name: str):
        self._client = client
        self._picklebridge_worker = name

    def __getattr__(self, attribute: str) -> "WorkerProxy":
        if attribute.startswith("_"):
            raise AttributeError(attribute)
        return WorkerProxy(self._client, self._picklebridge_worker + "." + attribute)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._client is None:
            raise TypeError("worker proxy %r is not bound to a client" % self._picklebridge_worker)
        return self._client.call(self._picklebridge_worker, *args, **kwargs)

    def __repr__(self) -> str:
        return "<WorkerProxy %r>" % self._picklebridge_worker


class _WorkerNamespace:
    """The root of attribute proxies: ``client.jvm.sys`` -> ``WorkerProxy("sys")``."""

    __slots__ = ("_client",)

    def __init__(self, client: Optional["Client"]):
        self._client = client

    def __getattr__(self, attribute: str) -> WorkerProxy:
        if attribute.startswith("_"):
            raise AttributeError(attribute)
        return WorkerProxy(self._client, attribute)

    def __repr__(self) -> str:
        return "<jvm workers of %r>" % (self._client,)


def worker_name(func: Union[str, WorkerProxy]) -> str:
    """The worker name of ``func``: a name like ``"sys.echo"`` or a :class:`WorkerProxy`."""
    if isinstance(func, str):
        return func
    name = getattr(func, "_picklebridge_worker", None) if isinstance(func, WorkerProxy) else None
    if name is None:
        raise TypeError("func must be a Java worker name such as 'sys.echo' or a worker proxy "
                        "such as pool.jvm.sys.echo, not %s" % type(func).__name__)
    return name


def _close_all(connections: List[BridgeConnection]) -> None:
    for conn in list(connections):
        conn.close("the client was closed")


class Client:
    """Calls Java workers over one or several connections (thread-safe, pipelined).

    ``address`` is ``None`` (a private JVM over pipes), ``"tcp://HOST:PORT"``,
    ``(host, port)``, ``"unix:///path"``, or a list of these to spread calls over (each call
    goes to the connection with the fewest requests in flight).  ``allow`` extends the
    restricted unpickler's allow-list.  A private JVM runs with ``jvm_options`` (default:
    :data:`picklebridge.jvm.DEFAULT_JVM_OPTIONS`) and extra ``server_args`` such as
    ``["--threads=8"]``; ``pipe_transport`` is ``"socketpair"`` (one full-duplex socket as
    the JVM's stdin and stdout: the lower latency) or ``"pipes"``.  ``out_of_band`` (default
    true) sends and receives large protocol 5 buffers (numpy arrays' data) as their own frames
    when the server offers it (docs/protocol.md 4.1).  In a forked child the
    client reconnects (a private
    JVM is started anew) instead of sharing its parent's connection.
    """

    def __init__(self, address: Any = None, authkey: Union[None, bytes, str] = None, *,
                 authkey_file: Optional[str] = None, allow: Iterable[Any] = (),
                 protocol: int = HIGHEST_PROTOCOL, jar: Optional[str] = None,
                 java: Optional[str] = None, jvm_options: Optional[Sequence[str]] = None,
                 server_args: Sequence[str] = (), pipe_transport: str = "socketpair",
                 connect_timeout: float = 60.0, out_of_band: bool = True):
        self._addresses = parse_addresses(address)
        self._authkey = read_authkey(authkey, authkey_file)
        self._allow = AllowList(allow)
        self._protocol = protocol
        self._jar, self._java, self._jvm_options = jar, java, jvm_options
        self._server_args = list(server_args)
        self._pipe_transport = pipe_transport
        self._connect_timeout = connect_timeout
        self._out_of_band = out_of_band
        self._lock = threading.Lock()
        self._connections: List[BridgeConnection] = []
        self._closed = False
        self._finalizer = weakref.finalize(self, _close_all, self._connections)
        self._pid = os.getpid()
        self._connect_all()

    # -- connections -----------------------------------------------------------------------

    def _connect_all(self) -> None:
        try:
            for address in self._addresses:
                self._connections.append(self._open(address))
        except BaseException:
            _close_all(self._connections)
            del self._connections[:]
            raise

    def _open(self, address: Address) -> BridgeConnection:
        if address.scheme != "stdio":
            raw = open_socket_connection(address, self._authkey, self._connect_timeout)
            conn = BridgeConnection(raw, peer=str(address), allow=self._allow,
                                    protocol=self._protocol, out_of_band=self._out_of_band)
            conn.start(self._connect_timeout)
            return conn
        process = JavaProcess(self._jar, self._java, self._jvm_options, self._server_args,
                              transport=self._pipe_transport)
        reader, writer = process.start()
        conn = BridgeConnection(reader, writer, peer="the JVM (pid %d)" % process.pid,
                                allow=self._allow, protocol=self._protocol,
                                describe_exit=process.exit_description, on_close=process.stop,
                                out_of_band=self._out_of_band)
        conn.process = process
        threading.Thread(target=_watch_process, args=(process, weakref.ref(conn)), daemon=True,
                         name="picklebridge-jvm-watch-%d" % process.pid).start()
        try:
            conn.start(self._connect_timeout)
        except BaseException:
            process.kill()
            raise
        return conn

    def _connection(self) -> BridgeConnection:
        """The open connection with the fewest requests in flight (reconnecting after fork)."""
        connections = self._connections
        if len(connections) == 1 and not self._closed:
            conn = connections[0]
            if not conn._closed:  # a fork closes every connection in the child (at-fork hook)
                return conn
        if self._pid != os.getpid():
            self._after_fork()
        if self._closed:
            raise BridgeConnectionError("the picklebridge client is closed")
        best = None
        for conn in self._connections:
            if not conn.closed and (best is None or conn.in_flight < best.in_flight):
                best = conn
        if best is None:
            failure = next((c._failure for c in self._connections if c._failure), None)
            raise failure or BridgeConnectionError("no open picklebridge connection")
        return best

    def _after_fork(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            for conn in self._connections:
                conn.forget_after_fork()
            del self._connections[:]
            self._pid = os.getpid()
            self._lock = threading.Lock()
            self._connect_all()

    @property
    def connections(self) -> List[BridgeConnection]:
        """The current connections (one per address)."""
        return list(self._connections)

    @property
    def server_info(self) -> Dict[str, Any]:
        """The first server's hello reply (threads, max_in_flight, pid, ...)."""
        return self._connection().server_info

    # -- calls -----------------------------------------------------------------------------

    def submit(self, worker: Union[str, WorkerProxy], args: Sequence[Any] = (),
               kwargs: Optional[Dict[str, Any]] = None, *, timeout: Optional[float] = None) -> Future:
        """Call ``worker(*args, **kwargs)``; ``timeout`` (seconds) is enforced by the server."""
        options = {"timeout": float(timeout)} if timeout is not None else None
        return self._connection().request("call", worker if type(worker) is str else worker_name(worker),
                                          args if type(args) is tuple else tuple(args),
                                          kwargs or {}, options)

    def call_async(self, worker: Union[str, WorkerProxy], *args: Any, **kwargs: Any) -> Future:
        """Start ``worker(*args, **kwargs)``; return a :class:`concurrent.futures.Future`."""
        return self.submit(worker, args, kwargs)

    def call(self, worker: Union[str, WorkerProxy], *args: Any, **kwargs: Any) -> Any:
        """Call ``worker(*args, **kwargs)`` and return its result (or raise its error).

        The calling thread reads the reply itself when no other call is being read, so a
        call costs one write and one read, as with ``multiprocessing.connection``.
        """
        return self._connection().call(worker if type(worker) is str else worker_name(worker),
                                       args, kwargs)

    async def acall(self, worker: Union[str, WorkerProxy], *args: Any, **kwargs: Any) -> Any:
        """``await client.acall("demo.square", 7)`` in asyncio code."""
        return await asyncio.wrap_future(self.submit(worker, args, kwargs))

    def map_chunk(self, worker: Union[str, WorkerProxy], items: List[Any], star: bool = False) -> Future:
        """Send one ``map`` chunk; the Future's result is the list of results in item order."""
        return self._connection().request("map", worker_name(worker), items, {"star": bool(star)})

    def prepare(self, kind: str, worker: Union[str, WorkerProxy], args: Any,
                kwargs_or_options: Any = None,
                on_reply: Optional[Callable[[], None]] = None) -> Callable[[], Future]:
        """Pickle a ``call`` (args, kwargs) or ``map`` chunk (items, options) now; return a
        function that sends it and returns its Future (a pool pickles its next chunk while it
        waits for a free slot).  See :meth:`BridgeConnection.prepare` for ``on_reply``."""
        conn = self._connection()
        prepared = conn.prepare(kind, worker_name(worker), args, kwargs_or_options,
                                on_reply=on_reply)
        return lambda: conn.send_prepared(prepared)

    def stream(self, worker: Union[str, WorkerProxy], *args: Any, **kwargs: Any) -> Iterator[Any]:
        """Iterate over the items of a worker that returns an iterator or stream."""
        items: "queue.SimpleQueue[Any]" = queue.SimpleQueue()
        done = object()
        future = self._connection().request("call", worker_name(worker), args, kwargs,
                                            {"stream": True}, on_item=items.put)
        future.add_done_callback(lambda _f: items.put(done))
        while True:
            item = items.get()
            if item is done:
                future.result()  # raises the call's error, if any
                return
            yield item

    def ping(self, timeout: Optional[float] = 10.0) -> None:
        """Check every connection answers a ping."""
        for conn in self._connections:
            conn.ping(timeout=timeout)

    @property
    def jvm(self) -> _WorkerNamespace:
        """Attribute proxies for workers: ``client.jvm.sys.echo(1)``."""
        return _WorkerNamespace(self)

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        """Close every connection (a private JVM exits); calls in flight fail."""
        self._closed = True
        if self._pid != os.getpid():
            for conn in self._connections:
                conn.forget_after_fork()
            return
        _close_all(self._connections)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return "<picklebridge.Client %s %s>" % (state, ", ".join(str(a) for a in self._addresses))


def _watch_process(process: JavaProcess, conn_ref: "weakref.ref[BridgeConnection]") -> None:
    """Fail the connection's calls when its JVM exits, even if no EOF arrives."""
    process.process.wait()
    conn = conn_ref()
    if conn is None or conn.closed:
        return
    closed = threading.Event()
    closed.wait(1.0)  # normally the reader sees EOF first and explains it better
    if not conn.closed:
        code, description = process.exit_description(0)
        conn.abort(JvmExitedError(description, code))


def connect(address: Any = None, authkey: Union[None, bytes, str] = None, **options: Any) -> Client:
    """Return a :class:`Client`; see its docstring for ``address``, ``authkey`` and options."""
    return Client(address, authkey, **options)
