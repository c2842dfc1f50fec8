"""A stock multiprocessing.connection client, as any Python 2.7 or 3.6+ user would write it.

usage: stock_client.py HOST PORT KEYFILE MODE
  bytes     send_bytes/recv_bytes round trips (the server echoes frames)
  call      send a call and expect its result (the server echoes args[0])
  wrongkey  expect multiprocessing.AuthenticationError while connecting
  nokey     connect without an authkey, send a call: the reply must not be a message
Prints one line starting with "ok" on success; exits non-zero otherwise.
"""
from __future__ import print_function

import pickle
import sys
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client


def receive(conn):
    """conn.recv() that gives up after 10 seconds instead of hanging the test."""
    if not conn.poll(10):
        raise SystemExit("no reply within 10 s")
    return conn.recv()


def main():
    host, port, keyfile, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    with open(keyfile, "rb") as f:
        authkey = f.read()
    if mode == "wrongkey":
        try:
            Client((host, port), authkey=authkey + b"-wrong")
        except AuthenticationError as e:
            print("ok AuthenticationError", e)
            return
        raise SystemExit("connected with a wrong key")
    if mode == "nokey":
        conn = Client((host, port))
        conn.send(("call", 1, "sys.echo", (1,), {}))
        try:
            reply = receive(conn)
        except (pickle.UnpicklingError, EOFError, OSError) as e:
            print("ok refused", type(e).__name__, e)
            return
        raise SystemExit("a client without authkey got a reply: %r" % (reply,))
    conn = Client((host, port), authkey=authkey)
    try:
        if mode == "bytes":
            for payload in (b"hello", b"", bytes(bytearray(range(256))) * 400):
                conn.send_bytes(payload)
                if not conn.poll(10):
                    raise SystemExit("no reply within 10 s")
                back = conn.recv_bytes()
                assert back == payload, (len(back), len(payload))
            print("ok bytes")
        elif mode == "call":
            value = (1, "two", 3.0, None, [True], {"k": -2 ** 70})
            if sys.version_info[0] >= 3:
                value += (b"\x00\xff",)  # a Python 2 str is not bytes
            conn.send(("call", 1, "sys.echo", (value,), {}))
            reply = receive(conn)
            assert reply == ("result", 1, value), reply
            conn.send(("ping", 7))
            assert receive(conn) == ("pong", 7)
            conn.send(("call", "not-an-id"))
            reply = receive(conn)
            assert reply[0] == "error" and reply[1] is None and reply[2]["type"] == "ProtocolError", reply
            conn.send(("call", 9, 42, (), {}))
            reply = receive(conn)
            assert reply[0] == "error" and reply[1] == 9, reply
            print("ok call", reply[2]["message"])
        else:
            raise SystemExit("unknown mode " + mode)
    finally:
        conn.close()


if __name__ == "__main__":
    main()
