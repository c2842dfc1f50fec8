"""``--processes N``: run served calls in N worker processes, for CPU-bound Python.

Each of N pool threads owns one child process (started with the ``spawn`` method, so it
inherits no sockets and no threads) and hands it one request at a time over a
``multiprocessing.Pipe``.  Unlike a ``ProcessPoolExecutor``, a call that is cancelled or
times out while running is really stopped: its process is terminated and a fresh one starts
for the next call, while the other processes keep working::

    >>> runner = ProcessRunner(processes=4, specs=["mymodule"])
    >>> runner.submit(call)
"""

import logging
import multiprocessing
import os
import threading
import time
from typing import Any, List, Optional, Set

from ._server_calls import Call, Outcome, ThreadRunner, run_request
from ._server_workers import WorkerRegistry, describe_exception, protocol_error_info

__all__ = ["ProcessRunner", "WorkerProcess"]

log = logging.getLogger("picklebridge.serve")

#: How often a waiting pool thread checks whether its call was cancelled.
CANCEL_POLL_SECONDS = 0.05


def _exit_when_orphaned(parent_pid: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent_pid:
            os._exit(1)  # the server died; nobody will read the result


def child_main(conn: Any, specs: List[str], parent_pid: int) -> None:
    """A worker process: import the served modules, then run requests until EOF."""
    threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), daemon=True).start()
    registry = WorkerRegistry.from_specs(specs)
    while True:
        try:
            kind, worker, args, kwargs, options = conn.recv()
        except (EOFError, OSError):
            return
        try:
            func = registry.resolve(worker)
        except NameError as exc:
            outcome: Outcome = ("error", describe_exception(exc, worker))
        else:
            outcome = run_request(func, kind, worker, args, kwargs, options) or ("result", None)
        try:
            conn.send(outcome)
        except (EOFError, OSError):
            return
        except Exception as exc:  # the result does not pickle
            conn.send(("error", describe_exception(exc, worker)))


class WorkerProcess:
    """One child process running calls one at a time."""

    def __init__(self, context: Any, specs: List[str]):
        self._conn, child_conn = context.Pipe()
        self.process = context.Process(target=child_main, args=(child_conn, specs, os.getpid()),
                                       name="picklebridge-worker", daemon=True)
        self.process.start()
        child_conn.close()

    @property
    def pid(self) -> Optional[int]:
        return self.process.pid

    def run(self, call: Call) -> Optional[Outcome]:
        """Send ``call`` and wait for its outcome; None after killing the process (cancelled)."""
        try:
            self._conn.send((call.kind, call.worker, call.args, call.kwargs, call.options))
            while not self._conn.poll(CANCEL_POLL_SECONDS):
                if call.cancel_event.is_set():
                    log.info("terminating worker process %s running cancelled %r", self.pid, call)
                    self.kill()
                    return None
            return self._conn.recv()
        except (EOFError, OSError):
            self.process.join(1.0)
            return "error", protocol_error_info(
                "ChildProcessError", "the worker process (pid %s) running %s exited with code %s"
                % (self.pid, call.worker, self.process.exitcode), call.worker)

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> None:
        """Terminate the process now and release its pipe."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(1.0)
        self._conn.close()

    def __repr__(self) -> str:
        return "<WorkerProcess pid=%s %s>" % (self.pid, "alive" if self.alive else "exited")


class ProcessRunner(ThreadRunner):
    """Runs calls in ``processes`` child processes, one per pool thread."""

    mode = "processes"

    def __init__(self, processes: int, specs: List[str]):
        super().__init__(processes)
        self._specs = list(specs)
        self._context = multiprocessing.get_context("spawn")
        self._local = threading.local()
        self._processes: Set[WorkerProcess] = set()
        self._lock = threading.Lock()
        self._closed = False

    def _process(self) -> WorkerProcess:
        process = getattr(self._local, "process", None)
        if process is None or not process.alive:
            if process is not None:
                self._forget(process)
            process = WorkerProcess(self._context, self._specs)
            with self._lock:
                if self._closed:
                    process.kill()
                    raise RuntimeError("the server is shutting down")
                self._processes.add(process)
            self._local.process = process
        return process

    def _forget(self, process: WorkerProcess) -> None:
        process.kill()
        with self._lock:
            self._processes.discard(process)
        self._local.process = None

    def run(self, call: Call) -> Optional[Outcome]:
        """Run ``call`` in this thread's worker process (started on first use)."""
        try:
            process = self._process()
        except Exception as exc:
            return "error", describe_exception(exc, call.worker)
        outcome = process.run(call)
        if not process.alive:
            self._forget(process)
        return outcome

    def close(self) -> None:
        """Drop queued calls and terminate every worker process."""
        super().close()
        with self._lock:
            self._closed = True
            processes = list(self._processes)
            self._processes.clear()
        for process in processes:
            process.kill()

    def describe(self) -> dict:
        return {"threads": self.threads, "processes": self.threads, "mode": self.mode}
