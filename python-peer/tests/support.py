"""Shared test helpers: the real server jar, a server process listening on a socket."""

import faulthandler
import logging
import os
import re
import subprocess
import tempfile
import threading
import unittest

import picklebridge.jvm

# Expected failures (a killed JVM, refused globals) must not flood the output.
logging.getLogger("picklebridge").setLevel(
    logging.DEBUG if os.environ.get("PICKLEBRIDGE_TEST_LOG") else logging.CRITICAL)


# A hung test must fail the build with every thread's stack, not stall it: the whole suite
# takes about a minute.
if os.environ.get("PICKLEBRIDGE_REQUIRE_JAR"):
    faulthandler.dump_traceback_later(int(os.environ.get("PICKLEBRIDGE_TEST_WATCHDOG", "900")),
                                      exit=True)


def end_process(process, grace=5.0):
    """Terminate ``process`` if it still runs; kill it if it has not exited after ``grace`` s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def server_jar():
    """The jar under test; skip (or fail under Maven, which sets PICKLEBRIDGE_REQUIRE_JAR)."""
    try:
        return picklebridge.jvm.find_jar()
    except FileNotFoundError as exc:
        if os.environ.get("PICKLEBRIDGE_REQUIRE_JAR"):
            raise
        raise unittest.SkipTest("the server jar is not built (%s)" % exc)


class ListeningServer:
    """``java -jar bridge-server.jar --listen ADDRESS`` as a child, for tcp and unix tests."""

    def __init__(self, scheme="tcp", authkey=b"test-key-\x00\xff"):
        self.jar = server_jar()
        self.authkey = authkey
        self._dir = tempfile.TemporaryDirectory(prefix="pb-test-")
        args = []
        if scheme == "tcp":
            args += ["--listen", "tcp://127.0.0.1:0"]
        else:
            args += ["--listen", "unix://" + os.path.join(self._dir.name, "pb.sock")]
        if authkey is not None:
            key_file = os.path.join(self._dir.name, "key")
            with open(key_file, "wb") as out:
                out.write(authkey)
            args += ["--authkey-file", key_file]
        command = [picklebridge.jvm.find_java(), *picklebridge.jvm.DEFAULT_JVM_OPTIONS,
                   "-jar", self.jar, *args]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.address = None
        self.stderr = []
        found = threading.Event()

        def pump():
            for raw in iter(self.process.stderr.readline, b""):
                line = raw.decode("utf-8", "replace").rstrip()
                self.stderr.append(line)
                match = re.search(r"listening on ((?:tcp|unix)://\S+)", line)
                if match and self.address is None:
                    self.address = match.group(1)
                    found.set()
            found.set()

        self._pump = threading.Thread(target=pump, daemon=True)
        self._pump.start()
        if not found.wait(30) or self.address is None:
            self.stop()
            raise RuntimeError("the server did not report its address; stderr:\n"
                               + "\n".join(self.stderr[-20:]))

    def stop(self):
        end_process(self.process)
        self._pump.join(2)
        self.process.stderr.close()
        self._dir.cleanup()
