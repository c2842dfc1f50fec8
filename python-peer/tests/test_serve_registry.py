"""The serve mode's pieces in-process: worker registry, @expose, error info, addresses."""

import concurrent.futures
import pickle
import unittest

import picklebridge
from picklebridge._server_connection import frame_protocol
from picklebridge._server_listen import parse_listen_address
from picklebridge._server_workers import (WorkerRegistry, describe_exception,
                                          exception_type_name, exposed_functions)

from .serve_fixtures import arith, exposed


class WorkerRegistryTest(unittest.TestCase):

    def test_module_spec_serves_public_functions_defined_there(self):
        registry = WorkerRegistry()
        names = registry.add_spec("tests.serve_fixtures.arith")
        self.assertIn("tests.serve_fixtures.arith.add", names)
        self.assertNotIn("tests.serve_fixtures.arith._checked_divide", names)
        self.assertNotIn("tests.serve_fixtures.arith.call_cancelled", names)  # imported
        self.assertNotIn("tests.serve_fixtures.arith.InsufficientFunds", names)  # a class
        self.assertIs(arith.add, registry.resolve("tests.serve_fixtures.arith.add"))

    def test_module_with_all_serves_what_it_lists(self):
        registry = WorkerRegistry()
        registry.add_spec("operator")  # builtins from _operator, listed in operator.__all__
        self.assertEqual(5, registry.resolve("operator.add")(2, 3))
        self.assertNotIn("operator.attrgetter", registry)  # a class, not a function

    def test_single_function_specs(self):
        registry = WorkerRegistry()
        self.assertEqual(["os.path.join"], registry.add_spec("os.path:join"))
        self.assertEqual(["statistics.mean"], registry.add_spec("statistics.mean"))
        self.assertEqual(["tests.serve_fixtures.arith.InsufficientFunds.__init__"],
                         registry.add_spec("tests.serve_fixtures.arith:InsufficientFunds.__init__"))
        with self.assertRaisesRegex(ValueError, "has no attribute 'nope'"):
            registry.add_spec("os.path:nope")
        with self.assertRaisesRegex(ValueError, "not a function"):
            registry.add_spec("os:sep")
        with self.assertRaises(ModuleNotFoundError):
            registry.add_spec("no_such_package_xyz.module")

    def test_expose_forms_and_default_names(self):
        registered = dict(exposed_functions())
        self.assertIs(exposed.triple, registered["tests.serve_fixtures.exposed.triple"])
        self.assertIs(exposed.quote, registered["pricing.quote"])
        self.assertIs(exposed._hidden, registered["_hidden_but_exposed"])
        self.assertEqual(9, exposed.triple(3))  # still a plain function
        self.assertIs(picklebridge.expose, picklebridge.serve.expose)
        with self.assertRaises(TypeError):
            picklebridge.expose(3)

    def test_unknown_names_suggest_close_ones(self):
        registry = WorkerRegistry.from_specs(["statistics"])
        with self.assertRaisesRegex(NameError, r"no worker named 'statistics\.maen'; did you mean "
                                               r"'statistics\.mean'"):
            registry.resolve("statistics.maen")
        self.assertIn("'statistics.mean'", registry.unknown_message("mean"))
        self.assertIn("'statistics.mean'", registry.unknown_message("statsitics.mean"))
        self.assertRegex(registry.unknown_message("zzz.qqq"), r"\(\d+ workers are served\)")


class ErrorInfoTest(unittest.TestCase):

    def test_type_names(self):
        self.assertEqual("ValueError", exception_type_name(ValueError))
        self.assertEqual("CancelledError", exception_type_name(concurrent.futures.CancelledError))
        self.assertEqual("TimeoutError", exception_type_name(concurrent.futures.TimeoutError))
        self.assertEqual("tests.serve_fixtures.arith.InsufficientFunds",
                         exception_type_name(arith.InsufficientFunds))
        self.assertEqual("_pickle.PicklingError", exception_type_name(pickle.PicklingError))

    def test_traceback_can_skip_the_serving_frames(self):
        def serving_frame():
            return arith.divide(1, 0)
        try:
            serving_frame()
        except ZeroDivisionError as exc:
            info = describe_exception(exc, "w", index=4, skip_frames=2)
        self.assertEqual({"type", "java_class", "message", "traceback", "worker", "index"}, set(info))
        self.assertNotIn("serving_frame", info["traceback"])
        self.assertIn("in divide", info["traceback"])
        self.assertEqual(("ZeroDivisionError", "", "division by zero", "w", 4),
                         (info["type"], info["java_class"], info["message"], info["worker"],
                          info["index"]))


class AddressesAndFramesTest(unittest.TestCase):

    def test_listen_addresses_default_to_loopback(self):
        self.assertEqual(("127.0.0.1", 0), parse_listen_address("tcp://:0").target)
        self.assertEqual(("127.0.0.1", 7341), parse_listen_address("tcp://7341").target)
        self.assertEqual(("0.0.0.0", 1), parse_listen_address("tcp://0.0.0.0:1").target)
        self.assertEqual("/tmp/x.sock", parse_listen_address("unix:///tmp/x.sock").target)
        for bad in ("stdio", "unix://relative.sock", "tcp://host"):
            with self.assertRaises(ValueError):
                parse_listen_address(bad)

    def test_reply_protocol_follows_the_proto_opcode(self):
        for protocol, expected in ((0, 2), (1, 2), (2, 2), (3, 3), (4, 4), (5, 5)):
            self.assertEqual(expected, frame_protocol(pickle.dumps(("ping", 1), protocol)))
        self.assertEqual(5, frame_protocol(b"\x80\x09."))  # a future protocol: our highest


if __name__ == "__main__":
    unittest.main()
