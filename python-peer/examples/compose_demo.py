"""The demo that ``docker compose up`` runs: a picklebridge Pool over every bridge-server replica.

Compose's DNS answers the service name with one address per replica, so after
``docker compose up --scale bridge-server=3`` this finds three servers and the Pool spreads its
chunks over all of them (each chunk goes to the connection with the fewest requests in flight).
It checks every result against Python, prints how many requests each server handled, and exits
non-zero if anything is wrong.

Settings (environment):

    PICKLEBRIDGE_SERVICE       host name to resolve (default ``bridge-server``)
    PICKLEBRIDGE_PORT          port every replica listens on (default 7341)
    PICKLEBRIDGE_SERVERS       explicit ``tcp://host:port`` list, comma separated (skips DNS)
    PICKLEBRIDGE_AUTHKEY_FILE  the shared authkey (default ``/run/secrets/picklebridge_authkey``)
    DEMO_ITEMS                 how many ints to map (default 100000)

Run outside containers against local servers::

    PICKLEBRIDGE_SERVERS=tcp://127.0.0.1:7341 PICKLEBRIDGE_AUTHKEY_FILE=key \\
        python3 python-peer/examples/compose_demo.py
"""

import os
import socket
import sys
import time
from typing import List, Tuple

try:
    import picklebridge
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
    import picklebridge
from picklebridge.addresses import parse_address

Server = Tuple[str, int]


def resolve_replicas(service: str, port: int, wait_seconds: float = 30.0) -> List[Server]:
    """Every address ``service`` resolves to, sorted; retries while DNS has none yet."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            infos = socket.getaddrinfo(service, port, type=socket.SOCK_STREAM)
            hosts = sorted({info[4][0] for info in infos})
            if hosts:
                return [(host, port) for host in hosts]
        except socket.gaierror as exc:
            if time.monotonic() >= deadline:
                raise SystemExit("cannot resolve %r: %s" % (service, exc))
        time.sleep(0.5)


def configured_servers() -> List[Server]:
    explicit = os.environ.get("PICKLEBRIDGE_SERVERS", "").strip()
    if explicit:
        servers = []
        for each in explicit.split(","):
            address = parse_address(each.strip())
            servers.append(address.target)
        return servers
    return resolve_replicas(os.environ.get("PICKLEBRIDGE_SERVICE", "bridge-server"),
                            int(os.environ.get("PICKLEBRIDGE_PORT", "7341")))


def requests_served(server: Server, authkey_file: str) -> int:
    """How many requests one server has handled so far (its ``sys.info()``)."""
    with picklebridge.connect(server, authkey_file=authkey_file) as client:
        return int(client.call("sys.info")["requests"])


def main() -> int:
    authkey_file = os.environ.get("PICKLEBRIDGE_AUTHKEY_FILE", "/run/secrets/picklebridge_authkey")
    items = int(os.environ.get("DEMO_ITEMS", "100000"))
    servers = configured_servers()
    print("picklebridge demo: %d server(s): %s"
          % (len(servers), ", ".join("%s:%d" % server for server in servers)))
    before = {server: requests_served(server, authkey_file) for server in servers}

    failures = 0
    started = time.perf_counter()
    with picklebridge.Pool(4, address=list(servers), authkey_file=authkey_file) as pool:
        squares = pool.map("demo.square", range(items), chunksize=max(1, items // 64))
        ok = squares == [n * n for n in range(items)]
        failures += not ok
        print("map(demo.square, range(%d)): sum %d, first %s  [%s]"
              % (items, sum(squares), squares[:5], "ok" if ok else "WRONG"))

        limits = [10 ** k for k in range(2, 7)]
        primes = pool.map("demo.primes_below", limits, chunksize=1)
        ok = primes == [25, 168, 1229, 9592, 78498]
        failures += not ok
        print("map(demo.primes_below, %s): %s  [%s]" % (limits, primes, "ok" if ok else "WRONG"))

        try:
            pool.apply("demo.floordiv", (1, 0))
            print("apply(demo.floordiv, (1, 0)) did not raise  [WRONG]")
            failures += 1
        except ZeroDivisionError as exc:
            print("apply(demo.floordiv, (1, 0)) raised ZeroDivisionError: %s  [ok]" % exc)
    elapsed = time.perf_counter() - started

    served = {server: requests_served(server, authkey_file) - before[server] - 1
              for server in servers}
    print("requests per server: %s" % ", ".join("%s:%d=%d" % (host, port, count)
                                               for (host, port), count in served.items()))
    if len(servers) > 1 and sum(1 for count in served.values() if count > 0) < 2:
        print("the work was not spread over the servers  [WRONG]")
        failures += 1
    print("done in %.2f s: %s" % (elapsed, "all results correct" if not failures
                                  else "%d check(s) failed" % failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
