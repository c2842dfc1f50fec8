"""A stock multiprocessing.connection client: nothing but the standard library.

usage: stock_client.py HOST PORT KEYFILE|- MODE   (HOST a path and PORT "-": a Unix socket)
MODE "echo": call sys.echo with values of many types, check the echo, print OK.
MODE "nokey": connect without a key; the server must not answer a call.
"""
import sys
from multiprocessing.connection import Client


def main():
    host, port, keyfile, mode = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    address = host if port == "-" else (host, int(port))
    key = None if keyfile == "-" else open(keyfile, "rb").read()
    if mode == "nokey":
        try:
            conn = Client(address)
            conn.send(("call", 1, "sys.ping", (), {}))
            reply = conn.recv()
            print("UNEXPECTED", reply)
        except Exception as exc:  # the server sent a challenge or closed: both refuse us
            print("REFUSED", type(exc).__name__)
        return
    conn = Client(address, authkey=key)
    shared = [1, 2]
    value = (1, "two", 3.0, None, True, b"bytes", {"k": shared, "j": shared}, set([1, 2]),
             2 ** 100, -0.0, u"\u00e9\u4e2d", [shared])
    conn.send(("call", 1, "sys.echo", (value,), {}))
    kind, rid, back = conn.recv()
    assert (kind, rid) == ("result", 1), (kind, rid, back)
    assert back == value, (back, value)
    assert back[6]["k"] is back[6]["j"], "shared list not shared"
    conn.send(("call", 2, "sys.fail", ("java.lang.IllegalArgumentException", "bad n"), {}))
    kind, rid, info = conn.recv()
    assert (kind, rid, info["type"], info["message"]) == ("error", 2, "ValueError", "bad n"), info
    conn.send(("map", 3, "demo.square", list(range(5)), {}))
    assert conn.recv() == ("result", 3, [0, 1, 4, 9, 16])
    conn.close()
    print("OK")


if __name__ == "__main__":
    main()
