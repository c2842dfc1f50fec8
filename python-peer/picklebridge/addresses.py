"""Parsing the address forms picklebridge accepts.

``"tcp://HOST:PORT"``, ``(host, port)``, ``"unix:///absolute/path"``, and ``None`` or
``"stdio"`` for a private JVM in pipe mode::

    >>> parse_address("tcp://127.0.0.1:7341")
    Address(scheme='tcp', target=('127.0.0.1', 7341))
    >>> parse_addresses(["unix:///tmp/pb.sock", ("10.0.0.2", 7341)])
    [Address(scheme='unix', target='/tmp/pb.sock'), Address(scheme='tcp', target=('10.0.0.2', 7341))]
"""

from typing import Any, List, NamedTuple, Tuple, Union

__all__ = ["Address", "parse_address", "parse_addresses", "read_authkey"]

AddressLike = Union[None, str, Tuple[str, int], "Address"]


class Address(NamedTuple):
    """A parsed peer address: scheme ``"tcp"``, ``"unix"`` or ``"stdio"``, and its target."""

    scheme: str
    target: Any

    def __str__(self) -> str:
        if self.scheme == "tcp":
            host, port = self.target
            return "tcp://%s:%d" % ("[%s]" % host if ":" in host else host, port)
        if self.scheme == "unix":
            return "unix://" + self.target
        return "stdio"


def parse_address(address: AddressLike) -> Address:
    """Parse one address; raise ValueError naming the accepted forms when it is none of them."""
    if isinstance(address, Address):
        return address
    if address is None or address == "stdio":
        return Address("stdio", None)
    if (isinstance(address, tuple) and len(address) == 2 and isinstance(address[0], str)
            and isinstance(address[1], int)):
        return Address("tcp", (address[0], address[1]))
    if isinstance(address, str):
        if address.startswith("unix://"):
            path = address[len("unix://"):]
            if path:
                return Address("unix", path)
        elif address.startswith("tcp://"):
            rest = address[len("tcp://"):].rstrip("/")
            if rest.startswith("["):
                host, _, port = rest[1:].partition("]:")
            else:
                host, _, port = rest.rpartition(":")
            if host and port.isdigit():
                return Address("tcp", (host, int(port)))
    raise ValueError(
        "unrecognised picklebridge address %r: expected 'tcp://HOST:PORT', (host, port), "
        "'unix:///path', or None for a private JVM" % (address,))


def parse_addresses(address: Any) -> List[Address]:
    """Parse ``address``: one address, or a list of them to spread work over."""
    if isinstance(address, list) or (isinstance(address, tuple) and not _is_host_port(address)):
        if not address:
            raise ValueError("an empty list of addresses was given")
        return [parse_address(each) for each in address]
    return [parse_address(address)]


def _is_host_port(value: tuple) -> bool:
    return len(value) == 2 and isinstance(value[0], str) and isinstance(value[1], int)


def read_authkey(authkey: Union[None, bytes, str] = None, authkey_file: Union[None, str] = None):
    """Return the authkey as bytes: given directly (str is UTF-8 encoded) or read from a file."""
    if authkey is not None and authkey_file is not None:
        raise ValueError("give authkey or authkey_file, not both")
    if authkey_file is not None:
        with open(authkey_file, "rb") as key_file:
            return key_file.read()  # raw bytes, as the protocol doc reads it
    if isinstance(authkey, str):
        return authkey.encode("utf-8")
    if authkey is not None and not isinstance(authkey, (bytes, bytearray)):
        raise TypeError("authkey should be bytes, got %s" % type(authkey).__name__)
    return bytes(authkey) if authkey is not None else None
