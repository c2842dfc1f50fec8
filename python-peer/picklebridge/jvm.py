"""Starting the bundled Java server as a private child process in stdio pipe mode.

:func:`find_jar` and :func:`find_java` locate what is needed, and name what is missing.
:class:`JavaProcess` starts ``java -jar bridge-server.jar --stdio``, forwards its stderr to
``logging.getLogger("picklebridge.jvm")`` (keeping the last lines), and explains its exit::

    >>> proc = JavaProcess()
    >>> reader, writer = proc.start()          # multiprocessing Connections
    >>> proc.exit_description()
    'the JVM (pid 4242) exited with code 1; last stderr lines: ...'
"""

import collections
import hashlib
import logging
import os
import shutil
import socket
import subprocess
import threading
import time
from multiprocessing import connection as mpc
from typing import Deque, Iterable, List, Optional, Sequence, Tuple

from .errors import BridgeConnectionError

__all__ = ["find_jar", "find_java", "JavaProcess", "DEFAULT_JVM_OPTIONS", "PEAK_JVM_OPTIONS"]

log = logging.getLogger("picklebridge.jvm")

#: Options measured to shorten start-up (with the AppCDS archive: about 0.5 s from Pool() to
#: the first result, against 1-2 s for a plain ``java -jar``): serial GC.  The full tiered
#: compiler stays on: limiting it to C1 (``-XX:TieredStopAtLevel=1``) saved no measurable
#: start-up time but nearly doubled the JVM's CPU time in a 1M-item ``map`` (0.11 vs 0.06 s).
DEFAULT_JVM_OPTIONS = ("-XX:+UseSerialGC", "-Xss512k", "-XX:-UsePerfData")

#: For long CPU-bound work: the full tiered compiler (about 30 % faster on demo.primes_below
#: once warm) and the JVM's default GC, at the price of a slower start.
PEAK_JVM_OPTIONS = ("-Xss512k", "-XX:-UsePerfData")

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
JAR_NAME = "bridge-server.jar"


def _jar_candidates() -> List[Tuple[str, str]]:
    checkout = os.path.normpath(os.path.join(_PACKAGE_DIR, "..", ".."))
    return [
        ("the copy the Maven build places inside the package",
         os.path.join(_PACKAGE_DIR, "_jar", JAR_NAME)),
        ("the checkout's build output",
         os.path.join(checkout, "bridge-server", "target", JAR_NAME)),
    ]


def find_jar(jar: Optional[str] = None) -> str:
    """Return the server jar: ``jar``, env ``PICKLEBRIDGE_JAR``, the package copy, the checkout."""
    if jar is not None:
        if not os.path.isfile(jar):
            raise FileNotFoundError("picklebridge server jar %r does not exist" % jar)
        return jar
    from_env = os.environ.get("PICKLEBRIDGE_JAR")
    if from_env:
        if not os.path.isfile(from_env):
            raise FileNotFoundError("PICKLEBRIDGE_JAR=%r does not exist" % from_env)
        return from_env
    looked = []
    for description, path in _jar_candidates():
        if os.path.isfile(path):
            return path
        looked.append("%s (%s)" % (path, description))
    raise FileNotFoundError(
        "picklebridge cannot find the server jar %s; looked at: env PICKLEBRIDGE_JAR (unset), %s. "
        "Build it with 'mvn -B -DskipTests package' or set PICKLEBRIDGE_JAR"
        % (JAR_NAME, ", ".join(looked)))


def find_java(java: Optional[str] = None) -> str:
    """Return the java launcher: ``java``, ``$JAVA_HOME/bin/java``, then ``java`` on PATH."""
    if java is not None:
        return java
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = os.path.join(java_home, "bin", "java")
        if os.access(candidate, os.X_OK):
            return candidate
    on_path = shutil.which("java")
    if on_path:
        return on_path
    raise FileNotFoundError(
        "picklebridge cannot find java (JDK/JRE 17+): JAVA_HOME is %s and no 'java' is on PATH"
        % ("%r without bin/java" % java_home if java_home else "unset"))


