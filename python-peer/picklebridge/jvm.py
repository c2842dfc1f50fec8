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
import tempfile
import threading
import time
from multiprocessing import connection as mpc
from typing import Deque, Iterable, List, Optional, Sequence, Tuple

from .errors import BridgeConnectionError

__all__ = ["find_jar", "find_java", "JavaProcess", "DEFAULT_JVM_OPTIONS", "PEAK_JVM_OPTIONS"]

log = logging.getLogger("picklebridge.jvm")

#: Options of the private JVM: serial GC (one GC thread, the cheapest to start), small thread
#: stacks, no hsperfdata file.  The full tiered compiler stays on: limiting it to C1
#: (``-XX:TieredStopAtLevel=1``) saves about 0.06-0.09 s of start-up CPU but nearly doubles
#: the JVM's CPU time in a 1M-item ``map``.  With the AppCDS archive, ``Pool()`` to the first
#: result takes about 0.2 s on an idle 2-core machine (0.3 s of JVM CPU); the first start,
#: which writes the archive, about 0.45 s.
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


_QUIET_CDS = ("-Xlog:cds=off", "-Xlog:cds+dynamic=off")
#: Exit codes of a JVM that crashed (hs_err report: abort; or killed by SIGABRT, SIGBUS, SIGSEGV).
_CRASH_CODES = (134, -6, -7, -11)
#: Archives of any family that no start has used for this long are removed.
_UNUSED_ARCHIVE_SECONDS = 30 * 86400
#: Options the one-off archive check must not repeat (they write files or load agents).
_NOT_FOR_ARCHIVE_CHECK = ("-Xlog", "-verbose", "-javaagent", "-agent", "-XX:StartFlightRecording",
                          "-XX:FlightRecorderOptions", "-XX:+HeapDump", "-XX:HeapDumpPath", "-XX:ErrorFile")


def _jvm_identity(java: str) -> str:
    """What an archive depends on besides the jar: the JVM binary, libjvm and its base archive.

    An archive of another JVM build is refused by the JVM (silently, with the logs off), so a
    JDK upgraded in place must give a new archive name, or every start would run without one.
    """
    real = os.path.realpath(java)
    home = os.path.dirname(os.path.dirname(real))
    parts = []
    for path in (real, os.path.join(home, "lib", "server", "libjvm.so"),
                 os.path.join(home, "lib", "server", "classes.jsa"), os.path.join(home, "release")):
        try:
            stat = os.stat(path)
            parts.append("%s %d %d" % (path, stat.st_size, stat.st_mtime_ns))
        except OSError:
            parts.append(path + " -")
    return "|".join(parts)


def _archive_path(java: str, jar: str, jvm_options: Sequence[str]) -> Optional[str]:
    """Where the AppCDS archive for this java, jar and JVM options lives (None: CDS is off).

    Archives sit in ``~/.cache/picklebridge``: ``server-FAMILY-VERSION.jsa``, the family from
    the java and jar paths and the JVM options (an archive made with other GC flags would be
    refused), the version from the jar's size and mtime and the JVM's own files, so a rebuilt
    jar or an upgraded JDK gets a new archive.  ``PICKLEBRIDGE_CDS=0`` turns CDS off.
    """
    if os.environ.get("PICKLEBRIDGE_CDS", "1") == "0":
        return None
    try:
        stat = os.stat(jar)
        cache = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
                             "picklebridge")
        os.makedirs(cache, exist_ok=True)
    except OSError:
        return None
    family = hashlib.sha256("|".join([os.path.realpath(java), os.path.realpath(jar), *jvm_options])
                            .encode()).hexdigest()[:12]
    version = hashlib.sha256(("%d|%d|%s" % (stat.st_size, stat.st_mtime_ns, _jvm_identity(java)))
                             .encode()).hexdigest()[:8]
    return os.path.join(cache, "server-%s-%s.jsa" % (family, version))


