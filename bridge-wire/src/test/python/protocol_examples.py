"""Prints the annotated hex examples of docs/protocol.md, from CPython itself.

usage: python3 protocol_examples.py

Every frame is shown as multiprocessing.connection sends it: the 4-byte big-endian length,
then the payload; pickles are annotated opcode by opcode with pickletools.genops.
"""
import hmac
import pickle
import pickletools
import struct

KEY = b"example-key"
NONCE = bytes(range(40))          # os.urandom(40) in real life
LEGACY_NONCE = bytes(range(20))   # os.urandom(20) in CPython 3.6-3.11


def hexbytes(data: bytes) -> str:
    return " ".join("%02x" % b for b in data)


def row(data: bytes, note: str, width: int = 48) -> str:
    """One or more lines: hex of data (16 bytes per line), the note on the first."""
    lines = []
    for start in range(0, max(len(data), 1), 16):
        chunk = hexbytes(data[start:start + 16])
        lines.append(chunk.ljust(width) + ("  " + note if start == 0 else ""))
    return "\n".join(line.rstrip() for line in lines)


def frame_header(payload: bytes) -> str:
    return row(struct.pack("!i", len(payload)), "length %d" % len(payload))


def pickle_rows(data: bytes) -> str:
    ops = list(pickletools.genops(data))
    out = []
    for i, (op, arg, pos) in enumerate(ops):
        end = ops[i + 1][2] if i + 1 < len(ops) else len(data)
        note = op.name if arg is None else "%s %r" % (op.name, arg)
        out.append(row(data[pos:end], note))
    return "\n".join(out)


def frame_of_pickle(value, protocol: int) -> str:
    data = pickle.dumps(value, protocol)
    return frame_header(data) + "\n" + pickle_rows(data)


def ascii_rows(payload: bytes, parts) -> str:
    out, pos = [], 0
    for size, note in parts:
        out.append(row(payload[pos:pos + size], note))
        pos += size
    assert pos == len(payload)
    return "\n".join(out)


def handshake() -> None:
    message = b"{sha256}" + NONCE
    challenge = b"#CHALLENGE#" + message
    print("### server -> client: challenge\n```")
    print(frame_header(challenge))
    print(ascii_rows(challenge, [(11, '"#CHALLENGE#"'), (8, '"{sha256}"'), (40, "40 random bytes")]))
    print("```")
    modern = b"{sha256}" + hmac.new(KEY, message, "sha256").digest()
    print("### client (3.12+) -> server: response\n```")
    print(frame_header(modern))
    print(ascii_rows(modern, [(8, '"{sha256}"'), (32, "HMAC-SHA256(key, message)")]))
    print("```")
    legacy = hmac.new(KEY, message, "md5").digest()
    print("### client (3.6-3.11) -> server: legacy response\n```")
    print(frame_header(legacy))
    print(row(legacy, "HMAC-MD5(key, message), message including \"{sha256}\""))
    print("```")
    for name in ("#WELCOME#", "#FAILURE#"):
        payload = name.encode()
        print("### verdict %s\n```" % name)
        print(frame_header(payload))
        print(row(payload, '"%s"' % name))
        print("```")
    legacy_challenge = b"#CHALLENGE#" + LEGACY_NONCE
    print("### client (3.6-3.11) -> server: legacy challenge, and the answer\n```")
    print(frame_header(legacy_challenge))
    print(ascii_rows(legacy_challenge, [(11, '"#CHALLENGE#"'), (20, "20 random bytes")]))
    answer = hmac.new(KEY, LEGACY_NONCE, "md5").digest()
    print(frame_header(answer))
    print(row(answer, "HMAC-MD5(key, message), no prefix"))
    print("```")


def messages() -> None:
    examples = [
        ("call", ("call", 1, "sys.echo", (7,), {}), 4),
        ("call with options", ("call", 2, "sys.sleep", (0.5,), {}, {"timeout": 2.0}), 5),
        ("result", ("result", 1, 7), 4),
        ("error", ("error", 2, {"type": "TimeoutError", "java_class": "", "message": "timed out after 2.0 s",
                                "traceback": "", "worker": "sys.sleep"}), 4),
    ]
    for title, value, protocol in examples:
        print("### %s, protocol %d: `%r`\n```" % (title, protocol, value))
        print(frame_of_pickle(value, protocol))
        print("```")


if __name__ == "__main__":
    handshake()
    messages()