def _class_data_archive_options(java: str, jar: str, jvm_options: Sequence[str]) -> List[str]:
    """AppCDS options: reuse an archive of the server's classes, or create it at exit.

    Archives sit in ``~/.cache/picklebridge``, one per java, jar and JVM options (an archive
    made with other GC flags would be refused); a missing or stale one costs nothing but
    this run's speed-up.  ``PICKLEBRIDGE_CDS=0`` turns it off.
    """
    if os.environ.get("PICKLEBRIDGE_CDS", "1") == "0":
        return []
    try:
        stat = os.stat(jar)
        cache = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
                             "picklebridge")
        os.makedirs(cache, exist_ok=True)
    except OSError:
        return []
    family = hashlib.sha256("|".join([os.path.realpath(java), os.path.realpath(jar), *jvm_options])
                            .encode()).hexdigest()[:12]
    version = hashlib.sha256(b"%d|%d" % (stat.st_size, stat.st_mtime_ns)).hexdigest()[:8]
    archive = os.path.join(cache, "server-%s-%s.jsa" % (family, version))
    quiet = ["-Xlog:cds=off", "-Xlog:cds+dynamic=off"]
    if os.path.isfile(archive):
        return ["-XX:SharedArchiveFile=" + archive, *quiet]
    # Written by the JVM at exit under a private name, renamed into place once complete.
    return ["-XX:ArchiveClassesAtExit=%s.%d.tmp" % (archive, os.getpid()), *quiet]


def _install_archive(pending: str) -> None:
    """Move a completed archive into place; drop older archives of the same family."""
    final = pending.rsplit(".", 2)[0]
    os.replace(pending, final)
    directory, name = os.path.split(final)
    family = name.rsplit("-", 1)[0] + "-"
    for other in os.listdir(directory):
        stale_tmp = other.endswith(".tmp") and _older_than(os.path.join(directory, other), 3600)
        if (other.startswith(family) and other != name and other.endswith(".jsa")) or stale_tmp:
            try:
                os.unlink(os.path.join(directory, other))
            except OSError:
                pass


def _older_than(path: str, seconds: float) -> bool:
    try:
        return time.time() - os.stat(path).st_mtime > seconds
    except OSError:
        return False


