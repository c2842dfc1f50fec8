"""The processes a run talks to: the Java server on sockets, and the Python floor.

Each is a context manager that starts its process, knows its address or pipes, and stops it
(stdin closed or SIGTERM, then SIGKILL after a bound) however the block ends::

    >>> with JavaServer(jar, workdir) as server:          # tcp and unix listeners
    ...     client = picklebridge.connect(server.tcp, authkey=server.authkey)
    >>> with FloorServer("pipe", workdir) as floor:
    ...     floor.writer.send(("call", 1, "sys.echo", ((1, "two", 3.0),), {}))
    ...     floor.reader.recv()
    ('result', 1, (1, 'two', 3.0))
"""

import os
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Client as StdlibClient
from multiprocessing.connection import Connection
from typing import List, Optional

from .floor_echo import set_nodelay

__all__ = ["JavaServer", "FloorServer", "FLOOR_SCRIPT", "stop_process"]

FLOOR_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "floor_echo.py")
LISTENING = "picklebridge listening on "


def stop_process(process: subprocess.Popen, grace: float = 5.0, term_grace: float = 15.0) -> None:
    """Wait ``grace`` s for ``process`` to exit (after its input closed), then SIGTERM and
    ``term_grace`` s (a JVM runs its shutdown hooks: a flight recording is written), SIGKILL."""
    for action, wait in ((None, grace), (process.terminate, term_grace), (process.kill, None)):
        if action is not None and process.poll() is None:
            action()
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _write_key(workdir: str) -> str:
    path = os.path.join(workdir, "authkey")
    if not os.path.exists(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as key_file:
            key_file.write(os.urandom(32))
    return path


class JavaServer:
    """``java -jar bridge-server.jar`` listening on tcp (port 0) and a unix socket, with a key.

    ``jvm_options`` default to none: the JVM as a user starting the server by hand gets it.
    """

    def __init__(self, jar: str, workdir: str, java: str = "java",
                 jvm_options: Optional[List[str]] = None, server_args: Optional[List[str]] = None,
                 start_timeout: float = 60.0):
        self.jar = jar
        self.java = java
        self.jvm_options = list(jvm_options or [])
        self.server_args = list(server_args or [])
        self.key_file = _write_key(workdir)
        with open(self.key_file, "rb") as key_file:
            self.authkey = key_file.read()
        self.unix_path = os.path.join(workdir, "server.sock")
        self.tcp: Optional[str] = None
        self.unix: Optional[str] = None
        self.process: Optional[subprocess.Popen] = None
        self.start_timeout = start_timeout
        self._stderr: List[str] = []

    @property
    def pid(self) -> int:
        return self.process.pid

    def command(self) -> List[str]:
        return [self.java, *self.jvm_options, "-jar", self.jar,
                "--listen", "tcp://127.0.0.1:0", "--listen", "unix://" + self.unix_path,
                "--authkey-file", self.key_file, "--log-level", "warn", *self.server_args]

    def __enter__(self) -> "JavaServer":
        if os.path.exists(self.unix_path):
            os.unlink(self.unix_path)
        self.process = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        text=True)
        deadline = time.monotonic() + self.start_timeout
        try:
            while (self.tcp is None or self.unix is None) and time.monotonic() < deadline:
                line = self.process.stderr.readline()
                if not line:
                    break
                self._stderr.append(line.rstrip("\n"))
                if line.startswith(LISTENING):
                    address = line[len(LISTENING):].strip()
                    if address.startswith("tcp://"):
                        self.tcp = address
                    elif address.startswith("unix://"):
                        self.unix = address
            if self.tcp is None or self.unix is None:
                raise RuntimeError("the Java server did not announce its addresses; stderr:\n"
                                   + "\n".join(self._stderr[-20:]))
        except BaseException:
            self.__exit__()
            raise
        threading.Thread(target=self._drain, daemon=True, name="bench-server-stderr").start()
        return self

    def _drain(self) -> None:
        for line in self.process.stderr:
            self._stderr.append(line.rstrip("\n"))
            del self._stderr[:-50]

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None:
            stop_process(self.process, grace=0.1)
        if os.path.exists(self.unix_path):
            os.unlink(self.unix_path)

    def __repr__(self) -> str:
        return "<JavaServer pid=%s %s %s>" % (self.process and self.process.pid, self.tcp, self.unix)


class FloorServer:
    """The Python floor over ``transport`` (tcp, unix, pipe or socketpair: a child whose stdin
    and stdout are one end of a socketpair), with its client-side ends.

    ``reader``/``writer`` are stdlib Connections (the same one for sockets).
    """

    def __init__(self, transport: str, workdir: str, python: str = sys.executable):
        if transport not in ("tcp", "unix", "pipe", "socketpair"):
            raise ValueError("transport must be tcp, unix, pipe or socketpair, not %r" % (transport,))
        self.transport = transport
        self.python = python
        self.key_file = _write_key(workdir)
        self.unix_path = os.path.join(workdir, "floor.sock")
        self.process: Optional[subprocess.Popen] = None
        self.reader: Optional[Connection] = None
        self.writer: Optional[Connection] = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def __enter__(self) -> "FloorServer":
        try:
            if self.transport == "socketpair":
                ours, theirs = socket.socketpair()
                try:
                    self.process = subprocess.Popen([self.python, FLOOR_SCRIPT, "stdio"],
                                                    stdin=theirs, stdout=theirs)
                finally:
                    theirs.close()
                self.reader = self.writer = Connection(ours.detach())
                return self
            if self.transport == "pipe":
                self.process = subprocess.Popen([self.python, FLOOR_SCRIPT, "stdio"],
                                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                                bufsize=0)
                self.writer = Connection(os.dup(self.process.stdin.fileno()), readable=False)
                self.reader = Connection(os.dup(self.process.stdout.fileno()), writable=False)
                self.process.stdin.close()
                self.process.stdout.close()
                return self
            if os.path.exists(self.unix_path):
                os.unlink(self.unix_path)
            args = [self.python, FLOOR_SCRIPT, self.transport, self.key_file]
            if self.transport == "unix":
                args.append(self.unix_path)
            self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                            stdout=subprocess.PIPE, text=True)
            line = self.process.stdout.readline().strip()
            if not line.startswith("floor listening on "):
                raise RuntimeError("the floor did not start: %r" % line)
            with open(self.key_file, "rb") as key_file:
                authkey = key_file.read()
            if self.transport == "tcp":
                host, port = line.rsplit("//", 1)[1].rsplit(":", 1)
                conn = StdlibClient((host, int(port)), "AF_INET", authkey=authkey)
                set_nodelay(conn)
            else:
                conn = StdlibClient(self.unix_path, "AF_UNIX", authkey=authkey)
            self.reader = self.writer = conn
            return self
        except BaseException:
            self.__exit__()
            raise

    def __exit__(self, *exc_info: object) -> None:
        for conn in {id(c): c for c in (self.reader, self.writer) if c is not None}.values():
            try:
                conn.close()
            except OSError:
                pass
        if self.process is not None:
            stop_process(self.process, grace=2.0)
        if os.path.exists(self.unix_path):
            os.unlink(self.unix_path)

    def __repr__(self) -> str:
        return "<FloorServer %s pid=%s>" % (self.transport, self.process and self.process.pid)

