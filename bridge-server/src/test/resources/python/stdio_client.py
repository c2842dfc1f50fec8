"""Spawns the server jar in --stdio mode the way picklebridge does, using only the stdlib.

usage: stdio_client.py JAR pipes|socketpair [SERVER_OPTION...]
Calls sys.echo and a streamed worker, closes the server's stdin, and prints
"OK exit=<code> after=<seconds>" once the JVM has exited.
"""
import os
import socket
import subprocess
import sys
import time
from multiprocessing.connection import Connection


def main():
    jar, transport = sys.argv[1], sys.argv[2]
    command = ["java", "-jar", jar, "--stdio", "--log-level", "warn"] + sys.argv[3:]
    if transport == "socketpair":
        ours, theirs = socket.socketpair()
        process = subprocess.Popen(command, stdin=theirs, stdout=theirs, stderr=subprocess.PIPE)
        theirs.close()
        reader = writer = Connection(ours.detach())
    else:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, bufsize=0)
        writer = Connection(os.dup(process.stdin.fileno()), readable=False)
        reader = Connection(os.dup(process.stdout.fileno()), writable=False)
        process.stdin.close()
        process.stdout.close()
    value = {"a": [1, 2.5, None], "b": (b"x" * 100000, "y")}
    writer.send(("call", 1, "sys.echo", (value,), {}))
    assert reader.recv() == ("result", 1, value)
    writer.send(("call", 2, "demo.count", (3,), {}, {"stream": True}))
    got = [reader.recv() for _ in range(4)]
    assert got == [("item", 2, 0), ("item", 2, 1), ("item", 2, 2), ("result", 2, 3)], got
    for i in range(1000):
        writer.send(("call", 10 + i, "demo.square", (i,), {}))
    results = sorted(reader.recv()[2] for _ in range(1000))
    assert results == [i * i for i in range(1000)]
    writer.send(("call", 3, "sys.sleep", (30,), {}))  # still running when stdin closes
    closed = time.time()
    if transport == "socketpair":
        reader.close()
    else:
        writer.close()
        reader.close()
    code = process.wait(20)
    after = time.time() - closed
    stderr = process.stderr.read().decode("utf-8", "replace")
    process.stderr.close()
    print("OK exit=%d after=%.2f" % (code, after))
    if stderr.strip():
        print("STDERR " + stderr.strip().replace("\n", " | "))


if __name__ == "__main__":
    main()