class JavaProcess:
    """A private JVM running the picklebridge server in stdio pipe mode.

    ``transport="socketpair"`` hands it one end of a socketpair as stdin and stdout (measured
    round trip about 120 us against 280 us for pipes); ``transport="pipes"`` talks over the
    child's stdin/stdout pipes.
    """

    def __init__(self, jar: Optional[str] = None, java: Optional[str] = None,
                 jvm_options: Optional[Sequence[str]] = None, server_args: Iterable[str] = (),
                 transport: str = "socketpair", stderr_lines: int = 40):
        if transport not in ("pipes", "socketpair"):
            raise ValueError("transport must be 'pipes' or 'socketpair', not %r" % (transport,))
        self.jar = find_jar(jar)
        self.java = find_java(java)
        self.jvm_options = list(DEFAULT_JVM_OPTIONS if jvm_options is None else jvm_options)
        self.server_args = list(server_args)
        self.transport = transport
        self.process: Optional[subprocess.Popen] = None
        self._stderr_tail: Deque[str] = collections.deque(maxlen=stderr_lines)
        self._stderr_thread: Optional[threading.Thread] = None
        self._pid_of_parent = os.getpid()
        self._pending_archive: Optional[str] = None

    @property
    def pid(self) -> Optional[int]:
        """The JVM's process id, once started."""
        return self.process.pid if self.process else None

    def command(self) -> List[str]:
        """The command line this process runs."""
        cds = _class_data_archive_options(self.java, self.jar, self.jvm_options)
        self._pending_archive = next((opt.split("=", 1)[1] for opt in cds
                                      if opt.startswith("-XX:ArchiveClassesAtExit=")), None)
        return [self.java, *self.jvm_options, *cds, "-jar", self.jar, "--stdio", *self.server_args]

    def start(self) -> Tuple[mpc.Connection, mpc.Connection]:
        """Start the JVM; return ``(reader, writer)`` Connections (the same one for socketpair)."""
        command = self.command()
        log.debug("starting %s", " ".join(command))
        try:
            if self.transport == "socketpair":
                ours, theirs = socket.socketpair()
                try:
                    self.process = subprocess.Popen(command, stdin=theirs, stdout=theirs,
                                                    stderr=subprocess.PIPE)
                finally:
                    theirs.close()
                conn = mpc.Connection(ours.detach())
                reader = writer = conn
            else:
                self.process = subprocess.Popen(command, stdin=subprocess.PIPE,
                                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                                bufsize=0)
                # Connections own the fds from here on; the Popen file objects let go of them.
                writer = mpc.Connection(os.dup(self.process.stdin.fileno()), readable=False)
                reader = mpc.Connection(os.dup(self.process.stdout.fileno()), writable=False)
                self.process.stdin.close()
                self.process.stdout.close()
        except OSError as exc:
            raise BridgeConnectionError("cannot start the JVM %s: %s" % (self.java, exc)) from exc
        self._stderr_thread = threading.Thread(target=self._pump_stderr, daemon=True,
                                               name="picklebridge-jvm-stderr-%d" % self.process.pid)
        self._stderr_thread.start()
        return reader, writer

    def _pump_stderr(self) -> None:
        stream = self.process.stderr
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self._stderr_tail.append(line)
            log.log(_level_of(line), "[pid %d] %s", self.process.pid, line)
        stream.close()

    def stderr_tail(self) -> str:
        """The last lines the JVM wrote to stderr."""
        return "\n".join(self._stderr_tail)

    def poll(self) -> Optional[int]:
        """The JVM's exit code, or None while it runs."""
        return self.process.poll() if self.process else None

    def exit_description(self, wait: float = 1.0) -> Tuple[Optional[int], str]:
        """Wait up to ``wait`` s for the JVM to exit; return its exit code and a message."""
        code = None
        if self.process is not None:
            try:
                code = self.process.wait(wait)
            except subprocess.TimeoutExpired:
                code = None
            if self._stderr_thread is not None:
                self._stderr_thread.join(0.3)
        tail = self.stderr_tail()
        if code is None:
            what = "the JVM (pid %s) closed its pipes" % self.pid
        elif code < 0:
            what = "the JVM (pid %s) was killed by signal %d (exit code %d)" % (self.pid, -code, code)
        else:
            what = "the JVM (pid %s) exited with code %d" % (self.pid, code)
        if tail:
            what += "; last stderr lines:\n" + tail
        else:
            what += "; it wrote nothing to stderr"
        return code, what

    def stop(self, grace: float = 2.0) -> None:
        """Wait for the JVM to exit after its stdin closed; kill it after ``grace`` seconds."""
        if self.process is None or os.getpid() != self._pid_of_parent:
            return
        if self._pending_archive:
            grace = max(grace, 10.0)  # the first JVM writes the class archive as it exits
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self._stderr_thread is not None:
            self._stderr_thread.join(1.0)
        self._keep_archive()

    def kill(self) -> None:
        """Kill the JVM now (SIGKILL) and reap it."""
        if self.process is None or os.getpid() != self._pid_of_parent:
            return
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if self._pending_archive and os.path.exists(self._pending_archive):
            os.unlink(self._pending_archive)

    def _keep_archive(self) -> None:
        pending = self._pending_archive
        if pending and self.process.returncode == 0 and os.path.isfile(pending):
            _install_archive(pending)
        elif pending and os.path.exists(pending):
            os.unlink(pending)

    def __repr__(self) -> str:
        state = "not started" if self.process is None else (
            "running" if self.process.poll() is None else "exit code %s" % self.process.returncode)
        return "<JavaProcess pid=%s %s jar=%r>" % (self.pid, state, self.jar)


def _level_of(line: str) -> int:
    """The logging level a JVM stderr line announces (slf4j-simple style), INFO otherwise."""
    head = line[:80]
    for word, level in ((" ERROR ", logging.ERROR), (" WARN ", logging.WARNING),
                        (" DEBUG ", logging.DEBUG), (" TRACE ", logging.DEBUG)):
        if word in head:
            return level
    if head.startswith(("Exception", "\tat ", "Caused by")):
        return logging.ERROR
    return logging.INFO
