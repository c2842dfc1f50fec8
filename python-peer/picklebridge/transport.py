"""Opening a framed, authenticated ``multiprocessing.connection.Connection`` to a peer.

Framing and the authkey challenge-response are the standard library's own
(``Connection.send_bytes``/``recv_bytes``, ``answer_challenge``/``deliver_challenge``); this
module only adds a connect timeout, ``TCP_NODELAY`` and clear errors::

    >>> conn = open_socket_connection(parse_address("tcp://127.0.0.1:7341"), b"secret")
    >>> conn.send_bytes(dumps(("ping", 1)))
"""

import socket
import struct
from multiprocessing import AuthenticationError
from multiprocessing import connection as mpc
from typing import Optional

from .addresses import Address
from .errors import BridgeConnectionError

__all__ = ["open_socket_connection", "shutdown_connection", "set_receive_timeout"]

CHALLENGE = b"#CHALLENGE#"


def set_receive_timeout(conn: mpc.Connection, seconds: float) -> None:
    """Bound blocking reads on ``conn``'s socket (0 removes the bound)."""
    whole = int(seconds)
    timeval = struct.pack("ll", whole, int((seconds - whole) * 1_000_000))
    sock = socket.socket(fileno=conn.fileno())
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeval)
    finally:
        sock.detach()


def open_socket_connection(address: Address, authkey: Optional[bytes],
                           timeout: float = 30.0) -> mpc.Connection:
    """Connect to a tcp or unix ``address`` and, given an authkey, authenticate both ways."""
    try:
        if address.scheme == "tcp":
            sock = socket.create_connection(address.target, timeout=timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        elif address.scheme == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            try:
                sock.connect(address.target)
            except BaseException:
                sock.close()
                raise
        else:
            raise ValueError("not a socket address: %s" % (address,))
    except OSError as exc:
        raise BridgeConnectionError("cannot connect to picklebridge server at %s: %s"
                                    % (address, exc)) from exc
    sock.settimeout(None)
    conn = mpc.Connection(sock.detach())
    if authkey is None:
        return conn
    set_receive_timeout(conn, timeout)
    try:
        mpc.answer_challenge(conn, authkey)
        mpc.deliver_challenge(conn, authkey)
    except AuthenticationError as exc:
        conn.close()
        raise BridgeConnectionError("authentication with %s failed: %s (check the authkey)"
                                    % (address, exc)) from exc
    except (OSError, EOFError) as exc:
        conn.close()
        raise BridgeConnectionError("authentication with %s failed: the server closed the "
                                    "connection or did not answer (%s)" % (address, exc)) from exc
    set_receive_timeout(conn, 0)
    return conn


def shutdown_connection(conn: mpc.Connection) -> None:
    """Wake a thread blocked reading ``conn`` (socket or pipe) and close it for this process.

    For sockets, ``shutdown`` reaches the peer and every reader; for pipes the fd is closed.
    """
    try:
        fd = conn.fileno()
    except (OSError, ValueError):
        return
    try:
        sock = socket.socket(fileno=fd)
    except OSError:
        sock = None  # not a socket: a pipe
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        finally:
            sock.detach()
