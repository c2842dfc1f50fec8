"""picklebridge: call Java workers from Python the way you use ``multiprocessing``.

    >>> from picklebridge import Pool
    >>> with Pool() as pool:                        # starts a private JVM over pipes
    ...     print(pool.map("demo.square", range(8)))
    [0, 1, 4, 9, 16, 25, 36, 49]

Public names: :func:`connect` / :class:`Client` (calls, futures, asyncio, attribute proxies),
:class:`Pool` (``multiprocessing.pool.Pool``'s API), :class:`JavaExecutor`
(``concurrent.futures``), and the exceptions in :mod:`picklebridge.errors`.
"""

__version__ = "0.1.0"

from .errors import (BridgeConnectionError, BridgeError, JavaError, JvmExitedError,  # noqa: E402
                     ProtocolError, RemoteTraceback)
from .safe_pickle import AllowList, GlobalRefusedError  # noqa: E402
from .client import Client, WorkerProxy, connect  # noqa: E402
from .pool import Pool  # noqa: E402
from .executor import JavaExecutor  # noqa: E402
from ._server_workers import expose  # noqa: E402  (workers of python -m picklebridge serve)

__all__ = [
    "connect", "Client", "WorkerProxy", "Pool", "JavaExecutor", "AllowList", "expose",
    "BridgeError", "BridgeConnectionError", "JvmExitedError", "JavaError", "ProtocolError",
    "GlobalRefusedError", "RemoteTraceback", "__version__",
]
