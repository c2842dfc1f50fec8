"""Where a serving process listens: TCP, Unix sockets and its own stdin/stdout.

``multiprocessing.connection.Listener`` binds and accepts and its ``Connection`` frames every
message; the authkey challenge-response is the standard library's own
``deliver_challenge``/``answer_challenge`` (deliver first, then answer, as
``Listener.accept`` does), run on the connection's own thread so one slow client cannot
hold up the others::

    >>> listener = open_listener(parse_listen_address("tcp://127.0.0.1:0"))
    >>> listen_url(listener)
    'tcp://127.0.0.1:41235'
    >>> reader, writer, peer = open_stdio()   # frames on the original stdin/stdout
"""

import errno
import logging
import os
import socket
import stat
import sys
import tempfile
from multiprocessing import AuthenticationError
from multiprocessing import connection as mpc
from typing import Optional, Tuple

from .addresses import Address, parse_address
from .transport import set_receive_timeout

__all__ = ["parse_listen_address", "open_listener", "listen_url", "accept_connection",
           "authenticate", "generate_authkey_file", "open_stdio", "HANDSHAKE_TIMEOUT_SECONDS"]

log = logging.getLogger("picklebridge.serve")

#: A client that connects but does not finish the handshake within this time is dropped.
HANDSHAKE_TIMEOUT_SECONDS = 10.0
#: Bytes in a generated authkey (as the Java server generates).
GENERATED_KEY_LENGTH = 32


def parse_listen_address(text: str) -> Address:
    """``tcp://HOST:PORT`` (``tcp://:PORT`` and ``tcp://PORT`` bind 127.0.0.1) or
    ``unix:///absolute/path``."""
    if text.startswith("tcp://"):
        rest = text[len("tcp://"):]
        if rest.isdigit():
            rest = ":" + rest
        if rest.startswith(":"):
            text = "tcp://127.0.0.1" + rest
    address = parse_address(text)
    if address.scheme not in ("tcp", "unix"):
        raise ValueError("cannot listen on %r: expected tcp://HOST:PORT or unix:///path" % text)
    if address.scheme == "unix" and not os.path.isabs(address.target):
        raise ValueError("unix socket paths must be absolute: %r" % text)
    return address


def _remove_stale_socket(path: str) -> None:
    """Remove a socket file nobody accepts on (its server died); refuse a live one."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise OSError(errno.EEXIST, "%s exists and is not a socket; refusing to replace it" % path)
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.settimeout(1.0)
        probe.connect(path)
    except OSError:
        os.unlink(path)
        log.info("removed stale socket file %s", path)
        return
    finally:
        probe.close()
    raise OSError(errno.EADDRINUSE, "unix socket %s is already in use by a running server" % path)


def open_listener(address: Address, backlog: int = 128) -> mpc.Listener:
    """Bind a ``Listener`` (no authkey: :func:`authenticate` runs the handshake).

    A unix socket file is created with mode 0600, replacing a stale one.
    """
    if address.scheme == "tcp":
        host, _port = address.target
        family = "AF_INET6" if ":" in host else "AF_INET"
        return mpc.Listener(address.target, family, backlog)
    _remove_stale_socket(address.target)
    previous = os.umask(0o177)  # the file exists with 0600 from its first moment
    try:
        listener = mpc.Listener(address.target, "AF_UNIX", backlog)
    finally:
        os.umask(previous)
    os.chmod(address.target, 0o600)
    return listener


def listen_url(listener: mpc.Listener) -> str:
    """The address a listener serves, as ``tcp://host:port`` or ``unix:///path``."""
    bound = listener.address
    if isinstance(bound, tuple):
        return str(Address("tcp", (bound[0], bound[1])))
    return "unix://" + bound


def _describe_peer(listener: mpc.Listener) -> str:
    peer = listener.last_accepted
    if isinstance(peer, tuple) and len(peer) >= 2:
        return str(Address("tcp", (peer[0], peer[1])))
    return listen_url(listener) + " (peer)"


def accept_connection(listener: mpc.Listener) -> Tuple[mpc.Connection, str]:
    """Accept one connection (without authenticating it yet); return it and the peer's name."""
    conn = listener.accept()
    if isinstance(listener.address, tuple):
        sock = socket.socket(fileno=conn.fileno())
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        finally:
            sock.detach()
    return conn, _describe_peer(listener)


def authenticate(conn: mpc.Connection, authkey: Optional[bytes], peer: str) -> bool:
    """Run the server side of the handshake (deliver, then answer); False when it failed."""
    if authkey is None:
        return True
    set_receive_timeout(conn, HANDSHAKE_TIMEOUT_SECONDS)
    try:
        mpc.deliver_challenge(conn, authkey)
        mpc.answer_challenge(conn, authkey)
    except (AuthenticationError, EOFError, OSError) as exc:
        log.warning("authentication failed for %s: %s", peer, exc or type(exc).__name__)
        try:
            conn.close()
        except OSError:
            pass
        return False
    set_receive_timeout(conn, 0)
    return True


def generate_authkey_file() -> str:
    """Write a new random authkey to a fresh 0600 file in the temp directory; return its path."""
    fd, path = tempfile.mkstemp(prefix="picklebridge-", suffix=".authkey")
    try:
        os.write(fd, os.urandom(GENERATED_KEY_LENGTH))
    finally:
        os.close(fd)
    return path


def open_stdio() -> Tuple[mpc.Connection, mpc.Connection]:
    """Frames on this process's original stdin (requests) and stdout (replies).

    The originals move to new descriptors; fd 0 becomes /dev/null and fd 1 a copy of stderr,
    so a worker function (or a worker process) that prints cannot corrupt the frame stream.
    When stdin is a socket it carries both directions.
    """
    read_fd = os.dup(0)
    duplex = stat.S_ISSOCK(os.fstat(read_fd).st_mode)
    write_fd = read_fd if duplex else os.dup(1)
    try:
        sys.stdout.flush()
    except (AttributeError, OSError, ValueError):
        pass
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    if duplex:
        conn = mpc.Connection(read_fd)
        return conn, conn
    return mpc.Connection(read_fd, writable=False), mpc.Connection(write_fd, readable=False)
