"""Serve Python functions to Java (or any picklebridge client): ``python -m picklebridge serve``.

The serving process speaks the same protocol and authentication as the Java server, so the
Java client, :func:`picklebridge.connect` and a stock ``multiprocessing.connection.Client``
can call it::

    $ python -m picklebridge serve --listen tcp://127.0.0.1:7342 --authkey-file key statistics
    picklebridge listening on tcp://127.0.0.1:7342

    >>> from multiprocessing.connection import Client
    >>> with Client(("127.0.0.1", 7342), authkey=open("key", "rb").read()) as conn:
    ...     conn.send(("call", 1, "statistics.mean", ([1, 2, 3, 4],), {}))
    ...     conn.recv()
    ('result', 1, 2.5)

Workers are the public functions of each module named (``module``), single functions
(``module:function``), and every function decorated with :func:`expose` in the modules
imported.  Calls run concurrently on threads (``--threads N``) or, for CPU-bound Python, in
worker processes (``--processes N``).  A Java parent spawns ``python3 -m picklebridge serve
--stdio module...`` and talks over the child's stdin/stdout; every log line goes to stderr.
"""

import argparse
import logging
import os
import platform
import signal
import sys
import threading
import time
from typing import Any, Dict, Iterable, List, Optional, Sequence

from . import __version__
from ._server_calls import DeadlineWatcher, ThreadRunner, call_cancelled
from ._server_connection import ServerConnection
from ._server_listen import (accept_connection, authenticate, generate_authkey_file, listen_url,
                             open_listener, open_stdio, parse_listen_address)
from ._server_processes import ProcessRunner
from ._server_workers import WorkerRegistry, expose
from .addresses import Address, read_authkey
from .connection import CAPABILITIES
from .safe_pickle import HIGHEST_PROTOCOL, AllowList

__all__ = ["expose", "call_cancelled", "Server", "main", "LISTENING", "AUTHKEY_FILE"]

log = logging.getLogger("picklebridge.serve")

#: Announced on stderr for each address served, followed by the address (as the Java server).
LISTENING = "picklebridge listening on "
#: Announced on stderr when an authkey file was generated, followed by its path.
AUTHKEY_FILE = "picklebridge authkey file "
#: Version of docs/protocol.md this server implements.
PROTOCOL_VERSION = 1
DEFAULT_MAX_FRAME = 512 * 1024 * 1024
DEFAULT_MAX_IN_FLIGHT = 1024


def default_threads() -> int:
    """``ThreadPoolExecutor``'s own default: enough threads for calls that wait on I/O."""
    return min(32, (os.cpu_count() or 1) + 4)


