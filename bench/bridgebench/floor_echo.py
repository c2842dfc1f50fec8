"""The floor: a Python echo server with the bridge's framing and pickle, and nothing else.

It answers ``("call", id, worker, (x,), kwargs)`` with ``("result", id, x)`` using only
``multiprocessing.connection`` (``Connection.send``/``recv``: the same length-prefixed frames
and the same C pickle the bridge uses). Run as its own process::

    python3 floor_echo.py tcp  KEYFILE     # prints "floor listening on tcp://127.0.0.1:PORT"
    python3 floor_echo.py unix KEYFILE PATH
    python3 floor_echo.py stdio            # frames on stdin/stdout (the pipe floor)

It serves one connection and exits when that connection ends.
"""

import socket
import sys
from multiprocessing.connection import Connection, Listener


def set_nodelay(conn: Connection) -> None:
    """TCP_NODELAY on a Connection's socket, as the bridge's client and server set it."""
    sock = socket.socket(fileno=conn.fileno())
    try:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    finally:
        sock.detach()


def echo(reader: Connection, writer: Connection) -> None:
    """Answer every call with its first argument until the peer closes."""
    recv, send = reader.recv, writer.send
    while True:
        try:
            message = recv()
        except (EOFError, OSError):
            return
        send(("result", message[1], message[3][0]))


def main(argv: list) -> int:
    mode = argv[1]
    if mode == "stdio":
        echo(Connection(0, writable=False), Connection(1, readable=False))
        return 0
    with open(argv[2], "rb") as key_file:
        authkey = key_file.read()
    if mode == "tcp":
        listener = Listener(("127.0.0.1", 0), "AF_INET", authkey=authkey)
        address = "tcp://%s:%d" % listener.address
    elif mode == "unix":
        listener = Listener(argv[3], "AF_UNIX", authkey=authkey)
        address = "unix://" + argv[3]
    else:
        print("usage: floor_echo.py tcp|unix|stdio [KEYFILE [PATH]]", file=sys.stderr)
        return 2
    print("floor listening on " + address, flush=True)
    with listener:
        conn = listener.accept()
        set_nodelay(conn)
        with conn:
            echo(conn, conn)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