def _class_data_archive_options(java: str, jar: str, jvm_options: Sequence[str]
                                ) -> Tuple[List[str], Optional[str], Optional[str]]:
    """AppCDS options: reuse the archive, or have this JVM write one as it exits.

    Returns ``(options, archive used, archive pending)``.  A missing archive costs this start
    nothing but the speed-up (the JVM dumps its loaded classes at exit, under a name private to
    this start, and :func:`_install_archive` renames it into place once checked), so
    concurrent first starts each write their own file and the last complete one wins.
    """
    archive = _archive_path(java, jar, jvm_options)
    if archive is None:
        return [], None, None
    if os.path.isfile(archive):
        _mark_used(archive)
        return ["-XX:SharedArchiveFile=" + archive, *_QUIET_CDS], archive, None
    pending = "%s.%d-%s.tmp" % (archive, os.getpid(), os.urandom(4).hex())
    return ["-XX:ArchiveClassesAtExit=" + pending, *_QUIET_CDS], None, pending


def _archive_works(java: str, jvm_options: Sequence[str], jar: str, archive: str) -> bool:
    """Map ``archive`` once in a bare JVM (``-Xshare:on -version``, about 50 ms).

    A truncated or damaged archive crashes every JVM that maps it (SIGBUS, with the crash
    report on stdout, which would break the pipe); an unusable one is refused.  Either way it
    must not be installed.
    """
    options = [o for o in jvm_options if not o.startswith(_NOT_FOR_ARCHIVE_CHECK)]
    # the crash report of a damaged archive goes to a scratch folder, not the caller's cwd
    with tempfile.TemporaryDirectory(prefix="picklebridge-cds-check-") as scratch:
        try:
            done = subprocess.run(
                [java, *options, "-XX:SharedArchiveFile=" + archive, "-Xshare:on", *_QUIET_CDS,
                 "-XX:ErrorFile=" + os.path.join(scratch, "hs_err_%p.log"),
                 "-XX:-CreateCoredumpOnCrash", "-cp", jar, "-version"],
                cwd=scratch, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, timeout=60)
        except (OSError, subprocess.SubprocessError):
            return False
    return done.returncode == 0


def _install_archive(pending: str) -> None:
    """Move a completed archive into place; drop older archives of its family, leftovers of
    interrupted dumps and archives no start has used for 30 days."""
    final = pending.rsplit(".", 2)[0]
    os.replace(pending, final)
    directory, name = os.path.split(final)
    family = name.rsplit("-", 1)[0] + "-"
    for other in os.listdir(directory):
        path = os.path.join(directory, other)
        if not other.startswith("server-") or other == name:
            continue
        older_version = other.startswith(family) and other.endswith(".jsa")
        stale_tmp = other.endswith(".tmp") and _older_than(path, 3600)
        unused = other.endswith(".jsa") and _older_than(path, _UNUSED_ARCHIVE_SECONDS)
        if older_version or stale_tmp or unused:
            _remove(path)


def _mark_used(archive: str) -> None:
    """Refresh the archive's mtime (at most daily) so that pruning keeps archives in use."""
    if _older_than(archive, 86400):
        try:
            os.utime(archive)
        except OSError:
            pass


def _remove(path: str) -> None:
    try:
        os.unlink(path)
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
        self._archive: Optional[str] = None          # the AppCDS archive this JVM maps
        self._pending_archive: Optional[str] = None  # the one it writes at exit (first start)

    @property
    def pid(self) -> Optional[int]:
        """The JVM's process id, once started."""
        return self.process.pid if self.process else None

    def command(self) -> List[str]:
        """The command line this process runs."""
        cds, self._archive, self._pending_archive = _class_data_archive_options(
            self.java, self.jar, self.jvm_options)
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
        if self._pending_archive:
            _remove(self._pending_archive)
        self._forget_archive_after_crash()

    def _keep_archive(self) -> None:
        pending = self._pending_archive
        if (pending and self.process.returncode == 0 and os.path.isfile(pending)
                and _archive_works(self.java, self.jvm_options, self.jar, pending)):
            _install_archive(pending)
        elif pending:
            _remove(pending)
        self._forget_archive_after_crash()

    def _forget_archive_after_crash(self) -> None:
        """A JVM that crashed with an archive mapped drops it: the next start writes a new one."""
        if self._archive and self.process.returncode in _CRASH_CODES:
            log.warning("the JVM (pid %d) crashed with exit code %d; removing its class-data "
                        "archive %s (the next start writes a new one)",
                        self.process.pid, self.process.returncode, self._archive)
            _remove(self._archive)

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
