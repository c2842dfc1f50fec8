"""How much each row does: the full run (about 10 minutes on 2 shared cores) or ``--quick``.

    >>> Scale.full().latency_calls
    20000
    >>> Scale.quick().describe()["map_items"]
    200000
"""

from dataclasses import asdict, dataclass
from typing import Any, Dict, Tuple

__all__ = ["Scale", "Context"]


@dataclass(frozen=True)
class Scale:
    """Counts for every row; printed with the table and kept in the JSON."""

    name: str
    rounds: int                 # rows 1, 2, 5: ours and the floor alternate this many times
    latency_calls: int          # row 1: timed sync calls per transport and side, all rounds
    latency_warmup: int         # row 1: untimed calls first, per transport and side
    pipelined_calls: int        # row 2: calls per transport and side, all rounds
    pipeline_window: int        # row 2: calls in flight
    map_items: int              # row 3: ints mapped
    map_processes: int          # rows 3 and 4: processes / calls at once
    primes_items: int           # row 4: items, each counting primes below ~primes_n
    primes_n: int
    bytes_sizes_mib: Tuple[int, ...]   # row 5
    bytes_reps: Tuple[int, ...]        # row 5: echoes per size and side
    cold_runs: int              # row 6: fresh-process starts per side (after one untimed)
    memory_calls: int           # row 7: calls before the RSS is read
    memory_imap_items: int      # row 7: generator length of the imap
    memory_imap_chunksize: int
    peer_calls: int             # row 8: latency calls per peer
    peer_bytes_mib: Tuple[int, ...]

    @classmethod
    def full(cls) -> "Scale":
        return cls(name="full", rounds=5, latency_calls=20000, latency_warmup=10000,
                   pipelined_calls=60000, pipeline_window=128, map_items=1_000_000,
                   map_processes=2, primes_items=40, primes_n=200_000,
                   bytes_sizes_mib=(1, 16, 256), bytes_reps=(15, 5, 1), cold_runs=5,
                   memory_calls=1_000_000, memory_imap_items=10_000_000,
                   memory_imap_chunksize=10_000, peer_calls=20000, peer_bytes_mib=(1, 16, 256))

    @classmethod
    def quick(cls) -> "Scale":
        return cls(name="quick", rounds=2, latency_calls=3000, latency_warmup=1000,
                   pipelined_calls=10000, pipeline_window=128, map_items=200_000,
                   map_processes=2, primes_items=8, primes_n=100_000,
                   bytes_sizes_mib=(1, 16), bytes_reps=(5, 2), cold_runs=2,
                   memory_calls=50_000, memory_imap_items=500_000,
                   memory_imap_chunksize=5_000, peer_calls=2000, peer_bytes_mib=(1, 16))

    def describe(self) -> Dict[str, Any]:
        return asdict(self)


@dataclass
class Context:
    """What every row needs: the jar, java, a scratch directory, the scale, the peer Python."""

    jar: str
    java: str
    workdir: str
    scale: Scale
    peer_python: str
    log: Any  # callable(str): progress lines on stderr
