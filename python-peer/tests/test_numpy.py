"""numpy arrays and pandas frames through the real server jar (sys.echo), in band and out of band.

numpy and pandas come from Debian (python3-numpy, python3-pandas) for /usr/bin/python3. When the
interpreter running the suite lacks them, this module re-runs itself under /usr/bin/python3;
when that has none either, the tests skip and say so.
"""

import os
import pickle
import subprocess
import sys
import unittest

from tests.support import server_jar

try:
    import numpy as np
    import pandas as pd
except ImportError:
    np = pd = None

import picklebridge

DEBIAN_PYTHON = "/usr/bin/python3"


def debian_python_has_numpy() -> bool:
    if not os.access(DEBIAN_PYTHON, os.X_OK):
        return False
    probe = subprocess.run([DEBIAN_PYTHON, "-c", "import numpy, pandas"], capture_output=True, timeout=120)
    return probe.returncode == 0


@unittest.skipIf(np is not None, "numpy is importable here: NumpyEchoTest runs in this process")
class UnderDebianPythonTest(unittest.TestCase):
    """Runs NumpyEchoTest under /usr/bin/python3, which has Debian's numpy and pandas."""

    def test_numpy_echo_under_debian_python(self):
        if not debian_python_has_numpy():
            self.skipTest("numpy/pandas tests skipped: neither %s nor %s imports numpy and pandas "
                          "(install Debian's python3-numpy python3-pandas)" % (sys.executable, DEBIAN_PYTHON))
        env = dict(os.environ, PICKLEBRIDGE_JAR=server_jar(), PYTHONDONTWRITEBYTECODE="1")
        peer = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        run = subprocess.run([DEBIAN_PYTHON, "-m", "unittest", "-v", "tests.test_numpy"], cwd=peer, env=env,
                             capture_output=True, text=True, timeout=600)
        self.assertEqual(run.returncode, 0, "under %s:\n%s%s" % (DEBIAN_PYTHON, run.stdout, run.stderr[-6000:]))
        self.assertIn("NumpyEchoTest", run.stderr)
        self.assertNotIn("skipped", run.stderr.split("NumpyEchoTest", 1)[1].split("\n", 1)[0])


@unittest.skipIf(np is None, "numpy/pandas are not importable here (UnderDebianPythonTest covers it)")
class NumpyEchoTest(unittest.TestCase):
    """sys.echo of numpy and pandas values through a private JVM running the real jar."""

    @classmethod
    def setUpClass(cls):
        cls.client = picklebridge.connect(jar=server_jar())
        cls.conn = cls.client.connections[0]

    @classmethod
    def tearDownClass(cls):
        cls.client.close()

    def echo(self, value):
        return self.client.call("sys.echo", value)

    def assert_same_array(self, back, original):
        self.assertIsInstance(back, np.ndarray)
        self.assertEqual(back.dtype, original.dtype)
        self.assertEqual(back.shape, original.shape)
        self.assertEqual(back.tobytes(order="A"), original.tobytes(order="A"))
        self.assertEqual(back.flags.f_contiguous and not back.flags.c_contiguous,
                         original.flags.f_contiguous and not original.flags.c_contiguous)

    def test_the_server_offers_out_of_band_buffers(self):
        self.assertIn("oob", self.client.server_info["capabilities"])
        self.assertTrue(self.conn.out_of_band)

    def test_small_arrays_of_every_kind(self):
        arrays = [np.arange(5.0), np.arange(5, dtype="f4"), np.arange(-3, 3, dtype="i8"),
                  np.arange(4, dtype=">i4"), np.array([0, 255], dtype="u1"), np.array([True, False]),
                  np.array([1 + 2j, -0.5j]), np.array(3.5), np.zeros((0, 3)), np.float16([0.5, 65504]),
                  np.asfortranarray(np.arange(6.0).reshape(2, 3)), np.array(["a", None, 3], dtype=object),
                  np.array(["2020-01-01", "NaT"], dtype="M8[ns]")]
        for a in arrays:
            with self.subTest(dtype=a.dtype.str, shape=a.shape):
                back = self.echo(a)
                if a.dtype.kind == "O":
                    self.assertEqual(back.tolist(), a.tolist())
                else:
                    self.assert_same_array(back, a)

    def test_numpy_scalars(self):
        for s in (np.float64(1.5), np.float32(-2), np.int64(-7), np.uint8(200), np.bool_(True)):
            back = self.echo(s)
            self.assertEqual((type(back), back), (type(s), s))

    def test_a_large_array_travels_out_of_band_both_ways_and_comes_back_writable(self):
        a = np.random.default_rng(1).random(1 << 20)  # 8 MiB
        sent, received = self.conn.oob_sent, self.conn.oob_received
        back = self.echo(a)
        self.assertTrue(np.array_equal(back, a))
        self.assertEqual((self.conn.oob_sent, self.conn.oob_received), (sent + 1, received + 1))
        self.assertTrue(back.flags.writeable)
        back[0] = -1.0

    def test_dataframes_and_series(self):
        rows = 100_000
        frame = pd.DataFrame({"x": np.arange(rows, dtype="f8"), "n": np.arange(rows) % 7,
                              "ok": np.arange(rows) % 2 == 0, "s": ["r%d" % (i % 10) for i in range(rows)]})
        frames = [frame, pd.DataFrame({"v": [0.5, 0.25]}, index=pd.Index(["a", "b"], name="key")),
                  pd.DataFrame(np.arange(12).reshape(4, 3), columns=["p", "q", "r"]),
                  pd.DataFrame({"t": pd.date_range("2020-01-01", periods=3), "v": [1, 2, 3]})]
        for df in frames:
            with self.subTest(columns=list(df.columns)):
                back = self.echo(df)
                self.assertIsInstance(back, pd.DataFrame)
                self.assertTrue(back.equals(df), back)
                self.assertEqual(list(back.dtypes), list(df.dtypes))
                self.assertTrue(back.index.equals(df.index))
        series = pd.Series(np.linspace(0, 1, 5), name="price")
        back = self.echo(series)
        self.assertTrue(back.equals(series))
        self.assertEqual(back.name, "price")

    def test_the_allow_list_resolves_numpy_and_pandas_only_as_data(self):
        from picklebridge.safe_pickle import AllowList, GlobalRefusedError, loads
        data = pickle.dumps(np.arange(3.0), 4)
        self.assertTrue(np.array_equal(loads(data), np.arange(3.0)))
        with self.assertRaises(GlobalRefusedError):
            loads(data, AllowList(include_numpy=False))
        # _new_Index(cls, {...}) resolves cls through the allow-list too: a crafted class is refused
        crafted = (b"\x80\x04cpandas.core.indexes.base\n_new_Index\ncos\nsystem\n"
                   b"}X\x04\x00\x00\x00dataX\x04\x00\x00\x00trues\x86R.")
        with self.assertRaises(GlobalRefusedError) as refused:
            loads(crafted)
        self.assertEqual((refused.exception.module, refused.exception.name), ("os", "system"))

    def test_in_band_when_the_client_declines(self):
        with picklebridge.connect(jar=server_jar(), out_of_band=False) as client:
            conn = client.connections[0]
            self.assertFalse(conn.out_of_band)
            a = np.arange(1 << 18, dtype="f8")
            self.assertTrue(np.array_equal(client.call("sys.echo", a), a))
            self.assertEqual((conn.oob_sent, conn.oob_received), (0, 0))


if __name__ == "__main__":
    unittest.main()