class Server:
    """Serves a :class:`WorkerRegistry` on listeners and/or stdio until :meth:`stop`.

        >>> server = Server(WorkerRegistry.from_specs(["statistics"]), ThreadRunner(8))
        >>> server.listen(parse_listen_address("unix:///tmp/pb.sock"))
        'unix:///tmp/pb.sock'
        >>> server.wait(); server.close()
    """

    def __init__(self, registry: WorkerRegistry, runner: ThreadRunner, *,
                 authkey: Optional[bytes] = None, allow: Iterable[Any] = (),
                 max_frame: int = DEFAULT_MAX_FRAME, max_in_flight: int = DEFAULT_MAX_IN_FLIGHT):
        self.registry = registry
        self.runner = runner
        self.authkey = authkey
        self.allow = allow if isinstance(allow, AllowList) else AllowList(allow)
        self.max_frame = max_frame
        self.max_in_flight = max_in_flight
        self.deadlines = DeadlineWatcher(time.monotonic)
        self.stop_reason: Optional[str] = None
        self._stopped = threading.Event()
        self._listeners: List[Any] = []
        self._connections: "set[ServerConnection]" = set()
        self._lock = threading.Lock()

    def hello_info(self) -> Dict[str, Any]:
        """The server description sent in reply to ``hello``."""
        info = {
            "server": "picklebridge-python/%s" % __version__,
            "version": PROTOCOL_VERSION,
            "protocol": HIGHEST_PROTOCOL,
            "capabilities": list(CAPABILITIES),
            "max_frame": self.max_frame,
            "max_in_flight": self.max_in_flight,
            "pid": os.getpid(),
            "python": platform.python_version(),
            "workers": self.registry.names(),
        }
        info.update(self.runner.describe())
        return info

    # -- transports ----------------------------------------------------------------------

    def listen(self, address: Address) -> str:
        """Bind ``address`` and accept connections on a background thread; return its URL."""
        listener = open_listener(address)
        self._listeners.append(listener)
        url = listen_url(listener)
        threading.Thread(target=self._accept_loop, args=(listener, url), daemon=True,
                         name="picklebridge-accept %s" % url).start()
        return url

    def _accept_loop(self, listener: Any, url: str) -> None:
        while not self._stopped.is_set():
            try:
                conn, peer = accept_connection(listener)
            except OSError as exc:
                if self._stopped.is_set():
                    return
                log.warning("accepting on %s failed: %s", url, exc)
                self._stopped.wait(0.1)
                continue
            threading.Thread(target=self._serve_socket, args=(conn, peer), daemon=True,
                             name="picklebridge-conn %s" % peer).start()

    def _serve_socket(self, conn: Any, peer: str) -> None:
        if authenticate(conn, self.authkey, peer):
            log.info("connection from %s", peer)
            self._serve(ServerConnection(conn, conn, peer=peer, server=self))

    def serve_stdio(self, reader: Any, writer: Any) -> None:
        """Serve one connection on the pipes :func:`open_stdio` returned; stop when it ends."""
        # A pipe cannot be shut down to wake its reader: a broken stdout stops the server.
        connection = ServerConnection(reader, writer, peer="stdio", server=self,
                                      on_write_failure=lambda: self.stop("stdout closed"))

        def serve_then_stop() -> None:
            self._serve(connection)
            self.stop("stdin closed")
        threading.Thread(target=serve_then_stop, daemon=True, name="picklebridge-stdio").start()

    def _serve(self, connection: ServerConnection) -> None:
        with self._lock:
            if self._stopped.is_set():
                connection.close("the server is stopping")
                return
            self._connections.add(connection)
        connection.serve()

    def connection_closed(self, connection: ServerConnection) -> None:
        """Called by a connection once it closed."""
        with self._lock:
            self._connections.discard(connection)

    # -- lifecycle -----------------------------------------------------------------------

    def stop(self, reason: str = "stopped") -> None:
        """Make :meth:`wait` return (thread- and signal-safe)."""
        if self.stop_reason is None:
            self.stop_reason = reason
        self._stopped.set()

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Block until :meth:`stop`; True once stopped."""
        return self._stopped.wait(timeout)

    def close(self) -> None:
        """Stop accepting, close every connection (stopping its calls) and the runner."""
        self._stopped.set()
        for listener in self._listeners:
            try:
                listener.close()  # a unix listener also removes its socket file
            except OSError:
                pass
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            connection.close("the server is stopping")
        self.runner.close()

    def __repr__(self) -> str:
        state = "stopped" if self._stopped.is_set() else "serving"
        return "<picklebridge.serve.Server %s %d workers %r connections=%d>" % (
            state, len(self.registry), self.runner, len(self._connections))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m picklebridge serve",
        description="Serve Python functions as picklebridge workers (docs/protocol.md).",
        epilog="Examples:\n"
               "  python -m picklebridge serve --stdio statistics mymodule:score\n"
               "  python -m picklebridge serve --listen tcp://127.0.0.1:7342 --authkey-file key "
               "--processes 4 mymodule\n",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("specs", nargs="+", metavar="module[:function]",
                        help="serve a module's public functions, or one function; functions "
                             "decorated with @picklebridge.expose are served too")
    parser.add_argument("--listen", action="append", default=[], metavar="ADDRESS",
                        help="tcp://HOST:PORT (tcp://:PORT binds 127.0.0.1; port 0 picks one) "
                             "or unix:///PATH; repeatable")
    parser.add_argument("--stdio", action="store_true",
                        help="serve one connection on stdin/stdout; exit when stdin closes")
    parser.add_argument("--authkey-file", metavar="FILE",
                        help="file holding the authkey (raw bytes); TCP without one generates a "
                             "0600 file and prints its path")
    parser.add_argument("--no-auth", action="store_true",
                        help="allow TCP without an authkey (anyone who can connect runs workers)")
    pool = parser.add_mutually_exclusive_group()
    pool.add_argument("--threads", type=int, metavar="N",
                      help="run calls on N threads (default: %d)" % default_threads())
    pool.add_argument("--processes", type=int, metavar="N",
                      help="run calls in N worker processes (CPU-bound Python)")
    parser.add_argument("--allow", action="append", default=[], metavar="MODULE.NAME",
                        help="also accept this global in request pickles; repeatable")
    parser.add_argument("--max-frame", type=int, default=DEFAULT_MAX_FRAME, metavar="BYTES",
                        help="largest request frame accepted (default: 512 MiB)")
    parser.add_argument("--max-in-flight", type=int, default=DEFAULT_MAX_IN_FLIGHT, metavar="N",
                        help="requests in flight per connection before it stops being read "
                             "(default: %d)" % DEFAULT_MAX_IN_FLIGHT)
    parser.add_argument("--log-level", default="info",
                        choices=["debug", "info", "warning", "error"],
                        help="logging level (default: info); logs go to stderr")
    return parser


def _announce(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m picklebridge serve ...``: serve until stopped; return the exit code.

    Stops on SIGTERM/SIGINT, and in ``--stdio`` mode when stdin ends or stdout breaks.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=getattr(logging, args.log_level.upper()),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.listen and not args.stdio:
        parser.error("give --listen ADDRESS and/or --stdio")
    for count in (args.threads, args.processes):
        if count is not None and count < 1:
            parser.error("--threads and --processes need a positive count")
    try:
        addresses = [parse_listen_address(text) for text in args.listen]
        allow = AllowList(args.allow)
    except (TypeError, ValueError) as exc:
        parser.error(str(exc))
    # Before importing user modules: nothing they print may reach the frame stream.
    stdio = open_stdio() if args.stdio else None
    try:
        registry = WorkerRegistry.from_specs(args.specs)
    except Exception as exc:
        log.error("cannot load the workers: %s: %s", type(exc).__name__, exc)
        return 2
    if not len(registry):
        log.warning("no workers found in %s", " ".join(args.specs))
    authkey = None
    if args.authkey_file:
        try:
            authkey = read_authkey(authkey_file=args.authkey_file)
        except OSError as exc:
            parser.error("cannot read the authkey file: %s" % exc)
        if not authkey:
            parser.error("authkey file %s is empty" % args.authkey_file)
    elif any(address.scheme == "tcp" for address in addresses):
        if args.no_auth:
            _announce("picklebridge WARNING: TCP without an authkey (--no-auth): anyone who can "
                      "connect can run every worker")
        else:
            path = generate_authkey_file()
            authkey = read_authkey(authkey_file=path)
            _announce(AUTHKEY_FILE + path)
    if args.processes is not None:
        runner: ThreadRunner = ProcessRunner(args.processes, args.specs)
    else:
        runner = ThreadRunner(args.threads or default_threads())
    server = Server(registry, runner, authkey=authkey, allow=allow,
                    max_frame=args.max_frame, max_in_flight=args.max_in_flight)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, _frame: server.stop("signal %d" % number))
    try:
        if stdio is not None:
            server.serve_stdio(*stdio)
        for address in addresses:
            _announce(LISTENING + server.listen(address))
        log.info("serving %d workers (%s) with %r", len(registry), ", ".join(args.specs), runner)
        while not server.wait(1.0):
            pass
        log.info("stopping: %s", server.stop_reason)
    except OSError as exc:
        log.error("cannot serve: %s", exc)
        server.close()
        return 1
    server.close()
    return 0


def run(argv: Optional[Sequence[str]] = None) -> None:
    """Run :func:`main`, then end the process with ``os._exit``: worker threads still running
    user code (which cannot be interrupted) must not delay the exit."""
    code = main(argv)
    logging.shutdown()
    try:
        sys.stderr.flush()
    finally:
        os._exit(code)
