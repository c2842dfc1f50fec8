package io.picklebridge.pickle;

import java.util.Set;

/**
 * Callables a pickle may name but the codec refuses to record a call of: the functions that
 * run commands, evaluate code or reach into the interpreter ({@code os.system},
 * {@code builtins.eval}, {@code subprocess.*}, ...), and Java class names. Decoding never runs
 * anything anyway; refusing these with a clear error also keeps such a recipe from being
 * written back to a Python peer that would run it, and tells the sender exactly what was wrong.
 *
 * <pre>{@code
 * codec.loads("cos\nsystem\n(S'echo pwned'\ntR.".getBytes(US_ASCII));
 * // PickleRefusedException: refused to call os.system: it runs commands or code (at byte 14, opcode REDUCE ...)
 * }</pre>
 *
 * A caller who really means to accept one registers an {@link ObjectConstructor} for it, which
 * takes precedence.
 */
final class DangerousCallables {
    private DangerousCallables() {}

    /** Whole modules: anything called from them is refused. */
    private static final Set<String> MODULES = Set.of(
            "os", "posix", "nt", "subprocess", "sys", "shutil", "importlib", "runpy", "code", "codeop",
            "pty", "ctypes", "socket", "multiprocessing", "pickle", "_pickle", "marshal", "pdb", "bdb",
            "webbrowser", "commands", "popen2", "platform", "timeit", "threading", "_thread", "signal",
            "asyncio", "inspect", "gc", "cProfile", "profile", "trace", "tempfile",
            "zipimport", "pkgutil", "distutils", "setuptools", "ensurepip", "venv");

    /** Single builtins that evaluate code, import modules or reach attributes. */
    private static final Set<String> BUILTINS = Set.of(
            "eval", "exec", "compile", "__import__", "getattr", "setattr", "delattr", "open", "input",
            "breakpoint", "globals", "locals", "vars", "exit", "quit", "help", "memoryview", "__build_class__");

    /** Single functions elsewhere that open files or run code. */
    private static final Set<String> FUNCTIONS = Set.of(
            "io.open", "_io.open", "io.open_code", "io.FileIO", "_io.FileIO", "codecs.open");

    /** {@code operator} helpers that turn attribute names into calls. */
    private static final Set<String> OPERATOR = Set.of("attrgetter", "methodcaller", "itemgetter", "call");

    /** Why calling {@code callable} is refused, or {@code null} when it is not on the list. */
    static String reasonToRefuse(PyGlobal callable) {
        String module = callable.module();
        String top = module.indexOf('.') < 0 ? module : module.substring(0, module.indexOf('.'));
        if (MODULES.contains(top)) {
            return "it belongs to module '" + top + "', which runs commands or code or reaches into the interpreter";
        }
        if ((module.equals("builtins") || module.equals("__builtin__")) && BUILTINS.contains(callable.qualname())) {
            return "it evaluates code, imports modules or reaches attributes";
        }
        if (FUNCTIONS.contains(callable.qualifiedName())) {
            return "it opens files or runs code";
        }
        if ((module.equals("operator") || module.equals("_operator")) && OPERATOR.contains(callable.qualname())) {
            return "it turns names into calls";
        }
        if (top.equals("java") || top.equals("javax") || top.equals("jdk") || top.equals("sun")) {
            return "it names a Java class; a pickle never loads Java classes";
        }
        return null;
    }
}
