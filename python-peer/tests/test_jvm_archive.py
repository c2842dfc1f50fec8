"""The private JVM's class-data (AppCDS) archive: written by the first start, mapped by the
next ones, rebuilt when the jar or the JVM changes, never installed or kept damaged, and not
corrupted by concurrent first starts.  Real JVMs, each test with its own cache directory."""

import glob
import os
import shutil
import stat
import tempfile
import threading
import unittest
from unittest import mock

import picklebridge
from picklebridge import BridgeError, jvm

from .support import server_jar


def archives(cache):
    folder = os.path.join(cache, "picklebridge")
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


class ArchiveTest(unittest.TestCase):

    def setUp(self):
        self.jar = server_jar()
        self.dir = tempfile.mkdtemp(prefix="pb-cds-test-")
        self.cache = os.path.join(self.dir, "cache")
        env = mock.patch.dict(os.environ, {"XDG_CACHE_HOME": self.cache})
        env.start()
        self.addCleanup(env.stop)
        os.environ.pop("PICKLEBRIDGE_CDS", None)
        self.addCleanup(shutil.rmtree, self.dir, True)

    def start(self, **options):
        """A private JVM that answers one call, then closes; returns its JavaProcess."""
        client = picklebridge.Client(jar=options.pop("jar", self.jar), **options)
        try:
            self.assertEqual(client.call("demo.square", 7), 49)
            return client.connections[0].process
        finally:
            client.close()

    def archive_path(self, java=None, jar=None):
        return jvm._archive_path(java or jvm.find_java(), jar or self.jar, jvm.DEFAULT_JVM_OPTIONS)

    def test_the_first_start_writes_the_archive_and_the_next_maps_it(self):
        first = self.start()
        self.assertIsNone(first._archive)
        self.assertTrue(first._pending_archive.endswith(".tmp"))
        archive = self.archive_path()
        self.assertEqual(archives(self.cache), [os.path.basename(archive)], "one archive, no .tmp left")
        second = self.start()
        self.assertEqual(second._archive, archive)
        self.assertIsNone(second._pending_archive)
        self.assertIn("-XX:SharedArchiveFile=" + archive, second.command())
        # -Xshare:on fails the JVM when the archive cannot be mapped and used
        self.assertTrue(jvm._archive_works(jvm.find_java(), jvm.DEFAULT_JVM_OPTIONS, self.jar, archive))

    def test_concurrent_first_starts_each_write_their_own_file_and_leave_one_good_archive(self):
        processes, errors = [], []

        def start():
            try:
                processes.append(self.start())
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=start) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        self.assertEqual(errors, [])
        pending = [p._pending_archive for p in processes]
        self.assertEqual(len(set(pending)), 3, "same process, three private dump files: %s" % pending)
        archive = self.archive_path()
        self.assertEqual(archives(self.cache), [os.path.basename(archive)])
        self.assertTrue(jvm._archive_works(jvm.find_java(), jvm.DEFAULT_JVM_OPTIONS, self.jar, archive))
        self.assertEqual(self.start()._archive, archive)

    def test_a_rebuilt_jar_gets_a_new_archive_and_the_old_one_goes(self):
        jar = os.path.join(self.dir, "bridge-server.jar")
        shutil.copy2(self.jar, jar)
        self.start(jar=jar)
        old = self.archive_path(jar=jar)
        self.assertTrue(os.path.isfile(old))
        later = os.stat(jar).st_mtime_ns + 5 * 10 ** 9
        os.utime(jar, ns=(later, later))  # what a rebuild does
        rebuilt = self.start(jar=jar)
        self.assertIsNone(rebuilt._archive, "the old jar's archive must not be used")
        new = self.archive_path(jar=jar)
        self.assertNotEqual(new, old)
        self.assertEqual(archives(self.cache), [os.path.basename(new)])

    def test_an_upgraded_jvm_gets_a_new_archive(self):
        # A JDK home of our own: bin/java runs the real java; lib/server/libjvm.so is what an
        # upgrade in place replaces.
        home = os.path.join(self.dir, "jdk")
        os.makedirs(os.path.join(home, "bin"))
        os.makedirs(os.path.join(home, "lib", "server"))
        java = os.path.join(home, "bin", "java")
        with open(java, "w") as out:
            out.write('#!/bin/sh\nexec "%s" "$@"\n' % os.path.realpath(jvm.find_java()))
        os.chmod(java, os.stat(java).st_mode | stat.S_IXUSR)
        libjvm = os.path.join(home, "lib", "server", "libjvm.so")
        with open(libjvm, "w") as out:
            out.write("17.0.15")
        self.start(java=java)
        before = self.archive_path(java=java)
        self.assertTrue(os.path.isfile(before))
        with open(libjvm, "w") as out:
            out.write("17.0.16+1")
        self.assertNotEqual(self.archive_path(java=java), before)
        upgraded = self.start(java=java)
        self.assertIsNone(upgraded._archive)
        self.assertEqual(archives(self.cache), [os.path.basename(self.archive_path(java=java))])

    def test_a_damaged_archive_is_never_installed(self):
        self.start()
        archive = self.archive_path()
        damaged = archive + ".1-test.tmp"
        with open(archive, "rb") as source, open(damaged, "wb") as out:
            out.write(source.read(os.path.getsize(archive) // 3))
        crash_reports = set(glob.glob("hs_err_pid*.log"))
        self.assertFalse(jvm._archive_works(jvm.find_java(), jvm.DEFAULT_JVM_OPTIONS, self.jar, damaged))
        self.assertEqual(set(glob.glob("hs_err_pid*.log")), crash_reports,
                         "the check's crash report must not land in the current directory")

    def test_a_jvm_that_crashes_on_a_damaged_archive_removes_it_and_the_next_start_works(self):
        options = [*jvm.DEFAULT_JVM_OPTIONS, "-XX:ErrorFile=" + os.path.join(self.dir, "hs_err_%p.log")]
        self.start(jvm_options=options)
        archive = jvm._archive_path(jvm.find_java(), self.jar, options)
        with open(archive, "rb") as source:
            data = source.read()
        os.chmod(archive, 0o644)
        with open(archive, "wb") as out:  # truncated on disk, header intact: SIGBUS on mapping
            out.write(data[:len(data) // 3])
        with self.assertRaises(BridgeError):
            self.start(jvm_options=options, connect_timeout=30)
        self.assertFalse(os.path.exists(archive), "the crashed start removes the archive")
        self.assertIsNone(self.start(jvm_options=options)._archive)  # and the next one rebuilds it
        self.assertTrue(os.path.isfile(archive))

    def test_cds_off(self):
        with mock.patch.dict(os.environ, {"PICKLEBRIDGE_CDS": "0"}):
            process = self.start()
            self.assertFalse([o for o in process.command() if "Archive" in o])
        self.assertEqual(archives(self.cache), [])


if __name__ == "__main__":
    unittest.main()
