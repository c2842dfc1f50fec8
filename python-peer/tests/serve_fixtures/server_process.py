"""``python -m picklebridge serve ...`` as a real child process, for the serve tests."""

import os
import re
import subprocess
import sys
import threading
from multiprocessing import connection as mpc

from ..support import end_process

PEER_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARITH = "tests.serve_fixtures.arith"
EXPOSED = "tests.serve_fixtures.exposed"
GENEROUS = 20  # seconds: bounds every wait so a regression fails instead of hanging


def other_pythons(versions=("3.8.18", "3.13.0")):
    """``(version, interpreter)`` for the oldest and newest supported Pythons installed."""
    found = [(version, "/root/.pyenv/versions/%s/bin/python" % version) for version in versions]
    return [(version, python) for version, python in found if os.path.exists(python)]


def worker(name):
    """The worker name of a function of the arith fixture."""
    return ARITH + "." + name


class ServeProcess:
    """A serving child; ``stdio=True`` gives framed ``send``/``recv`` on its pipes."""

    def __init__(self, *args, stdio=False, python=None, wait_for=None):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [PEER_DIR, env.get("PYTHONPATH")]))
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PICKLEBRIDGE_SERVE_FIXTURE_PRINT"] = "1"
        command = [python or sys.executable, "-m", "picklebridge", "serve"]
        command += ["--stdio"] if stdio else []
        command += list(args)
        self.process = subprocess.Popen(
            command, cwd=PEER_DIR, env=env, stderr=subprocess.PIPE,
            stdin=subprocess.PIPE if stdio else subprocess.DEVNULL,
            stdout=subprocess.PIPE if stdio else subprocess.DEVNULL)
        self.stderr_lines = []
        self.addresses = []
        self.authkey_file = None
        self._changed = threading.Condition()
        self._pump = threading.Thread(target=self._read_stderr, daemon=True)
        self._pump.start()
        self.writer = self.reader = None
        if stdio:
            self.writer = mpc.Connection(os.dup(self.process.stdin.fileno()), readable=False)
            self.process.stdin.close()
            self.reader = mpc.Connection(os.dup(self.process.stdout.fileno()), writable=False)
            self.process.stdout.close()
        if wait_for is None:
            wait_for = 0 if stdio else 1
        if wait_for:
            self.wait_for_addresses(wait_for)

    def _read_stderr(self):
        for raw in iter(self.process.stderr.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._changed:
                self.stderr_lines.append(line)
                found = re.search(r"^picklebridge listening on (\S+)$", line)
                if found:
                    self.addresses.append(found.group(1))
                found = re.search(r"^picklebridge authkey file (.+)$", line)
                if found:
                    self.authkey_file = found.group(1)
                self._changed.notify_all()
        with self._changed:
            self.stderr_lines.append("<stderr closed>")
            self._changed.notify_all()

    def wait_for_addresses(self, count):
        with self._changed:
            if not self._changed.wait_for(
                    lambda: len(self.addresses) >= count or "<stderr closed>" in self.stderr_lines,
                    GENEROUS) or len(self.addresses) < count:
                raise AssertionError("the server did not announce %d addresses; stderr:\n%s"
                                     % (count, self.stderr_text()))
        return list(self.addresses)

    def wait_for_stderr(self, pattern):
        """Wait until a stderr line matches ``pattern``; return the match."""
        with self._changed:
            found = []

            def matched():
                found[:] = [m for m in (re.search(pattern, line) for line in self.stderr_lines) if m]
                return bool(found) or "<stderr closed>" in self.stderr_lines
            self._changed.wait_for(matched, GENEROUS)
        if not found:
            raise AssertionError("no stderr line matched %r:\n%s" % (pattern, self.stderr_text()))
        return found[0]

    def stderr_text(self):
        return "\n".join(self.stderr_lines[-40:])

    # -- stdio mode ----------------------------------------------------------------------

    def send(self, message):
        self.writer.send(message)

    def recv(self):
        if not self.reader.poll(GENEROUS):
            raise AssertionError("no reply within %d s; stderr:\n%s" % (GENEROUS, self.stderr_text()))
        return self.reader.recv()

    def call(self, request_id, name, *args, **kwargs):
        """Send one call and return its reply (nothing else may be in flight)."""
        self.send(("call", request_id, name, args, kwargs))
        return self.recv()

    # -- ending --------------------------------------------------------------------------

    def close_stdin(self):
        self.writer.close()

    def wait(self, timeout=GENEROUS):
        return self.process.wait(timeout)

    def stop(self):
        for conn in (self.writer, self.reader):
            if conn is not None and not conn.closed:
                conn.close()
        end_process(self.process)
        self._pump.join(5)
        self.process.stderr.close()
