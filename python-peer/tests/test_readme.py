"""Runs the code of the repository's README.md, so that it cannot rot.

A fenced block right after one of these HTML comments is checked:

``<!-- run: test -->``
    a ``python`` block runs as a script; a ``bash`` block runs with ``bash -e``; both must exit 0.
``<!-- run: test background -->``
    a ``bash`` block that starts a server: it runs in the background until every address it
    ``--listen``\\ s on is announced (``picklebridge listening on ...``), stays up while the
    other blocks of the same README section run, and is stopped after them.
``<!-- compile: test -->``
    a ``java`` block is compiled (all together, against the server jar and the client jar);
    a fragment without a class is wrapped in a method, its imports hoisted.  A block declaring
    a public class is also written to its section's working directory as ``Name.java``, so
    that the section's shell blocks can compile and serve it.
``<!-- run: ci -->``
    too slow for a unit test (the two big commands): CI runs them; here only the files they
    name are checked to exist.

Blocks of one section share a fresh temporary working directory (a key written by one is read
by the next).  The README's commands run as written, with these substitutions so that parallel
builds do not collide: ``bridge-server/target/bridge-server.jar`` becomes the jar under test,
the port ``7341`` a free port, ``/tmp/picklebridge.sock`` a socket in the temporary directory,
``PYTHONPATH=python-peer`` and ``Path.of("python-peer")`` absolute paths, and ``python3`` the
interpreter running the tests.

The troubleshooting table is checked too: the four failures it lists (java not found, jar not
found, authkey refused, port in use) are provoked for real and their messages compared with
the table's first column.
"""

import glob
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from typing import Dict, List, NamedTuple, Optional

import picklebridge.jvm
from tests.support import server_jar

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
README = os.path.join(ROOT, "README.md")
PYTHON_PEER = os.path.join(ROOT, "python-peer")

MARKER = re.compile(r"^<!--\s*(run|compile):\s*(test|ci)(\s+background)?\s*-->\s*$")
FENCE = re.compile(r"^```\s*([\w+-]*)\s*$")
HEADING = re.compile(r"^#{2,6}\s+(.*\S)\s*$")
PUBLIC_TYPE = re.compile(r"^public\s+(?:final\s+)?(?:class|record|interface|enum)\s+(\w+)", re.MULTILINE)
RUN_SECONDS = 180
LISTEN_SECONDS = 60


class Block(NamedTuple):
    """One marked code block of the README."""

    action: str        # "run" or "compile"
    mode: str          # "test" or "ci"
    background: bool
    language: str
    code: str
    line: int          # 1-based line of the opening fence
    section: str       # the heading above it

    def __repr__(self) -> str:
        return "<README %s block at line %d (%s)>" % (self.language, self.line, self.section)


def parse_blocks(text: str) -> List[Block]:
    """Every marked block; ValueError when a marker is not followed by a fenced block."""
    lines = text.splitlines()
    blocks = []
    section = "(top)"
    index = 0
    while index < len(lines):
        heading = HEADING.match(lines[index])
        if heading:
            section = heading.group(1)
        marker = MARKER.match(lines[index].strip())
        if not marker:
            index += 1
            continue
        fence_at = index + 1
        while fence_at < len(lines) and not lines[fence_at].strip():
            fence_at += 1
        fence = FENCE.match(lines[fence_at]) if fence_at < len(lines) else None
        if not fence or not fence.group(1):
            raise ValueError("README line %d: %r is not followed by a fenced block with a language"
                             % (index + 1, lines[index]))
        end = fence_at + 1
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        if end == len(lines):
            raise ValueError("README line %d: unterminated code block" % (fence_at + 1))
        blocks.append(Block(marker.group(1), marker.group(2), bool(marker.group(3)),
                            fence.group(1).lower(), "\n".join(lines[fence_at + 1:end]) + "\n",
                            fence_at + 1, section))
        index = end + 1
    return blocks


