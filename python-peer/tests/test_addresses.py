"""Address parsing."""

import unittest

from picklebridge.addresses import Address, parse_address, parse_addresses


class AddressTest(unittest.TestCase):

    def test_forms(self):
        self.assertEqual(parse_address("tcp://127.0.0.1:7341"), Address("tcp", ("127.0.0.1", 7341)))
        self.assertEqual(parse_address(("h", 1)), Address("tcp", ("h", 1)))
        self.assertEqual(parse_address("tcp://[::1]:9"), Address("tcp", ("::1", 9)))
        self.assertEqual(parse_address("unix:///tmp/x.sock"), Address("unix", "/tmp/x.sock"))
        self.assertEqual(parse_address(None), Address("stdio", None))
        self.assertEqual(str(parse_address("tcp://[::1]:9")), "tcp://[::1]:9")

    def test_lists_spread(self):
        self.assertEqual(len(parse_addresses(["tcp://a:1", ("b", 2), None])), 3)
        self.assertEqual(len(parse_addresses(("b", 2))), 1)

    def test_bad_address_names_the_forms(self):
        for bad in ("http://x", "tcp://nohost", 42, "unix://"):
            with self.subTest(bad=bad), self.assertRaisesRegex(ValueError, "tcp://HOST:PORT"):
                parse_address(bad)


if __name__ == "__main__":
    unittest.main()
