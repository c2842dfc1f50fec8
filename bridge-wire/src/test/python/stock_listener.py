"""A stock multiprocessing.connection Listener serving one connection.

usage: stock_listener.py KEYFILE MODE
Prints the port it listens on, accepts one client, then:
  bytes  echoes frames (recv_bytes/send_bytes) until the client closes
  call   answers each ("call", id, worker, args, kwargs) with ("result", id, args[0])
A failed handshake prints "AuthenticationError" and exits 0 (the Java test checks its own side).
"""
import sys
from multiprocessing import AuthenticationError
from multiprocessing.connection import Listener


def main():
    keyfile, mode = sys.argv[1], sys.argv[2]
    with open(keyfile, "rb") as f:
        authkey = f.read()
    listener = Listener(("127.0.0.1", 0), authkey=authkey)
    listener._listener._socket.settimeout(20)
    print(listener.address[1], flush=True)
    try:
        conn = listener.accept()
    except AuthenticationError as e:
        print("AuthenticationError", e, flush=True)
        return
    with conn:
        while True:
            try:
                if mode == "bytes":
                    conn.send_bytes(conn.recv_bytes())
                else:
                    message = conn.recv()
                    conn.send(("result", message[1], message[3][0]))
            except EOFError:
                break
    print("done", flush=True)


if __name__ == "__main__":
    main()