def read_blocks() -> List[Block]:
    with open(README, encoding="utf-8") as readme:
        return parse_blocks(readme.read())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Substitutions:
    """The README-to-test rewrites described in the module docstring."""

    def __init__(self, jar: str, workdir: str):
        self.pairs = [
            ("bridge-server/target/bridge-server.jar", jar),
            ("/tmp/picklebridge.sock", os.path.join(workdir, "picklebridge.sock")),
            ("PYTHONPATH=python-peer", "PYTHONPATH=" + shlex.quote(PYTHON_PEER)),
        ]
        self.port = str(free_port())

    def apply(self, code: str, language: str) -> str:
        for old, new in self.pairs:
            code = code.replace(old, new)
        code = re.sub(r"\b7341\b", self.port, code)
        if language in ("bash", "sh"):
            code = re.sub(r"(?m)(^|\s)python3(?=\s)", lambda m: m.group(1) + shlex.quote(sys.executable), code)
        return code


def child_environment() -> Dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = PYTHON_PEER + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


class BackgroundServer:
    """A background block: started in its own process group, stopped with it."""

    def __init__(self, code: str, workdir: str, block: Block):
        self.block = block
        self.expected = max(1, len(re.findall(r"--listen\b", code)))
        self.lines: List[str] = []
        self.announced = threading.Semaphore(0)
        self.process = subprocess.Popen(["bash", "-e", "-c", code], cwd=workdir, env=child_environment(),
                                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for raw in iter(self.process.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip()
            self.lines.append(line)
            if "picklebridge listening on " in line:
                self.announced.release()

    def wait_listening(self) -> Optional[str]:
        """None once every address is announced, else what went wrong."""
        deadline = time.monotonic() + LISTEN_SECONDS
        for _ in range(self.expected):
            if not self.announced.acquire(timeout=max(0.0, deadline - time.monotonic())):
                return "%r did not announce %d address(es) within %d s; output:\n%s" % (
                    self.block, self.expected, LISTEN_SECONDS, "\n".join(self.lines))
        return None

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)
        self.process.stdout.close()


class ReadmeStructureTest(unittest.TestCase):
    def test_markers_are_followed_by_code_blocks_of_known_languages(self):
        blocks = read_blocks()
        self.assertGreaterEqual(len([b for b in blocks if b.mode == "test"]), 5, blocks)
        for block in blocks:
            with self.subTest(block=block):
                allowed = {"run": {"python", "bash", "sh"}, "compile": {"java"}}[block.action]
                self.assertIn(block.language, allowed)
                if block.background:
                    self.assertIn(block.language, ("bash", "sh"))

    def test_the_parser_refuses_a_marker_without_a_block(self):
        with self.assertRaises(ValueError):
            parse_blocks("<!-- run: test -->\n\nplain text\n")
        self.assertEqual(
            [("run", "test", True, "bash", "echo hi\n", 3, "S")],
            [tuple(b) for b in parse_blocks("## S\n<!-- run: test background -->\n```bash\necho hi\n```\n")])

    def test_the_ci_commands_name_files_that_exist(self):
        ci_blocks = [b for b in read_blocks() if b.mode == "ci"]
        self.assertTrue(ci_blocks, "the README lost its two commands")
        commands = "".join(b.code for b in ci_blocks)
        self.assertIn("mvn -B verify", commands)
        for script in re.findall(r"python3 (\S+\.py)", commands):
            with self.subTest(script=script):
                self.assertTrue(os.path.isfile(os.path.join(ROOT, script)), script)

    def test_relative_links_resolve(self):
        with open(README, encoding="utf-8") as readme:
            text = readme.read()
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if "://" in target:
                continue
            with self.subTest(link=target):
                self.assertTrue(os.path.exists(os.path.join(ROOT, target)), target)


class ReadmeRunTest(unittest.TestCase):
    """Runs every ``run: test`` block, section by section, against the real jar."""

    def test_runnable_blocks_exit_zero(self):
        jar = server_jar()
        sections: Dict[str, List[Block]] = {}
        for block in read_blocks():
            if block.mode == "test":
                sections.setdefault(block.section, []).append(block)
        sections = {name: blocks for name, blocks in sections.items()
                    if any(block.action == "run" for block in blocks)}
        self.assertTrue(sections)
        for section, blocks in sections.items():
            with self.subTest(section=section), tempfile.TemporaryDirectory(prefix="pb-readme-") as workdir:
                self._run_section(blocks, jar, workdir)

    def _run_section(self, blocks: List[Block], jar: str, workdir: str) -> None:
        substitutions = Substitutions(jar, workdir)
        servers: List[BackgroundServer] = []
        try:
            for block in blocks:
                if block.action == "compile":
                    declared = PUBLIC_TYPE.search(block.code)
                    if declared:  # e.g. Stats.java, for a shell block of the section to compile
                        with open(os.path.join(workdir, declared.group(1) + ".java"), "w", encoding="utf-8") as out:
                            out.write(block.code)
                    continue
                code = substitutions.apply(block.code, block.language)
                if block.background:
                    server = BackgroundServer(code, workdir, block)
                    servers.append(server)
                    problem = server.wait_listening()
                    if problem:
                        self.fail(problem)
                    continue
                if block.language == "python":
                    script = os.path.join(workdir, "readme_line_%d.py" % block.line)
                    with open(script, "w", encoding="utf-8") as out:
                        out.write(code)
                    command = [sys.executable, script]
                else:
                    command = ["bash", "-e", "-c", code]
                try:
                    done = subprocess.run(command, cwd=workdir, env=child_environment(),
                                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                          stderr=subprocess.STDOUT, timeout=RUN_SECONDS)
                except subprocess.TimeoutExpired as exc:
                    self.fail("%r did not finish within %d s; output:\n%s"
                              % (block, RUN_SECONDS, (exc.output or b"").decode("utf-8", "replace")))
                self.assertEqual(0, done.returncode, "%r failed; output:\n%s\ncode:\n%s" % (
                    block, done.stdout.decode("utf-8", "replace"), code))
        finally:
            for server in servers:
                server.stop()


class ReadmeJavaTest(unittest.TestCase):
    """Compiles every ``compile: test`` block against the built jars, so API names stay real."""

    IMPORTS = [
        "import io.picklebridge.client.*;", "import io.picklebridge.server.*;",
        "import io.picklebridge.server.registry.*;", "import io.picklebridge.pickle.*;",
        "import java.nio.file.*;", "import java.time.*;", "import java.util.*;",
    ]

    def test_java_blocks_compile(self):
        jar = server_jar()
        javac = self._javac()
        client_jar = self._client_jar(jar)
        blocks = [b for b in read_blocks() if b.action == "compile" and b.mode == "test"]
        self.assertTrue(blocks)
        with tempfile.TemporaryDirectory(prefix="pb-readme-java-") as workdir:
            sources = []
            for number, block in enumerate(blocks):
                name, source = self._compilation_unit(block, number)
                path = os.path.join(workdir, name + ".java")
                with open(path, "w", encoding="utf-8") as out:
                    out.write(source)
                sources.append(path)
            done = subprocess.run(
                [javac, "--release", "17", "-proc:none", "-d", os.path.join(workdir, "classes"),
                 "-cp", os.pathsep.join([jar, client_jar]), *sources],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                timeout=RUN_SECONDS)
            self.assertEqual(0, done.returncode, "README Java blocks do not compile:\n%s"
                             % done.stdout.decode("utf-8", "replace"))

    def _compilation_unit(self, block: Block, number: int):
        lines = block.code.splitlines()
        imports = [line for line in lines if line.startswith("import ")]
        body = [line for line in lines if not line.startswith("import ")]
        header = "\n".join(self.IMPORTS + imports) + "\n"
        declared = PUBLIC_TYPE.search(block.code)
        if declared:
            return declared.group(1), header + "\n".join(body) + "\n"
        name = "ReadmeLine%d" % block.line
        wrapped = ("final class %s {\n    static void snippet() throws Exception {\n%s\n    }\n}\n"
                   % (name, "\n".join("        " + line for line in body)))
        return name, header + wrapped

    def _javac(self) -> str:
        for candidate in (os.path.join(os.environ.get("JAVA_HOME", ""), "bin", "javac"),
                          shutil.which("javac")):
            if candidate and os.access(candidate, os.X_OK):
                return candidate
        raise unittest.SkipTest("no javac (a JDK is needed to compile the README's Java)")

    def _client_jar(self, server_jar_path: str) -> str:
        # bridge-server/<target dir>/bridge-server.jar -> bridge-client/<same target dir>/
        target = os.path.basename(os.path.dirname(os.path.abspath(server_jar_path)))
        found = [path for path in glob.glob(os.path.join(ROOT, "bridge-client", target, "bridge-client-*.jar"))
                 if not path.endswith(("-sources.jar", "-tests.jar", "-javadoc.jar"))]
        if not found:
            raise unittest.SkipTest("bridge-client is not built in %s (build the whole reactor)" % target)
        newest_source = max((os.path.getmtime(path) for path in glob.glob(
            os.path.join(ROOT, "bridge-client", "src", "main", "**", "*.java"), recursive=True)), default=0)
        if os.path.getmtime(found[0]) < newest_source:
            raise unittest.SkipTest("%s is older than bridge-client's sources" % found[0])
        return found[0]


class ReadmeTroubleshootingTest(unittest.TestCase):
    """Provokes the four failures of the README's troubleshooting table and compares messages.

    Each first-column message is a pattern: ``...`` matches anything, ``7341`` is the port
    used here.  The message must appear in the last line the failing command prints.
    """

    def setUp(self):
        self.jar = server_jar()
        self.java = picklebridge.jvm.find_java()
        self.workdir = tempfile.TemporaryDirectory(prefix="pb-readme-trouble-")
        self.addCleanup(self.workdir.cleanup)
        self.port = free_port()
        self.key = os.path.join(self.workdir.name, "key")
        with open(self.key, "wb") as out:
            out.write(b"troubleshooting-key")

    def expected(self, starts_with: str) -> "re.Pattern[str]":
        with open(README, encoding="utf-8") as readme:
            text = readme.read()
        table = text[text.index("## Troubleshooting"):]
        for cell in re.findall(r"^\| `([^`]+)` \|", table, re.MULTILINE):
            if cell.startswith(starts_with):
                pattern = re.escape(cell).replace(re.escape("..."), ".*").replace("7341", str(self.port))
                return re.compile(pattern)
        self.fail("the README's troubleshooting table has no row starting %r" % starts_with)

    def last_line(self, command, env=None) -> str:
        done = subprocess.run(command, cwd=self.workdir.name, env=env or child_environment(),
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=RUN_SECONDS)
        self.assertNotEqual(0, done.returncode, done.stdout)
        lines = done.stdout.decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else ""

    def python_pool(self, env):
        return self.last_line([sys.executable, "-c", "import picklebridge; picklebridge.Pool(1)"], env)

    def test_java_not_found(self):
        env = child_environment()
        env.pop("JAVA_HOME", None)
        env["PATH"] = os.path.join(self.workdir.name, "empty-path")
        env["PICKLEBRIDGE_JAR"] = self.jar
        self.assertRegex(self.python_pool(env), self.expected("FileNotFoundError: picklebridge cannot find java"))

    def test_jar_not_found(self):
        copy = os.path.join(self.workdir.name, "lib")
        shutil.copytree(os.path.join(PYTHON_PEER, "picklebridge"), os.path.join(copy, "picklebridge"),
                        ignore=shutil.ignore_patterns("_jar", "__pycache__"))
        env = child_environment()
        env.pop("PICKLEBRIDGE_JAR", None)
        env["PYTHONPATH"] = copy
        self.assertRegex(self.python_pool(env), self.expected("FileNotFoundError: picklebridge cannot find the server jar"))

    def test_authkey_refused_and_port_in_use(self):
        server = BackgroundServer(
            "exec %s -jar %s --listen tcp://127.0.0.1:%d --authkey-file %s" % (
                shlex.quote(self.java), shlex.quote(self.jar), self.port, shlex.quote(self.key)),
            self.workdir.name, Block("run", "test", True, "bash", "", 0, "troubleshooting"))
        self.addCleanup(server.stop)
        problem = server.wait_listening()
        if problem:
            self.fail(problem)
        refused = self.last_line([sys.executable, "-c",
                                  "import picklebridge; picklebridge.connect('tcp://127.0.0.1:%d', authkey=b'wrong')"
                                  % self.port])
        self.assertRegex(refused, self.expected("BridgeConnectionError: authentication with"))
        in_use = self.last_line([self.java, "-jar", self.jar, "--listen", "tcp://127.0.0.1:%d" % self.port,
                                 "--authkey-file", self.key])
        pattern = self.expected("picklebridge: cannot listen on")
        if "error(-98)" in pattern.pattern and "error(-98)" not in in_use:  # NIO: no native errno
            pattern = re.compile(re.escape("picklebridge: cannot listen on tcp://127.0.0.1:%d: " % self.port)
                                 + ".*Address already in use")
        self.assertRegex(in_use, pattern)


if __name__ == "__main__":
    unittest.main()
