package io.picklebridge.pickle;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Python 2 names in pickles of protocol 0-2, mapped to Python 3 names when reading, and back
 * when writing protocol 2, as CPython's {@code _compat_pickle} does with {@code fix_imports}.
 * Only names matter here: nothing is imported.
 */
final class LegacyNames {
    private LegacyNames() {}

    private static final Map<String, String> MODULES = Map.ofEntries(
            Map.entry("__builtin__", "builtins"), Map.entry("copy_reg", "copyreg"), Map.entry("Queue", "queue"),
            Map.entry("SocketServer", "socketserver"), Map.entry("ConfigParser", "configparser"),
            Map.entry("repr", "reprlib"), Map.entry("Tkinter", "tkinter"), Map.entry("markupbase", "_markupbase"),
            Map.entry("_winreg", "winreg"), Map.entry("thread", "_thread"), Map.entry("dummy_thread", "_dummy_thread"),
            Map.entry("xmlrpclib", "xmlrpc.client"), Map.entry("SimpleXMLRPCServer", "xmlrpc.server"),
            Map.entry("httplib", "http.client"), Map.entry("htmlentitydefs", "html.entities"),
            Map.entry("HTMLParser", "html.parser"), Map.entry("Cookie", "http.cookies"),
            Map.entry("cookielib", "http.cookiejar"), Map.entry("BaseHTTPServer", "http.server"),
            Map.entry("test.test_support", "test.support"), Map.entry("commands", "subprocess"),
            Map.entry("urlparse", "urllib.parse"), Map.entry("robotparser", "urllib.robotparser"),
            Map.entry("urllib2", "urllib.request"), Map.entry("anydbm", "dbm"), Map.entry("_abcoll", "collections.abc"));

    private static final Map<String, PyGlobal> NAMES = new HashMap<>();
    private static final Map<PyGlobal, PyGlobal> REVERSE = new HashMap<>();

    private static final Set<String> PYTHON2_EXCEPTIONS = Set.of("ArithmeticError", "AssertionError",
            "AttributeError", "BaseException", "BufferError", "BytesWarning", "DeprecationWarning", "EOFError",
            "EnvironmentError", "Exception", "FloatingPointError", "FutureWarning", "GeneratorExit", "IOError",
            "ImportError", "ImportWarning", "IndentationError", "IndexError", "KeyError", "KeyboardInterrupt",
            "LookupError", "MemoryError", "NameError", "NotImplementedError", "OSError", "OverflowError",
            "PendingDeprecationWarning", "ReferenceError", "RuntimeError", "RuntimeWarning", "StopIteration",
            "SyntaxError", "SyntaxWarning", "SystemError", "SystemExit", "TabError", "TypeError",
            "UnboundLocalError", "UnicodeDecodeError", "UnicodeEncodeError", "UnicodeError",
            "UnicodeTranslateError", "UnicodeWarning", "UserWarning", "ValueError", "Warning", "ZeroDivisionError");

    static {
        name("__builtin__", "xrange", "builtins", "range");
        name("__builtin__", "reduce", "functools", "reduce");
        name("__builtin__", "intern", "sys", "intern");
        name("__builtin__", "unichr", "builtins", "chr");
        name("__builtin__", "unicode", "builtins", "str");
        name("__builtin__", "long", "builtins", "int");
        name("itertools", "izip", "builtins", "zip");
        name("itertools", "imap", "builtins", "map");
        name("itertools", "ifilter", "builtins", "filter");
        name("itertools", "ifilterfalse", "itertools", "filterfalse");
        name("itertools", "izip_longest", "itertools", "zip_longest");
        name("UserDict", "IterableUserDict", "collections", "UserDict");
        name("UserDict", "UserDict", "collections", "UserDict");
        name("UserList", "UserList", "collections", "UserList");
        name("UserString", "UserString", "collections", "UserString");
        name("exceptions", "StandardError", "builtins", "Exception");
        for (String e : PYTHON2_EXCEPTIONS) name("exceptions", e, "builtins", e);
        // writing protocol 2: CPython's REVERSE_NAME_MAPPING for the names this codec writes
        REVERSE.put(new PyGlobal("builtins", "range"), new PyGlobal("__builtin__", "xrange"));
        REVERSE.put(new PyGlobal("builtins", "str"), new PyGlobal("__builtin__", "unicode"));
        REVERSE.put(new PyGlobal("builtins", "int"), new PyGlobal("__builtin__", "long"));
    }

    private static void name(String oldModule, String oldName, String module, String qualname) {
        NAMES.put(oldModule + "\n" + oldName, new PyGlobal(module, qualname));
    }

    /** The Python 3 global for a name read from a protocol 0-2 pickle. */
    static PyGlobal toPython3(String module, String name) {
        PyGlobal mapped = NAMES.get(module + "\n" + name);
        if (mapped != null) return mapped;
        String m = MODULES.get(module);
        return new PyGlobal(m != null ? m : module, name);
    }

    /** The name to write at protocol 2 (Python 2 can load it; Python 3 maps it back). */
    static PyGlobal toPython2(PyGlobal global) {
        PyGlobal mapped = REVERSE.get(global);
        if (mapped != null) return mapped;
        if (global.module().equals("builtins")) return new PyGlobal("__builtin__", global.qualname());
        if (global.module().equals("copyreg")) return new PyGlobal("copy_reg", global.qualname());
        return global;
    }
}
